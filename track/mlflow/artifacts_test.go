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
		{Name: "upload model", Method: "PUT", Path: art + "model/MLmodel", Body: "flavors: {}\n", Status: 200, Want: `{}`},
		{Name: "upload weights", Method: "PUT", Path: art + "model/coef.json", Body: `[1, 2]`, Status: 200, Want: `{}`},
		{Name: "upload top file", Method: "PUT", Path: art + "roc.txt", Body: "0.9", Status: 200, Want: `{}`},
		{Name: "list the root (tracking API)", Method: "GET", Path: "/api/2.0/mlflow/artifacts/list?run_id=RUN_A", Status: 200, Want: `{
			"root_uri": "mlflow-artifacts:/1/RUN_A/artifacts",
			"files": [{"path": "model", "is_dir": true}, {"path": "roc.txt", "is_dir": false, "file_size": 3}]}`},
		{Name: "list a folder (tracking API)", Method: "GET", Path: "/api/2.0/mlflow/artifacts/list?run_id=RUN_A&path=model", Status: 200, Want: `{
			"root_uri": "mlflow-artifacts:/1/RUN_A/artifacts",
			"files": [{"path": "model/MLmodel", "is_dir": false, "file_size": 12}, {"path": "model/coef.json", "is_dir": false, "file_size": 6}]}`},
		{Name: "list a folder (mlflow-artifacts)", Method: "GET", Path: "/api/2.0/mlflow-artifacts/artifacts?path=1/RUN_A/artifacts/model", Status: 200, Want: `{
			"files": [{"path": "MLmodel", "is_dir": false, "file_size": 12}, {"path": "coef.json", "is_dir": false, "file_size": 6}]}`},
		{Name: "list above the run", Method: "GET", Path: "/api/2.0/mlflow-artifacts/artifacts?path=1", Status: 200, Want: `{}`},
		{Name: "list an empty run", Method: "GET", Path: "/api/2.0/mlflow/artifacts/list?run_id=RUN_A&path=none", Status: 200, Want: `{"root_uri": "mlflow-artifacts:/1/RUN_A/artifacts"}`},
		{Name: "list escaping", Method: "GET", Path: "/api/2.0/mlflow/artifacts/list?run_id=RUN_A&path=../x", Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "download missing", Method: "GET", Path: art + "nope.txt", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "download the run's folder", Method: "GET", Path: "/api/2.0/mlflow-artifacts/artifacts/1/RUN_A/artifacts", Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "download a folder", Method: "GET", Path: art + "model", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "wrong experiment", Method: "PUT", Path: "/api/2.0/mlflow-artifacts/artifacts/2/RUN_A/artifacts/x", Body: "x", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "not a run path", Method: "PUT", Path: "/api/2.0/mlflow-artifacts/artifacts/1/models/m-1/artifacts/x", Body: "x", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "escaping upload", Method: "PUT", Path: art + "a/../../x", Body: "x", Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "too large", Method: "PUT", Path: art + "big.bin", Body: strings.Repeat("x", 1001), Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "delete", Method: "DELETE", Path: art + "roc.txt", Status: 501, Code: "NOT_IMPLEMENTED"},
		{Name: "multipart", Method: "POST", Path: "/api/2.0/mlflow-artifacts/mpu/create/1/RUN_A/artifacts/big.bin", Body: `{"path": "big.bin", "num_parts": 2}`, Status: 501, Code: "NOT_IMPLEMENTED"},
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
