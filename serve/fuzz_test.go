package serve_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/linear"
	"github.com/cairn-ml/cairn/serve"
)

// The fuzz tests serve a small model (three features a, b, c), so that
// the fuzzer finds valid requests often, with a batch limit of 20 rows.
const fuzzBatch = 20

var fuzzModel = sync.OnceValue(func() *linear.Model {
	X := mat.NewDense(8, 3, []float64{0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 2, 0, 1, 0, 2, 2, 3, 1, 0, 1, 3, 1})
	m, err := linear.Fit(ctx, X, []int{0, 0, 0, 1, 1, 0, 1, 1}, linear.Config{Features: []string{"a", "b", "c"}, Classes: []string{"no", "yes"}})
	if err != nil {
		panic(err)
	}
	return m
})

func fuzzServer(f *testing.F) *serve.Server {
	srv, err := serve.New(serve.Options{MaxBatch: fuzzBatch, MaxBodyBytes: 1 << 16})
	if err != nil {
		f.Fatal(err)
	}
	if err := srv.Set("m", 1, fuzzModel()); err != nil {
		f.Fatal(err)
	}
	return srv
}

// checkStatus fails unless code is one the route may give and the body
// is a JSON error response when it is not 200.
func checkStatus(t *testing.T, res response, codes ...int) {
	t.Helper()
	found := false
	for _, c := range codes {
		found = found || c == res.code
	}
	if !found {
		t.Fatalf("status %d: %s", res.code, res.body)
	}
	if res.code != 200 {
		var e serve.ErrorResponse
		if err := json.Unmarshal(res.body, &e); err != nil || e.Error == "" || len(e.Detail) == 0 {
			t.Fatalf("error body %q: %v", res.body, err)
		}
	}
}

// refDecode reads JSON as the reference decoders see it: encoding/json,
// numbers kept as text.
func refDecode(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return nil, false
	}
	return v, true
}

// refNumber converts a number as the server must: finite, and a number
// too small for float64 is zero.
func refNumber(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// refInstances reads a list of instances (arrays in feature order or
// records) or an object of columns, for the features given; cols, if not
// nil, maps array positions to features (-1: ignore).
func refInstances(v any, features []string, cols []int) ([][]float64, bool) {
	d := len(features)
	index := map[string]int{}
	for j, f := range features {
		index[f] = j
	}
	var rows [][]float64
	switch v := v.(type) {
	case []any:
		for _, r := range v {
			x := make([]float64, d)
			switch r := r.(type) {
			case []any:
				width := d
				if cols != nil {
					width = len(cols)
				}
				if len(r) != width {
					return nil, false
				}
				for c, e := range r {
					j := c
					if cols != nil {
						if j = cols[c]; j < 0 {
							continue
						}
					}
					f, ok := refNumber(e)
					if !ok {
						return nil, false
					}
					x[j] = f
				}
			case map[string]any:
				if len(r) != d {
					return nil, false
				}
				for k, e := range r {
					j, ok := index[k]
					f, okf := refNumber(e)
					if !ok || !okf {
						return nil, false
					}
					x[j] = f
				}
			default:
				return nil, false
			}
			rows = append(rows, x)
		}
	case map[string]any:
		if cols != nil || len(v) != d {
			return nil, false
		}
		n := -1
		for k, col := range v {
			j, ok := index[k]
			list, okl := col.([]any)
			if !ok || !okl || n >= 0 && len(list) != n {
				return nil, false
			}
			if n < 0 {
				n = len(list)
				rows = make([][]float64, n)
				for i := range rows {
					rows[i] = make([]float64, d)
				}
			}
			for i, e := range list {
				f, ok := refNumber(e)
				if !ok {
					return nil, false
				}
				rows[i][j] = f
			}
		}
	default:
		return nil, false
	}
	if len(rows) == 0 || len(rows) > fuzzBatch {
		return nil, false
	}
	return rows, true
}

// topKeys counts the keys of a top-level JSON object.
func topKeys(b []byte) map[string]int {
	dec := json.NewDecoder(bytes.NewReader(b))
	counts := map[string]int{}
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return counts
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return counts
		}
		counts[t.(string)]++
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return counts
		}
	}
	return counts
}

