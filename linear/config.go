package linear

import (
	"fmt"
	"math"
	"runtime"
)

// Penalty is the regularisation term of the objective. The zero value is L2.
type Penalty int

// The penalties. With W the coefficients (never the intercepts) and r the
// L1Ratio, the objective is C * sum_i weight_i * logloss_i plus
//
//	L2:         0.5 * ||W||^2
//	L1:         ||W||_1
//	ElasticNet: (1-r)/2 * ||W||^2 + r * ||W||_1
//	NoPenalty:  nothing (C is then ignored and taken as 1)
const (
	L2 Penalty = iota
	L1
	ElasticNet
	NoPenalty
)

var penaltyNames = [...]string{"l2", "l1", "elasticnet", "none"}

// String returns the scikit-learn name of the penalty: "l2", "l1",
// "elasticnet" or "none".
func (p Penalty) String() string {
	if p >= 0 && int(p) < len(penaltyNames) {
		return penaltyNames[p]
	}
	return fmt.Sprintf("Penalty(%d)", int(p))
}

// ParsePenalty returns the penalty named s (as printed by String).
func ParsePenalty(s string) (Penalty, error) {
	for i, n := range penaltyNames {
		if n == s {
			return Penalty(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown penalty %q", ErrConfig, s)
}

// Solver is the optimisation method. The zero value is Auto.
type Solver int

// The solvers.
const (
	// Auto picks a solver from the penalty and the shape of the problem:
	// CoordinateDescent for L1 and ElasticNet; for L2 and NoPenalty,
	// LBFGS when it starts from a subsample (see LBFGS), otherwise
	// Newton when there are at most 31 features and at most 128
	// parameters in all (coefficient rows x (features+1)), and LBFGS
	// beyond. (Measured on 2 cores: Newton's O(n d^2) Hessian beats
	// LBFGS's extra passes over X only for few features and rows; see the
	// package README.)
	Auto Solver = iota
	// LBFGS is limited-memory BFGS (10 pairs, strong Wolfe line search)
	// on the smooth objectives (L2, NoPenalty). One pass over X per
	// evaluation, rows split across Threads. A binary fit with many rows
	// (with p parameters and m = max(8192, 64p): n >= 4m, m*p <= 10n,
	// p <= 512, and each class at least 4p rows in the subsample) first
	// fits a strided subsample (every n/m-th row, weights scaled to the
	// full sum; at most min(200, MaxIter) iterations), then runs on all
	// rows from there with the subsample's Hessian as its initial Hessian
	// approximation. The stopping rule on the full objective is the same,
	// so the answer is too, after about 10 passes over X instead of 25 or
	// more.
	// Summary.Iterations and Evaluations count the full-data phase only.
	LBFGS
	// Newton is Newton's method with a Cholesky factorisation of the full
	// Hessian and a backtracking line search (L2, NoPenalty). Each
	// iteration costs O(n p^2) for p parameters: the fastest choice when
	// there are few features. It holds up to 9 p x p Hessians, so it takes
	// at most 4096 parameters (coefficient rows x (features+1); 1.2 GiB);
	// beyond, Fit returns an error wrapping ErrConfig (so does
	// Config.Inference, which needs the Hessian too).
	Newton
	// CoordinateDescent is a proximal Newton method whose inner problem is
	// solved by cyclic coordinate descent, as glmnet and LIBLINEAR's
	// newGLMNET do (all penalties; multinomial models update one class at
	// a time). It is the solver for L1 and ElasticNet.
	CoordinateDescent
)

var solverNames = [...]string{"auto", "lbfgs", "newton", "cd"}

// String returns the solver's short name: "auto", "lbfgs", "newton", "cd".
func (s Solver) String() string {
	if s >= 0 && int(s) < len(solverNames) {
		return solverNames[s]
	}
	return fmt.Sprintf("Solver(%d)", int(s))
}

// ParseSolver returns the solver named s (as printed by String).
func ParseSolver(s string) (Solver, error) {
	for i, n := range solverNames {
		if n == s {
			return Solver(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown solver %q", ErrConfig, s)
}

// Config says what to fit and how. Pass it by value; the zero value is
// scikit-learn's LogisticRegression() default: L2 penalty with C = 1,
// intercept fitted, tol 1e-4, 100 iterations, the solver picked by Auto.
type Config struct {
	// C is the inverse regularisation strength, as in scikit-learn. 0
	// means 1; it must otherwise be positive and finite.
	C float64
	// Penalty is the regularisation term; the zero value is L2.
	Penalty Penalty
	// L1Ratio is r in the ElasticNet penalty, in [0, 1]. It is ignored for
	// the other penalties.
	L1Ratio float64
	// Solver is the optimisation method; the zero value is Auto.
	Solver Solver
	// Tol is the optimality tolerance: a fit has converged when the
	// largest absolute entry of the (minimum-norm sub)gradient of
	// objective/C is at most Tol. That is scikit-learn's lbfgs scaling
	// (sum of weighted losses plus penalty/C, not a mean). Every solver
	// runs until then, or until MaxIter, or until it stalls (no step lowers
	// the objective in float64, which badly scaled features cause); the
	// last two are not converged (Summary.Converged false, and
	// Model.Warning says why). Unlike scipy's L-BFGS-B, which
	// scikit-learn 1.2 uses, LBFGS does not also stop when an iteration
	// lowers the objective by little: that rule stopped fits far from the
	// optimum and called them converged. 0 means 1e-4.
	Tol float64
	// MaxIter bounds the iterations (outer iterations for
	// CoordinateDescent). 0 means 100.
	MaxIter int
	// NoIntercept fits no intercept (the intercepts stay 0).
	NoIntercept bool
	// Standardize fits a Scaler (mean and standard deviation of each
	// column) on X, fits the model on the scaled features, and keeps the
	// scaler in the model so that prediction takes raw features.
	Standardize bool
	// SampleWeight holds one non-negative weight per row of X; nil means
	// all 1.
	SampleWeight []float64
	// ClassWeight holds one non-negative weight per class, multiplied into
	// the weight of each row of that class; nil means all 1.
	ClassWeight []float64
	// Balanced sets the class weights as scikit-learn's
	// class_weight="balanced" does: n / (k * count of the class), counting
	// rows (not sample weights). It cannot be combined with ClassWeight.
	Balanced bool
	// WarmStart, if not nil, is a model of the same classes and features
	// whose decision function is the starting point of the fit.
	WarmStart *Model
	// Classes names the classes (len = number of classes); nil means
	// "0", "1", ... The names travel with the model.
	Classes []string
	// Features names the columns of X; nil means "x0", "x1", ...
	Features []string
	// Inputs, when set, says that X holds raw inputs, one per column:
	// numbers with missing values (NaN) and coded categories (see
	// Input). Fit then fits their preprocessing on X's rows (imputation,
	// standardisation, one-hot encoding, as each Input says), fits the
	// model on the features they become, and keeps the preprocessing in
	// the model, so that it predicts from raw inputs. Features and
	// Standardize must then be unset.
	Inputs []Input
	// Inference computes standard errors, z-scores, p-values and 95%
	// confidence intervals of the coefficients (see [Model.Inference]).
	// It needs Penalty NoPenalty and a binary problem.
	Inference bool
	// Threads bounds the goroutines a fit or a batch prediction uses. 0
	// means runtime.GOMAXPROCS(0). Results do not depend on it.
	Threads int
}

const (
	defaultTol     = 1e-4
	defaultMaxIter = 100
)

// resolved returns cfg with defaults filled in.
func (cfg Config) resolved() Config {
	if cfg.C == 0 {
		cfg.C = 1
	}
	if cfg.Tol == 0 {
		cfg.Tol = defaultTol
	}
	if cfg.MaxIter == 0 {
		cfg.MaxIter = defaultMaxIter
	}
	if cfg.Threads <= 0 {
		cfg.Threads = runtime.GOMAXPROCS(0)
	}
	if cfg.Penalty == NoPenalty {
		cfg.C = 1
	}
	return cfg
}

// validate rejects a resolved Config whose fields are out of range. It does
// not look at the data.
func (cfg Config) validate() error {
	switch {
	case math.IsNaN(cfg.C) || math.IsInf(cfg.C, 0) || cfg.C <= 0:
		return fmt.Errorf("%w: C = %v, want a positive finite number", ErrConfig, cfg.C)
	case cfg.Penalty < L2 || cfg.Penalty > NoPenalty:
		return fmt.Errorf("%w: unknown penalty %v", ErrConfig, cfg.Penalty)
	case cfg.Solver < Auto || cfg.Solver > CoordinateDescent:
		return fmt.Errorf("%w: unknown solver %v", ErrConfig, cfg.Solver)
	case cfg.Penalty == ElasticNet && !(cfg.L1Ratio >= 0 && cfg.L1Ratio <= 1):
		return fmt.Errorf("%w: L1Ratio = %v, want a number in [0, 1]", ErrConfig, cfg.L1Ratio)
	case !(cfg.Tol >= 0) || math.IsInf(cfg.Tol, 0):
		return fmt.Errorf("%w: Tol = %v, want a finite number >= 0", ErrConfig, cfg.Tol)
	case cfg.MaxIter < 0:
		return fmt.Errorf("%w: MaxIter = %d, want >= 0", ErrConfig, cfg.MaxIter)
	case cfg.Balanced && cfg.ClassWeight != nil:
		return fmt.Errorf("%w: Balanced and ClassWeight both set", ErrConfig)
	case cfg.Inference && cfg.Penalty != NoPenalty:
		return fmt.Errorf("%w: Inference needs Penalty NoPenalty, have %v", ErrConfig, cfg.Penalty)
	}
	if (cfg.Penalty == L1 || cfg.Penalty == ElasticNet) && (cfg.Solver == LBFGS || cfg.Solver == Newton) {
		return fmt.Errorf("%w: %v cannot minimise the %v penalty; use CoordinateDescent or Auto", ErrSolverPenalty, cfg.Solver, cfg.Penalty)
	}
	return nil
}

// penaltyTerms returns the coefficients of 0.5*||W||^2 and ||W||_1 in
// objective/C.
func (cfg Config) penaltyTerms() (l2, l1 float64) {
	switch cfg.Penalty {
	case L2:
		return 1 / cfg.C, 0
	case L1:
		return 0, 1 / cfg.C
	case ElasticNet:
		return (1 - cfg.L1Ratio) / cfg.C, cfg.L1Ratio / cfg.C
	}
	return 0, 0
}

// chooseSolver resolves Auto for problem p; see the Auto constant for the
// rule.
func chooseSolver(cfg Config, p *problem) Solver {
	if cfg.Solver != Auto {
		return cfg.Solver
	}
	if cfg.Penalty == L1 || cfg.Penalty == ElasticNet {
		return CoordinateDescent
	}
	if subsampleStep(p) > 0 {
		return LBFGS
	}
	if d, nc := p.d, p.nc; d+1 <= 32 && nc*(d+1) <= 128 {
		return Newton
	}
	return LBFGS
}
