package serve_test

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cairn-ml/cairn/serve"
)

// wantInfer builds the infer response for rows of the data set.
func wantInfer(id string, wantProba, wantLabel bool, rows ...int) serve.InferResponse {
	return wantInferAs(nil, id, wantProba, wantLabel, rows...)
}

// wantInferAs is wantInfer for rows whose values are first rounded by
// round (nil: kept as they are), as a datatype narrower than FP64 rounds
// them.
func wantInferAs(round func(float64) float64, id string, wantProba, wantLabel bool, rows ...int) serve.InferResponse {
	f := fixtures()
	want := serve.InferResponse{ModelName: "bc", ModelVersion: "1", ID: id, Outputs: []serve.OutputTensor{}}
	var probs, labels []any
	for _, i := range rows {
		x := slices.Clone(row(i))
		for j := range x {
			if round != nil {
				x[j] = round(x[j])
			}
		}
		p := make([]float64, 2)
		if err := f.m1.PredictProbaInto(p, x); err != nil {
			panic(err)
		}
		probs = append(probs, p[0], p[1])
		l := 0
		if p[1] > p[0] {
			l = 1
		}
		labels = append(labels, f.ds.Classes[l])
	}
	if wantProba {
		want.Outputs = append(want.Outputs, serve.OutputTensor{Name: "probabilities", Shape: []int{len(rows), 2}, Datatype: "FP64", Data: probs})
	}
	if wantLabel {
		want.Outputs = append(want.Outputs, serve.OutputTensor{Name: "label", Shape: []int{len(rows)}, Datatype: "BYTES", Data: labels})
	}
	return want
}

// tensor writes one input tensor.
func tensor(name, datatype string, shape []int, data string) string {
	s := make([]string, len(shape))
	for i, n := range shape {
		s[i] = strconv.Itoa(n)
	}
	return fmt.Sprintf(`{"name":%q,"shape":[%s],"datatype":%q,"data":%s}`, name, strings.Join(s, ","), datatype, data)
}

// flat writes rows of the data set as one flat JSON array.
func flat(rows ...int) string {
	var parts []string
	for _, i := range rows {
		parts = append(parts, strings.Trim(rowJSON(i), "[]"))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// perFeature writes rows as one tensor per feature, of shape [n] or
// [n, 1].
func perFeature(col bool, rows ...int) string {
	f := fixtures()
	var ts []string
	for j, name := range f.ds.Features {
		var vals []string
		for _, i := range rows {
			vals = append(vals, strconv.FormatFloat(row(i)[j], 'g', -1, 64))
		}
		shape := []int{len(rows)}
		if col {
			shape = append(shape, 1)
		}
		ts = append(ts, tensor(name, "FP64", shape, "["+strings.Join(vals, ",")+"]"))
	}
	return strings.Join(ts, ",")
}

func TestInfer(t *testing.T) {
	srv := newServer(t, serve.Options{})
	const p = "/v2/models/bc/infer"
	for _, tc := range []struct {
		name, path, body string
		want             serve.InferResponse
	}{
		{"one row, flat", p, `{"inputs":[` + tensor("input-0", "FP64", []int{1, 30}, flat(0)) + `]}`, wantInfer("", true, true, 0)},
		{"nested", p, `{"inputs":[` + tensor("x", "FP64", []int{2, 30}, rowsJSON(2)) + `]}`, wantInfer("", true, true, 0, 1)},
		{"FP32 and parameters", p, `{"parameters":{"a":1},"inputs":[` + strings.Replace(tensor("input", "FP32", []int{3, 30}, flat(0, 1, 2)), `{`, `{"parameters":{"content_type":"np"},`, 1) + `]}`,
			wantInferAs(toFP32, "", true, true, 0, 1, 2)},
		{"fp32 in lower case, as KServe takes it", p, `{"inputs":[` + tensor("input", "fp32", []int{1, 30}, flat(3)) + `]}`,
			wantInferAs(toFP32, "", true, true, 3)},
		{"FP16", p, `{"inputs":[` + tensor("input", "FP16", []int{1, 30}, flat(5)) + `]}`, wantInferAs(toFP16, "", true, true, 5)},
		{"data before shape", p, `{"inputs":[{"data":` + flat(4) + `,"datatype":"FP64","shape":[1,30],"name":"in"}]}`, wantInfer("", true, true, 4)},
		{"a tensor per feature", p, `{"inputs":[` + perFeature(false, 5, 6) + `]}`, wantInfer("", true, true, 5, 6)},
		{"a column tensor per feature", p, `{"inputs":[` + perFeature(true, 7) + `]}`, wantInfer("", true, true, 7)},
		{"id with invalid UTF-8", p, "{\"id\":\"a\\\"\xff\",\"inputs\":[" + tensor("input-0", "FP64", []int{1, 30}, flat(0)) + `]}`, wantInfer("a\"\ufffd", true, true, 0)},
		{"id echoed", p, `{"id":"req \"1\"","inputs":[` + tensor("input-0", "FP64", []int{1, 30}, flat(0)) + `]}`, wantInfer(`req "1"`, true, true, 0)},
		{"label only", p, `{"inputs":[` + tensor("input-0", "FP64", []int{1, 30}, flat(0)) + `],"outputs":[{"name":"label"}]}`, wantInfer("", false, true, 0)},
		{"probabilities only", p, `{"inputs":[` + tensor("input-0", "FP64", []int{1, 30}, flat(0)) + `],"outputs":[{"name":"probabilities","parameters":{}}]}`, wantInfer("", true, false, 0)},
		{"versioned", "/v2/models/bc/versions/1/infer", `{"inputs":[` + tensor("input-0", "FP64", []int{1, 30}, flat(8)) + `]}`, wantInfer("", true, true, 8)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, srv, "POST", tc.path, "application/json", tc.body)
			if res.code != 200 {
				t.Fatalf("POST %s = %d %s", tc.path, res.code, res.body)
			}
			if diff := cmp.Diff(tc.want, decode[serve.InferResponse](t, res.body), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("POST %s (-want +got):\n%s", tc.path, diff)
			}
			if h := res.header.Get("Model-Version"); h != "1" {
				t.Errorf("Model-Version header = %q, want 1", h)
			}
		})
	}
}

