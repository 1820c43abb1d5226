package storage_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/storage"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// The sweep on the shared engines: records in PostgreSQL with blobs in
// its tables (the holder registered without its password, reopened with
// the caller's location), and records in bbolt with blobs in S3.
func TestSweepShared(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name           string
		records, blobs func(t testing.TB) string
	}{
		{"postgres", enginetest.Postgres, nil},
		{"bbolt+s3", func(t testing.TB) string { return filepath.Join(t.TempDir(), "cairn.db") }, enginetest.S3},
	} {
		t.Run(c.name, func(t *testing.T) {
			records := c.records(t)
			loc := storage.DefaultBlobs(records)
			if c.blobs != nil {
				loc = c.blobs(t)
			}
			bs, err := storage.OpenBlobs(ctx, loc, storage.BlobsOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer storage.CloseBlobs(bs)
			kept := hold(t, bs, records, "track", "kept")
			orphan, _, err := bs.Put(ctx, strings.NewReader("orphan"), blob.Digest{})
			if err != nil {
				t.Fatal(err)
			}
			hs, _ := bs.(blob.Holders).Holders(ctx)
			for _, h := range hs {
				if strings.Contains(h.Location, "secret") {
					t.Fatalf("a holder was registered with its password: %s", h.Location)
				}
			}
			res, err := storage.Sweep(ctx, bs, storage.SweepOptions{Locations: []string{records}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Blobs != 1 {
				t.Errorf("Sweep = %+v, want the orphan only", res)
			}
			if ok, _ := bs.Has(ctx, kept); !ok {
				t.Errorf("a referenced blob was swept")
			}
			if ok, _ := bs.Has(ctx, orphan); ok {
				t.Errorf("the orphan survived")
			}
		})
	}
}

// Locations never show a password in errors.
func TestRedactedErrors(t *testing.T) {
	ctx := context.Background()
	const pw = "hunter2-secret"
	for _, loc := range []string{
		"postgres://cairn:" + pw + "@127.0.0.1:1/db?sslmode=disable&connect_timeout=2",
		"postgres://cairn@127.0.0.1:1/db?sslmode=disable&password=" + pw,
		"postgres://cairn:" + pw + "@[bad/db",
	} {
		_, err := storage.OpenRecords(ctx, loc, storage.RecordsOptions{})
		if err == nil {
			t.Fatalf("OpenRecords(%s) succeeded", storage.Redact(loc))
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("error shows the password: %v", err)
		}
		if !strings.Contains(err.Error(), "postgres://") {
			t.Errorf("error does not name the location: %v", err)
		}
	}
	_, err := storage.OpenRecords(ctx, "mysql://x", storage.RecordsOptions{})
	if !errors.Is(err, storage.ErrUnsupported) || !errors.Is(err, kv.ErrInvalid) {
		t.Errorf("an unknown URL = %v, want ErrUnsupported", err)
	}
}
