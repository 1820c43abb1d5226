package tune_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/cairn-ml/cairn/tune"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// quadratic is a small objective over a conditional mixed space.
func quadratic(t *tune.Trial) (float64, error) {
	x := t.Float("x", -5, 5)
	kind := t.Choice("kind", "a", "b")
	v := (x - 1) * (x - 1)
	if kind == "b" {
		n := t.Int("n", 1, 10)
		v += float64(n)
	}
	return v, nil
}

func newStudy(t *testing.T, cfg tune.StudyConfig) *tune.Study {
	t.Helper()
	s := tune.NewStudy(cfg)
	if err := s.Err(); err != nil {
		t.Fatalf("NewStudy(%+v): %v", cfg, err)
	}
	return s
}

func TestBadRequests(t *testing.T) {
	tests := []struct {
		name string
		ask  func(*tune.Trial)
		want error
	}{
		{"float lo>hi", func(t *tune.Trial) { t.Float("x", 2, 1) }, tune.ErrBadParam},
		{"float NaN", func(t *tune.Trial) { t.Float("x", math.NaN(), 1) }, tune.ErrBadParam},
		{"float Inf", func(t *tune.Trial) { t.Float("x", 0, math.Inf(1)) }, tune.ErrBadParam},
		{"log lo=0", func(t *tune.Trial) { t.FloatLog("x", 0, 1) }, tune.ErrBadParam},
		{"float step 0", func(t *tune.Trial) { t.FloatStep("x", 0, 1, 0) }, tune.ErrBadParam},
		{"int lo>hi", func(t *tune.Trial) { t.Int("n", 3, 2) }, tune.ErrBadParam},
		{"int step 0", func(t *tune.Trial) { t.IntStep("n", 0, 10, 0) }, tune.ErrBadParam},
		{"int log lo=0", func(t *tune.Trial) { t.IntLog("n", 0, 10) }, tune.ErrBadParam},
		{"no choices", func(t *tune.Trial) { t.Choice("c") }, tune.ErrBadParam},
		{"repeated choice", func(t *tune.Trial) { t.Choice("c", "a", "a") }, tune.ErrBadParam},
		{"empty name", func(t *tune.Trial) { t.Float("", 0, 1) }, tune.ErrBadParam},
		{"negative step report", func(t *tune.Trial) { t.Report(-1, 0) }, tune.ErrBadParam},
		{"other range", func(t *tune.Trial) { t.Float("x", 0, 1); t.Float("x", 0, 2) }, tune.ErrParamConflict},
		{"other kind", func(t *tune.Trial) { t.Float("x", 0, 1); t.Int("x", 0, 1) }, tune.ErrParamConflict},
		{"log then linear", func(t *tune.Trial) { t.FloatLog("x", 1, 2); t.Float("x", 1, 2) }, tune.ErrParamConflict},
		{"other choices", func(t *tune.Trial) { t.Choice("c", "a", "b"); t.Choice("c", "b", "a") }, tune.ErrParamConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStudy(t, tune.StudyConfig{Sampler: tune.NewRandom(1)})
			var trialErr error
			err := s.Optimize(context.Background(), func(tr *tune.Trial) (float64, error) {
				tt.ask(tr)
				trialErr = tr.Err()
				return 1, nil
			}, 1)
			if err != nil {
				t.Fatalf("Optimize: %v", err)
			}
			if !errors.Is(trialErr, tt.want) {
				t.Errorf("Trial.Err() = %v, want %v", trialErr, tt.want)
			}
			var pe *tune.ParamError
			if !errors.As(trialErr, &pe) {
				t.Errorf("Trial.Err() = %T, want *tune.ParamError", trialErr)
			}
			got := s.Trials()[0]
			if got.State != tune.Failed || !errors.Is(got.Err, tt.want) {
				t.Errorf("trial = %v (%v), want failed with %v", got.State, got.Err, tt.want)
			}
			if b := s.Best(); b.Number != -1 || !math.IsNaN(b.Value) {
				t.Errorf("Best() = %d %v, want -1 NaN", b.Number, b.Value)
			}
		})
	}
}

