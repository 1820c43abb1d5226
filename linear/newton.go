package linear

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
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
		w.xt = append(w.xt, make([]float64, subRows*d1))
		w.sc = append(w.sc, make([]float64, subRows*d1))
		w.pr = append(w.pr, make([]float64, subRows*p.nc))
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
		xt, sc, pr := w.xt[b], w.sc[b], w.pr[b]
		for lo := p.blocks[b][0]; lo < p.blocks[b][1]; lo += subRows {
			hi := min(lo+subRows, p.blocks[b][1])
			m := hi - lo
			if nc == 1 {
				f += p.binaryBlock(theta, g, lo, hi)
			} else {
				f += p.softmaxBlock(theta, g, p.zbuf[b], lo, hi)
			}
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
				if nc == 1 {
					z[0] = sigmoid(z[0])
				} else {
					softmax(z)
				}
			}
			if nc == 1 {
				// Column j of the scaled block, sqrt(w p (1-p)) * x_j, is
				// sc[j*subRows : j*subRows+m]; H[i][j] += their dot.
				for r := range m {
					q := pr[r]
					sr := math.Sqrt(p.sw[lo+r] * q * (1 - q))
					row := xt[r*d1 : (r+1)*d1]
					for j, v := range row {
						sc[j*subRows+r] = sr * v
					}
				}
				for i := range d1 {
					ci := sc[i*subRows : i*subRows+m]
					hi := h[i*np : (i+1)*np]
					for j := i; j < d1; j++ {
						hi[j] += floats.Dot(ci, sc[j*subRows:j*subRows+m])
					}
				}
				continue
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
	H := mat.NewSymDense(np, nil)
	var chol mat.Cholesky
	stepVec := mat.NewVecDense(np, step)
	gVec := mat.NewVecDense(np, g)

	f := p.evalHess(theta, g, w)
	for it := 0; ; it++ {
		for i, fx := range fixed {
			if fx {
				g[i] = 0
			}
		}
		res.viol = p.violation(theta, g)
		if res.viol <= tol {
			res.converged = true
			return res, nil
		}
		if it == maxIter {
			return res, nil
		}
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("linear: fit canceled: %w", err)
		}
		// Solve H step = -g, with a growing ridge if H is not positive
		// definite to working precision.
		maxDiag := 0.0
		for i := range np {
			maxDiag = max(maxDiag, w.hessian[i*np+i])
		}
		ridge := 0.0
		for {
			for i := range np {
				for j := i; j < np; j++ {
					v := w.hessian[i*np+j]
					if fixed[i] || fixed[j] {
						v = 0
						if i == j {
							v = 1
						}
					} else if i == j {
						v += ridge
					}
					H.SetSym(i, j, v)
				}
			}
			if chol.Factorize(H) {
				if err := chol.SolveVecTo(stepVec, gVec); err == nil {
					break
				}
			}
			if ridge == 0 {
				ridge = 1e-10 * max(maxDiag, 1)
			} else {
				ridge *= 100
			}
			if ridge > 1e10*max(maxDiag, 1) {
				return res, nil // cannot happen for finite data; report non-convergence
			}
		}
		floats.Scale(-1, step)
		gd := floats.Dot(g, step)
		// Backtracking (Armijo) from the full step; the first trial also
		// computes gradient and Hessian, so an accepted full step costs one
		// pass over X.
		t := 1.0
		floats.AddScaledTo(trial, theta, t, step)
		fNew := p.evalHess(trial, gTrial, w)
		accepted := fNew <= f+1e-4*t*gd
		for k := 0; !accepted && k < 40; k++ {
			t *= 0.5
			floats.AddScaledTo(trial, theta, t, step)
			fNew = p.eval(trial, nil)
			accepted = fNew <= f+1e-4*t*gd
			if accepted {
				fNew = p.evalHess(trial, gTrial, w)
			}
		}
		if !accepted || fNew >= f {
			// No step lowers the objective: the float64 floor. Converged if
			// the predicted decrease is negligible.
			res.converged = -gd/2 <= 1e-12*max(1, math.Abs(f))
			return res, nil
		}
		copy(theta, trial)
		copy(g, gTrial)
		f = fNew
		res.iters = it + 1
	}
}
