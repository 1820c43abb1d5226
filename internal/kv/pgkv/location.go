package pgkv

import (
	"fmt"
	"net/url"
	"strings"
)

// DefaultSchema is the PostgreSQL schema cairn keeps its tables in when
// the location names none.
const DefaultSchema = "cairn"

// maxSchemaLen is PostgreSQL's limit on an identifier (NAMEDATALEN-1).
const maxSchemaLen = 63

// Location is a parsed PostgreSQL location.
type Location struct {
	// Conn is the connection string for pgx: the URL without cairn's own
	// parameters.
	Conn string
	// Schema is the PostgreSQL schema of cairn's tables (the URL's
	// "schema" parameter, or DefaultSchema).
	Schema string
	// Redacted is the URL with its password replaced by "xxxxx": the
	// form for messages.
	Redacted string
	// NoPassword is the URL without its password: the form to record
	// where others will read it (a blob store's list of holders).
	NoPassword string
}

// IsLocation reports whether s is a PostgreSQL URL (postgres:// or
// postgresql://).
func IsLocation(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// ParseLocation parses a location of the form
//
//	postgres://user:password@host:port/database?sslmode=disable&schema=cairn
//
// (postgresql:// too; a unix socket folder as host=/path in the query or
// percent-encoded in the host). The parameter schema, cairn's own, names
// the PostgreSQL schema of the tables; the others go to pgx (libpq's
// names: sslmode, connect_timeout, application_name, pool_max_conns...).
// An error never repeats the password.
func ParseLocation(s string) (Location, error) {
	if !IsLocation(s) {
		return Location{}, fmt.Errorf("%q is not a postgres:// URL", Redact(s))
	}
	u, err := url.Parse(s)
	if err != nil {
		return Location{}, fmt.Errorf("%s: not a URL", Redact(s))
	}
	q := u.Query()
	schema := DefaultSchema
	if q.Has("schema") {
		schema = q.Get("schema")
		q.Del("schema")
	}
	if schema == "" || len(schema) > maxSchemaLen || strings.ContainsRune(schema, 0) {
		return Location{}, fmt.Errorf("%s: schema must be 1 to %d bytes with no NUL", Redact(s), maxSchemaLen)
	}
	u.RawQuery = q.Encode()
	loc := Location{Conn: u.String(), Schema: schema, Redacted: Redact(s)}
	np := *u
	if np.User != nil {
		np.User = url.User(np.User.Username())
	}
	nq := np.Query()
	nq.Del("password")
	if schema != DefaultSchema {
		nq.Set("schema", schema)
	}
	np.RawQuery = nq.Encode()
	loc.NoPassword = np.String()
	return loc, nil
}

// Redact returns s with the password of a URL (in its user part or its
// password parameter) replaced by "xxxxx". A string that does not parse
// as a URL is cut before its last "@" (where a password would end), so
// that no message repeats a password.
func Redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if i := strings.LastIndex(s, "@"); i >= 0 {
			j := strings.Index(s, "://")
			if j < 0 || j > i {
				j = -3
			}
			return s[:j+3] + "xxxxx" + s[i:]
		}
		return s
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
