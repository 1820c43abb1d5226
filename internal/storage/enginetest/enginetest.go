// Package enginetest gives tests the locations of the shared engines'
// real servers: a fresh PostgreSQL schema or S3 prefix per test, so that
// one suite runs on every engine.
//
// The servers are named by the environment, as .ci/run sets it:
//
//	CAIRN_TEST_POSTGRES  postgres://user:password@host:port/db?sslmode=disable
//	CAIRN_TEST_S3        s3://bucket?endpoint=http://host:port&region=us-east-1
//	                     (credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)
//
// Without them a test that needs one is skipped on a laptop, and fails
// under CI=true: CI never skips a shared engine silently.
package enginetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The environment variables that name the servers.
const (
	EnvPostgres = "CAIRN_TEST_POSTGRES"
	EnvS3       = "CAIRN_TEST_S3"
)

// need returns the value of the variable env, or skips the test (fails
// it under CI=true) when it is not set.
func need(t testing.TB, env string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run this test on a real server (.ci/run starts one)", env)
		}
		t.Skipf("%s is not set: no server for this engine", env)
	}
	return v
}

// Have reports whether the server named by env is set.
func Have(env string) bool { return os.Getenv(env) != "" }

// InCI reports whether the tests run under CI=true.
func InCI() bool { return os.Getenv("CI") == "true" }

func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// PostgresServer returns the URL of the test server as set (no schema
// parameter), or skips the test.
func PostgresServer(t testing.TB) string {
	t.Helper()
	return need(t, EnvPostgres)
}

// Postgres returns the location of a fresh schema in the test server's
// database; the schema and all it holds are dropped when the test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	base := need(t, EnvPostgres)
	schema := randomName("t_")
	t.Cleanup(func() { DropSchema(t, base, schema) })
	return WithSchema(t, base, schema)
}

// WithSchema returns the location base with its schema parameter set.
func WithSchema(t testing.TB, base, schema string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("schema", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// DropSchema drops a schema of the server at base.
func DropSchema(t testing.TB, base, schema string) {
	t.Helper()
	Exec(t, base, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
}

// Exec runs SQL statements on the server at base (a location; its
// schema parameter is ignored).
func Exec(t testing.TB, base, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, stripSchema(base))
	if err != nil {
		t.Errorf("connect to the test server: %v", err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Errorf("%s: %v", sql, err)
	}
}

func stripSchema(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	q := u.Query()
	q.Del("schema")
	u.RawQuery = q.Encode()
	return u.String()
}

// S3Server returns the location of the test bucket as set, or skips the
// test.
func S3Server(t testing.TB) string {
	t.Helper()
	return need(t, EnvS3)
}

// S3 returns the location of a fresh prefix in the test bucket. The
// prefix is not emptied at the end (the server's folder is temporary).
func S3(t testing.TB) string {
	t.Helper()
	base := need(t, EnvS3)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvS3, err)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + randomName("t-")
	return u.String()
}
