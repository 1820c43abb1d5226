package linear_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/linear"
)

// golden is testdata/golden.json, written by testdata/golden.py from
// scikit-learn 1.2.1.
type golden struct {
	Sklearn string `json:"sklearn"`
	Data    map[string]struct {
		Source string      `json:"source"`
		Sum    float64     `json:"sum"`
		X      [][]float64 `json:"X"`
		Y      []int       `json:"y"`
	} `json:"data"`
	Cases []goldenCase `json:"cases"`
}

type goldenCase struct {
	Name       string             `json:"name"`
	Data       string             `json:"data"`
	Penalty    *string            `json:"penalty"`
	C          float64            `json:"C"`
	L1Ratio    *float64           `json:"l1_ratio"`
	Std        bool               `json:"std"`
	SW         bool               `json:"sw"`
	Balanced   bool               `json:"balanced"`
	FitB       bool               `json:"fit_intercept"`
	Objective  float64            `json:"objective"`
	Solver     string             `json:"solver"`
	NIter      int                `json:"n_iter"`
	Converged  bool               `json:"converged"`
	Tried      map[string]float64 `json:"tried"`
	Coef       [][]float64        `json:"coef"`
	Intercept0 []float64          `json:"intercept"`
	ProbaRows  []int              `json:"proba_rows"`
	Proba      [][]float64        `json:"proba"`
}

func loadGolden(t testing.TB) *golden {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

func (g *golden) xy(t testing.TB, name string) (*mat.Dense, []int) {
	t.Helper()
	d := g.Data[name]
	if d.Source == "dataset.BreastCancer" {
		ds := dataset.BreastCancer()
		if got := mat.Sum(ds.X); math.Abs(got-d.Sum) > 1e-9*math.Abs(d.Sum) {
			t.Fatalf("breast cancer data differs from scikit-learn's: sum %v, want %v", got, d.Sum)
		}
		return ds.X, ds.Y
	}
	n, p := len(d.X), len(d.X[0])
	X := mat.NewDense(n, p, nil)
	for i, row := range d.X {
		X.SetRow(i, row)
	}
	return X, d.Y
}

func (c goldenCase) config(n int) linear.Config {
	cfg := linear.Config{C: c.C, Tol: 1e-10, MaxIter: 10000, Standardize: c.Std, Balanced: c.Balanced, NoIntercept: !c.FitB}
	switch {
	case c.Penalty == nil:
		cfg.Penalty = linear.NoPenalty
	case *c.Penalty == "l1":
		cfg.Penalty = linear.L1
	case *c.Penalty == "elasticnet":
		cfg.Penalty = linear.ElasticNet
		cfg.L1Ratio = *c.L1Ratio
	}
	if c.SW {
		cfg.SampleWeight = make([]float64, n)
		for i := range n {
			cfg.SampleWeight[i] = 0.5 + float64(i%5)/4
		}
	}
	return cfg
}

// TestGolden fits every case of testdata/golden.json with every solver that
// can minimise its objective and checks, against scikit-learn 1.2.1's best
// solver at tol 1e-10:
//   - our objective is no worse than scikit-learn's, to 1e-6 relative;
//   - where the reference converged, coefficients and intercepts agree to
//     1e-4 relative (plus 1e-6 of the largest coefficient, for entries near
//     zero), and probabilities to 1e-4.
func TestGolden(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Cases {
		X, y := g.xy(t, c.Data)
		n, _ := X.Dims()
		solvers := []linear.Solver{linear.LBFGS, linear.Newton, linear.CoordinateDescent}
		switch {
		case c.Penalty != nil && *c.Penalty != "l2":
			solvers = []linear.Solver{linear.CoordinateDescent}
		case !c.Std && (c.Data == "bc" || c.Data == "iris"):
			// Coordinate descent is the L1 solver; on L2 with raw,
			// badly scaled features it needs seconds (it is tested on
			// the standardised and synthetic L2 cases).
			solvers = solvers[:2]
		}
		for _, s := range solvers {
			t.Run(fmt.Sprintf("%s/%v", c.Name, s), func(t *testing.T) {
				cfg := c.config(n)
				cfg.Solver = s
				m, err := linear.Fit(context.Background(), X, y, cfg)
				if err != nil {
					t.Fatalf("Fit: %v", err)
				}
				sum := m.Summary()
				if sum.Objective > c.Objective*(1+1e-6) {
					t.Errorf("objective %.12g, scikit-learn (%s) %.12g: worse by %.3g relative (iters %d, violation %.3g, converged %v)",
						sum.Objective, c.Solver, c.Objective, (sum.Objective-c.Objective)/c.Objective, sum.Iterations, sum.Violation, sum.Converged)
				}
				if !c.Converged {
					return
				}
				if s == linear.LBFGS && c.Data == "bc" && !c.Std {
					// Raw breast cancer features span 1e-3..4e3: LBFGS stops
					// on the float64 floor of the objective (1e-15 relative)
					// with coefficients good to 1e-3 only, as scipy's does.
					// The objective is checked above; Newton checks the
					// coefficients.
					return
				}
				coef := m.Coef()
				scale := 0.0
				for _, row := range c.Coef {
					for _, v := range row {
						scale = math.Max(scale, math.Abs(v))
					}
				}
				for r, row := range c.Coef {
					for j, want := range row {
						if got := coef.At(r, j); !close(got, want, 1e-4, 1e-6*scale) {
							t.Errorf("coef[%d][%d] = %.10g, want %.10g", r, j, got, want)
						}
					}
				}
				for r, want := range c.Intercept0 {
					if got := m.Intercept()[r]; !close(got, want, 1e-4, 1e-6*math.Max(scale, 1)) {
						t.Errorf("intercept[%d] = %.10g, want %.10g", r, got, want)
					}
				}
				P := m.PredictProba(rows(X, c.ProbaRows))
				for i, prow := range c.Proba {
					for j, want := range prow {
						if got := P.At(i, j); math.Abs(got-want) > 1e-4 {
							t.Errorf("proba[row %d][%d] = %.8g, want %.8g", c.ProbaRows[i], j, got, want)
						}
					}
				}
			})
		}
	}
}

func close(got, want, rel, abs float64) bool {
	return math.Abs(got-want) <= rel*math.Abs(want)+abs
}

func rows(X *mat.Dense, idx []int) *mat.Dense {
	_, d := X.Dims()
	out := mat.NewDense(len(idx), d, nil)
	for i, r := range idx {
		out.SetRow(i, X.RawRowView(r))
	}
	return out
}
