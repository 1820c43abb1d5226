package mlflow_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/internal/mlflowapi/mlflowtest"
)

var fuzzRoutes = []struct{ method, path string }{
	{"POST", "registered-models/create"}, {"POST", "registered-models/rename"}, {"PATCH", "registered-models/update"},
	{"DELETE", "registered-models/delete"}, {"GET", "registered-models/get"}, {"GET", "registered-models/search"},
	{"POST", "registered-models/get-latest-versions"}, {"POST", "registered-models/set-tag"}, {"DELETE", "registered-models/delete-tag"},
	{"POST", "registered-models/alias"}, {"DELETE", "registered-models/alias"}, {"GET", "registered-models/alias"},
	{"POST", "model-versions/create"}, {"PATCH", "model-versions/update"}, {"POST", "model-versions/transition-stage"},
	{"DELETE", "model-versions/delete"}, {"GET", "model-versions/get"}, {"GET", "model-versions/search"},
	{"GET", "model-versions/get-download-uri"}, {"POST", "model-versions/set-tag"}, {"DELETE", "model-versions/delete-tag"},
}

// FuzzRequests sends any body (or, for a GET, any query string) to every
// registry route: the answer is 200 or an MLflow error body with a 4xx
// status, never a 5xx or a panic.
func FuzzRequests(f *testing.F) {
	h, _ := open(f)
	for _, c := range [][2]string{
		{"registered-models/create", `{"name": "m"}`},
		{"model-versions/create", `{"name": "m", "source": "s3://b/m"}`},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", api+c[0], strings.NewReader(c[1])))
	}
	for i := range fuzzRoutes {
		f.Add(uint8(i), `{"name": "m", "version": "1", "new_name": "n", "alias": "a", "key": "k", "value": "v", "stage": "Production", "source": "s3://x", "stages": ["None"]}`)
		f.Add(uint8(i), `name=m&version=1&alias=a&filter=name+LIKE+%27m%25%27&max_results=1`)
	}
	f.Fuzz(func(t *testing.T, route uint8, in string) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		mlflowtest.Fuzz(t, h, rt.method, api+rt.path, in)
	})
}
