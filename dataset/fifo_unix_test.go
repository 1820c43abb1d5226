//go:build unix

package dataset_test

import "syscall"

// mkfifo creates a named pipe; it reports false where there are none.
func mkfifo(path string) (bool, error) { return true, syscall.Mkfifo(path, 0o644) }
