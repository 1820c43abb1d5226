//go:build linux

package dataset

import (
	"io"
	"io/fs"
	"os"
	"strconv"
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

// Unnamed objects. On Linux a commit writes each small object into an
// unnamed file (open(2) with O_TMPFILE), keeps it open, and after the
// syncfs gives it its name under objects/ with linkat(2). That spares the
// temporary name, its directory entry and the rename: about a third of
// the file system work per object.

// Ways to name an unnamed file (Repo.unnamed).
const (
	unnamedUnknown   = iota
	unnamedEmptyPath // linkat(fd, "", AT_EMPTY_PATH): Linux 6.10 on, or with CAP_DAC_READ_SEARCH
	unnamedProc      // linkat("/proc/self/fd/N", AT_SYMLINK_FOLLOW)
	unnamedNone      // no O_TMPFILE here: use named temporary files
)

// openDirFd opens a folder for the *at system calls.
func openDirFd(path string) (int, error) {
	for {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

func closeFd(fd int) error { return unix.Close(fd) }

// openUnnamed creates an unnamed, read-only regular file in folder dirfd,
// open for writing.
func openUnnamed(dirfd int) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, ".", unix.O_WRONLY|unix.O_TMPFILE|unix.O_CLOEXEC, 0o444)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// linkUnnamed gives the unnamed file fd the name name under folder dirfd.
func linkUnnamed(how int, fd, dirfd int, name string) error {
	for {
		var err error
		if how == unnamedEmptyPath {
			err = unix.Linkat(fd, "", dirfd, name, unix.AT_EMPTY_PATH)
		} else {
			err = unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(fd), dirfd, name, unix.AT_SYMLINK_FOLLOW)
		}
		if err != unix.EINTR {
			return err
		}
	}
}

// probeUnnamed finds out how this system names unnamed files in folder
// dirfd: it creates one, names it "probe" and removes it.
func probeUnnamed(dirfd int) int {
	fd, err := openUnnamed(dirfd)
	if err != nil {
		return unnamedNone
	}
	defer unix.Close(fd)
	for _, how := range []int{unnamedEmptyPath, unnamedProc} {
		if linkUnnamed(how, fd, dirfd, "probe") == nil {
			unix.Unlinkat(dirfd, "probe", 0)
			return how
		}
	}
	return unnamedNone
}

// writeFd writes all of b to fd.
func writeFd(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		b = b[n:]
	}
	return nil
}

func fsyncFd(fd int) error { return unix.Fsync(fd) }

// existsAt reports whether name exists under folder dirfd (without
// following a final symbolic link).
func existsAt(dirfd int, name string) (bool, error) {
	var st unix.Stat_t
	for {
		err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		switch err {
		case nil:
			return true, nil
		case unix.ENOENT:
			return false, nil
		case unix.EINTR:
			continue
		}
		return false, &os.PathError{Op: "stat", Path: name, Err: err}
	}
}

// mkdirAt creates folder name under dirfd; it reports whether it did
// (false if it was there already).
func mkdirAt(dirfd int, name string) (bool, error) {
	err := unix.Mkdirat(dirfd, name, 0o755)
	switch err {
	case nil:
		return true, nil
	case unix.EEXIST:
		return false, nil
	}
	return false, &os.PathError{Op: "mkdir", Path: name, Err: err}
}

// renameAt renames the file at path from to name under folder dirfd.
func renameAt(from string, dirfd int, name string) error {
	return unix.Renameat(unix.AT_FDCWD, from, dirfd, name)
}

// isNotExist reports whether err is ENOENT.
func isNotExist(err error) bool { return err == unix.ENOENT }

// isExist reports whether err is EEXIST.
func isExist(err error) bool { return err == unix.EEXIST }

// haveAt says whether the stager uses descriptors of its folders and the
// *at system calls (openDirFd and the rest work).
const haveAt = true

// openFileLimit returns the soft limit on open descriptors.
func openFileLimit() int {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<30 {
		return 1 << 30
	}
	return int(rl.Cur)
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
