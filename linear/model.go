package linear

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Model is a fitted logistic regression. It is immutable: every method only
// reads it, so one *Model is safe for concurrent use by any number of
// goroutines (a server can predict with it from every request handler).
//
// A binary model (two classes) has one coefficient row and one intercept,
// for class 1 against class 0 (sigmoid); a model of k > 2 classes has k rows
// and k intercepts (softmax). Coefficients live in the space the model was
// fitted in: the standardised features when the model carries a Scaler.
// Predictions always take raw features.
type Model struct {
	classes   []string
	features  []string
	k, d, nc  int
	coef      []float64 // nc x d, fitted space
	intercept []float64 // nc
	scaler    *Scaler   // nil when not standardised

	// The decision function on raw features: z = rawB + rawW x.
	rawW, rawB []float64

	// For a model fitted with Config.Inputs: the preprocessing, and the
	// scores of a raw row (intercepts and one table per input).
	prep   *prep
	inB    []float64
	inTab  []inputTable
	levels []map[string]int32 // per Categorical input: level -> code

	summary   Summary
	inference *Inference
	rowsRead  int64 // rows of X read by the fit, subsample passes included
}

// Summary describes how a model was trained and how the fit ended.
type Summary struct {
	Solver       Solver  // the solver that ran (Auto resolved)
	Penalty      Penalty // the penalty
	C            float64 // the C used (1 for NoPenalty)
	L1Ratio      float64 // the elastic-net mixing, 0 for other penalties
	Tol          float64 // the tolerance used
	MaxIter      int     // the iteration bound used
	Intercept    bool    // whether intercepts were fitted
	Standardized bool    // whether the model carries a Scaler
	Rows         int     // training rows
	WeightSum    float64 // sum of the row weights (sample x class weights)
	Iterations   int     // iterations run (outer iterations for CoordinateDescent)
	Evaluations  int     // passes over the training matrix
	// Objective is the objective at the solution, the one Fit minimises
	// (see Fit and Penalty): penalty + C * sum_i weight_i * logloss_i.
	Objective float64
	// Violation is the final optimality violation: the largest absolute
	// entry of the minimum-norm subgradient of Objective/C.
	Violation float64
	// Converged says whether the fit met its tolerance: Violation at most
	// Tol. When false, Model.Warning returns a *ConvergenceWarning.
	Converged bool
}

// newModel builds a model from fitted-space coefficients and derives the
// raw-feature decision function.
func newModel(classes, features []string, coef, intercept []float64, scaler *Scaler) *Model {
	k, d := len(classes), len(features)
	nc := len(intercept)
	m := &Model{classes: classes, features: features, k: k, d: d, nc: nc, coef: coef, intercept: intercept, scaler: scaler}
	m.rawW = slices.Clone(coef)
	m.rawB = slices.Clone(intercept)
	if scaler != nil {
		for c := range nc {
			w := m.rawW[c*d : (c+1)*d]
			for j := range d {
				w[j] /= scaler.Scale[j]
				m.rawB[c] -= w[j] * scaler.Mean[j]
			}
		}
	}
	return m
}

// Classes returns the class names, indexed by label. The slice is a copy.
func (m *Model) Classes() []string { return slices.Clone(m.classes) }

// Features returns the names of the columns of X the model takes: the
// inputs' names for a model fitted with Config.Inputs, else the feature
// names (see CoefNames). The slice is a copy.
func (m *Model) Features() []string {
	if m.prep != nil {
		names := make([]string, len(m.prep.inputs))
		for j, in := range m.prep.inputs {
			names[j] = in.Name
		}
		return names
	}
	return slices.Clone(m.features)
}

// NumClasses returns the number of classes k.
func (m *Model) NumClasses() int { return m.k }

// NumFeatures returns the number of columns of X the model takes.
func (m *Model) NumFeatures() int { return m.width() }

// Coef returns a copy of the coefficients: 1 x d for a binary model, k x d
// for more classes, in the fitted (standardised, if a Scaler is carried)
// space. Its columns are named by CoefNames.
func (m *Model) Coef() *mat.Dense {
	return mat.NewDense(m.nc, m.d, slices.Clone(m.coef))
}

