package linear

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

const (
	cdMaxInner = 100  // inner sweeps per block update
	cdSigma    = 0.01 // Armijo constant of the line search
	cdNu       = 1e-12
)

// cdState is the working set of coordinate descent: X by columns and the
// scores of every row and class row.
type cdState struct {
	p     *problem
	xc    []float64 // column j is xc[j*n : (j+1)*n]
	dxc   []float64 // the Hessian weights times X, by columns (as xc)
	z     []float64 // scores, class row c at z[c*n : (c+1)*n]
	r, dw []float64 // residuals and Hessian weights of the block being updated
	dq, q []float64 // D*(X delta) during the sweeps, then X delta
	g, h  []float64 // block gradient (d+1) and Hessian diagonal (d)
	delta []float64 // block step (d+1)
	zt    []float64 // nc scratch
}

func newCDState(p *problem, theta []float64) *cdState {
	n, d, nc := p.n, p.d, p.nc
	s := &cdState{
		p: p, xc: make([]float64, n*d), dxc: make([]float64, n*d), z: make([]float64, n*nc),
		r: make([]float64, n), dw: make([]float64, n), dq: make([]float64, n), q: make([]float64, n),
		g: make([]float64, d+1), h: make([]float64, d), delta: make([]float64, d+1), zt: make([]float64, nc),
	}
	for i := range n {
		for j, v := range p.row(i) {
			s.xc[j*n+i] = v
		}
	}
	for c := range nc {
		zc := s.z[c*n : (c+1)*n]
		b := theta[c*(d+1)+d]
		for i := range zc {
			zc[i] = b
		}
		for j := range d {
			if w := theta[c*(d+1)+j]; w != 0 {
				floats.AddScaled(zc, w, s.col(j))
			}
		}
	}
	return s
}

func (s *cdState) col(j int) []float64 { return s.xc[j*s.p.n : (j+1)*s.p.n] }

// prob returns the probability of class row c for row i (class 1 for a
// binary model) and whether row i belongs to it.
func (s *cdState) prob(c, i int) (float64, bool) {
	p := s.p
	if p.nc == 1 {
		_, pr := binaryLoss(s.z[i], 0)
		return pr, p.y[i] == 1
	}
	for e := range p.nc {
		s.zt[e] = s.z[e*p.n+i]
	}
	softmax(s.zt)
	return s.zt[c], p.y[i] == c
}

// lossAlong returns the data term of G with class row c's scores moved by
// t*q.
func (s *cdState) lossAlong(c int, t float64) float64 {
	p := s.p
	n := p.n
	f := 0.0
	for i := range n {
		if p.nc == 1 {
			l, _ := binaryLoss(s.z[i]+t*s.q[i], p.y[i])
			f += p.sw[i] * l
			continue
		}
		for e := range p.nc {
			s.zt[e] = s.z[e*n+i]
		}
		s.zt[c] += t * s.q[i]
		zy := s.zt[p.y[i]]
		f += p.sw[i] * (softmax(s.zt) - zy)
	}
	return f
}

// blockPenalty returns l2/2*||w + t*delta||^2 + l1*||w + t*delta||_1 of
// class row c.
func (s *cdState) blockPenalty(theta []float64, c int, t float64) float64 {
	p := s.p
	d := p.d
	pen := 0.0
	for j := range d {
		v := theta[c*(d+1)+j] + t*s.delta[j]
		pen += 0.5*p.l2*v*v + p.l1*math.Abs(v)
	}
	return pen
}

