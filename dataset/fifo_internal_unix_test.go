//go:build unix

package dataset

import "syscall"

func mkfifoInternal(path string) (bool, error) { return true, syscall.Mkfifo(path, 0o644) }
