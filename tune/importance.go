package tune

import (
	"fmt"
	"math"
	"slices"
)

// ParamImportance is how much of the spread of objective values one
// parameter explains.
type ParamImportance struct {
	Name string
	// Importance is Effect divided by the sum of the Effects of all
	// parameters, so that the importances of a study sum to 1 (or are all 0
	// when no parameter has an effect).
	Importance float64
	// Effect is the omega squared of a one-way analysis of variance of the
	// ranked values by the parameter's value: the share of the variance it
	// explains on its own, corrected for what bins of noise would explain
	// by chance; 0 for none, at most 1.
	Effect float64
	// Trials is how many complete trials had the parameter.
	Trials int
}

// Importance estimates the importance of each parameter from the complete
// trials: the values are replaced by their ranks (so one huge value does
// not dominate); the trials that have a parameter are grouped by its value
// (by choice for a Choice parameter, else into equal-count bins of its
// sorted values, about the cube root of n of them, between 2 and 10: few
// enough that chance differences between bins stay small); and the effect
// is the omega squared of a one-way ANOVA of the ranks over the groups.
// This is a main-effect measure: unlike fANOVA, it attributes no share to
// interactions between parameters, and with a hundred trials a small effect
// (a tenth of the variance) is estimated within a few hundredths at best. It
// needs at least 4 complete trials
// (ErrNoTrials); parameters seen in fewer than 4, or with a single value,
// get 0. The result is sorted by decreasing importance, then name.
func Importance(trials []FrozenTrial) ([]ParamImportance, error) {
	var complete []*FrozenTrial
	for i := range trials {
		t := &trials[i]
		if t.State == Complete && !math.IsNaN(t.Value) {
			complete = append(complete, t)
		}
	}
	if len(complete) < 4 {
		return nil, fmt.Errorf("%w: %d complete trials, importance needs 4", ErrNoTrials, len(complete))
	}
	names := map[string]bool{}
	for _, t := range complete {
		for name := range t.Params {
			names[name] = true
		}
	}
	var out []ParamImportance
	var total float64
	for _, name := range sortedNames(names) {
		var xs, ys []float64
		var cat bool
		for _, t := range complete {
			x, ok := t.internal(name)
			if !ok {
				continue
			}
			d := t.Distributions[name]
			if d.Kind == CategoricalKind {
				cat = true
				// Group by the choice itself, not its index, in case
				// the choices differ between trials.
				x = float64(hashString(d.Choices[int(x)]))
			} else {
				x = toParzen(d, x)
			}
			xs = append(xs, x)
			ys = append(ys, t.Value)
		}
		pi := ParamImportance{Name: name, Trials: len(xs)}
		if len(xs) >= 4 {
			pi.Effect = omegaSquared(groups(xs, cat), ranks(ys))
		}
		total += pi.Effect
		out = append(out, pi)
	}
	for i := range out {
		if total > 0 {
			out[i].Importance = out[i].Effect / total
		}
	}
	slices.SortStableFunc(out, func(a, b ParamImportance) int {
		switch {
		case a.Importance > b.Importance:
			return -1
		case a.Importance < b.Importance:
			return 1
		}
		return 0
	})
	return out, nil
}

// Importance returns Importance of the study's trials.
func (s *Study) Importance() ([]ParamImportance, error) { return Importance(s.Trials()) }

func hashString(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// ranks returns the ranks of ys (1-based, ties averaged).
func ranks(ys []float64) []float64 {
	idx := make([]int, len(ys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case ys[a] < ys[b]:
			return -1
		case ys[a] > ys[b]:
			return 1
		}
		return 0
	})
	r := make([]float64, len(ys))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && ys[idx[j+1]] == ys[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
		}
		i = j + 1
	}
	return r
}

// groups returns a group label per point: the value itself for a
// categorical parameter, else the index of an equal-count bin of the
// sorted values (equal values always share a bin).
func groups(xs []float64, cat bool) []int {
	g := make([]int, len(xs))
	if cat {
		labels := map[float64]int{}
		for i, x := range xs {
			l, ok := labels[x]
			if !ok {
				l = len(labels)
				labels[x] = l
			}
			g[i] = l
		}
		return g
	}
	n := len(xs)
	k := min(max(int(math.Round(math.Cbrt(float64(n)))), 2), 10)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case xs[a] < xs[b]:
			return -1
		case xs[a] > xs[b]:
			return 1
		}
		return 0
	})
	bin := 0
	for r, i := range idx {
		if r > 0 && xs[i] != xs[idx[r-1]] && r*k/n > bin {
			bin = r * k / n
		}
		g[i] = bin
	}
	return g
}

// omegaSquared is the omega squared effect size of a one-way ANOVA of y
// over the groups, clipped to [0, 1].
func omegaSquared(group []int, y []float64) float64 {
	n := len(y)
	var mean float64
	for _, v := range y {
		mean += v
	}
	mean /= float64(n)
	sum := map[int]float64{}
	count := map[int]int{}
	for i, v := range y {
		sum[group[i]] += v
		count[group[i]]++
	}
	k := len(count)
	if k < 2 || n-k < 1 {
		return 0
	}
	var ssTotal, ssWithin float64
	for i, v := range y {
		gm := sum[group[i]] / float64(count[group[i]])
		ssTotal += (v - mean) * (v - mean)
		ssWithin += (v - gm) * (v - gm)
	}
	if ssTotal == 0 {
		return 0
	}
	ssBetween := ssTotal - ssWithin
	msWithin := ssWithin / float64(n-k)
	w := (ssBetween - float64(k-1)*msWithin) / (ssTotal + msWithin)
	return math.Max(0, math.Min(1, w))
}

// HistoryPoint is one trial of the optimisation history.
type HistoryPoint struct {
	Number int
	State  TrialState
	// Value is the trial's value (NaN unless complete or pruned).
	Value float64
	// Best is the best value of the complete trials up to this one, and
	// BestNumber the trial that reached it (NaN and -1 before the first
	// complete trial).
	Best       float64
	BestNumber int
	// Duration is how long the trial ran (0 while it runs).
	Duration float64 // seconds
}

// History returns the optimisation history, one point per trial in number
// order, for plots: the value of each trial and the best so far.
func (s *Study) History() []HistoryPoint {
	trials := s.Trials()
	out := make([]HistoryPoint, len(trials))
	best, bestNumber := math.NaN(), -1
	for i, t := range trials {
		if t.State == Complete && (bestNumber < 0 || s.cfg.Direction.better(t.Value, best)) {
			best, bestNumber = t.Value, t.Number
		}
		var d float64
		if !t.End.IsZero() {
			d = t.End.Sub(t.Start).Seconds()
		}
		out[i] = HistoryPoint{Number: t.Number, State: t.State, Value: t.Value, Best: best, BestNumber: bestNumber, Duration: d}
	}
	return out
}
