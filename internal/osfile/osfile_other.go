//go:build !unix

package osfile

import "os"

// Open is os.OpenFile.
func Open(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}

// OpenSource opens a file to read, as os.Open.
func OpenSource(name string) (*os.File, error) { return os.Open(name) }
