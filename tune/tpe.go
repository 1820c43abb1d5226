package tune

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// TPEConfig configures the Tree-structured Parzen Estimator sampler. The
// zero value gives Optuna 3.1's TPESampler defaults (seed 0).
type TPEConfig struct {
	Seed uint64
	// StartupTrials is how many complete or pruned trials are sampled at
	// random before TPE takes over; 0 means 10, a negative value none.
	StartupTrials int
	// Candidates is how many points are drawn from l(x) to maximise
	// l(x)/g(x); 0 means 24, at most MaxCandidates.
	Candidates int
	// Multivariate models the parameters of the search space jointly (one
	// kernel per observation over all parameters, bandwidth by Scott's rule
	// as in BOHB) instead of one estimator per parameter. Parameters outside
	// the search space (conditional ones) are still sampled one by one.
	Multivariate bool
	// PriorWeight is the weight of the prior component; 0 means 1.
	PriorWeight float64
	// NoPrior leaves out the prior component (Optuna's consider_prior=False).
	NoPrior bool
	// NoMagicClip disables the lower bound on bandwidths
	// (consider_magic_clip=False).
	NoMagicClip bool
	// ConsiderEndpoints lets the range ends widen the first and last
	// bandwidths (consider_endpoints=True).
	ConsiderEndpoints bool
	// NormalizeKernels divides each continuous kernel by its bandwidth, so
	// that l(x) and g(x) are true densities. Optuna 3.1 does not (its
	// truncated normal log-density leaves out log(sigma); Optuna fixed it
	// in a later version, optuna#5110), which weights wide kernels up. The
	// default follows Optuna 3.1; see "Performance" in the package
	// documentation for how the two compare.
	NormalizeKernels bool
	// NoConstantLiar ignores running trials. By default they are counted
	// among the worst trials, so that parallel workers do not all propose
	// the same point (Optuna's constant_liar=True; with one worker there are
	// no running trials and it makes no difference).
	NoConstantLiar bool
	// Gamma returns how many of n trials form the good group l(x); nil
	// means min(ceil(0.1 n), 25).
	Gamma func(n int) int
	// Weights returns the weights of n observations, oldest first; nil
	// means Optuna's: 1 for n < 25, else a ramp from 1/n to 1 over the
	// oldest n-25 and 1 for the newest 25.
	Weights func(n int) []float64
}

// DefaultGamma is the default TPEConfig.Gamma: min(ceil(0.1 n), 25).
func DefaultGamma(n int) int { return min(int(math.Ceil(0.1*float64(n))), 25) }

// DefaultWeights is the default TPEConfig.Weights.
func DefaultWeights(n int) []float64 {
	w := make([]float64, n)
	if n < 25 {
		for i := range w {
			w[i] = 1
		}
		return w
	}
	ramp := n - 25
	for i := range ramp {
		if ramp == 1 {
			w[i] = 1 / float64(n)
		} else {
			w[i] = 1/float64(n) + (1-1/float64(n))*float64(i)/float64(ramp-1)
		}
	}
	for i := ramp; i < n; i++ {
		w[i] = 1
	}
	return w
}

type tpe struct {
	cfg    TPEConfig
	params parzenParams

	// spare is scratch memory for the next call to SampleJoint, nil while
	// a call uses it (a concurrent call then makes its own). It holds
	// nothing that changes what is sampled.
	mu    sync.Mutex
	spare *parzenCache
	cols  *columnCache // nil while a call uses it
}

// columnCache holds the parameter values of the trials of a view, by
// parameter, for a later view that extends the same trial list (a study
// gives each trial a view that shares the finished trials of the one
// before): trials are immutable, so only the new ones are read.
type columnCache struct {
	trials []FrozenTrial // the Trials read (held, so that the array is not reused)
	names  []string
	dists  []Distribution
	cols   [][]float64 // cols[j][i]: names[j] of trials[i] in the estimator's space, NaN if none
}

