package tune

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// GPConfig configures the Gaussian-process sampler. The zero value is
// usable (seed 0).
type GPConfig struct {
	Seed uint64
	// StartupTrials is how many complete trials are sampled at random
	// before the GP takes over; 0 means 10, a negative value none (the GP
	// needs at least 2).
	StartupTrials int
	// Candidates is how many random points seed the search for the
	// maximum of expected improvement; 0 means 2048, at most MaxCandidates.
	Candidates int
	// LocalSearches is how many of the best candidates (plus the best
	// trial so far) are refined by gradient ascent; 0 means 10, at most
	// MaxCandidates.
	LocalSearches int
	// NoConstantLiar ignores running trials. By default each running trial
	// is added to the model at its predicted mean (the "kriging believer"),
	// which removes the expected improvement around it, so parallel workers
	// go to different points.
	NoConstantLiar bool
}

type gpSampler struct{ cfg GPConfig }

// When the best expected improvement is below gpStallEI (in standard
// deviations of the warped values), the point is chosen again by the
// expected improvement over the best value minus gpStallMargin.
const (
	gpStallEI     = 1e-3
	gpStallMargin = 0.1
)

var _ JointSampler = (*gpSampler)(nil)

// NewGP returns a Gaussian-process Bayesian-optimisation sampler, for small
// budgets where each trial is expensive; see NewGPWith.
func NewGP(seed uint64) Sampler {
	s, _ := NewGPWith(GPConfig{Seed: seed})
	return s
}

// NewGPWith returns a GP sampler configured by cfg, or an error wrapping
// ErrBadConfig for Candidates or LocalSearches negative or above
// MaxCandidates.
//
// After the random start-up trials, each trial fits a Gaussian process with
// a Matern 5/2 kernel, one length scale per parameter (ARD), to the complete
// trials: numeric parameters scaled to [0, 1] (log ranges on a log scale,
// integers widened by half a step on each side), categorical ones compared
// by equality; values standardised. The length scales, the kernel scale and
// the noise are fitted by maximising the marginal likelihood (with weak
// priors, as in Optuna's GPSampler). The next point maximises the log of
// expected improvement: the best of Candidates random points and of
// gradient ascents from the best of them, with each categorical parameter
// tried at every choice; integer parameters are rounded and the rounded
// points compared again. The fit costs O(n^3) in the number n of complete
// trials per likelihood evaluation; see "Performance".
//
// Sample, for parameters outside the search space (conditional ones), draws
// at random.
func NewGPWith(cfg GPConfig) (Sampler, error) {
	if cfg.Candidates < 0 || cfg.LocalSearches < 0 || cfg.Candidates > MaxCandidates || cfg.LocalSearches > MaxCandidates {
		return nil, fmt.Errorf("%w: GP candidates %d, local searches %d", ErrBadConfig, cfg.Candidates, cfg.LocalSearches)
	}
	if cfg.StartupTrials == 0 {
		cfg.StartupTrials = 10
	}
	cfg.StartupTrials = max(cfg.StartupTrials, 2)
	if cfg.Candidates == 0 {
		cfg.Candidates = 2048
	}
	if cfg.LocalSearches == 0 {
		cfg.LocalSearches = 10
	}
	return &gpSampler{cfg: cfg}, nil
}

func (s *gpSampler) Sample(_ *View, number int, name string, d Distribution) (float64, error) {
	return sampleUniform(newRand(s.cfg.Seed, number, name), d), nil
}

// gpSpace maps points of a search space to and from the unit cube.
type gpSpace struct {
	names []string
	dists []Distribution
	isCat []bool
	lo    []float64 // numeric bounds in the estimator's space
	hi    []float64
}

func newGPSpace(space map[string]Distribution) *gpSpace {
	gs := &gpSpace{names: sortedNames(space)}
	for _, name := range gs.names {
		d := space[name]
		gs.dists = append(gs.dists, d)
		gs.isCat = append(gs.isCat, d.Kind == CategoricalKind)
		lo, hi := 0.0, 0.0
		if d.Kind != CategoricalKind {
			lo, hi, _ = parzenBounds(d)
		}
		gs.lo, gs.hi = append(gs.lo, lo), append(gs.hi, hi)
	}
	return gs
}

// encode returns t's point, or false if it lacks a parameter.
func (gs *gpSpace) encode(t *FrozenTrial) ([]float64, bool) {
	u := make([]float64, len(gs.names))
	for j, name := range gs.names {
		x, ok := t.internal(name)
		if ok {
			x, ok = gs.dists[j].Internal(gs.dists[j].External(x))
		}
		if !ok {
			return nil, false
		}
		if gs.isCat[j] {
			u[j] = x
		} else {
			u[j] = (toParzen(gs.dists[j], x) - gs.lo[j]) / (gs.hi[j] - gs.lo[j])
		}
	}
	return u, true
}

