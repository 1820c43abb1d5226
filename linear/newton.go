package linear

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
)

// subRows is the number of rows scaled into scratch per BLAS call when the
// Hessian is accumulated.
const subRows = 128

// hessWork holds the per-block buffers of evalHess.
type hessWork struct {
	h       [][]float64 // per-block np x np Hessians (upper triangle used)
	xt, sc  [][]float64 // per-block scratch: subRows x (d+1) rows with the 1 appended, scaled rows
	pr      [][]float64 // per-block scratch: subRows x nc probabilities
	hessian []float64   // the sum, np x np, full
}

func newHessWork(p *problem) *hessWork {
	np, nb, d1 := p.nparams(), len(p.blocks), p.d+1
	w := &hessWork{hessian: make([]float64, np*np)}
	for range nb {
		w.h = append(w.h, make([]float64, np*np))
		w.sc = append(w.sc, make([]float64, subRows*d1))
		if p.nc > 1 { // the binary pass needs no copy of the rows
			w.xt = append(w.xt, make([]float64, subRows*d1))
			w.pr = append(w.pr, make([]float64, subRows*p.nc))
		}
	}
	return w
}

// evalHess returns G(theta) and writes its gradient and its Hessian (into
// w.hessian, np x np row-major), reading X once.
func (p *problem) evalHess(theta, grad []float64, w *hessWork) float64 {
	p.evals++
	p.rowsRead += int64(p.n)
	np, d, d1, nc := p.nparams(), p.d, p.d+1, p.nc
	p.parallel(func(b int) {
		g, h := p.partG[b], w.h[b]
		clear(g)
		clear(h)
		f := 0.0
		if nc == 1 {
			p.partF[b] = p.binaryHessBlock(theta, g, h, w.sc[b], p.blocks[b][0], p.blocks[b][1])
			return
		}
		xt, sc, pr := w.xt[b], w.sc[b], w.pr[b]
		for lo := p.blocks[b][0]; lo < p.blocks[b][1]; lo += subRows {
			hi := min(lo+subRows, p.blocks[b][1])
			m := hi - lo
			f += p.softmaxBlock(theta, g, p.zbuf[b], lo, hi)
			// The rows are in cache again: scores, probabilities, Hessian.
			for r := range m {
				xi := p.row(lo + r)
				row := xt[r*d1 : (r+1)*d1]
				copy(row, xi)
				row[d] = 1
				z := pr[r*nc : (r+1)*nc]
				for c := range nc {
					z[c] = theta[c*d1+d] + floats.Dot(xi, theta[c*d1:c*d1+d])
				}
				softmax(z)
			}
			xg := blas64.General{Rows: m, Cols: d1, Stride: d1, Data: xt[:m*d1]}
			for c := range nc {
				for e := c; e < nc; e++ {
					for r := range m {
						pc, pe := pr[r*nc+c], pr[r*nc+e]
						a := -pc * pe
						if c == e {
							a += pc
						}
						floats.ScaleTo(sc[r*d1:(r+1)*d1], p.sw[lo+r]*a, xt[r*d1:(r+1)*d1])
					}
					s := blas64.General{Rows: m, Cols: d1, Stride: d1, Data: sc[:m*d1]}
					hc := blas64.General{Rows: d1, Cols: d1, Stride: np, Data: h[c*d1*np+e*d1:]}
					blas64.Gemm(blas.Trans, blas.NoTrans, 1, xg, s, 1, hc)
				}
			}
		}
		p.partF[b] = f
	})
	f := 0.0
	clear(w.hessian)
	for b := range p.blocks {
		f += p.partF[b]
		floats.Add(w.hessian, w.h[b])
	}
	copy(grad, p.partG[0])
	for b := 1; b < len(p.blocks); b++ {
		floats.Add(grad, p.partG[b])
	}
	H := w.hessian
	// Mirror the upper triangle (binary Syrk, and the c < e blocks).
	for i := range np {
		for j := i + 1; j < np; j++ {
			H[j*np+i] = H[i*np+j]
		}
	}
	if p.l2 != 0 {
		for c := range nc {
			for j := range d {
				i := c*d1 + j
				H[i*np+i] += p.l2
			}
		}
	}
	return f + p.addPenalty(theta, grad)
}

