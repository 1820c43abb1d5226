//go:build !unix

package boltkv

import "os"

// stamp identifies a state of a file: its size and modification time
// (the file's identity is not available here).
type stamp struct {
	dev, ino uint64
	size     int64
	mtime    int64 // nanoseconds
}

func (s stamp) zero() bool { return s == stamp{} }

func statFile(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}
	}
	return stamp{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
}
