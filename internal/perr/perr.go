// Package perr holds the error shapes every cairn package shares: the one
// ParseError, sentinels that refine another (ErrBadRef is an ErrInvalid),
// and the bound on how much of a user's input an error may quote.
package perr

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseError reports text that does not parse: a reference, a query, a
// line of a file. Input is the text as given (clipped to MaxQuote bytes;
// empty for a file, where Line says where), Line and Column are 1-based
// (0 when they do not apply: a one-line input has no Line, a problem with
// the whole input no Column; a CSV column counts fields), and Err says
// what is wrong: it wraps the package's sentinel (ErrBadRef, ErrBadQuery,
// ErrNotNumber...), which errors.Is finds through the ParseError.
type ParseError struct {
	Input  string
	Line   int
	Column int
	Err    error
}

// Error returns the position, the input and the reason:
//
//	line 3, column 2: dataset: not a number: "x"
//	"champion": registry: bad reference: an alias is written "@champion"
//	column 14 of "metrics.f1 >": track: bad query: a value after ">"
//	column 5: dataset: every value is missing: column "age"
func (e *ParseError) Error() string {
	var pos string
	switch {
	case e.Line > 0 && e.Column > 0:
		pos = fmt.Sprintf("line %d, column %d", e.Line, e.Column)
	case e.Line > 0:
		pos = fmt.Sprintf("line %d", e.Line)
	case e.Column > 0 && e.Input == "":
		pos = fmt.Sprintf("column %d", e.Column) // a column of a file
	case e.Column > 0:
		pos = fmt.Sprintf("column %d of %s", e.Column, Quote(e.Input))
	case e.Input == "":
		return e.Err.Error()
	default:
		pos = Quote(e.Input)
	}
	return pos + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *ParseError) Unwrap() error { return e.Err }

// MaxQuote is the most bytes of a user's input an error quotes.
const MaxQuote = 64

// Clip returns s cut to MaxQuote bytes (on a rune boundary) with "..."
// appended if it was longer.
func Clip(s string) string {
	if len(s) <= MaxQuote {
		return s
	}
	n := MaxQuote
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// Quote returns s quoted as Go does (%q), cut to MaxQuote bytes on a rune
// boundary and followed by "... (N bytes)" when it was longer, so that an
// error names a long input without repeating it.
func Quote[T ~string | ~[]byte](s T) string {
	if len(s) <= MaxQuote {
		return strconv.Quote(string(s))
	}
	n := MaxQuote
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return strconv.Quote(string(s[:n])) + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// Sub returns a sentinel with message msg that errors.Is also matches
// against parent: a refinement (ErrBadRef is an ErrInvalid).
func Sub(msg string, parent error) error { return &sub{msg: msg, parent: parent} }

type sub struct {
	msg    string
	parent error
}

func (e *sub) Error() string { return e.msg }

// Unwrap returns the parent sentinel.
func (e *sub) Unwrap() error { return e.parent }

// CheckText returns why s cannot be stored as text (valid UTF-8, no NUL
// byte, at most max bytes, and, unless empty is set, not empty), or "".
// what names the value in the reason ("run name").
func CheckText(what, s string, max int, empty bool) string {
	switch {
	case s == "" && !empty:
		return "empty " + what
	case len(s) > max:
		return fmt.Sprintf("%s is %d bytes, more than %d", what, len(s), max)
	case !utf8.ValidString(s):
		return fmt.Sprintf("%s %s is not valid UTF-8", what, Quote(s))
	case strings.IndexByte(s, 0) >= 0:
		return fmt.Sprintf("%s %s holds a NUL byte", what, Quote(s))
	}
	return ""
}

// KindError is an error of the storage core's engines: it reads as the
// calling package's sentinel (Mine: track.ErrCorrupt, say), followed by
// what failed and the cause, and unwraps to Mine, to the engine's own
// sentinel of that kind (Kind: kv.ErrCorrupt) and to the cause.
type KindError struct {
	Mine, Kind error
	What       string
	Err        error
}

func (e *KindError) Error() string {
	s := e.Mine.Error()
	if e.What != "" {
		s += ": " + e.What
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns Mine, Kind (if it differs) and Err (if any).
func (e *KindError) Unwrap() []error {
	out := []error{e.Mine}
	if e.Kind != e.Mine {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}
