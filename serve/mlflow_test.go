package serve_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/serve"
)

func wantLabels(rows ...int) serve.InvocationsResponse {
	want := serve.InvocationsResponse{ModelVersion: "1"}
	for _, i := range rows {
		p := proba(fixtures().m1, i)
		l := 0
		if p[1] > p[0] {
			l = 1
		}
		want.Predictions = append(want.Predictions, l)
	}
	return want
}

// splitFrame writes rows as a pandas split frame with the columns in the
// order given by perm (nil: the model's order).
func splitFrame(perm []int, rows ...int) string {
	f := fixtures()
	if perm == nil {
		for j := range f.ds.Features {
			perm = append(perm, j)
		}
	}
	cols := make([]string, len(perm))
	for c, j := range perm {
		cols[c] = f.ds.Features[j]
	}
	data := make([][]float64, len(rows))
	for r, i := range rows {
		for _, j := range perm {
			data[r] = append(data[r], row(i)[j])
		}
	}
	b, _ := json.Marshal(map[string]any{"columns": cols, "data": data})
	return string(b)
}

// csvRows writes a CSV body: the header (if header), then the rows.
func csvRows(header bool, rows ...int) string {
	var b strings.Builder
	if header {
		b.WriteString(strings.Join(fixtures().ds.Features, ",") + "\n")
	}
	for _, i := range rows {
		b.WriteString(strings.Trim(rowJSON(i), "[]") + "\n")
	}
	return b.String()
}

