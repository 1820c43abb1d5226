package tune

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// A Gaussian process with a Matern 5/2 kernel and automatic relevance
// determination: k(x, x') = s * m(r), r^2 = sum_d w_d delta_d^2, where
// delta_d is x_d - x'_d for numeric dimensions (scaled to [0, 1]) and
// [x_d != x'_d] for categorical ones, m(r) = (1 + t + t^2/3) exp(-t) with
// t = sqrt(5) r. The hyperparameters (w, s and the noise variance) are
// fitted by maximising the log marginal likelihood plus weak priors: the
// log-priors of Optuna's GPSampler, -(0.1/w + 0.1 w) for each inverse
// squared length scale, Gamma(2, 1) for s and Gamma(1.1, 30) for the noise.

const (
	gpMinNoise = 1e-6
	log2Pi     = 1.8378770664093453
)

// matern52 returns m and dm/d(r^2) at r^2.
func matern52(r2 float64) (k, dk float64) {
	t := math.Sqrt(5 * r2)
	e := math.Exp(-t)
	return (1 + t + t*t/3) * e, -5.0 / 6 * (1 + t) * e
}

type gpModel struct {
	x     [][]float64
	y     []float64
	isCat []bool
	w     []float64
	scale float64
	noise float64
	l     []float64 // lower Cholesky factor of K, row-major n x n
	alpha []float64 // K^-1 y
}

func (m *gpModel) r2(a, b []float64) float64 {
	var s float64
	for d, w := range m.w {
		delta := a[d] - b[d]
		if m.isCat[d] {
			if a[d] == b[d] {
				continue
			}
			delta = 1
		}
		s += w * delta * delta
	}
	return s
}

