//go:build linux

package dataset

import (
	"io"
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

// source is a file being committed, used through its descriptor alone:
// an os.File would cost an fcntl, an epoll_ctl and a finalizer per file,
// which is much of the cost of reading a small one.
type source struct {
	fd   int
	name string
}

// openSource opens a file to commit. O_NONBLOCK keeps the open from
// waiting forever if the path turned into a named pipe since the walk
// (it has no effect on regular files); the caller checks the type.
func openSource(name string) (*source, error) {
	for {
		fd, err := unix.Open(name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		switch err {
		case nil:
			return &source{fd: fd, name: name}, nil
		case unix.EINTR:
			continue
		}
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
}

// stat returns what the hash cache compares, and the file's type and
// permission bits (fs.ModeIrregular for anything but a regular file or a
// folder).
func (s *source) stat() (fileStat, fs.FileMode, error) {
	var st unix.Stat_t
	if err := unix.Fstat(s.fd, &st); err != nil {
		return fileStat{}, 0, &os.PathError{Op: "stat", Path: s.name, Err: err}
	}
	mode := fs.FileMode(st.Mode & 0o777)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	default:
		mode |= fs.ModeIrregular
	}
	return fileStat{
		size:  st.Size,
		mtime: st.Mtim.Nano(),
		ctime: st.Ctim.Nano(),
		ino:   uint64(st.Ino),
		dev:   uint64(st.Dev),
	}, mode, nil
}

// Read implements io.Reader.
func (s *source) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := unix.Read(s.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, &os.PathError{Op: "read", Path: s.name, Err: err}
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (s *source) Close() error { return unix.Close(s.fd) }

// indexMmapSize is the address space bbolt maps index.db into at once
// (256 MiB on 64-bit systems, 1 MiB on 32-bit ones): a commit that adds
// thousands of hash cache entries otherwise grows the map several times
// in its transaction, and bbolt copies every node touched so far to the
// heap at each growth. The file itself grows in steps of indexAllocSize.
// (Not on Windows, where bbolt makes the file as large as the map.)
const indexMmapSize = 1 << (20 + 8*(^uint(0)>>63))
