package tune_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/tune"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestImportance(t *testing.T) {
	tests := []struct {
		name  string
		obj   tune.Objective
		order []string // most important first
		zero  []string // no effect
	}{
		{"linear", func(tr *tune.Trial) (float64, error) {
			x, y := tr.Float("x", 0, 1), tr.FloatLog("y", 1e-3, 1)
			tr.Int("z", 0, 10) // unused
			return 10*x + math.Log10(y), nil
		}, []string{"x", "y"}, []string{"z"}},
		{"categorical", func(tr *tune.Trial) (float64, error) {
			c := tr.Choice("c", "a", "b", "c")
			x := tr.Float("x", 0, 1)
			return map[string]float64{"a": 0, "b": 5, "c": 10}[c] + 0.5*x, nil
		}, []string{"c", "x"}, nil},
		{"conditional", func(tr *tune.Trial) (float64, error) {
			if tr.Choice("use", "no", "yes") == "yes" {
				return tr.Float("w", 0, 1), nil
			}
			return 0.5, nil
		}, []string{"w"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStudy(t, tune.StudyConfig{Sampler: tune.NewRandom(1)})
			if err := s.Optimize(context.Background(), tt.obj, 200); err != nil {
				t.Fatal(err)
			}
			imp, err := s.Importance()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]tune.ParamImportance{}
			var sum float64
			for _, p := range imp {
				got[p.Name] = p
				sum += p.Importance
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Errorf("importances %v sum to %v, want 1", imp, sum)
			}
			for i := 1; i < len(tt.order); i++ {
				if got[tt.order[i-1]].Importance <= got[tt.order[i]].Importance {
					t.Errorf("%s (%v) not more important than %s (%v)", tt.order[i-1], got[tt.order[i-1]], tt.order[i], got[tt.order[i]])
				}
			}
			if imp[0].Name != tt.order[0] {
				t.Errorf("most important = %s, want %s (%v)", imp[0].Name, tt.order[0], imp)
			}
			for _, name := range tt.zero {
				if got[name].Importance > 0.05 {
					t.Errorf("unused %s has importance %v", name, got[name].Importance)
				}
			}
		})
	}
	if _, err := tune.Importance(nil); !errors.Is(err, tune.ErrNoTrials) {
		t.Errorf("Importance(nil) = %v, want ErrNoTrials", err)
	}
}

func TestHistory(t *testing.T) {
	tick := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newStudy(t, tune.StudyConfig{Direction: tune.Maximize, Sampler: tune.NewRandom(1),
		Now: func() time.Time { tick = tick.Add(time.Second); return tick }})
	values := []float64{1, 3, math.NaN(), 2, 5}
	err := s.Optimize(context.Background(), func(tr *tune.Trial) (float64, error) {
		tr.Float("x", 0, 1)
		return values[tr.Number()], nil
	}, len(values))
	if err != nil {
		t.Fatal(err)
	}
	want := []tune.HistoryPoint{
		{0, tune.Complete, 1, 1, 0, 1},
		{1, tune.Complete, 3, 3, 1, 1},
		{2, tune.Failed, math.NaN(), 3, 1, 1},
		{3, tune.Complete, 2, 3, 1, 1},
		{4, tune.Complete, 5, 5, 4, 1},
	}
	if diff := cmp.Diff(want, s.History(), cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("History() (-want +got):\n%s", diff)
	}
}
