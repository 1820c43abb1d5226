package tune_test

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/tune"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// jittery is quadratic with a sleep that depends on the parameters, so that
// parallel trials finish in a different order from the one they started in,
// and a failure for some of them.
func jittery(t *tune.Trial) (float64, error) {
	v, err := quadratic(t)
	x := t.Params().Float("x")
	time.Sleep(time.Duration(math.Mod(math.Abs(x)*7919, 3)) * time.Millisecond)
	if x > 4.5 {
		return 0, errors.New("too far")
	}
	return v, err
}

type record struct {
	Number int
	State  tune.TrialState
	Value  float64
	Params tune.Params
}

func records(s *tune.Study) []record {
	var out []record
	for _, ft := range s.Trials() {
		out = append(out, record{ft.Number, ft.State, ft.Value, ft.Params})
	}
	return out
}

func TestParallelIsReproducible(t *testing.T) {
	samplers := []struct {
		name string
		make func(uint64) tune.Sampler
		n    int
	}{
		{"random", tune.NewRandom, 40},
		{"tpe", tune.NewTPE, 40},
		{"tpe-multivariate", func(seed uint64) tune.Sampler {
			s, _ := tune.NewTPEWith(tune.TPEConfig{Seed: seed, Multivariate: true})
			return s
		}, 40},
		{"gp", tune.NewGP, 20},
	}
	for _, sm := range samplers {
		t.Run(sm.name, func(t *testing.T) {
			run := func() []record {
				s := newStudy(t, tune.StudyConfig{Sampler: sm.make(9), Workers: 4})
				if err := s.Optimize(context.Background(), jittery, sm.n); err != nil {
					t.Fatal(err)
				}
				return records(s)
			}
			a, b := run(), run()
			if len(a) != sm.n {
				t.Fatalf("%d trials, want %d", len(a), sm.n)
			}
			if diff := cmp.Diff(a, b, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("two runs with 4 workers differ (-first +second):\n%s", diff)
			}
		})
	}
}

func TestParallelRunsConcurrently(t *testing.T) {
	for _, async := range []bool{false, true} {
		name := "reproducible"
		if async {
			name = "async"
		}
		t.Run(name, func(t *testing.T) {
			var running, peak atomic.Int32
			s := newStudy(t, tune.StudyConfig{Sampler: tune.NewTPE(1), Workers: 3, Async: async})
			err := s.Optimize(context.Background(), func(tr *tune.Trial) (float64, error) {
				n := running.Add(1)
				defer running.Add(-1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(2 * time.Millisecond)
				if tr.Number()%5 == 1 {
					panic("worker panic")
				}
				return jittery(tr)
			}, 30)
			if err != nil {
				t.Fatal(err)
			}
			trials := s.Trials()
			if len(trials) != 30 {
				t.Fatalf("%d trials, want 30", len(trials))
			}
			for i, ft := range trials {
				if ft.Number != i || !ft.State.Finished() {
					t.Errorf("trial %d: number %d state %v", i, ft.Number, ft.State)
				}
				if i%5 == 1 && !errors.Is(ft.Err, tune.ErrPanic) {
					t.Errorf("trial %d error = %v, want ErrPanic", i, ft.Err)
				}
			}
			if p := peak.Load(); p < 2 || p > 3 {
				t.Errorf("at most %d objectives ran at once, want 2 or 3", p)
			}
		})
	}
}

// TestConstantLiar checks that trials started together do not propose the
// same point: with 4 workers, each trial after the start-up sees the three
// trials before it only as running, and must still go elsewhere.
func TestConstantLiar(t *testing.T) {
	for _, sm := range []struct {
		name string
		s    tune.Sampler
		n    int
	}{{"tpe", tune.NewTPE(2), 40}, {"gp", tune.NewGP(2), 24}} {
		t.Run(sm.name, func(t *testing.T) {
			s := newStudy(t, tune.StudyConfig{Sampler: sm.s, Workers: 4})
			err := s.Optimize(context.Background(), func(tr *tune.Trial) (float64, error) {
				x, y := tr.Float("x", -5, 5), tr.Float("y", -5, 5)
				return (x-1)*(x-1) + (y+2)*(y+2), nil
			}, sm.n)
			if err != nil {
				t.Fatal(err)
			}
			trials := s.Trials()
			for k := 14; k < len(trials); k++ {
				for j := k - 3; j < k; j++ {
					dx := trials[k].Params.Float("x") - trials[j].Params.Float("x")
					dy := trials[k].Params.Float("y") - trials[j].Params.Float("y")
					if math.Hypot(dx, dy) < 1e-3 {
						t.Errorf("trials %d and %d, run together, propose the same point %v", j, k, trials[k].Params)
					}
				}
			}
		})
	}
}
