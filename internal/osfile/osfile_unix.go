//go:build unix

// Package osfile opens files without the cost the runtime's poller adds
// to regular files.
package osfile

import (
	"os"
	"syscall"
)

// Open is os.OpenFile without the netpoller: os.OpenFile sets a new
// descriptor non-blocking, tries to add it to epoll (which refuses regular
// files) and sets it blocking again, five system calls that make up a
// good part of the cost of a small file. os.NewFile skips them.
func Open(name string, flag int, perm os.FileMode) (*os.File, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(name, flag|syscall.O_CLOEXEC, uint32(perm.Perm()))
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}

// OpenSource opens a file to commit where source does not use raw
// descriptors. O_NONBLOCK keeps the open from waiting forever if the path
// turned into a named pipe since the walk (it has no effect on regular
// files); the caller checks the type.
func OpenSource(name string) (*os.File, error) {
	return Open(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
