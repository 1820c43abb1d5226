package mlflow_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-ml/cairn/track"
	"github.com/cairn-ml/cairn/track/mlflow"
)

// An MLflow client (here plain HTTP) creates an experiment, a run, logs
// to it and finds it again with a search that uses OR, which MLflow's own
// server lacks.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "cairn-mlflow")
	defer os.RemoveAll(dir)
	st, err := track.Open(filepath.Join(dir, "cairn.db"))
	if err != nil {
		panic(err)
	}
	defer st.Close()

	mux := http.NewServeMux()
	mlflow.New(st, mlflow.Options{}).Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	post := func(path, body string) string {
		resp, err := http.Post(srv.URL+"/api/2.0/mlflow/"+path, "application/json", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	fmt.Println(post("experiments/create", `{"name": "cancer"}`))
	fmt.Println(post("experiments/create", `{"name": "cancer"}`))

	exp, _ := st.ExperimentByName(context.Background(), "cancer")
	run, _ := exp.StartRun(context.Background(), track.RunOptions{Name: "baseline", NoAutoTags: true})
	fmt.Println(post("runs/log-batch", `{"run_id": "`+run.ID()+`",
		"metrics": [{"key": "f1", "value": 0.97, "timestamp": 1700000000000, "step": 0}],
		"params": [{"key": "solver", "value": "lbfgs"}]}`))
	resp := post("runs/search", `{"experiment_ids": ["1"], "filter": "metrics.f1 > 0.99 OR params.solver = 'lbfgs'"}`)
	fmt.Println(strings.Contains(resp, run.ID()), strings.Contains(resp, `"run_name":"baseline"`))
	// Output:
	// 200 {"experiment_id":"1"}
	// 400 {"error_code":"RESOURCE_ALREADY_EXISTS","message":"Experiment(name=cancer) already exists."}
	// 200 {}
	// true true
}
