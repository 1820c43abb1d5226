package tune_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/tune"
	"github.com/google/go-cmp/cmp"
)

// TestPrunersMatchOptuna replays the learning curves of
// testdata/pruner_golden.py one trial at a time and checks that each trial
// is pruned at the same step as Optuna 3.1's pruner pruned it (-1: never).
func TestPrunersMatchOptuna(t *testing.T) {
	raw, err := os.ReadFile("testdata/pruner_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		Curves   [][]float64
		PrunedAt map[string][]int `json:"pruned_at"`
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	pruners := map[string]tune.Pruner{
		"median":        tune.MedianPruner{},
		"median-warmup": tune.MedianPruner{StartupTrials: 3, WarmupSteps: 4, IntervalSteps: 3},
		"percentile25":  tune.PercentilePruner{Percentile: 25},
		"sha":           tune.SuccessiveHalving{},
		"sha-rf2":       tune.SuccessiveHalving{MinResource: 2, ReductionFactor: 2},
		"sha-bootstrap": tune.SuccessiveHalving{MinResource: 1, BootstrapCount: 2},
	}
	for key, want := range golden.PrunedAt {
		t.Run(key, func(t *testing.T) {
			dirName, name, _ := strings.Cut(key, "/")
			dir, sign := tune.Minimize, 1.0
			if dirName == "maximize" {
				dir, sign = tune.Maximize, -1
			}
			s := newStudy(t, tune.StudyConfig{Direction: dir, Pruner: pruners[name], Sampler: tune.NewRandom(0)})
			var got []int
			for _, curve := range golden.Curves {
				tr, err := s.Ask(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				at := -1
				for step, v := range curve {
					tr.Report(step, sign*v)
					if tr.ShouldPrune() {
						at = step
						break
					}
				}
				var ft tune.FrozenTrial
				if at >= 0 {
					ft, err = s.Tell(tr, 0, tune.ErrPruned)
				} else {
					ft, err = s.Tell(tr, sign*curve[len(curve)-1], nil)
				}
				if err != nil {
					t.Fatal(err)
				}
				if at >= 0 && (ft.State != tune.Pruned || ft.Value != sign*curve[at]) {
					t.Errorf("trial %d: %v value %v, want pruned with the last reported value %v", ft.Number, ft.State, ft.Value, sign*curve[at])
				}
				got = append(got, at)
			}
			if name == "sha" {
				// Documented difference: with an automatic MinResource,
				// Optuna keeps no rung values for the trials run before
				// the first one completed, so trials 1-3 meet no
				// competition there; ours read trial 0's reported values.
				want, got = want[4:], got[4:]
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pruned at (-optuna +ours):\n%s", diff)
			}
		})
	}
}

func TestPruneEdgeCases(t *testing.T) {
	complete := func(n int, at map[int]float64) tune.FrozenTrial {
		return tune.FrozenTrial{Number: n, State: tune.Complete, Value: 0, Intermediate: at}
	}
	var five []tune.FrozenTrial
	for i := range 5 {
		five = append(five, complete(i, map[int]float64{1: float64(i + 1)})) // median 3 at step 1
	}
	tests := []struct {
		name   string
		pruner tune.Pruner
		dir    tune.Direction
		trials []tune.FrozenTrial
		at     map[int]float64
		want   bool
	}{
		{"worse than median", tune.MedianPruner{}, tune.Minimize, five, map[int]float64{1: 3.5}, true},
		{"better than median", tune.MedianPruner{}, tune.Minimize, five, map[int]float64{1: 2.5}, false},
		{"best so far counts", tune.MedianPruner{}, tune.Minimize, five, map[int]float64{0: 1, 1: 3.5}, false},
		{"maximize worse", tune.MedianPruner{}, tune.Maximize, five, map[int]float64{1: 2.5}, true},
		{"maximize better", tune.MedianPruner{}, tune.Maximize, five, map[int]float64{1: 3.5}, false},
		{"too few complete", tune.MedianPruner{}, tune.Minimize, five[:4], map[int]float64{1: 9}, false},
		{"startup none", tune.MedianPruner{StartupTrials: -1}, tune.Minimize, five[:1], map[int]float64{1: 9}, true},
		{"warm-up", tune.MedianPruner{WarmupSteps: 2}, tune.Minimize, five, map[int]float64{1: 9}, false},
		{"nobody at step", tune.MedianPruner{}, tune.Minimize, five, map[int]float64{7: 9}, false},
		{"NaN is pruned", tune.MedianPruner{}, tune.Minimize, five, map[int]float64{1: math.NaN()}, true},
		{"min trials", tune.MedianPruner{MinTrials: 6}, tune.Minimize, five, map[int]float64{1: 9}, false},
		{"percentile 0", tune.PercentilePruner{Percentile: 0}, tune.Minimize, five, map[int]float64{1: 1.5}, true},
		{"percentile 100", tune.PercentilePruner{Percentile: 100}, tune.Minimize, five, map[int]float64{1: 4.5}, false},
		// Steps 0..99 of one complete trial: min resource 1, rungs at 1, 4, 16.
		{"halving before rung", tune.SuccessiveHalving{}, tune.Minimize, halvingTrials(), map[int]float64{0: 100}, false},
		{"halving kept", tune.SuccessiveHalving{}, tune.Minimize, halvingTrials(), map[int]float64{1: 2}, false},
		{"halving pruned", tune.SuccessiveHalving{}, tune.Minimize, halvingTrials(), map[int]float64{1: 3}, true},
		{"halving NaN", tune.SuccessiveHalving{}, tune.Minimize, halvingTrials(), map[int]float64{1: math.NaN()}, true},
		{"halving no complete", tune.SuccessiveHalving{}, tune.Minimize, nil, map[int]float64{1: 3}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &tune.View{Direction: tt.dir, Trials: tt.trials}
			ft := tune.FrozenTrial{Number: 99, State: tune.Running, Intermediate: tt.at}
			if got := tt.pruner.Prune(v, ft); got != tt.want {
				t.Errorf("%T.Prune(%v) = %v, want %v", tt.pruner, tt.at, got, tt.want)
			}
		})
	}
}

// halvingTrials returns one complete trial that reported steps 0..99 and
// six pruned ones that reported 1..6 at step 1: with the trial under test,
// eight values compete at rung 1 and the second best is 2.
func halvingTrials() []tune.FrozenTrial {
	full := map[int]float64{}
	for s := range 100 {
		full[s] = 1
	}
	ts := []tune.FrozenTrial{{Number: 0, State: tune.Complete, Intermediate: full}}
	for i := range 6 {
		ts = append(ts, tune.FrozenTrial{Number: i + 1, State: tune.Pruned, Intermediate: map[int]float64{1: float64(i + 2)}})
	}
	return ts
}

func TestOptimizeWithPruner(t *testing.T) {
	s := newStudy(t, tune.StudyConfig{Sampler: tune.NewTPE(4), Pruner: tune.MedianPruner{}})
	err := s.Optimize(context.Background(), func(tr *tune.Trial) (float64, error) {
		a := tr.Float("a", 0, 1)
		var v float64
		for step := range 10 {
			v = a + 1/float64(step+1)
			tr.Report(step, v)
			if tr.ShouldPrune() {
				return v, fmt.Errorf("step %d: %w", step, tune.ErrPruned)
			}
		}
		return v, nil
	}, 40)
	if err != nil {
		t.Fatal(err)
	}
	count := map[tune.TrialState]int{}
	for _, ft := range s.Trials() {
		count[ft.State]++
	}
	if count[tune.Pruned] == 0 || count[tune.Complete] < 5 || count[tune.Failed] != 0 {
		t.Errorf("states %v: want some pruned, at least 5 complete, none failed", count)
	}
	if best := s.Best(); best.State != tune.Complete {
		t.Errorf("Best() is %v", best.State)
	}
}
