package linear_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/linear"
)

// penguinInputs returns the default Inputs of a table's columns.
func penguinInputs(tab *dataset.Table) []linear.Input {
	inputs := make([]linear.Input, len(tab.Columns))
	for j, c := range tab.Columns {
		inputs[j] = linear.Input{Name: c.Name}
		if c.Type == dataset.Text {
			inputs[j].Kind, inputs[j].Levels = linear.Categorical, c.Levels
		}
	}
	return inputs
}

// values returns row i of tab as Values.
func values(tab *dataset.Table, i int) []linear.Value {
	rec := make([]linear.Value, len(tab.Columns))
	for j, c := range tab.Columns {
		v := tab.X.At(i, j)
		switch {
		case math.IsNaN(v):
		case c.Type == dataset.Text:
			rec[j] = linear.Text(c.Levels[int(v)])
		default:
			rec[j] = linear.Num(v)
		}
	}
	return rec
}

func fitPenguins(t testing.TB, mod func([]linear.Input)) (*linear.Model, *dataset.Table) {
	t.Helper()
	tab := dataset.Penguins()
	inputs := penguinInputs(tab)
	if mod != nil {
		mod(inputs)
	}
	m, err := linear.Fit(context.Background(), tab.X, tab.Y, linear.Config{Classes: tab.Classes, Inputs: inputs})
	if err != nil {
		t.Fatal(err)
	}
	return m, tab
}

// The three ways to predict from raw inputs (PredictProbaInto on a coded
// row, PredictValuesInto on a record, PredictProba on a matrix) agree with
// the coefficients applied to Transform's features.
func TestInputsPredictPaths(t *testing.T) {
	for _, binary := range []bool{false, true} {
		tab := dataset.Penguins()
		if binary { // Gentoo against the rest
			tab.Classes = []string{"other", "Gentoo"}
			for i, y := range tab.Y {
				tab.Y[i] = y / 2
			}
		}
		m, err := linear.Fit(context.Background(), tab.X, tab.Y, linear.Config{Classes: tab.Classes, Inputs: penguinInputs(tab)})
		if err != nil {
			t.Fatal(err)
		}
		Z, err := m.Transform(tab.X)
		if err != nil {
			t.Fatal(err)
		}
		coef, b := m.Coef(), m.Intercept()
		P := m.PredictProba(tab.X)
		if err := m.PredictTo(make([]int, tab.Len()), tab.X); err != nil {
			t.Errorf("PredictTo: %v", err)
		}
		k := m.NumClasses()
		got, viaValues := make([]float64, k), make([]float64, k)
		for i := range tab.Len() {
			var scores mat.Dense
			scores.Mul(Z.Slice(i, i+1, 0, Z.RawMatrix().Cols), coef.T())
			want := make([]float64, k)
			if k == 2 {
				want[1] = 1 / (1 + math.Exp(-(scores.At(0, 0) + b[0])))
				want[0] = 1 - want[1]
			} else {
				s := 0.0
				for c := range k {
					want[c] = math.Exp(scores.At(0, c) + b[c])
					s += want[c]
				}
				for c := range k {
					want[c] /= s
				}
			}
			if err := m.PredictProbaInto(got, tab.X.RawRowView(i)); err != nil {
				t.Fatal(err)
			}
			if err := m.PredictValuesInto(viaValues, values(tab, i)); err != nil {
				t.Fatal(err)
			}
			for c := range k {
				if math.Abs(got[c]-want[c]) > 1e-12 || viaValues[c] != got[c] || P.At(i, c) != got[c] {
					t.Fatalf("binary %v, row %d: PredictProbaInto %v, PredictValuesInto %v, PredictProba %v, from Transform %v",
						binary, i, got, viaValues, P.RawRowView(i), want)
				}
			}
		}
	}
}

func TestInputsRoundTrip(t *testing.T) {
	for name, m := range models(t) {
		if m.Inputs() == nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			b, err := linear.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `"version":2`) {
				t.Errorf("a model with inputs marshals as %.60s..., want version 2", b)
			}
			got, err := linear.Unmarshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(m.Inputs(), got.Inputs()); diff != "" {
				t.Errorf("Inputs (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(m.Encodings(), got.Encodings()); diff != "" {
				t.Errorf("Encodings (-before +after):\n%s", diff)
			}
			tab := dataset.Penguins()
			if diff := cmp.Diff(m.PredictProba(tab.X).RawMatrix().Data, got.PredictProba(tab.X).RawMatrix().Data); diff != "" {
				t.Errorf("probabilities (-before +after):\n%s", diff)
			}
		})
	}
}