// binaryHessBlock adds the gradient (to g) and the upper triangle of the
// Hessian (to h) of rows lo..hi-1 of a binary problem and returns their
// loss. Each row's score, loss and probability are computed once; the
// rows, scaled by sqrt(w p (1-p)), are stored by columns in sc, subRows at
// a time, and H[i][j] gets the dot of columns i and j.
func (p *problem) binaryHessBlock(theta, g, h, sc []float64, lo, hi int) float64 {
	d, d1, np := p.d, p.d+1, p.nparams()
	w, b := theta[:d], theta[d]
	var f, gb float64
	for s0 := lo; s0 < hi; s0 += subRows {
		m := min(subRows, hi-s0)
		for r := range m {
			i := s0 + r
			xi := p.row(i)
			yi := p.y[i]
			loss, prob := binaryLoss(b+floats.Dot(xi, w), yi)
			s := p.sw[i]
			f += s * loss
			res := s * (prob - float64(yi))
			if res != 0 {
				floats.AddScaled(g[:d], res, xi)
			}
			gb += res
			sr := math.Sqrt(s * prob * (1 - prob))
			for j, v := range xi {
				sc[j*subRows+r] = sr * v
			}
			sc[d*subRows+r] = sr
		}
		for i := range d1 {
			ci := sc[i*subRows : i*subRows+m]
			hi := h[i*np : (i+1)*np]
			for j := i; j < d1; j++ {
				hi[j] += floats.Dot(ci, sc[j*subRows:j*subRows+m])
			}
		}
	}
	g[d] += gb
	return f
}

// newtonFixed marks the parameters Newton holds at their value: intercepts
// when none is fitted, and, for a multinomial model, the last class's
// intercept (the objective does not change when all intercepts move
// together) and, without a penalty, the whole last class row.
func newtonFixed(p *problem) []bool {
	d1 := p.d + 1
	fixed := make([]bool, p.nparams())
	for c := range p.nc {
		if !p.fitB {
			fixed[c*d1+p.d] = true
		}
	}
	if p.nc > 1 {
		last := (p.nc - 1) * d1
		fixed[last+p.d] = true
		if p.l2 == 0 {
			for j := range d1 {
				fixed[last+j] = true
			}
		}
	}
	return fixed
}

// newtonLazyDec is the predicted decrease, relative to the objective,
// below which Newton evaluates the next point without its Hessian: there
// the step is almost always the last one, and if it is not, the Hessian is
// computed then, at the cost of one more pass over X.
const newtonLazyDec = 1e-4

// newton minimises p's smooth objective from theta (updated in place).
func newton(ctx context.Context, p *problem, theta []float64, tol float64, maxIter int) (solveResult, error) {
	np := p.nparams()
	var res solveResult
	w := newHessWork(p)
	fixed := newtonFixed(p)
	g := make([]float64, np)
	step := make([]float64, np)
	trial := make([]float64, np)
	gTrial := make([]float64, np)
	buf := make([]float64, np*np)

	f := p.evalHess(theta, g, w)
	haveHess := true
	for it := 0; ; it++ {
		for i, fx := range fixed {
			if fx {
				g[i] = 0
			}
		}
		res.viol = p.violation(theta, g)
		if res.viol <= tol {
			res.converged = true
			res.f, res.haveF = f, true
			return res, nil
		}
		if it == maxIter {
			res.f, res.haveF = f, true
			return res, nil
		}
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("linear: fit canceled: %w", err)
		}
		if !haveHess {
			f = p.evalHess(theta, g, w)
			for i, fx := range fixed {
				if fx {
					g[i] = 0
				}
			}
		}
		if !allFinite(w.hessian) {
			return res, errOverflow("Hessian")
		}
		// Solve H step = -g, with a growing ridge if H is not positive
		// definite to working precision.
		pc := newPrecond(w.hessian, np, fixed, buf, 13)
		if pc == nil {
			res.f, res.haveF = f, true
			return res, nil // cannot happen for finite data; report non-convergence
		}
		copy(step, g)
		pc.solve(step)
		floats.Scale(-1, step)
		gd := floats.Dot(g, step)
		// Backtracking (Armijo) from the full step; the first trial also
		// computes gradient and Hessian (unless the step is predicted to
		// be the last), so an accepted full step costs one pass over X.
		haveHess = -gd/2 > newtonLazyDec*max(1, math.Abs(f))
		evalTrial := func() float64 {
			if haveHess {
				return p.evalHess(trial, gTrial, w)
			}
			return p.eval(trial, gTrial)
		}
		t := 1.0
		floats.AddScaledTo(trial, theta, t, step)
		fNew := evalTrial()
		accepted := fNew <= f+1e-4*t*gd
		for k := 0; !accepted && k < 40; k++ {
			t *= 0.5
			floats.AddScaledTo(trial, theta, t, step)
			fNew = p.eval(trial, nil)
			accepted = fNew <= f+1e-4*t*gd
			if accepted {
				fNew = evalTrial()
			}
		}
		if !accepted || fNew >= f {
			// No step lowers the objective: the float64 floor. Converged if
			// the predicted decrease is negligible.
			res.converged = -gd/2 <= 1e-12*max(1, math.Abs(f))
			res.f, res.haveF = f, true
			return res, nil
		}
		copy(theta, trial)
		copy(g, gTrial)
		f = fNew
		res.iters = it + 1
	}
}