func TestSuggestReturnsError(t *testing.T) {
	s := newStudy(t, tune.StudyConfig{Sampler: tune.NewRandom(1)})
	tr, err := s.Ask(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Suggest("x", tune.Distribution{Kind: tune.FloatKind, Low: 1, High: 0}); !errors.Is(err, tune.ErrBadParam) {
		t.Errorf("Suggest(lo>hi) error = %v, want ErrBadParam", err)
	}
	// A later good request still works, but the trial stays failed.
	if x := tr.Float("y", 0, 1); x < 0 || x > 1 {
		t.Errorf("Float(y, 0, 1) = %v", x)
	}
	ft, err := s.Tell(tr, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ft.State != tune.Failed || !errors.Is(ft.Err, tune.ErrBadParam) {
		t.Errorf("Tell = %v %v, want failed with ErrBadParam", ft.State, ft.Err)
	}
}

func TestSameNameSameValue(t *testing.T) {
	s := newStudy(t, tune.StudyConfig{Sampler: tune.NewRandom(3)})
	err := s.Optimize(context.Background(), func(tr *tune.Trial) (float64, error) {
		a, b := tr.Float("x", 0, 1), tr.Float("x", 0, 1)
		c, d := tr.Choice("c", "p", "q", "r"), tr.Choice("c", "p", "q", "r")
		m, n := tr.IntLog("n", 1, 1000), tr.IntLog("n", 1, 1000)
		if a != b || c != d || m != n {
			return 0, fmt.Errorf("second ask differs: %v %v, %v %v, %v %v", a, b, c, d, m, n)
		}
		return a, nil
	}, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, ft := range s.Trials() {
		if ft.State != tune.Complete {
			t.Errorf("trial %d: %v %v", ft.Number, ft.State, ft.Err)
		}
	}
}

func TestValuesInRange(t *testing.T) {
	tests := []struct {
		name  string
		ask   func(*tune.Trial) float64
		valid func(float64) bool
	}{
		{"float", func(t *tune.Trial) float64 { return t.Float("v", -2, 3) }, func(x float64) bool { return x >= -2 && x <= 3 }},
		{"float log", func(t *tune.Trial) float64 { return t.FloatLog("v", 1e-5, 1) }, func(x float64) bool { return x >= 1e-5 && x <= 1 }},
		{"float step", func(t *tune.Trial) float64 { return t.FloatStep("v", 0, 1, 0.25) },
			func(x float64) bool { return slices.Contains([]float64{0, 0.25, 0.5, 0.75, 1}, x) }},
		{"int", func(t *tune.Trial) float64 { return float64(t.Int("v", -3, 3)) }, func(x float64) bool { return x >= -3 && x <= 3 }},
		// High is lowered onto the grid: 1, 11, ..., 91.
		{"int step", func(t *tune.Trial) float64 { return float64(t.IntStep("v", 1, 100, 10)) },
			func(x float64) bool { return x >= 1 && x <= 91 && int(x-1)%10 == 0 }},
		{"int log", func(t *tune.Trial) float64 { return float64(t.IntLog("v", 1, 1024)) }, func(x float64) bool { return x >= 1 && x <= 1024 }},
		{"single", func(t *tune.Trial) float64 { return t.Float("v", 4, 4) }, func(x float64) bool { return x == 4 }},
	}
	for _, tt := range tests {
		for _, sampler := range []struct {
			name string
			s    tune.Sampler
		}{{"random", tune.NewRandom(7)}, {"tpe", tune.NewTPE(7)}} {
			t.Run(tt.name+"/"+sampler.name, func(t *testing.T) {
				s := newStudy(t, tune.StudyConfig{Sampler: sampler.s})
				seen := map[float64]bool{}
				err := s.Optimize(context.Background(), func(tr *tune.Trial) (float64, error) {
					x := tt.ask(tr)
					if !tt.valid(x) {
						return 0, fmt.Errorf("value %v out of range", x)
					}
					seen[x] = true
					return math.Abs(x - 0.3), nil
				}, 40)
				if err != nil {
					t.Fatal(err)
				}
				for _, ft := range s.Trials() {
					if ft.State != tune.Complete {
						t.Fatalf("trial %d: %v %v", ft.Number, ft.State, ft.Err)
					}
				}
				if len(seen) < 2 && tt.name != "single" {
					t.Errorf("only %d distinct values in 40 trials", len(seen))
				}
			})
		}
	}
}

func TestFailuresDoNotStopTheStudy(t *testing.T) {
	s := newStudy(t, tune.StudyConfig{Sampler: tune.NewRandom(1)})
	boom := errors.New("boom")
	err := s.Optimize(context.Background(), func(tr *tune.Trial) (float64, error) {
		x := tr.Float("x", 0, 1)
		switch tr.Number() % 4 {
		case 0:
			return 0, boom
		case 1:
			panic("objective panicked")
		case 2:
			return math.NaN(), nil
		}
		return x, nil
	}, 8)
	if err != nil {
		t.Fatalf("Optimize: %v", err)
	}
	trials := s.Trials()
	var states []tune.TrialState
	for _, ft := range trials {
		states = append(states, ft.State)
	}
	want := []tune.TrialState{tune.Failed, tune.Failed, tune.Failed, tune.Complete, tune.Failed, tune.Failed, tune.Failed, tune.Complete}
	if diff := cmp.Diff(want, states); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	if !errors.Is(trials[0].Err, boom) {
		t.Errorf("trial 0 error = %v, want boom", trials[0].Err)
	}
	var pe *tune.PanicError
	if !errors.As(trials[1].Err, &pe) || !errors.Is(trials[1].Err, tune.ErrPanic) || pe.Value != "objective panicked" {
		t.Errorf("trial 1 error = %v, want a *PanicError", trials[1].Err)
	}
	if !errors.Is(trials[2].Err, tune.ErrBadValue) {
		t.Errorf("trial 2 error = %v, want ErrBadValue", trials[2].Err)
	}
	best := s.Best()
	if best.Number != 3 && best.Number != 7 {
		t.Errorf("Best().Number = %d, want 3 or 7", best.Number)
	}
}

func TestDirection(t *testing.T) {
	for _, dir := range []tune.Direction{tune.Minimize, tune.Maximize} {
		t.Run(dir.String(), func(t *testing.T) {
			s := newStudy(t, tune.StudyConfig{Direction: dir, Sampler: tune.NewRandom(2)})
			if err := s.Optimize(context.Background(), func(tr *tune.Trial) (float64, error) {
				return tr.Float("x", 0, 1), nil
			}, 30); err != nil {
				t.Fatal(err)
			}
			var vals []float64
			for _, ft := range s.Trials() {
				vals = append(vals, ft.Value)
			}
			want := slices.Min(vals)
			if dir == tune.Maximize {
				want = slices.Max(vals)
			}
			best := s.Best()
			if best.Value != want || best.Params.Float("x") != want {
				t.Errorf("Best() = %v (x=%v), want %v", best.Value, best.Params.Float("x"), want)
			}
		})
	}
}

func TestBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  tune.StudyConfig
	}{
		{"direction", tune.StudyConfig{Direction: 7}},
		{"workers", tune.StudyConfig{Workers: -1}},
		{"nil callback", tune.StudyConfig{Callbacks: []tune.Callback{nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tune.NewStudy(tt.cfg)
			if !errors.Is(s.Err(), tune.ErrBadConfig) {
				t.Errorf("Err() = %v, want ErrBadConfig", s.Err())
			}
			if err := s.Optimize(context.Background(), quadratic, 1); !errors.Is(err, tune.ErrBadConfig) {
				t.Errorf("Optimize() = %v, want ErrBadConfig", err)
			}
			if _, err := s.Ask(context.Background()); !errors.Is(err, tune.ErrBadConfig) {
				t.Errorf("Ask() = %v, want ErrBadConfig", err)
			}
		})
	}
}

func TestContextStops(t *testing.T) {
	for _, workers := range []int{1, 3} {
		t.Run(fmt.Sprint(workers, " workers"), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s := newStudy(t, tune.StudyConfig{Sampler: tune.NewRandom(1), Workers: workers,
				Callbacks: []tune.Callback{func(ft tune.FrozenTrial) error {
					if ft.Number == 4 {
						cancel()
					}
					return nil
				}}})
			err := s.Optimize(ctx, func(tr *tune.Trial) (float64, error) {
				return tr.Float("x", 0, 1), nil
			}, 0)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Optimize() = %v, want context.Canceled", err)
			}
			trials := s.Trials()
			if len(trials) < 5 || len(trials) > 5+workers {
				t.Errorf("%d trials, want 5 to %d", len(trials), 5+workers)
			}
			for _, ft := range trials {
				if !ft.State.Finished() {
					t.Errorf("trial %d still %v after Optimize returned", ft.Number, ft.State)
				}
			}
		})
	}
}

