package linear_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/linear"
)

// fuzzLabels turns bytes into labels: mostly small class indexes, and the
// values that used to crash (negative, huge, MaxInt, the class limits).
func fuzzLabels(b []byte) []int {
	special := []int{-1, math.MinInt, math.MaxInt, 1 << 40, linear.MaxClasses, linear.MaxClasses - 1, linear.MaxConfusionClasses, len(b)}
	y := make([]int, len(b))
	for i, v := range b {
		if int(v) >= 256-len(special) {
			y[i] = special[255-int(v)]
		} else {
			y[i] = int(v % 5)
		}
	}
	return y
}

// isSentinel reports whether err wraps one of linear's input sentinels.
func isSentinel(err error) bool {
	for _, s := range []error{linear.ErrShape, linear.ErrNonFinite, linear.ErrLabels, linear.ErrWeights, linear.ErrConfig, linear.ErrNoModel} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// FuzzLabels feeds arbitrary labels, class counts, fold counts and seeds
// to every public function of linear that takes them, and checks that none
// panics or allocates for a label that is not a class index: each returns
// a result or an error wrapping one of the package's sentinels.
func FuzzLabels(f *testing.F) {
	f.Add([]byte{0, 1, 0, 1, 1, 0}, 2, 2, uint64(1))
	f.Add([]byte{0, 1, 2, 0, 1, 2, 0, 1, 2}, 3, 3, uint64(7))
	f.Add([]byte{0, 255, 0, 1}, 2, 2, uint64(0))
	f.Add([]byte{0, 253, 0, 1}, 1<<40, 1<<40, uint64(0))
	f.Add([]byte{1, 1, 1}, -1, -5, uint64(3))
	f.Fuzz(func(t *testing.T, b []byte, k, folds int, seed uint64) {
		if len(b) > 64 {
			b = b[:64]
		}
		y := fuzzLabels(b)
		n := len(y)
		check := func(what string, err error) {
			t.Helper()
			if err != nil && !isSentinel(err) {
				t.Fatalf("%s: error %v wraps no sentinel", what, err)
			}
		}
		yPred := make([]int, n)
		for i := range yPred {
			yPred[i] = y[(i+1)%max(n, 1)]
		}
		_, err := linear.Accuracy(y, yPred)
		check("Accuracy", err)
		_, err = linear.ClassScores(y, yPred)
		check("ClassScores", err)
		for _, avg := range []linear.Average{linear.Binary, linear.Macro, linear.Weighted, linear.Micro, 9} {
			_, err = linear.Precision(y, yPred, avg)
			check("Precision", err)
			_, err = linear.Recall(yPred, y, avg)
			check("Recall", err)
			_, err = linear.F1(y, yPred, avg)
			check("F1", err)
		}
		cm, err := linear.ConfusionMatrix(y, yPred, k)
		check("ConfusionMatrix", err)
		if err == nil && len(cm) > linear.MaxConfusionClasses {
			t.Fatalf("ConfusionMatrix returned %d classes", len(cm))
		}
		w, err := linear.BalancedWeights(y, k)
		check("BalancedWeights", err)
		if err == nil && len(w) != k {
			t.Fatalf("BalancedWeights returned %d weights for k = %d", len(w), k)
		}
		if _, err := linear.StratifiedKFold(y, folds, seed); err != nil {
			check("StratifiedKFold", err)
		}
		if n == 0 {
			return
		}
		X := mat.NewDense(n, 2, nil)
		for i := range n {
			X.Set(i, 0, float64(i%7))
			X.Set(i, 1, float64(y[i]%3))
		}
		P := mat.NewDense(n, 2, nil)
		for i := range n {
			P.Set(i, 0, 0.25)
			P.Set(i, 1, 0.75)
		}
		_, err = linear.LogLoss(y, P)
		check("LogLoss", err)
		_, err = linear.ROCAUC(y, P, linear.Macro)
		check("ROCAUC", err)
		ctx := context.Background()
		cfg := linear.Config{MaxIter: 3, Balanced: seed%2 == 0}
		m, err := linear.Fit(ctx, X, y, cfg)
		check("Fit", err)
		if err == nil {
			if m.NumClasses() > n {
				t.Fatalf("Fit: %d classes from %d rows", m.NumClasses(), n)
			}
			_, err = linear.Evaluate(m, X, y)
			check("Evaluate", err)
		}
		_, err = linear.CrossValidate(ctx, X, y, cfg, folds, seed)
		check("CrossValidate", err)
		_, err = linear.PathCV(ctx, X, y, cfg, []float64{0.5, 2}, folds, seed, linear.Scoring(seed%5))
		check("PathCV", err)
	})
}

// FuzzPredictWidth predicts matrices of every width and length with a
// two-feature model and checks the contract of each prediction method: the
// checked forms fail with ErrShape exactly when the width or dst is wrong,
// the unchecked forms return nil, and none panics.
func FuzzPredictWidth(f *testing.F) {
	X, y := small()
	m, err := linear.Fit(context.Background(), X, y, linear.Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(2, 3, 3, 1.5)
	f.Add(1, 3, 2, 0.0)
	f.Add(3, 1, 1, math.NaN())
	f.Add(2, 2, 1, math.Inf(1))
	f.Fuzz(func(t *testing.T, width, rows, dstLen int, v float64) {
		if width < 1 || rows < 1 || width > 16 || rows > 16 || dstLen < 0 || dstLen > 32 {
			return // gonum cannot hold an empty matrix; keep the fuzzer fast
		}
		Xw := mat.NewDense(rows, width, nil)
		for i := range rows {
			for j := range width {
				Xw.Set(i, j, v*float64(i-j))
			}
		}
		okWidth := width == m.NumFeatures()
		if p := m.PredictProba(Xw); (p == nil) == okWidth {
			t.Fatalf("PredictProba(%dx%d) = %v", rows, width, p)
		}
		if p := m.Predict(Xw); (p == nil) == okWidth {
			t.Fatalf("Predict(%dx%d) = %v", rows, width, p)
		}
		err := m.PredictTo(make([]int, dstLen), Xw)
		switch {
		case !okWidth || dstLen != rows:
			if !errors.Is(err, linear.ErrShape) {
				t.Fatalf("PredictTo(%d, %dx%d) error = %v, want ErrShape", dstLen, rows, width, err)
			}
		case err != nil && !errors.Is(err, linear.ErrNonFinite):
			t.Fatalf("PredictTo(%d, %dx%d) error = %v", dstLen, rows, width, err)
		}
		err = m.PredictProbaTo(mat.NewDense(rows, m.NumClasses(), nil), Xw)
		if okWidth != (err == nil || errors.Is(err, linear.ErrNonFinite)) {
			t.Fatalf("PredictProbaTo(%dx%d) error = %v", rows, width, err)
		}
		dst := make([]float64, m.NumClasses())
		err = m.PredictProbaInto(dst, Xw.RawRowView(0))
		if okWidth != (err == nil || errors.Is(err, linear.ErrNonFinite)) {
			t.Fatalf("PredictProbaInto(%d features) error = %v", width, err)
		}
	})
}

// FuzzConfig fits with arbitrary numbers in the Config (C, L1Ratio, Tol,
// MaxIter up to 200, Threads, penalty and solver codes) and checks that Fit
// returns a model or an error wrapping a sentinel, never a panic, and that
// a model says it converged only within its Tol.
func FuzzConfig(f *testing.F) {
	X, y := small()
	f.Add(1.0, 0.5, 1e-4, 100, 0, 0, 0)
	f.Add(math.NaN(), math.Inf(1), -1.0, -1, -5, 9, 9)
	f.Add(1e308, 2.0, 0.0, 200, 1<<40, 2, 3)
	f.Add(1e-300, 0.0, 1e300, 1, 1, 1, 2)
	f.Fuzz(func(t *testing.T, c, l1, tol float64, maxIter, threads, penalty, solver int) {
		cfg := linear.Config{C: c, L1Ratio: l1, Tol: tol, MaxIter: min(maxIter, 200), Threads: threads,
			Penalty: linear.Penalty(penalty), Solver: linear.Solver(solver)}
		m, err := linear.Fit(context.Background(), X, y, cfg)
		if err != nil {
			if !isSentinel(err) && !errors.Is(err, linear.ErrSolverPenalty) {
				t.Fatalf("Fit(%+v) error %v wraps no sentinel", cfg, err)
			}
			return
		}
		if s := m.Summary(); s.Converged != (s.Violation <= s.Tol) {
			t.Fatalf("Fit(%+v): Converged %v with violation %v and Tol %v", cfg, s.Converged, s.Violation, s.Tol)
		}
	})
}
