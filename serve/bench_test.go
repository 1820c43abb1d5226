package serve_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/serve"
)

// The request path, in process: ServeHTTP with a reused request and a
// response writer that discards, so that what is measured (time and
// allocations per request) is the server's own work: routing, reading
// the body (through http.MaxBytesReader), decoding, predicting, encoding
// and writing, and the metrics. Every request is the breast-cancer model
// (30 features) on rows of the data set.
//
//	flock /tmp/cairn-bench.lock go test -run '^$' -bench . -benchtime 2s ./serve/

// discard is an http.ResponseWriter that keeps only the status.
type discard struct {
	h    http.Header
	code int
	n    int
}

func (w *discard) Header() http.Header         { return w.h }
func (w *discard) WriteHeader(code int)        { w.code = code }
func (w *discard) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// rewind is a request body that can be read again.
type rewind struct{ *bytes.Reader }

func (rewind) Close() error { return nil }

func benchRequest(b *testing.B, path, contentType, body string) {
	benchOn(b, newServer(b, serve.Options{}), path, contentType, body)
}

func benchOn(b *testing.B, srv *serve.Server, path, contentType, body string) {
	r := httptest.NewRequest("POST", path, nil)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	raw := []byte(body)
	rd := bytes.NewReader(raw)
	r.Body = rewind{rd}
	r.ContentLength = int64(len(body))
	w := &discard{h: http.Header{}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(raw)
		w.code = 0
		srv.ServeHTTP(w, r)
		if w.code != 200 {
			b.Fatalf("status %d", w.code)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func v1Body(n int) string    { return `{"instances":` + rowsJSON(n) + `}` }
func splitBody(n int) string { return `{"dataframe_split":` + splitFrame(nil, seq(n)...) + `}` }
func oipBody(n int) string {
	return `{"inputs":[` + tensor("input-0", "FP64", []int{n, 30}, flat(seq(n)...)) + `]}`
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func BenchmarkPredictV1Rows1(b *testing.B) {
	benchRequest(b, "/v1/models/bc:predict", "application/json", v1Body(1))
}
func BenchmarkPredictV1Rows100(b *testing.B) {
	benchRequest(b, "/v1/models/bc:predict", "application/json", v1Body(100))
}
func BenchmarkPredictV1Records1(b *testing.B) {
	benchRequest(b, "/v1/models/bc:predict", "application/json", `{"instances":[`+recordJSON(0)+`]}`)
}
func BenchmarkInferRows1(b *testing.B) {
	benchRequest(b, "/v2/models/bc/infer", "application/json", oipBody(1))
}
func BenchmarkInferRows100(b *testing.B) {
	benchRequest(b, "/v2/models/bc/infer", "application/json", oipBody(100))
}
func BenchmarkInvocationsSplit1(b *testing.B) {
	benchRequest(b, "/invocations", "application/json", splitBody(1))
}
func BenchmarkInvocationsSplit100(b *testing.B) {
	benchRequest(b, "/invocations", "application/json", splitBody(100))
}
func BenchmarkInvocationsCSV100(b *testing.B) {
	benchRequest(b, "/invocations", "text/csv", csvRows(true, seq(100)...))
}

// A model with raw inputs: a record of text, numbers and a null, through
// the model's imputation, scaling and one-hot encoding.
const penguinJSON = `{"island":"Dream","bill_length_mm":46.5,"bill_depth_mm":17.9,"flipper_length_mm":192,"body_mass_g":3500,"sex":null,"year":2008}`

func BenchmarkPredictV1RawRecord1(b *testing.B) {
	benchOn(b, penguinServer(b), "/v1/models/penguins:predict", "application/json", `{"instances":[`+penguinJSON+`]}`)
}
func BenchmarkPredictV1RawRecords100(b *testing.B) {
	benchOn(b, penguinServer(b), "/v1/models/penguins:predict", "application/json",
		`{"instances":[`+strings.Repeat(penguinJSON+",", 99)+penguinJSON+`]}`)
}

// BenchmarkLoopback is the whole round trip on loopback TCP: net/http's
// client and server with keep-alive, one request at a time per
// goroutine, GOMAXPROCS goroutines. Client and server share the CPU.
func BenchmarkLoopbackRows1(b *testing.B)   { benchLoopback(b, v1Body(1)) }
func BenchmarkLoopbackRows100(b *testing.B) { benchLoopback(b, v1Body(100)) }

func benchLoopback(b *testing.B, body string) {
	srv := newServer(b, serve.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := serve.NewHTTPServer("", srv, serve.HTTPOptions{})
	go hs.Serve(ln)
	defer hs.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	url := "http://" + ln.Addr().String() + "/v1/models/bc:predict"
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(url, "application/json", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkSwap is Set with a new version of a model: the checks and the
// atomic swap.
func BenchmarkSwap(b *testing.B) {
	srv := newServer(b, serve.Options{})
	ms := [2]serve.Predictor{fixtures().m1, fixtures().m2}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := srv.Set("bc", 1+i%2, ms[i%2]); err != nil {
			b.Fatal(err)
		}
	}
}