func TestInferBadInput(t *testing.T) {
	srv := newServer(t, serve.Options{MaxBatch: 2})
	const p = "/v2/models/bc/infer"
	one := func(tensorJSON string) string { return `{"inputs":[` + tensorJSON + `]}` }
	ok := tensor("input-0", "FP64", []int{1, 30}, flat(0))
	data0 := strings.Trim(flat(0), "[]")
	withFirst := func(v string) string {
		return one(tensor("input-0", "FP64", []int{1, 30}, "["+v+","+strings.SplitN(data0, ",", 2)[1]+"]"))
	}
	perFeat := perFeature(false, 0)
	runBad(t, srv, []badCase{
		{"malformed JSON", "", p, "", `{"inputs":[`, 400, []string{"value_error.jsondecode"}},
		{"no inputs", "", p, "", `{"id":"a"}`, 422, []string{"value_error.missing"}},
		{"inputs not a list", "", p, "", `{"inputs":{}}`, 422, []string{"type_error.list"}},
		{"no tensors", "", p, "", `{"inputs":[]}`, 422, []string{"value_error.list.min_items"}},
		{"tensor not an object", "", p, "", `{"inputs":[1]}`, 422, []string{"type_error.dict"}},
		{"tensor without fields", "", p, "", `{"inputs":[{}]}`, 422,
			[]string{"value_error.missing", "value_error.missing", "value_error.missing", "value_error.missing"}},
		{"BYTES", "", p, "", one(tensor("input-0", "BYTES", []int{1, 30}, flat(0))), 422, []string{"value_error.datatype"}},
		{"shape and data disagree", "", p, "", one(tensor("input-0", "FP64", []int{2, 30}, flat(0))), 422, []string{"value_error.shape"}},
		{"wrong width", "", p, "", one(tensor("input-0", "FP64", []int{2, 15}, flat(0))), 422, []string{"value_error.shape"}},
		{"negative dimension", "", p, "", one(strings.Replace(ok, "[1,30]", "[-1,30]", 1)), 422, []string{"value_error.shape"}},
		{"fractional dimension", "", p, "", one(strings.Replace(ok, "[1,30]", "[1.5,30]", 1)), 422, []string{"value_error.shape"}},
		{"string dimension", "", p, "", one(strings.Replace(ok, "[1,30]", `["1",30]`, 1)), 422, []string{"type_error.integer"}},
		{"NaN", "", p, "", withFirst("NaN"), 422, []string{"value_error.number.not_finite"}},
		{"a string value", "", p, "", withFirst(`"1"`), 422, []string{"type_error.float"}},
		{"nested too deep", "", p, "", one(tensor("input-0", "FP64", []int{1, 30}, "[[[[["+data0+"]]]]]")), 422, []string{"value_error.shape"}},
		{"unknown output", "", p, "", `{"inputs":[` + ok + `],"outputs":[{"name":"logits"}]}`, 422, []string{"value_error.output"}},
		{"output without name", "", p, "", `{"inputs":[` + ok + `],"outputs":[{}]}`, 422, []string{"value_error.missing"}},
		{"id not a string", "", p, "", `{"id":1,"inputs":[` + ok + `]}`, 422, []string{"type_error.str"}},
		{"empty batch", "", p, "", one(tensor("input-0", "FP64", []int{0, 30}, "[]")), 422, []string{"value_error.list.min_items"}},
		{"batch over the limit", "", p, "", one(tensor("input-0", "FP64", []int{3, 30}, flat(0, 1, 2))), 422, []string{"value_error.list.max_items"}},
		{"per feature, one missing", "", p, "", `{"inputs":[` + perFeat[strings.Index(perFeat, "},{")+2:] + `]}`, 422, []string{"value_error.missing"}},
		{"per feature, one unknown", "", p, "", `{"inputs":[` + strings.Replace(perFeat, `"mean radius"`, `"radius"`, 1) + `]}`, 422,
			[]string{"value_error.extra", "value_error.missing"}},
		{"per feature, rows disagree", "", p, "", `{"inputs":[` + strings.Replace(perFeature(false, 0, 1), `"shape":[2]`, `"shape":[1]`, 1) + `]}`, 422,
			[]string{"value_error.shape"}},
		{"unknown model", "", "/v2/models/nope/infer", "", one(ok), 404, []string{"not_found"}},
		{"unknown version", "", "/v2/models/bc/versions/2/infer", "", one(ok), 404, []string{"not_found"}},
		{"wrong method", "GET", p, "", "", 405, []string{"method_not_allowed"}},
		{"wrong method on metadata", "DELETE", "/v2/models/bc", "", "", 405, []string{"method_not_allowed"}},
	})
}

