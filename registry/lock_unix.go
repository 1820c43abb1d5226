//go:build unix

package registry

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// waitLock waits until the file at path could be locked (shared, or
// exclusive if write) without waiting, checking every millisecond, for at
// most timeout (0: no limit), and reports whether it gave up. bbolt's own lock wait retries only every 50
// ms, so in Shared mode a call that meets another process's brief open
// would lose 50 ms; probing first loses about one. A reader keeps its
// shared lock until bbolt holds one too (release does that), so no writer
// can slip in between; a writer cannot keep its probe lock (bbolt's would
// conflict with it), so if another process wins the race bbolt's retry
// takes over. Errors other than "locked" are left for bbolt to report.
func waitLock(ctx context.Context, path string, write bool, timeout time.Duration) (release func(), timedOut bool) {
	f, err := os.Open(path)
	if err != nil {
		return func() {}, false
	}
	how := syscall.LOCK_SH
	if write {
		how = syscall.LOCK_EX
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			break
		}
		late := !deadline.IsZero() && time.Now().After(deadline)
		if !errors.Is(err, syscall.EWOULDBLOCK) || ctx.Err() != nil || late {
			f.Close()
			return func() {}, late
		}
		time.Sleep(time.Millisecond)
	}
	if write {
		f.Close() // closing the file drops the lock
		return func() {}, false
	}
	return func() { f.Close() }, false
}
