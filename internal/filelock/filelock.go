// Package filelock takes advisory locks on files, fairly between
// processes.
//
// flock(2) has no queue: a process that locks and unlocks a file back to
// back (a dashboard polling, a trainer logging) almost always finds it
// free before a waiting process retries, and can starve it. So a waiter
// first takes an exclusive lock on a gate file beside the locked one and
// holds it while it waits; while one process waits at the gate no other
// can begin a new lock, and a holder that sees the gate taken (Gate.Busy)
// knows to let go soon. All waits poll every millisecond and honour a
// context and a deadline.
//
// Where flock(2) is missing (Windows, Solaris, AIX, Android, Plan 9 and
// WebAssembly: bbolt uses other locks there), Lock does nothing and
// reports success, Busy reports false: the caller's own lock (bbolt's)
// then applies, correct but not fair.
package filelock

import (
	"context"
	"errors"
	"os"
	"time"
)

// ErrTimeout reports that a lock stayed held until the deadline.
var ErrTimeout = errors.New("filelock: lock wait timed out")

// Poll is how often a wait retries a lock that is held.
const Poll = time.Millisecond

// Gate is an open gate file. Its zero value is not usable; use OpenGate.
// A Gate is safe for concurrent use.
type Gate struct {
	f *os.File
}

// OpenGate opens (creating it if needed) the gate file at path.
func OpenGate(path string) (*Gate, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return &Gate{f: f}, nil
}

// Close closes the gate file.
func (g *Gate) Close() error { return g.f.Close() }

// Lock waits until f holds a lock of the kind asked for (shared, or
// exclusive if exclusive is set), passing through the gate: it holds the
// gate while it waits and releases it before returning. A zero deadline
// waits until ctx is done. On a timeout the error is ErrTimeout; when ctx
// ends, ctx.Err().
func (g *Gate) Lock(ctx context.Context, f *os.File, exclusive bool, deadline time.Time) error {
	if !supported {
		return nil
	}
	if ok, err := tryLock(g.f, true); err != nil {
		return err
	} else if !ok {
		if err := wait(ctx, g.f, true, deadline); err != nil {
			return err
		}
	}
	defer unlock(g.f)
	if ok, err := tryLock(f, exclusive); err != nil || ok {
		return err
	}
	return wait(ctx, f, exclusive, deadline)
}

// Busy reports whether another lock holder is waiting at the gate (or
// passing through it). It takes and drops the gate's lock without waiting.
func (g *Gate) Busy() bool {
	if !supported {
		return false
	}
	ok, err := tryLock(g.f, true)
	if err != nil || !ok {
		return true
	}
	unlock(g.f)
	return false
}

// TryLock takes a lock on f without waiting and reports whether it got
// it.
func TryLock(f *os.File, exclusive bool) (bool, error) {
	if !supported {
		return true, nil
	}
	return tryLock(f, exclusive)
}

// Unlock drops f's lock.
func Unlock(f *os.File) error {
	if !supported {
		return nil
	}
	return unlock(f)
}

// Wait waits for a lock on f without a gate.
func Wait(ctx context.Context, f *os.File, exclusive bool, deadline time.Time) error {
	if !supported {
		return nil
	}
	if ok, err := tryLock(f, exclusive); err != nil || ok {
		return err
	}
	return wait(ctx, f, exclusive, deadline)
}

func wait(ctx context.Context, f *os.File, exclusive bool, deadline time.Time) error {
	t := time.NewTicker(Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		ok, err := tryLock(f, exclusive)
		if err != nil || ok {
			return err
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return ErrTimeout
		}
	}
}
