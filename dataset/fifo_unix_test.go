//go:build unix

package dataset_test

import "golang.org/x/sys/unix"

// mkfifo creates a named pipe; it reports false where there are none.
func mkfifo(path string) (bool, error) { return true, unix.Mkfifo(path, 0o644) }