// factor computes the Cholesky factor of K and alpha; it reports false if
// K is not positive definite.
func (m *gpModel) factor() bool {
	n := len(m.x)
	k := mat.NewSymDense(n, nil)
	for i := range n {
		k.SetSym(i, i, m.scale+m.noise)
		for j := range i {
			km, _ := matern52(m.r2(m.x[i], m.x[j]))
			k.SetSym(i, j, m.scale*km)
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(k) {
		return false
	}
	var lt mat.TriDense
	chol.LTo(&lt)
	m.l = make([]float64, n*n)
	for i := range n {
		for j := 0; j <= i; j++ {
			m.l[i*n+j] = lt.At(i, j)
		}
	}
	m.alpha = make([]float64, n)
	copy(m.alpha, m.y)
	m.solveL(m.alpha)
	m.solveLT(m.alpha)
	return true
}

// solveL overwrites b with L^-1 b.
func (m *gpModel) solveL(b []float64) {
	n := len(b)
	for i := range n {
		row := m.l[i*n : i*n+i]
		s := b[i]
		for j, lij := range row {
			s -= lij * b[j]
		}
		b[i] = s / m.l[i*n+i]
	}
}

// solveLT overwrites b with L^-T b.
func (m *gpModel) solveLT(b []float64) {
	n := len(b)
	for i := n - 1; i >= 0; i-- {
		s := b[i]
		for j := i + 1; j < n; j++ {
			s -= m.l[j*n+i] * b[j]
		}
		b[i] = s / m.l[i*n+i]
	}
}

// gpLikelihood returns minus (log marginal likelihood + log prior) of the
// data as a function of theta = [log w..., log s, log(noise - minNoise)],
// writing its gradient into grad when grad is not nil. It uses m.w as
// scratch.
func gpLikelihood(m *gpModel) func(theta, grad []float64) float64 {
	x, y, isCat := m.x, m.y, m.isCat
	n, dim := len(x), len(isCat)
	// Squared differences of every pair, by dimension.
	pairs := n * (n - 1) / 2
	d2 := make([]float64, pairs*dim)
	p := 0
	for i := range n {
		for j := range i {
			for d := range dim {
				delta := x[i][d] - x[j][d]
				if isCat[d] {
					delta = 0
					if x[i][d] != x[j][d] {
						delta = 1
					}
				}
				d2[p*dim+d] = delta * delta
			}
			p++
		}
	}
	ksym := mat.NewSymDense(n, nil)
	kf := make([]float64, pairs) // noise-free kernel / scale, by pair
	dkf := make([]float64, pairs)
	var kinv mat.SymDense

	return func(theta, grad []float64) float64 {
		for d := range dim {
			m.w[d] = math.Exp(theta[d])
		}
		s := math.Exp(theta[dim])
		en := math.Exp(theta[dim+1])
		noise := gpMinNoise + en
		p := 0
		for i := range n {
			ksym.SetSym(i, i, s+noise)
			for j := range i {
				var r2 float64
				for d := range dim {
					r2 += m.w[d] * d2[p*dim+d]
				}
				kf[p], dkf[p] = matern52(r2)
				ksym.SetSym(i, j, s*kf[p])
				p++
			}
		}
		var chol mat.Cholesky
		if !chol.Factorize(ksym) {
			for i := range grad {
				grad[i] = 0
			}
			return math.Inf(1)
		}
		alpha := mat.NewVecDense(n, nil)
		if err := chol.SolveVecTo(alpha, mat.NewVecDense(n, y)); err != nil {
			for i := range grad {
				grad[i] = 0
			}
			return math.Inf(1)
		}
		lml := -0.5*mat.Dot(alpha, mat.NewVecDense(n, y)) - 0.5*chol.LogDet() - 0.5*float64(n)*log2Pi
		lp := 0.0
		for d := range dim {
			lp -= 0.1/m.w[d] + 0.1*m.w[d]
		}
		lp += math.Log(s) - s
		lp += 0.1*math.Log(noise) - 30*noise
		if grad == nil {
			return -(lml + lp)
		}
		if err := chol.InverseTo(&kinv); err != nil {
			for i := range grad {
				grad[i] = 0
			}
			return math.Inf(1)
		}
		for i := range grad {
			grad[i] = 0
		}
		a := alpha.RawVector().Data
		// dLML/dpsi = 0.5 tr((alpha alpha^T - K^-1) dK/dpsi); pairs count twice.
		var trM float64
		for i := range n {
			trM += a[i]*a[i] - kinv.At(i, i)
		}
		gs := 0.5 * trM * s // diagonal of dK/dlog s is s
		p = 0
		for i := range n {
			for j := range i {
				mij := a[i]*a[j] - kinv.At(i, j)
				gs += mij * s * kf[p]
				c := mij * s * dkf[p]
				for d := range dim {
					grad[d] += c * m.w[d] * d2[p*dim+d]
				}
				p++
			}
		}
		grad[dim] = gs
		grad[dim+1] = 0.5 * trM * en
		// Priors.
		for d := range dim {
			grad[d] += 0.1/m.w[d] - 0.1*m.w[d]
		}
		grad[dim] += 1 - s
		grad[dim+1] += (0.1/noise - 30) * en
		for i := range grad {
			grad[i] = -grad[i]
		}
		return -(lml + lp)
	}
}

// fitGP fits the hyperparameters to (x, y) and returns the model, or nil
// if no hyperparameters give a positive definite kernel matrix.
func fitGP(x [][]float64, y []float64, isCat []bool) *gpModel {
	dim := len(isCat)
	m := &gpModel{x: x, y: y, isCat: isCat, w: make([]float64, dim)}
	eval := gpLikelihood(m)
	var best []float64
	bestF := math.Inf(1)
	{
		theta0 := make([]float64, dim+2)
		theta0[dim+1] = math.Log(0.01 - gpMinNoise)
		if f0 := eval(theta0, nil); !math.IsInf(f0, 1) && !math.IsNaN(f0) {
			best, bestF = theta0, f0
		}
		x, fx := lbfgs(func(x, g []float64) float64 {
			if !boxed(x, dim) {
				return math.Inf(1)
			}
			return eval(x, g)
		}, theta0, 200, 1e-5, 1e-9)
		if fx < bestF {
			best, bestF = x, fx
		}
	}
	if best == nil {
		return nil
	}
	for d := range dim {
		m.w[d] = math.Exp(best[d])
	}
	m.scale = math.Exp(best[dim])
	m.noise = gpMinNoise + math.Exp(best[dim+1])
	for jitter := 0; !m.factor(); jitter++ {
		if jitter == 5 {
			return nil
		}
		m.noise = m.noise*10 + 1e-6
	}
	return m
}

// boxed keeps the hyperparameters in a range where the kernel matrix stays
// well conditioned.
func boxed(theta []float64, dim int) bool {
	for i, t := range theta {
		lim := 12.0
		if i == dim+1 {
			lim = 20
		}
		if math.IsNaN(t) || t < -lim || t > lim {
			return false
		}
	}
	return true
}

// withPoints returns the model with extra observations (x, y) under the
// same hyperparameters, or m itself if they make K singular.
func (m *gpModel) withPoints(x [][]float64, y []float64) *gpModel {
	if len(x) == 0 {
		return m
	}
	out := *m
	out.x = append(append([][]float64(nil), m.x...), x...)
	out.y = append(append([]float64(nil), m.y...), y...)
	if !out.factor() {
		return m
	}
	return &out
}

// gpScratch holds buffers for predictions at one point.
type gpScratch struct{ k, v, dk []float64 }

func (m *gpModel) scratch() *gpScratch {
	n := len(m.x)
	return &gpScratch{k: make([]float64, n), v: make([]float64, n), dk: make([]float64, n*len(m.w))}
}

// predict returns the posterior mean and variance of f at x; with grad it
// also fills dmu and dvar, the derivatives along the numeric dimensions.
func (m *gpModel) predict(x []float64, sc *gpScratch, dmu, dvar []float64) (mu, variance float64) {
	n, dim := len(m.x), len(m.w)
	for i := range n {
		r2 := m.r2(x, m.x[i])
		km, dkm := matern52(r2)
		sc.k[i] = m.scale * km
		mu += sc.k[i] * m.alpha[i]
		if dmu != nil {
			for d := range dim {
				if m.isCat[d] {
					sc.dk[i*dim+d] = 0
					continue
				}
				sc.dk[i*dim+d] = m.scale * dkm * 2 * m.w[d] * (x[d] - m.x[i][d])
			}
		}
	}
	copy(sc.v, sc.k)
	m.solveL(sc.v)
	variance = m.scale
	for _, vi := range sc.v {
		variance -= vi * vi
	}
	variance = math.Max(variance, 1e-12)
	if dmu == nil {
		return mu, variance
	}
	m.solveLT(sc.v) // v = K^-1 k
	for d := range dim {
		var gm, gv float64
		for i := range n {
			gm += sc.dk[i*dim+d] * m.alpha[i]
			gv -= 2 * sc.v[i] * sc.dk[i*dim+d]
		}
		dmu[d], dvar[d] = gm, gv
	}
	return mu, variance
}
