package tune

import (
	"math"
	"slices"
)

// Pruner decides whether a running trial should stop early. Prune gets the
// view of the trial (fixed when it started) and the trial's record so far,
// with at least one reported value, and reports whether to stop. A Pruner
// must be safe for concurrent use and deterministic: the same view and
// record give the same answer.
type Pruner interface {
	Prune(v *View, t FrozenTrial) bool
}

// PercentilePruner prunes a trial whose best reported value so far is
// worse than the given percentile of the values the complete trials of the
// view reported at the same step (Optuna's PercentilePruner). Its zero value
// (with Percentile 0) keeps only trials as good as the best; MedianPruner is
// Percentile 50.
type PercentilePruner struct {
	// Percentile in [0, 100]: 25 keeps trials in the best quarter.
	Percentile float64
	// StartupTrials is how many complete trials the view needs before
	// anything is pruned; 0 means 5, a negative value none.
	StartupTrials int
	// WarmupSteps: steps below it are never pruned; 0 means none.
	WarmupSteps int
	// IntervalSteps: pruning is checked at most once per interval of
	// steps after the warm-up; 0 means 1 (every step).
	IntervalSteps int
	// MinTrials is how many complete trials must have reported the step
	// for a comparison; 0 means 1.
	MinTrials int
}

// MedianPruner prunes a trial whose best value so far is worse than the
// median of what complete trials reported at the same step (Optuna's
// MedianPruner, same defaults). Its zero value is ready to use.
type MedianPruner struct {
	StartupTrials int // 0 means 5, negative none
	WarmupSteps   int // 0 means none
	IntervalSteps int // 0 means 1
	MinTrials     int // 0 means 1
}

var (
	_ Pruner = MedianPruner{}
	_ Pruner = PercentilePruner{}
	_ Pruner = SuccessiveHalving{}
)

// Prune implements Pruner.
func (p MedianPruner) Prune(v *View, t FrozenTrial) bool {
	return PercentilePruner{Percentile: 50, StartupTrials: p.StartupTrials, WarmupSteps: p.WarmupSteps,
		IntervalSteps: p.IntervalSteps, MinTrials: p.MinTrials}.Prune(v, t)
}

// Prune implements Pruner.
func (p PercentilePruner) Prune(v *View, t FrozenTrial) bool {
	startup := p.StartupTrials
	if startup == 0 {
		startup = 5
	}
	interval := max(p.IntervalSteps, 1)
	minTrials := max(p.MinTrials, 1)
	pct := math.Max(0, math.Min(100, p.Percentile))
	if math.IsNaN(p.Percentile) {
		return false
	}

	var complete []*FrozenTrial
	for i := range v.Trials {
		if v.Trials[i].State == Complete {
			complete = append(complete, &v.Trials[i])
		}
	}
	if len(complete) == 0 || len(complete) < startup {
		return false
	}
	step, ok := t.LastStep()
	if !ok || step < p.WarmupSteps {
		return false
	}
	// Only the first report in each interval is checked.
	nearest := (step-p.WarmupSteps)/interval*interval + p.WarmupSteps
	secondLast := -1
	for s := range t.Intermediate {
		if s > secondLast && s != step {
			secondLast = s
		}
	}
	if secondLast >= nearest {
		return false
	}

	best := math.NaN()
	for _, x := range t.Intermediate {
		if !math.IsNaN(x) && (math.IsNaN(best) || v.Direction.better(x, best)) {
			best = x
		}
	}
	if math.IsNaN(best) {
		return true
	}
	var vals []float64
	count := 0
	for _, c := range complete {
		if x, ok := c.Intermediate[step]; ok {
			count++
			if !math.IsNaN(x) {
				vals = append(vals, x)
			}
		}
	}
	if count < minTrials || len(vals) == 0 {
		return false
	}
	if v.Direction == Maximize {
		pct = 100 - pct
	}
	q := percentile(vals, pct)
	if v.Direction == Maximize {
		return best < q
	}
	return best > q
}

