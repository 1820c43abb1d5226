package tune

import (
	"errors"
	"fmt"

	"github.com/cairn-ml/cairn/internal/perr"
)

// ErrInvalid reports a bad argument; ErrBadParam and ErrBadConfig are
// kinds of it.
var ErrInvalid = errors.New("tune: invalid argument")

// These errors describe a bad parameter request in an objective: they come
// back wrapped in a *ParamError from [Trial.Err], and a trial that made such a
// request ends failed with it.
var (
	// ErrBadParam reports a request the package cannot serve: an empty name,
	// lo > hi, a non-finite bound, a log range that does not start above 0,
	// a step below the minimum, no choices or repeated choices, or an
	// enqueued fixed value outside the requested range.
	ErrBadParam = perr.Sub("tune: bad parameter request", ErrInvalid)
	// ErrParamConflict reports a name asked for twice in one trial with two
	// different ranges or kinds.
	ErrParamConflict = errors.New("tune: parameter asked again with a different distribution")
)

// These errors describe how a trial ended.
var (
	// ErrPruned is returned by an objective (wrapped or not) to say that it
	// stopped early because [Trial.ShouldPrune] said so; the trial ends
	// pruned rather than failed.
	ErrPruned = errors.New("tune: trial pruned")
	// ErrPanic is wrapped by the *PanicError of a trial whose objective
	// panicked.
	ErrPanic = errors.New("tune: objective panicked")
	// ErrBadValue reports an objective that returned NaN; the trial ends
	// failed with it.
	ErrBadValue = errors.New("tune: objective returned NaN")
	// ErrInterrupted marks a trial that was running in a shared storage
	// when the worker that ran it stopped sending heartbeats (its process
	// died), or that was running in a storage that only its own process
	// used when the study was opened again.
	ErrInterrupted = errors.New("tune: trial interrupted")
)

// These errors come back from Study methods.
var (
	// ErrBadConfig reports a StudyConfig, sampler or pruner setting that
	// cannot be used.
	ErrBadConfig = perr.Sub("tune: bad configuration", ErrInvalid)
	// ErrStop may be returned (wrapped or not) by a callback to end
	// Optimize early without an error: no new trial starts, the running ones
	// finish, and Optimize returns nil.
	ErrStop = errors.New("tune: stop requested")
	// ErrTrialDone reports a Tell on a trial that has already ended or that
	// belongs to another study.
	ErrTrialDone = errors.New("tune: trial already finished")
	// ErrNoTrials reports too few complete trials for the operation (for
	// example Importance).
	ErrNoTrials = errors.New("tune: not enough complete trials")
	// ErrCorrupt reports stored trials that cannot be read back: a record
	// that does not decode, trial numbers that repeat or leave gaps, a
	// damaged storage file.
	ErrCorrupt = errors.New("tune: corrupt study storage")
	// ErrNotFound reports a study that the storage does not hold.
	ErrNotFound = errors.New("tune: not found")
	// ErrLocked reports a storage file held by another process for longer
	// than the wait allows; it comes joined with bbolt's errors.ErrTimeout.
	ErrLocked = errors.New("tune: storage held by another process")
	// ErrClosed reports a call on a closed Storage or Study.
	ErrClosed = errors.New("tune: closed")
)

// ParamError is recorded by a Trial for a parameter request it cannot serve.
// Err is ErrBadParam or ErrParamConflict, or the error of a sampler.
type ParamError struct {
	Name   string
	Detail string
	Err    error
}

func (e *ParamError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("%v: %q", e.Err, e.Name)
	}
	return fmt.Sprintf("%v: %q: %s", e.Err, e.Name, e.Detail)
}

// Unwrap returns the underlying error.
func (e *ParamError) Unwrap() error { return e.Err }

// PanicError is the error of a trial whose objective panicked. Value is what
// was passed to panic and Stack the goroutine's stack at the time. It wraps
// ErrPanic.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("%v: %v", ErrPanic, e.Value) }

// Unwrap returns ErrPanic, or also the panic value when it is an error.
func (e *PanicError) Unwrap() []error {
	if err, ok := e.Value.(error); ok {
		return []error{ErrPanic, err}
	}
	return []error{ErrPanic}
}
