package mlflow_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/track"
	"github.com/cairn-ml/cairn/track/mlflow"
	"github.com/google/go-cmp/cmp"
)

// t0 is the fake clock's first reading: 1735787045000 ms.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// open returns a Handler over a fresh Store whose clock starts at t0 and
// moves one second per reading.
func open(t testing.TB, opts mlflow.Options) (*mlflow.Handler, *track.Store) {
	t.Helper()
	var n atomic.Int64
	st, err := track.OpenWith(filepath.Join(t.TempDir(), "cairn.db"), track.Options{
		Now: func() time.Time { return t0.Add(time.Duration(n.Add(1)-1) * time.Second) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return mlflow.New(st, opts), st
}

// call sends a request to h and returns the status and the body.
func call(t testing.TB, h http.Handler, method, target, body string) (int, string) {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

// step is one request and what it must answer: the status and the JSON
// body (compared as JSON, after each run id in it is replaced by its
// name in the test's ids).
type step struct {
	name, method, path, body string
	status                   int
	want                     string // JSON; "" skips the body check
	code                     string // the error_code of an error
}

// ids replaces generated run ids in bodies with stable names.
type ids map[string]string

func (m ids) norm(s string) string {
	for id, name := range m {
		s = strings.ReplaceAll(s, id, name)
	}
	return s
}

// run performs steps in order against h.
func run(t *testing.T, h http.Handler, names ids, steps []step) {
	t.Helper()
	for _, s := range steps {
		status, body := call(t, h, s.method, names.norm2(s.path), names.norm2(s.body))
		if status != s.status {
			t.Errorf("%s: %s %s = %d %s, want %d", s.name, s.method, s.path, status, body, s.status)
			continue
		}
		if s.code != "" {
			var e struct {
				Code    string `json:"error_code"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Code != s.code || e.Message == "" {
				t.Errorf("%s: body %s, want error_code %s", s.name, body, s.code)
			}
			continue
		}
		if s.want == "" {
			continue
		}
		var got, want any
		if err := json.Unmarshal([]byte(names.norm(body)), &got); err != nil {
			t.Errorf("%s: body %q: %v", s.name, body, err)
			continue
		}
		if err := json.Unmarshal([]byte(s.want), &want); err != nil {
			t.Fatalf("%s: bad want: %v", s.name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: %s %s (-want +got):\n%s", s.name, s.method, s.path, diff)
		}
	}
}

// norm2 puts the real run ids back into a request: the reverse of norm.
func (m ids) norm2(s string) string {
	for id, name := range m {
		s = strings.ReplaceAll(s, name, id)
	}
	return s
}