// percentile is numpy's percentile with linear interpolation.
func percentile(x []float64, pct float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	pos := pct / 100 * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	frac := pos - float64(lo)
	return s[lo] + (s[hi]-s[lo])*frac
}

// SuccessiveHalving is the asynchronous successive halving pruner (ASHA,
// Optuna's SuccessiveHalvingPruner). Rung r is reached at step
// MinResource * ReductionFactor^(MinEarlyStoppingRate + r); a trial that
// reaches a rung goes on only if its value there is among the best
// 1/ReductionFactor of the values of the trials in its view that reached
// the rung. The zero value uses Optuna's defaults.
//
// A trial's value at a rung is the value it reported at the first step at
// or past the rung. Optuna records it when ShouldPrune is called; here it is
// read from the reported values, so a trial is judged the same way however
// often it asks. One consequence: with an automatic MinResource, Optuna has
// no rung values for the trials that ran before the first trial completed
// (they were never checked), while here their reported values compete.
type SuccessiveHalving struct {
	// MinResource is the step of the first rung; 0 means automatic: the
	// largest last step of the view's complete trials divided by 100 (at
	// least 1), and no pruning until a trial has completed.
	MinResource int
	// ReductionFactor is how many trials share one promotion; 0 means 4.
	ReductionFactor int
	// MinEarlyStoppingRate shifts the rungs up by this many factors.
	MinEarlyStoppingRate int
	// BootstrapCount is how many other trials must have reached a rung
	// before a trial can be promoted past it; 0 means none.
	BootstrapCount int
}

// Prune implements Pruner.
func (p SuccessiveHalving) Prune(v *View, t FrozenTrial) bool {
	step, ok := t.LastStep()
	if !ok {
		return false
	}
	rf := p.ReductionFactor
	if rf == 0 {
		rf = 4
	}
	if rf < 2 {
		return false
	}
	minRes := p.MinResource
	if minRes <= 0 {
		last := -1
		for i := range v.Trials {
			if v.Trials[i].State == Complete {
				if s, ok := v.Trials[i].LastStep(); ok && s > last {
					last = s
				}
			}
		}
		if last < 0 {
			return false
		}
		minRes = max(last/100, 1)
	}
	steps := sortedSteps(t.Intermediate)
	for rung := 0; ; rung++ {
		promotion := float64(minRes) * math.Pow(float64(rf), float64(p.MinEarlyStoppingRate+rung))
		if float64(step) < promotion || promotion > math.MaxInt32 {
			return false
		}
		value := rungValue(t.Intermediate, steps, promotion)
		if math.IsNaN(value) {
			return true
		}
		competing := []float64{value}
		others := func(ts []FrozenTrial) {
			for i := range ts {
				if ts[i].Number == t.Number {
					continue
				}
				in := ts[i].Intermediate
				if x := rungValue(in, sortedSteps(in), promotion); !math.IsNaN(x) {
					competing = append(competing, x)
				}
			}
		}
		others(v.Trials)
		others(v.Running)
		if len(competing) <= p.BootstrapCount {
			return true
		}
		idx := max(len(competing)/rf-1, 0)
		slices.Sort(competing)
		if v.Direction == Maximize {
			if value < competing[len(competing)-1-idx] {
				return true
			}
		} else if value > competing[idx] {
			return true
		}
	}
}

func sortedSteps(in map[int]float64) []int {
	steps := make([]int, 0, len(in))
	for s := range in {
		steps = append(steps, s)
	}
	slices.Sort(steps)
	return steps
}

// rungValue returns the value reported at the first step at or past
// promotion, or NaN if there is none.
func rungValue(in map[int]float64, steps []int, promotion float64) float64 {
	i, _ := slices.BinarySearchFunc(steps, promotion, func(s int, p float64) int {
		switch {
		case float64(s) < p:
			return -1
		case float64(s) > p:
			return 1
		}
		return 0
	})
	if i == len(steps) {
		return math.NaN()
	}
	return in[steps[i]]
}
