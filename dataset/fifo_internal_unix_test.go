//go:build unix

package dataset

import "golang.org/x/sys/unix"

func mkfifoInternal(path string) (bool, error) { return true, unix.Mkfifo(path, 0o644) }
