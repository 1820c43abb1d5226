package track

import (
	"errors"

	"github.com/cairn-ml/cairn/internal/perr"
)

// These errors come back from Store and Run methods, wrapped with the
// details of the call; check them with errors.Is.
var (
	// ErrNotFound reports an experiment, run, artifact or blob that does
	// not exist (a purged run included).
	ErrNotFound = errors.New("track: not found")
	// ErrInvalid reports a bad argument: an empty or over-long name or key,
	// a string holding a NUL byte or invalid UTF-8, a malformed run id or
	// digest, an artifact path that escapes its run, a status that is not
	// terminal where one is required.
	ErrInvalid = errors.New("track: invalid argument")
	// ErrParamConflict reports a param logged again with a different
	// value. Params are write-once: logging the same value again is a
	// no-op.
	ErrParamConflict = errors.New("track: param already logged with a different value")
	// ErrDeleted reports a write to a run that has been deleted, or a run
	// started in (or an experiment renamed while) an experiment that has
	// been deleted; restore it first.
	ErrDeleted = errors.New("track: deleted")
	// ErrExists reports an experiment created, or renamed, with a name
	// another experiment has.
	ErrExists = errors.New("track: already exists")
	// ErrBadQuery reports a filter or order-by clause that does not parse
	// or names a column that cannot be used that way; it comes wrapped in
	// a *ParseError that gives the column.
	ErrBadQuery = errors.New("track: bad query")
	// ErrBadPageToken reports a page token that is malformed or was made
	// for a different query.
	ErrBadPageToken = errors.New("track: bad page token")
	// ErrCorrupt reports stored bytes that fail their check: a blob whose
	// content does not hash to its name, or a database record that does
	// not decode.
	ErrCorrupt = errors.New("track: corrupt data")
	// ErrLocked reports that the database stayed held by another process
	// for longer than Options.Timeout. It comes joined with bbolt's
	// errors.ErrTimeout.
	ErrLocked = errors.New("track: database file is held by another process")
	// ErrClosed reports a call on a Store after Close.
	ErrClosed = errors.New("track: store is closed")
)

// ParseError is returned by SearchRuns for a filter or order-by clause
// that it cannot use: Input is the clause as given, Column the 1-based
// position (in characters) where the problem starts, and Err, which wraps
// ErrBadQuery, says what was expected there. It is the one ParseError
// shape every cairn package returns (Line is 0 here).
type ParseError = perr.ParseError
