package dataset

import (
	"errors"
	"fmt"
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
	// ErrInvalid reports a Dataset whose fields disagree with each other
	// (shape, labels out of range, duplicate names).
	ErrInvalid = errors.New("dataset: invalid data set")
	// ErrBadIndex reports an index outside the data set.
	ErrBadIndex = errors.New("dataset: index out of range")
	// ErrBadSplit reports split arguments that cannot be met (a fraction
	// outside (0, 1), k below 2 or above the number of rows, an empty part).
	ErrBadSplit = errors.New("dataset: bad split")
)

// ParseError is returned by ReadCSV for input it cannot read. Line and
// Column are 1-based; Column counts fields (not bytes) and is 0 when the
// problem concerns the whole line or the whole input. Err is one of the
// package's sentinel errors or an error from encoding/csv.
type ParseError struct {
	Line   int
	Column int
	Err    error
}

func (e *ParseError) Error() string {
	switch {
	case e.Line == 0:
		return e.Err.Error()
	case e.Column == 0:
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	default:
		return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
	}
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// These errors come from the version repository (Open, Repo and its
// methods). Check them with errors.Is; the message around them names the
// data set, version, path or object concerned.
var (
	// ErrNotFound reports a name, version, object or file that is not in
	// the repository (or not on a Remote).
	ErrNotFound = errors.New("dataset: not found")
	// ErrBadName reports a data set name that Open's rules reject (see
	// the package doc, # Versions).
	ErrBadName = errors.New("dataset: invalid name")
	// ErrBadRef reports a version reference that is not "latest", "v<n>"
	// or a hex digest prefix of at least 4 digits.
	ErrBadRef = errors.New("dataset: invalid version reference")
	// ErrAmbiguous reports a digest prefix that matches versions with
	// different contents.
	ErrAmbiguous = errors.New("dataset: ambiguous version reference")
	// ErrBadPath reports a path that would escape its root: "..",
	// an absolute path inside a manifest, a symbolic link that points
	// outside the committed tree, or a tree that contains the repository
	// itself.
	ErrBadPath = errors.New("dataset: path escapes its root")
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
	// ErrLocked reports that another process holds the repository's index
	// file; it comes with bbolt's errors.ErrTimeout.
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