func TestInputsUnknown(t *testing.T) {
	m, tab := fitPenguins(t, func(in []linear.Input) {
		in[0].Unknown = linear.UnknownError
		in[0].Levels = append(in[0].Levels, "Atlantis") // a level no row holds
	})
	p := make([]float64, 3)
	for _, rec := range [][]linear.Value{
		{linear.Text("Atlantis"), {}, {}, {}, {}, {}, {}},
		{linear.Text("Elsewhere"), {}, {}, {}, {}, {}, {}},
	} {
		if err := m.PredictValuesInto(p, rec); !errors.Is(err, linear.ErrInput) || !strings.Contains(err.Error(), `"island"`) {
			t.Errorf("PredictValuesInto(%v) = %v, want ErrInput naming island", rec, err)
		}
	}
	x := append([]float64(nil), tab.X.RawRowView(0)...)
	x[0] = -1
	if err := m.PredictProbaInto(p, x); !errors.Is(err, linear.ErrInput) {
		t.Errorf("PredictProbaInto with code -1 = %v, want ErrInput", err)
	}
	x[0] = 1.5
	if err := m.PredictProbaInto(p, x); !errors.Is(err, linear.ErrInput) {
		t.Errorf("PredictProbaInto with code 1.5 = %v, want ErrInput", err)
	}

	// Ignored: an unknown island scores as no island at all.
	m, _ = fitPenguins(t, nil)
	x[0] = -1
	if err := m.PredictProbaInto(p, x); err != nil {
		t.Fatal(err)
	}
	Z, err := m.Transform(mat.NewDense(1, len(x), x))
	if err != nil {
		t.Fatal(err)
	}
	if got := Z.RawRowView(0)[5:8]; !cmp.Equal(got, []float64{0, 0, 0}) {
		t.Errorf("an unknown island encodes as %v, want zeros", got)
	}
}

