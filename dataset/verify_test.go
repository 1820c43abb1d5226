package dataset_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
	"github.com/cairn-ml/cairn/track"
)

func TestVerify(t *testing.T) {
	tests := []struct {
		name string
		harm func(t *testing.T, r *dataset.Repo, v1, v2 dataset.Version)
		want dataset.VerifyReport
	}{
		{"intact", func(*testing.T, *dataset.Repo, dataset.Version, dataset.Version) {}, dataset.VerifyReport{}},
		{"shared file corrupt", func(t *testing.T, r *dataset.Repo, _, _ dataset.Version) {
			damage(t, objectOf(r, sha("shared")))
		}, dataset.VerifyReport{Corrupt: []string{sha("shared")}, Damaged: []string{"d@v1", "d@v2"}}},
		{"file of v2 missing", func(t *testing.T, r *dataset.Repo, _, _ dataset.Version) {
			os.Remove(objectOf(r, sha("two")))
		}, dataset.VerifyReport{Missing: []string{sha("two")}, Damaged: []string{"d@v2"}}},
		{"manifest of v1 missing", func(t *testing.T, r *dataset.Repo, v1, _ dataset.Version) {
			os.Remove(objectOf(r, v1.Digest))
		}, dataset.VerifyReport{Missing: []string{"v1"}, Damaged: []string{"d@v1"}}},
		{"manifest of v2 corrupt", func(t *testing.T, r *dataset.Repo, _, v2 dataset.Version) {
			damage(t, objectOf(r, v2.Digest))
		}, dataset.VerifyReport{Corrupt: []string{"v2"}, Damaged: []string{"d@v2"}}},
		// The blob store may be shared: objects no version refers to are
		// not the repository's to check.
		{"unreferenced object corrupt", func(t *testing.T, r *dataset.Repo, _, _ dataset.Version) {
			stray(t, r, "stray")
			damage(t, objectOf(r, sha("stray")))
		}, dataset.VerifyReport{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, v1, v2 := twoVersions(t)
			tt.harm(t, r, v1, v2)
			// "v1" and "v2" in the table stand for the manifests' digests.
			ids := map[string]string{"v1": v1.Digest, "v2": v2.Digest}
			for _, list := range [][]string{tt.want.Missing, tt.want.Corrupt} {
				for i, d := range list {
					if id, ok := ids[d]; ok {
						list[i] = id
					}
				}
			}
			rep, err := r.Verify(context.Background())
			if ok := tt.want.OK(); ok != (err == nil) || (!ok && !errors.Is(err, dataset.ErrCorrupt)) {
				t.Errorf("Verify error = %v, want ErrCorrupt: %v", err, !ok)
			}
			if diff := cmp.Diff(tt.want, rep, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(dataset.VerifyReport{}, "Objects", "Bytes")); diff != "" {
				t.Errorf("Verify report (-want +got):\n%s", diff)
			}
		})
	}
}

// twoVersions returns a repository with two versions of "d" that share
// the content "shared".
func twoVersions(t *testing.T) (*dataset.Repo, dataset.Version, dataset.Version) {
	t.Helper()
	ctx := context.Background()
	r := openRepo(t, dataset.Options{})
	src := t.TempDir()
	writeTree(t, src, map[string]tfile{"s": {Data: "shared"}, "x": {Data: "one"}})
	v1, err := r.Commit(ctx, "d", src, "")
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, src, map[string]tfile{"x": {Data: "two"}})
	v2, err := r.Commit(ctx, "d", src, "")
	if err != nil {
		t.Fatal(err)
	}
	return r, v1.Version, v2.Version
}

// stray stores content as an object that no version refers to, as an
// interrupted commit would leave it.
func stray(t *testing.T, r *dataset.Repo, content string) {
	t.Helper()
	p := objectOf(r, sha(content))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o444); err != nil {
		t.Fatal(err)
	}
}

