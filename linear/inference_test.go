package linear_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/linear"
)

// TestInference checks standard errors, z-scores, p-values and confidence
// intervals against statsmodels 0.13.5 Logit (testdata/inference.json,
// written by testdata/inference.py), to 1e-6 relative.
func TestInference(t *testing.T) {
	b, err := os.ReadFile("testdata/inference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []struct {
			Name, Data                       string
			Cols                             []int
			Names                            []string
			Coef, Stderr, Z, P, Lower, Upper []float64
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	g := loadGolden(t)
	opt := cmpopts.EquateApprox(1e-6, 1e-12)
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			X0, y := g.xy(t, c.Data)
			n, _ := X0.Dims()
			X := mat.NewDense(n, len(c.Cols), nil)
			for j, col := range c.Cols {
				X.SetCol(j, mat.Col(nil, col, X0))
			}
			for _, s := range []linear.Solver{linear.Newton, linear.LBFGS} {
				m, err := linear.Fit(context.Background(), X, y, linear.Config{
					Penalty: linear.NoPenalty, Inference: true, Solver: s, Tol: 1e-10, MaxIter: 10000,
					Features: c.Names[:len(c.Names)-1],
				})
				if err != nil {
					t.Fatal(err)
				}
				inf := m.Inference()
				if inf == nil {
					t.Fatal("Inference() = nil")
				}
				got := map[string][]float64{"coef": inf.Coef, "stderr": inf.StdErr, "z": inf.Z, "p": inf.P, "lower": inf.Lower, "upper": inf.Upper}
				want := map[string][]float64{"coef": c.Coef, "stderr": c.Stderr, "z": c.Z, "p": c.P, "lower": c.Lower, "upper": c.Upper}
				if diff := cmp.Diff(want, got, opt); diff != "" {
					t.Errorf("%v: statistics (-statsmodels +ours):\n%s", s, diff)
				}
				if diff := cmp.Diff(c.Names, inf.Names); diff != "" {
					t.Errorf("names (-statsmodels +ours):\n%s", diff)
				}
			}
		})
	}
	t.Run("singular", func(t *testing.T) {
		X := mat.NewDense(4, 2, []float64{1, 2, 2, 4, 3, 6, 4, 8}) // collinear columns
		_, err := linear.Fit(context.Background(), X, []int{0, 1, 0, 1}, linear.Config{Penalty: linear.NoPenalty, Inference: true})
		if !errors.Is(err, linear.ErrSingular) {
			t.Errorf("collinear: error %v, want ErrSingular", err)
		}
	})
	t.Run("multinomial", func(t *testing.T) {
		X := mat.NewDense(6, 1, []float64{1, 2, 3, 4, 5, 6})
		_, err := linear.Fit(context.Background(), X, []int{0, 1, 2, 1, 2, 0}, linear.Config{Penalty: linear.NoPenalty, Inference: true})
		if !errors.Is(err, linear.ErrConfig) {
			t.Errorf("three classes: error %v, want ErrConfig", err)
		}
	})
}
