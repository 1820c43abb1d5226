package dataset_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/cairn-ml/cairn/dataset"
)

func TestCommitCheckoutRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		tree map[string]tfile
	}{
		{"one file in a folder", map[string]tfile{"a.csv": {Data: "x,y\n1,2\n"}}},
		{"nested", map[string]tfile{
			"train/x.csv":       {Data: "1,2,3\n"},
			"train/y.csv":       {Data: "0\n"},
			"test/deep/more/z":  {Data: "zzz"},
			"README":            {Data: "read me"},
			"a-b":               {Data: "sorts before a/"},
			"a/b":               {Data: "sorts after a-b"},
			"run.sh":            {Data: "#!/bin/sh\n", Mode: 0o755},
			"private/key.txt":   {Data: "k", Mode: 0o600},
			"empty":             {Data: ""},
			"same-content-1":    {Data: "dup"},
			"same-content-2":    {Data: "dup"},
			"spaces in name":    {Data: "s"},
			"ünïcødé/数据.txt":    {Data: "u"},
			"quote\"and\\slash": {Data: "q"},
		}},
		{"empty tree", map[string]tfile{}},
		{"large file", map[string]tfile{"big": {Data: strings.Repeat("0123456789abcdef", 1<<17)}}}, // 2 MiB: streamed
		{"many files", manyFiles(40)}, // more than the batch threshold
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r := openRepo(t, dataset.Options{})
			src := filepath.Join(t.TempDir(), "src")
			if err := os.MkdirAll(src, 0o755); err != nil {
				t.Fatal(err)
			}
			writeTree(t, src, tt.tree)
			res, err := r.Commit(ctx, "data", src, "first")
			if err != nil {
				t.Fatal(err)
			}
			if res.Unchanged || res.Version.Number != 1 || res.Stats.Files != len(tt.tree) {
				t.Errorf("Commit = %+v, want v1 with %d files", res, len(tt.tree))
			}
			dst := filepath.Join(t.TempDir(), "out", "checkout")
			v, err := r.Checkout(ctx, "data", "latest", dst)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(res.Version, v); diff != "" {
				t.Errorf("Checkout version (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(withModes(tt.tree), readTree(t, dst)); diff != "" {
				t.Errorf("checked-out tree (-want +got):\n%s", diff)
			}
			if _, err := r.Verify(ctx); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func manyFiles(n int) map[string]tfile {
	tree := make(map[string]tfile, n)
	for i := range n {
		tree[filepath.ToSlash(filepath.Join("d"+string(rune('a'+i%5)), "f"+strings.Repeat("x", i)))] = tfile{Data: strings.Repeat("y", i)}
	}
	return tree
}

func TestCommitSingleFile(t *testing.T) {
	ctx := context.Background()
	r := openRepo(t, dataset.Options{})
	dir := t.TempDir()
	src := filepath.Join(dir, "iris.csv")
	writeTree(t, dir, map[string]tfile{"iris.csv": {Data: "a,b\n1,2\n", Mode: 0o640}})
	res, err := r.Commit(ctx, "iris", src, "")
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.Files(context.Background(), "iris", "v1")
	if err != nil {
		t.Fatal(err)
	}
	want := []dataset.Entry{{Path: "iris.csv", Size: 8, Mode: 0o640, Hash: sha("a,b\n1,2\n")}}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
	dst := filepath.Join(t.TempDir(), "copy.csv")
	if _, err := r.Checkout(ctx, "iris", res.Version.Digest[7:15], dst); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dst)
	if err != nil || string(b) != "a,b\n1,2\n" {
		t.Errorf("checked-out file = %q, %v", b, err)
	}
	if _, err := r.Checkout(ctx, "iris", "v1", dst); !errors.Is(err, dataset.ErrExists) {
		t.Errorf("Checkout over a file: %v, want ErrExists", err)
	}
}

func TestCommitVersions(t *testing.T) {
	ctx := context.Background()
	r := openRepo(t, dataset.Options{})
	src := t.TempDir()
	writeTree(t, src, map[string]tfile{"a": {Data: "1"}, "b/c": {Data: "2"}})
	steps := []struct {
		name      string
		change    func()
		wantNum   int
		unchanged bool
	}{
		{"first", func() {}, 1, false},
		{"unchanged", func() {}, 1, true},
		{"modified", func() { writeTree(t, src, map[string]tfile{"a": {Data: "one"}}) }, 2, false},
		{"mode only", func() { os.Chmod(filepath.Join(src, "a"), 0o600) }, 3, false},
		{"back to v1", func() {
			os.Chmod(filepath.Join(src, "a"), 0o644)
			writeTree(t, src, map[string]tfile{"a": {Data: "1"}})
		}, 4, false},
		{"unchanged again", func() {}, 4, true},
	}
	var ids []string
	for _, s := range steps {
		s.change()
		res, err := r.Commit(ctx, "d", src, s.name)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if res.Version.Number != s.wantNum || res.Unchanged != s.unchanged {
			t.Errorf("%s: Commit = %v unchanged=%v, want v%d unchanged=%v", s.name, res.Version, res.Unchanged, s.wantNum, s.unchanged)
		}
		if !s.unchanged {
			ids = append(ids, res.Version.Digest)
		}
	}
	if ids[0] != ids[3] {
		t.Errorf("v4 has id %s, want v1's %s (same content)", ids[3], ids[0])
	}
	vs, err := r.Versions(context.Background(), "d")
	if err != nil {
		t.Fatal(err)
	}
	clock := fixedClock()
	var want []dataset.Version
	for i, msg := range []string{"first", "modified", "mode only", "back to v1"} {
		want = append(want, dataset.Version{Name: "d", Number: i + 1, Digest: ids[i], Created: clock(), Message: msg, Files: 2, Size: 2})
	}
	want[1].Size = 4
	want[2].Size = 4
	if diff := cmp.Diff(want, vs); diff != "" {
		t.Errorf("Versions (-want +got):\n%s", diff)
	}
	names, err := r.Names(context.Background())
	if err != nil || !cmp.Equal(names, []string{"d"}) {
		t.Errorf("Names() = %v, %v; want [d]", names, err)
	}
}

func TestCommitDedup(t *testing.T) {
	ctx := context.Background()
	r := openRepo(t, dataset.Options{})
	src := t.TempDir()
	writeTree(t, src, map[string]tfile{"a": {Data: "same"}, "b": {Data: "same"}, "c": {Data: "other"}})
	first, err := r.Commit(ctx, "one", src, "")
	if err != nil {
		t.Fatal(err)
	}
	second, err := r.Commit(ctx, "two", src, "")
	if err != nil {
		t.Fatal(err)
	}
	// Two contents and one manifest, stored once for both names.
	if got := len(objectFiles(t, r)); got != 3 {
		t.Errorf("objects = %d, want 3", got)
	}
	if first.Stats.NewObjects != 3 || second.Stats.NewObjects != 0 || second.Version.Digest != first.Version.Digest {
		t.Errorf("NewObjects = %d then %d (ids %s, %s), want 3 then 0 and equal ids",
			first.Stats.NewObjects, second.Stats.NewObjects, first.Version.Digest, second.Version.Digest)
	}
}

func TestCommitSymlinks(t *testing.T) {
	outside := t.TempDir()
	writeTree(t, outside, map[string]tfile{"secret": {Data: "s"}})
	tests := []struct {
		name    string
		link    string // target of the link "l" at the root of the tree
		want    map[string]tfile
		wantErr error
	}{
		{"to a file inside", "data/real", map[string]tfile{"data/real": {Data: "r"}, "l": {Data: "r"}}, nil},
		{"through another link", "l2", map[string]tfile{"data/real": {Data: "r"}, "l": {Data: "r"}, "l2": {Data: "r"}}, nil},
		{"to a file outside", filepath.Join(outside, "secret"), nil, dataset.ErrBadPath},
		{"relative, outside", "../../../../../../../../../../etc/passwd", nil, dataset.ErrBadPath},
		{"to a folder", "data", nil, dataset.ErrNotRegular},
		{"dangling", "nowhere", nil, dataset.ErrNotRegular},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r := openRepo(t, dataset.Options{})
			src := t.TempDir()
			writeTree(t, src, map[string]tfile{"data/real": {Data: "r"}})
			if err := os.Symlink("data/real", filepath.Join(src, "l2")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(tt.link, filepath.Join(src, "l")); err != nil {
				t.Fatal(err)
			}
			if tt.link != "l2" {
				os.Remove(filepath.Join(src, "l2"))
			}
			_, err := r.Commit(ctx, "d", src, "")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Commit: %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			dst := filepath.Join(t.TempDir(), "out")
			if _, err := r.Checkout(ctx, "d", "latest", dst); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(withModes(tt.want), readTree(t, dst)); diff != "" {
				t.Errorf("checkout (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("root is a link", func(t *testing.T) {
		r := openRepo(t, dataset.Options{})
		src := t.TempDir()
		writeTree(t, src, map[string]tfile{"real/x": {Data: "x"}})
		link := filepath.Join(src, "link")
		if err := os.Symlink("real", link); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Commit(context.Background(), "d", link, ""); err != nil {
			t.Fatal(err)
		}
		files, err := r.Files(context.Background(), "d", "v1")
		if err != nil || len(files) != 1 || files[0].Path != "x" {
			t.Errorf("Files = %v, %v; want [x]", files, err)
		}
	})
}

func TestCommitErrors(t *testing.T) {
	ctx := context.Background()
	r := openRepo(t, dataset.Options{})
	src := t.TempDir()
	writeTree(t, src, map[string]tfile{"a": {Data: "1"}})
	fifoDir := t.TempDir()
	hasFifo, err := mkfifo(filepath.Join(fifoDir, "pipe"))
	if err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		dsName  string
		path    string
		wantErr error
	}{
		{"empty name", ctx, "", src, dataset.ErrBadName},
		{"name with slash", ctx, "a/b", src, dataset.ErrBadName},
		{"name with dots", ctx, "..", src, dataset.ErrBadName},
		{"name starting with dash", ctx, "-x", src, dataset.ErrBadName},
		{"long name", ctx, strings.Repeat("n", 129), src, dataset.ErrBadName},
		{"missing path", ctx, "d", filepath.Join(src, "nope"), fs.ErrNotExist},
		{"the repository", ctx, "d", r.Dir(), dataset.ErrBadPath},
		{"inside the repository", ctx, "d", filepath.Join(r.Dir(), "objects"), dataset.ErrBadPath},
		{"a pipe", ctx, "d", fifoDir, dataset.ErrNotRegular},
		{"canceled", canceled, "d", src, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.path == fifoDir && !hasFifo {
				t.Skip("no named pipes here")
			}
			_, err := r.Commit(tt.ctx, tt.dsName, tt.path, "")
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Commit(%q, %q) = %v, want %v", tt.dsName, tt.path, err, tt.wantErr)
			}
		})
	}
	if names, err := r.Names(context.Background()); err != nil || len(names) != 0 {
		t.Errorf("Names() = %v, %v after failed commits, want none", names, err)
	}
	if got := objectFiles(t, r); len(got) != 0 {
		t.Errorf("failed commits left objects %v", got)
	}
	if tmp, _ := os.ReadDir(filepath.Join(r.Dir(), "tmp")); len(tmp) != 0 {
		t.Errorf("failed commits left %d entries in tmp/", len(tmp))
	}
}

