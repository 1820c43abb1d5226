package linear

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"
)

// Fit fits a logistic regression of labels y (0..k-1, every class present,
// k >= 2) on the rows of X, minimising
//
//	penalty(W) + C * sum_i weight_i * logloss_i
//
// (scikit-learn's objective; see Penalty). A binary problem gets a sigmoid
// model, more classes a softmax (multinomial) model.
//
// Bad input is an error, never a panic: ErrShape (sizes disagree, empty X),
// ErrNonFinite (NaN or Inf in X or weights), ErrLabels, ErrWeights,
// ErrConfig, ErrSolverPenalty, ErrWarmStart. A fit whose optimality
// violation is still above Tol when it stops (at MaxIter, or stalled on
// badly scaled features) is not an error: the model's Summary says
// Converged false and Model.Warning returns a *ConvergenceWarning. A fit
// whose objective, gradient, Hessian or coefficients overflow float64 is an
// error wrapping ErrNonFinite. Cancelling ctx stops the fit within one
// iteration and returns an error wrapping ctx.Err().
//
// Fit does not modify X, y or cfg's slices. X is read in place when it is a
// *mat.Dense and Standardize is off; otherwise it is copied once.
func Fit(ctx context.Context, X mat.Matrix, y []int, cfg Config) (*Model, error) {
	if cfg.Inputs != nil {
		return fitInputs(ctx, X, y, cfg)
	}
	cfg = cfg.resolved()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := checkX(X); err != nil {
		return nil, err
	}
	n, d := X.Dims()
	k, err := checkLabels(y, n, cfg.Classes)
	if err != nil {
		return nil, err
	}
	sw, err := rowWeights(y, k, cfg)
	if err != nil {
		return nil, err
	}
	classes, features, err := names(cfg, k, d)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("linear: fit canceled: %w", err)
	}

	var scaler *Scaler
	var data []float64
	var stride int
	switch rm, ok := X.(mat.RawMatrixer); {
	case cfg.Standardize:
		if scaler, err = FitScaler(X); err != nil {
			return nil, err
		}
		xs, err := scaler.Transform(X)
		if err != nil {
			return nil, err
		}
		data, stride = xs.RawMatrix().Data, d
	case ok:
		raw := rm.RawMatrix()
		data, stride = raw.Data, raw.Stride
	default:
		data, stride = mat.DenseCopyOf(X).RawMatrix().Data, d
	}

	l2, l1 := cfg.penaltyTerms()
	p := newProblem(data, stride, n, d, y, sw, k, !cfg.NoIntercept, l2, l1, cfg.Threads)
	theta := make([]float64, p.nparams())
	if cfg.WarmStart != nil {
		if err := warmTheta(theta, cfg.WarmStart, scaler, k, d, !cfg.NoIntercept); err != nil {
			return nil, err
		}
	}
	if cfg.Inference && k != 2 {
		return nil, fmt.Errorf("%w: Inference is for binary models, have %d classes", ErrConfig, k)
	}
	solver := chooseSolver(cfg, p)
	if (solver == Newton || cfg.Inference) && p.nparams() > maxHessianParams {
		return nil, fmt.Errorf("%w: Newton and Inference need the %dx%d Hessian of %d classes x %d features; the limit is %d parameters, use LBFGS", ErrConfig, p.nparams(), p.nparams(), p.nc, d, maxHessianParams)
	}
	var res solveResult
	switch solver {
	case LBFGS:
		res, err = lbfgs(ctx, p, theta, cfg.Tol, cfg.MaxIter)
	case Newton:
		res, err = newton(ctx, p, theta, cfg.Tol, cfg.MaxIter)
	case CoordinateDescent:
		res, err = coordinateDescent(ctx, p, theta, cfg.Tol, cfg.MaxIter)
	}
	if err != nil {
		return nil, err
	}
	if res.haveF && !finite(res.f) || !finite(res.viol) || !allFinite(theta) {
		return nil, errOverflow("objective or its gradient")
	}
	center(p, theta)

	coef := make([]float64, p.nc*d)
	intercept := make([]float64, p.nc)
	for c := range p.nc {
		copy(coef[c*d:(c+1)*d], theta[c*(d+1):c*(d+1)+d])
		intercept[c] = theta[c*(d+1)+d]
	}
	m := newModel(classes, features, coef, intercept, scaler)
	if !allFinite(m.rawW) || !allFinite(m.rawB) {
		return nil, errOverflow("coefficients on raw features")
	}
	wsum := 0.0
	for _, w := range sw {
		wsum += w
	}
	m.summary = Summary{
		Solver: solver, Penalty: cfg.Penalty, C: cfg.C, Tol: cfg.Tol, MaxIter: cfg.MaxIter,
		Intercept: !cfg.NoIntercept, Standardized: scaler != nil, Rows: n, WeightSum: wsum,
		Iterations: res.iters, Evaluations: p.evals, Violation: res.viol, Converged: res.converged && res.viol <= cfg.Tol,
	}
	if cfg.Penalty == ElasticNet {
		m.summary.L1Ratio = cfg.L1Ratio
	}
	m.rowsRead = p.rowsRead
	f := res.f
	if !res.haveF {
		f = p.eval(theta, nil)
		m.summary.Evaluations = p.evals - 1 // the objective evaluation is bookkeeping
	}
	m.summary.Objective = cfg.C * (f + l1*p.l1norm(theta))
	if !finite(m.summary.Objective) {
		return nil, errOverflow("objective")
	}
	if cfg.Inference {
		if m.inference, err = inference(p, theta, m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// maxHessianParams bounds the parameters of a fit that forms the Hessian
// (Newton, Inference): up to 9 copies of 8 p^2 bytes.
const maxHessianParams = 4096

// errOverflow reports a fit whose arithmetic left float64: the features (or
// C) are too large for the objective, its gradient or Hessian to be
// computed.
func errOverflow(what string) error {
	return fmt.Errorf("%w: the %s overflowed float64; standardise the features (Config.Standardize) or lower C", ErrNonFinite, what)
}

// MaxClasses is the most classes linear works with. A label is a class
// index: Fit, CrossValidate and PathCV take labels 0..k-1 with every class
// present (so k is also at most the number of rows), and the metrics take
// labels below MaxClasses. Any other label is an error wrapping ErrLabels,
// found before anything is allocated for it: a stray large label never
// costs memory in proportion to its value.
const MaxClasses = 1 << 16

// checkLabels returns the number of classes: max(y)+1, or len(classes) when
// given. Every class must have a row, so no label reaches n (or
// MaxClasses); that is checked before the counts are allocated.
func checkLabels(y []int, n int, classes []string) (int, error) {
	if len(y) != n {
		return 0, fmt.Errorf("%w: X has %d rows, y has %d labels", ErrShape, n, len(y))
	}
	limit := min(n, MaxClasses)
	if classes != nil {
		if len(classes) > limit {
			return 0, fmt.Errorf("%w: %d class names, but %d rows can hold at most %d classes (MaxClasses is %d)", ErrLabels, len(classes), n, limit, MaxClasses)
		}
		limit = len(classes)
	}
	k := 0
	for i, v := range y {
		switch {
		case v < 0:
			return 0, fmt.Errorf("%w: label %d of row %d is negative", ErrLabels, v, i)
		case v >= limit && classes != nil:
			return 0, fmt.Errorf("%w: label %d of row %d but only %d class names", ErrLabels, v, i, len(classes))
		case v >= limit:
			return 0, fmt.Errorf("%w: label %d of row %d is not a class index: labels are 0..k-1 with a row for every class, so below %d here (MaxClasses is %d)", ErrLabels, v, i, limit, MaxClasses)
		}
		k = max(k, v+1)
	}
	if classes != nil {
		k = len(classes)
	}
	if k < 2 {
		return 0, fmt.Errorf("%w: %d class(es), need at least 2", ErrLabels, k)
	}
	counts := make([]int, k)
	for _, v := range y {
		counts[v]++
	}
	for c, cnt := range counts {
		if cnt == 0 {
			return 0, fmt.Errorf("%w: class %d of 0..%d has no rows (labels must be 0..k-1, each present)", ErrLabels, c, k-1)
		}
	}
	return k, nil
}

// rowWeights returns the weight of each row: sample weight times class
// weight.
func rowWeights(y []int, k int, cfg Config) ([]float64, error) {
	n := len(y)
	sw := make([]float64, n)
	if cfg.SampleWeight != nil {
		if len(cfg.SampleWeight) != n {
			return nil, fmt.Errorf("%w: %d sample weights for %d rows", ErrShape, len(cfg.SampleWeight), n)
		}
		for i, w := range cfg.SampleWeight {
			if !finite(w) {
				return nil, fmt.Errorf("%w: sample weight %d is %v", ErrNonFinite, i, w)
			}
			if w < 0 {
				return nil, fmt.Errorf("%w: sample weight %d is %v", ErrWeights, i, w)
			}
			sw[i] = w
		}
	} else {
		for i := range sw {
			sw[i] = 1
		}
	}
	cw := cfg.ClassWeight
	if cfg.Balanced {
		var err error
		if cw, err = BalancedWeights(y, k); err != nil {
			return nil, err
		}
	}
	if cw != nil {
		if len(cw) != k {
			return nil, fmt.Errorf("%w: %d class weights for %d classes", ErrShape, len(cw), k)
		}
		for c, w := range cw {
			if !finite(w) || w < 0 {
				return nil, fmt.Errorf("%w: class weight %d is %v", ErrWeights, c, w)
			}
		}
		for i, v := range y {
			sw[i] *= cw[v]
		}
	}
	sum := 0.0
	for _, w := range sw {
		sum += w
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		return nil, fmt.Errorf("%w: row weights sum to %v", ErrWeights, sum)
	}
	return sw, nil
}

// BalancedWeights returns scikit-learn's "balanced" class weights for labels
// y in 0..k-1: n / (k * count of the class), and 0 for an absent class. It
// returns an error wrapping ErrLabels if k is not in [1, MaxClasses] or a
// label is outside 0..k-1.
func BalancedWeights(y []int, k int) ([]float64, error) {
	if k < 1 || k > MaxClasses {
		return nil, fmt.Errorf("%w: %d classes, want 1..%d", ErrLabels, k, MaxClasses)
	}
	counts := make([]float64, k)
	for i, v := range y {
		if v < 0 || v >= k {
			return nil, fmt.Errorf("%w: label %d of row %d is outside 0..%d", ErrLabels, v, i, k-1)
		}
		counts[v]++
	}
	w := make([]float64, k)
	for c, cnt := range counts {
		if cnt > 0 {
			w[c] = float64(len(y)) / (float64(k) * cnt)
		}
	}
	return w, nil
}

// names returns the class and feature names: cfg's, or defaults.
func names(cfg Config, k, d int) (classes, features []string, err error) {
	classes, features = slices.Clone(cfg.Classes), slices.Clone(cfg.Features)
	if classes == nil {
		for c := range k {
			classes = append(classes, strconv.Itoa(c))
		}
	}
	if features == nil {
		for j := range d {
			features = append(features, "x"+strconv.Itoa(j))
		}
	}
	if len(features) != d {
		return nil, nil, fmt.Errorf("%w: %d feature names for %d columns", ErrConfig, len(features), d)
	}
	if err := distinctNames("class", classes); err != nil {
		return nil, nil, err
	}
	if err := distinctNames("feature", features); err != nil {
		return nil, nil, err
	}
	return classes, features, nil
}

func distinctNames(what string, list []string) error {
	seen := make(map[string]bool, len(list))
	for _, s := range list {
		if s == "" {
			return fmt.Errorf("%w: empty %s name", ErrConfig, what)
		}
		if seen[s] {
			return fmt.Errorf("%w: duplicate %s name %q", ErrConfig, what, s)
		}
		seen[s] = true
	}
	return nil
}

// warmTheta writes into theta the parameters, in the space of scaler (nil:
// raw features), whose decision function equals the warm model's.
func warmTheta(theta []float64, w *Model, scaler *Scaler, k, d int, fitB bool) error {
	if w.k != k || w.d != d {
		return fmt.Errorf("%w: warm-start model has %d classes and %d features, data has %d and %d", ErrWarmStart, w.k, w.d, k, d)
	}
	for c := range w.nc {
		b := w.rawB[c]
		for j := range d {
			v := w.rawW[c*d+j]
			if scaler != nil {
				b += v * scaler.Mean[j]
				v *= scaler.Scale[j]
			}
			theta[c*(d+1)+j] = v
		}
		if fitB {
			theta[c*(d+1)+d] = b
		}
	}
	return nil
}

// center moves a multinomial model to its canonical form without changing
// its objective: intercepts summing to zero, and, without any penalty,
// coefficients summing to zero over the classes in each column.
func center(p *problem, theta []float64) {
	if p.nc == 1 {
		return
	}
	d1 := p.d + 1
	for j := range d1 {
		if j < p.d && (p.l2 != 0 || p.l1 != 0) {
			continue
		}
		if j == p.d && !p.fitB {
			continue
		}
		mean := 0.0
		for c := range p.nc {
			mean += theta[c*d1+j]
		}
		mean /= float64(p.nc)
		for c := range p.nc {
			theta[c*d1+j] -= mean
		}
	}
}
