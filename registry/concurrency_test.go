package registry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cairn-ml/cairn/registry"
)

// Many goroutines register, move aliases, read and watch at once; run
// with -race. Version numbers come out dense and unique, the same bytes
// registered at once give one version, and no alias move is lost.
func TestConcurrentWriters(t *testing.T) {
	{
		t.Run("default", func(t *testing.T) {
			const workers, each = 6, 8
			reg := openReg(t, registry.Options{})
			mustRegister(t, reg, "m", model(0), registry.RegisterOptions{})
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			ch, err := reg.Watch(wctx, "m", "champion")
			if err != nil {
				t.Fatal(err)
			}
			var watched sync.WaitGroup
			watched.Go(func() {
				for c := range ch {
					if c.Err != nil {
						t.Errorf("watch: %v", c.Err)
					}
				}
			})

			var moves, dupCreated atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, workers*each*4)
			for w := range workers {
				wg.Go(func() {
					for i := range each {
						b := model(1 + w*each + i)
						v, created, err := reg.Register(ctx, "m", bytes.NewReader(b), registry.RegisterOptions{Format: "f"})
						if err != nil || !created {
							errs <- fmt.Errorf("register: created %v, %w", created, err)
							return
						}
						// Everyone registers the same bytes too.
						if _, created, err := reg.Register(ctx, "m", bytes.NewReader([]byte("shared")), registry.RegisterOptions{Format: "f"}); err != nil {
							errs <- err
						} else if created {
							dupCreated.Add(1)
						}
						ev, err := reg.SetAlias(ctx, "m", "champion", v.Number, registry.AliasOptions{By: fmt.Sprint("w", w)})
						if err != nil {
							errs <- fmt.Errorf("set alias: %w", err)
						} else if ev.Seq != 0 {
							moves.Add(1)
						}
						if _, b, err := reg.Load(ctx, "m", "@champion"); err != nil || len(b) == 0 {
							errs <- fmt.Errorf("open @champion: %w", err)
						}
						if i%3 == 2 {
							if _, err := reg.Rollback(ctx, "m", "champion", registry.AliasOptions{}); err == nil {
								moves.Add(1)
							} else if !errors.Is(err, registry.ErrNoRollback) {
								errs <- fmt.Errorf("rollback: %w", err)
							}
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			cancel()
			watched.Wait()

			vs, err := reg.Versions(ctx, "m")
			if err != nil {
				t.Fatal(err)
			}
			digests := map[string]bool{}
			for i, v := range vs {
				if v.Number != i+1 {
					t.Fatalf("version %d at position %d: numbers are not dense", v.Number, i)
				}
				if digests[v.Digest] {
					t.Errorf("digest %s registered twice", v.Digest)
				}
				digests[v.Digest] = true
			}
			if want := 1 + workers*each + 1; len(vs) != want || dupCreated.Load() != 1 {
				t.Errorf("%d versions, shared bytes created %d times; want %d and 1", len(vs), dupCreated.Load(), want)
			}
			evs, err := reg.AliasHistory(ctx, "m", "champion")
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(evs)) != moves.Load() {
				t.Errorf("%d events in the history, %d moves made", len(evs), moves.Load())
			}
			for i := 1; i < len(evs); i++ {
				if evs[i].From != evs[i-1].To {
					t.Fatalf("history breaks at %d", i)
				}
			}
		})
	}
}
