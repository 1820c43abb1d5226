package dataset_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// remoteObjects lists the objects in a remote folder.
func remoteObjects(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	fans, _ := os.ReadDir(filepath.Join(dir, "objects"))
	for _, fan := range fans {
		if len(fan.Name()) != 2 {
			continue
		}
		es, _ := os.ReadDir(filepath.Join(dir, "objects", fan.Name()))
		for _, e := range es {
			out["sha256:"+fan.Name()+e.Name()] = true
		}
	}
	return out
}

func TestPushPull(t *testing.T) {
	ctx := context.Background()
	a, v1, v2 := twoVersions(t)
	rem := filepath.Join(t.TempDir(), "remote")

	// v1 has "shared", "one" and its manifest.
	tr, err := a.Push(ctx, rem, "d", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dataset.Transfer{Objects: 3, Bytes: int64(len("shared") + len("one") + manifestSize(t, a, "v1"))}, tr); diff != "" {
		t.Errorf("Push v1 (-want +got):\n%s", diff)
	}
	// v2 shares "shared" with v1: only "two" and the manifest travel.
	tr, err = a.Push(ctx, rem, "d", "v2")
	if err != nil {
		t.Fatal(err)
	}
	if objs := remoteObjects(t, rem); tr.Objects != 2 || tr.Present != 1 || len(objs) != 5 || !objs[v2.Digest] {
		t.Errorf("Push v2 = %+v, remote %v; want 2 sent, 1 present, 5 objects with the manifest", tr, objs)
	}
	if tr, err = a.Push(ctx, rem, "d", "v2"); err != nil || tr.Objects != 0 || tr.Present != 3 {
		t.Errorf("Push v2 again = %+v, %v; want nothing sent", tr, err)
	}

	b := openRepo(t, dataset.Options{})
	got, err := b.Pull(ctx, rem, "copy", v2.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version.Number != 1 || got.Version.Digest != v2.Digest || got.Unchanged || got.Stats.Read != 3 {
		t.Errorf("Pull v2 = %+v; want copy@v1 with 3 objects fetched", got)
	}
	got, err = b.Pull(ctx, rem, "copy", v1.Digest)
	if err != nil {
		t.Fatal(err)
	}
	// "shared" is there already.
	if got.Version.Number != 2 || got.Stats.Read != 2 {
		t.Errorf("Pull v1 = %+v; want copy@v2 with 2 objects fetched", got)
	}
	got, err = b.Pull(ctx, rem, "copy", v1.Digest)
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
	if _, err := a.Push(ctx, remDir, "d", "v2"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		id      string
		harm    string // content of the remote object to damage
		wantErr error
	}{
		{"damaged file", v2.Digest, "two", dataset.ErrCorrupt},
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
			if _, err := b.Pull(ctx, remDir, "copy", tt.id); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Pull = %v, want %v", err, tt.wantErr)
			}
			if names, _ := b.Names(context.Background()); len(names) != 0 {
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
	if _, err := a.Push(ctx, remDir, "d", "v2"); !errors.Is(err, dataset.ErrCorrupt) {
		t.Fatalf("Push = %v, want ErrCorrupt", err)
	}
	if objs := remoteObjects(t, remDir); objs[sha("two")] {
		t.Errorf("the remote kept the damaged object")
	}
}

func manifestSize(t *testing.T, r *dataset.Repo, ref string) int {
	t.Helper()
	v, err := r.Resolve(context.Background(), "d", ref)
	if err != nil {
		t.Fatal(err)
	}
	files := objectFiles(t, r)
	for _, f := range files {
		if strings.HasSuffix(f, v.Digest[9:]) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			return len(b)
		}
	}
	t.Fatalf("no manifest %s", v.Digest)
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

// A Push of many objects learns what the remote has by listing it when
// the remote holds few enough objects, and by asking for each when it
// holds many more; either way it sends what is missing and counts what
// is there, to a folder and to S3.
func TestPushMany(t *testing.T) {
	remotes := map[string]func(t testing.TB) string{
		"folder": func(t testing.TB) string { return filepath.Join(t.TempDir(), "remote") },
	}
	if enginetest.Have(enginetest.EnvS3) {
		remotes["s3"] = enginetest.S3
	}
	for name, remote := range remotes {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			r := openRepo(t, dataset.Options{})
			files := func(n int, extra string) string {
				src := t.TempDir()
				tree := map[string]tfile{}
				for i := range n {
					tree[fmt.Sprintf("f%03d", i)] = tfile{Data: fmt.Sprint("file ", i)}
				}
				if extra != "" {
					tree["extra"] = tfile{Data: extra}
				}
				writeTree(t, src, tree)
				return src
			}
			rem := remote(t)
			push := func(name string, src string) dataset.Transfer {
				t.Helper()
				if _, err := r.Commit(ctx, name, src, ""); err != nil {
					t.Fatal(err)
				}
				tr, err := r.Push(ctx, rem, name, "latest")
				if err != nil {
					t.Fatal(err)
				}
				tr.Bytes = 0
				return tr
			}
			// An empty remote, listed: everything is sent.
			if got, want := push("a", files(70, "")), (dataset.Transfer{Objects: 71}); got != want {
				t.Errorf("first push = %+v, want %+v", got, want)
			}
			// 71 objects held, listed: one file and the manifest are sent.
			if got, want := push("b", files(70, "new")), (dataset.Transfer{Objects: 2, Present: 70}); got != want {
				t.Errorf("second push = %+v, want %+v", got, want)
			}
			// 300 more, so that the next push (65 objects) asks for each.
			push("c", files(300, ""))
			if got, want := push("d", files(64, "newer")), (dataset.Transfer{Objects: 2, Present: 64}); got != want {
				t.Errorf("push to a fuller remote = %+v, want %+v", got, want)
			}
		})
	}
}
