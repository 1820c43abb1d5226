package serve_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/serve"
)

// TestNoSniff checks that every response carries X-Content-Type-Options:
// nosniff, whatever the route and status (JSON inference answers lacked
// it).
func TestNoSniff(t *testing.T) {
	srv := newServer(t, serve.Options{})
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/v1/models/bc:predict", `{"instances":[` + rowJSON(0) + `]}`},
		{"POST", "/v2/models/bc/infer", `{"inputs":[` + tensor("x", "FP64", []int{1, 30}, flat(0)) + `]}`},
		{"POST", "/invocations", `{"instances":[` + rowJSON(0) + `]}`},
		{"POST", "/v1/models/bc:predict", `{"instances":[1]}`},
		{"GET", "/v1/models/bc", ""},
		{"GET", "/v2/models/bc", ""},
		{"GET", "/v2/health/ready", ""},
		{"GET", "/metrics", ""},
		{"GET", "/version", ""},
		{"GET", "/openapi.json", ""},
		{"GET", "/nope", ""},
		{"DELETE", "/v2/models/bc", ""},
	} {
		res := do(t, srv, tc.method, tc.path, "", tc.body)
		if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s = %d, X-Content-Type-Options %q, want nosniff", tc.method, tc.path, res.code, got)
		}
	}
}

// TestStatusV1 checks GET /v1/models/{name}, KServe's v1 model status,
// which answered 405.
func TestStatusV1(t *testing.T) {
	srv := newServer(t, serve.Options{})
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/v1/models/bc", 200, `{"name":"bc","ready":true,"version":"1"}`},
		{"/v1/models/bc/versions/1", 200, `{"name":"bc","ready":true,"version":"1"}`},
		{"/v1/models/bc/versions/v1", 200, `{"name":"bc","ready":true,"version":"1"}`},
		{"/v1/models/bc/versions/2", 404, ""},
		{"/v1/models/nope", 404, ""},
		{"/v1/models/bc:predict", 405, ""},
		{"/v1/models/bc/versions/1:predict", 405, ""},
	} {
		res := do(t, srv, "GET", tc.path, "", "")
		if res.code != tc.code || tc.want != "" && string(res.body) != tc.want {
			t.Errorf("GET %s = %d %s, want %d %s", tc.path, res.code, res.body, tc.code, tc.want)
		}
		if tc.code == 405 && res.header.Get("Allow") != "POST" {
			t.Errorf("GET %s: Allow %q, want POST", tc.path, res.header.Get("Allow"))
		}
	}
}

// TestRuntimeMetrics checks that /metrics has the Go runtime and process
// metrics under the Prometheus Go client's names, in the text format.
func TestRuntimeMetrics(t *testing.T) {
	srv := newServer(t, serve.Options{})
	res := do(t, srv, "GET", "/metrics", "", "")
	if res.code != 200 {
		t.Fatalf("GET /metrics = %d", res.code)
	}
	types := map[string]string{}
	values := map[string]float64{}
	for line := range strings.Lines(string(res.body)) {
		line = strings.TrimSuffix(line, "\n")
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			if types[name] != "" {
				t.Errorf("# TYPE %s given twice", name)
			}
			types[name] = typ
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		values[line[:i]] = v
	}
	want := map[string]string{
		"go_gc_duration_seconds": "summary", "go_goroutines": "gauge", "go_threads": "gauge", "go_info": "gauge",
		"go_memstats_alloc_bytes": "gauge", "go_memstats_alloc_bytes_total": "counter", "go_memstats_sys_bytes": "gauge",
		"go_memstats_heap_objects": "gauge", "go_memstats_mallocs_total": "counter", "go_memstats_frees_total": "counter",
		"go_memstats_next_gc_bytes": "gauge", "go_memstats_last_gc_time_seconds": "gauge", "go_sched_gomaxprocs_threads": "gauge",
		"go_gc_gogc_percent": "gauge", "go_gc_gomemlimit_bytes": "gauge",
	}
	if runtime.GOOS == "linux" {
		for name, typ := range map[string]string{
			"process_cpu_seconds_total": "counter", "process_resident_memory_bytes": "gauge", "process_virtual_memory_bytes": "gauge",
			"process_open_fds": "gauge", "process_max_fds": "gauge", "process_start_time_seconds": "gauge",
			"process_virtual_memory_max_bytes": "gauge",
		} {
			want[name] = typ
		}
	}
	for name, typ := range want {
		if types[name] != typ {
			t.Errorf("# TYPE %s = %q, want %q", name, types[name], typ)
		}
	}
	for name, check := range map[string]func(float64) bool{
		"go_goroutines":                                func(v float64) bool { return v >= 1 },
		"go_memstats_alloc_bytes":                      func(v float64) bool { return v > 0 },
		`go_gc_duration_seconds{quantile="0.5"}`:       func(v float64) bool { return v >= 0 },
		"go_gc_duration_seconds_count":                 func(v float64) bool { return v >= 0 },
		`go_info{version="` + runtime.Version() + `"}`: func(v float64) bool { return v == 1 },
		"go_sched_gomaxprocs_threads":                  func(v float64) bool { return v == float64(runtime.GOMAXPROCS(0)) },
	} {
		if v, ok := values[name]; !ok || !check(v) {
			t.Errorf("%s = %v (present %v)", name, v, ok)
		}
	}
	if runtime.GOOS == "linux" {
		for _, name := range []string{"process_resident_memory_bytes", "process_open_fds", "process_max_fds", "process_start_time_seconds"} {
			if values[name] <= 0 {
				t.Errorf("%s = %v, want > 0", name, values[name])
			}
		}
	}
}

