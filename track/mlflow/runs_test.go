package mlflow_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/track/mlflow"
)

// createRun creates a run over the API and returns its id.
func createRun(t *testing.T, h *mlflow.Handler, body string) string {
	t.Helper()
	status, resp := call(t, h, "POST", "/api/2.0/mlflow/runs/create", body)
	var out struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
		} `json:"run"`
	}
	if err := json.Unmarshal([]byte(resp), &out); status != 200 || err != nil || out.Run.Info.RunID == "" {
		t.Fatalf("create run = %d %s", status, resp)
	}
	return out.Run.Info.RunID
}

// TestRuns drives the run routes in order, with the JSON of MLflow's
// REST API reference.
func TestRuns(t *testing.T) {
	h, _ := open(t, mlflow.Options{})
	call(t, h, "POST", "/api/2.0/mlflow/experiments/create", `{"name": "fraud"}`) // 1735787045000
	a := createRun(t, h, `{"experiment_id": "1", "run_name": "baseline", "start_time": 1700000000000, "user_id": "ana",
		"tags": [{"key": "team", "value": "risk"}]}`)
	b := createRun(t, h, `{"experiment_id": "1", "tags": [{"key": "mlflow.runName", "value": "tuned"}]}`) // 1735787047000
	names := ids{a: "RUN_A", b: "RUN_B"}
	const api = "/api/2.0/mlflow/"
	infoA := `"run_id": "RUN_A", "run_uuid": "RUN_A", "run_name": "baseline", "experiment_id": "1", "user_id": "ana",
		"start_time": 1700000000000, "artifact_uri": "mlflow-artifacts:/1/RUN_A/artifacts", "lifecycle_stage": "active"`
	run(t, h, names, []step{
		{Name: "get new run", Method: "GET", Path: api + "runs/get?run_id=RUN_A", Status: 200, Want: `{"run": {
			"info": {` + infoA + `, "status": "RUNNING"},
			"data": {"tags": [{"key": "mlflow.runName", "value": "baseline"}, {"key": "mlflow.user", "value": "ana"}, {"key": "team", "value": "risk"}]},
			"inputs": {}}}`},
		{Name: "log metric", Method: "POST", Path: api + "runs/log-metric", Body: `{"run_id": "RUN_A", "key": "f1", "value": 0.5, "timestamp": 1700000001000, "step": 0}`, Status: 200, Want: `{}`},
		{Name: "log metric by run_uuid, value as string", Method: "POST", Path: api + "runs/log-metric", Body: `{"run_uuid": "RUN_A", "key": "f1", "value": "0.75", "timestamp": "1700000002000", "step": "1"}`, Status: 200, Want: `{}`},
		{Name: "log NaN", Method: "POST", Path: api + "runs/log-metric", Body: `{"run_id": "RUN_B", "key": "loss", "value": "NaN", "timestamp": 1}`, Status: 200, Want: `{}`},
		{Name: "log param", Method: "POST", Path: api + "runs/log-parameter", Body: `{"run_id": "RUN_A", "key": "C", "value": "1"}`, Status: 200, Want: `{}`},
		{Name: "log the same param again", Method: "POST", Path: api + "runs/log-parameter", Body: `{"run_id": "RUN_A", "key": "C", "value": "1"}`, Status: 200, Want: `{}`},
		{Name: "set tag", Method: "POST", Path: api + "runs/set-tag", Body: `{"run_id": "RUN_A", "key": "stage", "value": "dev"}`, Status: 200, Want: `{}`},
		{Name: "log batch", Method: "POST", Path: api + "runs/log-batch", Body: `{"run_id": "RUN_B",
			"metrics": [{"key": "f1", "value": 0.9, "timestamp": 1700000003000, "step": 0}, {"key": "f1", "value": 0.95, "timestamp": 1700000004000, "step": 1}],
			"params": [{"key": "C", "value": "10"}, {"key": "solver", "value": "lbfgs"}],
			"tags": [{"key": "stage", "value": "dev"}, {"key": "stage", "value": "prod"}]}`, Status: 200, Want: `{}`},
		{Name: "delete tag", Method: "POST", Path: api + "runs/delete-tag", Body: `{"run_id": "RUN_A", "key": "team"}`, Status: 200, Want: `{}`},
		{Name: "update", Method: "POST", Path: api + "runs/update", Body: `{"run_id": "RUN_A", "status": "FINISHED", "end_time": 1700000009000}`,
			Status: 200, Want: `{"run_info": {` + infoA + `, "status": "FINISHED", "end_time": 1700000009000}}`},
		{Name: "get run with data", Method: "GET", Path: api + "runs/get?run_id=RUN_A", Status: 200, Want: `{"run": {
			"info": {` + infoA + `, "status": "FINISHED", "end_time": 1700000009000},
			"data": {"metrics": [{"key": "f1", "value": 0.75, "timestamp": 1700000002000, "step": 1}],
				"params": [{"key": "C", "value": "1"}],
				"tags": [{"key": "mlflow.runName", "value": "baseline"}, {"key": "mlflow.user", "value": "ana"}, {"key": "stage", "value": "dev"}]},
			"inputs": {}}}`},
		{Name: "metric history", Method: "GET", Path: api + "metrics/get-history?run_id=RUN_A&metric_key=f1", Status: 200, Want: `{"metrics": [
			{"key": "f1", "value": 0.5, "timestamp": 1700000001000, "step": 0},
			{"key": "f1", "value": 0.75, "timestamp": 1700000002000, "step": 1}]}`},
		{Name: "metric history paged", Method: "GET", Path: api + "metrics/get-history?run_id=RUN_A&metric_key=f1&max_results=1", Status: 200, Want: `{"metrics": [
			{"key": "f1", "value": 0.5, "timestamp": 1700000001000, "step": 0}], "next_page_token": "eyJvZmZzZXQiOjF9"}`},
		{Name: "metric history NaN", Method: "GET", Path: api + "metrics/get-history?run_uuid=RUN_B&metric_key=loss", Status: 200, Want: `{"metrics": [
			{"key": "loss", "value": "NaN", "timestamp": 1, "step": 0}]}`},
		{Name: "unknown metric", Method: "GET", Path: api + "metrics/get-history?run_id=RUN_A&metric_key=nope", Status: 200, Want: `{}`},
		{Name: "search with OR and order", Method: "POST", Path: api + "runs/search", Body: `{"experiment_ids": ["1"],
			"filter": "metrics.f1 > 0.9 OR params.C = '1'", "order_by": ["metrics.f1 DESC"]}`, Status: 200, Want: ""},
		{Name: "search for one run", Method: "POST", Path: api + "runs/search", Body: `{"experiment_ids": ["1"], "filter": "tags.stage = 'prod' and attributes.run_name = 'tuned'"}`,
			Status: 200, Want: `{"runs": [{"info": {"run_id": "RUN_B", "run_uuid": "RUN_B", "run_name": "tuned", "experiment_id": "1", "user_id": "",
				"status": "RUNNING", "start_time": 1735787047000, "artifact_uri": "mlflow-artifacts:/1/RUN_B/artifacts", "lifecycle_stage": "active"},
			"data": {"metrics": [{"key": "f1", "value": 0.95, "timestamp": 1700000004000, "step": 1}, {"key": "loss", "value": "NaN", "timestamp": 1, "step": 0}],
				"params": [{"key": "C", "value": "10"}, {"key": "solver", "value": "lbfgs"}],
				"tags": [{"key": "mlflow.runName", "value": "tuned"}, {"key": "stage", "value": "prod"}]},
			"inputs": {}}]}`},
		{Name: "search unknown experiment", Method: "POST", Path: api + "runs/search", Body: `{"experiment_ids": ["42"]}`, Status: 200, Want: `{}`},
		{Name: "delete run", Method: "POST", Path: api + "runs/delete", Body: `{"run_id": "RUN_B"}`, Status: 200, Want: `{}`},
		{Name: "search leaves it out", Method: "POST", Path: api + "runs/search", Body: `{"experiment_ids": ["1"], "filter": "attributes.run_name = 'tuned'"}`, Status: 200, Want: `{}`},
		{Name: "write to a deleted run", Method: "POST", Path: api + "runs/set-tag", Body: `{"run_id": "RUN_B", "key": "k", "value": "v"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "restore run", Method: "POST", Path: api + "runs/restore", Body: `{"run_id": "RUN_B"}`, Status: 200, Want: `{}`},
		{Name: "rename by update", Method: "POST", Path: api + "runs/update", Body: `{"run_id": "RUN_B", "run_name": "tuned-2"}`, Status: 200, Want: ""},
		{Name: "renamed everywhere", Method: "POST", Path: api + "runs/search", Body: `{"filter": "tags.mlflow.runName = 'tuned-2' AND attributes.run_name = 'tuned-2'", "max_results": 1}`, Status: 200, Want: ""},

		{Name: "param conflict", Method: "POST", Path: api + "runs/log-parameter", Body: `{"run_id": "RUN_A", "key": "C", "value": "2"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "metric without timestamp", Method: "POST", Path: api + "runs/log-metric", Body: `{"run_id": "RUN_A", "key": "f1", "value": 1}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "metric without value", Method: "POST", Path: api + "runs/log-metric", Body: `{"run_id": "RUN_A", "key": "f1", "timestamp": 1}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "metric value not a number", Method: "POST", Path: api + "runs/log-metric", Body: `{"run_id": "RUN_A", "key": "f1", "value": "high", "timestamp": 1}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "metric without run", Method: "POST", Path: api + "runs/log-metric", Body: `{"key": "f1", "value": 1, "timestamp": 1}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "unknown run", Method: "GET", Path: api + "runs/get?run_id=0123456789abcdef0123456789abcdef", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "malformed run id", Method: "GET", Path: api + "runs/get?run_id=nope", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "create in unknown experiment", Method: "POST", Path: api + "runs/create", Body: `{"experiment_id": "42"}`, Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "run_name and tag disagree", Method: "POST", Path: api + "runs/create", Body: `{"experiment_id": "1", "run_name": "a", "tags": [{"key": "mlflow.runName", "value": "b"}]}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "scheduled", Method: "POST", Path: api + "runs/update", Body: `{"run_id": "RUN_A", "status": "SCHEDULED"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "unknown status", Method: "POST", Path: api + "runs/update", Body: `{"run_id": "RUN_A", "status": "DONE"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "delete missing tag", Method: "POST", Path: api + "runs/delete-tag", Body: `{"run_id": "RUN_A", "key": "nope"}`, Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "duplicate params", Method: "POST", Path: api + "runs/log-batch", Body: `{"run_id": "RUN_A", "params": [{"key": "x", "value": "1"}, {"key": "x", "value": "1"}]}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "too many params", Method: "POST", Path: api + "runs/log-batch", Body: `{"run_id": "RUN_A", "params": [` + keys("p", 101) + `]}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "too many in all", Method: "POST", Path: api + "runs/log-batch", Body: `{"run_id": "RUN_A", "params": [` + keys("p", 100) + `], "tags": [` + keys("t", 100) + `], "metrics": [` + metrics(801) + `]}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "batch metric without key", Method: "POST", Path: api + "runs/log-batch", Body: `{"run_id": "RUN_A", "metrics": [{"value": 1, "timestamp": 1}]}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "batch too large", Method: "POST", Path: api + "runs/log-batch", Body: `{"run_id": "RUN_A", "tags": [{"key": "big", "value": "` + strings.Repeat("x", 1_000_001) + `"}]}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "key too long", Method: "POST", Path: api + "runs/set-tag", Body: `{"run_id": "RUN_A", "key": "` + strings.Repeat("k", 251) + `", "value": "v"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "bad filter", Method: "POST", Path: api + "runs/search", Body: `{"filter": "metrics.f1 >"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "bad order", Method: "POST", Path: api + "runs/search", Body: `{"order_by": ["nope"]}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "bad page token", Method: "POST", Path: api + "runs/search", Body: `{"page_token": "zzz"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "search max_results too many", Method: "POST", Path: api + "runs/search", Body: `{"max_results": 50001}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "history without key", Method: "GET", Path: api + "metrics/get-history?run_id=RUN_A", Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "history bad max_results", Method: "GET", Path: api + "metrics/get-history?run_id=RUN_A&metric_key=f1&max_results=-1", Status: 400, Code: "INVALID_PARAMETER_VALUE"},
	})
}

func keys(prefix string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"key": "%s%d", "value": "v"}`, prefix, i)
	}
	return strings.Join(parts, ",")
}

func metrics(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"key": "m", "value": %d, "timestamp": 1}`, i)
	}
	return strings.Join(parts, ",")
}

// TestRunsPaging pages through search results with MLflow's fields.
func TestRunsPaging(t *testing.T) {
	h, _ := open(t, mlflow.Options{})
	call(t, h, "POST", "/api/2.0/mlflow/experiments/create", `{"name": "e"}`)
	var want []string
	for i := range 5 {
		id := createRun(t, h, fmt.Sprintf(`{"experiment_id": "1", "run_name": "r%d"}`, i))
		want = append([]string{id}, want...) // newest first
	}
	var got []string
	token := ""
	for range 10 {
		_, body := call(t, h, "POST", "/api/2.0/mlflow/runs/search", fmt.Sprintf(`{"experiment_ids": ["1"], "max_results": 2, "page_token": %q}`, token))
		var resp struct {
			Runs []struct {
				Info struct {
					RunID string `json:"run_id"`
				} `json:"info"`
			} `json:"runs"`
			Next string `json:"next_page_token"`
		}
		if err := json.Unmarshal([]byte(body), &resp); err != nil {
			t.Fatal(err)
		}
		for _, r := range resp.Runs {
			got = append(got, r.Info.RunID)
		}
		if token = resp.Next; token == "" {
			break
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("paged runs %v, want %v", got, want)
	}
}

// TestLogInputs logs MLflow dataset inputs and reads them back.
func TestLogInputs(t *testing.T) {
	h, _ := open(t, mlflow.Options{})
	call(t, h, "POST", "/api/2.0/mlflow/experiments/create", `{"name": "e"}`)
	a := createRun(t, h, `{"experiment_id": "1"}`)
	digest := "sha256:" + strings.Repeat("ab", 32)
	run(t, h, ids{a: "RUN_A"}, []step{
		{Name: "log inputs", Method: "POST", Path: "/api/2.0/mlflow/runs/log-inputs", Body: `{"run_id": "RUN_A", "datasets": [
			{"tags": [{"key": "mlflow.data.context", "value": "training"}],
			 "dataset": {"name": "iris", "digest": "5f1e2a3b", "source_type": "local", "source": "{\"uri\": \"/d/iris.csv\"}", "schema": "{}", "profile": "{\"num_rows\": 150}"}},
			{"dataset": {"name": "cancer", "digest": "` + digest + `", "source_type": "cairn", "source": "datasets/v1"}}]}`, Status: 200, Want: `{}`},
		{Name: "read back", Method: "GET", Path: "/api/2.0/mlflow/runs/get?run_id=RUN_A", Status: 200, Want: `{"run": {
			"info": {"run_id": "RUN_A", "run_uuid": "RUN_A", "run_name": "", "experiment_id": "1", "user_id": "", "status": "RUNNING",
				"start_time": 1735787046000, "artifact_uri": "mlflow-artifacts:/1/RUN_A/artifacts", "lifecycle_stage": "active"},
			"data": {},
			"inputs": {"dataset_inputs": [
				{"tags": [{"key": "mlflow.data.context", "value": "training"}],
				 "dataset": {"name": "iris", "digest": "5f1e2a3b", "source_type": "local", "source": "{\"uri\": \"/d/iris.csv\"}", "schema": "{}", "profile": "{\"num_rows\": 150}"}},
				{"dataset": {"name": "cancer", "digest": "` + digest + `", "source_type": "cairn", "source": "datasets/v1"}}]}}}`},
		{Name: "search by dataset", Method: "POST", Path: "/api/2.0/mlflow/runs/search", Body: `{"filter": "datasets.name = 'iris' AND datasets.context = 'training'"}`, Status: 200, Want: ""},
		{Name: "dataset without digest", Method: "POST", Path: "/api/2.0/mlflow/runs/log-inputs", Body: `{"run_id": "RUN_A", "datasets": [{"dataset": {"name": "x", "source_type": "s", "source": "s"}}]}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "other input tag", Method: "POST", Path: "/api/2.0/mlflow/runs/log-inputs", Body: `{"run_id": "RUN_A", "datasets": [{"tags": [{"key": "k", "value": "v"}], "dataset": {"name": "x", "digest": "d", "source_type": "s", "source": "s"}}]}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "model inputs", Method: "POST", Path: "/api/2.0/mlflow/runs/log-inputs", Body: `{"run_id": "RUN_A", "models": [{"model_id": "m-1"}]}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "log model", Method: "POST", Path: "/api/2.0/mlflow/runs/log-model", Body: `{"run_id": "RUN_A", "model_json": "{\"artifact_path\": \"model\", \"flavors\": {}, \"utc_time_created\": \"2025-01-01\", \"run_id\": \"RUN_A\"}"}`, Status: 200, Want: `{}`},
		{Name: "log model missing fields", Method: "POST", Path: "/api/2.0/mlflow/runs/log-model", Body: `{"run_id": "RUN_A", "model_json": "{}"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "log model not JSON", Method: "POST", Path: "/api/2.0/mlflow/runs/log-model", Body: `{"run_id": "RUN_A", "model_json": "{"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
	})
}
