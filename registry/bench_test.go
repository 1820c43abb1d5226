package registry_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/storage/enginetest"
	"github.com/cairn-ml/cairn/registry"
)

// go test -run '^$' -bench . -benchtime 2000x ./registry/ (see the package
// README for the figures). With CAIRN_BENCH_ENGINE=postgres the registry
// is a fresh schema of the CAIRN_TEST_POSTGRES server instead of a file;
// the names stay, but for the watch across processes (see there).

func benchModes(b *testing.B, fn func(b *testing.B, reg *registry.Registry)) {
	{
		b.Run("default", func(b *testing.B) {
			reg, err := registry.OpenWith(enginetest.Records(b, enginetest.BenchEngine(b)), registry.Options{Now: clock(), User: "tester"})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { reg.Close() })
			mustRegister(b, reg, "m", bytes.Repeat([]byte("coef "), 800), registry.RegisterOptions{ // a 4 KB model
				RunID: "run", DatasetDigest: dataDigest, Metrics: map[string]float64{"f1": 0.97, "auc": 0.99},
				Tags: map[string]string{"solver": "lbfgs"},
			})
			mustRegister(b, reg, "m", bytes.Repeat([]byte("coef!"), 800), registry.RegisterOptions{})
			mustSet(b, reg, "m", "champion", 1)
			b.ReportAllocs()
			fn(b, reg)
		})
	}
}

// Get(name, "@champion"): resolve the alias and read the version's
// metadata.
func BenchmarkGetChampion(b *testing.B) {
	benchModes(b, func(b *testing.B, reg *registry.Registry) {
		for b.Loop() {
			if _, err := reg.Get(ctx, "m", "@champion"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Open(name, "@champion"): the same plus the 4 KB of model bytes, hashed.
func BenchmarkOpenChampion(b *testing.B) {
	benchModes(b, func(b *testing.B, reg *registry.Registry) {
		for b.Loop() {
			if _, _, err := reg.Load(ctx, "m", "@champion"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// SetAlias: one write transaction (and fsync) per move.
func BenchmarkSetAlias(b *testing.B) {
	benchModes(b, func(b *testing.B, reg *registry.Registry) {
		i := 0
		for b.Loop() {
			i++
			if _, err := reg.SetAlias(ctx, "m", "champion", 1+i%2, registry.AliasOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The time from the start of SetAlias in this process to a Watch in
// another process delivering the move (read from the helper's stdout, so
// it includes a pipe hop). Both processes use the default options. Between moves
// the benchmark pauses a random time up to twice the poll interval (not
// timed), so that moves do not fall in step with the watcher's polls.
// Reported: median, 90th percentile and worst, in ms. On PostgreSQL a
// move is notified, not polled for: one sub-benchmark, "notify" (with the
// pauses of poll=20ms).
func BenchmarkWatchAcrossProcesses(b *testing.B) {
	eng := enginetest.BenchEngine(b)
	type mode struct {
		name string
		poll time.Duration
	}
	modes := []mode{{"poll=20ms", 20 * time.Millisecond}, {"poll=5ms", 5 * time.Millisecond}}
	if eng == enginetest.OnPostgres {
		modes = []mode{{"notify", 20 * time.Millisecond}}
	}
	for _, m := range modes {
		poll := m.poll
		b.Run(m.name, func(b *testing.B) {
			reg := sharedRegAt(b, enginetest.Records(b, eng), 2)
			first := mustSet(b, reg, "m", "champion", 1)
			h := startHelper(b, "watch", reg.Path(), poll.String())
			waitSeen(b, h, first.Seq)
			var lat, set []time.Duration
			rng := rand.New(rand.NewPCG(1, 2))
			i := 0
			for b.Loop() {
				i++
				b.StopTimer()
				time.Sleep(time.Duration(rng.Int64N(int64(2 * poll))))
				b.StartTimer()
				start := time.Now()
				ev, err := reg.SetAlias(ctx, "m", "champion", 1+i%2, registry.AliasOptions{})
				if err != nil {
					b.Fatal(err)
				}
				set = append(set, time.Since(start))
				waitSeen(b, h, ev.Seq)
				lat = append(lat, time.Since(start))
			}
			h.stdin.Close()
			h.wait(b)
			reportDurations(b, lat, "watch")
			reportDurations(b, set, "setalias")
		})
	}
}

// The same within one process: SetAlias to the Watch channel.
func BenchmarkWatchInProcess(b *testing.B) {
	benchModes(b, func(b *testing.B, reg *registry.Registry) {
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ch, err := reg.Watch(wctx, "m", "champion")
		if err != nil {
			b.Fatal(err)
		}
		<-ch
		var lat []time.Duration
		i := 0
		for b.Loop() {
			i++
			start := time.Now()
			ev, err := reg.SetAlias(ctx, "m", "champion", 1+i%2, registry.AliasOptions{})
			if err != nil {
				b.Fatal(err)
			}
			for c := range ch {
				if c.Seq == ev.Seq {
					break
				}
			}
			lat = append(lat, time.Since(start))
		}
		reportDurations(b, lat, "watch")
	})
}

func reportDurations(b *testing.B, ds []time.Duration, what string) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(ds[len(ds)/2]), what+"-p50-ms")
	b.ReportMetric(ms(ds[len(ds)*9/10]), what+"-p90-ms")
	b.ReportMetric(ms(ds[len(ds)-1]), what+"-max-ms")
	b.Logf("%s over %d moves: p50 %v p90 %v max %v", what, len(ds), ds[len(ds)/2], ds[len(ds)*9/10], ds[len(ds)-1])
}
