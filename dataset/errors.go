package dataset

import (
	"errors"

	"github.com/cairn-ml/cairn/internal/perr"
)

// These errors describe bad input to ReadCSV. They come back wrapped in a
// *ParseError that says where in the input the problem is; check them with
// errors.Is.
var (
	ErrEmpty           = errors.New("dataset: empty input")
	ErrRagged          = errors.New("dataset: wrong number of fields")
	ErrNotNumber       = errors.New("dataset: not a number")
	ErrNonFinite       = errors.New("dataset: NaN or infinite value")
	ErrDuplicateHeader = errors.New("dataset: duplicate column name")
	ErrEmptyHeader     = errors.New("dataset: empty column name")
	ErrNoLabel         = errors.New("dataset: label column not found")
	ErrNoFeatures      = errors.New("dataset: no feature columns")
	ErrUnknownClass    = errors.New("dataset: label is not one of the given classes")
	ErrTooFewClasses   = errors.New("dataset: too few classes")
)

// These errors describe a data set or arguments that an operation cannot
// work with.
var (
	// ErrInvalid reports a bad argument: a Dataset whose fields disagree
	// with each other (shape, labels out of range, duplicate names), and
	// every more precise kind below (ErrBadIndex, ErrBadSplit, ErrBadName,
	// ErrBadRef, ErrAmbiguous, ErrBadPath) is one too.
	ErrInvalid = errors.New("dataset: invalid argument")
	// ErrBadIndex reports an index outside the data set.
	ErrBadIndex = perr.Sub("dataset: index out of range", ErrInvalid)
	// ErrBadSplit reports split arguments that cannot be met (a fraction
	// outside (0, 1), k below 2 or above the number of rows, an empty part).
	ErrBadSplit = perr.Sub("dataset: bad split", ErrInvalid)
)

// ParseError is returned by ReadCSV and ReadTable for input they cannot
// read (Line and Column are 1-based; Column counts fields, not bytes, and
// is 0 when the problem concerns the whole line or the whole input), and
// by Resolve for a version reference that does not parse (Input is the
// reference). Err wraps one of the package's sentinel errors or an error
// from encoding/csv. It is the one ParseError shape every cairn package
// returns.
type ParseError = perr.ParseError

// These errors come from the version repository (Open, Repo and its
// methods). Check them with errors.Is; the message around them names the
// data set, version, path or object concerned.
var (
	// ErrNotFound reports a name, version, object or file that is not in
	// the repository (or not on a remote).
	ErrNotFound = errors.New("dataset: not found")
	// ErrBadName reports a data set name that Open's rules reject (see
	// the package doc, # Versions).
	ErrBadName = perr.Sub("dataset: invalid name", ErrInvalid)
	// ErrBadRef reports a version reference that does not parse (see
	// Resolve); it comes in a *ParseError.
	ErrBadRef = perr.Sub("dataset: invalid version reference", ErrInvalid)
	// ErrAmbiguous reports a digest prefix that matches versions with
	// different contents.
	ErrAmbiguous = perr.Sub("dataset: ambiguous version reference", ErrInvalid)
	// ErrBadPath reports a path that would escape its root: "..",
	// an absolute path inside a manifest, a symbolic link that points
	// outside the committed tree, or a tree that contains the repository
	// itself.
	ErrBadPath = perr.Sub("dataset: path escapes its root", ErrInvalid)
	// ErrNotRegular reports something in a tree that is neither a regular
	// file nor a directory (a device, a socket, a pipe, a symbolic link to
	// a directory, a dangling link).
	ErrNotRegular = errors.New("dataset: not a regular file")
	// ErrChanged reports a file that changed while Commit was reading it.
	ErrChanged = errors.New("dataset: file changed while being committed")
	// ErrExists reports a Checkout destination that already exists (and
	// is not an empty directory).
	ErrExists = errors.New("dataset: destination exists")
	// ErrCorrupt reports stored bytes that do not hash to their name, or
	// a manifest or index record that cannot be decoded.
	ErrCorrupt = errors.New("dataset: corrupt data")
	// ErrLocked reports that another process held the repository's index
	// file, or its blob store's collection lock, for longer than
	// Options.Timeout; it comes with the cause (bbolt's errors.ErrTimeout).
	ErrLocked = errors.New("dataset: repository locked by another process")
	// ErrClosed reports a call on a Repo after Close.
	ErrClosed = errors.New("dataset: repository closed")
)

// These errors describe bad input to ReadTable, besides those of ReadCSV.
// They come back wrapped in a *ParseError whose message names the column.
var (
	// ErrAllMissing reports a feature column in which every cell is
	// missing.
	ErrAllMissing = errors.New("dataset: column has no values")
	// ErrMissingTarget reports a row whose target cell is missing.
	ErrMissingTarget = errors.New("dataset: missing target value")
	// ErrNoColumn reports a column named in the options that the header
	// does not have.
	ErrNoColumn = errors.New("dataset: no such column")
	// ErrSyntax reports a quoted field that is not closed, or text
	// after the closing quote of a field.
	ErrSyntax = errors.New("dataset: malformed CSV")
)
