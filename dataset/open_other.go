//go:build !unix

package dataset

import "os"

func openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}

func openSourceFile(name string) (*os.File, error) { return os.Open(name) }
