package tune

import (
	"math"
	"math/rand/v2"
	"slices"
)

// A Parzen estimator as in Optuna 3.1 (optuna/samplers/_tpe/parzen_estimator.py):
// a mixture with one component per observation plus an optional prior
// component, each a product over the parameters of a truncated normal
// (numeric parameters, in log space for log ranges) or a smoothed one-hot
// distribution (categorical parameters).

const (
	parzenEPS       = 1e-12
	sigma0Magnitude = 0.2
)

type parzenParams struct {
	considerPrior bool
	priorWeight   float64
	magicClip     bool
	endpoints     bool
	multivariate  bool
	normalize     bool
	weights       func(n int) []float64
}

// parzenDim is one parameter of an estimator.
type parzenDim struct {
	d         Distribution
	cat       bool
	low, high float64 // bounds in the estimator's space
	q         float64 // grid width of a discrete parameter, 0 if continuous
	mus       []float64
	sigmas    []float64
	logNorm   []float64 // continuous: log(sigma) + log mass in [low, high]; discrete: log mass
	invSigmas []float64
	k         int       // number of choices
	catProb   []float64 // components x k, row-major
	logCat    []float64 // log of catProb
}

type muIndex struct {
	mu float64
	i  int
}

type parzen struct {
	w    []float64 // mixture weights, summing to 1
	logW []float64
	dims []parzenDim
}

// parzenBounds returns the bounds and grid width of d in the estimator's
// space: log space for log ranges, widened by half a step for grids.
func parzenBounds(d Distribution) (low, high, q float64) {
	switch {
	case d.Kind == FloatKind && d.Log:
		return math.Log(d.Low), math.Log(d.High), 0
	case d.Kind == FloatKind && d.Step > 0:
		return d.Low - 0.5*d.Step, d.High + 0.5*d.Step, d.Step
	case d.Kind == FloatKind:
		return d.Low, d.High, 0
	case d.Log:
		return math.Log(d.Low - 0.5), math.Log(d.High + 0.5), 0
	}
	step := d.Step
	if step == 0 {
		step = 1
	}
	return d.Low - 0.5*step, d.High + 0.5*step, step
}

// toParzen maps an internal value of d into the estimator's space.
func toParzen(d Distribution, x float64) float64 {
	if d.Log && d.Kind != CategoricalKind {
		return math.Log(x)
	}
	return x
}

// fromParzen maps a point of the estimator's space back to an internal
// value of d, rounding onto its grid.
func fromParzen(d Distribution, y float64) float64 {
	switch {
	case d.Kind == CategoricalKind:
		return y
	case d.Log:
		return d.clamp(math.Exp(y))
	}
	return d.clamp(y)
}

