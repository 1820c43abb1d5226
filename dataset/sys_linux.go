//go:build linux

package dataset

import (
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// fileID returns the inode, device and change time (ns) of a file, which
// the hash cache keys on besides size and mtime.
func fileID(fi fs.FileInfo) (ino, dev uint64, ctime int64) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 0
	}
	return st.Ino, st.Dev, st.Ctim.Nano()
}

// haveSyncFS says whether syncFS is available. With it, a commit that
// writes many objects flushes them with one syncfs(2) instead of one
// fsync(2) each.
const haveSyncFS = true

// syncFS flushes every dirty page and inode of the file system that holds
// dir (syncfs(2); since Linux 5.8 it also reports write-back errors).
func syncFS(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}
