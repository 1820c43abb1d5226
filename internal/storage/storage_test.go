package storage_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/storage"
)

var errCorrupt = errors.New("test: corrupt")

// hold puts content in bs and records a reference to it in the holder
// (location, ns), as a package does: under the collection lock.
func hold(t *testing.T, bs blob.Store, location, ns, content string) blob.Digest {
	t.Helper()
	ctx := context.Background()
	unlock, err := blob.Lock(ctx, bs, false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	d, _, err := bs.Put(ctx, strings.NewReader(content), blob.Digest{})
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.OpenRecords(ctx, location, storage.RecordsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(ctx, func(tx kv.Tx) error {
		b, err := tx.CreateBucket(storage.RefsBucket(ns))
		if err != nil {
			return err
		}
		return b.Put(append(d[:], "owner"...), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.Register(ctx, bs, location, ns); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSweep(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	bs, err := storage.OpenBlobs(ctx, dir, storage.BlobsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cairn := filepath.Join(dir, "cairn.db")
	index := filepath.Join(dir, "datasets", "index.db")
	a := hold(t, bs, cairn, "track", "artifact")
	m := hold(t, bs, cairn, "registry", "model")
	shared := hold(t, bs, cairn, "track", "shared")
	hold(t, bs, cairn, "registry", "shared")
	f := hold(t, bs, index, "dataset", "file")
	orphan, _, _ := bs.Put(ctx, strings.NewReader("orphan"), blob.Digest{})

	// Drop track's reference to "shared": registry still holds it.
	db, _ := storage.OpenRecords(ctx, cairn, storage.RecordsOptions{})
	db.Update(ctx, func(tx kv.Tx) error {
		return tx.Bucket(storage.RefsBucket("track")).Delete(append(shared[:], "owner"...))
	})
	db.Close()

	res, err := storage.Sweep(ctx, bs, storage.SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Blobs != 1 || res.Bytes != int64(len("orphan")) {
		t.Errorf("Sweep = %+v, want the orphan only", res)
	}
	for _, d := range []blob.Digest{a, m, shared, f} {
		if ok, _ := bs.Has(ctx, d); !ok {
			t.Errorf("%s was deleted but is referenced", d)
		}
	}
	if ok, _ := bs.Has(ctx, orphan); ok {
		t.Errorf("orphan survived")
	}

	// An emptied index stops the sweep: nothing is deleted.
	orphan2, _, _ := bs.Put(ctx, strings.NewReader("orphan2"), blob.Digest{})
	os.Truncate(index, 0)
	_, err = storage.Sweep(ctx, bs, storage.SweepOptions{Errors: kv.Errors{Corrupt: errCorrupt}})
	if !errors.Is(err, errCorrupt) {
		t.Errorf("Sweep with an emptied holder = %v, want Corrupt", err)
	}
	os.Remove(index)
	if _, err = storage.Sweep(ctx, bs, storage.SweepOptions{}); err == nil {
		t.Errorf("Sweep with a missing holder succeeded")
	}
	for _, d := range []blob.Digest{f, orphan2} {
		if ok, _ := bs.Has(ctx, d); !ok {
			t.Errorf("%s was deleted by a sweep that could not read a holder", d)
		}
	}
}

// A sweep waits for writers between a Put and the commit of its
// reference.
func TestSweepWaitsForWriters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	bs, _ := storage.OpenBlobs(ctx, dir, storage.BlobsOptions{})
	hold(t, bs, filepath.Join(dir, "cairn.db"), "track", "x")
	unlock, err := blob.Lock(ctx, bs, false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	bs.Put(ctx, strings.NewReader("in flight"), blob.Digest{})
	_, err = storage.Sweep(ctx, bs, storage.SweepOptions{Deadline: time.Now().Add(30 * time.Millisecond)})
	if !errors.Is(err, blob.ErrLocked) {
		t.Errorf("Sweep while a writer holds the lock = %v, want ErrLocked", err)
	}
	unlock()
}

func TestSchema(t *testing.T) {
	ctx := context.Background()
	db, _ := storage.OpenRecords(ctx, storage.Memory, storage.RecordsOptions{})
	s1 := storage.Schema{Namespace: "ns", Version: 1, Buckets: []string{"ns/a"}}
	if err := db.Update(ctx, func(tx kv.Tx) error { return s1.Init(tx, errCorrupt) }); err != nil {
		t.Fatal(err)
	}
	migrated := false
	s2 := storage.Schema{Namespace: "ns", Version: 2, Buckets: []string{"ns/a", "ns/b"}, Migrate: func(tx kv.Tx, from uint64) error {
		migrated = from == 1
		_, err := tx.CreateBucket("ns/b")
		return err
	}}
	if err := db.Update(ctx, func(tx kv.Tx) error { return s2.Init(tx, errCorrupt) }); err != nil || !migrated {
		t.Fatalf("migration: %v, ran %v", err, migrated)
	}
	err := db.Update(ctx, func(tx kv.Tx) error { return s1.Init(tx, errCorrupt) })
	if !errors.Is(err, storage.ErrNewer) {
		t.Fatalf("old schema on a newer store = %v, want ErrNewer", err)
	}
	// A bucket lost from an existing namespace is damage, not made anew.
	db.Update(ctx, func(tx kv.Tx) error { return tx.Bucket("ns/meta").Put([]byte("x"), nil) })
	lost := storage.Schema{Namespace: "ns", Version: 2, Buckets: []string{"ns/a", "ns/b", "ns/c"}}
	if err := db.Update(ctx, func(tx kv.Tx) error { return lost.Init(tx, errCorrupt) }); !errors.Is(err, errCorrupt) {
		t.Fatalf("Init with a bucket missing = %v, want Corrupt", err)
	}
}