func TestCallbacks(t *testing.T) {
	var got []int
	stopAt := 3
	s := newStudy(t, tune.StudyConfig{Sampler: tune.NewRandom(1), Callbacks: []tune.Callback{
		func(ft tune.FrozenTrial) error { got = append(got, ft.Number); return nil },
		func(ft tune.FrozenTrial) error {
			if ft.Number == stopAt {
				return fmt.Errorf("enough: %w", tune.ErrStop)
			}
			return nil
		},
	}})
	if err := s.Optimize(context.Background(), quadratic, 10); err != nil {
		t.Fatalf("Optimize() = %v, want nil after ErrStop", err)
	}
	if diff := cmp.Diff([]int{0, 1, 2, 3}, got); diff != "" {
		t.Errorf("callback trials (-want +got):\n%s", diff)
	}

	boom := errors.New("tracking failed")
	s = newStudy(t, tune.StudyConfig{Sampler: tune.NewRandom(1), Callbacks: []tune.Callback{
		func(ft tune.FrozenTrial) error { return boom },
	}})
	if err := s.Optimize(context.Background(), quadratic, 10); !errors.Is(err, boom) {
		t.Fatalf("Optimize() = %v, want the callback's error", err)
	}
	if n := len(s.Trials()); n != 1 {
		t.Errorf("%d trials after a failing callback, want 1", n)
	}
}