// decode returns the internal values of point u, rounded onto the grids.
func (gs *gpSpace) decode(u []float64) []float64 {
	x := make([]float64, len(u))
	for j, d := range gs.dists {
		if gs.isCat[j] {
			x[j] = d.clamp(u[j])
		} else {
			x[j] = fromParzen(d, gs.lo[j]+math.Max(0, math.Min(1, u[j]))*(gs.hi[j]-gs.lo[j]))
		}
	}
	return x
}

// snap returns u moved onto the grid of its distributions (the point that
// decode gives), in the unit cube.
func (gs *gpSpace) snap(u []float64) []float64 {
	x := gs.decode(u)
	out := make([]float64, len(u))
	for j, d := range gs.dists {
		if gs.isCat[j] {
			out[j] = x[j]
		} else {
			out[j] = (toParzen(d, x[j]) - gs.lo[j]) / (gs.hi[j] - gs.lo[j])
		}
	}
	return out
}

func (s *gpSampler) SampleJoint(v *View, number int, space map[string]Distribution) (map[string]float64, error) {
	gs := newGPSpace(space)
	var xs [][]float64
	var ys []float64
	sign := 1.0
	if v.Direction == Maximize {
		sign = -1
	}
	for i := range v.Trials {
		t := &v.Trials[i]
		if t.State != Complete || math.IsNaN(t.Value) {
			continue
		}
		if u, ok := gs.encode(t); ok {
			xs = append(xs, u)
			ys = append(ys, sign*t.Value)
		}
	}
	out := make(map[string]float64, len(gs.names))
	if len(xs) < s.cfg.StartupTrials || !clipInf(ys) || !warpValues(ys) {
		for j, name := range gs.names {
			out[name] = sampleUniform(newRand(s.cfg.Seed, number, name), gs.dists[j])
		}
		return out, nil
	}
	model := fitGP(xs, ys, gs.isCat)
	if model == nil {
		return nil, fmt.Errorf("tune: GP: kernel matrix not positive definite for trial %d", number)
	}
	best := slices.Min(ys)
	bestX := xs[slices.Index(ys, best)]
	if !s.cfg.NoConstantLiar {
		var px [][]float64
		var py []float64
		sc := model.scratch()
		for i := range v.Running {
			if u, ok := gs.encode(&v.Running[i]); ok {
				mu, _ := model.predict(u, sc, nil, nil)
				px, py = append(px, u), append(py, mu)
			}
		}
		model = model.withPoints(px, py)
	}
	u := s.maximizeEI(model, gs, best, bestX, newRand(s.cfg.Seed, number, ""))
	if logEI(model, model.scratch(), best, u, nil, nil, nil) < math.Log(gpStallEI) {
		// Stalled: nothing promises more than a sliver of improvement,
		// typically around a local minimum the model is sure of. Ask
		// for a real improvement instead, which sends the search where
		// the model is unsure.
		u = s.maximizeEI(model, gs, best-gpStallMargin, bestX, newRand(s.cfg.Seed, number, "stall"))
	}
	x := gs.decode(u)
	for j, name := range gs.names {
		out[name] = x[j]
	}
	return out, nil
}

// clipInf replaces infinite values by the largest (or smallest) finite
// one. It reports false if no value is finite.
func clipInf(ys []float64) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, y := range ys {
		if !math.IsInf(y, 0) {
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		}
	}
	if lo > hi {
		return false
	}
	for i, y := range ys {
		ys[i] = math.Max(lo, math.Min(hi, y))
	}
	return true
}

// standardize rescales ys to mean 0 and standard deviation 1 (1 if they
// are all equal). It reports false if a value is not finite.
func standardize(ys []float64) bool {
	var mean float64
	for _, y := range ys {
		if math.IsNaN(y) || math.IsInf(y, 0) {
			return false
		}
		mean += y
	}
	mean /= float64(len(ys))
	var sd float64
	for _, y := range ys {
		sd += (y - mean) * (y - mean)
	}
	sd = math.Sqrt(sd / float64(len(ys)))
	if sd == 0 {
		sd = 1
	}
	for i := range ys {
		ys[i] = (ys[i] - mean) / sd
	}
	return true
}

// logH returns log(z Phi(z) + phi(z)) and its derivative Phi(z)/h(z),
// accurate for very negative z.
func logH(z float64) (float64, float64) {
	if z > -1 {
		h := z*ndtr(z) + math.Exp(-0.5*z*z-logSqrt2Pi)
		return math.Log(h), ndtr(z) / h
	}
	t := -z
	if t < 30 {
		// h = phi(z) (1 - t R(t)), R the Mills ratio Phi(-t)/phi(t).
		r := math.Sqrt(math.Pi/2) * erfcx(t/math.Sqrt2)
		q := 1 - t*r
		return -0.5*z*z - logSqrt2Pi + math.Log(q), r / q
	}
	// Asymptotic: h ~ phi(z)/t^2 (1 - 3/t^2 + 15/t^4).
	t2 := t * t
	return -0.5*z*z - logSqrt2Pi - 2*math.Log(t) + math.Log1p(-3/t2+15/(t2*t2)), t + 2/t
}

