package linear

import (
	"context"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// Large fits start on a subsample. LBFGS on a binary problem with many
// rows first fits a strided subsample of the rows (weights scaled so that
// the subsample's objective estimates the full one), then computes the
// subsample's Hessian at that point, and runs LBFGS on all rows from there
// with that Hessian as its initial Hessian approximation (H0 = B0^-1 in the
// two-loop recursion, instead of a multiple of the identity). The first
// full-data steps are then sub-sampled Newton steps, each of which cuts the
// error by a factor of about sqrt(params/rows of the subsample), and the
// L-BFGS pairs refine it further. The stopping rule on the full objective
// is unchanged, so the answer is the same to within Tol; the full data are
// read about 5 times instead of 25.
const (
	subMinRows    = 8192 // smallest subsample
	subRowsPerPar = 64   // subsample rows per parameter
	subMinRatio   = 4    // n must be at least this many subsamples
	subMaxParams  = 512  // larger Hessians cost more than they save
	subFtol       = 1e-7 // relative-decrease rule of the subsample fit
	subMaxIter    = 200
)

// subsampleStep returns the stride of the subsample rows (row i*step, for
// i*step < n), or 0 when the fit is too small, has too many parameters, or
// is multinomial.
func subsampleStep(p *problem) int {
	np := p.nparams()
	if p.nc != 1 || np > subMaxParams {
		return 0
	}
	m := max(subMinRows, subRowsPerPar*np)
	if p.n < subMinRatio*m {
		return 0
	}
	// The Hessian costs m*np^2/2 multiply-adds; a full pass n*np. Spend
	// at most about five passes on it.
	if m*np > 10*p.n {
		return 0
	}
	return p.n / m
}

// subMinClassRows is the weighted rows each class needs in the subsample,
// per parameter; with fewer, its fit and Hessian say too little about the
// full problem and the fit starts from theta as usual.
const subMinClassRows = 4

// subsample returns the problem on rows 0, step, 2*step, ... of p, reading
// p's X in place, with row weights scaled so that they sum to p's, or nil
// when a class has too few rows (or too little weight) in it.
func subsample(p *problem, step int) *problem {
	m := (p.n + step - 1) / step
	y := make([]int, m)
	sw := make([]float64, m)
	var wAll, wSub float64
	for _, w := range p.sw {
		wAll += w
	}
	rows := make([]int, p.k)
	for i := range m {
		y[i] = p.y[i*step]
		sw[i] = p.sw[i*step]
		wSub += sw[i]
		if sw[i] > 0 {
			rows[y[i]]++
		}
	}
	for _, r := range rows {
		if r < subMinClassRows*p.nparams() {
			return nil
		}
	}
	r := wAll / wSub
	for i := range sw {
		sw[i] *= r
	}
	return newProblem(p.x, p.stride*step, m, p.d, y, sw, p.k, p.fitB, p.l2, p.l1, p.threads)
}

// precond is a positive-definite approximation B0 of the Hessian, kept as
// its Cholesky factor. Fixed parameters (intercepts that are not fitted)
// get zero entries in B0^-1.
type precond struct {
	chol  blas64.Triangular
	fixed []bool
	buf   blas64.General
}

// newPrecond factorises the np x np Hessian h (row-major, upper triangle
// used) into a (np*np, or nil to allocate), adding a ridge of 1e-10, 1e-8,
// ... times the largest diagonal entry when it is not positive definite to
// working precision. It returns nil if tries attempts fail.
func newPrecond(h []float64, np int, fixed []bool, a []float64, tries int) *precond {
	maxDiag := 0.0
	for i := range np {
		maxDiag = max(maxDiag, h[i*np+i])
	}
	if a == nil {
		a = make([]float64, np*np)
	}
	ridge := 0.0
	for range tries {
		for i := range np {
			for j := i; j < np; j++ {
				v := h[i*np+j]
				if fixed[i] || fixed[j] {
					v = 0
					if i == j {
						v = 1
					}
				} else if i == j {
					v += ridge
				}
				a[i*np+j] = v
			}
		}
		t, ok := lapack64.Potrf(blas64.Symmetric{N: np, Stride: np, Uplo: blas.Upper, Data: a})
		if ok {
			return &precond{chol: t, fixed: fixed, buf: blas64.General{Rows: np, Cols: 1, Stride: 1}}
		}
		if ridge == 0 {
			ridge = 1e-10 * max(maxDiag, 1)
		} else {
			ridge *= 100
		}
	}
	return nil
}

// solve overwrites v with B0^-1 v.
func (pc *precond) solve(v []float64) {
	for i, fx := range pc.fixed {
		if fx {
			v[i] = 0
		}
	}
	pc.buf.Data = v
	lapack64.Potrs(pc.chol, pc.buf)
	for i, fx := range pc.fixed {
		if fx {
			v[i] = 0
		}
	}
}

// subsampleStart moves theta to the optimum of a subsample of p (when p is
// large enough to gain from it) and returns the subsample's Hessian there
// as a preconditioner, or nil.
func subsampleStart(ctx context.Context, p *problem, theta []float64, tol float64, maxIter int) (*precond, error) {
	step := subsampleStep(p)
	if step == 0 {
		return nil, nil
	}
	sub := subsample(p, step)
	if sub == nil {
		return nil, nil
	}
	start := append([]float64(nil), theta...)
	if _, err := lbfgsRun(ctx, sub, theta, tol, min(subMaxIter, maxIter), subFtol, nil); err != nil {
		return nil, err
	}
	np := p.nparams()
	for _, v := range theta {
		if !finite(v) {
			copy(theta, start)
			p.rowsRead += sub.rowsRead
			return nil, nil
		}
	}
	w := newHessWork(sub)
	g := make([]float64, np)
	sub.evalHess(theta, g, w)
	p.rowsRead += sub.rowsRead
	if !allFinite(w.hessian) {
		return nil, nil // the full fit runs without a preconditioner
	}
	return newPrecond(w.hessian, np, newtonFixed(p), nil, 8), nil
}
