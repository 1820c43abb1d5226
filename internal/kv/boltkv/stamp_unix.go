//go:build unix

package boltkv

import (
	"os"
	"syscall"
)

// stamp identifies a state of a file: which file (device and inode), its
// size and its modification time. Two stamps are equal only for the same
// file unchanged (up to the clock's resolution).
type stamp struct {
	dev, ino uint64
	size     int64
	mtime    int64 // nanoseconds
}

func (s stamp) zero() bool { return s == stamp{} }

// statFile returns the file's stamp, or the zero stamp if it cannot be
// read.
func statFile(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}
	}
	st := stamp{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.dev, st.ino = uint64(sys.Dev), uint64(sys.Ino)
	}
	return st
}