func TestInputsErrors(t *testing.T) {
	X := mat.NewDense(4, 2, []float64{1, 0, math.NaN(), 1, 3, math.NaN(), 4, 1})
	y := []int{0, 1, 0, 1}
	ok := []linear.Input{{Name: "a"}, {Name: "b", Kind: linear.Categorical, Levels: []string{"u", "v"}}}
	with := func(f func([]linear.Input)) []linear.Input {
		in := []linear.Input{ok[0], ok[1]}
		f(in)
		return in
	}
	tests := []struct {
		name string
		X    mat.Matrix
		cfg  linear.Config
		want error
		msg  string
	}{
		{"standardize too", X, linear.Config{Inputs: ok, Standardize: true}, linear.ErrConfig, "Standardize"},
		{"features too", X, linear.Config{Inputs: ok, Features: []string{"a", "b"}}, linear.ErrConfig, "Features"},
		{"too few inputs", X, linear.Config{Inputs: ok[:1]}, linear.ErrConfig, "1 inputs"},
		{"mean of text", X, linear.Config{Inputs: with(func(in []linear.Input) { in[1].Impute = linear.ImputeMean })}, linear.ErrConfig, `"b"`},
		{"fractional count", X, linear.Config{Inputs: with(func(in []linear.Input) { in[1].MinFrequency = 1.5 })}, linear.ErrConfig, `"b"`},
		{"levels twice", X, linear.Config{Inputs: with(func(in []linear.Input) { in[1].Levels = []string{"u", "u"} })}, linear.ErrConfig, `"u"`},
		{"same names", X, linear.Config{Inputs: with(func(in []linear.Input) { in[1].Name = "a" })}, linear.ErrConfig, `"a"`},
		{"code out of range", mat.NewDense(2, 2, []float64{1, 2, 2, 0}), linear.Config{Inputs: ok}, linear.ErrInput, `"b"`},
		{"infinite number", mat.NewDense(2, 2, []float64{math.Inf(1), 0, 2, 1}), linear.Config{Inputs: ok}, linear.ErrNonFinite, `"a"`},
		{"all missing", mat.NewDense(2, 2, []float64{math.NaN(), 0, math.NaN(), 1}), linear.Config{Inputs: ok}, linear.ErrInput, `"a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := linear.Fit(context.Background(), tt.X, y[:tt.X.(*mat.Dense).RawMatrix().Rows], tt.cfg)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Fit = %v, want %v mentioning %s", err, tt.want, tt.msg)
			}
		})
	}
	// A constant fills an input without values.
	m, err := linear.Fit(context.Background(), mat.NewDense(2, 2, []float64{math.NaN(), 0, math.NaN(), 1}), y[:2],
		linear.Config{Inputs: with(func(in []linear.Input) { in[0].Impute = linear.ImputeConstant })})
	if err != nil {
		t.Fatalf("Fit of an all-missing input imputed with a constant: %v", err)
	}
	if e := m.Encodings()[0]; e.Fill != 0 || e.Scale != 1 {
		t.Errorf("all-missing input: fill %v, scale %v; want 0, 1", e.Fill, e.Scale)
	}
}

// CrossValidate and Path refit the preprocessing on each fold or step.
func TestInputsCrossValidate(t *testing.T) {
	tab := dataset.Penguins()
	cfg := linear.Config{Classes: tab.Classes, Inputs: penguinInputs(tab)}
	cv, err := linear.CrossValidate(context.Background(), tab.X, tab.Y, cfg, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	if cv.Mean.Accuracy < 0.97 {
		t.Errorf("5-fold accuracy on the penguins = %.3f, want at least 0.97", cv.Mean.Accuracy)
	}
	path, err := linear.Path(context.Background(), tab.X, tab.Y, cfg, []float64{0.01, 0.1, 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(path) != 3 || path[2].Inputs() == nil {
		t.Errorf("Path with inputs = %d models", len(path))
	}
}

// FuzzFitInputs fits raw inputs from arbitrary values and settings: Fit
// returns a model or an error wrapping a sentinel, never panics, and a
// model it returns predicts its own rows, and round-trips through its
// format to the same probabilities.
func FuzzFitInputs(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, uint8(0), uint8(0), 0.0, 0)
	f.Add([]byte{255, 0, 1, 2, 255, 3, 1, 0, 2, 2, 0, 1}, uint8(3), uint8(4), 2.0, 2)
	f.Add([]byte{0, 0, 0, 0, 0, 0}, uint8(4), uint8(1), 0.5, 1)
	f.Fuzz(func(t *testing.T, cells []byte, numImpute, catImpute uint8, minFreq float64, maxCats int) {
		// Rows of (number, code, label): 255 is missing, 254 infinite.
		n := len(cells) / 3
		if n < 2 || n > 64 {
			return
		}
		X := mat.NewDense(n, 2, nil)
		y := make([]int, n)
		for i := range n {
			a, c, l := cells[3*i], cells[3*i+1], cells[3*i+2]
			switch a {
			case 255:
				X.Set(i, 0, math.NaN())
			case 254:
				X.Set(i, 0, math.Inf(1))
			default:
				X.Set(i, 0, float64(a)/7)
			}
			if c == 255 {
				X.Set(i, 1, math.NaN())
			} else {
				X.Set(i, 1, float64(c%5))
			}
			y[i] = int(l % 2)
		}
		inputs := []linear.Input{
			{Name: "a", Impute: linear.Impute(numImpute % 6)},
			{Name: "b", Kind: linear.Categorical, Levels: []string{"p", "q", "r", "s"}, Impute: linear.Impute(catImpute % 6),
				MinFrequency: minFreq, MaxCategories: maxCats, Unknown: linear.Unknown(numImpute % 3)},
		}
		m, err := linear.Fit(context.Background(), X, y, linear.Config{Inputs: inputs, MaxIter: 20})
		if err != nil {
			for _, s := range []error{linear.ErrConfig, linear.ErrInput, linear.ErrNonFinite, linear.ErrLabels, linear.ErrShape} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("Fit: %v wraps no sentinel", err)
		}
		b, err := linear.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := linear.Unmarshal(b)
		if err != nil {
			t.Fatalf("Unmarshal(Marshal(m)): %v\n%s", err, b)
		}
		p1, p2 := make([]float64, 2), make([]float64, 2)
		for i := range n {
			err1 := m.PredictProbaInto(p1, X.RawRowView(i))
			err2 := m2.PredictProbaInto(p2, X.RawRowView(i))
			if (err1 == nil) != (err2 == nil) || err1 == nil && !cmp.Equal(p1, p2) {
				t.Fatalf("row %d: %v %v before the round trip, %v %v after", i, p1, err1, p2, err2)
			}
		}
	})
}