// update brings the cache to trials, starting over unless trials extends
// the same array with the same parameters.
func (cc *columnCache) update(trials []FrozenTrial, names []string, dists []Distribution) {
	same := len(cc.trials) > 0 && len(trials) >= len(cc.trials) && &trials[0] == &cc.trials[0] &&
		slices.Equal(names, cc.names) && slices.EqualFunc(dists, cc.dists, Distribution.Equal)
	if !same {
		cc.names, cc.dists = slices.Clone(names), slices.Clone(dists)
		cc.cols = make([][]float64, len(names))
		cc.trials = nil
	}
	for i := len(cc.trials); i < len(trials); i++ {
		t := &trials[i]
		for j, name := range names {
			x, ok := obsValue(t, name, dists[j])
			if ok {
				x = toParzen(dists[j], x)
			} else {
				x = math.NaN()
			}
			cc.cols[j] = append(cc.cols[j], x)
		}
	}
	cc.trials = trials
}

// scratch returns scratch memory for one call, to hand back with
// putScratch.
func (s *tpe) scratch() *parzenCache {
	s.mu.Lock()
	pc := s.spare
	s.spare = nil
	s.mu.Unlock()
	if pc == nil {
		pc = &parzenCache{}
	}
	// Weights are per call: the weights function is the caller's.
	pc.n, pc.w, pc.logW = pc.n[:0], pc.w[:0], pc.logW[:0]
	return pc
}

func (s *tpe) putScratch(pc *parzenCache) {
	s.mu.Lock()
	s.spare = pc
	s.mu.Unlock()
}

var _ JointSampler = (*tpe)(nil)

// MaxCandidates bounds the candidate points a sampler draws per trial
// (TPEConfig.Candidates, GPConfig.Candidates and LocalSearches): a
// million, far past any use (Optuna draws 24), and small enough that a
// mistyped count is an error rather than an allocation of terabytes.
const MaxCandidates = 1 << 20

// NewTPE returns the Tree-structured Parzen Estimator sampler with Optuna
// 3.1's defaults (10 random start-up trials, 24 candidates, one estimator
// per parameter, prior weight 1, magic clip), plus the constant liar for
// parallel trials; see TPEConfig and NewTPEWith.
func NewTPE(seed uint64) Sampler {
	s, _ := NewTPEWith(TPEConfig{Seed: seed})
	return s
}

// NewTPEWith returns a TPE sampler configured by cfg, or an error wrapping
// ErrBadConfig for Candidates negative or above MaxCandidates, or a negative
// PriorWeight.
//
// For each parameter, TPE splits the observed trials into the best
// Gamma(n) (complete trials by value, then pruned trials by the last step
// they reached) and the rest, fits a Parzen estimator l(x) to the first and
// g(x) to the second, draws Candidates points from l and keeps the one with
// the highest l(x)/g(x). Bandwidths follow Optuna 3.1's rules: the larger
// distance to a sorted neighbour, clipped to [range/min(100, n+1), range];
// log ranges are modelled in log space; categorical parameters get a
// one-hot kernel smoothed by the prior weight.
func NewTPEWith(cfg TPEConfig) (Sampler, error) {
	if cfg.Candidates < 0 || cfg.Candidates > MaxCandidates || cfg.PriorWeight < 0 || math.IsNaN(cfg.PriorWeight) || math.IsInf(cfg.PriorWeight, 0) {
		return nil, fmt.Errorf("%w: TPE candidates %d, prior weight %v", ErrBadConfig, cfg.Candidates, cfg.PriorWeight)
	}
	if cfg.StartupTrials == 0 {
		cfg.StartupTrials = 10
	}
	cfg.StartupTrials = max(cfg.StartupTrials, 0)
	if cfg.Candidates == 0 {
		cfg.Candidates = 24
	}
	if cfg.PriorWeight == 0 {
		cfg.PriorWeight = 1
	}
	if cfg.Gamma == nil {
		cfg.Gamma = DefaultGamma
	}
	weights := DefaultWeights
	if cfg.Weights != nil {
		weights = safeWeights(cfg.Weights)
	}
	return &tpe{cfg: cfg, params: parzenParams{
		considerPrior: !cfg.NoPrior,
		priorWeight:   cfg.PriorWeight,
		magicClip:     !cfg.NoMagicClip,
		endpoints:     cfg.ConsiderEndpoints,
		multivariate:  cfg.Multivariate,
		normalize:     cfg.NormalizeKernels,
		weights:       weights,
	}}, nil
}

