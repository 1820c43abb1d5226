package linear

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// solveResult is what a solver reports.
type solveResult struct {
	iters     int
	viol      float64 // optimality violation at the end
	converged bool
	f         float64 // the smooth objective G at the end, if haveF
	haveF     bool
}

const (
	lbfgsMemory = 10 // correction pairs kept, as scipy's maxcor
	wolfeC1     = 1e-4
	wolfeC2     = 0.9
	maxLineEval = 25
	// flatF is the relative change of the objective that float64 cannot
	// resolve in a sum over many rows: below it, the line search judges
	// a step by its directional derivative (Hager and Zhang's approximate
	// Wolfe conditions) instead of by the objective's decrease.
	flatF = 64 * eps
)

// lbfgs minimises p's smooth objective from theta (updated in place). Large
// binary problems start from a fit on a subsample, whose Hessian becomes
// the initial Hessian approximation (see subsampleStart).
func lbfgs(ctx context.Context, p *problem, theta []float64, tol float64, maxIter int) (solveResult, error) {
	pc, err := subsampleStart(ctx, p, theta, tol, maxIter)
	if err != nil {
		return solveResult{}, err
	}
	// No relative-decrease rule: the fit runs until the violation is at
	// most tol, no step along the gradient lowers the objective, or
	// maxIter (scipy's factr=1e7 rule stopped some fits far from the
	// optimum, and said they had converged).
	return lbfgsRun(ctx, p, theta, tol, maxIter, 0, pc)
}

// lbfgsRun is L-BFGS from theta with initial Hessian approximation pc's
// B0 (nil: the usual scaled identity), stopping when the violation is at
// most tol (converged), when no step lowers the objective, or, if ftol >
// 0, when an iteration lowers the objective by at most ftol relative (the
// subsample's warm start). Only the first counts as converged.
func lbfgsRun(ctx context.Context, p *problem, theta []float64, tol float64, maxIter int, ftol float64, pc *precond) (solveResult, error) {
	np := len(theta)
	var res solveResult
	g := make([]float64, np)
	f := p.eval(theta, g)
	res.viol = p.violation(theta, g)
	if res.viol <= tol {
		res.converged = true
		res.f, res.haveF = f, true
		return res, nil
	}
	S := make([][]float64, lbfgsMemory)
	Y := make([][]float64, lbfgsMemory)
	for i := range S {
		S[i] = make([]float64, np)
		Y[i] = make([]float64, np)
	}
	rho := make([]float64, lbfgsMemory)
	alpha := make([]float64, lbfgsMemory)
	head, count := 0, 0 // S[(head-1) mod m] is the newest pair
	fRef, violRef, stalled := f, res.viol, 0
	dir := make([]float64, np)
	ls := newLineSearch(p, np)

	for it := 1; it <= maxIter; it++ {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("linear: fit canceled: %w", err)
		}
		// Two-loop recursion: dir = -H g.
		copy(dir, g)
		for i := range count {
			j := (head - 1 - i + 2*lbfgsMemory) % lbfgsMemory
			alpha[j] = rho[j] * floats.Dot(S[j], dir)
			floats.AddScaled(dir, -alpha[j], Y[j])
		}
		if pc != nil {
			pc.solve(dir)
		} else if count > 0 {
			j := (head - 1 + lbfgsMemory) % lbfgsMemory
			floats.Scale(1/(rho[j]*floats.Dot(Y[j], Y[j])), dir)
		}
		for i := count - 1; i >= 0; i-- {
			j := (head - 1 - i + 2*lbfgsMemory) % lbfgsMemory
			beta := rho[j] * floats.Dot(Y[j], dir)
			floats.AddScaled(dir, alpha[j]-beta, S[j])
		}
		floats.Scale(-1, dir)
		gd := floats.Dot(g, dir)
		steepest := pc == nil
		if !(gd < 0) {
			count = 0
			copy(dir, g)
			floats.Scale(-1, dir)
			gd = -floats.Dot(g, g)
			steepest = true
		}
		step := 1.0
		if count == 0 && steepest {
			step = 1 / floats.Norm(dir, 2)
		}
		fNew, ok := ls.search(theta, dir, f, gd, step)
		if !ok {
			if count > 0 {
				count = 0 // drop the curvature pairs and retry along -g
				continue
			}
			if pc != nil {
				pc = nil // drop the preconditioner too
				continue
			}
			break // no decrease along the gradient: we are at the float floor
		}
		// Store the pair s = x_new - x, y = g_new - g.
		s, yv := S[head], Y[head]
		floats.SubTo(s, ls.x, theta)
		floats.SubTo(yv, ls.g, g)
		if sy := floats.Dot(s, yv); sy > eps*floats.Dot(yv, yv) {
			rho[head] = 1 / sy
			head = (head + 1) % lbfgsMemory
			count = min(count+1, lbfgsMemory)
		}
		fOld := f
		copy(theta, ls.x)
		copy(g, ls.g)
		f = fNew
		res.iters = it
		res.viol = p.violation(theta, g)
		if res.viol <= tol {
			res.converged = true
			break
		}
		if ftol > 0 && fOld-f <= ftol*max(math.Abs(fOld), math.Abs(f), 1) {
			break
		}
		// Steps accepted on their derivative alone can go on without
		// progress on a badly scaled problem: stop, not converged, after
		// lbfgsMemory of them in a row that neither lower the objective
		// by more than float64 resolves nor halve the violation.
		if fRef-f > flatF*max(math.Abs(fRef), 1) || res.viol <= violRef/2 {
			fRef, violRef, stalled = f, res.viol, 0
		} else if stalled++; stalled >= lbfgsMemory {
			break
		}
	}
	res.f, res.haveF = f, true
	return res, nil
}

