package serve_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cairn-ml/cairn/serve"
)

// wantPredict builds the response the server should give for rows of the
// data set, from the model's own probabilities.
func wantPredict(rows ...int) serve.PredictResponse {
	f := fixtures()
	want := serve.PredictResponse{ModelName: "bc", ModelVersion: "1", Classes: f.ds.Classes}
	for _, i := range rows {
		p := proba(f.m1, i)
		label := 0
		if p[1] > p[0] {
			label = 1
		}
		want.Predictions = append(want.Predictions, f.ds.Classes[label])
		want.Labels = append(want.Labels, label)
		want.Probabilities = append(want.Probabilities, p)
	}
	return want
}

func TestPredictV1(t *testing.T) {
	srv := newServer(t, serve.Options{})
	f := fixtures()
	columns := func(rows ...int) string {
		var parts []string
		for j, name := range f.ds.Features {
			var vals []string
			for _, i := range rows {
				vals = append(vals, strings.TrimSpace(strings.Split(strings.Trim(rowJSON(i), "[]"), ",")[j]))
			}
			parts = append(parts, `"`+name+`":[`+strings.Join(vals, ",")+`]`)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	for _, tc := range []struct {
		name, path, body string
		rows             []int
	}{
		{"one row", "/v1/models/bc:predict", `{"instances":[` + rowJSON(0) + `]}`, []int{0}},
		{"three rows", "/v1/models/bc:predict", `{"instances":` + rowsJSON(3) + `}`, []int{0, 1, 2}},
		{"records", "/v1/models/bc:predict", `{"instances":[` + recordJSON(5) + `,` + recordJSON(7) + `]}`, []int{5, 7}},
		{"columns", "/v1/models/bc:predict", `{"inputs":` + columns(3, 4) + `}`, []int{3, 4}},
		{"python separators and other keys", "/v1/models/bc:predict",
			"{\"signature_name\": \"x\",\n \"instances\": [" + strings.ReplaceAll(rowJSON(9), ",", ", ") + "] , \"extra\": {\"a\": [1, null, true]}}", []int{9}},
		{"version by number", "/v1/models/bc/versions/1:predict", `{"instances":[` + rowJSON(2) + `]}`, []int{2}},
		{"version as v1", "/v1/models/bc/versions/v1:predict", `{"instances":[` + rowJSON(2) + `]}`, []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, srv, "POST", tc.path, "application/json", tc.body)
			if res.code != 200 {
				t.Fatalf("POST %s = %d %s, want 200", tc.path, res.code, res.body)
			}
			got := decode[serve.PredictResponse](t, res.body)
			if diff := cmp.Diff(wantPredict(tc.rows...), got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("POST %s (-want +got):\n%s", tc.path, diff)
			}
			if h := res.header.Get("Model-Version"); h != "1" {
				t.Errorf("Model-Version header = %q, want 1", h)
			}
		})
	}
}

// badCase is a request that must fail with status code and these error
// types.
type badCase struct {
	name, method, path, contentType, body string
	code                                  int
	types                                 []string
}

func runBad(t *testing.T, srv *serve.Server, cases []badCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = "POST"
			}
			res := do(t, srv, method, tc.path, tc.contentType, tc.body)
			if res.code != tc.code {
				t.Fatalf("%s %s = %d %s, want %d", method, tc.path, res.code, res.body, tc.code)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if diff := cmp.Diff(tc.types, errTypes(t, res.body)); diff != "" {
				t.Errorf("%s %s error types (-want +got):\n%s\nbody %s", method, tc.path, diff, res.body)
			}
		})
	}
	// After all that, the server still answers.
	if res := do(t, srv, "POST", "/v1/models/bc:predict", "", `{"instances":[`+rowJSON(0)+`]}`); res.code != 200 {
		t.Fatalf("after bad requests: %d %s", res.code, res.body)
	}
}

