package serve_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/linear"
	"github.com/cairn-ml/cairn/registry"
	registryui "github.com/cairn-ml/cairn/registry/ui"
	"github.com/cairn-ml/cairn/serve"
)

// TestBodyLimit sends bodies over the limit with and without a
// Content-Length, over a real connection (httptest.NewServer), so that
// the limit is met while reading.
func TestBodyLimit(t *testing.T) {
	srv := newServer(t, serve.Options{MaxBodyBytes: 1000})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	big := `{"instances":` + rowsJSON(10) + `}`
	if len(big) <= 1000 {
		t.Fatalf("the big body has %d bytes", len(big))
	}
	for _, tc := range []struct {
		name    string
		chunked bool
	}{{"Content-Length", false}, {"chunked", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(big)
			if tc.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, _ := http.NewRequest("POST", ts.URL+"/v1/models/bc:predict", body)
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 413 {
				t.Fatalf("status %d %s, want 413", resp.StatusCode, b)
			}
			if diff := cmp.Diff([]string{"value_error.body.too_large"}, errTypes(t, b)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	resp, err := ts.Client().Post(ts.URL+"/v1/models/bc:predict", "application/json", strings.NewReader(`{"instances":[`+rowJSON(0)+`]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("a body under the limit: %d", resp.StatusCode)
	}
}

// misbehaving predictors.
type (
	errPredictor   struct{ *linear.Model }
	panicPredictor struct {
		*linear.Model
		armed *bool
	}
	rangePredictor struct {
		*linear.Model
		armed *bool
	}
)

func (errPredictor) PredictProbaInto(dst, x []float64) error {
	if x[0] > 1e6 {
		return linear.ErrNonFinite
	}
	dst[0], dst[1] = 0.5, 0.5
	return nil
}

func (p panicPredictor) PredictProbaInto(dst, x []float64) error {
	if *p.armed {
		panic("boom")
	}
	dst[0], dst[1] = 0.5, 0.5
	return nil
}

func (p rangePredictor) PredictProbaInto(dst, x []float64) error {
	dst[0], dst[1] = 0.5, 0.5
	if *p.armed {
		dst[0], dst[1] = 1.5, -0.5
	}
	return nil
}

func TestPredictorFailures(t *testing.T) {
	srv := newServer(t, serve.Options{})
	m := fixtures().m1
	armed := false
	for name, p := range map[string]serve.Predictor{"err": errPredictor{m}, "panic": panicPredictor{m, &armed}, "range": rangePredictor{m, &armed}} {
		if err := srv.Set(name, 1, p); err != nil {
			t.Fatal(err)
		}
	}
	armed = true
	huge := `{"instances":[[1e300,` + strings.SplitN(strings.Trim(rowJSON(0), "[]"), ",", 2)[1] + `]]}`
	runBad(t, srv, []badCase{
		{"the model refuses a row", "", "/v1/models/err:predict", "", huge, 422, []string{"value_error.predict"}},
		{"the model panics", "", "/v1/models/panic:predict", "", `{"instances":[` + rowJSON(0) + `]}`, 500, []string{"server_error"}},
		{"a probability out of range", "", "/v1/models/range:predict", "", `{"instances":[` + rowJSON(0) + `]}`, 500, []string{"server_error"}},
	})
}

func TestRouting(t *testing.T) {
	srv := newServer(t, serve.Options{})
	for _, tc := range []struct {
		method, path string
		code         int
		allow        string
	}{
		{"GET", "/", 404, ""},
		{"GET", "/v3/models", 404, ""},
		{"GET", "/v2/models/bc/versions/1/infer", 405, "POST"},
		{"PUT", "/v2/health/live", 405, "GET, HEAD"},
		{"POST", "/metrics", 405, "GET, HEAD"},
		{"DELETE", "/invocations", 405, "POST"},
		{"HEAD", "/v2/health/live", 200, ""},
	} {
		res := do(t, srv, tc.method, tc.path, "", "")
		if res.code != tc.code || res.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s = %d (Allow %q), want %d (Allow %q)", tc.method, tc.path, res.code, res.header.Get("Allow"), tc.code, tc.allow)
		}
		if tc.method != "HEAD" && res.code != 200 && res.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, res.header.Get("Content-Type"))
		}
	}
}

// TestMount puts the server next to the registry's dashboard, mounted at
// its Prefix as the package doc says (not stripped: the doc used to strip
// it, which broke every link the dashboard writes).
func TestMount(t *testing.T) {
	srv := newServer(t, serve.Options{})
	mux := http.NewServeMux()
	mux.Handle("/ui/", registryui.New(openReg(t, registry.Options{}), registryui.Options{Prefix: "/ui/"}))
	mux.Handle("/", srv)
	res := do(t, mux, "GET", "/ui/", "", "")
	if res.code != 200 || !strings.Contains(string(res.body), `href="/ui/models/bc"`) {
		t.Fatalf("GET /ui/ = %d, want 200 with a link to /ui/models/bc: %.500s", res.code, res.body)
	}
	if res := do(t, mux, "GET", "/ui/models/bc", "", ""); res.code != 200 {
		t.Errorf("GET /ui/models/bc (the dashboard's own link) = %d", res.code)
	}
	if res := do(t, mux, "POST", "/v1/models/bc:predict", "", `{"instances":[`+rowJSON(0)+`]}`); res.code != 200 {
		t.Errorf("POST predict through the mux = %d %s", res.code, res.body)
	}
	api := http.NewServeMux()
	api.Handle("/api/", http.StripPrefix("/api", srv))
	if res := do(t, api, "GET", "/api/v2/models/bc/ready", "", ""); res.code != 200 {
		t.Errorf("GET /api/v2/models/bc/ready = %d %s", res.code, res.body)
	}
}

var metricLine = regexp.MustCompile(`^[a-z_]+(\{([a-z]+="([^"\\]|\\.)*",?)+\})? [-+0-9.e]+$|^[a-z_]+(\{.*\})? \+Inf$`)

func TestMetrics(t *testing.T) {
	srv := newServer(t, serve.Options{})
	if err := srv.Set(`we"ird\name`, 1, fixtures().m1); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		do(t, srv, "POST", "/v1/models/bc:predict", "", `{"instances":`+rowsJSON(2)+`}`)
	}
	do(t, srv, "POST", "/v1/models/bc:predict", "", `{}`)
	do(t, srv, "GET", "/nowhere", "", "")
	if err := srv.Set("bc", 2, fixtures().m2); err != nil {
		t.Fatal(err)
	}
	res := do(t, srv, "GET", "/metrics", "", "")
	if res.code != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics = %d %v", res.code, res.header)
	}
	text := string(res.body)
	for _, want := range []string{
		`cairn_serve_requests_total{route="/v1/models/{name}:predict",code="200"} 3`,
		`cairn_serve_requests_total{route="/v1/models/{name}:predict",code="422"} 1`,
		`cairn_serve_requests_total{route="other",code="404"} 1`,
		`cairn_serve_request_duration_seconds_bucket{route="/v1/models/{name}:predict",le="+Inf"} 4`,
		`cairn_serve_request_duration_seconds_count{route="/v1/models/{name}:predict"} 4`,
		`cairn_serve_model_version{model="bc"} 2`,
		`cairn_serve_model_swaps_total{model="bc"} 1`,
		`cairn_serve_model_swap_failures_total{model="bc"} 0`,
		`cairn_serve_model_rows_total{model="bc"} 6`,
		`cairn_serve_model_ready{model="we\"ird\\name"} 1`,
		"# TYPE cairn_serve_request_duration_seconds histogram",
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Every line is a comment or a well-formed sample, and buckets grow.
	sc := bufio.NewScanner(strings.NewReader(text))
	last := -1.0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		if !metricLine.MatchString(line) {
			t.Errorf("malformed metrics line %q", line)
		}
		if strings.Contains(line, "_bucket{") {
			v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if strings.Contains(line, `le="5e-05"`) {
				last = -1
			}
			if v < last {
				t.Errorf("bucket %q below the one before (%v)", line, last)
			}
			last = v
		}
	}
}

func TestOpenAPI(t *testing.T) {
	srv := newServer(t, serve.Options{})
	res := do(t, srv, "GET", "/openapi.json", "", "")
	if res.code != 200 {
		t.Fatalf("GET /openapi.json = %d", res.code)
	}
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for path, ops := range doc.Paths {
		for method := range ops {
			got = append(got, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(got)
	want := []string{
		"GET /health", "GET /metrics", "GET /openapi.json", "GET /ping",
		"GET /v1/models/{name}", "GET /v1/models/{name}/versions/{version}",
		"GET /v2", "GET /v2/health/live", "GET /v2/health/ready",
		"GET /v2/models/{name}", "GET /v2/models/{name}/ready", "GET /v2/models/{name}/versions/{version}",
		"GET /v2/models/{name}/versions/{version}/ready", "GET /version",
		"POST /invocations", "POST /v1/models/{name}/versions/{version}:predict", "POST /v1/models/{name}:predict",
		"POST /v2/models/{name}/infer", "POST /v2/models/{name}/versions/{version}/infer",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	// Every $ref resolves.
	for _, m := range regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(string(res.body), -1) {
		if doc.Components.Schemas[m[1]] == nil {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}
	record := doc.Components.Schemas["Record"].(map[string]any)
	if props := record["properties"].(map[string]any); len(props) != 30 || props["mean radius"] == nil {
		t.Errorf("Record schema has %d properties, want the 30 features", len(props))
	}
}

func TestStatus(t *testing.T) {
	srv := newServer(t, serve.Options{})
	if err := srv.Set("bc", 2, fixtures().m2); err != nil {
		t.Fatal(err)
	}
	if err := srv.Set("bc", 1, fixtures().m1); err != nil { // roll back by value
		t.Fatal(err)
	}
	st := srv.Status()
	if len(st) != 1 || st[0].Version != 1 || st[0].Swaps != 2 || !slices.Equal(st[0].Loaded, []int{1, 2}) || st[0].Source != "value" {
		t.Errorf("Status() = %+v", st)
	}
	if _, err := serve.New(serve.Options{MaxBodyBytes: -1}); !errors.Is(err, serve.ErrInvalid) {
		t.Errorf("New(MaxBodyBytes -1) = %v", err)
	}
}
