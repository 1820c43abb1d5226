package dataset_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// tfile is a file of a test tree: content and permission bits (0 means
// 0o644).
type tfile struct {
	Data string
	Mode fs.FileMode
}

// writeTree creates the files of tree under dir (slash-separated paths).
func writeTree(t testing.TB, dir string, tree map[string]tfile) {
	t.Helper()
	for p, f := range tree {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		if err := os.WriteFile(full, []byte(f.Data), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(full, mode); err != nil { // beat the umask
			t.Fatal(err)
		}
	}
}

// readTree returns the regular files under dir with their content and
// permission bits.
func readTree(t testing.TB, dir string) map[string]tfile {
	t.Helper()
	out := make(map[string]tfile)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			t.Errorf("%s is a %v, want a regular file", p, info.Mode().Type())
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = tfile{Data: string(b), Mode: info.Mode().Perm()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// withModes fills in the default mode of a tree for comparison.
func withModes(tree map[string]tfile) map[string]tfile {
	out := make(map[string]tfile, len(tree))
	for p, f := range tree {
		if f.Mode == 0 {
			f.Mode = 0o644
		}
		out[p] = f
	}
	return out
}

// fixedClock returns a clock that starts at 2024-01-02 03:04:05 UTC and
// moves one minute per call.
func fixedClock() func() time.Time {
	t := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		t = t.Add(time.Minute)
		return t
	}
}

// openRepo opens a repository in a fresh folder and closes it at the end
// of the test.
func openRepo(t testing.TB, opts dataset.Options) *dataset.Repo {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedClock()
	}
	dir := filepath.Join(t.TempDir(), "repo")
	if engine == enginetest.OnPostgres && opts.Index == "" {
		// The version index in PostgreSQL; the objects stay in the
		// folder's objects/, where the tests damage them (TestS3Blobs
		// and the remote tests put them in S3).
		opts.Index = enginetest.Records(t, engine)
		if opts.Blobs == "" {
			opts.Blobs = dir
		}
	}
	r, err := dataset.OpenWith(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

// objectFiles returns the paths of the files under <repo>/objects.
func objectFiles(t testing.TB, r *dataset.Repo) []string {
	t.Helper()
	var out []string
	root := filepath.Join(r.Dir(), "objects")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && len(filepath.Base(filepath.Dir(p))) == 2 {
			out = append(out, p) // objects/<xx>/<rest>, not the lock or the holders
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// objectOf returns the path of the object with the given digest.
func objectOf(r *dataset.Repo, digest string) string {
	h := digest[len("sha256:"):]
	return filepath.Join(r.Dir(), "objects", h[:2], h[2:])
}

// damage overwrites the first byte of a stored object.
func damage(t testing.TB, path string) {
	t.Helper()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		b = []byte{'x'}
	} else {
		b[0] ^= 0xff
	}
	if err := os.WriteFile(path, b, 0o444); err != nil {
		t.Fatal(err)
	}
}

// sha returns the digest of s.
func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}
