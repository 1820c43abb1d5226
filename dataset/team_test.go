package dataset_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// Two machines (two folders) share one version index in PostgreSQL and
// one bucket: a version committed on one is seen, checked out and built
// on by the other, and each keeps its own hash cache.
func TestTwoMachines(t *testing.T) {
	if engine != enginetest.OnPostgres {
		t.Skip("runs in the PostgreSQL pass")
	}
	ctx := context.Background()
	index, blobs := enginetest.Records(t, engine), enginetest.Blobs(t, engine)
	open := func() *dataset.Repo {
		r, err := dataset.OpenWith(filepath.Join(t.TempDir(), "repo"), dataset.Options{Index: index, Blobs: blobs, Now: fixedClock()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	a, b := open(), open()

	src := t.TempDir()
	writeTree(t, src, map[string]tfile{"train.csv": {Data: "x,y\n1,0\n"}, "sub/test.csv": {Data: "x,y\n2,1\n"}})
	v1, err := a.Commit(ctx, "cancer", src, "first")
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Resolve(ctx, "cancer", "latest")
	if err != nil || got.Digest != v1.Version.Digest {
		t.Fatalf("the other machine resolves latest = %+v, %v; want %s", got, err, v1.Version.Digest)
	}
	dst := filepath.Join(t.TempDir(), "out")
	if _, err := b.Checkout(ctx, "cancer", "v1", dst); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(dst, "sub", "test.csv")); err != nil || string(data) != "x,y\n2,1\n" {
		t.Errorf("checked out %q, %v", data, err)
	}

	// The other machine commits the next version of the same name (its
	// checkout's files are new to its hash cache; TestHashCache shows the
	// cache at work on PostgreSQL), and the same content is the same
	// version.
	writeTree(t, dst, map[string]tfile{"train.csv": {Data: "x,y\n1,0\n3,1\n"}})
	v2, err := b.Commit(ctx, "cancer", dst, "second")
	if err != nil || v2.Version.Number != 2 || v2.Stats.Read != 2 {
		t.Fatalf("Commit on the other machine = %+v, %v; want v2, both files read", v2, err)
	}
	again, err := b.Commit(ctx, "cancer", dst, "")
	if err != nil || !again.Unchanged || again.Version.Number != 2 {
		t.Errorf("Commit again = %+v, %v; want v2 unchanged", again, err)
	}
	vs, err := a.Versions(ctx, "cancer")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, v := range vs {
		msgs = append(msgs, v.Message)
	}
	if diff := cmp.Diff([]string{"first", "second"}, msgs); diff != "" {
		t.Errorf("versions seen from the first machine (-want +got):\n%s", diff)
	}
}

// A shared index keeps its blobs in its own database unless told
// otherwise, records the location without a password, and refuses
// another.
func TestSharedIndexBlobs(t *testing.T) {
	if engine != enginetest.OnPostgres {
		t.Skip("runs in the PostgreSQL pass")
	}
	ctx := context.Background()
	index := enginetest.Records(t, engine)
	r, err := dataset.OpenWith(filepath.Join(t.TempDir(), "a"), dataset.Options{Index: index})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if strings.Contains(r.IndexLocation(), "cairn-ci-pw") || !strings.HasPrefix(r.BlobsLocation(), "postgres") {
		t.Errorf("IndexLocation %q, BlobsLocation %q: want no password, blobs in the database", r.IndexLocation(), r.BlobsLocation())
	}
	src := t.TempDir()
	writeTree(t, src, map[string]tfile{"f": {Data: "in the database"}})
	v, err := r.Commit(ctx, "d", src, "")
	if err != nil {
		t.Fatal(err)
	}
	// Another folder, no Blobs given: the recorded location, opened with
	// the index's password.
	o, err := dataset.OpenWith(filepath.Join(t.TempDir(), "b"), dataset.Options{Index: index})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	dst := filepath.Join(t.TempDir(), "out")
	if _, err := o.Checkout(ctx, "d", v.Version.Digest, dst); err != nil {
		t.Fatal(err)
	}
	// Another blob location is refused, and the message shows no
	// password.
	_, err = dataset.OpenWith(filepath.Join(t.TempDir(), "c"), dataset.Options{Index: index, Blobs: t.TempDir()})
	if !errors.Is(err, dataset.ErrInvalid) || strings.Contains(err.Error(), "cairn-ci-pw") {
		t.Errorf("Open with another blob location = %v, want ErrInvalid without the password", err)
	}
}

// Push and Pull to an S3 remote, as DVC does: what one machine pushes,
// another pulls, verified, into a repository of its own.
func TestPushPullS3(t *testing.T) {
	if engine != enginetest.OnBolt {
		t.Skip("runs in the bbolt pass") // the index engine does not matter here
	}
	ctx := context.Background()
	rem := enginetest.S3(t)
	a, v1, v2 := twoVersions(t)
	tr, err := a.Push(ctx, rem, "d", "v1")
	if err != nil || tr.Objects != 3 {
		t.Fatalf("Push v1 to S3 = %+v, %v; want 3 objects", tr, err)
	}
	if tr, err = a.Push(ctx, rem, "d", "v2"); err != nil || tr.Objects != 2 || tr.Present != 1 {
		t.Fatalf("Push v2 to S3 = %+v, %v; want 2 sent, 1 present", tr, err)
	}
	b := openRepo(t, dataset.Options{})
	got, err := b.Pull(ctx, rem, "copy", v2.Digest)
	if err != nil || got.Version.Digest != v2.Digest {
		t.Fatalf("Pull v2 from S3 = %+v, %v", got, err)
	}
	files, err := b.Files(ctx, "copy", "latest")
	if err != nil || len(files) != 2 {
		t.Errorf("pulled version's files = %v, %v", files, err)
	}
	if _, err := b.Pull(ctx, rem, "copy", v1.Digest); err != nil {
		t.Errorf("Pull v1: %v", err)
	}
	// A version never pushed is not there.
	if _, err := b.Pull(ctx, rem, "x", "sha256:"+strings.Repeat("ab", 32)); !errors.Is(err, dataset.ErrNotFound) {
		t.Errorf("Pull of a version not pushed = %v, want ErrNotFound", err)
	}
}