func TestAskTell(t *testing.T) {
	s := newStudy(t, tune.StudyConfig{Sampler: tune.NewRandom(5)})
	ctx := context.Background()
	a, err := s.Ask(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Ask(ctx)
	if err != nil {
		t.Fatal(err)
	}
	xa, xb := a.Float("x", 0, 10), b.Float("x", 0, 10)
	a.SetUserAttr("note", "first")
	b.Report(0, 3)
	b.Report(0, 4) // ignored: step 0 is already reported
	fb, err := s.Tell(b, 0, fmt.Errorf("stopped: %w", tune.ErrPruned))
	if err != nil {
		t.Fatal(err)
	}
	fa, err := s.Tell(a, xa*2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tell(a, 1, nil); !errors.Is(err, tune.ErrTrialDone) {
		t.Errorf("second Tell = %v, want ErrTrialDone", err)
	}
	other := newStudy(t, tune.StudyConfig{})
	if _, err := other.Tell(a, 1, nil); !errors.Is(err, tune.ErrTrialDone) {
		t.Errorf("Tell on another study = %v, want ErrTrialDone", err)
	}
	want := []tune.FrozenTrial{
		{Number: 0, State: tune.Complete, Value: xa * 2, Params: tune.Params{"x": xa}, UserAttrs: map[string]string{"note": "first"}},
		{Number: 1, State: tune.Pruned, Value: 3, Params: tune.Params{"x": xb}, Intermediate: map[int]float64{0: 3}},
	}
	opts := cmp.Options{
		cmpopts.IgnoreFields(tune.FrozenTrial{}, "Distributions", "Start", "End", "Err"),
		cmpopts.EquateEmpty(),
	}
	if diff := cmp.Diff(want, s.Trials(), opts); diff != "" {
		t.Errorf("Trials() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want[0], fa, opts); diff != "" {
		t.Errorf("Tell() (-want +got):\n%s", diff)
	}
	if !errors.Is(fb.Err, tune.ErrPruned) {
		t.Errorf("pruned trial Err = %v", fb.Err)
	}
	if fa.End.Before(fa.Start) {
		t.Errorf("End %v before Start %v", fa.End, fa.Start)
	}
}

func TestEnqueue(t *testing.T) {
	s := newStudy(t, tune.StudyConfig{Sampler: tune.NewTPE(1)})
	if err := s.Enqueue(tune.Params{"x": 1.5, "kind": "b", "n": 3}); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(tune.Params{"x": 99.0}); err != nil { // outside [-5, 5]
		t.Fatal(err)
	}
	if err := s.Enqueue(tune.Params{"x": []int{1}}); !errors.Is(err, tune.ErrBadParam) {
		t.Errorf("Enqueue(slice) = %v, want ErrBadParam", err)
	}
	if err := s.Optimize(context.Background(), quadratic, 3); err != nil {
		t.Fatal(err)
	}
	trials := s.Trials()
	want := tune.Params{"x": 1.5, "kind": "b", "n": 3}
	if diff := cmp.Diff(want, trials[0].Params); diff != "" {
		t.Errorf("enqueued trial params (-want +got):\n%s", diff)
	}
	if trials[0].Value != 0.25+3 {
		t.Errorf("enqueued trial value = %v, want 3.25", trials[0].Value)
	}
	if trials[1].State != tune.Failed || !errors.Is(trials[1].Err, tune.ErrBadParam) {
		t.Errorf("trial with an enqueued value out of range: %v %v, want failed with ErrBadParam", trials[1].State, trials[1].Err)
	}
	if trials[2].State != tune.Complete {
		t.Errorf("trial after the queue: %v %v", trials[2].State, trials[2].Err)
	}
}

func TestConditionalSpace(t *testing.T) {
	for _, sampler := range []struct {
		name string
		s    tune.Sampler
	}{{"random", tune.NewRandom(3)}, {"tpe", tune.NewTPE(3)}, {"gp", tune.NewGP(3)}} {
		t.Run(sampler.name, func(t *testing.T) {
			s := newStudy(t, tune.StudyConfig{Sampler: sampler.s})
			if err := s.Optimize(context.Background(), quadratic, 25); err != nil {
				t.Fatal(err)
			}
			var withN, withoutN int
			for _, ft := range s.Trials() {
				if ft.State != tune.Complete {
					t.Fatalf("trial %d: %v %v", ft.Number, ft.State, ft.Err)
				}
				_, hasN := ft.Params["n"]
				if hasN != (ft.Params.String("kind") == "b") {
					t.Errorf("trial %d: params %v: n only when kind is b", ft.Number, ft.Params)
				}
				if hasN {
					withN++
				} else {
					withoutN++
				}
			}
			if withN == 0 || withoutN == 0 {
				t.Errorf("branches taken: b %d, a %d; want both", withN, withoutN)
			}
		})
	}
}

func TestSamplerDeterminism(t *testing.T) {
	for _, sampler := range []struct {
		name string
		make func(uint64) tune.Sampler
	}{{"random", tune.NewRandom}, {"tpe", tune.NewTPE}, {"gp", tune.NewGP}} {
		t.Run(sampler.name, func(t *testing.T) {
			run := func(seed uint64) []tune.Params {
				s := newStudy(t, tune.StudyConfig{Sampler: sampler.make(seed)})
				if err := s.Optimize(context.Background(), quadratic, 20); err != nil {
					t.Fatal(err)
				}
				var ps []tune.Params
				for _, ft := range s.Trials() {
					ps = append(ps, ft.Params)
				}
				return ps
			}
			a, b, c := run(11), run(11), run(12)
			if diff := cmp.Diff(a, b); diff != "" {
				t.Errorf("same seed, different trials (-first +second):\n%s", diff)
			}
			if cmp.Equal(a, c) {
				t.Errorf("seeds 11 and 12 gave the same trials")
			}
		})
	}
}

func branin(x1, x2 float64) float64 {
	b, c := 5.1/(4*math.Pi*math.Pi), 5/math.Pi
	u := x2 - b*x1*x1 + c*x1 - 6
	return u*u + 10*(1-1/(8*math.Pi))*math.Cos(x1) + 10
}

func TestSamplerConfig(t *testing.T) {
	tests := []struct {
		name string
		make func() (tune.Sampler, error)
		ok   bool
	}{
		{"tpe defaults", func() (tune.Sampler, error) { return tune.NewTPEWith(tune.TPEConfig{}) }, true},
		{"tpe everything", func() (tune.Sampler, error) {
			return tune.NewTPEWith(tune.TPEConfig{Seed: 3, StartupTrials: -1, Candidates: 8, Multivariate: true,
				PriorWeight: 2, NoMagicClip: true, ConsiderEndpoints: true, NormalizeKernels: true,
				Gamma: func(n int) int { return n / 4 }, Weights: func(n int) []float64 { return make([]float64, n) }})
		}, true},
		{"tpe negative candidates", func() (tune.Sampler, error) { return tune.NewTPEWith(tune.TPEConfig{Candidates: -1}) }, false},
		{"tpe NaN prior", func() (tune.Sampler, error) { return tune.NewTPEWith(tune.TPEConfig{PriorWeight: math.NaN()}) }, false},
		{"gp defaults", func() (tune.Sampler, error) { return tune.NewGPWith(tune.GPConfig{}) }, true},
		{"gp small", func() (tune.Sampler, error) {
			return tune.NewGPWith(tune.GPConfig{StartupTrials: 3, Candidates: 64, LocalSearches: 2, NoConstantLiar: true})
		}, true},
		{"gp negative", func() (tune.Sampler, error) { return tune.NewGPWith(tune.GPConfig{LocalSearches: -2}) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.make()
			if !tt.ok {
				if !errors.Is(err, tune.ErrBadConfig) {
					t.Errorf("error = %v, want ErrBadConfig", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Every configuration runs a conditional mixed study cleanly
			// (the all-zero weights fall back to the default).
			st := newStudy(t, tune.StudyConfig{Sampler: s})
			if err := st.Optimize(context.Background(), quadratic, 16); err != nil {
				t.Fatal(err)
			}
			for _, ft := range st.Trials() {
				if ft.State != tune.Complete {
					t.Errorf("trial %d: %v %v", ft.Number, ft.State, ft.Err)
				}
			}
		})
	}
}
