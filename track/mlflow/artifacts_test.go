package mlflow_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/track/mlflow"
)

// TestArtifacts uploads, lists and downloads through the mlflow-artifacts
// routes, as MLflow's clients do for an mlflow-artifacts: artifact URI.
func TestArtifacts(t *testing.T) {
	h, st := open(t, mlflow.Options{MaxArtifactBytes: 1000})
	call(t, h, "POST", "/api/2.0/mlflow/experiments/create", `{"name": "e"}`)
	a := createRun(t, h, `{"experiment_id": "1"}`)
	const art = "/api/2.0/mlflow-artifacts/artifacts/1/RUN_A/artifacts/"
	run(t, h, ids{a: "RUN_A"}, []step{
		{name: "upload model", method: "PUT", path: art + "model/MLmodel", body: "flavors: {}\n", status: 200, want: `{}`},
		{name: "upload weights", method: "PUT", path: art + "model/coef.json", body: `[1, 2]`, status: 200, want: `{}`},
		{name: "upload top file", method: "PUT", path: art + "roc.txt", body: "0.9", status: 200, want: `{}`},
		{name: "list the root (tracking API)", method: "GET", path: "/api/2.0/mlflow/artifacts/list?run_id=RUN_A", status: 200, want: `{
			"root_uri": "mlflow-artifacts:/1/RUN_A/artifacts",
			"files": [{"path": "model", "is_dir": true}, {"path": "roc.txt", "is_dir": false, "file_size": 3}]}`},
		{name: "list a folder (tracking API)", method: "GET", path: "/api/2.0/mlflow/artifacts/list?run_id=RUN_A&path=model", status: 200, want: `{
			"root_uri": "mlflow-artifacts:/1/RUN_A/artifacts",
			"files": [{"path": "model/MLmodel", "is_dir": false, "file_size": 12}, {"path": "model/coef.json", "is_dir": false, "file_size": 6}]}`},
		{name: "list a folder (mlflow-artifacts)", method: "GET", path: "/api/2.0/mlflow-artifacts/artifacts?path=1/RUN_A/artifacts/model", status: 200, want: `{
			"files": [{"path": "MLmodel", "is_dir": false, "file_size": 12}, {"path": "coef.json", "is_dir": false, "file_size": 6}]}`},
		{name: "list above the run", method: "GET", path: "/api/2.0/mlflow-artifacts/artifacts?path=1", status: 200, want: `{}`},
		{name: "list an empty run", method: "GET", path: "/api/2.0/mlflow/artifacts/list?run_id=RUN_A&path=none", status: 200, want: `{"root_uri": "mlflow-artifacts:/1/RUN_A/artifacts"}`},
		{name: "list escaping", method: "GET", path: "/api/2.0/mlflow/artifacts/list?run_id=RUN_A&path=../x", status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "download missing", method: "GET", path: art + "nope.txt", status: 404, code: "RESOURCE_DOES_NOT_EXIST"},
		{name: "download the run's folder", method: "GET", path: "/api/2.0/mlflow-artifacts/artifacts/1/RUN_A/artifacts", status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "download a folder", method: "GET", path: art + "model", status: 404, code: "RESOURCE_DOES_NOT_EXIST"},
		{name: "wrong experiment", method: "PUT", path: "/api/2.0/mlflow-artifacts/artifacts/2/RUN_A/artifacts/x", body: "x", status: 404, code: "RESOURCE_DOES_NOT_EXIST"},
		{name: "not a run path", method: "PUT", path: "/api/2.0/mlflow-artifacts/artifacts/1/models/m-1/artifacts/x", body: "x", status: 404, code: "RESOURCE_DOES_NOT_EXIST"},
		{name: "escaping upload", method: "PUT", path: art + "a/../../x", body: "x", status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "too large", method: "PUT", path: art + "big.bin", body: strings.Repeat("x", 1001), status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "delete", method: "DELETE", path: art + "roc.txt", status: 501, code: "NOT_IMPLEMENTED"},
		{name: "multipart", method: "POST", path: "/api/2.0/mlflow-artifacts/mpu/create/1/RUN_A/artifacts/big.bin", body: `{"path": "big.bin", "num_parts": 2}`, status: 501, code: "NOT_IMPLEMENTED"},
	})

	r := httptest.NewRequest("GET", strings.ReplaceAll(art, "RUN_A", a)+"model/coef.json", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || w.Body.String() != "[1, 2]" || w.Header().Get("Content-Type") != "application/json" ||
		w.Header().Get("Content-Disposition") != "attachment; filename=coef.json" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("download = %d %q %v", w.Code, w.Body, w.Header())
	}
	// What the API stored is a track artifact like any other.
	b, err := st.ReadArtifact(t.Context(), a, "roc.txt")
	if err != nil || string(b) != "0.9" {
		t.Errorf("ReadArtifact = %q, %v", b, err)
	}
}

// TestRouting checks the answers to what no route takes, the web UI's
// prefix, and the bearer token.
func TestRouting(t *testing.T) {
	h, _ := open(t, mlflow.Options{Token: "s3cret"})
	for _, tc := range []struct {
		method, path, auth string
		status             int
		code, allow        string
	}{
		{"GET", "/api/2.0/mlflow/experiments/search", "", 401, "UNAUTHENTICATED", ""},
		{"GET", "/api/2.0/mlflow/experiments/search", "Bearer nope", 401, "UNAUTHENTICATED", ""},
		{"GET", "/api/2.0/mlflow/experiments/search", "Bearer s3cret", 200, "", ""},
		{"GET", "/ajax-api/2.0/mlflow/experiments/search", "Bearer s3cret", 200, "", ""},
		{"GET", "/api/2.0/mlflow/experiments/nope", "Bearer s3cret", 404, "ENDPOINT_NOT_FOUND", ""},
		{"GET", "/api/2.1/mlflow/experiments/search", "Bearer s3cret", 404, "ENDPOINT_NOT_FOUND", ""},
		{"DELETE", "/api/2.0/mlflow/experiments/create", "Bearer s3cret", 405, "BAD_REQUEST", "POST"},
		{"PATCH", "/api/2.0/mlflow/experiments/search", "Bearer s3cret", 405, "BAD_REQUEST", "GET, POST"},
		{"POST", "/api/2.0/mlflow-artifacts/artifacts/1/x", "Bearer s3cret", 405, "BAD_REQUEST", "DELETE, GET, PUT"},
	} {
		r := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.status || tc.code != "" && !strings.Contains(w.Body.String(), `"`+tc.code+`"`) || w.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s (%s) = %d %s Allow %q; want %d %s Allow %q", tc.method, tc.path, tc.auth, w.Code, w.Body, w.Header().Get("Allow"), tc.status, tc.code, tc.allow)
		}
	}
	mux := http.NewServeMux()
	h.Mount(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(418) })
	for path, want := range map[string]int{
		"/api/2.0/mlflow/runs/search":               401,
		"/ajax-api/2.0/mlflow/metrics/get-history":  401,
		"/api/2.0/mlflow-artifacts/artifacts":       401,
		"/api/2.0/mlflow-artifacts/artifacts/1/x/y": 401,
		"/api/2.0/mlflow/experimentsset-tag":        401, // an MLflow path, if unknown
		"/api/2.0/mlflow/registered-models/search":  401, // the registry's, when it is not mounted
		"/v1/models/m:predict":                      418,
	} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != want {
			t.Errorf("mounted GET %s = %d, want %d", path, w.Code, want)
		}
	}
}