func TestGC(t *testing.T) {
	ctx := context.Background()
	r, v1, v2 := twoVersions(t)
	before := len(objectFiles(t, r))
	stray(t, r, "stray one")
	stray(t, r, "stray two!")
	leftover := filepath.Join(r.Dir(), "objects", ".stage-123")
	writeTree(t, leftover, map[string]tfile{"1": {Data: "half"}})
	res, err := r.GC(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dataset.GCResult{Blobs: 2, Bytes: 19}, res); diff != "" {
		t.Errorf("GC (-want +got):\n%s", diff)
	}
	if after := len(objectFiles(t, r)); after != before {
		t.Errorf("GC left %d objects, want %d", after, before)
	}
	if _, err := os.Stat(leftover); err == nil {
		t.Errorf("GC left %s", leftover)
	}
	rep, err := r.Verify(ctx)
	if err != nil || rep.Objects != before {
		t.Errorf("Verify after GC = %+v, %v; want %d objects", rep, err, before)
	}
	for _, v := range []dataset.Version{v1, v2} {
		if _, err := r.Checkout(ctx, "d", v.Digest, filepath.Join(t.TempDir(), "x")); err != nil {
			t.Errorf("Checkout %v after GC: %v", v, err)
		}
	}

	// The repository's references, not its manifests, say what is live:
	// with a manifest gone, GC still takes only the stray object.
	stray(t, r, "stray three")
	os.Remove(objectOf(r, v1.Digest))
	res, err = r.GC(ctx)
	if err != nil || res.Blobs != 1 {
		t.Errorf("GC without a manifest = %+v, %v; want the stray object only", res, err)
	}
	if _, err := os.Stat(objectOf(r, sha("one"))); err != nil {
		t.Errorf("GC removed a file of the version whose manifest is gone: %v", err)
	}
}

// An emptied index next to full objects is damage, not a new repository,
// and nothing is deleted on the strength of it.
func TestEmptiedIndex(t *testing.T) {
	if engine != enginetest.OnBolt {
		t.Skip("an emptied index file is damage of the bbolt engine's file")
	}
	ctx := context.Background()
	r, _, _ := twoVersions(t)
	dir := r.Dir()
	r.Close()
	before := len(objectFiles(t, r))
	if err := os.Truncate(filepath.Join(dir, "index.db"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := dataset.Open(dir); !errors.Is(err, dataset.ErrCorrupt) {
		t.Fatalf("Open with an emptied index = %v, want ErrCorrupt", err)
	}
	// A GC from another holder of the same blob folder refuses too.
	other, err := track.OpenWith(filepath.Join(t.TempDir(), "cairn.db"), track.Options{Blobs: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.GC(ctx, track.GCOptions{}); !errors.Is(err, track.ErrCorrupt) {
		t.Errorf("another holder's GC with the index emptied = %v, want ErrCorrupt", err)
	}
	if after := len(objectFiles(t, r)); after != before {
		t.Errorf("%d objects after the GCs, %d before", after, before)
	}
}

func TestCommitRestoresMissingObject(t *testing.T) {
	ctx := context.Background()
	r := openRepo(t, dataset.Options{NoHashCache: true})
	src := t.TempDir()
	writeTree(t, src, map[string]tfile{"a": {Data: "precious"}, "b": {Data: "other"}})
	if _, err := r.Commit(ctx, "d", src, ""); err != nil {
		t.Fatal(err)
	}
	os.Remove(objectOf(r, sha("precious")))
	if _, err := r.Verify(ctx); !errors.Is(err, dataset.ErrCorrupt) {
		t.Fatalf("Verify with a missing object = %v, want ErrCorrupt", err)
	}
	res, err := r.Commit(ctx, "d", src, "")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Unchanged || res.Stats.NewObjects != 1 {
		t.Errorf("re-commit = %+v, want unchanged with 1 object restored", res)
	}
	if _, err := r.Verify(ctx); err != nil {
		t.Errorf("Verify after the re-commit: %v", err)
	}
}
