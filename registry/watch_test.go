package registry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/cairn-ml/cairn/registry"
)

// recv returns the next value from ch, failing the test if the channel
// closes or nothing comes for a long time (a hang, not a speed check).
func recv(t *testing.T, ch <-chan registry.AliasChange) registry.AliasChange {
	t.Helper()
	select {
	case c, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed")
		}
		if c.Err != nil {
			t.Fatalf("watch error: %v", c.Err)
		}
		return c
	case <-time.After(30 * time.Second):
		t.Fatal("nothing from Watch in 30 s")
	}
	panic("unreachable")
}

// recvUntil receives until a state with Seq seq arrives, checking that
// Seq grows on the way, and returns that state.
func recvUntil(t *testing.T, ch <-chan registry.AliasChange, seq uint64) registry.AliasChange {
	t.Helper()
	var last uint64
	for {
		c := recv(t, ch)
		if c.Seq <= last && last != 0 {
			t.Fatalf("Seq went from %d to %d", last, c.Seq)
		}
		last = c.Seq
		if c.Seq == seq {
			return c
		}
		if c.Seq > seq {
			t.Fatalf("skipped past Seq %d to %d", seq, c.Seq)
		}
	}
}

func TestWatch(t *testing.T) {
	{
		t.Run("default", func(t *testing.T) {
			reg := openReg(t, registry.Options{})
			for i := 1; i <= 3; i++ {
				mustRegister(t, reg, "m", model(i), registry.RegisterOptions{})
			}
			wctx, cancel := context.WithCancel(ctx)
			ch, err := reg.Watch(wctx, "m", "champion")
			if err != nil {
				t.Fatal(err)
			}
			if c := recv(t, ch); c.Version.Number != 0 || c.Seq != 0 || c.Name != "m" || c.Alias != "champion" {
				t.Fatalf("first state = %+v, want the alias unset", c)
			}
			type move struct {
				do   func() (registry.AliasEvent, error)
				want int
			}
			o := registry.AliasOptions{}
			for i, mv := range []move{
				{func() (registry.AliasEvent, error) { return reg.SetAlias(ctx, "m", "champion", 1, o) }, 1},
				{func() (registry.AliasEvent, error) { return reg.SetAlias(ctx, "m", "champion", 2, o) }, 2},
				{func() (registry.AliasEvent, error) { return reg.SetAlias(ctx, "m", "other", 3, o) }, -1},
				{func() (registry.AliasEvent, error) { return reg.Rollback(ctx, "m", "champion", o) }, 1},
				{func() (registry.AliasEvent, error) { return reg.DeleteAlias(ctx, "m", "champion", o) }, 0},
				{func() (registry.AliasEvent, error) { return reg.Rollback(ctx, "m", "champion", o) }, 1},
			} {
				ev, err := mv.do()
				if err != nil {
					t.Fatalf("move %d: %v", i, err)
				}
				if mv.want < 0 {
					continue // another alias: nothing to see
				}
				c := recv(t, ch)
				if c.Seq != ev.Seq || c.Version.Number != mv.want {
					t.Fatalf("move %d: Watch gave version %d seq %d, want %d seq %d", i, c.Version.Number, c.Seq, mv.want, ev.Seq)
				}
				if mv.want != 0 && c.Version.Digest != digest(model(mv.want)) {
					t.Fatalf("move %d: delivered version has digest %s", i, c.Version.Digest)
				}
			}
			// Moves faster than the receiver are coalesced: the newest
			// state always arrives, in Seq order.
			var last registry.AliasEvent
			for i := range 20 {
				last, err = reg.SetAlias(ctx, "m", "champion", 1+i%3, o)
				if err != nil {
					t.Fatal(err)
				}
			}
			if c := recvUntil(t, ch, last.Seq); c.Version.Number != last.To {
				t.Fatalf("after a burst: version %d, want %d", c.Version.Number, last.To)
			}
			cancel()
			for range ch { // the channel closes once ctx is done
			}
		})
	}
}

func TestWatchErrors(t *testing.T) {
	reg := openReg(t, registry.Options{})
	mustRegister(t, reg, "m", model(1), registry.RegisterOptions{})
	if _, err := reg.Watch(ctx, "nope", "champion"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Watch of a missing model = %v, want ErrNotFound", err)
	}
	if _, err := reg.Watch(ctx, "m", "latest"); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("Watch of a reserved alias = %v, want ErrInvalid", err)
	}
	// Close ends every watch and waits for it.
	ch, err := reg.Watch(ctx, "m", "champion")
	if err != nil {
		t.Fatal(err)
	}
	recv(t, ch)
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-ch; ok {
		t.Error("Watch channel still open after Close")
	}
	if _, err := reg.Watch(ctx, "m", "champion"); !errors.Is(err, registry.ErrClosed) {
		t.Errorf("Watch after Close = %v, want ErrClosed", err)
	}
}

// A move made through another Registry on the same file is found by
// polling.
func TestWatchOtherRegistry(t *testing.T) {
	path := t.TempDir() + "/cairn.db"
	a, err := registry.OpenWith(path, registry.Options{PollInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := registry.OpenWith(path, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mustRegister(t, b, "m", model(1), registry.RegisterOptions{})
	ch, err := a.Watch(ctx, "m", "champion")
	if err != nil {
		t.Fatal(err)
	}
	recv(t, ch)
	ev := mustSet(t, b, "m", "champion", 1)
	if c := recvUntil(t, ch, ev.Seq); c.Version.Number != 1 {
		t.Errorf("Watch through a second Registry = version %d, want 1", c.Version.Number)
	}
}

// While another program keeps the file locked after changing it, the
// watcher reports ErrLocked once; when the file is free again it goes on
// and delivers the next move.
func TestWatchRecoversFromLock(t *testing.T) {
	path := t.TempDir() + "/cairn.db"
	reg, err := registry.OpenWith(path, registry.Options{Timeout: 30 * time.Millisecond, PollInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	mustRegister(t, reg, "m", model(1), registry.RegisterOptions{})
	ch, err := reg.Watch(ctx, "m", "champion")
	if err != nil {
		t.Fatal(err)
	}
	recv(t, ch)

	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// A write of the holder's own changes the file: the watcher wakes and
	// cannot read it.
	if err := db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("other")); return err }); err != nil {
		t.Fatal(err)
	}
	var c registry.AliasChange
	select {
	case c = <-ch:
	case <-time.After(30 * time.Second):
		t.Fatal("no report while the file is held")
	}
	if !errors.Is(c.Err, registry.ErrLocked) || !errors.Is(c.Err, berrors.ErrTimeout) {
		t.Fatalf("while the file is held: %+v, want an ErrLocked error", c)
	}
	db.Close()
	// The first read that works delivers the state again.
	if c := recv(t, ch); c.Err != nil || c.Version.Number != 0 {
		t.Fatalf("after the file was freed: %+v, want the unset alias", c)
	}
	ev := mustSet(t, reg, "m", "champion", 1)
	if c := recvUntil(t, ch, ev.Seq); c.Version.Number != 1 {
		t.Errorf("after recovery: version %d, want 1", c.Version.Number)
	}
}
