package registry

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/internal/ref"

	"github.com/cairn-ml/cairn/internal/perr"
)

// Ref is a parsed reference to one version of a registered model (see
// ParseRef). Its zero value means "latest": the highest-numbered version
// that is not archived. Number > 0 names that version (archived or not),
// Alias the version the alias points at, Digest the version whose bytes'
// digest starts with those hex digits. At most one is set. It is the same
// grammar as dataset's version references.
type Ref = ref.Ref

// MaxVersion is the largest version number a reference can name.
const MaxVersion = ref.MaxNumber

// ParseRef parses a reference to a version of a model:
//
//	v3, V3, 3      version 3 (no sign, no leading zero)
//	latest         the highest-numbered version that is not archived (any case)
//	@champion      the version the alias "champion" points at
//	sha256:1a2b3c  the version whose model bytes' digest starts with 1a2b3c
//	1a2b3c         the same (a prefix of at least 4 hex digits, not all decimal)
//
// Anything else is an error wrapping ErrBadRef (a *ParseError). A bare
// name such as "champion" is refused rather than guessed at: an alias is
// written with '@'.
func ParseRef(s string) (Ref, error) {
	r, why := ref.Parse(s)
	if why != "" {
		return Ref{}, badRef(s, why)
	}
	return r, nil
}

func badRef(input, why string) error {
	return &ParseError{Input: input, Err: fmt.Errorf("%w: %s", ErrBadRef, why)}
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
// (models://host/...). Errors wrap ErrBadRef (a *ParseError).
func ParseURI(uri string) (name string, r Ref, err error) {
	rest, ok := strings.CutPrefix(uri, uriScheme)
	if !ok {
		return "", Ref{}, badRef(uri, `a model URI starts with "models:/"`)
	}
	if strings.HasPrefix(rest, "/") {
		return "", Ref{}, badRef(uri, `a registry host is not supported; write "models:/<name>/<version>"`)
	}
	name, suffix, slash := strings.Cut(rest, "/")
	if !slash {
		var alias string
		var at bool
		name, alias, at = strings.Cut(rest, "@")
		if !at {
			return "", Ref{}, badRef(uri, `no version or alias: write "models:/<name>/<version>", "models:/<name>/latest" or "models:/<name>@<alias>"`)
		}
		if err := checkURIName(uri, name); err != nil {
			return "", Ref{}, err
		}
		if alias == "" {
			return "", Ref{}, badRef(uri, "empty alias name after '@'")
		}
		if why := ref.CheckAlias(alias); why != "" {
			return "", Ref{}, badRef(uri, why)
		}
		return name, Ref{Alias: alias}, nil
	}
	if strings.Contains(name, "@") {
		return "", Ref{}, badRef(uri, `an alias URI has no version part: write "models:/<name>@<alias>"`)
	}
	if err := checkURIName(uri, name); err != nil {
		return "", Ref{}, err
	}
	switch {
	case suffix == "":
		return "", Ref{}, badRef(uri, "empty version after the name")
	case strings.Contains(suffix, "/"):
		return "", Ref{}, badRef(uri, "too many path segments (model names cannot hold '/')")
	case suffix[0] == '@':
		return "", Ref{}, badRef(uri, `the alias goes right after the name: "models:/`+name+suffix+`"`)
	}
	r, why := ref.Parse(suffix)
	switch {
	case why == "" && r.Digest == "":
		return name, r, nil
	case why == "":
		why = "a models:/ URI names a version by number, \"latest\" or an alias"
	case suffix[0]|0x20 >= 'a' && suffix[0]|0x20 <= 'z' && ref.CheckAlias(suffix) == "" && !ref.Reserved(suffix):
		return "", Ref{}, badRef(uri, `model stages are not supported; use an alias: "models:/`+name+"@"+strings.ToLower(suffix)+`"`)
	}
	return "", Ref{}, badRef(uri, "bad version "+perr.Quote(suffix)+": "+why)
}

func checkURIName(uri, name string) error {
	if err := checkName(name); err != nil {
		return badRef(uri, strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
	}
	return nil
}

// URI returns the models:/ URI of r in model name, as MLflow writes it:
// models:/name/3, models:/name@champion or models:/name/latest. A digest
// reference has no URI form; URI writes "latest" for it.
func URI(name string, r Ref) string {
	switch {
	case r.Alias != "":
		return uriScheme + name + "@" + r.Alias
	case r.Number > 0:
		return uriScheme + name + "/" + strconv.Itoa(r.Number)
	}
	return uriScheme + name + "/latest"
}
