package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-ml/cairn/dataset"
	"github.com/cairn-ml/cairn/linear"
	"github.com/cairn-ml/cairn/registry"
	"github.com/cairn-ml/cairn/serve"
)

var ctx = context.Background()

// fixtures: the breast-cancer data and two models fitted on it (C = 1 and
// C = 0.01), fitted once.
var fixtures = sync.OnceValue(func() (f struct {
	ds     *dataset.Dataset
	m1, m2 *linear.Model
	b1, b2 []byte // their bytes in linear's format
}) {
	f.ds = dataset.BreastCancer()
	fit := func(c float64) (*linear.Model, []byte) {
		m, err := linear.Fit(ctx, f.ds.X, f.ds.Y, linear.Config{C: c, Standardize: true, Classes: f.ds.Classes, Features: f.ds.Features})
		if err != nil {
			panic(err)
		}
		b, err := linear.Marshal(m)
		if err != nil {
			panic(err)
		}
		return m, b
	}
	f.m1, f.b1 = fit(1)
	f.m2, f.b2 = fit(0.01)
	return f
})

// newServer returns a Server serving model "bc" version 1 (C = 1),
// closed at the end of the test.
func newServer(t testing.TB, opts serve.Options) *serve.Server {
	t.Helper()
	srv, err := serve.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.Set("bc", 1, fixtures().m1); err != nil {
		t.Fatal(err)
	}
	return srv
}

// row returns row i of the data set's features.
func row(i int) []float64 { return fixtures().ds.X.RawRowView(i) }

// rowJSON writes row i as a JSON array.
func rowJSON(i int) string {
	var b strings.Builder
	b.WriteByte('[')
	for j, v := range row(i) {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	}
	b.WriteByte(']')
	return b.String()
}

// rowsJSON writes rows 0..n-1 as a JSON array of arrays.
func rowsJSON(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = rowJSON(i)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// recordJSON writes row i as an object of features by name.
func recordJSON(i int) string {
	m := map[string]float64{}
	for j, f := range fixtures().ds.Features {
		m[f] = row(i)[j]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// proba returns the probabilities the model gives row i.
func proba(m *linear.Model, i int) []float64 {
	dst := make([]float64, 2)
	if err := m.PredictProbaInto(dst, row(i)); err != nil {
		panic(err)
	}
	return dst
}

// response is what do returns.
type response struct {
	code   int
	header http.Header
	body   []byte
}

// do sends a request to h through httptest.
func do(t testing.TB, h http.Handler, method, path, contentType, body string) response {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return response{w.Code, w.Result().Header, b}
}

// decode reads a JSON body into v, failing the test if it does not
// decode.
func decode[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding %T from %s: %v", v, b, err)
	}
	return v
}

// errTypes returns the types of the details of an error response.
func errTypes(t testing.TB, b []byte) []string {
	t.Helper()
	e := decode[serve.ErrorResponse](t, b)
	var types []string
	for _, d := range e.Detail {
		types = append(types, d.Type)
	}
	return types
}

// openReg opens a registry in a fresh folder, with the
// breast-cancer models registered as versions 1 and 2 of "bc" and the
// alias @champion on version 1.
func openReg(t testing.TB, opts registry.Options) *registry.Registry {
	t.Helper()
	if opts.PollInterval == 0 {
		opts.PollInterval = 5e6 // 5 ms
	}
	reg, err := registry.OpenWith(filepath.Join(t.TempDir(), "cairn.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	register(t, reg, fixtures().b1, linear.FormatName)
	register(t, reg, fixtures().b2, linear.FormatName)
	setAlias(t, reg, 1)
	return reg
}

func register(t testing.TB, reg *registry.Registry, b []byte, format string) registry.Version {
	t.Helper()
	v, _, err := reg.Register(ctx, "bc", bytes.NewReader(b), registry.RegisterOptions{Format: format})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func setAlias(t testing.TB, reg *registry.Registry, version int) {
	t.Helper()
	if _, err := reg.SetAlias(ctx, "bc", "champion", version, registry.AliasOptions{}); err != nil {
		t.Fatal(err)
	}
}

type (
	httpResponseWriter = http.ResponseWriter
	httpRequest        = http.Request
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
