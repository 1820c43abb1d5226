package pgkv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/kv/memkv"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

var ctx = context.Background()

func openTest(t testing.TB, opts Options) *DB {
	t.Helper()
	db, err := Open(ctx, enginetest.Postgres(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// modelKey returns a random key: short keys over a few bytes that sort
// at the ends, and long keys around prefixLen, where a key is split.
func modelKey(r *rand.Rand) []byte {
	if r.IntN(4) == 0 {
		n := prefixLen - 2 + r.IntN(5)
		k := bytes.Repeat([]byte{'x'}, n)
		if r.IntN(2) == 0 {
			k = append(k, "\x00ab\xff"[r.IntN(4)])
		}
		return k
	}
	n := 1 + r.IntN(3)
	k := make([]byte, n)
	for i := range k {
		k[i] = "\x00abx\xff"[r.IntN(5)]
	}
	return k
}

// TestModel runs the same random transactions on this engine and on
// memkv and compares every answer: gets, cursor moves across pages,
// nested buckets, sequences, rollbacks.
func TestModel(t *testing.T) {
	pg := openTest(t, Options{})
	mem := memkv.New("mem", kv.Errors{})
	for _, seed := range []uint64{7, 11} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { model(t, pg, mem, seed) })
	}
}

func model(t *testing.T, pg, mem kv.DB, seed uint64) {
	for round := range 120 {
		var logs [2][]string
		write := round%4 != 3
		fail := round%7 == 5
		for e, db := range []kv.DB{mem, pg} {
			r := rand.New(rand.NewPCG(seed, uint64(round)))
			log := &logs[e]
			fn := func(tx kv.Tx) error {
				*log = (*log)[:0]
				top := tx.Bucket("top")
				if top == nil {
					if !write {
						*log = append(*log, "no top")
						return nil
					}
					var err error
					if top, err = tx.CreateBucket("top"); err != nil {
						return err
					}
				}
				b := top
				var c kv.Cursor
				for range 30 {
					say := func(f string, a ...any) { *log = append(*log, fmt.Sprintf(f, a...)) }
					pos := func(op string, k, v []byte) {
						say("%s %q=%q nil=%v", op, short(k), v, k == nil)
					}
					switch op := r.IntN(14); {
					case op < 3 && write:
						k, v := modelKey(r), []byte(fmt.Sprint(r.IntN(100)))
						if r.IntN(5) == 0 {
							v = nil
						}
						if err := b.Put(k, v); err != nil {
							return err
						}
						c = nil
					case op == 3 && write:
						if err := b.Delete(modelKey(r)); err != nil {
							return err
						}
						c = nil
					case op == 4:
						k := modelKey(r)
						v := b.Get(k)
						say("get %q=%q nil=%v", short(k), v, v == nil)
					case op == 5:
						if c == nil || r.IntN(2) == 0 {
							c = b.Cursor()
						}
						k, v := c.First()
						pos("first", k, v)
					case op == 6:
						if c == nil || r.IntN(2) == 0 {
							c = b.Cursor()
						}
						k, v := c.Last()
						pos("last", k, v)
					case op == 7:
						if c == nil {
							c = b.Cursor()
						}
						k := modelKey(r)
						gk, gv := c.Seek(k)
						pos("seek "+short(k), gk, gv)
					case op == 8 && c != nil:
						for range r.IntN(40) {
							k, v := c.Next()
							pos("next", k, v)
							if k == nil {
								break
							}
						}
					case op == 9 && c != nil:
						for range r.IntN(40) {
							k, v := c.Prev()
							pos("prev", k, v)
							if k == nil {
								break
							}
						}
					case op == 10 && write:
						n := []byte{"ABC"[r.IntN(3)]}
						nb, err := top.CreateBucket(n)
						if err != nil {
							return err
						}
						b, c = nb, nil
					case op == 11:
						n := []byte{"ABC"[r.IntN(3)]}
						if nb := top.Bucket(n); nb != nil {
							b, c = nb, nil
						} else {
							say("no bucket %s", n)
						}
					case op == 12 && write:
						n := []byte{"ABC"[r.IntN(3)]}
						if err := top.DeleteBucket(n); err != nil {
							return err
						}
						b, c = top, nil
						var names []string
						top.ForEachBucket(func(n []byte) error { names = append(names, string(n)); return nil })
						say("buckets %q", names)
					case op == 13 && write:
						n, err := b.NextSequence()
						if err != nil {
							return err
						}
						say("seq %d %d", n, b.Sequence())
					}
				}
				if fail {
					return errStop
				}
				return nil
			}
			var err error
			if write {
				err = db.Update(ctx, fn)
			} else {
				err = db.View(ctx, fn)
			}
			if err != nil && !errors.Is(err, errStop) {
				t.Fatalf("round %d, engine %d: %v", round, e, err)
			}
		}
		if diff := cmp.Diff(logs[0], logs[1]); diff != "" {
			t.Fatalf("round %d (write %v, fail %v): memkv and pgkv differ (-mem +pg):\n%s", round, write, fail, diff)
		}
	}
}

var errStop = errors.New("stop")

func short(k []byte) string {
	if len(k) > 8 {
		return fmt.Sprintf("x*%d+%q", bytes.Count(k, []byte{'x'}), k[len(k)-1])
	}
	return string(k)
}

// Writes are sent in batches, and a walk over many keys takes a few round
// trips, not one per key.
func TestRoundTrips(t *testing.T) {
	db := openTest(t, Options{})
	const n = 5000
	before := db.trips.Load()
	err := db.Update(ctx, func(tx kv.Tx) error {
		b, err := tx.CreateBucket("b")
		if err != nil {
			return err
		}
		for i := range n {
			if err := b.Put(fmt.Appendf(nil, "k%06d", i), []byte("v")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// begin, one flush per flushOps puts, the commit.
	if got, want := db.trips.Load()-before, int64(2+n/flushOps); got > want {
		t.Errorf("%d puts took %d round trips, want at most %d", n, got, want)
	}
	before = db.trips.Load()
	count := 0
	err = db.View(ctx, func(tx kv.Tx) error {
		c := tx.Bucket("b").Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			count++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Fatalf("walked %d keys, want %d", count, n)
	}
	// 64, 256, 1024, then 1024 at a time: 3 + 4 pages, begin and end.
	if got := db.trips.Load() - before; got > 12 {
		t.Errorf("walking %d keys took %d round trips", n, got)
	}
	// Prefetch: one round trip for many keys, then Gets and Seeks are
	// answered without one.
	before = db.trips.Load()
	err = db.View(ctx, func(tx kv.Tx) error {
		b := tx.Bucket("b")
		var keys [][]byte
		for i := 0; i < n; i += 7 {
			keys = append(keys, fmt.Appendf(nil, "k%06d", i))
		}
		keys = append(keys, []byte("missing"))
		b.(kv.Prefetcher).Prefetch(keys)
		for _, k := range keys[:len(keys)-1] {
			if v := b.Get(k); string(v) != "v" {
				return fmt.Errorf("Get(%s) = %q after Prefetch", k, v)
			}
			c := b.Cursor()
			if got, _ := c.Seek(k); !bytes.Equal(got, k) {
				return fmt.Errorf("Seek(%s) = %s after Prefetch", k, got)
			}
		}
		if b.Get([]byte("missing")) != nil {
			return errors.New("a missing key has a value after Prefetch")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.trips.Load() - before; got != 3 {
		t.Errorf("a prefetch and %d gets took %d round trips, want 3 (begin, prefetch, end)", n/7, got)
	}
}

// A version newer than this package's is refused; an older one is
// migrated forward.
func TestSchemaVersions(t *testing.T) {
	loc := enginetest.Postgres(t)
	db, err := open(ctx, loc, Options{}, migrations)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(ctx, func(tx kv.Tx) error {
		b, _ := tx.CreateBucket("b")
		return b.Put([]byte("k"), []byte("v"))
	})
	db.Close()
	// A later cairn adds a table: version 2 migrates version 1 forward
	// and keeps the records.
	later := append(migrations[:len(migrations):len(migrations)], "CREATE TABLE %[1]s.extra (x int)")
	db, err = open(ctx, loc, Options{}, later)
	if err != nil {
		t.Fatalf("migrate to version 2: %v", err)
	}
	db.View(ctx, func(tx kv.Tx) error {
		if got := string(tx.Bucket("b").Get([]byte("k"))); got != "v" {
			t.Errorf("after the migration Get = %q", got)
		}
		return nil
	})
	db.Close()
	// This version is older than the tables now.
	newer := errors.New("test: newer")
	_, err = open(ctx, loc, Options{Newer: newer}, migrations)
	if !errors.Is(err, ErrNewer) || !errors.Is(err, newer) {
		t.Fatalf("open tables of a newer version = %v, want ErrNewer and the caller's sentinel", err)
	}
	if !strings.Contains(err.Error(), "version 2") {
		t.Errorf("error does not say the version: %v", err)
	}
}

// NoCreate opens existing tables only.
func TestNoCreate(t *testing.T) {
	notFound := errors.New("test: not found")
	_, err := Open(ctx, enginetest.Postgres(t), Options{NoCreate: true, Errors: kv.Errors{NotFound: notFound}})
	if !errors.Is(err, notFound) || !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("NoCreate on an empty schema = %v, want NotFound", err)
	}
}

// After a read fails, the transaction hands out inert buckets rather than
// nil (callers rely on their schema's buckets), answers nothing, refuses
// writes, and the call returns the failure.
func TestPoisoned(t *testing.T) {
	db := openTest(t, Options{MaxAttempts: 1})
	db.Update(ctx, func(tx kv.Tx) error { _, err := tx.CreateBucket("b"); return err })
	boom := errors.New("boom")
	err := db.Update(ctx, func(ktx kv.Tx) error {
		ktx.(*tx).fail(boom)
		for _, b := range []kv.Bucket{ktx.Bucket("b"), ktx.Bucket("b").Bucket([]byte("never seen"))} {
			if b == nil {
				t.Fatal("Bucket = nil in a failed transaction")
			}
			if b.Get([]byte("k")) != nil {
				t.Error("Get answered in a failed transaction")
			}
			if k, _ := b.Cursor().First(); k != nil {
				t.Error("a cursor answered in a failed transaction")
			}
			if err := b.Put([]byte("k"), nil); err == nil {
				t.Error("Put succeeded in a failed transaction")
			}
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want the failure", err)
	}
}
