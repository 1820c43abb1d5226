package linear_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/linear"
)

// TestMetrics checks every metric against scikit-learn 1.2.1
// (testdata/metrics.json, written by testdata/metrics.py).
func TestMetrics(t *testing.T) {
	b, err := os.ReadFile("testdata/metrics.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []map[string]json.RawMessage
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	avgs := map[string]linear.Average{"binary": linear.Binary, "macro": linear.Macro, "weighted": linear.Weighted, "micro": linear.Micro}
	for _, c := range ref.Cases {
		var name string
		var y, pred []int
		var proba [][]float64
		var confusion [][]int
		json.Unmarshal(c["name"], &name)
		json.Unmarshal(c["y"], &y)
		json.Unmarshal(c["pred"], &pred)
		json.Unmarshal(c["proba"], &proba)
		json.Unmarshal(c["confusion"], &confusion)
		num := func(key string) (float64, bool) {
			raw, ok := c[key]
			var v float64
			json.Unmarshal(raw, &v)
			return v, ok
		}
		P := mat.NewDense(len(proba), len(proba[0]), nil)
		for i, r := range proba {
			P.SetRow(i, r)
		}
		k := len(proba[0])
		t.Run(name, func(t *testing.T) {
			got := map[string]float64{}
			want := map[string]float64{}
			add := func(key string, v float64, err error) {
				t.Helper()
				if err != nil {
					t.Errorf("%s: %v", key, err)
					return
				}
				if w, ok := num(key); ok {
					got[key], want[key] = v, w
				}
			}
			v, err := linear.Accuracy(y, pred)
			add("accuracy", v, err)
			v, err = linear.LogLoss(y, P)
			add("log_loss", v, err)
			for an, a := range avgs {
				if a == linear.Binary && k > 2 {
					continue
				}
				v, err = linear.Precision(y, pred, a)
				add("precision_"+an, v, err)
				v, err = linear.Recall(y, pred, a)
				add("recall_"+an, v, err)
				v, err = linear.F1(y, pred, a)
				add("f1_"+an, v, err)
				if a != linear.Micro {
					v, err = linear.ROCAUC(y, P, a)
					if _, ok := num("roc_auc_" + an); ok {
						add("roc_auc_"+an, v, err)
					}
				}
			}
			if len(got) < 8 {
				t.Fatalf("compared only %d metrics", len(got))
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
				t.Errorf("metrics (-sklearn +ours):\n%s", diff)
			}
			cm, err := linear.ConfusionMatrix(y, pred, k)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(confusion, cm); diff != "" {
				t.Errorf("confusion (-sklearn +ours):\n%s", diff)
			}
		})
	}
}

func TestMetricErrors(t *testing.T) {
	P := mat.NewDense(3, 2, []float64{0.2, 0.8, 0.5, 0.5, 0.9, 0.1})
	for _, tc := range []struct {
		name string
		fn   func() error
		want error
	}{
		{"accuracy lengths", func() error { _, err := linear.Accuracy([]int{0, 1}, []int{0}); return err }, linear.ErrShape},
		{"accuracy empty", func() error { _, err := linear.Accuracy(nil, nil); return err }, linear.ErrShape},
		{"negative label", func() error { _, err := linear.F1([]int{0, -1}, []int{0, 1}, linear.Macro); return err }, linear.ErrLabels},
		{"binary with 3 classes", func() error { _, err := linear.F1([]int{0, 2}, []int{0, 1}, linear.Binary); return err }, linear.ErrLabels},
		{"log loss rows", func() error { _, err := linear.LogLoss([]int{0, 1}, P); return err }, linear.ErrShape},
		{"log loss label", func() error { _, err := linear.LogLoss([]int{0, 1, 2}, P); return err }, linear.ErrLabels},
		{"auc one class", func() error { _, err := linear.ROCAUC([]int{1, 1, 1}, P, linear.Binary); return err }, linear.ErrLabels},
		{"auc micro", func() error { _, err := linear.ROCAUC([]int{0, 1, 1}, P, linear.Micro); return err }, linear.ErrConfig},
		{"auc NaN", func() error {
			Q := mat.DenseCopyOf(P)
			Q.Set(0, 0, math.NaN())
			_, err := linear.ROCAUC([]int{0, 1, 1}, Q, linear.Binary)
			return err
		}, linear.ErrNonFinite},
		{"evaluate nil model", func() error { _, err := linear.Evaluate(nil, P, []int{0, 1, 0}); return err }, linear.ErrNoModel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.fn(); !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestStratifiedKFold(t *testing.T) {
	y := make([]int, 103)
	for i := range y {
		y[i] = i % 3
		if i > 90 {
			y[i] = 0
		}
	}
	folds, err := linear.StratifiedKFold(y, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]int, len(y))
	for _, f := range folds {
		counts := make([]int, 3)
		for _, i := range f {
			seen[i]++
			counts[y[i]]++
		}
		// Class sizes 43, 30, 30 over 5 folds: 8 or 9, and 6.
		if counts[0] < 8 || counts[0] > 9 || counts[1] != 6 || counts[2] != 6 {
			t.Errorf("fold class counts %v, want [8-9 6 6]", counts)
		}
		if len(f) < 20 || len(f) > 21 {
			t.Errorf("fold size %d, want 20 or 21", len(f))
		}
	}
	for i, s := range seen {
		if s != 1 {
			t.Errorf("row %d is in %d folds, want 1", i, s)
		}
	}
	again, _ := linear.StratifiedKFold(y, 5, 1)
	if diff := cmp.Diff(folds, again); diff != "" {
		t.Errorf("same seed, different folds:\n%s", diff)
	}
	if _, err := linear.StratifiedKFold(y, 1, 1); !errors.Is(err, linear.ErrConfig) {
		t.Errorf("1 fold: error %v, want ErrConfig", err)
	}
}

func TestCrossValidate(t *testing.T) {
	ds := dataset.BreastCancer()
	cfg := linear.Config{Standardize: true}
	res, err := linear.CrossValidate(context.Background(), ds.X, ds.Y, cfg, 5, 42)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Folds) != 5 {
		t.Fatalf("%d folds, want 5", len(res.Folds))
	}
	sum, total := 0.0, 0
	for _, f := range res.Folds {
		sum += f.F1
		for _, row := range f.Confusion {
			for _, v := range row {
				total += v
			}
		}
	}
	if total != 569 {
		t.Errorf("folds score %d rows, want 569", total)
	}
	if math.Abs(sum/5-res.Mean.F1) > 1e-15 {
		t.Errorf("Mean.F1 = %v, mean of folds %v", res.Mean.F1, sum/5)
	}
	// Standardised L2 logistic regression scores about 0.98 on this set.
	if res.Mean.Accuracy < 0.96 || res.Mean.ROCAUC < 0.98 {
		t.Errorf("mean accuracy %v, ROC AUC %v; want >= 0.96 and 0.98", res.Mean.Accuracy, res.Mean.ROCAUC)
	}
	// Deterministic for a seed, whatever the threads.
	cfg.Threads = 1
	again, err := linear.CrossValidate(context.Background(), ds.X, ds.Y, cfg, 5, 42)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res, again); diff != "" {
		t.Errorf("CrossValidate with 1 thread differs (-2 +1):\n%s", diff)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := linear.CrossValidate(ctx, ds.X, ds.Y, cfg, 5, 42); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: error %v, want context.Canceled", err)
	}
}

func TestPath(t *testing.T) {
	ds := dataset.BreastCancer()
	Cs := []float64{10, 0.01, 1, 0.1}
	cfg := linear.Config{Standardize: true, Penalty: linear.L1, Tol: 1e-8, MaxIter: 1000}
	models, err := linear.Path(context.Background(), ds.X, ds.Y, cfg, Cs)
	if err != nil {
		t.Fatal(err)
	}
	nonzero := func(m *linear.Model) int {
		n := 0
		for _, v := range m.Coef().RawRowView(0) {
			if v != 0 {
				n++
			}
		}
		return n
	}
	// The L1 path: weaker regularisation, more non-zero coefficients.
	if !(nonzero(models[1]) <= nonzero(models[3]) && nonzero(models[3]) <= nonzero(models[2]) && nonzero(models[2]) <= nonzero(models[0])) {
		t.Errorf("non-zero counts along C %v: %d %d %d %d, want non-decreasing in C", Cs, nonzero(models[0]), nonzero(models[1]), nonzero(models[2]), nonzero(models[3]))
	}
	for i, m := range models {
		cfg.C = Cs[i]
		cold, err := linear.Fit(context.Background(), ds.X, ds.Y, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(cold.Summary().Objective, m.Summary().Objective, cmpopts.EquateApprox(1e-7, 0)); diff != "" {
			t.Errorf("C=%v objective (-cold +path):\n%s", Cs[i], diff)
		}
	}
	if _, err := linear.Path(context.Background(), ds.X, ds.Y, cfg, []float64{1, -1}); !errors.Is(err, linear.ErrConfig) {
		t.Errorf("negative C: error %v, want ErrConfig", err)
	}
	res, err := linear.PathCV(context.Background(), ds.X, ds.Y, linear.Config{Standardize: true}, linear.LogSpace(1e-3, 1e2, 6), 5, 1, linear.NegLogLossScore)
	if err != nil {
		t.Fatal(err)
	}
	best := 0
	for i := range res.Mean {
		if res.Mean[i] > res.Mean[best] {
			best = i
		}
	}
	if res.BestC != res.Cs[best] || res.Best.Summary().C != res.BestC {
		t.Errorf("BestC %v, best mean at %v, refit C %v", res.BestC, res.Cs[best], res.Best.Summary().C)
	}
	if len(res.Scores) != 5 || len(res.Scores[0]) != 6 {
		t.Errorf("Scores is %dx%d, want 5x6", len(res.Scores), len(res.Scores[0]))
	}
}
