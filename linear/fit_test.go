package linear_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/linear"
)

// small returns a tiny non-separable binary problem.
func small() (*mat.Dense, []int) {
	X := mat.NewDense(8, 2, []float64{
		1, 0.5, 2, 1.5, 3, 0.2, 4, 2.2,
		5, 1.1, 6, 0.3, 7, 2.9, 8, 1.7,
	})
	return X, []int{0, 0, 1, 0, 1, 0, 1, 1}
}

func TestFitErrors(t *testing.T) {
	X, y := small()
	nan := mat.DenseCopyOf(X)
	nan.Set(3, 1, math.NaN())
	inf := mat.DenseCopyOf(X)
	inf.Set(0, 0, math.Inf(-1))
	other, err := linear.Fit(context.Background(), mat.NewDense(3, 1, []float64{1, 2, 3}), []int{0, 1, 0}, linear.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		X    mat.Matrix
		y    []int
		cfg  linear.Config
		want error
	}{
		{"nil X", nil, y, linear.Config{}, linear.ErrShape},
		{"empty X", &mat.Dense{}, nil, linear.Config{}, linear.ErrShape},
		{"short y", X, y[:5], linear.Config{}, linear.ErrShape},
		{"NaN", nan, y, linear.Config{}, linear.ErrNonFinite},
		{"Inf", inf, y, linear.Config{}, linear.ErrNonFinite},
		{"one class", X, make([]int, 8), linear.Config{}, linear.ErrLabels},
		{"negative label", X, []int{0, 1, -1, 0, 1, 0, 1, 1}, linear.Config{}, linear.ErrLabels},
		{"missing class", X, []int{0, 0, 2, 0, 2, 0, 2, 2}, linear.Config{}, linear.ErrLabels},
		{"more labels than names", X, y, linear.Config{Classes: []string{"a"}}, linear.ErrLabels},
		{"C negative", X, y, linear.Config{C: -1}, linear.ErrConfig},
		{"C NaN", X, y, linear.Config{C: math.NaN()}, linear.ErrConfig},
		{"C Inf", X, y, linear.Config{C: math.Inf(1)}, linear.ErrConfig},
		{"L1Ratio above 1", X, y, linear.Config{Penalty: linear.ElasticNet, L1Ratio: 1.5}, linear.ErrConfig},
		{"L1Ratio negative", X, y, linear.Config{Penalty: linear.ElasticNet, L1Ratio: -0.1}, linear.ErrConfig},
		{"Tol negative", X, y, linear.Config{Tol: -1}, linear.ErrConfig},
		{"MaxIter negative", X, y, linear.Config{MaxIter: -1}, linear.ErrConfig},
		{"unknown penalty", X, y, linear.Config{Penalty: 9}, linear.ErrConfig},
		{"unknown solver", X, y, linear.Config{Solver: 9}, linear.ErrConfig},
		{"L1 with LBFGS", X, y, linear.Config{Penalty: linear.L1, Solver: linear.LBFGS}, linear.ErrSolverPenalty},
		{"elastic net with Newton", X, y, linear.Config{Penalty: linear.ElasticNet, Solver: linear.Newton}, linear.ErrSolverPenalty},
		{"sample weights length", X, y, linear.Config{SampleWeight: []float64{1, 2}}, linear.ErrShape},
		{"negative sample weight", X, y, linear.Config{SampleWeight: []float64{1, 1, 1, -1, 1, 1, 1, 1}}, linear.ErrWeights},
		{"NaN sample weight", X, y, linear.Config{SampleWeight: []float64{1, 1, 1, math.NaN(), 1, 1, 1, 1}}, linear.ErrNonFinite},
		{"zero weights", X, y, linear.Config{SampleWeight: make([]float64, 8)}, linear.ErrWeights},
		{"class weights length", X, y, linear.Config{ClassWeight: []float64{1}}, linear.ErrShape},
		{"negative class weight", X, y, linear.Config{ClassWeight: []float64{1, -2}}, linear.ErrWeights},
		{"balanced and class weights", X, y, linear.Config{Balanced: true, ClassWeight: []float64{1, 1}}, linear.ErrConfig},
		{"feature names", X, y, linear.Config{Features: []string{"a"}}, linear.ErrConfig},
		{"duplicate class names", X, y, linear.Config{Classes: []string{"a", "a"}}, linear.ErrConfig},
		{"inference with penalty", X, y, linear.Config{Inference: true}, linear.ErrConfig},
		{"warm start shape", X, y, linear.Config{WarmStart: other}, linear.ErrWarmStart},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := linear.Fit(context.Background(), tc.X, tc.y, tc.cfg)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Fit() error = %v, want %v", err, tc.want)
			}
			if m != nil {
				t.Errorf("Fit() returned a model with error %v", err)
			}
		})
	}
}

