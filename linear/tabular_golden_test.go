package linear_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/linear"
)

// tabularGolden is testdata/tabular.json, written by testdata/tabular.py
// from scikit-learn 1.2.1 and pandas 1.5.3.
type tabularGolden struct {
	Sklearn string        `json:"sklearn"`
	Cases   []tabularCase `json:"cases"`
}

type tabularCase struct {
	Name      string         `json:"name"`
	Table     string         `json:"table"`
	Target    string         `json:"target"`
	C         float64        `json:"C"`
	Classes   []string       `json:"classes"`
	Train     []int          `json:"train"`
	Test      []int          `json:"test"`
	Inputs    []tabularInput `json:"inputs"`
	TrainSum  []float64      `json:"train_sum"`
	TrainSSQ  []float64      `json:"train_sumsq"`
	TestZ     [][]float64    `json:"test_Z"`
	Coef      [][]float64    `json:"coef"`
	Intercept []float64      `json:"intercept"`
	Proba     [][]float64    `json:"proba"`
}

type tabularInput struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Settings struct {
		Impute        string   `json:"impute"`
		Fill          *float64 `json:"fill"`
		FillText      *string  `json:"fill_text"`
		NoScale       bool     `json:"no_scale"`
		MinFrequency  *float64 `json:"min_frequency"`
		MaxCategories *int     `json:"max_categories"`
		Unknown       string   `json:"unknown"`
	} `json:"settings"`
	Fill       float64  `json:"fill"`
	FillText   string   `json:"fill_text"`
	Mean       *float64 `json:"mean"`
	Scale      *float64 `json:"scale"`
	Categories []string `json:"categories"`
	Infrequent []string `json:"infrequent"`
}