func TestCommitSkipsRepositoryInsideTree(t *testing.T) {
	work := t.TempDir()
	writeTree(t, work, map[string]tfile{"data/a": {Data: "a"}})
	r, err := dataset.Open(filepath.Join(work, "datasets"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Commit(context.Background(), "work", work, ""); err != nil {
		t.Fatal(err)
	}
	files, err := r.Files(context.Background(), "work", "latest")
	if err != nil || len(files) != 1 || files[0].Path != "data/a" {
		t.Errorf("Files = %v, %v; want only data/a", files, err)
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	r := openRepo(t, dataset.Options{})
	src := t.TempDir()
	var vs []dataset.Version
	for _, data := range []string{"1", "2", "1"} {
		writeTree(t, src, map[string]tfile{"f": {Data: data}})
		res, err := r.Commit(ctx, "d", src, "")
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, res.Version)
	}
	tests := []struct {
		ref     string
		want    int // version number
		wantErr error
	}{
		{"latest", 3, nil},
		{"v1", 1, nil},
		{"v2", 2, nil},
		{"v3", 3, nil},
		{vs[1].Digest, 2, nil},
		{vs[1].Digest[7:], 2, nil},
		{vs[1].Digest[7:11], 2, nil},
		{strings.ToUpper(vs[1].Digest[7:20]), 2, nil},
		{"sha256:" + vs[1].Digest[7:12], 2, nil},
		{vs[0].Digest[7:20], 3, nil}, // v1 and v3 share content: the newest wins
		{"v4", 0, dataset.ErrNotFound},
		{"v0", 0, dataset.ErrBadRef},
		{"v01", 0, dataset.ErrBadRef},
		{"v-1", 0, dataset.ErrBadRef},
		{"abc", 0, dataset.ErrBadRef},
		{"xyz1", 0, dataset.ErrBadRef},
		{"", 0, dataset.ErrBadRef},
		{"LATEST", 3, nil},
		{"3", 3, nil},
		{"@champion", 0, dataset.ErrNotFound},
		{vs[1].Digest + "0", 0, dataset.ErrBadRef},
		{flipFirst(vs[1].Digest[7:20], vs), 0, dataset.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, err := r.Resolve(context.Background(), "d", tt.ref)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Resolve(d, %q) = %v, want %v", tt.ref, err, tt.wantErr)
			}
			if err == nil {
				if diff := cmp.Diff(vs[tt.want-1], got); diff != "" {
					t.Errorf("Resolve(d, %q) (-want +got):\n%s", tt.ref, diff)
				}
			}
		})
	}
	if _, err := r.Resolve(context.Background(), "unknown", "latest"); !errors.Is(err, dataset.ErrNotFound) {
		t.Errorf("Resolve(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := r.Versions(context.Background(), "unknown"); !errors.Is(err, dataset.ErrNotFound) {
		t.Errorf("Versions(unknown) = %v, want ErrNotFound", err)
	}
}

// flipFirst returns prefix with its first digit changed so that no
// version's id starts with it.
func flipFirst(prefix string, vs []dataset.Version) string {
	for _, c := range "0123456789abcdef" {
		p := string(c) + prefix[1:]
		ok := true
		for _, v := range vs {
			ok = ok && !strings.HasPrefix(v.Digest[7:], p)
		}
		if ok {
			return p
		}
	}
	panic("unreachable")
}

// While another program (bbolt itself, outside the storage core) holds
// the index, calls fail with ErrLocked after the timeout; after Close
// every call fails with ErrClosed.
func TestOpenLockedAndClosed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	r, err := dataset.OpenWith(dir, dataset.Options{Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(filepath.Join(dir, "index.db"), 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("the idle repository kept its index: %v", err)
	}
	_, err = r.Versions(context.Background(), "d")
	if !errors.Is(err, dataset.ErrLocked) || !errors.Is(err, berrors.ErrTimeout) {
		t.Errorf("Versions while another holds the index = %v, want ErrLocked and bbolt's ErrTimeout", err)
	}
	db.Close()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	ctx := context.Background()
	calls := map[string]func() error{
		"Commit":   func() error { _, err := r.Commit(ctx, "d", t.TempDir(), ""); return err },
		"Versions": func() error { _, err := r.Versions(ctx, "d"); return err },
		"Names":    func() error { _, err := r.Names(ctx); return err },
		"Resolve":  func() error { _, err := r.Resolve(ctx, "d", "latest"); return err },
		"Checkout": func() error { _, err := r.Checkout(ctx, "d", "latest", t.TempDir()); return err },
		"FS":       func() error { _, err := r.FS(ctx, "d", "latest"); return err },
		"Diff":     func() error { _, err := r.Diff(ctx, "d", "v1", "v2"); return err },
		"Verify":   func() error { _, err := r.Verify(ctx); return err },
		"GC":       func() error { _, err := r.GC(ctx); return err },
		"Push":     func() error { _, err := r.Push(ctx, t.TempDir(), "d", "v1"); return err },
		"Pull": func() error {
			_, err := r.Pull(ctx, t.TempDir(), "d", sha(""))
			return err
		},
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, dataset.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	// Reopened, the repository works again.
	r2, err := dataset.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r2.Close()
}

// Two Repos on one repository commit, collect and verify in turn with
// the default options.
func TestTwoRepos(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "repo")
	a, err := dataset.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := dataset.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	src := t.TempDir()
	writeTree(t, src, map[string]tfile{"x": {Data: "1"}})
	if _, err := a.Commit(ctx, "d", src, "by a"); err != nil {
		t.Fatal(err)
	}
	writeTree(t, src, map[string]tfile{"x": {Data: "2"}})
	if _, err := b.Commit(ctx, "d", src, "by b"); err != nil {
		t.Fatal(err)
	}
	vs, err := a.Versions(ctx, "d")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{vs[0].Message, vs[1].Message}
	if diff := cmp.Diff([]string{"by a", "by b"}, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if res, err := b.GC(ctx); err != nil || res.Blobs != 0 {
		t.Errorf("GC = %+v, %v; want nothing removed", res, err)
	}
	if _, err := a.Verify(ctx); err != nil {
		t.Error(err)
	}
}

// An empty path is an error, not the current folder.
func TestCommitEmptyPath(t *testing.T) {
	r := openRepo(t, dataset.Options{})
	if _, err := r.Commit(context.Background(), "d", "", "m"); !errors.Is(err, dataset.ErrBadPath) || !errors.Is(err, dataset.ErrInvalid) {
		t.Errorf("Commit(\"\") = %v, want ErrBadPath (an ErrInvalid)", err)
	}
	if names, _ := r.Names(context.Background()); len(names) != 0 {
		t.Errorf("Commit(\"\") recorded %v", names)
	}
}

func TestDiff(t *testing.T) {
	ctx := context.Background()
	r := openRepo(t, dataset.Options{})
	src := t.TempDir()
	writeTree(t, src, map[string]tfile{"keep": {Data: "k"}, "change": {Data: "c1"}, "chmod": {Data: "m"}, "gone": {Data: "g"}})
	if _, err := r.Commit(ctx, "d", src, ""); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(src, "gone"))
	writeTree(t, src, map[string]tfile{"change": {Data: "c2"}, "new/file": {Data: "n"}, "chmod": {Data: "m", Mode: 0o755}})
	if _, err := r.Commit(ctx, "d", src, ""); err != nil {
		t.Fatal(err)
	}
	e := func(p, data string, mode fs.FileMode) dataset.Entry {
		return dataset.Entry{Path: p, Size: int64(len(data)), Mode: mode, Hash: sha(data)}
	}
	forward := []dataset.Change{
		{Path: "change", Kind: dataset.Modified, Old: e("change", "c1", 0o644), New: e("change", "c2", 0o644)},
		{Path: "chmod", Kind: dataset.Modified, Old: e("chmod", "m", 0o644), New: e("chmod", "m", 0o755)},
		{Path: "gone", Kind: dataset.Removed, Old: e("gone", "g", 0o644)},
		{Path: "new/file", Kind: dataset.Added, New: e("new/file", "n", 0o644)},
	}
	var backward []dataset.Change
	for _, c := range forward {
		c.Old, c.New = c.New, c.Old
		switch c.Kind {
		case dataset.Added:
			c.Kind = dataset.Removed
		case dataset.Removed:
			c.Kind = dataset.Added
		}
		backward = append(backward, c)
	}
	tests := []struct {
		a, b string
		want []dataset.Change
	}{
		{"v1", "v2", forward},
		{"v2", "v1", backward},
		{"v1", "v1", nil},
		{"latest", "v2", nil},
	}
	for _, tt := range tests {
		t.Run(tt.a+"-"+tt.b, func(t *testing.T) {
			got, err := r.Diff(context.Background(), "d", tt.a, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Diff(%s, %s) (-want +got):\n%s", tt.a, tt.b, diff)
			}
		})
	}
	if _, err := r.Diff(context.Background(), "d", "v1", "v9"); !errors.Is(err, dataset.ErrNotFound) {
		t.Errorf("Diff to v9 = %v, want ErrNotFound", err)
	}
	if got := dataset.Modified.String(); got != "modified" {
		t.Errorf("Modified.String() = %q", got)
	}
}

// TestManifestGolden pins the canonical manifest encoding: the expected ID
// was computed with coreutils, independently of this package:
//
//	h1=$(printf 'a\nb\n' | sha256sum | cut -c1-64)
//	h2=$(printf 'x,y\n1,a\n2,b\n' | sha256sum | cut -c1-64)
//	printf 'cairn.manifest.v1 dir\n%s 644 4 "labels.txt"\n%s 644 12 "raw/train.csv"\n' $h1 $h2 | sha256sum
func TestManifestGolden(t *testing.T) {
	r := openRepo(t, dataset.Options{})
	src := t.TempDir()
	writeTree(t, src, map[string]tfile{"raw/train.csv": {Data: "x,y\n1,a\n2,b\n"}, "labels.txt": {Data: "a\nb\n"}})
	res, err := r.Commit(context.Background(), "d", src, "")
	if err != nil {
		t.Fatal(err)
	}
	const want = "sha256:fbc0e75d46efe15ca631db55a90bb01c19e672a1e6f109a81e4cc5d90fc64fc9"
	if res.Version.Digest != want {
		t.Errorf("ID = %s, want %s", res.Version.Digest, want)
	}
}
