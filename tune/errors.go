package tune

import (
	"errors"
	"fmt"
)

// These errors describe a bad parameter request in an objective: they come
// back wrapped in a *ParamError from [Trial.Err], and a trial that made such a
// request ends failed with it.
var (
	// ErrBadParam reports a request the package cannot serve: an empty name,
	// lo > hi, a non-finite bound, a log range that does not start above 0,
	// a step below the minimum, no choices or repeated choices, or an
	// enqueued fixed value outside the requested range.
	ErrBadParam = errors.New("tune: bad parameter request")
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
	// ErrInterrupted marks a trial found running in a storage when a study
	// was opened on it: the process that ran it stopped before it ended.
	ErrInterrupted = errors.New("tune: trial interrupted")
)

// These errors come back from Study methods.
var (
	// ErrBadConfig reports a StudyConfig, sampler or pruner setting that
	// cannot be used.
	ErrBadConfig = errors.New("tune: bad configuration")
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
	// ErrCorrupt reports stored trials that cannot be read back: a line of
	// a study file that is not a valid record, or trial numbers that repeat
	// or leave gaps.
	ErrCorrupt = errors.New("tune: corrupt study storage")
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