func TestPredictV1BadInput(t *testing.T) {
	srv := newServer(t, serve.Options{MaxBatch: 3, MaxBodyBytes: 64 << 10})
	const p = "/v1/models/bc:predict"
	r0 := rowJSON(0)
	short := "[" + strings.Join(strings.Split(strings.Trim(r0, "[]"), ",")[:29], ",") + "]"
	long := strings.TrimSuffix(r0, "]") + ",1]"
	with := func(v string) string { // row 0 with its first value replaced
		return `{"instances":[[` + v + "," + strings.SplitN(strings.Trim(r0, "[]"), ",", 2)[1] + `]]}`
	}
	rec := recordJSON(0)
	runBad(t, srv, []badCase{
		{"truncated JSON", "", p, "", `{"instances":[` + r0, 400, []string{"value_error.jsondecode"}},
		{"trailing comma", "", p, "", `{"instances":[` + r0 + `,]}`, 400, []string{"value_error.jsondecode"}},
		{"data after the value", "", p, "", `{"instances":[` + r0 + `]} x`, 400, []string{"value_error.jsondecode"}},
		{"single quotes", "", p, "", `{'instances': []}`, 400, []string{"value_error.jsondecode"}},
		{"bad number", "", p, "", with("01"), 400, []string{"value_error.jsondecode"}},
		{"control character in a key", "", p, "", "{\"inst\x01\":1}", 400, []string{"value_error.jsondecode"}},
		{"empty body", "", p, "", ``, 422, []string{"value_error.missing"}},
		{"not an object", "", p, "", `[1,2]`, 422, []string{"type_error.dict"}},
		{"no instances", "", p, "", `{"rows":[]}`, 422, []string{"value_error.missing"}},
		{"instances not a list", "", p, "", `{"instances":"x"}`, 422, []string{"type_error.list"}},
		{"empty batch", "", p, "", `{"instances":[]}`, 422, []string{"value_error.list.min_items"}},
		{"batch over the limit", "", p, "", `{"instances":` + rowsJSON(4) + `}`, 422, []string{"value_error.list.max_items"}},
		{"too few features", "", p, "", `{"instances":[` + short + `]}`, 422, []string{"value_error.list.min_items"}},
		{"too many features", "", p, "", `{"instances":[` + long + `]}`, 422, []string{"value_error.list.max_items"}},
		{"unknown feature", "", p, "", `{"instances":[` + strings.Replace(rec, `"mean radius"`, `"mean radios"`, 1) + `]}`, 422,
			[]string{"value_error.extra", "value_error.missing"}},
		{"missing feature", "", p, "", `{"instances":[` + strings.Replace(rec, `"mean radius":`, `"x":0,"y":`, 1) + `]}`, 422,
			[]string{"value_error.extra", "value_error.extra", "value_error.missing"}},
		{"a string", "", p, "", with(`"17.99"`), 422, []string{"type_error.float"}},
		{"null", "", p, "", with(`null`), 422, []string{"type_error.none.not_allowed"}},
		{"a bool", "", p, "", with(`true`), 422, []string{"type_error.float"}},
		{"a list", "", p, "", with(`[1]`), 422, []string{"type_error.float"}},
		{"NaN", "", p, "", with(`NaN`), 422, []string{"value_error.number.not_finite"}},
		{"Infinity", "", p, "", with(`Infinity`), 422, []string{"value_error.number.not_finite"}},
		{"-Infinity", "", p, "", with(`-Infinity`), 422, []string{"value_error.number.not_finite"}},
		{"overflow", "", p, "", with(`1e999`), 422, []string{"value_error.number.not_finite"}},
		{"a row that is a number", "", p, "", `{"instances":[1]}`, 422, []string{"type_error.list"}},
		{"instances and inputs", "", p, "", `{"instances":[` + r0 + `],"inputs":[` + r0 + `]}`, 422, []string{"value_error.conflict"}},
		{"ten errors at most", "", p, "", `{"instances":[[` + strings.Repeat(`"a",`, 29) + `"a"]]}`, 422,
			[]string{"type_error.float", "type_error.float", "type_error.float", "type_error.float", "type_error.float",
				"type_error.float", "type_error.float", "type_error.float", "type_error.float", "type_error.float"}},
		{"columns of different lengths", "", p, "", `{"inputs":{"mean radius":[1,2],"mean texture":[1]}}`, 422,
			append([]string{"value_error.list.length"}, repeat("value_error.missing", 9)...)},
		{"body over the limit", "", p, "", `{"instances":[` + strings.Repeat(r0+",", 400) + r0 + `]}`, 413, []string{"value_error.body.too_large"}},
		{"unknown model", "", "/v1/models/nope:predict", "", `{"instances":[` + r0 + `]}`, 404, []string{"not_found"}},
		{"unknown version", "", "/v1/models/bc/versions/7:predict", "", `{"instances":[` + r0 + `]}`, 404, []string{"not_found"}},
		{"bad version", "", "/v1/models/bc/versions/x:predict", "", `{"instances":[` + r0 + `]}`, 404, []string{"not_found"}},
		{"no :predict", "", "/v1/models/bc", "", `{"instances":[` + r0 + `]}`, 404, []string{"not_found"}},
		{"wrong method", "GET", p, "", ``, 405, []string{"method_not_allowed"}},
	})
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestPredictV1ErrorDetail(t *testing.T) {
	srv := newServer(t, serve.Options{})
	rec := strings.Replace(recordJSON(0), `"mean radius":`, `"radius":`, 1)
	res := do(t, srv, "POST", "/v1/models/bc:predict", "", `{"instances":[`+rowJSON(0)+`,`+rec+`]}`)
	want := serve.ErrorResponse{
		Error: "validation failed: extra fields not permitted (and 1 more)",
		Detail: []serve.FieldError{
			{Loc: []any{"body", "instances", 1.0, "radius"}, Msg: "extra fields not permitted", Type: "value_error.extra"},
			{Loc: []any{"body", "instances", 1.0, "mean radius"}, Msg: "field required", Type: "value_error.missing"},
		},
		ModelName: "bc", ModelVersion: "1",
	}
	if res.code != 422 {
		t.Fatalf("status %d, want 422", res.code)
	}
	if diff := cmp.Diff(want, decode[serve.ErrorResponse](t, res.body)); diff != "" {
		t.Errorf("error response (-want +got):\n%s", diff)
	}
	if got := res.header.Get("Model-Version"); got != "1" {
		t.Errorf("Model-Version = %q, want 1", got)
	}
}

func TestRedact(t *testing.T) {
	srv := newServer(t, serve.Options{Redact: true})
	body := `{"instances":[{"secret feature":1}]}`
	res := do(t, srv, "POST", "/v1/models/bc:predict", "", body)
	want := serve.ErrorResponse{
		Error: "invalid request",
		Detail: []serve.FieldError{
			{Loc: []any{"body"}, Msg: "invalid request", Type: "value_error.extra"},
			{Loc: []any{"body"}, Msg: "invalid request", Type: "value_error.missing"},
		},
		ModelName: "bc", ModelVersion: "1",
	}
	if diff := cmp.Diff(want, decode[serve.ErrorResponse](t, res.body)); diff != "" {
		t.Errorf("redacted error (-want +got):\n%s", diff)
	}
	if strings.Contains(string(res.body), "secret") || strings.Contains(string(res.body), "mean radius") {
		t.Errorf("redacted body names request or model fields: %s", res.body)
	}
	res = do(t, srv, "POST", "/v1/models/bc:predict", "", `{"instances": [1,`)
	if got := decode[serve.ErrorResponse](t, res.body); res.code != 400 || got.Error != "malformed request body" || len(got.Detail) != 1 || len(got.Detail[0].Loc) != 1 {
		t.Errorf("redacted bad JSON = %d %s", res.code, res.body)
	}
}