// newParzen builds an estimator from obs[j][i], the value (in the
// estimator's space) of parameter j in observation i.
func newParzen(obs [][]float64, dists []Distribution, p parzenParams) *parzen {
	n := 0
	if len(obs) > 0 {
		n = len(obs[0])
	}
	considerPrior := p.considerPrior || n == 0
	m := n
	if considerPrior {
		m++
	}
	pe := &parzen{w: make([]float64, m), logW: make([]float64, m)}
	w := p.weights(n)
	copy(pe.w, w[:min(n, len(w))])
	if considerPrior {
		pe.w[n] = p.priorWeight
	}
	var sum float64
	for _, x := range pe.w {
		sum += x
	}
	for i := range pe.w {
		pe.w[i] /= sum
		pe.logW[i] = math.Log(pe.w[i])
	}

	var sigma0 float64
	if p.multivariate {
		sigma0 = sigma0Magnitude * math.Pow(float64(max(n, 1)), -1/float64(len(dists)+4))
	}
	pe.dims = make([]parzenDim, len(dists))
	for j, d := range dists {
		pd := &pe.dims[j]
		pd.d = d
		if d.Kind == CategoricalKind {
			pd.cat = true
			pd.k = len(d.Choices)
			pd.catProb = make([]float64, m*pd.k)
			fill := p.priorWeight / float64(m)
			for i := range pd.catProb {
				pd.catProb[i] = fill
			}
			for i := range n {
				pd.catProb[i*pd.k+int(obs[j][i])]++
			}
			for i := range m {
				row := pd.catProb[i*pd.k : (i+1)*pd.k]
				var s float64
				for _, x := range row {
					s += x
				}
				for c := range row {
					row[c] /= s
				}
			}
			pd.logCat = make([]float64, len(pd.catProb))
			for i, p := range pd.catProb {
				pd.logCat[i] = math.Log(p)
			}
			continue
		}
		pd.low, pd.high, pd.q = parzenBounds(d)
		low, high := pd.low, pd.high
		pd.mus = make([]float64, m)
		copy(pd.mus, obs[j])
		if considerPrior {
			pd.mus[n] = 0.5 * (low + high)
		}
		pd.sigmas = make([]float64, m)
		if p.multivariate {
			for i := range pd.sigmas {
				pd.sigmas[i] = sigma0 * (high - low)
			}
		} else {
			order := make([]muIndex, m)
			for i, mu := range pd.mus {
				order[i] = muIndex{mu, i}
			}
			slices.SortFunc(order, func(a, b muIndex) int {
				switch {
				case a.mu < b.mu:
					return -1
				case a.mu > b.mu:
					return 1
				}
				return a.i - b.i // stable
			})
			// Neighbours of rank r, with the range ends beyond the first
			// and last.
			at := func(r int) float64 {
				switch r {
				case -1:
					return low
				case m:
					return high
				}
				return order[r].mu
			}
			for r, o := range order {
				sg := math.Max(at(r)-at(r-1), at(r+1)-at(r))
				if !p.endpoints && m >= 2 {
					switch r {
					case 0:
						sg = at(1) - at(0)
					case m - 1:
						sg = at(m-1) - at(m-2)
					}
				}
				pd.sigmas[o.i] = sg
			}
		}
		maxSigma := high - low
		minSigma := parzenEPS
		if p.magicClip {
			minSigma = (high - low) / math.Min(100, 1+float64(m))
		}
		for i, s := range pd.sigmas {
			pd.sigmas[i] = math.Max(minSigma, math.Min(maxSigma, s))
		}
		if considerPrior {
			pd.sigmas[n] = high - low
		}
		pd.invSigmas = make([]float64, m)
		for i, sg := range pd.sigmas {
			pd.invSigmas[i] = 1 / sg
		}
		pd.logNorm = make([]float64, m)
		for i := range m {
			a, b := (low-pd.mus[i])/pd.sigmas[i], (high-pd.mus[i])/pd.sigmas[i]
			var mass float64 // log mass in [low, high]: 0 to 1e-17 when untruncated
			if a > -8.5 || b < 8.5 {
				mass = logGaussMass(a, b)
			}
			if pd.q == 0 && p.normalize {
				// Optuna 3.1 leaves log(sigma) out (optuna#5109,
				// fixed by optuna#5110 in later versions).
				mass += math.Log(pd.sigmas[i])
			}
			pd.logNorm[i] = mass
		}
	}
	return pe
}

// sample draws size points; out[j][c] is parameter j of point c, as an
// internal value of its distribution.
func (pe *parzen) sample(rng *rand.Rand, size int) [][]float64 {
	cum := make([]float64, len(pe.w))
	var s float64
	for i, w := range pe.w {
		s += w
		cum[i] = s
	}
	active := make([]int, size)
	for c := range active {
		u := rng.Float64() * s
		i, _ := slices.BinarySearch(cum, u)
		active[c] = min(i, len(cum)-1)
	}
	out := make([][]float64, len(pe.dims))
	for j := range pe.dims {
		pd := &pe.dims[j]
		out[j] = make([]float64, size)
		for c, i := range active {
			if pd.cat {
				u := rng.Float64()
				row := pd.catProb[i*pd.k : (i+1)*pd.k]
				var acc float64
				idx := 0
				for _, pr := range row {
					acc += pr
					if acc < u {
						idx++
					}
				}
				out[j][c] = float64(min(idx, pd.k-1))
				continue
			}
			mu, sigma := pd.mus[i], pd.sigmas[i]
			u := rng.Float64()
			y := truncnormPPF(u, (pd.low-mu)/sigma, (pd.high-mu)/sigma)*sigma + mu
			out[j][c] = fromParzen(pd.d, y)
		}
	}
	return out
}