// Intercept returns a copy of the intercepts: one for a binary model, k
// otherwise (centred to sum to zero, which does not change predictions).
func (m *Model) Intercept() []float64 { return slices.Clone(m.intercept) }

// RawCoef returns the coefficients and intercepts of the decision function
// on raw features (the Scaler folded in): z = intercept + coef * x. Without a
// Scaler they equal Coef and Intercept.
func (m *Model) RawCoef() (*mat.Dense, []float64) {
	return mat.NewDense(m.nc, m.d, slices.Clone(m.rawW)), slices.Clone(m.rawB)
}

// Scaler returns a copy of the scaler the model applies, or nil.
func (m *Model) Scaler() *Scaler { return m.scaler.clone() }

// Summary returns how the model was trained.
func (m *Model) Summary() Summary { return m.summary }

// Warning returns a *ConvergenceWarning if the fit did not converge, else
// nil.
func (m *Model) Warning() error {
	if m.summary.Converged {
		return nil
	}
	s := m.summary
	return &ConvergenceWarning{Solver: s.Solver, Iterations: s.Iterations, MaxIter: s.MaxIter, Violation: s.Violation, Tol: s.Tol}
}

// Inference returns the coefficient statistics computed when the model was
// fitted with Config.Inference, or nil.
func (m *Model) Inference() *Inference { return m.inference }

// PredictProbaInto writes the class probabilities of one row of raw
// features x into dst (len k). It does not allocate, and is the serving
// fast path. It returns an error wrapping ErrShape if len(x) is not the
// number of features or len(dst) not the number of classes, and ErrNonFinite
// if x holds NaN or infinite values. For a model fitted with
// Config.Inputs, x holds one value per input, as in X (NaN for a missing
// value, a code for a category); a bad code or a refused category is an
// error wrapping ErrInput.
func (m *Model) PredictProbaInto(dst, x []float64) error {
	if m == nil || m.k == 0 {
		return ErrNoModel
	}
	if len(x) != m.width() || len(dst) != m.k {
		return fmt.Errorf("%w: %d features into %d probabilities, model has %d features and %d classes", ErrShape, len(x), len(dst), m.width(), m.k)
	}
	if m.prep != nil {
		return m.prepRow(dst, x)
	}
	if !m.probaRow(dst, x) {
		return fmt.Errorf("%w: in the features", ErrNonFinite)
	}
	return nil
}

// probaRow writes the probabilities of x into dst and reports whether the
// scores were finite.
func (m *Model) probaRow(dst, x []float64) bool {
	if m.prep != nil {
		return m.prepRow(dst, x) == nil
	}
	d := m.d
	if m.nc == 1 {
		z := m.rawB[0] + floats.Dot(x, m.rawW)
		_, p := binaryLoss(z, 0)
		dst[0], dst[1] = 1-p, p
		return finite(z)
	}
	ok := true
	for c := range m.nc {
		z := m.rawB[c] + floats.Dot(x, m.rawW[c*d:(c+1)*d])
		ok = ok && finite(z)
		dst[c] = z
	}
	softmax(dst)
	return ok
}

// PredictProbaTo writes the class probabilities of every row of raw
// features X into dst (n x k). It is the checked form of PredictProba: X
// with another number of columns than the model has features, or dst of
// another shape than n x k, is an error wrapping ErrShape, and a row with
// NaN or infinite features one wrapping ErrNonFinite; a nil model gives
// ErrNoModel.
func (m *Model) PredictProbaTo(dst *mat.Dense, X mat.Matrix) error {
	if m == nil || m.k == 0 {
		return ErrNoModel
	}
	if dst == nil || X == nil {
		return fmt.Errorf("%w: nil matrix", ErrShape)
	}
	var n, d, r, c int
	if err := safeDims(X, &n, &d); err != nil {
		return err
	}
	if err := safeDims(dst, &r, &c); err != nil {
		return err
	}
	if d != m.width() || r != n || c != m.k {
		return fmt.Errorf("%w: X is %dx%d and dst %dx%d, model has %d features and %d classes", ErrShape, n, d, r, c, m.width(), m.k)
	}
	return m.predictRows(dst, X, n)
}