// wantProba returns the model's probabilities of rows, flattened.
func wantProba(rows [][]float64) []float64 {
	var out []float64
	for _, x := range rows {
		p := make([]float64, 2)
		if err := fuzzModel().PredictProbaInto(p, x); err != nil {
			return nil
		}
		out = append(out, p...)
	}
	return out
}

func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// FuzzPredictV1 checks POST /v1/models/{name}:predict against a reference
// decoder built on encoding/json: the server must answer 200 exactly for
// the bodies the reference accepts, with the model's probabilities of the
// reference's rows, bit for bit; and any other body gets a JSON error.
func FuzzPredictV1(f *testing.F) {
	for _, s := range []string{
		`{"instances":[[1,2,3]]}`, `{"instances":[[1,2,3],[0.5,-1e-3,2E2]]}`, `{"instances":[{"a":1,"b":2,"c":3}]}`,
		`{"inputs":{"a":[1,2],"b":[3,4],"c":[5,6]}}`, `{"instances":[[1,2]]}`, `{"instances":[[1,2,NaN]]}`, `{"instances":[["1",2,3]]}`,
		`{"instances":[{"a":1,"b":2,"c":3,"a":4}]}`, `{"instances":[[1,2,3]],"instances":[[1,2,3]]}`, `{"instances":[[1,2,1e999]]}`,
		`{"instances":[[1,2,1e-999]]}`, `{"x":{"y":[[[]]]},"instances":[[-0,0,0]]}`, `{"instances":[[1,2,3]`, `[]`, ``,
		"{\"instances\":[{\"\\u0061\":1,\"b\":2,\"c\":3}]}",
	} {
		f.Add([]byte(s))
	}
	srv := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		res := do(t, srv, "POST", "/v1/models/m:predict", "", string(body))
		checkStatus(t, res, 200, 400, 413, 422)
		var ref [][]float64
		refOK := false
		if v, ok := refDecode(body); ok && len(body) <= 1<<16 {
			keys := topKeys(body)
			if obj, isObj := v.(map[string]any); isObj && keys["instances"]+keys["inputs"] == 1 {
				inst, has := obj["instances"]
				if !has {
					inst = obj["inputs"]
				}
				ref, refOK = refInstances(inst, []string{"a", "b", "c"}, nil)
			}
		}
		if (res.code == 200) != refOK {
			t.Fatalf("body %q: server %d %s; reference accepts: %v", body, res.code, res.body, refOK)
		}
		if res.code != 200 {
			return
		}
		var got serve.PredictResponse
		if err := json.Unmarshal(res.body, &got); err != nil {
			t.Fatal(err)
		}
		var flat []float64
		for _, p := range got.Probabilities {
			flat = append(flat, p...)
		}
		if want := wantProba(ref); !sameBits(want, flat) {
			t.Fatalf("body %q: probabilities %v, want %v", body, flat, want)
		}
	})
}