// lineSearch finds a step along dir meeting the strong Wolfe conditions
// (Nocedal and Wright, algorithms 3.5 and 3.6, cubic interpolation). The
// accepted point and its gradient are left in x and g.
type lineSearch struct {
	p    *problem
	x, g []float64
}

func newLineSearch(p *problem, np int) *lineSearch {
	return &lineSearch{p: p, x: make([]float64, np), g: make([]float64, np)}
}

// phi evaluates the objective at theta + a*dir, leaving the point in ls.x
// and the gradient in ls.g, and returns f and the directional derivative.
func (ls *lineSearch) phi(theta, dir []float64, a float64) (float64, float64) {
	floats.AddScaledTo(ls.x, theta, a, dir)
	f := ls.p.eval(ls.x, ls.g)
	return f, floats.Dot(ls.g, dir)
}

func (ls *lineSearch) search(theta, dir []float64, f0, d0, a float64) (float64, bool) {
	aPrev, fPrev, dPrev := 0.0, f0, d0
	for i := range maxLineEval {
		f, df := ls.phi(theta, dir, a)
		if !finite(f) {
			a = 0.5 * (aPrev + a) // overflow far out: come back
			continue
		}
		if ls.approxWolfe(f0, d0, f, df) {
			return f, true
		}
		if f > f0+wolfeC1*a*d0 || (i > 0 && f >= fPrev) {
			return ls.zoom(theta, dir, f0, d0, aPrev, fPrev, dPrev, a, f, df)
		}
		if math.Abs(df) <= -wolfeC2*d0 {
			return f, true
		}
		if df >= 0 {
			return ls.zoom(theta, dir, f0, d0, a, f, df, aPrev, fPrev, dPrev)
		}
		aPrev, fPrev, dPrev = a, f, df
		a *= 4
	}
	return 0, false
}

func (ls *lineSearch) zoom(theta, dir []float64, f0, d0, lo, flo, dlo, hi, fhi, dhi float64) (float64, bool) {
	for range maxLineEval {
		a := cubicMin(lo, flo, dlo, hi, fhi, dhi)
		f, df := ls.phi(theta, dir, a)
		if finite(f) && ls.approxWolfe(f0, d0, f, df) {
			return f, true
		}
		if f > f0+wolfeC1*a*d0 || f >= flo {
			hi, fhi, dhi = a, f, df
		} else {
			if math.Abs(df) <= -wolfeC2*d0 {
				return f, true
			}
			if df*(hi-lo) >= 0 {
				hi, fhi, dhi = lo, flo, dlo
			}
			lo, flo, dlo = a, f, df
		}
		if math.Abs(hi-lo) <= 1e-16*math.Max(math.Abs(lo), math.Abs(hi)) {
			break
		}
	}
	// The interval collapsed: accept lo if it lowered the objective.
	if lo > 0 && flo < f0 {
		f, _ := ls.phi(theta, dir, lo)
		return f, true
	}
	return 0, false
}

// approxWolfe reports whether a step whose objective f is within what
// float64 resolves of f0 meets the approximate Wolfe conditions of Hager
// and Zhang (2005): the directional derivative df has risen from d0 < 0 to
// within the strong Wolfe bound, which on the quadratic model implies the
// sufficient decrease that f is too coarse to show.
func (ls *lineSearch) approxWolfe(f0, d0, f, df float64) bool {
	return f <= f0+flatF*math.Abs(f0) && math.Abs(df) <= -wolfeC2*d0
}

// cubicMin returns the minimiser of the cubic through (a, fa, da) and
// (b, fb, db), kept inside the interval's middle 80% (bisection when the
// cubic is useless).
func cubicMin(a, fa, da, b, fb, db float64) float64 {
	lo, hi := min(a, b), max(a, b)
	d1 := da + db - 3*(fa-fb)/(a-b)
	disc := d1*d1 - da*db
	t := 0.5 * (lo + hi)
	if disc >= 0 {
		d2 := math.Copysign(math.Sqrt(disc), b-a)
		if c := b - (b-a)*(db+d2-d1)/(db-da+2*d2); finite(c) {
			t = c
		}
	}
	w := hi - lo
	return min(max(t, lo+0.1*w), hi-0.1*w)
}
