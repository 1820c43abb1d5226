package dirblob_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/blob/dirblob"
)

// heldUnnamed counts this process's open unnamed files (O_TMPFILE) in a
// Batch's folder: /proc/self/fd links such as ".stage-123/0/#456 (deleted)".
func heldUnnamed(t *testing.T) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.Contains(link, "/.stage-") && strings.Contains(link, "/#") {
			n++
		}
	}
	return n
}

// A Batch holds at most MaxHeld unnamed files open, also while a flush is
// slow and the other workers keep writing: they flush in turn, or wait.
// (It used to start a flush of MaxHeld files and let the others open as
// many again meanwhile, and again: a 20,000-file commit ran out of
// descriptors at a limit of 20,000.)
func TestBatchHoldsAtMostMaxHeld(t *testing.T) {
	const (
		maxHeld = 16
		workers = 4
		objects = 400
	)
	st := dirblob.New(t.TempDir(), dirblob.Options{})
	var (
		mu      sync.Mutex
		most    int
		flushes int
		drained = make(chan struct{})
	)
	b, err := st.NewBatch(dirblob.BatchOptions{Defer: true, Workers: workers, MaxHeld: maxHeld, Event: func(ev string) {
		if ev != "flushing" {
			return
		}
		mu.Lock()
		flushes++
		first := flushes == 1
		most = max(most, heldUnnamed(t))
		mu.Unlock()
		if first {
			// Hold the first flush until the other workers have written
			// everything (or a while has passed).
			select {
			case <-drained:
			case <-time.After(10 * time.Second):
				t.Error("the other workers did not finish while a flush was held")
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if heldUnnamed(t) == 0 && flushes == 0 {
		// Probe: this file system may not make unnamed files.
		if err := b.Put(0, sha256.Sum256([]byte("probe")), []byte("probe")); err != nil {
			t.Fatal(err)
		}
		if heldUnnamed(t) == 0 {
			t.Skip("no unnamed files (O_TMPFILE) on this file system")
		}
	}
	todo := make(chan int, objects)
	for i := range objects {
		todo <- i
	}
	close(todo)
	var (
		wg   sync.WaitGroup
		errs = make(chan error, workers)
		done atomic.Int64
	)
	for w := range workers {
		wg.Go(func() {
			for i := range todo {
				data := []byte(fmt.Sprint("object ", i))
				err := b.Put(w, sha256.Sum256(data), data)
				if done.Add(1) == objects-1 {
					close(drained) // all but the put that holds the first flush
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := b.Publish(context.Background()); err != nil {
		t.Fatal(err)
	}
	if flushes < 2 {
		t.Errorf("%d flushes, want several", flushes)
	}
	if most > maxHeld {
		t.Errorf("%d unnamed files open at once, want at most %d", most, maxHeld)
	}
	for i := range objects {
		data := []byte(fmt.Sprint("object ", i))
		sum := sha256.Sum256(data)
		if got, err := os.ReadFile(st.Path(sum)); err != nil || string(got) != string(data) {
			t.Fatalf("object %d: %q, %v", i, got, err)
		}
	}
}