// safeWeights wraps a user weights function so that a short, negative,
// all-zero or non-finite result falls back to the default.
func safeWeights(f func(int) []float64) func(int) []float64 {
	return func(n int) []float64 {
		w := f(n)
		if len(w) < n {
			return DefaultWeights(n)
		}
		var sum float64
		for _, x := range w[:n] {
			if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
				return DefaultWeights(n)
			}
			sum += x
		}
		if n > 0 && sum <= 0 {
			return DefaultWeights(n)
		}
		return w
	}
}

// tpeSplit is the ranking of a view's trials that TPE works from.
type tpeSplit struct {
	trials       []*FrozenTrial // complete, pruned and (liar) running, by number
	src          []int          // index of each of trials in the view's Trials, -1 if running
	n            int            // complete and pruned
	below, above []int          // indices into trials, ascending
}

// split ranks the trials of v as Optuna's _get_observation_pairs and
// _split_observation_pairs do: complete trials by value, then pruned trials
// by the last step they reached (further is better) and its value, then
// running trials.
func (s *tpe) split(v *View) *tpeSplit {
	sp := &tpeSplit{trials: make([]*FrozenTrial, 0, len(v.Trials)+len(v.Running))}
	sp.src = make([]int, 0, cap(sp.trials))
	keys := make([]rankKey, 0, cap(sp.trials))
	sign := 1.0
	if v.Direction == Maximize {
		sign = -1
	}
	add := func(t *FrozenTrial, k rankKey, src int) {
		sp.trials = append(sp.trials, t)
		keys = append(keys, k)
		sp.src = append(sp.src, src)
	}
	ri := 0
	addRunning := func(upTo int) {
		if s.cfg.NoConstantLiar {
			return
		}
		for ; ri < len(v.Running) && v.Running[ri].Number < upTo; ri++ {
			add(&v.Running[ri], rankKey{math.Inf(1), math.Inf(1)}, -1)
		}
	}
	for i := range v.Trials {
		t := &v.Trials[i]
		addRunning(t.Number)
		switch t.State {
		case Complete:
			add(t, rankKey{math.Inf(-1), sign * t.Value}, i)
			sp.n++
		case Pruned:
			if step, ok := t.LastStep(); ok {
				iv := t.Intermediate[step]
				if math.IsNaN(iv) {
					add(t, rankKey{-float64(step), math.Inf(1)}, i)
				} else {
					add(t, rankKey{-float64(step), sign * iv}, i)
				}
			} else {
				add(t, rankKey{1, 0}, i)
			}
			sp.n++
		}
	}
	addRunning(math.MaxInt)

	nBelow := min(max(s.cfg.Gamma(sp.n), 0), len(keys))
	below := bestKeys(keys, nBelow)
	sp.below = make([]int, 0, nBelow)
	sp.above = make([]int, 0, len(keys)-nBelow)
	inBelow := make([]bool, len(keys))
	for _, i := range below {
		inBelow[i] = true
	}
	for i, in := range inBelow {
		if in {
			sp.below = append(sp.below, i)
		} else {
			sp.above = append(sp.above, i)
		}
	}
	return sp
}

// rankKey orders trials for the split: lower step (further reached, with
// complete trials first), then lower signed value, then lower index.
type rankKey struct{ step, value float64 }

type ranked struct {
	rankKey
	i int
}

func cmpRanked(a, b ranked) int {
	switch {
	case a.step < b.step:
		return -1
	case a.step > b.step:
		return 1
	case a.value < b.value:
		return -1
	case a.value > b.value:
		return 1
	}
	return a.i - b.i // stable
}

// bestKeys returns the indices of the k smallest keys in the order of
// cmpRanked (ties by index), in no particular order: the first k of a
// stable sort, found by keeping the best k seen so far when k is small.
func bestKeys(keys []rankKey, k int) []int {
	nan := false
	for _, key := range keys {
		nan = nan || math.IsNaN(key.value) || math.IsNaN(key.step)
	}
	out := make([]int, 0, k)
	if k == 0 {
		return out
	}
	if k > 64 || nan {
		// NaN makes cmpRanked no order; sort as before so that the result
		// does not depend on the method.
		order := make([]ranked, len(keys))
		for i, key := range keys {
			order[i] = ranked{key, i}
		}
		slices.SortFunc(order, cmpRanked)
		for _, o := range order[:k] {
			out = append(out, o.i)
		}
		return out
	}
	best := make([]ranked, 0, k+1) // ascending
	for i, key := range keys {
		r := ranked{key, i}
		if len(best) == k && cmpRanked(r, best[k-1]) >= 0 {
			continue
		}
		j := len(best)
		for j > 0 && cmpRanked(r, best[j-1]) < 0 {
			j--
		}
		best = slices.Insert(best, j, r)
		if len(best) > k {
			best = best[:k]
		}
	}
	for _, o := range best {
		out = append(out, o.i)
	}
	return out
}

