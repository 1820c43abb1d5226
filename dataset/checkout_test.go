package dataset_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/dataset"
)

// committed returns a repository holding tree as version v1 of "d".
func committed(t *testing.T, tree map[string]tfile) *dataset.Repo {
	t.Helper()
	r := openRepo(t, dataset.Options{})
	src := t.TempDir()
	writeTree(t, src, tree)
	if _, err := r.Commit(context.Background(), "d", src, ""); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCheckoutDestination(t *testing.T) {
	tree := map[string]tfile{"a": {Data: "1"}, "b/c": {Data: "2"}}
	tests := []struct {
		name    string
		prepare func(t *testing.T, dst string)
		wantErr error
	}{
		{"missing", func(*testing.T, string) {}, nil},
		{"missing parents", func(*testing.T, string) {}, nil},
		{"empty folder", func(t *testing.T, dst string) {
			if err := os.Mkdir(dst, 0o755); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"folder with a file", func(t *testing.T, dst string) {
			writeTree(t, dst, map[string]tfile{"old": {Data: "o"}})
		}, dataset.ErrExists},
		{"a file", func(t *testing.T, dst string) {
			writeTree(t, filepath.Dir(dst), map[string]tfile{filepath.Base(dst): {Data: "o"}})
		}, dataset.ErrExists},
		{"a symbolic link", func(t *testing.T, dst string) {
			if err := os.Symlink(t.TempDir(), dst); err != nil {
				t.Fatal(err)
			}
		}, dataset.ErrExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := committed(t, tree)
			dst := filepath.Join(t.TempDir(), "dst")
			if tt.name == "missing parents" {
				dst = filepath.Join(t.TempDir(), "x", "y", "dst")
			}
			tt.prepare(t, dst)
			_, err := r.Checkout(context.Background(), "d", "v1", dst)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Checkout = %v, want %v", err, tt.wantErr)
			}
			if err == nil {
				if diff := cmp.Diff(withModes(tree), readTree(t, dst)); diff != "" {
					t.Errorf("checkout (-want +got):\n%s", diff)
				}
			}
			// Nothing is left beside dst.
			siblings, _ := os.ReadDir(filepath.Dir(dst))
			if len(siblings) != 1 {
				t.Errorf("folder of dst holds %d entries, want 1", len(siblings))
			}
		})
	}
}

func TestCheckoutDamaged(t *testing.T) {
	tests := []struct {
		name    string
		harm    func(t *testing.T, path string)
		wantErr error
	}{
		{"flipped byte", func(t *testing.T, p string) { damage(t, p) }, dataset.ErrCorrupt},
		{"truncated", func(t *testing.T, p string) {
			os.Chmod(p, 0o644)
			if err := os.Truncate(p, 1); err != nil {
				t.Fatal(err)
			}
		}, dataset.ErrCorrupt},
		{"longer", func(t *testing.T, p string) {
			os.Chmod(p, 0o644)
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("more")
			f.Close()
		}, dataset.ErrCorrupt},
		{"missing", func(t *testing.T, p string) {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}, dataset.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := committed(t, map[string]tfile{"ok": {Data: "fine"}, "bad": {Data: "soon damaged"}})
			tt.harm(t, objectOf(r, sha("soon damaged")))
			dst := filepath.Join(t.TempDir(), "dst")
			if _, err := r.Checkout(context.Background(), "d", "v1", dst); !errors.Is(err, tt.wantErr) {
				t.Errorf("Checkout = %v, want %v", err, tt.wantErr)
			}
			if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("failed Checkout left %s (%v)", dst, err)
			}
			if left, _ := os.ReadDir(filepath.Dir(dst)); len(left) != 0 {
				t.Errorf("failed Checkout left %d entries", len(left))
			}
		})
	}
}

func TestCheckoutManifestDamaged(t *testing.T) {
	r := committed(t, map[string]tfile{"a": {Data: "1"}})
	v, err := r.Resolve(context.Background(), "d", "latest")
	if err != nil {
		t.Fatal(err)
	}
	damage(t, objectOf(r, v.Digest))
	if _, err := r.Checkout(context.Background(), "d", "v1", filepath.Join(t.TempDir(), "x")); !errors.Is(err, dataset.ErrCorrupt) {
		t.Errorf("Checkout = %v, want ErrCorrupt", err)
	}
	if _, err := r.FS(context.Background(), "d", "v1"); !errors.Is(err, dataset.ErrCorrupt) {
		t.Errorf("FS = %v, want ErrCorrupt", err)
	}
}

func TestFS(t *testing.T) {
	tree := map[string]tfile{
		"a":            {Data: "alpha"},
		"dir/b":        {Data: "beta", Mode: 0o600},
		"dir/sub/c":    {Data: "gamma"},
		"dir/sub/d":    {Data: ""},
		"other/deep/e": {Data: "epsilon", Mode: 0o755},
	}
	r := committed(t, tree)
	fsys, err := r.FS(context.Background(), "d", "latest")
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(fsys, "a", "dir/b", "dir/sub/c", "dir/sub/d", "other/deep/e"); err != nil {
		t.Fatal(err)
	}
	got := make(map[string]tfile)
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		info, _ := d.Info()
		got[p] = tfile{Data: string(b), Mode: info.Mode().Perm()}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(withModes(tree), got); diff != "" {
		t.Errorf("FS content (-want +got):\n%s", diff)
	}
	v, _ := r.Resolve(context.Background(), "d", "v1")
	info, err := fs.Stat(fsys, "dir/sub")
	if err != nil || !info.IsDir() || !info.ModTime().Equal(v.Created) {
		t.Errorf("Stat(dir/sub) = %v, %v; want a folder stamped %v", info, err, v.Created)
	}
	if _, err := fsys.Open("../a"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("Open(../a) = %v, want fs.ErrInvalid", err)
	}
	if _, err := fsys.Open("nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(nope) = %v, want fs.ErrNotExist", err)
	}
	// The FS reads objects, not the index: it outlives Close.
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err := fs.ReadFile(fsys, "a"); err != nil || string(b) != "alpha" {
		t.Errorf("ReadFile after Close = %q, %v", b, err)
	}
}

func TestFSVerifies(t *testing.T) {
	r := committed(t, map[string]tfile{"a": {Data: "alpha"}, "b": {Data: "beta"}})
	damage(t, objectOf(r, sha("alpha")))
	os.Remove(objectOf(r, sha("beta")))
	fsys, err := r.FS(context.Background(), "d", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.ReadFile(fsys, "a"); !errors.Is(err, dataset.ErrCorrupt) {
		t.Errorf("ReadFile(a) = %v, want ErrCorrupt", err)
	}
	f, err := fsys.Open("a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(f); !errors.Is(err, dataset.ErrCorrupt) {
		t.Errorf("ReadAll(Open(a)) = %v, want ErrCorrupt", err)
	}
	f.Close()
	if _, err := fsys.Open("b"); !errors.Is(err, dataset.ErrNotFound) {
		t.Errorf("Open(b) = %v, want ErrNotFound", err)
	}
}

func TestCheckoutCanceled(t *testing.T) {
	r := committed(t, map[string]tfile{"a": {Data: "1"}, "b": {Data: "2"}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	dst := filepath.Join(t.TempDir(), "dst")
	if _, err := r.Checkout(ctx, "d", "v1", dst); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Checkout = %v, want DeadlineExceeded", err)
	}
	if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("canceled Checkout left %s", dst)
	}
}
