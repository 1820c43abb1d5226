package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/serve"
)

// TestServeMLflowAPI: serve's handler answers MLflow's REST API beside
// the inference routes, with the pipeline's own runs in it, and leaves it
// out when told to (a non-loopback address without a token).
func TestServeMLflowAPI(t *testing.T) {
	e := testEnv()
	dir := t.TempDir()
	mustPipe(t, e, dir, "baseline")
	a := &app{dir: dir, stdout: io.Discard, stderr: io.Discard, env: e}
	if err := a.openStores(false); err != nil {
		t.Fatal(err)
	}
	defer a.close()
	srv, err := serve.New(serve.Options{DefaultModel: modelName})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	logger := slog.New(slog.DiscardHandler)

	get := func(h http.Handler, method, path, body string) (int, string) {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer t0ken")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	h := a.handler(srv, logger, &mlflowAPI{token: "t0ken"})
	code, body := get(h, "POST", "/api/2.0/mlflow/runs/search", `{"filter": "attributes.run_name = 'baseline'"}`)
	var resp struct {
		Runs []struct {
			Info struct {
				RunName string `json:"run_name"`
				Status  string `json:"status"`
			} `json:"info"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(body), &resp); code != 200 || err != nil || len(resp.Runs) != 1 || resp.Runs[0].Info.Status != "FINISHED" {
		t.Errorf("search the baseline run over MLflow's API = %d %s", code, body)
	}
	for _, path := range []string{"/ajax-api/2.0/mlflow/experiments/search", "/api/2.0/mlflow/experiments/list"} {
		if code, body := get(h, "GET", path, ""); code != 200 || !strings.Contains(body, `"experiments"`) {
			t.Errorf("GET %s = %d %s", path, code, body)
		}
	}
	code, body = get(h, "GET", "/api/2.0/mlflow/registered-models/alias?name="+modelName+"&alias="+champion, "")
	if code != 200 || !strings.Contains(body, `"version":"1"`) || !strings.Contains(body, `"aliases":["champion"]`) {
		t.Errorf("the champion over MLflow's registry API = %d %s", code, body)
	}
	if code, _ := get(h, "GET", "/ui/", ""); code != 200 {
		t.Errorf("the dashboard beside the API: %d", code)
	}
	r := httptest.NewRequest("GET", "/api/2.0/mlflow/experiments/search", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 401 {
		t.Errorf("no token = %d, want 401", w.Code)
	}
	off := a.handler(srv, logger, nil)
	if code, body := get(off, "GET", "/api/2.0/mlflow/experiments/search", ""); code == 200 {
		t.Errorf("the API left out still answers: %d %s", code, body)
	}
}