func TestOIPMetadataAndHealth(t *testing.T) {
	srv := newServer(t, serve.Options{})
	f := fixtures()
	wantMeta := serve.ModelMetadata{
		Name: "bc", Version: "1", Versions: []string{"1"}, Platform: "cairn",
		Inputs: []serve.TensorSchema{{Name: "input", Datatype: "FP64", Shape: []int{-1, 30}}},
		Outputs: []serve.TensorSchema{
			{Name: "probabilities", Datatype: "FP64", Shape: []int{-1, 2}},
			{Name: "label", Datatype: "BYTES", Shape: []int{-1}},
		},
		Features: f.ds.Features, Classes: f.ds.Classes,
	}
	for _, path := range []string{"/v2/models/bc", "/v2/models/bc/versions/1", "/v2/models/bc/versions/v1"} {
		res := do(t, srv, "GET", path, "", "")
		if res.code != 200 {
			t.Fatalf("GET %s = %d %s", path, res.code, res.body)
		}
		if diff := cmp.Diff(wantMeta, decode[serve.ModelMetadata](t, res.body)); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", path, diff)
		}
	}
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/v2/health/live", 200, `{"live":true}`},
		{"/v2/models/bc/ready", 200, `{"name":"bc","ready":true,"version":"1"}`},
		{"/v2/models/bc/versions/1/ready", 200, `{"name":"bc","ready":true,"version":"1"}`},
		{"/v2/models/bc/versions/3/ready", 404, ""},
		{"/v2/models/nope/ready", 404, ""},
		{"/v2/models/nope", 404, ""},
	} {
		res := do(t, srv, "GET", tc.path, "", "")
		if res.code != tc.code || tc.want != "" && string(res.body) != tc.want {
			t.Errorf("GET %s = %d %s, want %d %s", tc.path, res.code, res.body, tc.code, tc.want)
		}
	}
	res := do(t, srv, "GET", "/v2", "", "")
	if md := decode[map[string]any](t, res.body); res.code != 200 || md["name"] != "cairn" {
		t.Errorf("GET /v2 = %d %s", res.code, res.body)
	}
	res = do(t, srv, "GET", "/v2/health/ready", "", "")
	ready := decode[serve.ReadyResponse](t, res.body)
	if res.code != 200 || !ready.Ready || len(ready.Models) != 1 || ready.Models[0].Version != 1 || ready.Models[0].Source != "value" {
		t.Errorf("GET /v2/health/ready = %d %s", res.code, res.body)
	}

	empty, err := serve.New(serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res := do(t, empty, "GET", "/v2/health/ready", "", ""); res.code != 503 {
		t.Errorf("ready with no models = %d, want 503", res.code)
	}
}

func toFP32(v float64) float64 { return float64(float32(v)) }

// toFP16 rounds v to IEEE half precision (|v| <= 65504 here): to nearest,
// ties to even, by way of float32, whose 13 extra bits of mantissa are
// rounded off with the carry trick (exact for normal halves; the data set
// has no value below 2^-14 other than 0).
func toFP16(v float64) float64 {
	if v == 0 || math.Abs(v) < 0x1p-14 {
		return v // not used for subnormal halves
	}
	b := math.Float32bits(float32(v))
	b += 0xfff + (b>>13)&1
	return float64(math.Float32frombits(b &^ 0x1fff))
}