// logCutoff: terms more than this many nats below the largest one change
// a log-sum-exp by less than exp(-40) ~ 4e-18 relative, below float64
// resolution, and are left out.
const logCutoff = 40

// logPDF returns the log density of each point of xs (laid out as sample
// returns them).
func (pe *parzen) logPDF(xs [][]float64) []float64 {
	size := 0
	if len(xs) > 0 {
		size = len(xs[0])
	}
	m := len(pe.w)
	out := make([]float64, size)
	buf := make([]float64, m)
	var disc []int // discrete dimensions, done last
	for j := range pe.dims {
		if !pe.dims[j].cat && pe.dims[j].q > 0 {
			disc = append(disc, j)
		}
	}
	var bound []float64
	if len(disc) > 0 {
		bound = make([]float64, m)
	}
	for c := range size {
		copy(buf, pe.logW)
		for j := range pe.dims {
			pd := &pe.dims[j]
			x := xs[j][c]
			switch {
			case pd.cat:
				xi := int(x)
				for i := range m {
					buf[i] += pd.logCat[i*pd.k+xi]
				}
			case pd.q == 0:
				y := toParzen(pd.d, x)
				mus, inv, norm := pd.mus[:m], pd.invSigmas[:m], pd.logNorm[:m]
				for i := range buf {
					z := (y - mus[i]) * inv[i]
					buf[i] += -0.5*z*z - logSqrt2Pi - norm[i]
				}
			}
		}
		if len(disc) > 0 {
			pe.addDiscrete(buf, bound, disc, xs, c)
		}
		mx := math.Inf(-1)
		for _, v := range buf {
			if v > mx {
				mx = v
			}
		}
		if math.IsInf(mx, -1) {
			out[c] = mx
			continue
		}
		var sum float64
		for _, v := range buf {
			if d := v - mx; d > -logCutoff {
				sum += math.Exp(d)
			}
		}
		out[c] = math.Log(sum) + mx
	}
	return out
}

// addDiscrete adds to buf the log probabilities of point c along the
// discrete dimensions disc. The mass of a kernel on a grid cell is bounded
// by the cell width times the density at the cell's nearest point; only
// kernels whose bound comes within logCutoff of the best exact term get
// the exact (and costly) mass, the others get -Inf.
func (pe *parzen) addDiscrete(buf, bound []float64, disc []int, xs [][]float64, c int) {
	m := len(buf)
	for i := range m {
		b := buf[i]
		for _, j := range disc {
			pd := &pe.dims[j]
			lo := math.Max(xs[j][c]-0.5*pd.q, pd.low)
			hi := math.Min(xs[j][c]+0.5*pd.q, pd.high)
			mu, sigma := pd.mus[i], pd.sigmas[i]
			near := 0.0 // distance from mu to the cell, in sigmas
			switch {
			case mu < lo:
				near = (lo - mu) / sigma
			case mu > hi:
				near = (mu - hi) / sigma
			}
			b += math.Min(0, math.Log((hi-lo)/sigma)-0.5*near*near-logSqrt2Pi) - pd.logNorm[i]
		}
		bound[i] = b
	}
	exact := func(i int) float64 {
		v := buf[i]
		for _, j := range disc {
			pd := &pe.dims[j]
			lo := math.Max(xs[j][c]-0.5*pd.q, pd.low)
			hi := math.Min(xs[j][c]+0.5*pd.q, pd.high)
			mu, sigma := pd.mus[i], pd.sigmas[i]
			v += logGaussMass((lo-mu)/sigma, (hi-mu)/sigma) - pd.logNorm[i]
		}
		return v
	}
	done := make([]bool, m)
	ref := math.Inf(-1)
	for _, b := range bound {
		ref = math.Max(ref, b)
	}
	for {
		best := math.Inf(-1)
		for i := range m {
			if !done[i] && bound[i] > ref-logCutoff {
				buf[i] = exact(i)
				done[i] = true
			}
			if done[i] {
				best = math.Max(best, buf[i])
			}
		}
		// Every term left out is below ref - logCutoff; that is safe
		// once the best exact term is not far below ref.
		if best >= ref-3 || math.IsInf(best, -1) {
			break
		}
		ref = best + 3
	}
	for i := range m {
		if !done[i] {
			buf[i] = math.Inf(-1)
		}
	}
}
