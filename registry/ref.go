package registry

import (
	"math"
	"strconv"
	"strings"
)

// Ref is a parsed reference to one version of a registered model. Its
// zero value means "latest": the highest-numbered version that is not
// archived. A Ref with Version > 0 names that version (archived or not);
// one with Alias set names the version the alias points at. A Ref never
// has both.
type Ref struct {
	Version int    // a version number, 1 or more; 0 when not a version reference
	Alias   string // an alias name, without the '@'; "" when not an alias reference
}

// MaxVersion is the largest version number a reference can name.
const MaxVersion = math.MaxInt32

// IsLatest reports whether r is the "latest" reference (the zero Ref).
func (r Ref) IsLatest() bool { return r.Version == 0 && r.Alias == "" }

// String returns the reference in the form ParseRef reads: "v3",
// "@champion" or "latest".
func (r Ref) String() string {
	switch {
	case r.Alias != "":
		return "@" + r.Alias
	case r.Version > 0:
		return "v" + strconv.Itoa(r.Version)
	}
	return "latest"
}

// check reports whether r is well formed.
func (r Ref) check() error {
	switch {
	case r.Alias != "" && r.Version != 0:
		return &RefError{Input: r.String(), Msg: "a reference names an alias or a version, not both"}
	case r.Alias != "":
		if err := checkAlias(r.Alias); err != nil {
			return &RefError{Input: "@" + r.Alias, Msg: strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")}
		}
	case r.Version < 0 || r.Version > MaxVersion:
		return &RefError{Input: strconv.Itoa(r.Version), Msg: "version out of range"}
	}
	return nil
}

// ParseRef parses a reference to a version of a model:
//
//	v3, V3, 3      version 3 (no sign, no leading zero)
//	latest         the highest-numbered version that is not archived (any case)
//	@champion      the version the alias "champion" points at
//
// Anything else is an error wrapping ErrBadRef (a *RefError). A bare name
// such as "champion" is refused rather than guessed at: an alias is
// written with '@'.
func ParseRef(s string) (Ref, error) {
	switch {
	case s == "":
		return Ref{}, &RefError{Input: s, Msg: `empty reference (want "v<N>", "latest" or "@<alias>")`}
	case strings.EqualFold(s, "latest"):
		return Ref{}, nil
	case s[0] == '@':
		r := Ref{Alias: s[1:]}
		if r.Alias == "" {
			return Ref{}, &RefError{Input: s, Msg: "empty alias name after '@'"}
		}
		if err := r.check(); err != nil {
			return Ref{}, err
		}
		return r, nil
	}
	num := s
	if s[0] == 'v' || s[0] == 'V' {
		num = s[1:]
	}
	if allDigits(num) {
		n, err := parseVersion(s, num)
		if err != nil {
			return Ref{}, err
		}
		return Ref{Version: n}, nil
	}
	if checkAlias(s) == nil {
		return Ref{}, &RefError{Input: s, Msg: `not a reference (an alias is written "@` + s + `")`}
	}
	return Ref{}, &RefError{Input: s, Msg: `not a reference (want "v<N>", "<N>", "latest" or "@<alias>")`}
}

// parseVersion parses the digits of a version number; input is the whole
// text for the error message.
func parseVersion(input, digits string) (int, error) {
	if len(digits) > 1 && digits[0] == '0' {
		return 0, &RefError{Input: input, Msg: "version number has a leading zero"}
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n > MaxVersion {
		return 0, &RefError{Input: input, Msg: "version number is too large"}
	}
	if n == 0 {
		return 0, &RefError{Input: input, Msg: "versions are numbered from 1"}
	}
	return int(n), nil
}

// uriScheme starts every model URI.
const uriScheme = "models:/"

// ParseURI parses a model URI in the forms MLflow writes:
//
//	models:/<name>/<version>   models:/fraud/3 (also v3)
//	models:/<name>/latest      the latest version that is not archived
//	models:/<name>@<alias>     models:/fraud@champion
//
// The name is taken verbatim (no percent-decoding) and must be a valid
// model name. MLflow's stage suffixes (models:/fraud/Production) are
// refused with a hint to use an alias, and so are URIs with an authority
// (models://host/...). Errors wrap ErrBadRef (a *RefError).
func ParseURI(uri string) (name string, ref Ref, err error) {
	rest, ok := strings.CutPrefix(uri, uriScheme)
	if !ok {
		return "", Ref{}, &RefError{Input: uri, Msg: `a model URI starts with "models:/"`}
	}
	if strings.HasPrefix(rest, "/") {
		return "", Ref{}, &RefError{Input: uri, Msg: `a registry host is not supported; write "models:/<name>/<version>"`}
	}
	name, suffix, slash := strings.Cut(rest, "/")
	if !slash {
		var alias string
		var at bool
		name, alias, at = strings.Cut(rest, "@")
		if !at {
			return "", Ref{}, &RefError{Input: uri, Msg: `no version or alias: write "models:/<name>/<version>", "models:/<name>/latest" or "models:/<name>@<alias>"`}
		}
		if err := checkURIName(uri, name); err != nil {
			return "", Ref{}, err
		}
		if alias == "" {
			return "", Ref{}, &RefError{Input: uri, Msg: "empty alias name after '@'"}
		}
		ref = Ref{Alias: alias}
		if err := ref.check(); err != nil {
			err.(*RefError).Input = uri
			return "", Ref{}, err
		}
		return name, ref, nil
	}
	if strings.Contains(name, "@") {
		return "", Ref{}, &RefError{Input: uri, Msg: `an alias URI has no version part: write "models:/<name>@<alias>"`}
	}
	if err := checkURIName(uri, name); err != nil {
		return "", Ref{}, err
	}
	switch {
	case suffix == "":
		return "", Ref{}, &RefError{Input: uri, Msg: "empty version after the name"}
	case strings.Contains(suffix, "/"):
		return "", Ref{}, &RefError{Input: uri, Msg: "too many path segments (model names cannot hold '/')"}
	case suffix[0] == '@':
		return "", Ref{}, &RefError{Input: uri, Msg: `the alias goes right after the name: "models:/` + name + suffix + `"`}
	}
	ref, err = ParseRef(suffix)
	if err != nil {
		if c := suffix[0] | 0x20; 'a' <= c && c <= 'z' && checkAlias(suffix) == nil {
			return "", Ref{}, &RefError{Input: uri, Msg: `model stages are not supported; use an alias: "models:/` + name + "@" + strings.ToLower(suffix) + `"`}
		}
		return "", Ref{}, &RefError{Input: uri, Msg: "bad version " + strconv.Quote(suffix) + ": " + err.(*RefError).Msg}
	}
	return name, ref, nil
}

func checkURIName(uri, name string) error {
	if err := checkName(name); err != nil {
		return &RefError{Input: uri, Msg: strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")}
	}
	return nil
}

// URI returns the models:/ URI of ref in model name, as MLflow writes it:
// models:/name/3, models:/name@champion or models:/name/latest.
func URI(name string, ref Ref) string {
	switch {
	case ref.Alias != "":
		return uriScheme + name + "@" + ref.Alias
	case ref.Version > 0:
		return uriScheme + name + "/" + strconv.Itoa(ref.Version)
	}
	return uriScheme + name + "/latest"
}
