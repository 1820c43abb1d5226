//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package track

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// lockPoll is how often a Shared-mode open retries a lock that is held.
// (bbolt's own retry interval is 50 ms.)
const lockPoll = time.Millisecond

// errGateTimeout reports that a lock stayed held until the deadline.
var errGateTimeout = errors.New("lock wait timed out")

// enterGate makes opening the database in Shared mode fair between
// processes. bbolt takes the file lock by trying every 50 ms, so a process
// that opens and closes the file back to back (a dashboard polling, a
// trainer logging) almost always finds it free before a waiting process
// retries, and can starve it. So every Shared-mode open first takes an
// exclusive lock on the gate file <path>.lock, and holds it while it waits
// (retrying every millisecond) until the database file can be locked the
// way bbolt will lock it; the caller then opens with bbolt, which gets the
// lock at once, and calls release. While one process waits at the gate no
// other can begin a new open, so the waiter gets the file as soon as the
// current holder's call ends. A zero deadline waits indefinitely.
func enterGate(path string, write bool, deadline time.Time) (release func(), err error) {
	g, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := flockUntil(g, syscall.LOCK_EX, deadline); err != nil {
		g.Close()
		return nil, err
	}
	release = func() {
		syscall.Flock(int(g.Fd()), syscall.LOCK_UN)
		g.Close()
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return release, nil // a new file: nobody to wait for
	}
	if err != nil {
		release()
		return nil, err
	}
	defer f.Close()
	how := syscall.LOCK_SH
	if write {
		how = syscall.LOCK_EX
	}
	if err := flockUntil(f, how, deadline); err != nil {
		release()
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		release()
		return nil, fmt.Errorf("unlock: %w", err)
	}
	return release, nil
}

func flockUntil(f *os.File, how int, deadline time.Time) error {
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return err
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return errGateTimeout
		}
		time.Sleep(lockPoll)
	}
}