// TestInferDatatypes checks each datatype's values as a server that decodes
// them into that type must: before, every datatype's data was scored as
// float64 whatever it said (INT8 with 17.99, BOOL with 0.5, BYTES).
func TestInferDatatypes(t *testing.T) {
	srv := newServer(t, serve.Options{})
	const p = "/v2/models/bc/infer"
	// data returns 30 values: v then 29 ones.
	data := func(v string) string { return "[" + v + strings.Repeat(",1", 29) + "]" }
	one := func(dt, v string) string { return `{"inputs":[` + tensor("x", dt, []int{1, 30}, data(v)) + `]}` }
	bools := "[true" + strings.Repeat(",false", 29) + "]"
	for _, tc := range []struct {
		name, body string
		want       []float64 // the row the model must see; nil: 422
		errType    string
	}{
		{"INT8", one("INT8", "-128"), append([]float64{-128}, ones(29)...), ""},
		{"INT8 fraction", one("INT8", "17.99"), nil, "value_error.datatype"},
		{"INT8 above", one("INT8", "128"), nil, "value_error.datatype"},
		{"INT8 below", one("INT8", "-129"), nil, "value_error.datatype"},
		{"UINT8 255", one("UINT8", "255"), append([]float64{255}, ones(29)...), ""},
		{"UINT8 negative", one("UINT8", "-1"), nil, "value_error.datatype"},
		{"UINT16 above", one("UINT16", "65536"), nil, "value_error.datatype"},
		{"INT32 integral float", one("INT32", "7.0"), append([]float64{7}, ones(29)...), ""},
		{"UINT32 above", one("UINT32", "4294967296"), nil, "value_error.datatype"},
		{"INT64 2^63", one("INT64", "9223372036854775808"), nil, "value_error.datatype"},
		{"INT64 -2^63", one("INT64", "-9223372036854775808"), append([]float64{-0x1p63}, ones(29)...), ""},
		{"UINT64 2^64", one("UINT64", "18446744073709551616"), nil, "value_error.datatype"},
		{"FP16 overflow", one("FP16", "65520"), nil, "value_error.datatype"},
		{"FP16 max", one("FP16", "65519"), append([]float64{65504}, ones(29)...), ""},
		{"FP16 rounds", one("FP16", "0.1"), append([]float64{0.0999755859375}, ones(29)...), ""},
		{"FP16 subnormal", one("FP16", "1e-7"), append([]float64{0x1p-24 * 2}, ones(29)...), ""},
		{"BF16 rounds", one("BF16", "1.00390625"), append([]float64{1}, ones(29)...), ""},
		{"FP32 overflow", one("FP32", "1e39"), nil, "value_error.datatype"},
		{"FP32 rounds", one("FP32", "0.1"), append([]float64{float64(float32(0.1))}, ones(29)...), ""},
		{"FP64 keeps", one("FP64", "0.1"), append([]float64{0.1}, ones(29)...), ""},
		{"BOOL", `{"inputs":[` + tensor("x", "BOOL", []int{1, 30}, bools) + `]}`, append([]float64{1}, make([]float64, 29)...), ""},
		{"BOOL with a number", one("BOOL", "true"), nil, "type_error.bool"},
		{"a boolean in FP64", one("FP64", "true"), nil, "type_error.float"},
		{"BYTES", one("BYTES", "1"), nil, "value_error.datatype"},
		{"unknown datatype", one("FLOAT", "1"), nil, "value_error.datatype"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, srv, "POST", p, "application/json", tc.body)
			if tc.want == nil {
				if res.code != 422 {
					t.Fatalf("POST %s = %d %s, want 422", tc.body, res.code, res.body)
				}
				if diff := cmp.Diff([]string{tc.errType}, errTypes(t, res.body)); diff != "" {
					t.Errorf("error types (-want +got):\n%s\nbody %s", diff, res.body)
				}
				return
			}
			if res.code != 200 {
				t.Fatalf("POST %s = %d %s, want 200", tc.body, res.code, res.body)
			}
			want := make([]float64, 2)
			if err := fixtures().m1.PredictProbaInto(want, tc.want); err != nil {
				t.Fatal(err)
			}
			got := decode[serve.InferResponse](t, res.body).Outputs[0].Data
			if diff := cmp.Diff([]any{want[0], want[1]}, got); diff != "" {
				t.Errorf("probabilities (-want +got):\n%s", diff)
			}
		})
	}
}

func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}
