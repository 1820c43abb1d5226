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
		{name: "get new run", method: "GET", path: api + "runs/get?run_id=RUN_A", status: 200, want: `{"run": {
			"info": {` + infoA + `, "status": "RUNNING"},
			"data": {"tags": [{"key": "mlflow.runName", "value": "baseline"}, {"key": "mlflow.user", "value": "ana"}, {"key": "team", "value": "risk"}]},
			"inputs": {}}}`},
		{name: "log metric", method: "POST", path: api + "runs/log-metric", body: `{"run_id": "RUN_A", "key": "f1", "value": 0.5, "timestamp": 1700000001000, "step": 0}`, status: 200, want: `{}`},
		{name: "log metric by run_uuid, value as string", method: "POST", path: api + "runs/log-metric", body: `{"run_uuid": "RUN_A", "key": "f1", "value": "0.75", "timestamp": "1700000002000", "step": "1"}`, status: 200, want: `{}`},
		{name: "log NaN", method: "POST", path: api + "runs/log-metric", body: `{"run_id": "RUN_B", "key": "loss", "value": "NaN", "timestamp": 1}`, status: 200, want: `{}`},
		{name: "log param", method: "POST", path: api + "runs/log-parameter", body: `{"run_id": "RUN_A", "key": "C", "value": "1"}`, status: 200, want: `{}`},
		{name: "log the same param again", method: "POST", path: api + "runs/log-parameter", body: `{"run_id": "RUN_A", "key": "C", "value": "1"}`, status: 200, want: `{}`},
		{name: "set tag", method: "POST", path: api + "runs/set-tag", body: `{"run_id": "RUN_A", "key": "stage", "value": "dev"}`, status: 200, want: `{}`},
		{name: "log batch", method: "POST", path: api + "runs/log-batch", body: `{"run_id": "RUN_B",
			"metrics": [{"key": "f1", "value": 0.9, "timestamp": 1700000003000, "step": 0}, {"key": "f1", "value": 0.95, "timestamp": 1700000004000, "step": 1}],
			"params": [{"key": "C", "value": "10"}, {"key": "solver", "value": "lbfgs"}],
			"tags": [{"key": "stage", "value": "dev"}, {"key": "stage", "value": "prod"}]}`, status: 200, want: `{}`},
		{name: "delete tag", method: "POST", path: api + "runs/delete-tag", body: `{"run_id": "RUN_A", "key": "team"}`, status: 200, want: `{}`},
		{name: "update", method: "POST", path: api + "runs/update", body: `{"run_id": "RUN_A", "status": "FINISHED", "end_time": 1700000009000}`,
			status: 200, want: `{"run_info": {` + infoA + `, "status": "FINISHED", "end_time": 1700000009000}}`},
		{name: "get run with data", method: "GET", path: api + "runs/get?run_id=RUN_A", status: 200, want: `{"run": {
			"info": {` + infoA + `, "status": "FINISHED", "end_time": 1700000009000},
			"data": {"metrics": [{"key": "f1", "value": 0.75, "timestamp": 1700000002000, "step": 1}],
				"params": [{"key": "C", "value": "1"}],
				"tags": [{"key": "mlflow.runName", "value": "baseline"}, {"key": "mlflow.user", "value": "ana"}, {"key": "stage", "value": "dev"}]},
			"inputs": {}}}`},
		{name: "metric history", method: "GET", path: api + "metrics/get-history?run_id=RUN_A&metric_key=f1", status: 200, want: `{"metrics": [
			{"key": "f1", "value": 0.5, "timestamp": 1700000001000, "step": 0},
			{"key": "f1", "value": 0.75, "timestamp": 1700000002000, "step": 1}]}`},
		{name: "metric history paged", method: "GET", path: api + "metrics/get-history?run_id=RUN_A&metric_key=f1&max_results=1", status: 200, want: `{"metrics": [
			{"key": "f1", "value": 0.5, "timestamp": 1700000001000, "step": 0}], "next_page_token": "eyJvZmZzZXQiOjF9"}`},
		{name: "metric history NaN", method: "GET", path: api + "metrics/get-history?run_uuid=RUN_B&metric_key=loss", status: 200, want: `{"metrics": [
			{"key": "loss", "value": "NaN", "timestamp": 1, "step": 0}]}`},
		{name: "unknown metric", method: "GET", path: api + "metrics/get-history?run_id=RUN_A&metric_key=nope", status: 200, want: `{}`},
		{name: "search with OR and order", method: "POST", path: api + "runs/search", body: `{"experiment_ids": ["1"],
			"filter": "metrics.f1 > 0.9 OR params.C = '1'", "order_by": ["metrics.f1 DESC"]}`, status: 200, want: ""},
		{name: "search for one run", method: "POST", path: api + "runs/search", body: `{"experiment_ids": ["1"], "filter": "tags.stage = 'prod' and attributes.run_name = 'tuned'"}`,
			status: 200, want: `{"runs": [{"info": {"run_id": "RUN_B", "run_uuid": "RUN_B", "run_name": "tuned", "experiment_id": "1", "user_id": "",
				"status": "RUNNING", "start_time": 1735787047000, "artifact_uri": "mlflow-artifacts:/1/RUN_B/artifacts", "lifecycle_stage": "active"},
			"data": {"metrics": [{"key": "f1", "value": 0.95, "timestamp": 1700000004000, "step": 1}, {"key": "loss", "value": "NaN", "timestamp": 1, "step": 0}],
				"params": [{"key": "C", "value": "10"}, {"key": "solver", "value": "lbfgs"}],
				"tags": [{"key": "mlflow.runName", "value": "tuned"}, {"key": "stage", "value": "prod"}]},
			"inputs": {}}]}`},
		{name: "search unknown experiment", method: "POST", path: api + "runs/search", body: `{"experiment_ids": ["42"]}`, status: 200, want: `{}`},
		{name: "delete run", method: "POST", path: api + "runs/delete", body: `{"run_id": "RUN_B"}`, status: 200, want: `{}`},
		{name: "search leaves it out", method: "POST", path: api + "runs/search", body: `{"experiment_ids": ["1"], "filter": "attributes.run_name = 'tuned'"}`, status: 200, want: `{}`},
		{name: "write to a deleted run", method: "POST", path: api + "runs/set-tag", body: `{"run_id": "RUN_B", "key": "k", "value": "v"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "restore run", method: "POST", path: api + "runs/restore", body: `{"run_id": "RUN_B"}`, status: 200, want: `{}`},
		{name: "rename by update", method: "POST", path: api + "runs/update", body: `{"run_id": "RUN_B", "run_name": "tuned-2"}`, status: 200, want: ""},
		{name: "renamed everywhere", method: "POST", path: api + "runs/search", body: `{"filter": "tags.mlflow.runName = 'tuned-2' AND attributes.run_name = 'tuned-2'", "max_results": 1}`, status: 200, want: ""},

		{name: "param conflict", method: "POST", path: api + "runs/log-parameter", body: `{"run_id": "RUN_A", "key": "C", "value": "2"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "metric without timestamp", method: "POST", path: api + "runs/log-metric", body: `{"run_id": "RUN_A", "key": "f1", "value": 1}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "metric without value", method: "POST", path: api + "runs/log-metric", body: `{"run_id": "RUN_A", "key": "f1", "timestamp": 1}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "metric value not a number", method: "POST", path: api + "runs/log-metric", body: `{"run_id": "RUN_A", "key": "f1", "value": "high", "timestamp": 1}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "metric without run", method: "POST", path: api + "runs/log-metric", body: `{"key": "f1", "value": 1, "timestamp": 1}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "unknown run", method: "GET", path: api + "runs/get?run_id=0123456789abcdef0123456789abcdef", status: 404, code: "RESOURCE_DOES_NOT_EXIST"},
		{name: "malformed run id", method: "GET", path: api + "runs/get?run_id=nope", status: 404, code: "RESOURCE_DOES_NOT_EXIST"},
		{name: "create in unknown experiment", method: "POST", path: api + "runs/create", body: `{"experiment_id": "42"}`, status: 404, code: "RESOURCE_DOES_NOT_EXIST"},
		{name: "run_name and tag disagree", method: "POST", path: api + "runs/create", body: `{"experiment_id": "1", "run_name": "a", "tags": [{"key": "mlflow.runName", "value": "b"}]}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "scheduled", method: "POST", path: api + "runs/update", body: `{"run_id": "RUN_A", "status": "SCHEDULED"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "unknown status", method: "POST", path: api + "runs/update", body: `{"run_id": "RUN_A", "status": "DONE"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "delete missing tag", method: "POST", path: api + "runs/delete-tag", body: `{"run_id": "RUN_A", "key": "nope"}`, status: 404, code: "RESOURCE_DOES_NOT_EXIST"},
		{name: "duplicate params", method: "POST", path: api + "runs/log-batch", body: `{"run_id": "RUN_A", "params": [{"key": "x", "value": "1"}, {"key": "x", "value": "1"}]}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "too many params", method: "POST", path: api + "runs/log-batch", body: `{"run_id": "RUN_A", "params": [` + keys("p", 101) + `]}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "too many in all", method: "POST", path: api + "runs/log-batch", body: `{"run_id": "RUN_A", "params": [` + keys("p", 100) + `], "tags": [` + keys("t", 100) + `], "metrics": [` + metrics(801) + `]}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "batch metric without key", method: "POST", path: api + "runs/log-batch", body: `{"run_id": "RUN_A", "metrics": [{"value": 1, "timestamp": 1}]}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "batch too large", method: "POST", path: api + "runs/log-batch", body: `{"run_id": "RUN_A", "tags": [{"key": "big", "value": "` + strings.Repeat("x", 1_000_001) + `"}]}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "key too long", method: "POST", path: api + "runs/set-tag", body: `{"run_id": "RUN_A", "key": "` + strings.Repeat("k", 251) + `", "value": "v"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "bad filter", method: "POST", path: api + "runs/search", body: `{"filter": "metrics.f1 >"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "bad order", method: "POST", path: api + "runs/search", body: `{"order_by": ["nope"]}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "bad page token", method: "POST", path: api + "runs/search", body: `{"page_token": "zzz"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "search max_results too many", method: "POST", path: api + "runs/search", body: `{"max_results": 50001}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "history without key", method: "GET", path: api + "metrics/get-history?run_id=RUN_A", status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "history bad max_results", method: "GET", path: api + "metrics/get-history?run_id=RUN_A&metric_key=f1&max_results=-1", status: 400, code: "INVALID_PARAMETER_VALUE"},
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
		{name: "log inputs", method: "POST", path: "/api/2.0/mlflow/runs/log-inputs", body: `{"run_id": "RUN_A", "datasets": [
			{"tags": [{"key": "mlflow.data.context", "value": "training"}],
			 "dataset": {"name": "iris", "digest": "5f1e2a3b", "source_type": "local", "source": "{\"uri\": \"/d/iris.csv\"}", "schema": "{}", "profile": "{\"num_rows\": 150}"}},
			{"dataset": {"name": "cancer", "digest": "` + digest + `", "source_type": "cairn", "source": "datasets/v1"}}]}`, status: 200, want: `{}`},
		{name: "read back", method: "GET", path: "/api/2.0/mlflow/runs/get?run_id=RUN_A", status: 200, want: `{"run": {
			"info": {"run_id": "RUN_A", "run_uuid": "RUN_A", "run_name": "", "experiment_id": "1", "user_id": "", "status": "RUNNING",
				"start_time": 1735787046000, "artifact_uri": "mlflow-artifacts:/1/RUN_A/artifacts", "lifecycle_stage": "active"},
			"data": {},
			"inputs": {"dataset_inputs": [
				{"tags": [{"key": "mlflow.data.context", "value": "training"}],
				 "dataset": {"name": "iris", "digest": "5f1e2a3b", "source_type": "local", "source": "{\"uri\": \"/d/iris.csv\"}", "schema": "{}", "profile": "{\"num_rows\": 150}"}},
				{"dataset": {"name": "cancer", "digest": "` + digest + `", "source_type": "cairn", "source": "datasets/v1"}}]}}}`},
		{name: "search by dataset", method: "POST", path: "/api/2.0/mlflow/runs/search", body: `{"filter": "datasets.name = 'iris' AND datasets.context = 'training'"}`, status: 200, want: ""},
		{name: "dataset without digest", method: "POST", path: "/api/2.0/mlflow/runs/log-inputs", body: `{"run_id": "RUN_A", "datasets": [{"dataset": {"name": "x", "source_type": "s", "source": "s"}}]}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "other input tag", method: "POST", path: "/api/2.0/mlflow/runs/log-inputs", body: `{"run_id": "RUN_A", "datasets": [{"tags": [{"key": "k", "value": "v"}], "dataset": {"name": "x", "digest": "d", "source_type": "s", "source": "s"}}]}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "model inputs", method: "POST", path: "/api/2.0/mlflow/runs/log-inputs", body: `{"run_id": "RUN_A", "models": [{"model_id": "m-1"}]}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "log model", method: "POST", path: "/api/2.0/mlflow/runs/log-model", body: `{"run_id": "RUN_A", "model_json": "{\"artifact_path\": \"model\", \"flavors\": {}, \"utc_time_created\": \"2025-01-01\", \"run_id\": \"RUN_A\"}"}`, status: 200, want: `{}`},
		{name: "log model missing fields", method: "POST", path: "/api/2.0/mlflow/runs/log-model", body: `{"run_id": "RUN_A", "model_json": "{}"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "log model not JSON", method: "POST", path: "/api/2.0/mlflow/runs/log-model", body: `{"run_id": "RUN_A", "model_json": "{"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
	})
}