// FuzzInvocationsJSON checks POST /invocations with JSON bodies: any
// answer is 200 or a JSON error; a 200 only for valid JSON, and then with
// the labels of the rows that a reference decoder reads.
func FuzzInvocationsJSON(f *testing.F) {
	for _, s := range []string{
		`{"dataframe_split":{"columns":["a","b","c"],"data":[[1,2,3]]}}`, `{"dataframe_split":{"data":[[1,2,3]],"columns":["c","b","a"]}}`,
		`{"dataframe_split":{"columns":["","a","b","c"],"index":[0],"data":[[0,1,2,3]]}}`, `{"dataframe_split":{"data":[[1,2,3]]}}`,
		`{"dataframe_records":[{"a":1,"b":2,"c":3}]}`, `{"instances":[[1,2,3]]}`, `{"inputs":{"a":[1],"b":[2],"c":[3]}}`,
		`[{"a":1,"b":2,"c":3}]`, `{"dataframe_split":{"data":[[NaN,2,3]],"columns":["a","b","c"]}}`, `{"params":{},"inputs":[[1,2,3]]}`,
	} {
		f.Add([]byte(s))
	}
	srv := fuzzServer(f)
	features := []string{"a", "b", "c"}
	f.Fuzz(func(t *testing.T, body []byte) {
		res := do(t, srv, "POST", "/invocations", "application/json", string(body))
		checkStatus(t, res, 200, 400, 413, 422)
		if res.code != 200 {
			return
		}
		v, ok := refDecode(body)
		if !ok {
			t.Fatalf("200 for invalid JSON %q", body)
		}
		var ref [][]float64
		switch v := v.(type) {
		case []any:
			ref, ok = refInstances(v, features, nil)
		case map[string]any:
			switch {
			case v["dataframe_split"] != nil:
				split, _ := v["dataframe_split"].(map[string]any)
				var cols []int
				if names, has := split["columns"].([]any); has {
					for c, n := range names {
						j := -1
						for k, f := range features {
							if n == f {
								j = k
							}
						}
						if j < 0 && !(c == 0 && n == "") {
							t.Fatalf("200 with an unknown column %v: %q", n, body)
						}
						cols = append(cols, j)
					}
				}
				ref, ok = refInstances(split["data"], features, cols)
			case v["dataframe_records"] != nil:
				ref, ok = refInstances(v["dataframe_records"], features, nil)
			case v["instances"] != nil:
				ref, ok = refInstances(v["instances"], features, nil)
			default:
				ref, ok = refInstances(v["inputs"], features, nil)
			}
		}
		if !ok {
			t.Fatalf("200 for a body the reference refuses: %q -> %s", body, res.body)
		}
		var got serve.InvocationsResponse
		if err := json.Unmarshal(res.body, &got); err != nil {
			t.Fatal(err)
		}
		p := wantProba(ref)
		if len(got.Predictions) != len(ref) {
			t.Fatalf("%d predictions for %d rows", len(got.Predictions), len(ref))
		}
		for i, l := range got.Predictions {
			if want := map[bool]int{false: 0, true: 1}[p[2*i+1] > p[2*i]]; l != want {
				t.Fatalf("row %d: label %d, want %d (%q)", i, l, want, body)
			}
		}
	})
}

// FuzzInvocationsCSV checks POST /invocations with text/csv bodies: 200
// or a JSON error, and on 200 one label per data record that
// encoding/csv reads.
func FuzzInvocationsCSV(f *testing.F) {
	for _, s := range []string{"a,b,c\n1,2,3\n", "c,b,a\r\n1,2,3\r\n4,5,6\r\n", ",a,b,c\n0,1,2,3\n", "1,2,3\n", "\ufeff\"a\",b,c\n1,2,3\n",
		"a,b,c\n1,2\n", "a,b,c\nnan,1,2\n", "a,b,c\n\"1,2,3\n", "", "a,b\n1,2\n"} {
		f.Add([]byte(s))
	}
	srv := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		res := do(t, srv, "POST", "/invocations", "text/csv", string(body))
		checkStatus(t, res, 200, 400, 413, 422)
		if res.code != 200 {
			return
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("200 for CSV that encoding/csv refuses: %q: %v", body, err)
		}
		var got serve.InvocationsResponse
		if err := json.Unmarshal(res.body, &got); err != nil {
			t.Fatal(err)
		}
		data := len(recs)
		if _, err := strconv.ParseFloat(strings.TrimSpace(recs[0][0]), 64); err != nil {
			data-- // a header
		}
		if len(got.Predictions) != data && len(got.Predictions) != len(recs)-1 {
			t.Fatalf("%d predictions for %d records: %q", len(got.Predictions), len(recs), body)
		}
	})
}

