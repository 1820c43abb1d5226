package dataset_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/dataset"
)

// countingRemote counts the calls made to a Remote.
type countingRemote struct {
	dataset.Remote
	mu       sync.Mutex
	puts     []string
	gets     []string
	failGets bool
}

func (c *countingRemote) Put(ctx context.Context, digest string, r io.Reader) error {
	c.mu.Lock()
	c.puts = append(c.puts, digest)
	c.mu.Unlock()
	return c.Remote.Put(ctx, digest, r)
}

func (c *countingRemote) Get(ctx context.Context, digest string) (io.ReadCloser, error) {
	c.mu.Lock()
	c.gets = append(c.gets, digest)
	c.mu.Unlock()
	return c.Remote.Get(ctx, digest)
}

func TestPushPull(t *testing.T) {
	ctx := context.Background()
	a, v1, v2 := twoVersions(t)
	rem := &countingRemote{Remote: dataset.NewDirRemote(filepath.Join(t.TempDir(), "remote"))}

	// v1 has "shared", "one" and its manifest.
	tr, err := a.Push(ctx, rem, "d", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dataset.Transfer{Objects: 3, Bytes: int64(len("shared") + len("one") + manifestSize(t, a, "v1"))}, tr); diff != "" {
		t.Errorf("Push v1 (-want +got):\n%s", diff)
	}
	// v2 shares "shared" with v1: only "two" and the manifest travel.
	rem.puts = nil
	tr, err = a.Push(ctx, rem, "d", "v2")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Objects != 2 || tr.Present != 1 || len(rem.puts) != 2 || rem.puts[1] != v2.ID {
		t.Errorf("Push v2 = %+v, puts %v; want 2 sent (manifest last), 1 present", tr, rem.puts)
	}
	if tr, err = a.Push(ctx, rem, "d", "v2"); err != nil || tr.Objects != 0 || tr.Present != 3 {
		t.Errorf("Push v2 again = %+v, %v; want nothing sent", tr, err)
	}

	b := openRepo(t, dataset.Options{})
	got, err := b.Pull(ctx, rem, "copy", v2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version.Number != 1 || got.Version.ID != v2.ID || got.Unchanged || got.Stats.Read != 3 {
		t.Errorf("Pull v2 = %+v; want copy@v1 with 3 objects fetched", got)
	}
	rem.gets = nil
	got, err = b.Pull(ctx, rem, "copy", v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	// "shared" is there already.
	if got.Version.Number != 2 || got.Stats.Read != 2 || len(rem.gets) != 2 {
		t.Errorf("Pull v1 = %+v, gets %v; want copy@v2 with 2 objects fetched", got, rem.gets)
	}
	got, err = b.Pull(ctx, rem, "copy", v1.ID)
	if err != nil || !got.Unchanged || got.Stats.Read != 0 {
		t.Errorf("Pull v1 again = %+v, %v; want Unchanged, nothing fetched", got, err)
	}
	for _, ref := range []string{"v1", "v2"} {
		want := readTree(t, checkout(t, a, ref))
		other := map[string]string{"v1": "v2", "v2": "v1"}[ref] // pulled in the other order
		if diff := cmp.Diff(want, readTree(t, checkout2(t, b, "copy", other))); diff != "" {
			t.Errorf("pulled %s (-want +got):\n%s", ref, diff)
		}
	}
	if _, err := b.Verify(ctx); err != nil {
		t.Error(err)
	}
}

func TestPullVerifies(t *testing.T) {
	ctx := context.Background()
	a, _, v2 := twoVersions(t)
	remDir := filepath.Join(t.TempDir(), "remote")
	rem := dataset.NewDirRemote(remDir)
	if _, err := a.Push(ctx, rem, "d", "v2"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		id      string
		harm    string // content of the remote object to damage
		wantErr error
	}{
		{"damaged file", v2.ID, "two", dataset.ErrCorrupt},
		{"unknown version", sha("no such manifest"), "", dataset.ErrNotFound},
		{"malformed id", "sha256:abc", "", dataset.ErrBadRef},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.harm != "" {
				p := filepath.Join(remDir, "objects", sha(tt.harm)[7:9], sha(tt.harm)[9:])
				damage(t, p)
			}
			b := openRepo(t, dataset.Options{})
			if _, err := b.Pull(ctx, rem, "copy", tt.id); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Pull = %v, want %v", err, tt.wantErr)
			}
			if names, _ := b.Names(); len(names) != 0 {
				t.Errorf("failed Pull recorded %v", names)
			}
			if objs := objectFiles(t, b); len(objs) != 0 {
				t.Errorf("failed Pull left objects %v", objs)
			}
		})
	}
}

func TestPushVerifies(t *testing.T) {
	ctx := context.Background()
	a, _, _ := twoVersions(t)
	damage(t, objectOf(a, sha("two")))
	remDir := filepath.Join(t.TempDir(), "remote")
	rem := dataset.NewDirRemote(remDir)
	if _, err := a.Push(ctx, rem, "d", "v2"); !errors.Is(err, dataset.ErrCorrupt) {
		t.Fatalf("Push = %v, want ErrCorrupt", err)
	}
	if has, err := rem.Has(ctx, sha("two")); err != nil || has {
		t.Errorf("remote Has(damaged) = %v, %v; want false", has, err)
	}
}

func TestDirRemote(t *testing.T) {
	ctx := context.Background()
	rem := dataset.NewDirRemote(t.TempDir())
	if err := rem.Put(ctx, sha("x"), strings.NewReader("not x")); !errors.Is(err, dataset.ErrCorrupt) {
		t.Errorf("Put(wrong content) = %v, want ErrCorrupt", err)
	}
	if has, _ := rem.Has(ctx, sha("x")); has {
		t.Error("Put kept wrong content")
	}
	if err := rem.Put(ctx, sha("x"), strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	rc, err := rem.Get(ctx, sha("x"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "x" {
		t.Errorf("Get = %q, want x", b)
	}
	if _, err := rem.Get(ctx, sha("y")); !errors.Is(err, dataset.ErrNotFound) {
		t.Errorf("Get(missing) = %v, want ErrNotFound", err)
	}
	for _, bad := range []string{"", "x", "sha256:" + strings.Repeat("A", 64), "md5:" + strings.Repeat("0", 32)} {
		if _, err := rem.Has(ctx, bad); !errors.Is(err, dataset.ErrBadRef) {
			t.Errorf("Has(%q) = %v, want ErrBadRef", bad, err)
		}
	}
}

func manifestSize(t *testing.T, r *dataset.Repo, ref string) int {
	t.Helper()
	v, err := r.Resolve("d", ref)
	if err != nil {
		t.Fatal(err)
	}
	files := objectFiles(t, r)
	for _, f := range files {
		if strings.HasSuffix(f, v.ID[9:]) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			return len(b)
		}
	}
	t.Fatalf("no manifest %s", v.ID)
	return 0
}

func checkout(t *testing.T, r *dataset.Repo, ref string) string {
	t.Helper()
	return checkout2(t, r, "d", ref)
}

func checkout2(t *testing.T, r *dataset.Repo, name, ref string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "out")
	if _, err := r.Checkout(context.Background(), name, ref, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}
