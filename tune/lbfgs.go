package tune

import "math"

// lbfgs minimises f from x0 with limited-memory BFGS (10 pairs) and a
// backtracking Armijo line search. f returns the value at x and writes the
// gradient into grad; a non-finite value rejects the step. It stops after
// maxIter iterations, when the largest gradient component falls below
// gtol, or when an iteration improves f by less than ftol (relative). It
// returns the best point found and its value. (gonum's optimize would do,
// but it pulls golang.org/x/tools into the module through stat/distmv.)
func lbfgs(f func(x, grad []float64) float64, x0 []float64, maxIter int, gtol, ftol float64) ([]float64, float64) {
	const mem = 10
	n := len(x0)
	x := append([]float64(nil), x0...)
	g := make([]float64, n)
	fx := f(x, g)
	if math.IsNaN(fx) || math.IsInf(fx, 0) {
		return x, fx
	}
	var ss, ys [][]float64
	var rhos []float64
	d := make([]float64, n)
	xn := make([]float64, n)
	gn := make([]float64, n)
	alpha := make([]float64, mem)
	for iter := 0; iter < maxIter; iter++ {
		if normInf(g) < gtol {
			break
		}
		// Two-loop recursion: d = -H g.
		copy(d, g)
		for k := len(ss) - 1; k >= 0; k-- {
			alpha[k] = rhos[k] * dot(ss[k], d)
			axpy(-alpha[k], ys[k], d)
		}
		if k := len(ss) - 1; k >= 0 {
			gamma := dot(ss[k], ys[k]) / dot(ys[k], ys[k])
			for i := range d {
				d[i] *= gamma
			}
		}
		for k := range ss {
			beta := rhos[k] * dot(ys[k], d)
			axpy(alpha[k]-beta, ss[k], d)
		}
		for i := range d {
			d[i] = -d[i]
		}
		slope := dot(g, d)
		step := 1.0
		if slope >= 0 || len(ss) == 0 {
			// No curvature yet, or not a descent direction: steepest
			// descent with a first step of at most 1 in each coordinate.
			ss, ys, rhos = ss[:0], ys[:0], rhos[:0]
			for i := range d {
				d[i] = -g[i]
			}
			slope = dot(g, d)
			step = 1 / math.Max(1, normInf(g))
		}
		var fn float64
		accepted := false
		for range 40 {
			for i := range x {
				xn[i] = x[i] + step*d[i]
			}
			fn = f(xn, gn)
			if !math.IsNaN(fn) && !math.IsInf(fn, 0) && fn <= fx+1e-4*step*slope {
				accepted = true
				break
			}
			step *= 0.5
		}
		if !accepted {
			break
		}
		s := make([]float64, n)
		y := make([]float64, n)
		for i := range s {
			s[i] = xn[i] - x[i]
			y[i] = gn[i] - g[i]
		}
		if sy := dot(s, y); sy > 1e-12*math.Sqrt(dot(s, s)*dot(y, y)) {
			if len(ss) == mem {
				ss, ys, rhos = ss[1:], ys[1:], rhos[1:]
			}
			ss, ys, rhos = append(ss, s), append(ys, y), append(rhos, 1/sy)
		}
		improvement := fx - fn
		copy(x, xn)
		copy(g, gn)
		fx = fn
		if improvement <= ftol*math.Max(1, math.Abs(fx)) {
			break
		}
	}
	return x, fx
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += a * x[i]
	}
}

func normInf(a []float64) float64 {
	var m float64
	for _, v := range a {
		m = math.Max(m, math.Abs(v))
	}
	return m
}
