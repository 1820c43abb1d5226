//go:build !linux

package dataset

import (
	"io/fs"
)

// fileID returns zeros where the platform gives no inode and change time;
// the hash cache then keys on path, size and mtime only.
func fileID(fs.FileInfo) (ino, dev uint64, ctime int64) { return 0, 0, 0 }

// indexMmapSize: bbolt's default (see sys_linux.go).
const indexMmapSize = 0
