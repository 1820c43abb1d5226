package tune

import (
	"math"
	"math/bits"
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

	// For the windowed log density of a univariate continuous estimator
	// (nil srt otherwise): the centres of the observation kernels (not
	// the prior's) in ascending order with their indices, their largest
	// bandwidth and the largest log weight minus log normaliser.
	srt    []float64
	srtIdx []int32
	winS   float64
	winU   float64
}

type parzen struct {
	w     []float64 // mixture weights, summing to 1 (shared: read only)
	logW  []float64
	dims  []parzenDim
	prior int // index of the prior component, -1 if none
}

// parzenCache holds what the estimators built during one sampling call
// share: the normalised mixture weights for each number of observations
// (the same for l and g of every parameter that all trials have), and
// scratch memory that reset makes available again once the estimators of
// one parameter are done with. It is not safe for concurrent use; the zero
// value is empty, and a nil *parzenCache allocates afresh.
type parzenCache struct {
	n       []int
	w, logW [][]float64

	f  []float64
	fi int
	i  []int32
	ii int
	u  []uint64
	ui int
}

// reset makes all the scratch memory handed out available again.
func (pc *parzenCache) reset() {
	if pc != nil {
		pc.fi, pc.ii, pc.ui = 0, 0, 0
	}
}

// grow makes room for the scratch memory that the estimators of one
// parameter with n observations (and up to k choices) take, so that it is
// allocated once.
func (pc *parzenCache) grow(n, k int) {
	n += 64
	nf := max(10, 2*k+4) * n
	if len(pc.f) < nf {
		pc.f = make([]float64, nf)
	}
	if len(pc.i) < 3*n {
		pc.i = make([]int32, 3*n)
	}
	if len(pc.u) < 2*n+n/64 {
		pc.u = make([]uint64, 2*n+n/64)
	}
	pc.reset()
}

// grab returns n elements of *buf from *used on, growing *buf (leaving
// the slices handed out where they are) when it is short. The elements
// are not zeroed: after a reset they hold what they held before.
func grab[T any](buf *[]T, used *int, n int) []T {
	if *used+n > len(*buf) {
		*buf = make([]T, max(2*len(*buf), n, 1024))
		*used = 0
	}
	s := (*buf)[*used : *used+n : *used+n]
	*used += n
	return s
}

func (pc *parzenCache) floats(n int) []float64 {
	if pc == nil {
		return make([]float64, n)
	}
	return grab(&pc.f, &pc.fi, n)
}

func (pc *parzenCache) int32s(n int) []int32 {
	if pc == nil {
		return make([]int32, n)
	}
	return grab(&pc.i, &pc.ii, n)
}

func (pc *parzenCache) uint64s(n int) []uint64 {
	if pc == nil {
		return make([]uint64, n)
	}
	return grab(&pc.u, &pc.ui, n)
}

// weights returns the normalised mixture weights and their logs for n
// observations, plus the prior if considerPrior.
func (pc *parzenCache) weights(n int, considerPrior bool, p parzenParams) (w, logW []float64) {
	if pc != nil {
		for k, cn := range pc.n {
			if cn == n {
				return pc.w[k], pc.logW[k]
			}
		}
	}
	m := n
	if considerPrior {
		m++
	}
	w, logW = make([]float64, m), make([]float64, m)
	raw := p.weights(n)
	copy(w, raw[:min(n, len(raw))])
	if considerPrior {
		w[n] = p.priorWeight
	}
	var sum float64
	for _, x := range w {
		sum += x
	}
	for i := range w {
		w[i] /= sum
		logW[i] = math.Log(w[i])
	}
	if pc != nil {
		pc.n = append(pc.n, n)
		pc.w = append(pc.w, w)
		pc.logW = append(pc.logW, logW)
	}
	return w, logW
}

// windowMin is the number of components from which a univariate
// continuous estimator evaluates only the kernels near each point.
const windowMin = 48

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
	return newParzenCached(obs, dists, p, nil)
}

