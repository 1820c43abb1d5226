// Package kvtest is the conformance suite of the records contract
// (internal/kv): every engine runs it, so that track, registry, dataset
// and tune behave the same on each.
package kvtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/internal/kv"
)

// Open makes a new, empty store for one test.
type Open func(t *testing.T) kv.DB

var errStop = errors.New("stop")

type kvPair struct{ K, V string }

// collect returns the keys and values of a bucket in cursor order.
func collect(b kv.Bucket) []kvPair {
	var out []kvPair
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		out = append(out, kvPair{string(k), string(v)})
	}
	return out
}

func collectBack(b kv.Bucket) []kvPair {
	var out []kvPair
	c := b.Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		out = append(out, kvPair{string(k), string(v)})
	}
	return out
}

// Run runs the conformance suite on the engine open makes.
func Run(t *testing.T, open Open) {
	ctx := context.Background()
	put := func(t *testing.T, db kv.DB, bucket string, kvs ...string) {
		t.Helper()
		err := db.Update(ctx, func(tx kv.Tx) error {
			b, err := tx.CreateBucket(bucket)
			if err != nil {
				return err
			}
			for i := 0; i < len(kvs); i += 2 {
				if err := b.Put([]byte(kvs[i]), []byte(kvs[i+1])); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	t.Run("PutGetDelete", func(t *testing.T) {
		db := open(t)
		put(t, db, "b", "k1", "v1", "k2", "", "k3", "v3")
		err := db.Update(ctx, func(tx kv.Tx) error { return tx.Bucket("b").Delete([]byte("k3")) })
		if err != nil {
			t.Fatal(err)
		}
		err = db.View(ctx, func(tx kv.Tx) error {
			b := tx.Bucket("b")
			if b == nil {
				return errors.New("bucket b missing")
			}
			for _, c := range []struct {
				k    string
				want []byte
			}{{"k1", []byte("v1")}, {"k2", []byte{}}, {"k3", nil}, {"zz", nil}} {
				got := b.Get([]byte(c.k))
				if (got == nil) != (c.want == nil) || string(got) != string(c.want) {
					t.Errorf("Get(%q) = %q (nil %v), want %q (nil %v)", c.k, got, got == nil, c.want, c.want == nil)
				}
			}
			if tx.Bucket("nope") != nil {
				t.Errorf("Bucket(nope) != nil")
			}
			if tx.Writable() {
				t.Errorf("View: Writable() = true")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("CursorOrder", func(t *testing.T) {
		db := open(t)
		put(t, db, "b", "b", "2", "a", "1", "ab", "3", "\xff", "5", "\x00", "0")
		want := []kvPair{{"\x00", "0"}, {"a", "1"}, {"ab", "3"}, {"b", "2"}, {"\xff", "5"}}
		err := db.View(ctx, func(tx kv.Tx) error {
			b := tx.Bucket("b")
			if diff := cmp.Diff(want, collect(b)); diff != "" {
				t.Errorf("forward (-want +got):\n%s", diff)
			}
			var back []kvPair
			for i := len(want) - 1; i >= 0; i-- {
				back = append(back, want[i])
			}
			if diff := cmp.Diff(back, collectBack(b)); diff != "" {
				t.Errorf("backward (-want +got):\n%s", diff)
			}
			c := b.Cursor()
			for _, s := range []struct{ seek, want string }{{"", "\x00"}, {"a", "a"}, {"aa", "ab"}, {"c", "\xff"}} {
				if k, _ := c.Seek([]byte(s.seek)); string(k) != s.want {
					t.Errorf("Seek(%q) = %q, want %q", s.seek, k, s.want)
				}
			}
			if k, _ := c.Seek([]byte("\xff\xff")); k != nil {
				t.Errorf("Seek past the end = %q, want nil", k)
			}
			if k, _ := c.Seek([]byte("b")); string(k) != "b" {
				t.Errorf("Seek(b) = %q", k)
			}
			if k, _ := c.Prev(); string(k) != "ab" {
				t.Errorf("Prev after Seek(b) = %q, want ab", k)
			}
			if k, _ := c.Next(); string(k) != "b" {
				t.Errorf("Next = %q, want b", k)
			}
			c.Last()
			if k, _ := c.Next(); k != nil {
				t.Errorf("Next after Last = %q, want nil", k)
			}
			c.First()
			if k, _ := c.Prev(); k != nil {
				t.Errorf("Prev after First = %q, want nil", k)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("EmptyBucketCursor", func(t *testing.T) {
		db := open(t)
		put(t, db, "b")
		err := db.View(ctx, func(tx kv.Tx) error {
			c := tx.Bucket("b").Cursor()
			for name, f := range map[string]func() ([]byte, []byte){"First": c.First, "Last": c.Last, "Next": c.Next, "Prev": c.Prev} {
				if k, v := f(); k != nil || v != nil {
					t.Errorf("%s on an empty bucket = %q, %q", name, k, v)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("NestedBuckets", func(t *testing.T) {
		db := open(t)
		err := db.Update(ctx, func(tx kv.Tx) error {
			top, err := tx.CreateBucket("top")
			if err != nil {
				return err
			}
			if err := top.Put([]byte("a"), []byte("1")); err != nil {
				return err
			}
			for _, n := range []string{"n2", "n1"} {
				sub, err := top.CreateBucket([]byte(n))
				if err != nil {
					return err
				}
				if err := sub.Put([]byte("k"), []byte(n)); err != nil {
					return err
				}
			}
			return top.Put([]byte("z"), []byte("2"))
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.View(ctx, func(tx kv.Tx) error {
			top := tx.Bucket("top")
			if diff := cmp.Diff([]kvPair{{"a", "1"}, {"z", "2"}}, collect(top)); diff != "" {
				t.Errorf("cursor must skip nested buckets (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]kvPair{{"z", "2"}, {"a", "1"}}, collectBack(top)); diff != "" {
				t.Errorf("backward cursor must skip nested buckets (-want +got):\n%s", diff)
			}
			var names []string
			top.ForEachBucket(func(n []byte) error { names = append(names, string(n)); return nil })
			if diff := cmp.Diff([]string{"n1", "n2"}, names); diff != "" {
				t.Errorf("ForEachBucket (-want +got):\n%s", diff)
			}
			if got := string(top.Bucket([]byte("n2")).Get([]byte("k"))); got != "n2" {
				t.Errorf("nested Get = %q", got)
			}
			if top.Bucket([]byte("a")) != nil {
				t.Errorf("Bucket(a) of a key != nil")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(ctx, func(tx kv.Tx) error {
			top := tx.Bucket("top")
			if err := top.DeleteBucket([]byte("n1")); err != nil {
				return err
			}
			return top.DeleteBucket([]byte("missing"))
		})
		if err != nil {
			t.Fatal(err)
		}
		db.View(ctx, func(tx kv.Tx) error {
			if tx.Bucket("top").Bucket([]byte("n1")) != nil {
				t.Errorf("n1 still there after DeleteBucket")
			}
			return nil
		})
	})

	t.Run("Sequence", func(t *testing.T) {
		db := open(t)
		put(t, db, "b")
		var got []uint64
		for range 3 {
			err := db.Update(ctx, func(tx kv.Tx) error {
				n, err := tx.Bucket("b").NextSequence()
				got = append(got, n)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		db.Update(ctx, func(tx kv.Tx) error {
			tx.Bucket("b").NextSequence()
			return errStop // rolled back
		})
		db.View(ctx, func(tx kv.Tx) error {
			got = append(got, tx.Bucket("b").Sequence())
			return nil
		})
		if diff := cmp.Diff([]uint64{1, 2, 3, 3}, got); diff != "" {
			t.Errorf("sequences (-want +got):\n%s", diff)
		}
	})

	t.Run("Rollback", func(t *testing.T) {
		db := open(t)
		put(t, db, "b", "keep", "1", "change", "old", "gone", "x")
		err := db.Update(ctx, func(tx kv.Tx) error {
			b := tx.Bucket("b")
			b.Put([]byte("change"), []byte("new"))
			b.Put([]byte("added"), []byte("y"))
			b.Delete([]byte("gone"))
			tx.CreateBucket("newbucket")
			ran := false
			tx.AfterCommit(func() { ran = true })
			_ = ran
			return errStop
		})
		if !errors.Is(err, errStop) {
			t.Fatalf("Update = %v, want errStop", err)
		}
		db.View(ctx, func(tx kv.Tx) error {
			want := []kvPair{{"change", "old"}, {"gone", "x"}, {"keep", "1"}}
			if diff := cmp.Diff(want, collect(tx.Bucket("b"))); diff != "" {
				t.Errorf("after a failed update (-want +got):\n%s", diff)
			}
			if tx.Bucket("newbucket") != nil {
				t.Errorf("bucket created by a failed update exists")
			}
			return nil
		})
	})

	t.Run("AfterCommit", func(t *testing.T) {
		db := open(t)
		var ran []string
		db.Update(ctx, func(tx kv.Tx) error {
			tx.AfterCommit(func() { ran = append(ran, "committed") })
			_, err := tx.CreateBucket("b")
			return err
		})
		db.Update(ctx, func(tx kv.Tx) error {
			tx.AfterCommit(func() { ran = append(ran, "rolled back") })
			return errStop
		})
		if diff := cmp.Diff([]string{"committed"}, ran); diff != "" {
			t.Errorf("AfterCommit ran (-want +got):\n%s", diff)
		}
	})

	t.Run("Notify", func(t *testing.T) {
		db := open(t)
		sub, err := db.Subscribe("topic")
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		if err := db.Update(ctx, func(tx kv.Tx) error { tx.Notify("topic"); _, err := tx.CreateBucket("b"); return err }); err != nil {
			t.Fatal(err)
		}
		select {
		case <-sub.C:
		case <-time.After(10 * time.Second):
			t.Fatal("no wake-up after a commit that notified the topic")
		}
	})

	t.Run("ValuesOutliveNothing", func(t *testing.T) {
		// The contract: values are valid only in their transaction. An
		// engine must still not change a value a caller put.
		db := open(t)
		v := []byte("value")
		db.Update(ctx, func(tx kv.Tx) error {
			b, _ := tx.CreateBucket("b")
			return b.Put([]byte("k"), v)
		})
		v[0] = 'X'
		db.View(ctx, func(tx kv.Tx) error {
			if got := string(tx.Bucket("b").Get([]byte("k"))); got != "value" {
				t.Errorf("stored value changed with the caller's slice: %q", got)
			}
			return nil
		})
	})

	t.Run("Concurrent", func(t *testing.T) {
		db := open(t)
		put(t, db, "b")
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 20 {
					err := db.Update(ctx, func(tx kv.Tx) error {
						return tx.Bucket("b").Put([]byte(fmt.Sprintf("g%d-%02d", g, i)), []byte("v"))
					})
					if err == nil {
						err = db.View(ctx, func(tx kv.Tx) error {
							if tx.Bucket("b").Get([]byte(fmt.Sprintf("g%d-%02d", g, i))) == nil {
								return errors.New("own write not visible")
							}
							return nil
						})
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		db.View(ctx, func(tx kv.Tx) error {
			if n := len(collect(tx.Bucket("b"))); n != 160 {
				t.Errorf("%d keys after 160 concurrent puts", n)
			}
			return nil
		})
	})

	t.Run("Closed", func(t *testing.T) {
		db := open(t)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := db.View(ctx, func(kv.Tx) error { return nil }); !errors.Is(err, kv.ErrClosed) {
			t.Errorf("View after Close = %v, want ErrClosed", err)
		}
		if err := db.Update(ctx, func(kv.Tx) error { return nil }); !errors.Is(err, kv.ErrClosed) {
			t.Errorf("Update after Close = %v, want ErrClosed", err)
		}
	})

	t.Run("Canceled", func(t *testing.T) {
		db := open(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := db.View(cctx, func(kv.Tx) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("View with a canceled context = %v", err)
		}
	})

	t.Run("ReadOnlyWrites", func(t *testing.T) {
		db := open(t)
		put(t, db, "b")
		db.View(ctx, func(tx kv.Tx) error {
			if err := tx.Bucket("b").Put([]byte("k"), []byte("v")); err == nil {
				t.Errorf("Put in a View succeeded")
			}
			return nil
		})
	})
}