// Sample draws one parameter with a univariate estimator.
func (s *tpe) Sample(v *View, number int, name string, d Distribution) (float64, error) {
	return s.sampleOne(v, s.split(v), number, name, d, nil, nil), nil
}

func (s *tpe) sampleOne(v *View, sp *tpeSplit, number int, name string, d Distribution, col []float64, pc *parzenCache) float64 {
	rng := newRand(s.cfg.Seed, number, name)
	if d.Single() || sp.n < s.cfg.StartupTrials {
		return sampleUniform(rng, d)
	}
	pc.reset() // the previous parameter's estimators are done with
	dists := []Distribution{d}
	if col == nil {
		col = s.column(sp, name, d, pc)
	}
	below := gather(col, sp.below, pc)
	above := gather(col, sp.above, pc)
	return s.compare(rng, [][]float64{below}, [][]float64{above}, dists, pc)[0]
}

// column returns, in the estimator's space, the value of parameter name
// (as a value of d) in each trial of sp, NaN where it has none.
func (s *tpe) column(sp *tpeSplit, name string, d Distribution, pc *parzenCache) []float64 {
	out := pc.floats(len(sp.trials))
	for i, t := range sp.trials {
		out[i] = math.NaN()
		if x, ok := obsValue(t, name, d); ok {
			out[i] = toParzen(d, x)
		}
	}
	return out
}

// columns returns the column of each parameter of names: its value in
// each trial of sp (see column), from the cache of the trials' values
// where it can.
func (s *tpe) columns(v *View, sp *tpeSplit, names []string, space map[string]Distribution) [][]float64 {
	dists := make([]Distribution, len(names))
	for j, name := range names {
		dists[j] = space[name]
	}
	s.mu.Lock()
	cc := s.cols
	s.cols = nil
	s.mu.Unlock()
	if cc == nil {
		cc = &columnCache{}
	}
	cc.update(v.Trials, names, dists)
	n := len(sp.trials)
	all := make([]float64, len(names)*n)
	cols := make([][]float64, len(names))
	for j, name := range names {
		cols[j] = all[j*n : (j+1)*n : (j+1)*n]
		for i, src := range sp.src {
			if src >= 0 {
				cols[j][i] = cc.cols[j][src]
				continue
			}
			cols[j][i] = math.NaN()
			if x, ok := obsValue(sp.trials[i], name, dists[j]); ok {
				cols[j][i] = toParzen(dists[j], x)
			}
		}
	}
	s.mu.Lock()
	s.cols = cc
	s.mu.Unlock()
	return cols
}

// gather returns the values of col at idx that are not NaN, in order.
func gather(col []float64, idx []int, pc *parzenCache) []float64 {
	out := pc.floats(len(idx))[:0]
	for _, i := range idx {
		if x := col[i]; !math.IsNaN(x) {
			out = append(out, x)
		}
	}
	return out
}

// obsValue returns parameter name of t as an internal value of d, if t has
// it and it is a value of d (a range asked differently in other trials
// still counts where the values fit; choices are matched by name).
func obsValue(t *FrozenTrial, name string, d Distribution) (float64, bool) {
	switch v := t.Params[name].(type) {
	case float64:
		return v, d.Kind != CategoricalKind && d.Contains(v)
	case int:
		x := float64(v)
		return x, d.Kind != CategoricalKind && d.Contains(x)
	case string:
		if d.Kind != CategoricalKind {
			return 0, false
		}
		i := slices.Index(d.Choices, v)
		return float64(i), i >= 0
	}
	return 0, false
}

