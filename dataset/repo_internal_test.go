package dataset

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
	"github.com/google/go-cmp/cmp"
)

func openTestRepo(t *testing.T, opts Options) *Repo {
	t.Helper()
	r, err := OpenWith(filepath.Join(t.TempDir(), "repo"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHashCache(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	for _, f := range []string{"a", "b", "c", "sub/d"} {
		write(t, filepath.Join(src, f), "content of "+f)
	}
	old := time.Now().Add(-time.Hour)
	steps := []struct {
		name      string
		change    func(t *testing.T)
		wantRead  int
		unchanged bool
	}{
		{"first commit reads all", func(*testing.T) {}, 4, false},
		{"unchanged tree reads nothing", func(*testing.T) {}, 0, true},
		{"new mtime", func(t *testing.T) {
			if err := os.Chtimes(filepath.Join(src, "a"), old, old); err != nil {
				t.Fatal(err)
			}
		}, 1, true},
		{"same size, mtime restored: ctime tells", func(t *testing.T) {
			p := filepath.Join(src, "b")
			info, _ := os.Stat(p)
			write(t, p, "CONTENT OF b")
			if err := os.Chtimes(p, info.ModTime(), info.ModTime()); err != nil {
				t.Fatal(err)
			}
		}, 1, false},
		{"replaced by rename: inode tells", func(t *testing.T) {
			p := filepath.Join(src, "c")
			info, _ := os.Stat(p)
			write(t, p+".new", "CONTENT OF c")
			os.Chtimes(p+".new", info.ModTime(), info.ModTime())
			if err := os.Rename(p+".new", p); err != nil {
				t.Fatal(err)
			}
		}, 1, false},
		{"removed file", func(t *testing.T) { os.Remove(filepath.Join(src, "sub/d")) }, 0, false},
	}
	// On PostgreSQL the index is shared and the cache is this folder's.
	var opts Options
	if enginetest.Pass() == enginetest.OnPostgres {
		opts.Index = enginetest.Records(t, enginetest.OnPostgres)
	}
	r := openTestRepo(t, opts)
	if (r.cache == r.db) != (opts.Index == "") {
		t.Fatalf("index %q: the hash cache is in the index: %v", opts.Index, r.cache == r.db)
	}
	r.racy = -time.Hour // trust entries at once; TestHashCacheRacy covers the window
	for _, s := range steps {
		s.change(t)
		res, err := r.Commit(ctx, "d", src, s.name)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if res.Stats.Read != s.wantRead || res.Unchanged != s.unchanged {
			t.Errorf("%s: read %d unchanged=%v, want %d and %v", s.name, res.Stats.Read, res.Unchanged, s.wantRead, s.unchanged)
		}
	}
	// The entry of the removed file is gone, the others are there.
	var keys []string
	r.viewCache(context.Background(), func(tx kv.Tx) error {
		c := tx.Bucket(bucketCache).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			rel, _ := filepath.Rel(src, string(k))
			keys = append(keys, filepath.ToSlash(rel))
		}
		return nil
	})
	if diff := cmp.Diff([]string{"a", "b", "c"}, keys); diff != "" {
		t.Errorf("cache keys (-want +got):\n%s", diff)
	}
	if r.cache != r.db {
		r.view(context.Background(), func(tx kv.Tx) error {
			if k, _ := tx.Bucket(bucketCache).Cursor().First(); k != nil {
				t.Errorf("the shared index holds the hash cache entry %q", k)
			}
			return nil
		})
	}
	got := readAll(t, r, "d", "latest")
	want := map[string]string{"a": "content of a", "b": "CONTENT OF b", "c": "CONTENT OF c"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("latest (-want +got):\n%s", diff)
	}

	// NoHashCache reads every file every time.
	nc := openTestRepo(t, Options{NoHashCache: true})
	nc.racy = -time.Hour
	for range 2 {
		res, err := nc.Commit(ctx, "d", src, "")
		if err != nil || res.Stats.Read != 3 {
			t.Errorf("NoHashCache commit read %d files (%v), want 3", res.Stats.Read, err)
		}
	}
}

func readAll(t *testing.T, r *Repo, name, ref string) map[string]string {
	t.Helper()
	fsys, err := r.FS(context.Background(), name, ref)
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.Files(context.Background(), name, ref)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string)
	for _, f := range files {
		b, err := fsys.(*versionFS).ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		out[f.Path] = string(b)
	}
	return out
}

func TestHashCacheRacy(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	write(t, filepath.Join(src, "a"), "1")
	write(t, filepath.Join(src, "b"), "2")
	r := openTestRepo(t, Options{})
	steps := []struct {
		racy     time.Duration
		sleep    time.Duration
		wantRead int
	}{
		{time.Hour, 300 * time.Millisecond, 2},
		// Hashed within the window of their last change: read again,
		// and the entries now say so 300 ms after the change...
		{time.Hour, 0, 2},
		// ... which a 100 ms window trusts.
		{100 * time.Millisecond, 0, 0},
	}
	for i, s := range steps {
		r.racy = s.racy
		res, err := r.Commit(ctx, "d", src, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Stats.Read != s.wantRead {
			t.Errorf("commit %d (window %v) read %d files, want %d", i+1, s.racy, res.Stats.Read, s.wantRead)
		}
		time.Sleep(s.sleep)
	}
}

func TestCacheEntryTrusted(t *testing.T) {
	const sec = int64(time.Second)
	base := fileStat{size: 10, mtime: 100 * sec, ctime: 100 * sec, ino: 5, dev: 1}
	e := cacheEntry{st: base, seen: 110 * sec}
	with := func(f func(*fileStat)) fileStat { s := base; f(&s); return s }
	tests := []struct {
		name string
		e    cacheEntry
		st   fileStat
		want bool
	}{
		{"same", e, base, true},
		{"size", e, with(func(s *fileStat) { s.size++ }), false},
		{"mtime", e, with(func(s *fileStat) { s.mtime++ }), false},
		{"ctime", e, with(func(s *fileStat) { s.ctime++ }), false},
		{"inode", e, with(func(s *fileStat) { s.ino++ }), false},
		{"device", e, with(func(s *fileStat) { s.dev++ }), false},
		{"hashed 1 s after the change", cacheEntry{st: base, seen: 101 * sec}, base, false},
		{"hashed exactly 2 s after", cacheEntry{st: base, seen: 102 * sec}, base, false},
		{"hashed just over 2 s after", cacheEntry{st: base, seen: 102*sec + 1}, base, true},
		{"ctime recent, mtime old", cacheEntry{st: with(func(s *fileStat) { s.ctime = 109 * sec }), seen: 110 * sec},
			with(func(s *fileStat) { s.ctime = 109 * sec }), false},
		{"no ctime on this platform", cacheEntry{st: with(func(s *fileStat) { s.ctime = 0 }), seen: 110 * sec},
			with(func(s *fileStat) { s.ctime = 0 }), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.trusted(tt.st, defaultRacyWindow); got != tt.want {
				t.Errorf("trusted = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResolveAmbiguous(t *testing.T) {
	r := openTestRepo(t, Options{})
	ids := []string{
		"sha256:abcd1" + strings.Repeat("0", 59),
		"sha256:abcd2" + strings.Repeat("0", 59),
	}
	err := r.update(context.Background(), func(tx kv.Tx) error {
		for _, id := range ids {
			if _, _, err := record(tx, Version{Name: "amb", Digest: id, Files: 0}, kindDir, &manifest{kind: kindDir}, time.Now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ref     string
		want    int
		wantErr error
	}{
		{"abcd", 0, ErrAmbiguous},
		{"sha256:abcd", 0, ErrAmbiguous},
		{"abcd1", 1, nil},
		{"ABCD2", 2, nil},
		{"abcd3", 0, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			v, err := r.Resolve(context.Background(), "amb", tt.ref)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Resolve(%q) = %v, want %v", tt.ref, err, tt.wantErr)
			}
			if err == nil && v.Number != tt.want {
				t.Errorf("Resolve(%q) = v%d, want v%d", tt.ref, v.Number, tt.want)
			}
		})
	}
}

func TestIndexCorruptRecord(t *testing.T) {
	r := openTestRepo(t, Options{})
	err := r.update(context.Background(), func(tx kv.Tx) error {
		b, err := tx.Bucket(bucketVersions).CreateBucket([]byte("bad"))
		if err != nil {
			return err
		}
		return b.Put(versionKey(1), []byte(`{"id":"nope"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Versions(context.Background(), "bad"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Versions = %v, want ErrCorrupt", err)
	}
	if _, err := r.Resolve(context.Background(), "bad", "latest"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Resolve = %v, want ErrCorrupt", err)
	}
	if _, err := r.Verify(context.Background()); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify = %v, want ErrCorrupt", err)
	}
}

func TestCommitChangedFile(t *testing.T) {
	tests := []struct {
		name string
		size int
	}{
		{"small, read whole", 100},
		{"large, streamed", bufSize + 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			p := filepath.Join(src, "log")
			write(t, p, strings.Repeat("x", tt.size))
			r := openTestRepo(t, Options{})
			// The file grows after Commit has stat'ed it, before it reads.
			r.hook = func(ev string) {
				if ev != "opened" {
					return
				}
				f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Error(err)
					return
				}
				f.WriteString("more\n")
				f.Close()
			}
			if _, err := r.Commit(context.Background(), "d", src, ""); !errors.Is(err, ErrChanged) {
				t.Errorf("Commit = %v, want ErrChanged", err)
			}
			r.hook = nil
			if _, err := r.Commit(context.Background(), "d", src, ""); err != nil {
				t.Errorf("Commit of the still file: %v", err)
			}
		})
	}
}

func TestCommitFileTurnedPipe(t *testing.T) {
	src := t.TempDir()
	p := filepath.Join(src, "f")
	write(t, p, "data")
	r := openTestRepo(t, Options{})
	// Between the walk and the read, the file becomes a named pipe: the
	// commit must fail, not wait for a writer.
	st, err := r.newBatch(false, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	os.Remove(p)
	if ok, err := mkfifoInternal(p); !ok || err != nil {
		t.Skipf("no named pipes: %v", err)
	}
	if _, _, err := r.hashFile(context.Background(), st, 0, p, make([]byte, 64)); !errors.Is(err, ErrNotRegular) {
		t.Errorf("hashFile(pipe) = %v, want ErrNotRegular", err)
	}
}