// newParzenCached is newParzen with the weights taken from (and added to)
// pc, which may be nil.
func newParzenCached(obs [][]float64, dists []Distribution, p parzenParams, pc *parzenCache) *parzen {
	n := 0
	if len(obs) > 0 {
		n = len(obs[0])
	}
	considerPrior := p.considerPrior || n == 0
	m := n
	if considerPrior {
		m++
	}
	pe := &parzen{prior: -1}
	pe.w, pe.logW = pc.weights(n, considerPrior, p)
	if considerPrior {
		pe.prior = n
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
			pd.catProb = pc.floats(m * pd.k)
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
			pd.logCat = pc.floats(len(pd.catProb))
			for i, p := range pd.catProb {
				pd.logCat[i] = math.Log(p)
			}
			continue
		}
		pd.low, pd.high, pd.q = parzenBounds(d)
		low, high := pd.low, pd.high
		pd.mus = pc.floats(m)
		copy(pd.mus, obs[j])
		if considerPrior {
			pd.mus[n] = 0.5 * (low + high)
		}
		pd.sigmas = pc.floats(m)
		var order []int32 // univariate: indices by centre
		if p.multivariate {
			for i := range pd.sigmas {
				pd.sigmas[i] = sigma0 * (high - low)
			}
		} else {
			order = sortedOrder(pd.mus, pc)
			// Neighbours of rank r, with the range ends beyond the first
			// and last.
			at := func(r int) float64 {
				switch r {
				case -1:
					return low
				case m:
					return high
				}
				return pd.mus[order[r]]
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
				pd.sigmas[o] = sg
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
		pd.invSigmas = pc.floats(m)
		for i, sg := range pd.sigmas {
			pd.invSigmas[i] = 1 / sg
		}
		pd.logNorm = pc.floats(m)
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
		if !p.multivariate && len(dists) == 1 && pd.q == 0 && m >= windowMin {
			pe.initWindow(pd, order, pc)
		}
	}
	return pe
}

// initWindow sets up the windowed log density of pd, a univariate
// continuous dimension whose component indices in ascending order of
// centre are order.
func (pe *parzen) initWindow(pd *parzenDim, order []int32, pc *parzenCache) {
	pd.srt = pc.floats(len(order))[:0]
	pd.srtIdx = pc.int32s(len(order))[:0]
	pd.winS, pd.winU = 0, math.Inf(-1)
	for _, i := range order {
		if int(i) == pe.prior {
			continue
		}
		pd.srt = append(pd.srt, pd.mus[i])
		pd.srtIdx = append(pd.srtIdx, i)
		if s := pd.sigmas[i]; s > pd.winS {
			pd.winS = s
		}
		// A NaN here (zero weight and zero mass) is a NaN term, which
		// densePoint leaves out too.
		if u := pe.logW[i] - pd.logNorm[i]; u > pd.winU {
			pd.winU = u
		}
	}
}

// sortedOrder returns the indices of xs in ascending order of value, ties
// (including -0 and +0) by index: what a stable sort by value gives. It
// uses a radix sort on the bits of the values when there are many and no
// NaN.
func sortedOrder(xs []float64, pc *parzenCache) []int32 {
	n := len(xs)
	order := pc.int32s(n)
	for i := range order {
		order[i] = int32(i)
	}
	nan := false
	for _, x := range xs {
		nan = nan || math.IsNaN(x)
	}
	if n < 64 || nan {
		slices.SortFunc(order, func(a, b int32) int {
			switch {
			case xs[a] < xs[b]:
				return -1
			case xs[a] > xs[b]:
				return 1
			}
			return int(a - b) // stable
		})
		return order
	}
	// Bucket sort on keys that order as the values do.
	keys, tmpK, tmpO := pc.uint64s(n), pc.uint64s(n), pc.int32s(n)
	for i, x := range xs {
		b := math.Float64bits(x + 0) // -0 + 0 = +0
		keys[i] = b ^ (uint64(int64(b)>>63) | 1<<63)
	}
	bucketSort(keys, order, tmpK, tmpO)
	return order
}

// bucketSort sorts keys, and order with them, by key, keeping the order of
// equal keys: one stable pass on the highest bits of key - min (up to 11),
// then the same in each bucket, with an insertion sort for small ones. tmpK and tmpO are scratch of the same length.
func bucketSort(keys []uint64, order []int32, tmpK []uint64, tmpO []int32) {
	n := len(keys)
	if n <= 32 {
		for i := 1; i < n; i++ {
			k, o := keys[i], order[i]
			j := i
			for ; j > 0 && keys[j-1] > k; j-- {
				keys[j], order[j] = keys[j-1], order[j-1]
			}
			keys[j], order[j] = k, o
		}
		return
	}
	lo, hi := keys[0], keys[0]
	for _, k := range keys {
		lo, hi = min(lo, k), max(hi, k)
	}
	if lo == hi {
		return // all equal: already in order
	}
	digitBits := min(11, bits.Len(uint(n))+1)
	// hi-lo >> shift is at least half the number of buckets: lo and hi
	// land in different ones.
	shift := max(bits.Len64(hi-lo)-digitBits, 0)
	var counts [1<<11 + 1]int32
	nb := 1 << digitBits
	for _, k := range keys {
		counts[(k-lo)>>shift+1]++
	}
	for d := 1; d <= nb; d++ {
		counts[d] += counts[d-1]
	}
	starts := counts // counts[d] is where bucket d starts
	for i, k := range keys {
		d := (k - lo) >> shift
		tmpK[starts[d]], tmpO[starts[d]] = k, order[i]
		starts[d]++
	}
	copy(keys, tmpK[:n])
	copy(order, tmpO[:n])
	for d := range nb {
		b0, b1 := int(counts[d]), int(counts[d+1])
		if b1-b0 > 1 {
			bucketSort(keys[b0:b1], order[b0:b1], tmpK[b0:b1], tmpO[b0:b1])
		}
	}
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
//
// A univariate estimator computes the density once per distinct point
// (candidates of a categorical or integer parameter repeat) and, when
// continuous with many components, only from the kernels near the point;
// both give bit for bit what the direct computation (densePoint) gives.
func (pe *parzen) logPDF(xs [][]float64) []float64 { return pe.logPDFCached(xs, nil, false) }

// logPDFCached is logPDF with scratch memory from pc, which may be nil.
// With fast, the exponentials of the log-sum-exp are fastExp's, and the
// results are within approxError of logPDF's.
func (pe *parzen) logPDFCached(xs [][]float64, pc *parzenCache, fast bool) []float64 {
	size := 0
	if len(xs) > 0 {
		size = len(xs[0])
	}
	m := len(pe.w)
	out := make([]float64, size)
	buf := pc.floats(m)
	var disc []int // discrete dimensions, done last
	for j := range pe.dims {
		if !pe.dims[j].cat && pe.dims[j].q > 0 {
			disc = append(disc, j)
		}
	}
	var bound []float64
	if len(disc) > 0 {
		bound = pc.floats(m)
	}
	if len(pe.dims) != 1 {
		for c := range size {
			out[c] = pe.densePoint(buf, bound, disc, xs, c, fast)
		}
		return out
	}
	pd := &pe.dims[0]
	var set []uint64
	if pd.srt != nil {
		set = pc.uint64s((m + 63) / 64)
		clear(set)
	}
	var seen map[uint64]int // point bits -> first candidate, for many points
	if size > 64 {
		seen = make(map[uint64]int, size)
	}
points:
	for c, x := range xs[0] {
		bx := math.Float64bits(x)
		if seen != nil {
			if c0, ok := seen[bx]; ok {
				out[c] = out[c0]
				continue
			}
			seen[bx] = c
		} else {
			for c0 := range c {
				if math.Float64bits(xs[0][c0]) == bx {
					out[c] = out[c0]
					continue points
				}
			}
		}
		if set != nil {
			if v, ok := pe.windowPoint(pd, toParzen(pd.d, x), buf, set, fast); ok {
				out[c] = v
				continue
			}
		}
		out[c] = pe.densePoint(buf, bound, disc, xs, c, fast)
	}
	return out
}

// densePoint returns the log density of point c of xs from every
// component; buf (and bound, for discrete dimensions disc) are scratch of
// one entry per component.
func (pe *parzen) densePoint(buf, bound []float64, disc []int, xs [][]float64, c int, fast bool) float64 {
	m := len(pe.w)
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
		return mx
	}
	var sum float64
	if fast {
		for _, v := range buf {
			if d := v - mx; d > -logCutoff {
				sum += fastExp(d)
			}
		}
	} else {
		for _, v := range buf {
			if d := v - mx; d > -logCutoff {
				sum += math.Exp(d)
			}
		}
	}
	return math.Log(sum) + mx
}

// windowPoint returns the log density at y (in the estimator's space) of
// the univariate continuous estimator whose only dimension is pd, from
// the kernels whose centre is close enough to y that their term can come
// within logCutoff of the largest; the others would be left out of the
// sum anyway. The kernels it evaluates are summed in index order, as
// densePoint sums them, so the result is the same to the bit. It returns
// false (and the caller falls back to densePoint) for a non-finite
// bound. buf holds the terms by index; set, all zero on entry and on
// return, marks the evaluated ones.
func (pe *parzen) windowPoint(pd *parzenDim, y float64, buf []float64, set []uint64, fast bool) (float64, bool) {
	mus, inv, norm, logW := pd.mus, pd.invSigmas, pd.logNorm, pe.logW
	mx := math.Inf(-1)
	visit := func(i int) {
		// As in densePoint: the weight, plus the kernel's term.
		z := (y - mus[i]) * inv[i]
		v := logW[i]
		v += -0.5*z*z - logSqrt2Pi - norm[i]
		buf[i] = v
		set[i>>6] |= 1 << (i & 63)
		if v > mx {
			mx = v
		}
	}
	if pe.prior >= 0 {
		visit(pe.prior)
	}
	srt, idx := pd.srt, pd.srtIdx
	p, _ := slices.BinarySearch(srt, y)
	lo, hi := max(p-2, 0), min(p+2, len(srt))
	for r := lo; r < hi; r++ {
		visit(int(idx[r]))
	}
	// A kernel whose centre is further than reach from y has a term of at
	// most winU - logSqrt2Pi - reach^2/(2 winS^2), which is then at least
	// logCutoff+1 below mx (the spare nat covers rounding).
	reach := pd.winS * math.Sqrt(2*math.Max(pd.winU-logSqrt2Pi-mx+logCutoff+1, 0))
	if !(reach >= 0) || math.IsInf(mx, 0) {
		clear(set)
		return 0, false
	}
	for ; lo > 0 && srt[lo-1] >= y-reach; lo-- {
		visit(int(idx[lo-1]))
	}
	for ; hi < len(srt) && srt[hi] <= y+reach; hi++ {
		visit(int(idx[hi]))
	}
	var sum float64
	for w, word := range set {
		for word != 0 {
			i := w<<6 | bits.TrailingZeros64(word)
			if d := buf[i] - mx; d > -logCutoff {
				if fast {
					sum += fastExp(d)
				} else {
					sum += math.Exp(d)
				}
			}
			word &= word - 1
		}
		set[w] = 0
	}
	return math.Log(sum) + mx, true
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

// approxError bounds how far a log density with fast exponentials
// (logPDFCached with fast) can be from the exact one, for an estimator of
// m components whose log densities are about size v: fastExp's relative
// error (under 1e-14, TestFastExp) plus the rounding of sums of up to m
// positive terms done in two ways, of the logarithm and of adding the
// largest term back; with a margin of a factor of about 100.
func approxError(m int, v float64) float64 {
	const u = 0x1p-53
	return 1e-12 + 4*float64(m+2)*u*100 + 4*math.Abs(v)*u*100
}

// exp2Frac[j] is 2^(j/64), rounded; read only.
var exp2Frac = [64]float64{
	0x1.0000000000000p+0, 0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0, 0x1.0874518759bc8p+0,
	0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0, 0x1.11301d0125b51p+0, 0x1.1429aaea92de0p+0,
	0x1.172b83c7d517bp+0, 0x1.1a35beb6fcb75p+0, 0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0,
	0x1.2387a6e756238p+0, 0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0, 0x1.2d285a6e4030bp+0,
	0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0, 0x1.371a7373aa9cbp+0, 0x1.3a7db34e59ff7p+0,
	0x1.3dea64c123422p+0, 0x1.4160a21f72e2ap+0, 0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0,
	0x1.4bfdad5362a27p+0, 0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0, 0x1.56f4736b527dap+0,
	0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0, 0x1.6247eb03a5585p+0, 0x1.6623882552225p+0,
	0x1.6a09e667f3bcdp+0, 0x1.6dfb23c651a2fp+0, 0x1.71f75e8ec5f74p+0, 0x1.75feb564267c9p+0,
	0x1.7a11473eb0187p+0, 0x1.7e2f336cf4e62p+0, 0x1.82589994cce13p+0, 0x1.868d99b4492edp+0,
	0x1.8ace5422aa0dbp+0, 0x1.8f1ae99157736p+0, 0x1.93737b0cdc5e5p+0, 0x1.97d829fde4e50p+0,
	0x1.9c49182a3f090p+0, 0x1.a0c667b5de565p+0, 0x1.a5503b23e255dp+0, 0x1.a9e6b5579fdbfp+0,
	0x1.ae89f995ad3adp+0, 0x1.b33a2b84f15fbp+0, 0x1.b7f76f2fb5e47p+0, 0x1.bcc1e904bc1d2p+0,
	0x1.c199bdd85529cp+0, 0x1.c67f12e57d14bp+0, 0x1.cb720dcef9069p+0, 0x1.d072d4a07897cp+0,
	0x1.d5818dcfba487p+0, 0x1.da9e603db3285p+0, 0x1.dfc97337b9b5fp+0, 0x1.e502ee78b3ff6p+0,
	0x1.ea4afa2a490dap+0, 0x1.efa1bee615a27p+0, 0x1.f50765b6e4540p+0, 0x1.fa7c1819e90d8p+0,
}

// fastExp returns exp(x) for -40 <= x <= 0 (the range of the terms of a
// log-sum-exp) to a relative 1e-15 or so, a few times faster than
// math.Exp: x = (64e + j) ln2/64 + r with |r| <= ln2/128, and exp(x) =
// 2^e 2^(j/64) exp(r), with exp(r) from its Taylor series to r^5 (the
// first term left out is under 4e-17).
func fastExp(x float64) float64 {
	const round = 0x1.8p52 // adding and subtracting it rounds to an integer
	kd := (x*(64/math.Ln2) + round) - round
	k := int64(kd)
	r := x - kd*(math.Ln2/64)
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	return p * exp2Frac[k&63] * math.Float64frombits(uint64(1023+(k>>6))<<52)
}
