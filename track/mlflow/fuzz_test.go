package mlflow_test

import (
	"encoding/json"
	"testing"

	"github.com/cairn-ml/cairn/internal/mlflowapi/mlflowtest"
	"github.com/cairn-ml/cairn/track/mlflow"
)

// fuzzRoutes are the routes FuzzRequests sends to, with the method each
// takes.
var fuzzRoutes = []struct{ method, path string }{
	{"POST", "experiments/create"}, {"GET", "experiments/get"}, {"GET", "experiments/get-by-name"},
	{"POST", "experiments/search"}, {"GET", "experiments/search"}, {"GET", "experiments/list"},
	{"POST", "experiments/update"}, {"POST", "experiments/delete"}, {"POST", "experiments/restore"},
	{"POST", "experiments/set-experiment-tag"}, {"POST", "experiments/delete-experiment-tag"},
	{"POST", "runs/create"}, {"POST", "runs/update"}, {"POST", "runs/delete"}, {"POST", "runs/restore"},
	{"GET", "runs/get"}, {"POST", "runs/search"}, {"POST", "runs/log-metric"}, {"POST", "runs/log-parameter"},
	{"POST", "runs/set-tag"}, {"POST", "runs/delete-tag"}, {"POST", "runs/log-batch"}, {"POST", "runs/log-inputs"},
	{"POST", "runs/log-model"}, {"GET", "metrics/get-history"}, {"GET", "artifacts/list"},
}

// FuzzRequests sends any body (or, for a GET, any query string) to every
// route: the answer is 200 or an MLflow error body with a 4xx status,
// never a 5xx or a panic.
func FuzzRequests(f *testing.F) {
	h, _ := open(f, mlflow.Options{})
	call(f, h, "POST", "/api/2.0/mlflow/experiments/create", `{"name": "e"}`)
	_, body := call(f, h, "POST", "/api/2.0/mlflow/runs/create", `{"experiment_id": "1"}`)
	var created struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
		} `json:"run"`
	}
	json.Unmarshal([]byte(body), &created)
	id := created.Run.Info.RunID
	for i := range fuzzRoutes {
		f.Add(uint8(i), `{"experiment_id": "1", "run_id": "`+id+`", "key": "k", "value": 1, "timestamp": 2, "name": "x"}`)
		f.Add(uint8(i), `experiment_id=1&run_id=`+id+`&metric_key=k&max_results=2&view_type=ALL`)
	}
	f.Add(uint8(21), `{"run_id": "`+id+`", "metrics": [{"key": "m", "value": "NaN", "timestamp": "1"}], "params": [{"key": "p"}]}`)
	f.Add(uint8(22), `{"run_id": "`+id+`", "datasets": [{"dataset": {"name": "d", "digest": "x", "source_type": "s", "source": "s"}}]}`)
	f.Fuzz(func(t *testing.T, route uint8, in string) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		mlflowtest.Fuzz(t, h, rt.method, "/api/2.0/mlflow/"+rt.path, in)
	})
}
