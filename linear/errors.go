package linear

import (
	"errors"
	"fmt"
)

// These errors describe input that Fit, the metrics and the other entry
// points refuse. They come back wrapped with details; check them with
// errors.Is.
var (
	// ErrShape reports matrices, labels or weights whose sizes disagree,
	// or an empty matrix.
	ErrShape = errors.New("linear: shape mismatch")
	// ErrNonFinite reports a NaN or infinite value in X, a weight or a
	// probability, or a fit whose objective, gradient, Hessian or
	// coefficients overflowed float64 (features too large to fit
	// unscaled).
	ErrNonFinite = errors.New("linear: NaN or infinite value")
	// ErrLabels reports labels that are not 0..k-1 with every class
	// present, or fewer than two classes.
	ErrLabels = errors.New("linear: bad labels")
	// ErrWeights reports a negative sample or class weight, or weights that
	// sum to zero.
	ErrWeights = errors.New("linear: bad weights")
	// ErrConfig reports a Config field outside its domain (C <= 0, L1Ratio
	// outside [0, 1], Tol < 0, MaxIter < 0, names of the wrong length, ...).
	ErrConfig = errors.New("linear: bad config")
	// ErrSolverPenalty reports a penalty the chosen solver cannot minimise
	// (L1 or elastic net with LBFGS or Newton).
	ErrSolverPenalty = errors.New("linear: penalty not supported by solver")
	// ErrWarmStart reports a warm-start model whose classes or features do
	// not match the data.
	ErrWarmStart = errors.New("linear: warm start does not match")
	// ErrSingular reports a Hessian that cannot be inverted where
	// Inference needs it (separable or collinear data).
	ErrSingular = errors.New("linear: singular Hessian")
	// ErrNoModel reports a nil or empty *Model.
	ErrNoModel = errors.New("linear: no model")
	// ErrInput reports a raw input value that a model with Inputs cannot
	// take: a code that indexes none of the input's levels, a category
	// the input refuses (UnknownError), or an input without any value in
	// the training rows.
	ErrInput = errors.New("linear: bad input value")
)

// These errors describe model bytes that Unmarshal cannot read.
var (
	// ErrFormat reports bytes that are not a valid model of this format:
	// bad JSON, a wrong format name, missing or inconsistent fields.
	ErrFormat = errors.New("linear: malformed model")
	// ErrVersion reports a model written by a newer version of the format.
	ErrVersion = errors.New("linear: unsupported model format version")
)

// ConvergenceWarning says that a fit ended with its optimality violation
// above Tol: it stopped at MaxIter, or stalled before (no step lowered the
// objective in float64, as happens on badly scaled features). Fit does not
// return it as an error: the model is usable, and [Model.Warning] returns
// this value so the caller can log it or treat it as an error with
// errors.As. It is scikit-learn's ConvergenceWarning.
type ConvergenceWarning struct {
	Solver Solver
	// Iterations is the number of iterations run and MaxIter their bound;
	// Iterations < MaxIter means the solver stalled.
	Iterations, MaxIter int
	// Violation is the final optimality violation (largest absolute entry
	// of the minimum-norm subgradient of the objective divided by C) and
	// Tol the bound it had to reach.
	Violation, Tol float64
}

func (w *ConvergenceWarning) Error() string {
	if w.Iterations < w.MaxIter {
		return fmt.Sprintf("linear: %v stalled after %d iterations (optimality violation %.3g > tol %.3g): no step lowers the objective in float64; standardise the features",
			w.Solver, w.Iterations, w.Violation, w.Tol)
	}
	return fmt.Sprintf("linear: %v did not converge in %d iterations (optimality violation %.3g > tol %.3g); raise MaxIter or standardise the features",
		w.Solver, w.Iterations, w.Violation, w.Tol)
}