func TestInvocations(t *testing.T) {
	srv := newServer(t, serve.Options{})
	f := fixtures()
	reversed := make([]int, 30)
	for j := range reversed {
		reversed[j] = 29 - j
	}
	indexed := strings.Replace(splitFrame(nil, 1, 2), `"columns":["mean radius"`, `"index":[7,8],"columns":["","mean radius"`, 1)
	indexed = strings.ReplaceAll(strings.Replace(indexed, `"data":[[`, `"data":[[7,`, 1), `],[`, `],[8,`)
	dataFirst := `{"dataframe_split":{"data":` + rowsJSON(2) + `,"columns":` + mustJSON(f.ds.Features) + `}}`
	indexCSV := "," + strings.Join(f.ds.Features, ",") + "\r\n0," + strings.Trim(rowJSON(3), "[]") + "\r\n1," + strings.Trim(rowJSON(4), "[]") + "\r\n"
	quotedCSV := "\ufeff\"" + strings.Join(f.ds.Features, "\",\"") + "\"\n" + strings.Trim(rowJSON(5), "[]") + "\n"
	for _, tc := range []struct {
		name, contentType, body string
		rows                    []int
	}{
		{"dataframe_split", "application/json", `{"dataframe_split":` + splitFrame(nil, 0, 1) + `}`, []int{0, 1}},
		{"dataframe_split, columns reordered", "application/json", `{"dataframe_split":` + splitFrame(reversed, 2, 3) + `}`, []int{2, 3}},
		{"dataframe_split, data before columns", "application/json", dataFirst, []int{0, 1}},
		{"dataframe_split, pandas index", "application/json", `{"dataframe_split":` + indexed + `}`, []int{1, 2}},
		{"dataframe_split, no columns", "application/json", `{"dataframe_split":{"data":` + rowsJSON(2) + `}}`, []int{0, 1}},
		{"dataframe_records", "application/json", `{"dataframe_records":[` + recordJSON(4) + `,` + recordJSON(5) + `]}`, []int{4, 5}},
		{"instances", "application/json; charset=utf-8", `{"instances":` + rowsJSON(3) + `}`, []int{0, 1, 2}},
		{"inputs as records, params", "", `{"params":{"x":1},"inputs":[` + recordJSON(6) + `]}`, []int{6}},
		{"a bare list of records", "application/json", `[` + recordJSON(7) + `]`, []int{7}},
		{"csv", "text/csv", csvRows(true, 0, 1, 2), []int{0, 1, 2}},
		{"csv without a header", "text/csv; charset=utf-8", csvRows(false, 3), []int{3}},
		{"csv with pandas index, CRLF", "text/csv", indexCSV, []int{3, 4}},
		{"csv with BOM and quotes", "TEXT/CSV", quotedCSV, []int{5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, srv, "POST", "/invocations", tc.contentType, tc.body)
			if res.code != 200 {
				t.Fatalf("POST /invocations = %d %s", res.code, res.body)
			}
			if diff := cmp.Diff(wantLabels(tc.rows...), decode[serve.InvocationsResponse](t, res.body)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if h := res.header.Get("Model-Version"); h != "1" {
				t.Errorf("Model-Version header = %q, want 1", h)
			}
		})
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestInvocationsBadInput(t *testing.T) {
	srv := newServer(t, serve.Options{MaxBatch: 2})
	f := fixtures()
	const p = "/invocations"
	header := strings.Join(f.ds.Features, ",")
	r0 := strings.Trim(rowJSON(0), "[]")
	cols := f.ds.Features
	runBad(t, srv, []badCase{
		{"malformed JSON", "", p, "application/json", `{"instances":`, 400, []string{"value_error.jsondecode"}},
		{"no known key", "", p, "application/json", `{"data":[]}`, 422, []string{"value_error.missing"}},
		{"two keys", "", p, "application/json", `{"instances":` + rowsJSON(1) + `,"inputs":` + rowsJSON(1) + `}`, 422, []string{"value_error.conflict"}},
		{"split without data", "", p, "application/json", `{"dataframe_split":{"columns":` + mustJSON(cols) + `}}`, 422, []string{"value_error.missing"}},
		{"split not an object", "", p, "application/json", `{"dataframe_split":[]}`, 422, []string{"type_error.dict"}},
		{"split columns not a list", "", p, "application/json", `{"dataframe_split":{"columns":"a","data":[]}}`, 422, []string{"type_error.list"}},
		{"split unknown column", "", p, "application/json",
			`{"dataframe_split":{"columns":` + mustJSON(append(slices.Clone(cols[1:]), "radius")) + `,"data":[]}}`, 422,
			[]string{"value_error.extra", "value_error.missing"}},
		{"split repeated column", "", p, "application/json",
			`{"dataframe_split":{"columns":` + mustJSON(append(slices.Clone(cols), cols[0])) + `,"data":[]}}`, 422,
			[]string{"value_error.duplicate"}},
		{"split column not a string", "", p, "application/json",
			`{"dataframe_split":{"columns":` + strings.Replace(mustJSON(cols), `"mean radius"`, `1`, 1) + `,"data":[]}}`, 422,
			[]string{"type_error.str", "value_error.missing"}},
		{"split short row", "", p, "application/json", `{"dataframe_split":{"data":[[1,2]]}}`, 422, []string{"value_error.list.min_items"}},
		{"split NaN", "", p, "application/json", `{"dataframe_split":{"data":[[NaN,` + strings.SplitN(r0, ",", 2)[1] + `]],"columns":` + mustJSON(cols) + `}}`, 422,
			[]string{"value_error.number.not_finite"}},
		{"split empty", "", p, "application/json", `{"dataframe_split":{"columns":` + mustJSON(cols) + `,"data":[]}}`, 422, []string{"value_error.list.min_items"}},
		{"records over the limit", "", p, "application/json", `{"dataframe_records":[` + strings.Repeat(recordJSON(0)+",", 2) + recordJSON(0) + `]}`, 422,
			[]string{"value_error.list.max_items"}},
		{"content type", "", p, "application/x-www-form-urlencoded", `a=1`, 415, []string{"value_error.content_type"}},
		{"csv unbalanced quote", "", p, "text/csv", header + "\n\"1," + r0 + "\n", 400, []string{"value_error.csv"}},
		{"csv short row", "", p, "text/csv", header + "\n1,2\n", 422, []string{"value_error.csv.fields"}},
		{"csv not a number", "", p, "text/csv", header + "\nabc," + strings.SplitN(r0, ",", 2)[1] + "\n", 422, []string{"type_error.float"}},
		{"csv nan", "", p, "text/csv", header + "\nnan," + strings.SplitN(r0, ",", 2)[1] + "\n", 422, []string{"value_error.number.not_finite"}},
		{"csv empty value", "", p, "text/csv", header + "\n," + strings.SplitN(r0, ",", 2)[1] + "\n", 422, []string{"value_error.missing"}},
		{"csv header only", "", p, "text/csv", header + "\n", 422, []string{"value_error.list.min_items"}},
		{"csv empty", "", p, "text/csv", "", 422, []string{"value_error.list.min_items"}},
		{"csv unknown column", "", p, "text/csv", strings.Replace(header, "mean radius", "radius", 1) + "\n" + r0 + "\n", 422,
			[]string{"value_error.extra", "value_error.missing"}},
		{"csv over the limit", "", p, "text/csv", header + "\n" + strings.Repeat(r0+"\n", 3), 422, []string{"value_error.list.max_items"}},
		{"wrong method", "GET", p, "", "", 405, []string{"method_not_allowed"}},
	})
	res := do(t, srv, "POST", p, "text/csv", "x\n1\n")
	e := decode[serve.ErrorResponse](t, res.body)
	if e.ErrorCode != "BAD_REQUEST" || e.Message == "" || e.Message != e.Error {
		t.Errorf("MLflow error fields: error_code %q, message %q, error %q", e.ErrorCode, e.Message, e.Error)
	}
}

func TestMLflowHealth(t *testing.T) {
	srv := newServer(t, serve.Options{})
	for _, path := range []string{"/ping", "/health"} {
		res := do(t, srv, "GET", path, "", "")
		if res.code != 200 || string(res.body) != `{"status":"ok","model_name":"bc","model_version":"1"}` || res.header.Get("Model-Version") != "1" {
			t.Errorf("GET %s = %d %s %v", path, res.code, res.body, res.header)
		}
	}
	res := do(t, srv, "GET", "/version", "", "")
	if res.code != 200 || !strings.Contains(string(res.body), "model bc version 1") || res.header.Get("Model-Version") != "1" {
		t.Errorf("GET /version = %d %q", res.code, res.body)
	}

	empty, err := serve.New(serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res := do(t, empty, "GET", "/ping", "", ""); res.code != 503 {
		t.Errorf("GET /ping with no model = %d, want 503", res.code)
	}
	if res := do(t, empty, "POST", "/invocations", "", `{"instances":[[1]]}`); res.code != 404 {
		t.Errorf("POST /invocations with no model = %d, want 404", res.code)
	}
}

func TestDefaultModel(t *testing.T) {
	srv := newServer(t, serve.Options{DefaultModel: "other"})
	if res := do(t, srv, "GET", "/ping", "", ""); res.code != 503 {
		t.Errorf("GET /ping before the default model is added = %d, want 503", res.code)
	}
	if err := srv.Set("other", 4, fixtures().m2); err != nil {
		t.Fatal(err)
	}
	res := do(t, srv, "POST", "/invocations", "", `{"instances":`+rowsJSON(1)+`}`)
	if res.code != 200 || res.header.Get("Model-Name") != "other" || res.header.Get("Model-Version") != "4" {
		t.Errorf("POST /invocations = %d %s %v, want model other v4", res.code, res.body, res.header)
	}
	_ = strconv.Itoa
}
