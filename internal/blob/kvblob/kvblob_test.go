package kvblob_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/blob/blobtest"
	"github.com/cairn-ml/cairn/internal/blob/kvblob"
	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/kv/boltkv"
	"github.com/cairn-ml/cairn/internal/kv/memkv"
	"github.com/cairn-ml/cairn/internal/kv/pgkv"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

var ctx = context.Background()

// engines opens a records store of each engine for one test.
var engines = map[string]func(t *testing.T) kv.DB{
	"memkv": func(t *testing.T) kv.DB { return memkv.New("mem", kv.Errors{}) },
	"boltkv": func(t *testing.T) kv.DB {
		db, err := boltkv.Open(ctx, filepath.Join(t.TempDir(), "db"), boltkv.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	},
	"pgkv": func(t *testing.T) kv.DB {
		db, err := pgkv.Open(ctx, enginetest.Postgres(t), pgkv.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	},
}

func TestContract(t *testing.T) {
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			blobtest.Run(t, func(t *testing.T) (blob.Store, func(blob.Digest)) {
				db := open(t)
				s := kvblob.New(db, kvblob.Options{Errors: blobtest.Errors, ChunkSize: 256 << 10})
				return s, func(d blob.Digest) {
					err := db.Update(ctx, func(tx kv.Tx) error {
						b := tx.Bucket("blobs/chunks")
						k := append(d[:], 0, 0, 0, 0)
						v := []byte(string(b.Get(k)))
						v[0] ^= 1
						return b.Put(k, v)
					})
					if err != nil {
						t.Fatal(err)
					}
				}
			})
		})
	}
}

// The collection lock: on PostgreSQL an advisory lock across processes
// (two stores stand in for two machines), elsewhere one in the process.
func TestLock(t *testing.T) {
	locked := errors.New("test: locked")
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			opts := kvblob.Options{Errors: blob.Errors{Locked: locked}}
			var a, b *kvblob.Store
			if name == "pgkv" {
				loc := enginetest.Postgres(t)
				for _, s := range []**kvblob.Store{&a, &b} {
					db, err := pgkv.Open(ctx, loc, pgkv.Options{})
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { db.Close() })
					*s = kvblob.New(db, opts)
				}
			} else {
				a = kvblob.New(open(t), opts)
				b = a
			}
			soon := func() time.Time { return time.Now().Add(50 * time.Millisecond) }
			s1, err := a.Lock(ctx, false, soon())
			if err != nil {
				t.Fatal(err)
			}
			s2, err := b.Lock(ctx, false, soon())
			if err != nil {
				t.Fatalf("second shared: %v", err)
			}
			if _, err := b.Lock(ctx, true, soon()); !errors.Is(err, locked) || !errors.Is(err, blob.ErrLocked) {
				t.Fatalf("exclusive beside shared = %v, want Locked", err)
			}
			s1()
			s2()
			x, err := b.Lock(ctx, true, soon())
			if err != nil {
				t.Fatalf("exclusive: %v", err)
			}
			if _, err := a.Lock(ctx, false, soon()); !errors.Is(err, locked) {
				t.Fatalf("shared beside exclusive = %v, want Locked", err)
			}
			x()
		})
	}
}

// Blobs larger than the memory spool go through a temporary file.
func TestLarge(t *testing.T) {
	s := kvblob.New(memkv.New("mem", kv.Errors{}), kvblob.Options{})
	content := strings.Repeat("0123456789", 1<<20) + "end" // 10 MiB
	d, n, err := s.Put(ctx, strings.NewReader(content), blob.Digest{})
	if err != nil || n != int64(len(content)) {
		t.Fatalf("Put = %d, %v", n, err)
	}
	got, err := blob.ReadAll(ctx, s, d, n, blob.Errors{})
	if err != nil || string(got) != content {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
}
