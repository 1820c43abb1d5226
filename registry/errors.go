package registry

import (
	"errors"

	"github.com/cairn-ml/cairn/internal/perr"
)

// These errors come back from Registry methods and the parsers, wrapped
// with the details of the call; check them with errors.Is.
var (
	// ErrNotFound reports a model, version, alias or blob that does not
	// exist, or a reference that resolves to nothing ("latest" of a model
	// whose versions are all archived).
	ErrNotFound = errors.New("registry: not found")
	// ErrExists reports a model created twice (CreateModel).
	ErrExists = errors.New("registry: already exists")
	// ErrInvalid reports a bad argument: a name that is empty, too long,
	// not printable or holds '/' or '@'; a reserved alias name ("latest",
	// "v<N>"); a malformed digest; an empty or over-large model; a missing
	// format.
	ErrInvalid = errors.New("registry: invalid argument")
	// ErrBadRef reports a reference or models:/ URI that does not parse. It
	// comes wrapped in a *ParseError that says why, and is an ErrInvalid.
	ErrBadRef = perr.Sub("registry: bad reference", ErrInvalid)
	// ErrAliasInUse reports an attempt to archive or delete a version
	// that an alias points at. Move or delete the alias first.
	ErrAliasInUse = errors.New("registry: version is the target of an alias")
	// ErrArchived reports an alias set, or rolled back, to an archived
	// version. Unarchive it first.
	ErrArchived = errors.New("registry: version is archived")
	// ErrNoRollback reports a Rollback with no earlier target to go back
	// to (the alias was only ever set once), or a RollbackTo a version the
	// alias never pointed at.
	ErrNoRollback = errors.New("registry: nothing to roll back to")
	// ErrCorrupt reports stored bytes that fail their check: model bytes
	// that do not hash to the version's digest, or a database record that
	// does not decode.
	ErrCorrupt = errors.New("registry: corrupt data")
	// ErrLocked reports that the database stayed held by another process
	// for longer than Options.Timeout. It comes joined with bbolt's
	// errors.ErrTimeout.
	ErrLocked = errors.New("registry: database file is held by another process")
	// ErrClosed reports a call on a Registry after Close.
	ErrClosed = errors.New("registry: registry is closed")
)

// ParseError reports a reference or models:/ URI that does not parse:
// Input is the text as given and Err, which wraps ErrBadRef (and so
// ErrInvalid), says what is wrong. It is the one ParseError shape every
// cairn package returns (Line and Column are 0 here).
type ParseError = perr.ParseError