// coordinateDescent minimises G + l1*||W||_1 from theta (updated in place)
// by proximal Newton steps, one class row at a time, each found by cyclic
// coordinate descent on the quadratic model and checked by an Armijo line
// search.
func coordinateDescent(ctx context.Context, p *problem, theta []float64, tol float64, maxIter int) (solveResult, error) {
	n, d := p.n, p.d
	st := newCDState(p, theta)
	p.evals++
	p.rowsRead += int64(n)
	var res solveResult
	prevViol := math.Inf(1)
	for it := 0; ; it++ {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("linear: fit canceled: %w", err)
		}
		roundViol := 0.0
		moved, floor := false, true
		for c := range p.nc {
			w := theta[c*(d+1) : c*(d+1)+d]
			// Gradient and Hessian diagonal of class row c.
			gb := 0.0
			for i := range n {
				pr, in := st.prob(c, i)
				yv := 0.0
				if in {
					yv = 1
				}
				st.r[i] = p.sw[i] * (pr - yv)
				st.dw[i] = p.sw[i] * pr * (1 - pr)
				gb += st.r[i]
			}
			for j := range d {
				col := st.col(j)
				st.g[j] = floats.Dot(col, st.r) + p.l2*w[j]
				dcol := st.dxc[j*n : (j+1)*n]
				floats.MulTo(dcol, st.dw, col)
				st.h[j] = floats.Dot(dcol, col) + p.l2 + cdNu
				if !finite(st.h[j]) {
					return res, errOverflow("Hessian")
				}
			}
			st.g[d] = 0
			if p.fitB {
				st.g[d] = gb
			}
			viol := blockViolation(w, st.g, p.l1)
			roundViol = max(roundViol, viol)
			if viol <= tol || it == maxIter {
				continue
			}
			// Inner coordinate descent on the quadratic model.
			clear(st.delta)
			clear(st.dq)
			margin := min(prevViol, p.l1)
			innerTol := max(0.1*viol, 0.1*tol)
			hb := floats.Sum(st.dw) + cdNu
			for sweep := 0; sweep < cdMaxInner; sweep++ {
				if err := ctx.Err(); err != nil {
					return res, fmt.Errorf("linear: fit canceled: %w", err)
				}
				change := 0.0
				for j := range d {
					u := w[j] + st.delta[j]
					if u == 0 && math.Abs(st.g[j]) < p.l1-margin {
						continue // shrunk: far inside the dead zone
					}
					col := st.col(j)
					gj := st.g[j] + floats.Dot(col, st.dq) + p.l2*st.delta[j]
					hj := st.h[j]
					var step float64
					switch {
					case gj+p.l1 <= hj*u:
						step = -(gj + p.l1) / hj
					case gj-p.l1 >= hj*u:
						step = -(gj - p.l1) / hj
					default:
						step = -u
					}
					if step == 0 {
						continue
					}
					st.delta[j] += step
					floats.AddScaled(st.dq, step, st.dxc[j*n:(j+1)*n])
					change = max(change, math.Abs(step)*hj)
				}
				if p.fitB {
					step := -(st.g[d] + floats.Sum(st.dq)) / hb
					st.delta[d] += step
					floats.AddScaled(st.dq, step, st.dw)
					change = max(change, math.Abs(step)*hb)
				}
				if change <= innerTol {
					break
				}
			}
			// q = X~ delta.
			for i := range st.q {
				st.q[i] = st.delta[d]
			}
			for j := range d {
				if st.delta[j] != 0 {
					floats.AddScaled(st.q, st.delta[j], st.col(j))
				}
			}
			// Armijo line search on the full objective along delta.
			pen0 := st.blockPenalty(theta, c, 0)
			f0 := st.lossAlong(c, 0) + pen0
			dec := floats.Dot(st.g[:d], st.delta[:d]) + st.g[d]*st.delta[d]
			l1New := 0.0
			for j := range d {
				l1New += math.Abs(w[j] + st.delta[j])
			}
			l1Old := 0.0
			for j := range d {
				l1Old += math.Abs(w[j])
			}
			dec += p.l1 * (l1New - l1Old)
			p.evals++
			p.rowsRead += int64(n)
			if !(dec < 0) {
				continue
			}
			t := 1.0
			ok := false
			for range 30 {
				if st.lossAlong(c, t)+st.blockPenalty(theta, c, t)-f0 <= cdSigma*t*dec {
					ok = true
					break
				}
				t *= 0.5
			}
			if !ok {
				continue
			}
			floor = false
			moved = true
			floats.AddScaled(theta[c*(d+1):(c+1)*(d+1)], t, st.delta)
			floats.AddScaled(st.z[c*n:(c+1)*n], t, st.q)
		}
		res.viol = roundViol
		res.iters = it
		if roundViol <= tol {
			res.converged = true
			return res, nil
		}
		if it == maxIter {
			return res, nil
		}
		if !moved {
			// Every block's line search failed: no representable step
			// lowers the objective. That is the float64 floor.
			res.converged = floor
			return res, nil
		}
		prevViol = roundViol
	}
}

// blockViolation is problem.violation for one class row.
func blockViolation(w, g []float64, l1 float64) float64 {
	d := len(w)
	v := math.Abs(g[d])
	for j := range d {
		switch gj := g[j]; {
		case l1 == 0:
			v = max(v, math.Abs(gj))
		case w[j] > 0:
			v = max(v, math.Abs(gj+l1))
		case w[j] < 0:
			v = max(v, math.Abs(gj-l1))
		default:
			v = max(v, math.Abs(gj)-l1)
		}
	}
	return v
}
