package track_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/storage"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
	"github.com/cairn-ml/cairn/track"
)

func TestArtifacts(t *testing.T) {
	st := openStore(t, track.Options{})
	exp := mustExperiment(t, st, "e")
	run := mustStart(t, exp, track.RunOptions{})
	other := mustStart(t, exp, track.RunOptions{})
	model := []byte(`{"coef":[1,2,3]}`)
	a, err := run.LogArtifact(ctx, "model/coef.json", bytes.NewReader(model))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(model)
	want := "sha256:" + hex.EncodeToString(sum[:])
	if a.Digest != want || a.Size != int64(len(model)) || a.Path != "model/coef.json" {
		t.Errorf("LogArtifact = %+v, want digest %s size %d", a, want, len(model))
	}
	// The blob is in the blob store (on bbolt: objects/<hex[:2]>/<hex[2:]>
	// beside the database).
	if engine == enginetest.OnBolt {
		h := hex.EncodeToString(sum[:])
		if _, err := os.Stat(filepath.Join(filepath.Dir(st.Path()), "objects", h[:2], h[2:])); err != nil {
			t.Errorf("blob file: %v", err)
		}
	}
	if !hasBlob(t, st, want) {
		t.Errorf("blob %s is not in the blob store", want)
	}
	got, err := st.ReadArtifact(ctx, run.ID(), "model/coef.json")
	if err != nil || !bytes.Equal(got, model) {
		t.Errorf("ReadArtifact = %q, %v; want %q", got, err, model)
	}
	// Same bytes in another run: one blob, two references.
	if _, err := other.LogArtifact(ctx, "copy.json", bytes.NewReader(model)); err != nil {
		t.Fatal(err)
	}
	// Replacing an artifact.
	if _, err := run.LogArtifact(ctx, "notes.txt", strings.NewReader("v1")); err != nil {
		t.Fatal(err)
	}
	if _, err := run.LogArtifact(ctx, "notes.txt", strings.NewReader("v2")); err != nil {
		t.Fatal(err)
	}
	list, err := st.Artifacts(ctx, run.ID())
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, a := range list {
		paths = append(paths, a.Path)
	}
	if diff := cmp.Diff([]string{"model/coef.json", "notes.txt"}, paths); diff != "" {
		t.Errorf("Artifacts (-want +got):\n%s", diff)
	}
	if got, err := st.ReadArtifact(ctx, run.ID(), "notes.txt"); err != nil || string(got) != "v2" {
		t.Errorf("replaced artifact = %q, %v", got, err)
	}
	rc, info, err := st.OpenArtifact(ctx, other.ID(), "copy.json")
	if err != nil {
		t.Fatal(err)
	}
	streamed, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(streamed, model) || info.Digest != want {
		t.Errorf("OpenArtifact = %q %+v", streamed, info)
	}
	for _, tc := range []struct {
		name, run, path string
		want            error
	}{
		{"unknown path", run.ID(), "nope", track.ErrNotFound},
		{"unknown run", strings.Repeat("0", 32), "model/coef.json", track.ErrNotFound},
		{"bad path", run.ID(), "../x", track.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := st.ReadArtifact(ctx, tc.run, tc.path); !errors.Is(err, tc.want) {
				t.Errorf("ReadArtifact(%q) = %v, want %v", tc.path, err, tc.want)
			}
		})
	}
}

func TestArtifactPaths(t *testing.T) {
	st := openStore(t, track.Options{})
	run := mustStart(t, mustExperiment(t, st, "e"), track.RunOptions{})
	for _, p := range []string{"model.json", "plots/roc.svg", "a.b/c-d_e", ".hidden", "x..y"} {
		if _, err := run.LogArtifact(ctx, p, strings.NewReader(p)); err != nil {
			t.Errorf("LogArtifact(%q): %v", p, err)
		}
	}
	for _, p := range []string{
		"", ".", "..", "../x", "a/../../x", "a/./b", "/etc/passwd", "a//b", "a/", `a\b`, `..\x`,
		"a\x00b", "\xff", strings.Repeat("x", track.MaxArtifactPathLen+1),
	} {
		if _, err := run.LogArtifact(ctx, p, strings.NewReader("x")); !errors.Is(err, track.ErrInvalid) {
			t.Errorf("LogArtifact(%q) = %v, want ErrInvalid", p, err)
		}
	}
}

// A damaged blob is reported, and its bytes are not returned.
func TestArtifactCorruption(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(path string) error
		want   error
	}{
		{"flipped byte", func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[3] ^= 1
			return os.WriteFile(p, b, 0o644)
		}, track.ErrCorrupt},
		{"truncated", func(p string) error { return os.Truncate(p, 5) }, track.ErrCorrupt},
		{"extended", func(p string) error {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteString("!")
			return err
		}, track.ErrCorrupt},
		{"removed", os.Remove, track.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Damage done to a file: the folder engine's.
			st := openStore(t, track.Options{Blobs: t.TempDir()})
			run := mustStart(t, mustExperiment(t, st, "e"), track.RunOptions{})
			a, err := run.LogArtifact(ctx, "model.json", strings.NewReader("the model bytes"))
			if err != nil {
				t.Fatal(err)
			}
			path := blobPath(st, a.Digest)
			if err := tc.damage(path); err != nil {
				t.Fatal(err)
			}
			got, err := st.ReadArtifact(ctx, run.ID(), "model.json")
			if !errors.Is(err, tc.want) || got != nil {
				t.Errorf("ReadArtifact = %q, %v; want no bytes and %v", got, err, tc.want)
			}
			rc, _, err := st.OpenArtifact(ctx, run.ID(), "model.json")
			if !errors.Is(err, tc.want) || rc != nil {
				t.Errorf("OpenArtifact = %v, %v; want nil and %v", rc, err, tc.want)
			}
			// Logging the same bytes again heals the blob.
			if _, err := run.LogArtifact(ctx, "again.json", strings.NewReader("the model bytes")); err != nil {
				t.Fatal(err)
			}
			if got, err := st.ReadArtifact(ctx, run.ID(), "model.json"); err != nil || string(got) != "the model bytes" {
				t.Errorf("after re-upload: %q, %v", got, err)
			}
		})
	}
}

// hasBlob reports whether the Store's blob store holds digest.
func hasBlob(t *testing.T, st *track.Store, digest string) bool {
	t.Helper()
	loc := st.BlobsLocation()
	if strings.HasPrefix(loc, "postgres") {
		t.Skip("blobs in PostgreSQL's tables: the test cannot reopen them without the password (set CAIRN_TEST_S3)")
	}
	bs, err := storage.OpenBlobs(ctx, loc, storage.BlobsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer storage.CloseBlobs(bs)
	d, err := blob.ParseDigest(digest)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := bs.Has(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// blobPath returns the file of a blob in the Store's folder blob store.
func blobPath(st *track.Store, digest string) string {
	h := strings.TrimPrefix(digest, "sha256:")
	return filepath.Join(st.BlobsLocation(), "objects", h[:2], h[2:])
}
