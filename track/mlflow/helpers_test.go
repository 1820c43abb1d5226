package mlflow_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/mlflowapi/mlflowtest"
	"github.com/cairn-ml/cairn/track"
	"github.com/cairn-ml/cairn/track/mlflow"
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

// step is one request and what it must answer (mlflowtest.Step).
type step = mlflowtest.Step

// ids maps generated run ids to stable names in requests and answers.
type ids map[string]string

func run(t *testing.T, h http.Handler, names ids, steps []step) {
	t.Helper()
	mlflowtest.Run(t, h, names, steps)
}
