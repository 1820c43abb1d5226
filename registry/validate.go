package registry

import (
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cairn-ml/cairn/internal/perr"
	"github.com/cairn-ml/cairn/internal/ref"
)

// Limits on what is stored, in bytes.
const (
	MaxNameLen   = 256          // model names
	MaxAliasLen  = ref.MaxAlias // alias names (MLflow's limit)
	MaxKeyLen    = 250          // tag and metric keys
	MaxValueLen  = 5000         // tag values and descriptions (MLflow's limit)
	maxFormatLen = 100
	maxRunIDLen  = 250
	maxByLen     = 250
	maxReasonLen = 1000
)

// DefaultMaxModelBytes is the largest model Register accepts when
// Options.MaxModelBytes is zero.
const DefaultMaxModelBytes = 64 << 20

// checkName reports whether s can name a registered model: 1 to
// MaxNameLen bytes of printable UTF-8 (the ASCII space is the only space
// allowed, and not at either end), with no '/' or '@', which models:/ URIs
// use as separators, and not "." or "..", which a URL path cannot hold as
// a segment (a dashboard's page for them would be unreachable).
func checkName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty model name", ErrInvalid)
	case s == "." || s == "..":
		return fmt.Errorf("%w: model name %q is a path segment of its own", ErrInvalid, s)
	case len(s) > MaxNameLen:
		return fmt.Errorf("%w: model name is %d bytes, more than %d", ErrInvalid, len(s), MaxNameLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: model name %q is not valid UTF-8", ErrInvalid, s)
	case strings.ContainsAny(s, "/@"):
		return fmt.Errorf("%w: model name %q holds '/' or '@'", ErrInvalid, s)
	case s[0] == ' ' || s[len(s)-1] == ' ':
		return fmt.Errorf("%w: model name %q starts or ends with a space", ErrInvalid, s)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: model name %q holds the unprintable character %U", ErrInvalid, s, r)
		}
	}
	return nil
}

// checkAlias reports whether s can name an alias: 1 to MaxAliasLen ASCII
// letters, digits, '_' or '-', and not a reserved name: "latest" and
// "v<digits>" (any case) are references of their own.
func checkAlias(s string) error {
	if why := ref.CheckAlias(s); why != "" {
		return fmt.Errorf("%w: %s", ErrInvalid, why)
	}
	return nil
}

// checkText reports whether s can be stored as free text: valid UTF-8, no
// NUL byte, at most max bytes, and (if !empty) not empty.
func checkText(what, s string, max int, empty bool) error {
	if why := perr.CheckText(what, s, max, empty); why != "" {
		return fmt.Errorf("%w: %s", ErrInvalid, why)
	}
	return nil
}

func checkTags(what string, tags map[string]string) error {
	for k, v := range tags {
		if err := checkText(what+" tag key", k, MaxKeyLen, false); err != nil {
			return err
		}
		if err := checkText(fmt.Sprintf("value of %s tag %q", what, k), v, MaxValueLen, true); err != nil {
			return err
		}
	}
	return nil
}

// parseDigest returns the 32 bytes of a "sha256:<64 lower-case hex>"
// digest.
func parseDigest(d string) ([32]byte, error) {
	var sum [32]byte
	h, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(h) != 64 || strings.ToLower(h) != h {
		return sum, fmt.Errorf("%w: digest %s is not \"sha256:\" and 64 lower-case hex digits", ErrInvalid, perr.Quote(d))
	}
	if _, err := hex.Decode(sum[:], []byte(h)); err != nil {
		return sum, fmt.Errorf("%w: digest %s is not \"sha256:\" and 64 lower-case hex digits", ErrInvalid, perr.Quote(d))
	}
	return sum, nil
}

func formatDigest(sum []byte) string { return "sha256:" + hex.EncodeToString(sum) }
