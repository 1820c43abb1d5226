package linear_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/linear"
)

// TestLabelBounds checks that a label that is not a class index is an
// error wrapping ErrLabels, found before anything is allocated for it.
// Before the fix, a label of 1<<40 made Fit, CrossValidate, the metrics and
// ConfusionMatrix allocate terabytes, and math.MaxInt made them panic.
func TestLabelBounds(t *testing.T) {
	X, _ := small() // 8 rows
	ctx := context.Background()
	labels := func(v int) []int { return []int{0, v, 0, 1, 0, 1, 1, 0} }
	fit := func(y []int, cfg linear.Config) func() error {
		return func() error { _, err := linear.Fit(ctx, X, y, cfg); return err }
	}
	cv := func(y []int) func() error {
		return func() error { _, err := linear.CrossValidate(ctx, X, y, linear.Config{}, 2, 1); return err }
	}
	pathCV := func(y []int) func() error {
		return func() error {
			_, err := linear.PathCV(ctx, X, y, linear.Config{}, []float64{1}, 2, 1, linear.AccuracyScore)
			return err
		}
	}
	metric := func(fn func(a, b []int) error, v int) func() error {
		return func() error { return fn([]int{0, 1, v}, []int{0, 1, 1}) }
	}
	f1 := func(avg linear.Average) func(a, b []int) error {
		return func(a, b []int) error { _, err := linear.F1(a, b, avg); return err }
	}
	scores := func(a, b []int) error { _, err := linear.ClassScores(a, b); return err }
	accuracy := func(a, b []int) error { _, err := linear.Accuracy(a, b); return err }
	precision := func(a, b []int) error { _, err := linear.Precision(b, a, linear.Weighted); return err }
	recall := func(a, b []int) error { _, err := linear.Recall(a, b, linear.Micro); return err }
	confusion := func(k int) func(a, b []int) error {
		return func(a, b []int) error { _, err := linear.ConfusionMatrix(a, b, k); return err }
	}
	balanced := func(y []int, k int) func() error {
		return func() error { _, err := linear.BalancedWeights(y, k); return err }
	}
	for _, tc := range []struct {
		name string
		fn   func() error
	}{
		{"Fit 1<<40", fit(labels(1<<40), linear.Config{})},
		{"Fit MaxInt", fit(labels(math.MaxInt), linear.Config{})},
		{"Fit label = rows", fit(labels(8), linear.Config{})},
		{"Fit MaxClasses", fit(labels(linear.MaxClasses), linear.Config{})},
		{"Fit balanced 1<<40", fit(labels(1<<40), linear.Config{Balanced: true})},
		{"Fit more class names than rows", fit(labels(1), linear.Config{Classes: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}})},
		{"Fit label beyond names", fit(labels(2), linear.Config{Classes: []string{"a", "b"}})},
		{"CrossValidate 1<<40", cv(labels(1 << 40))},
		{"CrossValidate MaxInt", cv(labels(math.MaxInt))},
		{"PathCV 1<<40", pathCV(labels(1 << 40))},
		{"ClassScores 1<<40", metric(scores, 1<<40)},
		{"ClassScores MaxInt", metric(scores, math.MaxInt)},
		{"F1 Macro 1<<40", metric(f1(linear.Macro), 1<<40)},
		{"F1 Macro MaxInt", metric(f1(linear.Macro), math.MaxInt)},
		{"F1 Binary MaxInt", metric(f1(linear.Binary), math.MaxInt)},
		{"Accuracy MaxInt", metric(accuracy, math.MaxInt)},
		{"Precision predicted MaxClasses", metric(precision, linear.MaxClasses)},
		{"Recall 1<<40", metric(recall, 1<<40)},
		{"ConfusionMatrix 1<<40", metric(confusion(2), 1<<40)},
		{"ConfusionMatrix MaxInt", metric(confusion(2), math.MaxInt)},
		{"ConfusionMatrix k 1<<40", metric(confusion(1<<40), 1)},
		{"ConfusionMatrix k MaxInt", metric(confusion(math.MaxInt), 1)},
		{"ConfusionMatrix label above MaxConfusionClasses", metric(confusion(2), linear.MaxConfusionClasses)},
		{"BalancedWeights k 1<<40", balanced([]int{0, 1}, 1<<40)},
		{"BalancedWeights k negative", balanced([]int{0, 1}, -1)},
		{"BalancedWeights label outside k", balanced([]int{0, 5}, 2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.fn(); !errors.Is(err, linear.ErrLabels) {
				t.Errorf("error = %v, want ErrLabels", err)
			}
		})
	}
}