// erfcx is the scaled complementary error function exp(x^2) erfc(x), for
// x >= 0.
func erfcx(x float64) float64 {
	if x < 25 {
		return math.Exp(x*x) * math.Erfc(x)
	}
	// Continued fraction (Laplace), converged for large x.
	f := 0.0
	for k := 60; k >= 1; k-- {
		f = float64(k) / 2 / (x + f)
	}
	return 1 / math.Sqrt(math.Pi) / (x + f)
}

// logEI returns log expected improvement over best (minimising) at u, and
// its gradient along the numeric dimensions if grad is not nil.
func logEI(m *gpModel, sc *gpScratch, best float64, u, grad, dmu, dvar []float64) float64 {
	if grad == nil {
		mu, variance := m.predict(u, sc, nil, nil)
		sigma := math.Sqrt(variance)
		lh, _ := logH((best - mu) / sigma)
		return math.Log(sigma) + lh
	}
	mu, variance := m.predict(u, sc, dmu, dvar)
	sigma := math.Sqrt(variance)
	z := (best - mu) / sigma
	lh, dlh := logH(z)
	for d := range grad {
		dsigma := dvar[d] / (2 * sigma)
		dz := (-dmu[d] - z*dsigma) / sigma
		grad[d] = dsigma/sigma + dlh*dz
	}
	return math.Log(sigma) + lh
}

// maximizeEI returns the point of the unit cube (categorical dimensions as
// indices) with the highest expected improvement found.
func (s *gpSampler) maximizeEI(m *gpModel, gs *gpSpace, best float64, bestX []float64, rng *rand.Rand) []float64 {
	dim := len(gs.names)
	sc := m.scratch()
	type cand struct {
		u []float64
		a float64
	}
	cands := make([]cand, 0, s.cfg.Candidates+1)
	for range s.cfg.Candidates {
		u := make([]float64, dim)
		for j, d := range gs.dists {
			if gs.isCat[j] {
				u[j] = float64(rng.IntN(len(d.Choices)))
			} else {
				u[j] = rng.Float64()
			}
		}
		cands = append(cands, cand{u, logEI(m, sc, best, u, nil, nil, nil)})
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		switch {
		case a.a > b.a:
			return -1
		case a.a < b.a:
			return 1
		}
		return 0
	})
	starts := [][]float64{slices.Clone(bestX)}
	for i := 0; i < len(cands) && len(starts) <= s.cfg.LocalSearches; i++ {
		starts = append(starts, cands[i].u)
	}
	// The final choice is among the refined points and the best
	// candidates, each snapped onto its grid first.
	pool := make([][]float64, 0, 2*len(starts))
	for _, u := range starts {
		pool = append(pool, s.localSearch(m, gs, best, u, sc))
	}
	for i := 0; i < len(cands) && i < len(starts); i++ {
		pool = append(pool, cands[i].u)
	}
	var out []float64
	bestA := math.Inf(-1)
	for _, u := range pool {
		su := gs.snap(u)
		if a := logEI(m, sc, best, su, nil, nil, nil); out == nil || a > bestA {
			out, bestA = su, a
		}
	}
	return out
}

// localSearch climbs log EI from u: gradient ascent over the numeric
// dimensions (through x = (1 + sin z)/2, which keeps them in [0, 1]), then
// each categorical dimension set to its best choice, twice over.
func (s *gpSampler) localSearch(m *gpModel, gs *gpSpace, best float64, u []float64, sc *gpScratch) []float64 {
	dim := len(gs.names)
	u = slices.Clone(u)
	var num []int
	for j := range dim {
		if !gs.isCat[j] {
			num = append(num, j)
		}
	}
	grad := make([]float64, dim)
	dmu := make([]float64, dim)
	dvar := make([]float64, dim)
	for round := 0; round < 2; round++ {
		if len(num) > 0 {
			z0 := make([]float64, len(num))
			for i, j := range num {
				z0[i] = math.Asin(2*math.Max(0, math.Min(1, u[j])) - 1)
			}
			x := slices.Clone(u)
			z, _ := lbfgs(func(z, g []float64) float64 {
				for i, j := range num {
					x[j] = 0.5 + 0.5*math.Sin(z[i])
				}
				a := logEI(m, sc, best, x, grad, dmu, dvar)
				for i, j := range num {
					g[i] = -grad[j] * 0.5 * math.Cos(z[i])
				}
				return -a
			}, z0, 100, 1e-6, 1e-9)
			for i, j := range num {
				u[j] = 0.5 + 0.5*math.Sin(z[i])
			}
		}
		changed := false
		for j := range dim {
			if !gs.isCat[j] {
				continue
			}
			cur := u[j]
			bestC, bestA := cur, logEI(m, sc, best, u, nil, nil, nil)
			for c := range len(gs.dists[j].Choices) {
				u[j] = float64(c)
				if a := logEI(m, sc, best, u, nil, nil, nil); a > bestA {
					bestC, bestA = float64(c), a
				}
			}
			u[j] = bestC
			changed = changed || bestC != cur
		}
		if !changed {
			break
		}
	}
	return u
}
