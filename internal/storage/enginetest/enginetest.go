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
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
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
// objects under it are deleted when the test ends (a benchmark that
// moves gigabytes would otherwise fill the server's disk).
func S3(t testing.TB) string {
	t.Helper()
	base := need(t, EnvS3)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvS3, err)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + randomName("t-")
	t.Cleanup(func() {
		if err := emptyPrefix(u); err != nil {
			t.Logf("emptying %s: %v", u.Redacted(), err)
		}
	})
	return u.String()
}

// emptyPrefix deletes the objects under the prefix of the s3:// location
// u (s3://bucket/prefix?endpoint=...&region=...), a thousand a request.
func emptyPrefix(u *url.URL) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	q := u.Query()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(cmp.Or(q.Get("region"), "us-east-1")))
	if err != nil {
		return err
	}
	c := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if ep := q.Get("endpoint"); ep != "" {
			o.BaseEndpoint = aws.String(ep)
			o.UsePathStyle = true
		}
	})
	bucket, prefix := u.Host, strings.TrimPrefix(u.Path, "/")+"/"
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		if len(page.Contents) == 0 {
			continue
		}
		ids := make([]types.ObjectIdentifier, len(page.Contents))
		for i, o := range page.Contents {
			ids[i] = types.ObjectIdentifier{Key: o.Key}
		}
		if _, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}}); err != nil {
			return err
		}
	}
	return nil
}

// envPass tells the helper processes a test starts (the test binary
// again) which pass they belong to.
const envPass = "CAIRN_TEST_PASS"

// Engine names the records engine a package's suite runs on.
type Engine string

// The records engines.
const (
	OnBolt     Engine = "bbolt"
	OnPostgres Engine = "postgres"
)

// Main runs a package's tests once per records engine, setting *engine
// before each pass: on bbolt, then on PostgreSQL when CAIRN_TEST_POSTGRES
// is set (under CI=true its absence fails the package). Call it from
// TestMain: os.Exit(enginetest.Main(m, &engine)). A test that opens its
// store with Records runs on both; one that opens a file of its own runs
// on bbolt in both passes. A fuzzing or benchmark run (-fuzz, -bench)
// makes one pass, on bbolt.
func Main(m *testing.M, engine *Engine) int {
	if p := os.Getenv(envPass); p != "" {
		// A helper process a test started: the pass of its parent.
		*engine = Engine(p)
		return m.Run()
	}
	*engine = OnBolt
	os.Setenv(envPass, string(OnBolt))
	code := m.Run()
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		return code
	}
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		return code
	}
	if !Have(EnvPostgres) {
		if InCI() {
			fmt.Printf("FAIL: %s is not set: CI must run this suite on PostgreSQL too (.ci/run starts a server)\n", EnvPostgres)
			return 1
		}
		return code
	}
	fmt.Println("=== the suite again, on PostgreSQL (" + EnvPostgres + ")")
	*engine = OnPostgres
	os.Setenv(envPass, string(OnPostgres))
	if c := m.Run(); c != 0 {
		code = c
	}
	return code
}

// Pass returns the engine of the pass that runs now (see Main), for
// tests that cannot see the engine variable Main sets (a package's
// internal tests beside its external ones): OnBolt outside Main.
func Pass() Engine {
	if p := os.Getenv(envPass); p != "" {
		return Engine(p)
	}
	return OnBolt
}

// Records returns the location of a fresh records store of engine for
// one test: a bbolt file in a temporary folder, or a fresh schema of the
// PostgreSQL test server.
func Records(t testing.TB, engine Engine) string {
	t.Helper()
	if engine == OnPostgres {
		return Postgres(t)
	}
	return filepath.Join(t.TempDir(), "cairn.db")
}

// Blobs returns a blob location to go with a records store of engine:
// "" (the default beside a bbolt file) on bbolt, and on PostgreSQL a
// fresh prefix of the S3 test bucket when CAIRN_TEST_S3 is set (else ""
// too: blobs in the database's tables).
func Blobs(t testing.TB, engine Engine) string {
	t.Helper()
	if engine == OnPostgres && Have(EnvS3) {
		return S3(t)
	}
	return ""
}

// EnvBenchEngine names the records engine benchmarks run on: unset or
// "bbolt" for a file, "postgres" for the server of CAIRN_TEST_POSTGRES.
// Benchmarks keep their names on either engine, so that benchstat can
// set the two side by side.
const EnvBenchEngine = "CAIRN_BENCH_ENGINE"

// BenchEngine returns the records engine a benchmark runs on (see
// EnvBenchEngine); a value it does not know, or "postgres" without
// CAIRN_TEST_POSTGRES, fails the benchmark.
func BenchEngine(b testing.TB) Engine {
	b.Helper()
	switch e := Engine(os.Getenv(EnvBenchEngine)); e {
	case "", OnBolt:
		return OnBolt
	case OnPostgres:
		if !Have(EnvPostgres) {
			b.Fatalf("%s=postgres needs %s", EnvBenchEngine, EnvPostgres)
		}
		return OnPostgres
	default:
		b.Fatalf("%s=%q: want bbolt or postgres", EnvBenchEngine, e)
		return ""
	}
}
