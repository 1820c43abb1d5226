package serve_test

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/linear"
	"github.com/cairn-ml/cairn/registry"
	"github.com/cairn-ml/cairn/serve"
)

// penguins is a model of the penguins fitted on raw inputs (island and
// sex are text, sex and the measurements have missing values), once.
var penguins = sync.OnceValue(func() *linear.Model {
	tab := dataset.Penguins()
	inputs := make([]linear.Input, len(tab.Columns))
	for j, c := range tab.Columns {
		inputs[j] = linear.Input{Name: c.Name}
		if c.Type == dataset.Text {
			inputs[j].Kind, inputs[j].Levels = linear.Categorical, c.Levels
		}
	}
	m, err := linear.Fit(ctx, tab.X, tab.Y, linear.Config{Classes: tab.Classes, Inputs: inputs})
	if err != nil {
		panic(err)
	}
	return m
})

func penguinServer(t testing.TB) *serve.Server {
	t.Helper()
	srv, err := serve.New(serve.Options{DefaultModel: "penguins"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.Set("penguins", 1, penguins()); err != nil {
		t.Fatal(err)
	}
	return srv
}

// The record every request below sends: a Chinstrap-like penguin of
// Dream island whose sex is unknown.
var penguinRecord = []linear.Value{linear.Text("Dream"), linear.Num(46.5), linear.Num(17.9), linear.Num(192),
	linear.Num(3500), {}, linear.Num(2008)}

func TestRawInputsRoutes(t *testing.T) {
	srv := penguinServer(t)
	want := make([]float64, 3)
	if err := penguins().PredictValuesInto(want, penguinRecord); err != nil {
		t.Fatal(err)
	}
	const record = `{"island": "Dream", "bill_length_mm": 46.5, "bill_depth_mm": 17.9, "flipper_length_mm": 192,
		"body_mass_g": 3500, "sex": null, "year": 2008}`
	tests := []struct {
		name, path, ctype, body string
	}{
		{"v1 records", "/v1/models/penguins:predict", "", `{"instances": [` + record + `]}`},
		{"v1 rows", "/v1/models/penguins:predict", "", `{"instances": [["Dream", 46.5, 17.9, 192, 3500, null, 2008]]}`},
		{"v1 strings for numbers, NaN", "/v1/models/penguins:predict", "", `{"instances": [["Dream", "46.5", 17.9, " 192 ", 3500, NaN, 2008]]}`},
		{"v1 columns", "/v1/models/penguins:predict", "", `{"inputs": {"island": ["Dream"], "bill_length_mm": [46.5], "bill_depth_mm": [17.9],
			"flipper_length_mm": [192], "body_mass_g": [3500], "sex": [null], "year": [2008]}}`},
		{"mlflow split, columns reordered", "/invocations", "application/json", `{"dataframe_split": {"columns": ["year", "sex", "island",
			"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"], "data": [[2008, null, "Dream", 46.5, 17.9, 192, 3500]]}}`},
		{"mlflow records", "/invocations", "application/json", `{"dataframe_records": [` + record + `]}`},
		{"mlflow csv", "/invocations", "text/csv", "island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\nDream,46.5,17.9,192,3500,NA,2008\n"},
		{"oip, BYTES tensors", "/v2/models/penguins/infer", "", `{"inputs": [
			{"name": "island", "shape": [1], "datatype": "BYTES", "data": ["Dream"]},
			{"name": "bill_length_mm", "shape": [1], "datatype": "FP64", "data": [46.5]},
			{"name": "bill_depth_mm", "shape": [1], "datatype": "FP64", "data": [17.9]},
			{"name": "flipper_length_mm", "shape": [1], "datatype": "FP64", "data": [192]},
			{"name": "body_mass_g", "shape": [1], "datatype": "FP64", "data": [3500]},
			{"data": [null], "name": "sex", "shape": [1], "datatype": "BYTES"},
			{"name": "year", "shape": [1], "datatype": "INT64", "data": [2008]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, srv, "POST", tt.path, tt.ctype, tt.body)
			if r.code != 200 {
				t.Fatalf("%s %s = %d %s", "POST", tt.path, r.code, r.body)
			}
			var got []float64
			switch {
			case strings.HasPrefix(tt.path, "/v1"):
				got = decode[serve.PredictResponse](t, r.body).Probabilities[0]
			case strings.HasPrefix(tt.path, "/v2"):
				var resp struct {
					Outputs []struct {
						Name string
						Data []any
					}
				}
				if err := jsonUnmarshal(r.body, &resp); err != nil {
					t.Fatal(err)
				}
				for _, v := range resp.Outputs[0].Data {
					got = append(got, v.(float64))
				}
			default:
				var resp struct{ Predictions []int }
				if err := jsonUnmarshal(r.body, &resp); err != nil {
					t.Fatal(err)
				}
				got = make([]float64, 3)
				got[resp.Predictions[0]] = 1
				best := 0
				for c := range want {
					if want[c] > want[best] {
						best = c
					}
				}
				want := make([]float64, 3)
				want[best] = 1
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("prediction (-want +got):\n%s", diff)
				}
				return
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-15)); diff != "" {
				t.Errorf("probabilities (-PredictValuesInto +served):\n%s", diff)
			}
		})
	}
}

func TestRawInputsErrors(t *testing.T) {
	srv := penguinServer(t)
	full := `"island": "Dream", "bill_length_mm": 46.5, "bill_depth_mm": 17.9, "flipper_length_mm": 192, "body_mass_g": 3500, "year": 2008`
	tests := []struct {
		name, path, ctype, body string
		code                    int
		types                   []string
		loc                     string // a name the error's location holds
	}{
		{"missing column", "/v1/models/penguins:predict", "", `{"instances": [{` + full + `}]}`, 422, []string{"value_error.missing"}, "sex"},
		{"misspelled column", "/v1/models/penguins:predict", "", `{"instances": [{` + strings.Replace(full, `"island"`, `"islnd"`, 1) + `, "sex": "male"}]}`,
			422, []string{"value_error.extra", "value_error.missing"}, "islnd"},
		{"text for a number", "/v1/models/penguins:predict", "", `{"instances": [{` + strings.Replace(full, "46.5", `"long"`, 1) + `, "sex": "male"}]}`,
			422, []string{"type_error.float"}, "bill_length_mm"},
		{"split without a column", "/invocations", "application/json", `{"dataframe_split": {"columns": ["island"], "data": [["Dream"]]}}`,
			422, []string{"value_error.missing", "value_error.missing", "value_error.missing", "value_error.missing", "value_error.missing", "value_error.missing"}, "dataframe_split"},
		{"csv with text for a number", "/invocations", "text/csv", "island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\nDream,x,17.9,192,3500,,2008\n",
			422, []string{"type_error.float"}, "bill_length_mm"},
		{"oip numbers for a text input", "/v2/models/penguins/infer", "", `{"inputs": [{"name": "island", "shape": [1], "datatype": "FP64", "data": [1]},
			{"name": "bill_length_mm", "shape": [1], "datatype": "FP64", "data": [46.5]}, {"name": "bill_depth_mm", "shape": [1], "datatype": "FP64", "data": [17.9]},
			{"name": "flipper_length_mm", "shape": [1], "datatype": "FP64", "data": [192]}, {"name": "body_mass_g", "shape": [1], "datatype": "FP64", "data": [3500]},
			{"name": "sex", "shape": [1], "datatype": "BYTES", "data": ["male"]}, {"name": "year", "shape": [1], "datatype": "FP64", "data": [2008]}]}`,
			422, []string{"value_error.datatype"}, "datatype"},
		{"oip one [n, d] tensor", "/v2/models/penguins/infer", "", `{"inputs": [{"name": "x", "shape": [1, 7], "datatype": "FP64", "data": [1, 2, 3, 4, 5, 6, 7]}]}`,
			422, []string{"value_error.shape"}, "name"},
		{"oip a number in a BYTES tensor", "/v2/models/penguins/infer", "", `{"inputs": [{"name": "island", "shape": [1], "datatype": "BYTES", "data": [1]},
			{"name": "bill_length_mm", "shape": [1], "datatype": "FP64", "data": [46.5]}, {"name": "bill_depth_mm", "shape": [1], "datatype": "FP64", "data": [17.9]},
			{"name": "flipper_length_mm", "shape": [1], "datatype": "FP64", "data": [192]}, {"name": "body_mass_g", "shape": [1], "datatype": "FP64", "data": [3500]},
			{"name": "sex", "shape": [1], "datatype": "BYTES", "data": ["male"]}, {"name": "year", "shape": [1], "datatype": "FP64", "data": [2008]}]}`,
			422, []string{"type_error.str"}, "data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, srv, "POST", tt.path, tt.ctype, tt.body)
			if r.code != tt.code {
				t.Fatalf("POST %s = %d %s, want %d", tt.path, r.code, r.body, tt.code)
			}
			if diff := cmp.Diff(tt.types, errTypes(t, r.body)); diff != "" {
				t.Errorf("error types (-want +got):\n%s\n%s", diff, r.body)
			}
			if !strings.Contains(string(r.body), `"`+tt.loc+`"`) {
				t.Errorf("the error does not name %q: %s", tt.loc, r.body)
			}
		})
	}

	// An island the model does not know is ignored, as the input says.
	r := do(t, srv, "POST", "/v1/models/penguins:predict", "", `{"instances": [{`+strings.Replace(full, "Dream", "Atlantis", 1)+`, "sex": 1}]}`)
	if r.code != 200 {
		t.Errorf("unknown categories = %d %s, want 200", r.code, r.body)
	}
}

func TestRawInputsSchema(t *testing.T) {
	srv := penguinServer(t)
	r := do(t, srv, "GET", "/v2/models/penguins", "", "")
	md := decode[serve.ModelMetadata](t, r.body)
	if len(md.Inputs) != 7 || md.Inputs[0].Name != "island" || md.Inputs[0].Datatype != "BYTES" || md.Inputs[1].Datatype != "FP64" {
		t.Errorf("metadata inputs = %+v, want one tensor per input, BYTES for island", md.Inputs)
	}
	r = do(t, srv, "GET", "/openapi.json", "", "")
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Type     string
					Nullable bool
					Enum     []string
				}
			}
		}
	}
	if err := jsonUnmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	rec := doc.Components.Schemas["Record"].Properties
	if p := rec["island"]; p.Type != "string" || !p.Nullable || !cmp.Equal(p.Enum, []string{"Biscoe", "Dream", "Torgersen"}) {
		t.Errorf("Record.island = %+v", p)
	}
	if p := rec["bill_length_mm"]; p.Type != "number" || !p.Nullable {
		t.Errorf("Record.bill_length_mm = %+v", p)
	}
}

// FuzzRawInputs sends bodies to every predict route of a model with raw
// inputs: none may fail with anything but 400, 413 or 422, or panic.
func FuzzRawInputs(f *testing.F) {
	for _, s := range []string{
		`{"instances": [{"island": "Dream", "bill_length_mm": 46.5, "bill_depth_mm": null, "flipper_length_mm": "192", "body_mass_g": 3500, "sex": 1, "year": 2008}]}`,
		`{"instances": [["Dream", 46.5, 17.9, 192, 3500, null, 2008]]}`,
		`{"dataframe_split": {"columns": ["year", "sex", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"], "data": [[2008, null, "Dream", 46.5, 17.9, 192, NaN]]}}`,
		`{"inputs": [{"name": "island", "shape": [2], "datatype": "BYTES", "data": ["Dream", null]}, {"name": "sex", "shape": [2], "datatype": "BYTES", "data": [1, "x"]}]}`,
		"island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\nDream,46.5,17.9,192,3500,NA,2008\n",
	} {
		for route := range byte(4) {
			f.Add(route, []byte(s))
		}
	}
	srv := penguinServer(f)
	f.Fuzz(func(t *testing.T, route byte, body []byte) {
		var res response
		switch route % 4 {
		case 0:
			res = do(t, srv, "POST", "/v1/models/penguins:predict", "", string(body))
		case 1:
			res = do(t, srv, "POST", "/invocations", "application/json", string(body))
		case 2:
			res = do(t, srv, "POST", "/invocations", "text/csv", string(body))
		default:
			res = do(t, srv, "POST", "/v2/models/penguins/infer", "", string(body))
		}
		checkStatus(t, res, 200, 400, 413, 422)
	})
}

// A model on raw inputs registered as bytes (format version 2) and
// followed from the registry serves raw records, preprocessing included.
func TestRawInputsFromRegistry(t *testing.T) {
	b, err := linear.Marshal(penguins())
	if err != nil {
		t.Fatal(err)
	}
	reg := openReg(t, registry.Options{})
	v, _, err := reg.Register(ctx, "penguins", bytes.NewReader(b), registry.RegisterOptions{Format: linear.FormatName})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := serve.New(serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.Follow(ctx, reg, "penguins", strconv.Itoa(v.Number)); err != nil {
		t.Fatal(err)
	}
	r := do(t, srv, "POST", "/v1/models/penguins:predict", "", `{"instances": [["Dream", 46.5, 17.9, 192, 3500, null, 2008]]}`)
	if r.code != 200 {
		t.Fatalf("predict = %d %s", r.code, r.body)
	}
	want := make([]float64, 3)
	if err := penguins().PredictValuesInto(want, penguinRecord); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, decode[serve.PredictResponse](t, r.body).Probabilities[0]); diff != "" {
		t.Errorf("probabilities (-in process +followed):\n%s", diff)
	}
}
