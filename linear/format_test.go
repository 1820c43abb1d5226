package linear_test

import (
	"bytes"
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

// models returns fitted models of every shape the format holds.
func models(t testing.TB) map[string]*linear.Model {
	t.Helper()
	ds := dataset.BreastCancer()
	X3 := mat.NewDense(9, 2, []float64{1, 2, 2, 1, 3, 3, 4, 1, 5, 5, 6, 2, 7, 7, 8, 1, 9, 4})
	y3 := []int{0, 1, 2, 0, 1, 2, 1, 0, 2}
	out := map[string]*linear.Model{}
	fit := func(name string, X mat.Matrix, y []int, cfg linear.Config) {
		m, err := linear.Fit(context.Background(), X, y, cfg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = m
	}
	fit("binary-standardized", ds.X, ds.Y, linear.Config{Standardize: true, Classes: ds.Classes, Features: ds.Features})
	fit("binary-raw-l1", ds.X, ds.Y, linear.Config{Penalty: linear.L1, C: 0.1, MaxIter: 5})
	fit("multinomial", X3, y3, linear.Config{Classes: []string{"a", "b", "c"}, NoIntercept: true})
	fit("inference", ds.X.Slice(0, 569, 0, 3), ds.Y, linear.Config{Penalty: linear.NoPenalty, Inference: true})
	pg := dataset.Penguins()
	fit("inputs", pg.X, pg.Y, linear.Config{Classes: pg.Classes, Inputs: penguinInputs(pg)})
	odd := penguinInputs(pg)
	odd[0].MinFrequency, odd[0].Unknown = 60, linear.UnknownError
	odd[1].Impute, odd[4].NoScale = linear.ImputeMedian, true
	odd[5].Impute, odd[5].FillText, odd[5].Unknown = linear.ImputeConstant, "unknown", linear.UnknownInfrequent
	odd[6].Impute, odd[6].Fill = linear.ImputeConstant, 2008
	fit("inputs-odd", pg.X, pg.Y, linear.Config{Classes: pg.Classes, Inputs: odd, C: 0.5})
	return out
}

func TestFormatRoundTrip(t *testing.T) {
	ds := dataset.BreastCancer()
	for name, m := range models(t) {
		t.Run(name, func(t *testing.T) {
			b, err := linear.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := linear.Unmarshal(b)
			if err != nil {
				t.Fatalf("Unmarshal(Marshal(m)): %v", err)
			}
			bits := func(v []float64) []uint64 {
				out := make([]uint64, len(v))
				for i, x := range v {
					out[i] = math.Float64bits(x)
				}
				return out
			}
			if diff := cmp.Diff(bits(m.Coef().RawMatrix().Data), bits(got.Coef().RawMatrix().Data)); diff != "" {
				t.Errorf("coef bits (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(bits(m.Intercept()), bits(got.Intercept())); diff != "" {
				t.Errorf("intercept bits (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(m.Summary(), got.Summary()); diff != "" {
				t.Errorf("summary (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(m.Classes(), got.Classes()); diff != "" {
				t.Errorf("classes (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(m.Features(), got.Features()); diff != "" {
				t.Errorf("features (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(m.Scaler(), got.Scaler()); diff != "" {
				t.Errorf("scaler (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(m.Inference(), got.Inference()); diff != "" {
				t.Errorf("inference (-before +after):\n%s", diff)
			}
			if _, d := ds.X.Dims(); m.NumFeatures() == d {
				if diff := cmp.Diff(m.PredictProba(ds.X).RawMatrix().Data, got.PredictProba(ds.X).RawMatrix().Data); diff != "" {
					t.Errorf("probabilities (-before +after):\n%s", diff)
				}
			}
			again, err := linear.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, again) {
				t.Errorf("Marshal(Unmarshal(b)) != b:\n%s\n%s", b, again)
			}
		})
	}
}

func TestUnmarshalErrors(t *testing.T) {
	m := models(t)["multinomial"]
	good, err := linear.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("%q not in %s", old, good)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, linear.ErrFormat},
		{"not json", []byte("{"), linear.ErrFormat},
		{"array", []byte("[]"), linear.ErrFormat},
		{"no format", []byte(`{"version":1}`), linear.ErrFormat},
		{"other format", edit(`"format":"cairn.linear.logistic"`, `"format":"sklearn"`), linear.ErrFormat},
		{"newer version", edit(`"version":1`, `"version":3`), linear.ErrVersion},
		{"version zero", edit(`"version":1`, `"version":0`), linear.ErrFormat},
		{"unknown field", edit(`"version":1`, `"version":1,"extra":true`), linear.ErrFormat},
		{"trailing data", append(append([]byte{}, good...), " {}"...), linear.ErrFormat},
		{"one class", edit(`"classes":["a","b","c"]`, `"classes":["a"]`), linear.ErrFormat},
		{"duplicate class", edit(`"classes":["a","b","c"]`, `"classes":["a","b","a"]`), linear.ErrFormat},
		{"rows vs classes", edit(`"classes":["a","b","c"]`, `"classes":["a","b","c","d"]`), linear.ErrFormat},
		{"short row", edit(`"features":["x0","x1"]`, `"features":["x0","x1","x2"]`), linear.ErrFormat},
		{"huge number", edit(`"coef":[[`, `"coef":[[1e999,`), linear.ErrFormat},
		{"bad solver", edit(`"solver":"newton"`, `"solver":"sgd"`), linear.ErrFormat},
		{"bad scaler", edit(`"coef":`, `"scaler":{"mean":[0,0],"scale":[1,0]},"coef":`), linear.ErrFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := linear.Unmarshal(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Unmarshal error = %v, want %v", err, tc.want)
			}
			if m != nil {
				t.Error("Unmarshal returned a model with an error")
			}
			if !strings.HasPrefix(err.Error(), "linear: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// FuzzUnmarshal checks that Unmarshal never panics, returns a model or an
// error wrapping ErrFormat or ErrVersion, and that a model it returns
// marshals back to bytes that decode to the same bytes again, and predicts.
func FuzzUnmarshal(f *testing.F) {
	for _, m := range models(f) {
		b, err := linear.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format":"cairn.linear.logistic","version":1}`))
	f.Add([]byte(`{"format":"cairn.linear.logistic","version":7}`))
	f.Add([]byte(`{"format":"cairn.linear.logistic","version":1,"classes":["a","b"],"features":["x"],"coef":[[1]],"intercept":[0],"training":{"solver":"auto","penalty":"l2"}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := linear.Unmarshal(in)
		if err != nil {
			if m != nil {
				t.Fatal("model and error")
			}
			if !errors.Is(err, linear.ErrFormat) && !errors.Is(err, linear.ErrVersion) {
				t.Fatalf("error %v wraps neither ErrFormat nor ErrVersion", err)
			}
			return
		}
		b, err := linear.Marshal(m)
		if err != nil {
			t.Fatalf("Marshal of an unmarshalled model: %v", err)
		}
		m2, err := linear.Unmarshal(b)
		if err != nil {
			t.Fatalf("re-Unmarshal: %v", err)
		}
		b2, _ := linear.Marshal(m2)
		if !bytes.Equal(b, b2) {
			t.Fatalf("round trip changed the bytes:\n%s\n%s", b, b2)
		}
		dst := make([]float64, m.NumClasses())
		_ = m.PredictProbaInto(dst, make([]float64, m.NumFeatures()))
	})
}
