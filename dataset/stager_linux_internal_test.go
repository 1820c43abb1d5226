//go:build linux

package dataset

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// openFds counts this process's open descriptors of staged objects:
// files in a staging folder, named or unnamed (O_TMPFILE files read as
// "/path/#123 (deleted)"). Other descriptors (the index, which the
// storage core opens and closes as it needs) do not count.
func openFds(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, e := range es {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && (strings.Contains(target, ".stage-") || strings.HasSuffix(target, "(deleted)")) {
			n++
		}
	}
	return n
}

// TestCommitFlush commits more small files than a stager holds open, so
// that it names them in batches (stager.flush) before publishing; a
// cancelled commit must close every unnamed file it held.
func TestCommitFlush(t *testing.T) {
	tree := make(map[string]string)
	for i := range 100 {
		tree[fmt.Sprintf("f%03d", i)] = fmt.Sprint("content ", i%70) // 30 duplicates
	}
	src := t.TempDir()
	for p, data := range tree {
		write(t, filepath.Join(src, p), data)
	}
	ctx := context.Background()

	t.Run("commit", func(t *testing.T) {
		r := openTestRepo(t, Options{})
		r.maxHeld = 8
		var flushes atomic.Int64
		r.hook = func(ev string) {
			if ev == "flushed" {
				flushes.Add(1)
			}
		}
		before := openFds(t)
		res, err := r.Commit(ctx, "d", src, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := openFds(t); got != before {
			t.Errorf("open descriptors: %d after Commit, %d before", got, before)
		}
		// A flush each time half of maxHeld are waiting.
		if n := flushes.Load(); n != 71/4 {
			t.Errorf("%d flushes, want %d", n, 71/4)
		}
		if res.Stats.NewObjects != 71 {
			t.Errorf("NewObjects = %d, want 71 (70 contents and the manifest)", res.Stats.NewObjects)
		}
		if diff := cmp.Diff(tree, readAll(t, r, "d", "latest")); diff != "" {
			t.Errorf("version (-want +got):\n%s", diff)
		}
		if rep, err := r.Verify(ctx); err != nil {
			t.Errorf("Verify: %v %+v", err, rep)
		}
		if gc, err := r.GC(ctx); err != nil || gc.Blobs != 0 {
			t.Errorf("GC = %+v, %v; want nothing to remove", gc, err)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		r := openTestRepo(t, Options{})
		r.maxHeld = 8
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		// Cancel after 2 flushes, with unnamed files held.
		var (
			mu     sync.Mutex
			hashed int
		)
		r.hook = func(ev string) {
			mu.Lock()
			defer mu.Unlock()
			if ev == "hashed" {
				if hashed++; hashed == 20 {
					cancel()
				}
			}
		}
		before := openFds(t)
		if _, err := r.Commit(ctx, "d", src, ""); !errors.Is(err, context.Canceled) {
			t.Fatalf("Commit = %v, want context.Canceled", err)
		}
		if got := openFds(t); got != before {
			t.Errorf("open descriptors: %d after Commit, %d before", got, before)
		}
		if rep, err := r.Verify(context.Background()); err != nil {
			t.Errorf("Verify: %v %+v", err, rep)
		}
		if _, err := r.GC(context.Background()); err != nil {
			t.Fatal(err)
		}
		es, _ := os.ReadDir(filepath.Join(r.dir, "objects"))
		for _, e := range es {
			if strings.HasPrefix(e.Name(), ".stage-") {
				t.Errorf("objects/%s after GC", e.Name())
			}
		}
		r.hook = nil
		if _, err := r.Commit(context.Background(), "d", src, ""); err != nil {
			t.Fatalf("Commit after the cancelled one: %v", err)
		}
		if diff := cmp.Diff(tree, readAll(t, r, "d", "latest")); diff != "" {
			t.Errorf("version (-want +got):\n%s", diff)
		}
	})
}