// TestAccessLog checks Options.AccessLog: one record per request with its
// method, path, status, body size and the model that answered.
func TestAccessLog(t *testing.T) {
	var buf bytes.Buffer
	srv := newServer(t, serve.Options{AccessLog: slog.New(slog.NewJSONHandler(&buf, nil))})
	ok := do(t, srv, "POST", "/v1/models/bc:predict", "", `{"instances":[`+rowJSON(0)+`]}`)
	bad := do(t, srv, "GET", "/nope", "", "")
	type record struct {
		Msg, Method, Path, Model, Version string
		Status                            int
		Bytes                             int
	}
	var got []record
	for line := range strings.Lines(buf.String()) {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	want := []record{
		{Msg: "serve: request", Method: "POST", Path: "/v1/models/bc:predict", Model: "bc", Version: "1", Status: 200, Bytes: len(ok.body)},
		{Msg: "serve: request", Method: "GET", Path: "/nope", Status: 404, Bytes: len(bad.body)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("access log (-want +got):\n%s\nlog %s", diff, buf.String())
	}
}

// TestErrorSize checks that an error response quotes a bounded part of
// anything huge in the request (a key, a datatype, a column, a path).
func TestErrorSize(t *testing.T) {
	srv := newServer(t, serve.Options{MaxBodyBytes: 4 << 20})
	huge := strings.Repeat("x", 1<<20)
	for _, tc := range []struct{ name, method, path, ct, body string }{
		{"extra key", "POST", "/v1/models/bc:predict", "", `{"instances":[{"` + huge + `":1}]}`},
		{"datatype", "POST", "/v2/models/bc/infer", "", `{"inputs":[` + tensor("x", huge, []int{1, 30}, flat(0)) + `]}`},
		{"output", "POST", "/v2/models/bc/infer", "", `{"inputs":[` + tensor("x", "FP64", []int{1, 30}, flat(0)) + `],"outputs":[{"name":"` + huge + `"}]}`},
		{"column", "POST", "/invocations", "", `{"dataframe_split":{"columns":["` + huge + `"],"data":[[1]]}}`},
		{"CSV column", "POST", "/invocations", "text/csv", huge + "\n1\n"},
		{"content type", "POST", "/invocations", "text/" + huge, "{}"},
		{"path", "GET", "/" + huge, "", ""},
		{"model", "GET", "/v2/models/" + huge, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, srv, tc.method, tc.path, tc.ct, tc.body)
			if res.code < 400 || len(res.body) > 16<<10 {
				t.Errorf("%s: %d with a body of %d bytes, want an error of at most 16 KiB: %.300s", tc.name, res.code, len(res.body), res.body)
			}
		})
	}
}

// TestHugeMaxBatch checks that a MaxBatch as large as an int holds (an
// operator's "no limit"): the tensor limit MaxBatch x features overflowed
// and refused every OIP request.
func TestHugeMaxBatch(t *testing.T) {
	srv := newServer(t, serve.Options{MaxBatch: math.MaxInt})
	res := do(t, srv, "POST", "/v2/models/bc/infer", "", `{"inputs":[`+tensor("x", "FP64", []int{2, 30}, flat(0, 1))+`]}`)
	if res.code != 200 {
		t.Errorf("POST infer with MaxBatch MaxInt = %d %s, want 200", res.code, res.body)
	}
}

// TestDeclaredLength checks that a client declaring a huge body it does not
// send makes the server allocate no more than it receives (with
// MaxBodyBytes raised to 1 TiB, a Content-Length of 1 TiB made it allocate
// 1 TiB before reading a byte).
func TestDeclaredLength(t *testing.T) {
	srv := newServer(t, serve.Options{MaxBodyBytes: 1 << 40})
	r := httptest.NewRequest("POST", "/v1/models/bc:predict", strings.NewReader(`{"instances":[`+rowJSON(0)+`]}`))
	r.ContentLength = 1 << 40
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r) // httptest's body ends at its last byte; over a socket the read would wait
	if w.Code != 200 {
		t.Errorf("POST with Content-Length 1 TiB and a short body = %d %s, want 200 (and no crash)", w.Code, w.Body)
	}
}