// PredictTo writes the most probable class of every row of raw features X
// into dst (len n), by the rule of Predict. It is the checked form of
// Predict: X with another number of columns than the model has features,
// or dst of another length than X has rows, is an error wrapping ErrShape,
// and a row with NaN or infinite features one wrapping ErrNonFinite; a nil
// model gives ErrNoModel.
func (m *Model) PredictTo(dst []int, X mat.Matrix) error {
	if m == nil || m.k == 0 {
		return ErrNoModel
	}
	if X == nil {
		return fmt.Errorf("%w: nil matrix", ErrShape)
	}
	var n, d int
	if err := safeDims(X, &n, &d); err != nil {
		return err
	}
	if d != m.width() || len(dst) != n {
		return fmt.Errorf("%w: X is %dx%d and dst has %d entries, model has %d features", ErrShape, n, d, len(dst), m.width())
	}
	p := mat.NewDense(n, m.k, nil)
	if err := m.predictRows(p, X, n); err != nil {
		return err
	}
	for i := range n {
		dst[i] = argmax(p.RawRowView(i))
	}
	return nil
}

func (m *Model) predictRows(dst *mat.Dense, X mat.Matrix, n int) error {
	out := dst.RawMatrix()
	raw, isRaw := X.(mat.RawMatrixer)
	var xr []float64
	var stride int
	if isRaw {
		rm := raw.RawMatrix()
		xr, stride = rm.Data, rm.Stride
	}
	width := m.width()
	workers := 1
	if n*width >= 1<<16 {
		workers = 2
	}
	bad := make([]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Go(func() {
			bad[w] = -1
			var buf []float64
			if !isRaw {
				buf = make([]float64, width)
			}
			for i := lo; i < hi; i++ {
				var x []float64
				if isRaw {
					x = xr[i*stride : i*stride+width]
				} else {
					mat.Row(buf, i, X)
					x = buf
				}
				if !m.probaRow(out.Data[i*out.Stride:i*out.Stride+m.k], x) && bad[w] < 0 {
					bad[w] = i
				}
			}
		})
	}
	wg.Wait()
	for _, i := range bad {
		if i < 0 {
			continue
		}
		if m.prep != nil {
			return fmt.Errorf("row %d of X: %w", i, m.prepRow(make([]float64, m.k), mat.Row(nil, i, X)))
		}
		return fmt.Errorf("%w: row %d of X", ErrNonFinite, i)
	}
	return nil
}

// PredictProba returns the class probabilities of every row of raw
// features X, n x k.
//
// It reports no error: it returns nil if m is nil or X is nil or does not
// have one column per feature of the model (a matrix of the wrong width),
// and a row with NaN or infinite features gets NaN probabilities. Use the
// checked form, PredictProbaTo, to get those cases as errors.
func (m *Model) PredictProba(X mat.Matrix) *mat.Dense {
	if m == nil || m.k == 0 || X == nil {
		return nil
	}
	var n, d int
	if safeDims(X, &n, &d) != nil || d != m.width() || n == 0 {
		return nil
	}
	out := mat.NewDense(n, m.k, nil)
	if err := m.predictRows(out, X, n); err != nil {
		// Non-finite rows: report NaN for them, as documented.
		for i := range n {
			row := out.RawRowView(i)
			if !allFinite(row) {
				for c := range row {
					row[c] = math.NaN()
				}
			}
		}
	}
	return out
}

// Predict returns the most probable class of every row of raw features X
// (the lowest label on ties; for a binary model, class 1 when its
// probability exceeds 1/2, as scikit-learn).
//
// It reports no error: it returns nil where PredictProba does (nil model,
// a matrix of the wrong width), and a row with NaN or infinite features
// gets class 0, its probabilities being NaN. Use the checked form,
// PredictTo, to get those cases as errors.
func (m *Model) Predict(X mat.Matrix) []int {
	p := m.PredictProba(X)
	if p == nil {
		return nil
	}
	n, _ := p.Dims()
	out := make([]int, n)
	for i := range n {
		out[i] = argmax(p.RawRowView(i))
	}
	return out
}

func argmax(v []float64) int {
	best := 0
	for c := 1; c < len(v); c++ {
		if v[c] > v[best] {
			best = c
		}
	}
	return best
}
