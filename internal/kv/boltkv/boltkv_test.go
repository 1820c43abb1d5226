package boltkv_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/kv/boltkv"
)

var errTest = errors.New("test: corrupt")

func open(t testing.TB, path string, opts boltkv.Options) *boltkv.DB {
	t.Helper()
	db, err := boltkv.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t testing.TB, db kv.DB, bucket string) int {
	t.Helper()
	n := 0
	err := db.View(context.Background(), func(tx kv.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func putN(ctx context.Context, db kv.DB, bucket, prefix string, n int) error {
	for i := range n {
		err := db.Update(ctx, func(tx kv.Tx) error {
			b, err := tx.CreateBucket(bucket)
			if err != nil {
				return err
			}
			return b.Put([]byte(fmt.Sprintf("%s-%05d", prefix, i)), []byte("v"))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Two DBs on one file in one process (track and registry on cairn.db)
// take turns with the default options.
func TestTwoHandlesOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.db")
	a := open(t, path, boltkv.Options{})
	b := open(t, path, boltkv.Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for _, h := range []struct {
		db     kv.DB
		prefix string
	}{{a, "a"}, {b, "b"}} {
		wg.Add(2)
		go func() { defer wg.Done(); errs <- putN(ctx, h.db, "x", h.prefix, 200) }()
		go func() {
			defer wg.Done()
			for range 200 {
				if err := h.db.View(ctx, func(kv.Tx) error { return nil }); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, a, "x"); n != 400 {
		t.Fatalf("%d keys, want 400", n)
	}
}

// The child side of the multi-process tests: BOLTKV_CHILD says what to do.
func TestMain(m *testing.M) {
	switch os.Getenv("BOLTKV_CHILD") {
	case "":
		os.Exit(m.Run())
	case "write":
		db, err := boltkv.Open(context.Background(), os.Getenv("BOLTKV_PATH"), boltkv.Options{Timeout: 10 * time.Second})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		n, _ := strconv.Atoi(os.Getenv("BOLTKV_N"))
		if err := putN(context.Background(), db, "x", os.Getenv("BOLTKV_PREFIX"), n); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		db.Close()
		os.Exit(0)
	case "hold":
		// Hold the file with bbolt directly (no gate) until stdin closes.
		b, err := bbolt.Open(os.Getenv("BOLTKV_PATH"), 0o644, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("holding")
		var buf [1]byte
		os.Stdin.Read(buf[:])
		b.Close()
		os.Exit(0)
	case "damage":
		os.Exit(damageChild())
	}
}

func child(t *testing.T, env ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// Three processes write one file at once with the default options; every
// write lands.
func TestProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.db")
	db := open(t, path, boltkv.Options{Timeout: 10 * time.Second})
	var cmds []*exec.Cmd
	for _, p := range []string{"p1", "p2"} {
		cmd := child(t, "BOLTKV_CHILD=write", "BOLTKV_PATH="+path, "BOLTKV_N=150", "BOLTKV_PREFIX="+p)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	if err := putN(context.Background(), db, "x", "parent", 150); err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
	}
	if n := count(t, db, "x"); n != 450 {
		t.Fatalf("%d keys, want 450", n)
	}
}

// A process that keeps the file open (bbolt itself, outside the gate)
// makes a write fail after the timeout with Locked and bbolt's
// ErrTimeout; with no timeout, a context that ends ends the wait.
func TestLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.db")
	errs := kv.Errors{Locked: errors.New("test: locked")}
	db := open(t, path, boltkv.Options{Timeout: 100 * time.Millisecond, Errors: errs, Linger: -1})
	forever := open(t, path, boltkv.Options{Timeout: -1, Linger: -1})
	cmd := child(t, "BOLTKV_CHILD=hold", "BOLTKV_PATH="+path)
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	var buf [8]byte
	if _, err := out.Read(buf[:]); err != nil {
		t.Fatal(err)
	}
	err := db.Update(context.Background(), func(kv.Tx) error { return nil })
	if !errors.Is(err, errs.Locked) || !errors.Is(err, berrors.ErrTimeout) || !errors.Is(err, kv.ErrLocked) {
		t.Errorf("Update on a held file = %v, want Locked and ErrTimeout", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := forever.Update(ctx, func(kv.Tx) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Update with no timeout and a context that ends = %v, want DeadlineExceeded", err)
	}
}

// An empty file is damage, not a new store.
func TestEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := boltkv.Open(context.Background(), path, boltkv.Options{Errors: kv.Errors{Corrupt: errTest}})
	if !errors.Is(err, errTest) {
		t.Fatalf("Open(empty file) = %v, want the Corrupt sentinel", err)
	}
	if fi, _ := os.Stat(path); fi.Size() != 0 {
		t.Fatalf("Open wrote to the empty file (%d bytes)", fi.Size())
	}
}

func TestNoCreate(t *testing.T) {
	nf := errors.New("test: not found")
	_, err := boltkv.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), boltkv.Options{NoCreate: true, Errors: kv.Errors{NotFound: nf}})
	if !errors.Is(err, nf) {
		t.Fatalf("Open(missing, NoCreate) = %v, want NotFound", err)
	}
}

// A commit through one DB wakes a subscriber of another DB on the same
// file (the poller), as it would one in another process.
func TestSubscribeAcrossHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.db")
	a := open(t, path, boltkv.Options{Poll: 5 * time.Millisecond})
	b := open(t, path, boltkv.Options{})
	sub, err := a.Subscribe("alias")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	// Drain a wake-up the poller may deliver for the file's recent creation.
	time.Sleep(30 * time.Millisecond)
	select {
	case <-sub.C:
	default:
	}
	if err := putN(context.Background(), b, "x", "k", 1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sub.C:
	case <-time.After(10 * time.Second):
		t.Fatal("no wake-up after another handle's commit")
	}
}

func TestPanicInTransaction(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "db"), boltkv.Options{Errors: kv.Errors{Corrupt: errTest}})
	err := db.Update(context.Background(), func(tx kv.Tx) error {
		b, _ := tx.CreateBucket("b")
		b.Put([]byte("k"), []byte("v"))
		var m map[string]int
		m["x"] = 1 // a bug: panics
		return nil
	})
	if err == nil || errors.Is(err, errTest) {
		t.Fatalf("Update with a panicking function = %v, want an error that is not Corrupt", err)
	}
	if n := count(t, db, "b"); n != 0 {
		t.Fatalf("the panicking update committed %d keys", n)
	}
}

// makeDamageSource writes a store with enough keys for branch pages,
// several buckets and nested buckets.
func makeDamageSource(t *testing.T, path string) {
	db := open(t, path, boltkv.Options{Nested: []string{"nest"}})
	err := db.Update(context.Background(), func(tx kv.Tx) error {
		for _, name := range []string{"a", "b", "c"} {
			bk, err := tx.CreateBucket(name)
			if err != nil {
				return err
			}
			for i := range 1500 {
				v := make([]byte, 40+i%80)
				binary.BigEndian.PutUint64(v, uint64(i))
				if err := bk.Put([]byte(fmt.Sprintf("%s-key-%06d", name, i)), v); err != nil {
					return err
				}
			}
		}
		nest, err := tx.CreateBucket("nest")
		if err != nil {
			return err
		}
		for i := range 30 {
			sub, err := nest.CreateBucket([]byte(fmt.Sprintf("sub-%02d", i)))
			if err != nil {
				return err
			}
			for j := range 10 + i*20 {
				if err := sub.Put([]byte(fmt.Sprintf("k%05d", j)), []byte("value")); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}

// readAll reads every key of every bucket (nested too), then writes.
func readAll(db kv.DB) error {
	ctx := context.Background()
	err := db.View(ctx, func(tx kv.Tx) error {
		for _, name := range []string{"a", "b", "c", "nest"} {
			b := tx.Bucket(name)
			if b == nil {
				continue
			}
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				_ = b.Get(k)
				_ = len(v)
			}
			for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
			}
			err := b.ForEachBucket(func(n []byte) error {
				sub := b.Bucket(n)
				if sub == nil {
					return nil
				}
				sc := sub.Cursor()
				for k, _ := sc.First(); k != nil; k, _ = sc.Next() {
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return db.Update(ctx, func(tx kv.Tx) error {
		b, err := tx.CreateBucket("a")
		if err != nil {
			return err
		}
		for i := range 50 {
			if err := b.Put([]byte(fmt.Sprintf("new-%d", i)), make([]byte, 100)); err != nil {
				return err
			}
		}
		return b.Delete([]byte("a-key-000100"))
	})
}

// damageChild opens and reads the file named by BOLTKV_PATH. Exit 0: it
// worked; 2: it failed with the Corrupt sentinel; 3: another error. A
// crash is any other status.
func damageChild() int {
	db, err := boltkv.Open(context.Background(), os.Getenv("BOLTKV_PATH"), boltkv.Options{
		Errors: kv.Errors{Corrupt: errTest}, Nested: []string{"nest"}, NoCreate: true, Timeout: 5 * time.Second,
	})
	if err == nil {
		err = readAll(db)
		db.Close()
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errTest):
		return 2
	}
	fmt.Fprintln(os.Stderr, err)
	return 3
}
