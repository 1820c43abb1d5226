package tune

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestParzenMatchesOptuna checks the estimator against Optuna 3.1's
// _ParzenEstimator on the cases of testdata/parzen_golden.py: mixture
// weights, kernel centres and bandwidths, categorical kernels and log
// densities (Optuna 3.1's, without the 1/sigma of optuna#5110).
func TestParzenMatchesOptuna(t *testing.T) {
	raw, err := os.ReadFile("testdata/parzen_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name         string
		Multivariate bool
		Space        map[string]struct {
			Kind      string
			Low, High float64
			Step      float64
			Log       bool
			Choices   []string
		}
		Obs, Points map[string][]float64
		Weights     []float64
		Mus, Sigmas map[string][]float64
		Cat         map[string][][]float64
		Logpdf      []float64
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	approx := cmpopts.EquateApprox(1e-9, 1e-12)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			names := sortedNames(tc.Space)
			var dists []Distribution
			var obs, pts [][]float64
			for _, name := range names {
				s := tc.Space[name]
				d := Distribution{Low: s.Low, High: s.High, Step: s.Step, Log: s.Log, Choices: s.Choices}
				switch s.Kind {
				case "int":
					d.Kind = IntKind
				case "categorical":
					d.Kind = CategoricalKind
				}
				d, err := d.normalize()
				if err != nil {
					t.Fatal(err)
				}
				dists = append(dists, d)
				var col []float64
				for _, x := range tc.Obs[name] {
					col = append(col, toParzen(d, x))
				}
				obs = append(obs, col)
				pts = append(pts, tc.Points[name])
			}
			pe := newParzen(obs, dists, parzenParams{considerPrior: true, priorWeight: 1, magicClip: true,
				multivariate: tc.Multivariate, weights: DefaultWeights})
			if diff := cmp.Diff(tc.Weights, pe.w, approx); diff != "" {
				t.Errorf("weights (-optuna +ours):\n%s", diff)
			}
			for j, name := range names {
				pd := pe.dims[j]
				if pd.cat {
					var rows [][]float64
					for i := range len(pe.w) {
						rows = append(rows, pd.catProb[i*pd.k:(i+1)*pd.k])
					}
					if diff := cmp.Diff(tc.Cat[name], rows, approx); diff != "" {
						t.Errorf("%s categorical kernels (-optuna +ours):\n%s", name, diff)
					}
					continue
				}
				if diff := cmp.Diff(tc.Mus[name], pd.mus, approx); diff != "" {
					t.Errorf("%s mus (-optuna +ours):\n%s", name, diff)
				}
				if diff := cmp.Diff(tc.Sigmas[name], pd.sigmas, approx); diff != "" {
					t.Errorf("%s sigmas (-optuna +ours):\n%s", name, diff)
				}
			}
			if diff := cmp.Diff(tc.Logpdf, pe.logPDF(pts), approx); diff != "" {
				t.Errorf("log pdf (-optuna +ours):\n%s", diff)
			}
		})
	}
}
