//go:build unix && !aix

package benchtree

import "syscall"

// Sync flushes the file systems (sync(2)), so that a benchmark does not
// pay for writing back the tree it was given.
func Sync() error {
	syscall.Sync()
	return nil
}