func TestConvergenceWarning(t *testing.T) {
	ds := dataset.BreastCancer()
	for _, s := range []linear.Solver{linear.LBFGS, linear.Newton, linear.CoordinateDescent} {
		t.Run(s.String(), func(t *testing.T) {
			m, err := linear.Fit(context.Background(), ds.X, ds.Y, linear.Config{Solver: s, MaxIter: 1, Tol: 1e-12})
			if err != nil {
				t.Fatalf("Fit: %v", err)
			}
			if m.Summary().Converged {
				t.Fatalf("Summary().Converged = true after 1 iteration")
			}
			var w *linear.ConvergenceWarning
			if !errors.As(m.Warning(), &w) || w.Iterations != 1 || w.Solver != s {
				t.Errorf("Warning() = %v, want a *ConvergenceWarning for 1 iteration of %v", m.Warning(), s)
			}
			m, err = linear.Fit(context.Background(), ds.X, ds.Y, linear.Config{Solver: s, Standardize: true, MaxIter: 1000})
			if err != nil || !m.Summary().Converged || m.Warning() != nil {
				t.Errorf("standardised fit: err %v, converged %v, warning %v", err, m.Summary().Converged, m.Warning())
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	X, y := small()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, s := range []linear.Solver{linear.LBFGS, linear.Newton, linear.CoordinateDescent} {
		t.Run(s.String(), func(t *testing.T) {
			_, err := linear.Fit(ctx, X, y, linear.Config{Solver: s})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Fit(canceled) error = %v, want context.Canceled", err)
			}
		})
	}
}

var approx = cmpopts.EquateApprox(1e-7, 1e-9)

// TestStandardize checks that a model carrying a Scaler predicts on raw
// features exactly what a model fitted on pre-scaled features predicts on
// scaled ones, and handles a constant column.
func TestStandardize(t *testing.T) {
	ds := dataset.BreastCancer()
	n, d := ds.X.Dims()
	X := mat.NewDense(n, d+1, nil)
	X.Slice(0, n, 0, d).(*mat.Dense).Copy(ds.X)
	for i := range n {
		X.Set(i, d, 7) // constant column
	}
	m, err := linear.Fit(context.Background(), X, ds.Y, linear.Config{Standardize: true, Tol: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := linear.FitScaler(X)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Scale[d] != 1 || sc.Mean[d] != 7 {
		t.Errorf("constant column: mean %v scale %v, want 7 and 1", sc.Mean[d], sc.Scale[d])
	}
	Xs, err := sc.Transform(X)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := linear.Fit(context.Background(), Xs, ds.Y, linear.Config{Tol: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mat.Col(nil, 1, m2.PredictProba(Xs)), mat.Col(nil, 1, m.PredictProba(X)), approx); diff != "" {
		t.Errorf("probabilities (-pre-scaled +raw):\n%s", diff)
	}
	if diff := cmp.Diff(m2.Coef().RawRowView(0), m.Coef().RawRowView(0), approx); diff != "" {
		t.Errorf("coefficients (-pre-scaled +Standardize):\n%s", diff)
	}
	if got := m.Coef().At(0, d); got != 0 {
		t.Errorf("constant column coefficient = %v, want 0", got)
	}
}

// TestWeights checks that integer sample weights equal repeated rows, and
// that Balanced equals its class weights.
func TestWeights(t *testing.T) {
	X, y := small()
	w := []float64{1, 2, 1, 3, 1, 1, 2, 1}
	var rows [][]float64
	var ry []int
	for i, k := range w {
		for range int(k) {
			rows = append(rows, X.RawRowView(i))
			ry = append(ry, y[i])
		}
	}
	R := mat.NewDense(len(rows), 2, nil)
	for i, r := range rows {
		R.SetRow(i, r)
	}
	for _, s := range []linear.Solver{linear.LBFGS, linear.Newton, linear.CoordinateDescent} {
		t.Run(s.String(), func(t *testing.T) {
			a, err := linear.Fit(context.Background(), X, y, linear.Config{Solver: s, SampleWeight: w, Tol: 1e-10})
			if err != nil {
				t.Fatal(err)
			}
			b, err := linear.Fit(context.Background(), R, ry, linear.Config{Solver: s, Tol: 1e-10})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(b.Coef().RawRowView(0), a.Coef().RawRowView(0), cmpopts.EquateApprox(1e-6, 1e-9)); diff != "" {
				t.Errorf("coef (-repeated +weighted):\n%s", diff)
			}
			c, err := linear.Fit(context.Background(), X, y, linear.Config{Solver: s, Balanced: true, Tol: 1e-10})
			if err != nil {
				t.Fatal(err)
			}
			cw, err := linear.BalancedWeights(y, 2)
			if err != nil {
				t.Fatal(err)
			}
			d, err := linear.Fit(context.Background(), X, y, linear.Config{Solver: s, ClassWeight: cw, Tol: 1e-10})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(d.Coef().RawRowView(0), c.Coef().RawRowView(0)); diff != "" {
				t.Errorf("coef (-class weights +balanced):\n%s", diff)
			}
		})
	}
	cw, err := linear.BalancedWeights([]int{0, 1, 1, 1, 1, 0, 1, 0}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]float64{8.0 / 6, 8.0 / 10}, cw); diff != "" {
		t.Errorf("BalancedWeights (-want +got):\n%s", diff)
	}
}

// TestWarmStart checks that a fit warm-started from its own solution stops
// at once, and that a warm start from a different C reaches the same
// optimum as a cold start.
func TestWarmStart(t *testing.T) {
	ds := dataset.BreastCancer()
	for _, s := range []linear.Solver{linear.LBFGS, linear.Newton, linear.CoordinateDescent} {
		t.Run(s.String(), func(t *testing.T) {
			cfg := linear.Config{Solver: s, Standardize: true, Tol: 1e-8, MaxIter: 1000}
			cold, err := linear.Fit(context.Background(), ds.X, ds.Y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			cfg.WarmStart = cold
			again, err := linear.Fit(context.Background(), ds.X, ds.Y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			// The warm start goes through the raw-feature decision function,
			// so it is the solution up to rounding: at most two iterations.
			if it, cold := again.Summary().Iterations, cold.Summary().Iterations; it > 2 || it >= cold {
				t.Errorf("warm start from the solution took %d iterations (cold %d), want <= 2", it, cold)
			}
			cfg.C = 10
			cfg.WarmStart = cold
			warm, err := linear.Fit(context.Background(), ds.X, ds.Y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			cfg.WarmStart = nil
			ref, err := linear.Fit(context.Background(), ds.X, ds.Y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ref.Summary().Objective, warm.Summary().Objective, cmpopts.EquateApprox(1e-8, 0)); diff != "" {
				t.Errorf("objective (-cold +warm):\n%s", diff)
			}
		})
	}
}

func TestPredictProbaInto(t *testing.T) {
	ds := dataset.BreastCancer()
	m, err := linear.Fit(context.Background(), ds.X, ds.Y, linear.Config{Standardize: true})
	if err != nil {
		t.Fatal(err)
	}
	P := m.PredictProba(ds.X)
	dst := make([]float64, 2)
	for i := range 20 {
		if err := m.PredictProbaInto(dst, ds.X.RawRowView(i)); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(P.RawRowView(i), dst, approx); diff != "" {
			t.Errorf("row %d (-PredictProba +PredictProbaInto):\n%s", i, diff)
		}
	}
	x := ds.X.RawRowView(0)
	if allocs := testing.AllocsPerRun(100, func() { _ = m.PredictProbaInto(dst, x) }); allocs != 0 {
		t.Errorf("PredictProbaInto allocates %v times, want 0", allocs)
	}
	if err := m.PredictProbaInto(dst, x[:3]); !errors.Is(err, linear.ErrShape) {
		t.Errorf("short row: error %v, want ErrShape", err)
	}
	if err := m.PredictProbaInto(dst[:1], x); !errors.Is(err, linear.ErrShape) {
		t.Errorf("short dst: error %v, want ErrShape", err)
	}
	bad := append([]float64(nil), x...)
	bad[4] = math.NaN()
	if err := m.PredictProbaInto(dst, bad); !errors.Is(err, linear.ErrNonFinite) {
		t.Errorf("NaN row: error %v, want ErrNonFinite", err)
	}
	var nilModel *linear.Model
	if err := nilModel.PredictProbaInto(dst, x); !errors.Is(err, linear.ErrNoModel) {
		t.Errorf("nil model: error %v, want ErrNoModel", err)
	}
	if got := m.PredictProba(mat.NewDense(2, 3, nil)); got != nil {
		t.Errorf("PredictProba(wrong columns) = %v, want nil", got)
	}
	if err := m.PredictProbaTo(mat.NewDense(2, 2, nil), mat.NewDense(2, 3, nil)); !errors.Is(err, linear.ErrShape) {
		t.Errorf("PredictProbaTo(wrong columns) error = %v, want ErrShape", err)
	}
}

// TestConcurrentPredict predicts from many goroutines at once (run with
// -race) and checks every result.
func TestConcurrentPredict(t *testing.T) {
	ds := dataset.BreastCancer()
	m, err := linear.Fit(context.Background(), ds.X, ds.Y, linear.Config{Standardize: true})
	if err != nil {
		t.Fatal(err)
	}
	want := m.Predict(ds.X)
	var wg sync.WaitGroup
	errs := make([]string, 8)
	for g := range 8 {
		wg.Go(func() {
			dst := make([]float64, 2)
			for i := range 100 {
				_ = m.PredictProbaInto(dst, ds.X.RawRowView(i))
				if c := 0; dst[1] > dst[0] {
					c = 1
					if c != want[i] {
						errs[g] = "PredictProbaInto disagrees with Predict"
					}
				}
			}
			if diff := cmp.Diff(want, m.Predict(ds.X)); diff != "" {
				errs[g] = diff
			}
		})
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Error(e)
		}
	}
}

// TestMatrixKinds checks that X as any mat.Matrix gives the same model as
// the *mat.Dense.
func TestMatrixKinds(t *testing.T) {
	X, y := small()
	want, err := linear.Fit(context.Background(), X, y, linear.Config{Tol: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	T := mat.DenseCopyOf(X.T())
	got, err := linear.Fit(context.Background(), T.T(), y, linear.Config{Tol: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Coef().RawRowView(0), got.Coef().RawRowView(0)); diff != "" {
		t.Errorf("coef (-dense +transposed):\n%s", diff)
	}
	if diff := cmp.Diff(want.Predict(X), got.Predict(T.T())); diff != "" {
		t.Errorf("predict (-dense +transposed):\n%s", diff)
	}
	// A strided view (a column slice) is read in place.
	wide := mat.NewDense(8, 3, nil)
	wide.Slice(0, 8, 0, 2).(*mat.Dense).Copy(X)
	view, err := linear.Fit(context.Background(), wide.Slice(0, 8, 0, 2), y, linear.Config{Tol: 1e-10})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Coef().RawRowView(0), view.Coef().RawRowView(0)); diff != "" {
		t.Errorf("coef (-dense +strided view):\n%s", diff)
	}
}

// scaledColumn returns a copy of X with column 0 multiplied by s.
func scaledColumn(X mat.Matrix, s float64) *mat.Dense {
	out := mat.DenseCopyOf(X)
	n, _ := out.Dims()
	for i := range n {
		out.Set(i, 0, out.At(i, 0)*s)
	}
	return out
}

// TestConvergenceHonest checks that a fit says it converged only when its
// final optimality violation is at most Tol, whatever made the solver
// stop, and that a fit that overflows float64 is an error. Before the fix,
// LBFGS, Newton and CD said Converged with violations of 1e2 to 1e300 on a
// feature scaled by 1e10 or more.
func TestConvergenceHonest(t *testing.T) {
	X, y := small()
	ds := dataset.BreastCancer()
	for _, tc := range []struct {
		name   string
		X      mat.Matrix
		y      []int
		solver linear.Solver
		want   error // nil: a model, with Converged == (Violation <= Tol)
	}{
		{"lbfgs 1e10", scaledColumn(X, 1e10), y, linear.LBFGS, nil},
		{"newton 1e10", scaledColumn(X, 1e10), y, linear.Newton, nil},
		{"cd 1e10", scaledColumn(X, 1e10), y, linear.CoordinateDescent, nil},
		{"newton breast cancer 1e10", scaledColumn(ds.X, 1e10), ds.Y, linear.Newton, nil},
		{"cd breast cancer 1e10", scaledColumn(ds.X, 1e10), ds.Y, linear.CoordinateDescent, nil},
		{"lbfgs 1e160", scaledColumn(X, 1e160), y, linear.LBFGS, nil},
		{"newton 1e160", scaledColumn(X, 1e160), y, linear.Newton, linear.ErrNonFinite},
		{"cd 1e160", scaledColumn(X, 1e160), y, linear.CoordinateDescent, linear.ErrNonFinite},
		{"lbfgs breast cancer 1e306", scaledColumn(ds.X, 1e306), ds.Y, linear.LBFGS, linear.ErrNonFinite},
		{"newton breast cancer 1e306", scaledColumn(ds.X, 1e306), ds.Y, linear.Newton, linear.ErrNonFinite},
		{"cd breast cancer 1e306", scaledColumn(ds.X, 1e306), ds.Y, linear.CoordinateDescent, linear.ErrNonFinite},
		{"lbfgs breast cancer", ds.X, ds.Y, linear.LBFGS, nil},
		{"newton breast cancer", ds.X, ds.Y, linear.Newton, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := linear.Fit(context.Background(), tc.X, tc.y, linear.Config{Solver: tc.solver})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Fit() error = %v, want %v", err, tc.want)
			}
			if err != nil {
				return
			}
			s := m.Summary()
			if s.Converged != (s.Violation <= s.Tol) {
				t.Errorf("Summary() = {Converged: %v, Violation: %v, Tol: %v}, want Converged == (Violation <= Tol)", s.Converged, s.Violation, s.Tol)
			}
			var w *linear.ConvergenceWarning
			if got := errors.As(m.Warning(), &w); got == s.Converged {
				t.Errorf("Warning() = %v with Converged %v", m.Warning(), s.Converged)
			}
		})
	}
}

// TestConvergedAtTol checks that LBFGS does not stop short of Tol on a
// well-scaled problem (it used to stop on scipy's relative-decrease rule
// with a violation 3 times Tol, and say it had converged).
func TestConvergedAtTol(t *testing.T) {
	ds := dataset.BreastCancer()
	for _, s := range []linear.Solver{linear.LBFGS, linear.Newton, linear.CoordinateDescent} {
		t.Run(s.String(), func(t *testing.T) {
			m, err := linear.Fit(context.Background(), ds.X, ds.Y, linear.Config{Solver: s, Standardize: true})
			if err != nil {
				t.Fatal(err)
			}
			if sum := m.Summary(); !sum.Converged || sum.Violation > sum.Tol {
				t.Errorf("Summary() = {Converged: %v, Violation: %v}, want converged within Tol %v", sum.Converged, sum.Violation, sum.Tol)
			}
		})
	}
}

// TestHessianLimit checks that Newton on more parameters than its Hessians
// can hold is an error, not an allocation of gigabytes.
func TestHessianLimit(t *testing.T) {
	X := mat.NewDense(4, 5000, nil)
	for i := range 4 {
		X.Set(i, i, 1)
	}
	y := []int{0, 1, 0, 1}
	for _, cfg := range []linear.Config{{Solver: linear.Newton}, {Penalty: linear.NoPenalty, Inference: true}} {
		if _, err := linear.Fit(context.Background(), X, y, cfg); !errors.Is(err, linear.ErrConfig) {
			t.Errorf("Fit(5000 features, %+v) error = %v, want ErrConfig", cfg, err)
		}
	}
	if _, err := linear.Fit(context.Background(), X, y, linear.Config{}); err != nil {
		t.Errorf("Fit(5000 features, Auto) error = %v, want nil (LBFGS)", err)
	}
}
