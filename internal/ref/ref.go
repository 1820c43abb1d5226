// Package ref is the one reference grammar of cairn: how a user names a
// version, in the registry, in a data set repository and on the command
// line.
//
//	3, v3, V3        version 3 (decimal, no sign, no leading zero)
//	latest           the newest version (any case)
//	@champion        the version an alias points at
//	sha256:1a2b3c4d  the version whose digest starts with these hex digits
//	1a2b3c4d         the same, without "sha256:" (needs a letter a-f, or
//	                 it reads as a version number)
//
// A digest prefix has 4 to 64 hex digits. Alias names are 1 to 255 ASCII
// letters, digits, '_' and '-', as in MLflow; "latest" and "v<N>" (any
// case) are reserved. A bare name such as "champion" is refused with a
// hint to write "@champion", never guessed at.
package ref

import (
	"math"
	"strconv"
	"strings"
)

// Ref is a parsed reference. Its zero value means "latest". At most one
// field is set.
type Ref struct {
	Number int    // a version number, 1 or more
	Alias  string // an alias name, without '@'
	Digest string // a prefix of the version's digest: 4 to 64 lower-case hex digits, without "sha256:"
}

// MaxNumber is the largest version number a reference can name.
const MaxNumber = math.MaxInt32

// IsLatest reports whether r is the "latest" reference.
func (r Ref) IsLatest() bool { return r == Ref{} }

// String returns r in the form Parse reads: "v3", "@champion",
// "sha256:1a2b" or "latest".
func (r Ref) String() string {
	switch {
	case r.Alias != "":
		return "@" + r.Alias
	case r.Number > 0:
		return "v" + strconv.Itoa(r.Number)
	case r.Digest != "":
		return "sha256:" + r.Digest
	}
	return "latest"
}

// Parse parses a reference. On failure it returns why, for the caller to
// wrap in its ParseError.
func Parse(s string) (Ref, string) {
	switch {
	case s == "":
		return Ref{}, `empty reference (want "v<N>", "latest", "@<alias>" or a digest prefix)`
	case strings.EqualFold(s, "latest"):
		return Ref{}, ""
	case s[0] == '@':
		if s == "@" {
			return Ref{}, "empty alias name after '@'"
		}
		if why := CheckAlias(s[1:]); why != "" {
			return Ref{}, why
		}
		return Ref{Alias: s[1:]}, ""
	}
	if h, ok := strings.CutPrefix(s, "sha256:"); ok {
		return parseDigest(h)
	}
	num := s
	if s[0] == 'v' || s[0] == 'V' {
		num = s[1:]
	}
	if num != "" && strings.Trim(num, "0123456789") == "" {
		return parseNumber(num)
	}
	if len(s) >= 4 && isHex(strings.ToLower(s)) {
		return parseDigest(s)
	}
	if CheckAlias(s) == "" {
		return Ref{}, `not a reference (an alias is written "@` + s + `")`
	}
	return Ref{}, `not a reference (want "v<N>", "<N>", "latest", "@<alias>" or a digest prefix)`
}

func parseNumber(digits string) (Ref, string) {
	if len(digits) > 1 && digits[0] == '0' {
		return Ref{}, "version number has a leading zero"
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n > MaxNumber {
		return Ref{}, "version number is too large"
	}
	if n == 0 {
		return Ref{}, "versions are numbered from 1"
	}
	return Ref{Number: int(n)}, ""
}

func parseDigest(h string) (Ref, string) {
	h = strings.ToLower(h)
	switch {
	case len(h) < 4:
		return Ref{}, "a digest prefix needs at least 4 hex digits"
	case len(h) > 64:
		return Ref{}, "a digest has 64 hex digits"
	case !isHex(h):
		return Ref{}, "a digest prefix is hex digits"
	}
	return Ref{Digest: h}, ""
}

func isHex(s string) bool { return strings.Trim(s, "0123456789abcdef") == "" }

// MaxAlias is the longest alias name.
const MaxAlias = 255

// CheckAlias returns why s is not a valid alias name, or "".
func CheckAlias(s string) string {
	switch {
	case s == "":
		return "empty alias name"
	case len(s) > MaxAlias:
		return "alias name is " + strconv.Itoa(len(s)) + " bytes, more than 255"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return "alias names hold only ASCII letters, digits, '_' and '-'"
		}
	}
	if Reserved(s) {
		return "alias name " + strconv.Quote(s) + " is reserved"
	}
	return ""
}

// Reserved reports whether s is a name references give another meaning:
// "latest" and "v<N>" (any case).
func Reserved(s string) bool {
	if strings.EqualFold(s, "latest") {
		return true
	}
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') {
		return strings.Trim(s[1:], "0123456789") == ""
	}
	return false
}

// MatchDigest reports whether the hex digest full (64 digits, with or
// without "sha256:") starts with the prefix of r.
func (r Ref) MatchDigest(full string) bool {
	return strings.HasPrefix(strings.TrimPrefix(full, "sha256:"), r.Digest)
}
