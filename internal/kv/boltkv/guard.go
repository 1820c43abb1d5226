package boltkv

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
)

// errPanic marks an error made from a recovered panic.
var errPanic = errors.New("recovered panic")

// panicError is a panic or memory fault recovered by guard.
type panicError struct {
	value  any
	where  string // the function and line that panicked
	inBolt bool   // raised inside bbolt (or a fault): the file is damaged
}

func (e *panicError) Error() string {
	if e.inBolt {
		return fmt.Sprintf("bbolt failed reading the file: %v", e.value)
	}
	return fmt.Sprintf("panic in a transaction at %s: %v", e.where, e.value)
}

func (e *panicError) Unwrap() error { return errPanic }

// guard runs fn with memory faults turned into panics
// (debug.SetPanicOnFault: bbolt reads a memory map, and a page past the
// end of a truncated file faults) and recovers any panic as an error
// wrapping errPanic. A fault, or a panic raised in bbolt's code (an
// invalid page, a failed assertion), is marked as damage.
func guard(fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			where, inBolt := panicSite()
			err = &panicError{value: r, where: where, inBolt: isFault(r) || inBolt}
		}
	}()
	return fn()
}

func isFault(r any) bool {
	_, ok := r.(interface{ Addr() uintptr })
	return ok
}

// panicSite returns where the panic being recovered was raised (the
// innermost frame outside the runtime) and whether that is in bbolt's
// code.
func panicSite() (string, bool) {
	pc := make([]uintptr, 32)
	n := runtime.Callers(3, pc)
	frames := runtime.CallersFrames(pc[:n])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "runtime.") {
			return fmt.Sprintf("%s (%s:%d)", f.Function, filepath.Base(f.File), f.Line), strings.HasPrefix(f.Function, "go.etcd.io/bbolt")
		}
		if !more {
			return "?", false
		}
	}
}