// TestLabelBoundsValid checks the edges that stay valid: a metric's label
// may name a class absent from a small test set, and ConfusionMatrix's k
// may exceed the labels.
func TestLabelBoundsValid(t *testing.T) {
	got, err := linear.ConfusionMatrix([]int{0, 1}, []int{0, 3}, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 0, 0, 0, 0}, {0, 0, 0, 1, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ConfusionMatrix (-want +got):\n%s", diff)
	}
	if _, err := linear.F1([]int{0, linear.MaxClasses - 1}, []int{0, 1}, linear.Macro); err != nil {
		t.Errorf("F1(label MaxClasses-1) error = %v, want nil", err)
	}
	X, y := small()
	if _, err := linear.Fit(context.Background(), X, []int{0, 1, 2, 3, 4, 5, 6, 7}, linear.Config{MaxIter: 5}); err != nil {
		t.Errorf("Fit(8 classes on 8 rows) error = %v, want nil", err)
	}
	if _, err := linear.Fit(context.Background(), X, y, linear.Config{Classes: []string{"a", "b"}}); err != nil {
		t.Errorf("Fit(named classes) error = %v, want nil", err)
	}
}

// TestPredictChecked checks the checked forms of Predict and PredictProba:
// a matrix of the wrong width, a dst of the wrong size, a NaN row and a nil
// model are errors where the unchecked forms return nil or NaN.
func TestPredictChecked(t *testing.T) {
	ds := dataset.BreastCancer()
	m, err := linear.Fit(context.Background(), ds.X, ds.Y, linear.Config{Standardize: true})
	if err != nil {
		t.Fatal(err)
	}
	n, d := ds.X.Dims()
	got := make([]int, n)
	if err := m.PredictTo(got, ds.X); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m.Predict(ds.X), got); diff != "" {
		t.Errorf("PredictTo (-Predict +PredictTo):\n%s", diff)
	}
	nan := mat.DenseCopyOf(ds.X.Slice(0, 3, 0, d))
	nan.Set(1, 2, math.NaN())
	var nilModel *linear.Model
	for _, tc := range []struct {
		name string
		fn   func() error
		want error
	}{
		{"PredictTo narrow X", func() error { return m.PredictTo(make([]int, 2), mat.NewDense(2, d-1, nil)) }, linear.ErrShape},
		{"PredictTo wide X", func() error { return m.PredictTo(make([]int, 2), mat.NewDense(2, d+1, nil)) }, linear.ErrShape},
		{"PredictTo short dst", func() error { return m.PredictTo(make([]int, 1), mat.NewDense(2, d, nil)) }, linear.ErrShape},
		{"PredictTo nil X", func() error { return m.PredictTo(nil, nil) }, linear.ErrShape},
		{"PredictTo NaN row", func() error { return m.PredictTo(make([]int, 3), nan) }, linear.ErrNonFinite},
		{"PredictTo nil model", func() error { return nilModel.PredictTo(make([]int, 2), mat.NewDense(2, d, nil)) }, linear.ErrNoModel},
		{"PredictProbaTo wide X", func() error { return m.PredictProbaTo(mat.NewDense(2, 2, nil), mat.NewDense(2, d+1, nil)) }, linear.ErrShape},
		{"PredictProbaTo NaN row", func() error { return m.PredictProbaTo(mat.NewDense(3, 2, nil), nan) }, linear.ErrNonFinite},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.fn(); !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want %v", err, tc.want)
			}
		})
	}
	// The unchecked forms, as documented.
	if got := m.Predict(mat.NewDense(2, d+1, nil)); got != nil {
		t.Errorf("Predict(wrong width) = %v, want nil", got)
	}
	if got := nilModel.PredictProba(ds.X); got != nil {
		t.Errorf("nil model PredictProba = %v, want nil", got)
	}
	if p := m.PredictProba(nan); !math.IsNaN(p.At(1, 0)) || math.IsNaN(p.At(0, 0)) {
		t.Errorf("PredictProba(NaN row) rows = %v, %v, want NaN only in row 1", p.RawRowView(0), p.RawRowView(1))
	}
}