// tabularTable returns a case's table, read as ReadTable reads it.
func tabularTable(t *testing.T, name string) *dataset.Table {
	t.Helper()
	if name == "penguins" {
		return dataset.Penguins()
	}
	f, err := os.Open("testdata/credit_data.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := dataset.ReadTable(f, dataset.TableOptions{Target: "Status"})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// inputsOf returns the Inputs for a table's columns with a case's
// settings.
func inputsOf(t *testing.T, tab *dataset.Table, c tabularCase) []linear.Input {
	t.Helper()
	settings := map[string]tabularInput{}
	for _, in := range c.Inputs {
		settings[in.Name] = in
	}
	impute := map[string]linear.Impute{"mean": linear.ImputeMean, "median": linear.ImputeMedian,
		"most_frequent": linear.ImputeMostFrequent, "constant": linear.ImputeConstant}
	unknown := map[string]linear.Unknown{"ignore": linear.UnknownIgnore, "error": linear.UnknownError,
		"infrequent_if_exist": linear.UnknownInfrequent}
	var inputs []linear.Input
	for _, col := range tab.Columns {
		s, ok := settings[col.Name]
		if !ok {
			t.Fatalf("no settings for column %q", col.Name)
		}
		in := linear.Input{Name: col.Name, Impute: impute[s.Settings.Impute], NoScale: s.Settings.NoScale}
		if col.Type == dataset.Text {
			in.Kind, in.Levels, in.Unknown = linear.Categorical, col.Levels, unknown[s.Settings.Unknown]
			if f := s.Settings.FillText; f != nil {
				in.FillText = *f
			}
			if f := s.Settings.MinFrequency; f != nil {
				in.MinFrequency = *f
			}
			if m := s.Settings.MaxCategories; m != nil {
				in.MaxCategories = *m
			}
		} else if f := s.Settings.Fill; f != nil {
			in.Fill = *f
		}
		if want := map[bool]string{true: "categorical", false: "numeric"}[col.Type == dataset.Text]; want != s.Kind {
			t.Fatalf("column %q is %s for ReadTable, %s for pandas", col.Name, want, s.Kind)
		}
		inputs = append(inputs, in)
	}
	return inputs
}

// near reports whether got is within tol of want, relative to max(1, |want|).
func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// TestTabularGolden checks, against scikit-learn's ColumnTransformer
// (SimpleImputer, StandardScaler, OneHotEncoder) and LogisticRegression at
// tol 1e-10, on the penguins and on modeldata's credit_data: the split,
// the fitted preprocessing, the transformed rows, the coefficients and the
// probabilities of the test rows, all within 1e-6.
func TestTabularGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/tabular.json")
	if err != nil {
		t.Fatal(err)
	}
	var g tabularGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	const tol = 1e-6
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			tab := tabularTable(t, c.Table)
			if diff := cmp.Diff(c.Classes, tab.Classes); diff != "" {
				t.Fatalf("classes (-sklearn +cairn):\n%s", diff)
			}
			train, test, err := dataset.SklearnStratifiedSplit(tab.Y, 0.2, 42)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(train, c.Train) || !cmp.Equal(test, c.Test) {
				t.Fatal("SklearnStratifiedSplit differs from train_test_split")
			}
			tr, err := tab.Subset(train)
			if err != nil {
				t.Fatal(err)
			}
			te, err := tab.Subset(test)
			if err != nil {
				t.Fatal(err)
			}
			cfg := linear.Config{C: c.C, Tol: 1e-10, MaxIter: 10000, Classes: tab.Classes, Inputs: inputsOf(t, tab, c)}
			m, err := linear.Fit(context.Background(), tr.X, tr.Y, cfg)
			if err != nil {
				t.Fatal(err)
			}

			// The fitted preprocessing.
			byName := map[string]linear.Encoding{}
			for _, e := range m.Encodings() {
				byName[e.Name] = e
			}
			for _, want := range c.Inputs {
				e := byName[want.Name]
				if want.Kind == "numeric" {
					mean, scale := 0.0, 1.0
					if want.Mean != nil {
						mean, scale = *want.Mean, *want.Scale
					}
					if !near(e.Fill, want.Fill, tol) || !near(e.Mean, mean, tol) || !near(e.Scale, scale, tol) {
						t.Errorf("%s: fill, mean, scale = %v, %v, %v; sklearn %v, %v, %v", want.Name, e.Fill, e.Mean, e.Scale, want.Fill, mean, scale)
					}
					continue
				}
				infrequent := map[string]bool{}
				for _, v := range want.Infrequent {
					infrequent[v] = true
				}
				var frequent []string
				for _, v := range want.Categories {
					if !infrequent[v] {
						frequent = append(frequent, v)
					}
				}
				got := struct {
					Fill       string
					Categories []string
					Infrequent []string
				}{e.FillText, e.Categories, e.Infrequent}
				wantEnc := got
				wantEnc.Fill, wantEnc.Categories, wantEnc.Infrequent = want.FillText, frequent, want.Infrequent
				if diff := cmp.Diff(wantEnc, got); diff != "" {
					t.Errorf("%s: encoding (-sklearn +cairn):\n%s", want.Name, diff)
				}
			}

			// The transformed rows.
			Ztr, err := m.Transform(tr.X)
			if err != nil {
				t.Fatal(err)
			}
			n, q := Ztr.Dims()
			if q != len(c.TrainSum) {
				t.Fatalf("%d features, sklearn has %d", q, len(c.TrainSum))
			}
			for j := range q {
				s, ss := 0.0, 0.0
				for i := range n {
					v := Ztr.At(i, j)
					s += v
					ss += v * v
				}
				if !near(s, c.TrainSum[j], tol) || !near(ss, c.TrainSSQ[j], tol) {
					t.Errorf("training feature %d (%s): sum %v, sum of squares %v; sklearn %v, %v", j, m.CoefNames()[j], s, ss, c.TrainSum[j], c.TrainSSQ[j])
				}
			}
			Zte, err := m.Transform(te.X)
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range c.TestZ {
				for j, want := range row {
					if got := Zte.At(i, j); !near(got, want, tol) {
						t.Fatalf("test row %d, feature %d (%s) = %v, sklearn %v", i, j, m.CoefNames()[j], got, want)
					}
				}
			}

			// Coefficients, intercepts (centred for more than two
			// classes, which does not change the model) and probabilities.
			coef := m.Coef()
			for r, row := range c.Coef {
				for j, want := range row {
					if got := coef.At(r, j); !near(got, want, tol) {
						t.Errorf("coef[%d][%d] (%s) = %v, sklearn %v", r, j, m.CoefNames()[j], got, want)
					}
				}
			}
			want := c.Intercept
			if len(want) > 1 {
				mean := 0.0
				for _, v := range want {
					mean += v / float64(len(want))
				}
				for i := range want {
					want[i] -= mean
				}
			}
			for r, got := range m.Intercept() {
				if !near(got, want[r], tol) {
					t.Errorf("intercept[%d] = %v, sklearn %v", r, got, want[r])
				}
			}
			P := m.PredictProba(te.X)
			worst := 0.0
			for i, row := range c.Proba {
				for k, want := range row {
					worst = math.Max(worst, math.Abs(P.At(i, k)-want))
				}
			}
			if worst > tol {
				t.Errorf("test probabilities differ from sklearn's by up to %.3g", worst)
			}
		})
	}
}
