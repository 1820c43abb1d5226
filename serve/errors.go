package serve

import (
	"errors"
	"fmt"
	"time"
)

// These errors come back from the Server's Go methods (New, Set, Follow,
// Close), wrapped with details; check them with errors.Is. Errors in HTTP
// requests never leave the server as Go errors: they become JSON error
// responses (see # Errors in the package doc).
var (
	// ErrNotFound reports a model, or a version of one, that the server
	// does not know.
	ErrNotFound = errors.New("serve: not found")
	// ErrExists reports a model name that is already served (Follow).
	ErrExists = errors.New("serve: model already served")
	// ErrInvalid reports a bad argument or option: an empty model name,
	// a version below 1, a nil Predictor, a negative limit, a reference
	// that does not parse.
	ErrInvalid = errors.New("serve: invalid argument")
	// ErrLoad reports a model version that cannot be served: its bytes do
	// not decode, its Predictor fails the checks made before a swap (see
	// # Model swaps in the package doc), or it panics. It comes wrapped in
	// a *LoadError.
	ErrLoad = errors.New("serve: model version refused")
	// ErrSchema reports a new version whose features or classes differ
	// from those of the version being served (unless
	// Options.AllowSchemaChange). It comes wrapped in a *LoadError, with
	// ErrLoad.
	ErrSchema = errors.New("serve: features or classes differ from the serving version")
	// ErrClosed reports a call after Close.
	ErrClosed = errors.New("serve: server is closed")
)

// LoadError reports a model version that could not be loaded or was
// refused. Err says why: an error from the registry (registry.ErrCorrupt
// for bytes that fail their digest, registry.ErrNotFound, a lock timeout),
// from the decoder, or ErrSchema; Unwrap also yields ErrLoad when the
// version itself is at fault (not a registry or I/O error).
type LoadError struct {
	Model   string
	Version int // 0 when not known
	At      time.Time
	Err     error
	refused bool // the version is at fault: Unwrap adds ErrLoad
}

func (e *LoadError) Error() string {
	if e.Version == 0 {
		return fmt.Sprintf("serve: load %s: %v", e.Model, e.Err)
	}
	return fmt.Sprintf("serve: load %s v%d: %v", e.Model, e.Version, e.Err)
}

// Unwrap returns Err, and ErrLoad when the version was refused.
func (e *LoadError) Unwrap() []error {
	if e.refused {
		return []error{ErrLoad, e.Err}
	}
	return []error{e.Err}
}