// FuzzInfer checks POST /v2/models/{name}/infer: 200 or a JSON error; a
// 200 only for valid JSON whose tensors' data fit their datatypes
// (checkDatatypes), with outputs whose shapes agree with each other and
// with the data.
func FuzzInfer(f *testing.F) {
	for _, s := range []string{
		`{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP64","data":[1,2,3]}]}`,
		`{"id":"7","inputs":[{"name":"x","shape":[2,3],"datatype":"FP32","data":[[1,2,3],[4,5,6]]}],"outputs":[{"name":"label"}]}`,
		`{"inputs":[{"name":"a","shape":[1],"datatype":"FP64","data":[1]},{"name":"b","shape":[1],"datatype":"FP64","data":[2]},{"name":"c","shape":[1,1],"datatype":"INT32","data":[3]}]}`,
		`{"inputs":[{"name":"x","shape":[1,3],"datatype":"BYTES","data":[1,2,3]}]}`, `{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP64","data":[1,2]}]}`,
		`{"inputs":[{"name":"x","shape":[1,3],"datatype":"BOOL","data":[true,false,true]}]}`,
		`{"inputs":[{"name":"x","shape":[1,3],"datatype":"INT8","data":[17.99,-128,127]}]}`,
		`{"inputs":[{"name":"x","shape":[1,3],"datatype":"uint8","data":[[0],[255],[256]]}]}`,
		`{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP16","data":[65519,1e-8,70000]}]}`,
	} {
		f.Add([]byte(s))
	}
	srv := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		res := do(t, srv, "POST", "/v2/models/m/infer", "", string(body))
		checkStatus(t, res, 200, 400, 413, 422)
		if res.code != 200 {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("200 for invalid JSON %q", body)
		}
		checkDatatypes(t, body)
		var got serve.InferResponse
		if err := json.Unmarshal(res.body, &got); err != nil {
			t.Fatalf("response %q: %v", res.body, err)
		}
		if len(got.Outputs) == 0 {
			t.Fatalf("no outputs: %s", res.body)
		}
		n := got.Outputs[0].Shape[0]
		if n < 1 || n > fuzzBatch {
			t.Fatalf("%d rows", n)
		}
		for _, o := range got.Outputs {
			size := 1
			for _, s := range o.Shape {
				size *= s
			}
			if o.Shape[0] != n || len(o.Data) != size {
				t.Fatalf("output %s: shape %v with %d values (%s)", o.Name, o.Shape, len(o.Data), res.body)
			}
		}
	})
}

// checkDatatypes fails unless every input tensor of an accepted infer
// request holds values its datatype can hold: BOOL booleans, an integer
// type integers in its range, a float type numbers within its range.
func checkDatatypes(t *testing.T, body []byte) {
	t.Helper()
	var req struct {
		Inputs []struct {
			Datatype string
			Data     any
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return // a shape the server reads differently (duplicate keys...); not checked
	}
	ranges := map[string][2]float64{
		"UINT8": {0, 255}, "UINT16": {0, 65535}, "UINT32": {0, 4294967295}, "UINT64": {0, 0x1p64},
		"INT8": {-128, 127}, "INT16": {-32768, 32767}, "INT32": {-2147483648, 2147483647}, "INT64": {-0x1p63, 0x1p63},
		"FP16": {-65520, 65520}, "BF16": {-0x1.ffp127, 0x1.ffp127}, "FP32": {-math.MaxFloat32 * (1 + 0x1p-25), math.MaxFloat32 * (1 + 0x1p-25)},
		"FP64": {-math.MaxFloat64, math.MaxFloat64},
	}
	var walk func(dt string, v any)
	walk = func(dt string, v any) {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(dt, e)
			}
		case bool:
			if dt != "BOOL" {
				t.Fatalf("a boolean accepted in a %s tensor: %s", dt, body)
			}
		case json.Number:
			f, err := strconv.ParseFloat(string(v), 64)
			r, ok := ranges[dt]
			switch {
			case dt == "BOOL" || !ok:
				t.Fatalf("number %s accepted in a %s tensor: %s", v, dt, body)
			case err != nil || f < r[0] || f > r[1] || strings.HasPrefix(dt, "FP") && (f == r[0] || f == r[1]) && dt != "FP64":
				t.Fatalf("%s accepted as %s: %s", v, dt, body)
			case strings.Contains(dt, "INT") && (f != math.Trunc(f) || f == r[1] && (dt == "INT64" || dt == "UINT64")):
				t.Fatalf("%s accepted as %s: %s", v, dt, body)
			}
		}
	}
	for _, in := range req.Inputs {
		walk(strings.ToUpper(in.Datatype), in.Data)
	}
}
