//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package track

import (
	"errors"
	"time"
)

var errGateTimeout = errors.New("lock wait timed out")

// enterGate is a no-op where flock(2) is not available: Shared mode then
// relies on bbolt's file lock alone, which is correct but not fair
// between processes (see gate_unix.go).
func enterGate(path string, write bool, deadline time.Time) (func(), error) {
	return func() {}, nil
}
