//go:build linux

package dirblob

import (
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

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
