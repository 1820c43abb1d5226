package dataset

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// An index of the first format (JSON version records, no references, no
// recorded blob location) opens, reads, and is collected safely: its
// references are rebuilt from the manifests by the first GC.
func TestMigrateFormat1(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "repo")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	write(t, filepath.Join(src, "a"), "one")
	v1, err := r.Commit(ctx, "d", src, "first")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(src, "a"), "two")
	v2, err := r.Commit(ctx, "d", src, "second")
	if err != nil {
		t.Fatal(err)
	}
	r.Close()

	// Turn the index back into format 1.
	db, err := bbolt.Open(filepath.Join(dir, "index.db"), 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		meta := tx.Bucket([]byte(bucketMeta))
		meta.Delete([]byte("schema"))
		meta.Delete([]byte("blobs"))
		meta.Put([]byte("format"), []byte("1"))
		tx.DeleteBucket([]byte(bucketRefs))
		b := tx.Bucket([]byte(bucketVersions)).Bucket([]byte("d"))
		for _, v := range []Version{v1.Version, v2.Version} {
			j, _ := json.Marshal(map[string]any{"id": v.Digest, "time": v.Created.Format(time.RFC3339Nano),
				"message": v.Message, "kind": "dir", "files": v.Files, "size": v.Size})
			if err := b.Put(versionKey(v.Number), j); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	r, err = Open(dir)
	if err != nil {
		t.Fatalf("Open of a format 1 index: %v", err)
	}
	defer r.Close()
	vs, err := r.Versions(ctx, "d")
	if err != nil || len(vs) != 2 || vs[0].Digest != v1.Version.Digest || !vs[1].Created.Equal(v2.Version.Created) {
		t.Fatalf("Versions after migration = %+v, %v", vs, err)
	}
	stray, _, err := r.blobs.Put(ctx, strings.NewReader("stray"), [32]byte{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.GC(ctx)
	if err != nil || res.Blobs != 1 {
		t.Fatalf("GC after migration = %+v, %v; want the stray object only", res, err)
	}
	if ok, _ := r.blobs.Has(ctx, stray); ok {
		t.Errorf("the stray object survived")
	}
	for _, ref := range []string{"v1", "v2"} {
		if got := readAll(t, r, "d", ref); len(got) != 1 {
			t.Errorf("%s after GC: %v", ref, got)
		}
	}
}