// compare fits l and g, draws the candidates from l and returns the one
// with the highest log l - log g, as internal values.
func (s *tpe) compare(rng *rand.Rand, below, above [][]float64, dists []Distribution, pc *parzenCache) []float64 {
	l := newParzenCached(below, dists, s.params, pc)
	g := newParzenCached(above, dists, s.params, pc)
	cand := l.sample(rng, s.cfg.Candidates)
	best := bestCandidate(l, g, cand, pc)
	out := make([]float64, len(dists))
	for j := range dists {
		out[j] = cand[j][best]
	}
	return out
}

// bestCandidate returns the first of the candidates cand (laid out as
// parzen.sample returns them) with the highest log l - log g.
//
// It scores them all with fast exponentials first, each score within
// tol/2 of its exact value (approxError, twice). A candidate scored more
// than tol below the best fast score is more than tol/2 below that
// candidate's exact score, so it cannot have the highest exact score; only
// the others (usually one) get exact scores, and the choice is the one
// that exact scores of all the candidates give.
func bestCandidate(l, g *parzen, cand [][]float64, pc *parzenCache) int {
	exact := func(idx []int) int {
		sub := make([][]float64, len(cand))
		for j := range cand {
			sub[j] = make([]float64, len(idx))
			for k, c := range idx {
				sub[j][k] = cand[j][c]
			}
		}
		ll, lg := l.logPDFCached(sub, pc, false), g.logPDFCached(sub, pc, false)
		best, bestScore := 0, ll[0]-lg[0]
		for k := 1; k < len(ll); k++ {
			if score := ll[k] - lg[k]; score > bestScore {
				best, bestScore = k, score
			}
		}
		return idx[best]
	}
	size := len(cand[0])
	all := make([]int, size)
	for c := range all {
		all[c] = c
	}
	ll, lg := l.logPDFCached(cand, pc, true), g.logPDFCached(cand, pc, true)
	top, size2 := math.Inf(-1), 0.0
	for c := range size {
		score := ll[c] - lg[c]
		if math.IsNaN(score) || math.IsInf(score, 0) {
			return exact(all)
		}
		top = max(top, score)
		size2 = max(size2, math.Abs(ll[c])+math.Abs(lg[c]))
	}
	tol := 2 * (approxError(len(l.w), size2) + approxError(len(g.w), size2))
	var near []int
	for c := range size {
		if ll[c]-lg[c] >= top-tol {
			near = append(near, c)
		}
	}
	return exact(near)
}

// SampleJoint samples the search space when a trial starts: jointly with
// Multivariate, else one parameter at a time with the same values Sample
// would give.
func (s *tpe) SampleJoint(v *View, number int, space map[string]Distribution) (map[string]float64, error) {
	sp := s.split(v)
	names := sortedNames(space)
	out := make(map[string]float64, len(names))
	if !s.cfg.Multivariate || sp.n < s.cfg.StartupTrials {
		pc := s.scratch() // weights and scratch shared by the parameters
		defer s.putScratch(pc)
		k := 0
		for _, d := range space {
			k = max(k, len(d.Choices))
		}
		pc.grow(len(sp.trials), k)
		var cols [][]float64
		if sp.n >= s.cfg.StartupTrials {
			cols = s.columns(v, sp, names, space)
		}
		for j, name := range names {
			var col []float64
			if cols != nil {
				col = cols[j]
			}
			out[name] = s.sampleOne(v, sp, number, name, space[name], col, pc)
		}
		return out, nil
	}
	dists := make([]Distribution, len(names))
	for j, name := range names {
		dists[j] = space[name]
	}
	// Only trials that have every parameter (running ones may not yet).
	obs := func(idx []int) [][]float64 {
		cols := make([][]float64, len(names))
		for j := range cols {
			cols[j] = make([]float64, 0, len(idx))
		}
		row := make([]float64, len(names))
	next:
		for _, i := range idx {
			for j, name := range names {
				x, ok := obsValue(sp.trials[i], name, dists[j])
				if !ok {
					continue next
				}
				row[j] = toParzen(dists[j], x)
			}
			for j := range names {
				cols[j] = append(cols[j], row[j])
			}
		}
		return cols
	}
	x := s.compare(newRand(s.cfg.Seed, number, ""), obs(sp.below), obs(sp.above), dists, nil)
	for j, name := range names {
		out[name] = x[j]
	}
	return out, nil
}
