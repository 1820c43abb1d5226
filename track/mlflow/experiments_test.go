package mlflow_test

import (
	"testing"

	"github.com/cairn-ml/cairn/track/mlflow"
)

// TestExperiments drives the experiment routes in order, with the JSON
// MLflow's REST API reference shows for each.
func TestExperiments(t *testing.T) {
	h, _ := open(t, mlflow.Options{})
	const api = "/api/2.0/mlflow/experiments/"
	run(t, h, nil, []step{
		{name: "create", method: "POST", path: api + "create", body: `{"name": "fraud", "tags": [{"key": "team", "value": "risk"}]}`,
			status: 200, want: `{"experiment_id": "1"}`},
		{name: "create another", method: "POST", path: api + "create", body: `{"name": "churn", "artifact_location": "mlflow-artifacts:/x"}`,
			status: 200, want: `{"experiment_id": "2"}`},
		{name: "get", method: "GET", path: api + "get?experiment_id=1", status: 200, want: `{"experiment": {
			"experiment_id": "1", "name": "fraud", "artifact_location": "mlflow-artifacts:/1", "lifecycle_stage": "active",
			"last_update_time": 1735787045000, "creation_time": 1735787045000, "tags": [{"key": "team", "value": "risk"}]}}`},
		{name: "get by name", method: "GET", path: api + "get-by-name?experiment_name=churn", status: 200, want: `{"experiment": {
			"experiment_id": "2", "name": "churn", "artifact_location": "mlflow-artifacts:/2", "lifecycle_stage": "active",
			"last_update_time": 1735787046000, "creation_time": 1735787046000}}`},
		{name: "search by tag", method: "POST", path: api + "search", body: `{"filter": "tags.team = 'risk'", "max_results": 10}`,
			status: 200, want: `{"experiments": [{"experiment_id": "1", "name": "fraud", "artifact_location": "mlflow-artifacts:/1",
			"lifecycle_stage": "active", "last_update_time": 1735787045000, "creation_time": 1735787045000,
			"tags": [{"key": "team", "value": "risk"}]}]}`},
		{name: "search with OR, GET, ordered by name", method: "GET",
			path:   api + "search?filter=name+%3D+%27fraud%27+OR+name+LIKE+%27ch%25%27&order_by=name+ASC",
			status: 200, want: `{"experiments": [
			{"experiment_id": "2", "name": "churn", "artifact_location": "mlflow-artifacts:/2", "lifecycle_stage": "active", "last_update_time": 1735787046000, "creation_time": 1735787046000},
			{"experiment_id": "1", "name": "fraud", "artifact_location": "mlflow-artifacts:/1", "lifecycle_stage": "active", "last_update_time": 1735787045000, "creation_time": 1735787045000, "tags": [{"key": "team", "value": "risk"}]}]}`},
		{name: "search page 1 (newest first)", method: "POST", path: api + "search", body: `{"max_results": 1}`,
			status: 200, want: `{"experiments": [{"experiment_id": "2", "name": "churn", "artifact_location": "mlflow-artifacts:/2",
			"lifecycle_stage": "active", "last_update_time": 1735787046000, "creation_time": 1735787046000}],
			"next_page_token": "eyJvZmZzZXQiOjF9"}`},
		{name: "search page 2", method: "POST", path: api + "search", body: `{"max_results": 1, "page_token": "eyJvZmZzZXQiOjF9"}`,
			status: 200, want: `{"experiments": [{"experiment_id": "1", "name": "fraud", "artifact_location": "mlflow-artifacts:/1",
			"lifecycle_stage": "active", "last_update_time": 1735787045000, "creation_time": 1735787045000, "tags": [{"key": "team", "value": "risk"}]}]}`},
		{name: "rename", method: "POST", path: api + "update", body: `{"experiment_id": "2", "new_name": "churn-v2"}`, status: 200, want: `{}`},
		{name: "set tag", method: "POST", path: api + "set-experiment-tag", body: `{"experiment_id": "2", "key": "k", "value": "v"}`, status: 200, want: `{}`},
		{name: "delete tag", method: "POST", path: api + "delete-experiment-tag", body: `{"experiment_id": "2", "key": "k"}`, status: 200, want: `{}`},
		{name: "delete", method: "POST", path: api + "delete", body: `{"experiment_id": "2"}`, status: 200, want: `{}`},
		{name: "deleted is still got", method: "GET", path: api + "get?experiment_id=2", status: 200, want: `{"experiment": {
			"experiment_id": "2", "name": "churn-v2", "artifact_location": "mlflow-artifacts:/2", "lifecycle_stage": "deleted",
			"last_update_time": 1735787050000, "creation_time": 1735787046000}}`},
		{name: "search leaves deleted out", method: "POST", path: api + "search", body: `{"filter": "name LIKE 'churn%'"}`, status: 200, want: `{}`},
		{name: "search deleted only", method: "POST", path: api + "search", body: `{"view_type": "DELETED_ONLY"}`, status: 200, want: `{"experiments": [{
			"experiment_id": "2", "name": "churn-v2", "artifact_location": "mlflow-artifacts:/2", "lifecycle_stage": "deleted",
			"last_update_time": 1735787050000, "creation_time": 1735787046000}]}`},
		{name: "tag a deleted experiment", method: "POST", path: api + "set-experiment-tag", body: `{"experiment_id": "2", "key": "k", "value": "v"}`,
			status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "restore", method: "POST", path: api + "restore", body: `{"experiment_id": "2"}`, status: 200, want: `{}`},
		{name: "legacy list", method: "GET", path: api + "list?view_type=ALL", status: 200, want: ""},
		{name: "id 0 is Default", method: "GET", path: api + "get?experiment_id=0", status: 200, want: `{"experiment": {
			"experiment_id": "3", "name": "Default", "artifact_location": "mlflow-artifacts:/3", "lifecycle_stage": "active",
			"last_update_time": 1735787052000, "creation_time": 1735787052000}}`},

		{name: "create taken", method: "POST", path: api + "create", body: `{"name": "fraud"}`, status: 400, code: "RESOURCE_ALREADY_EXISTS"},
		{name: "create without name", method: "POST", path: api + "create", body: `{}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "create name not a string", method: "POST", path: api + "create", body: `{"name": 5}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "create elsewhere", method: "POST", path: api + "create", body: `{"name": "x", "artifact_location": "s3://b/x"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "create tag without key", method: "POST", path: api + "create", body: `{"name": "x", "tags": [{"value": "v"}]}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "get unknown", method: "GET", path: api + "get?experiment_id=99", status: 404, code: "RESOURCE_DOES_NOT_EXIST"},
		{name: "get malformed", method: "GET", path: api + "get?experiment_id=abc", status: 404, code: "RESOURCE_DOES_NOT_EXIST"},
		{name: "get without id", method: "GET", path: api + "get", status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "get by unknown name", method: "GET", path: api + "get-by-name?experiment_name=nope", status: 404, code: "RESOURCE_DOES_NOT_EXIST"},
		{name: "rename to taken", method: "POST", path: api + "update", body: `{"experiment_id": "2", "new_name": "fraud"}`, status: 400, code: "RESOURCE_ALREADY_EXISTS"},
		{name: "rename without name", method: "POST", path: api + "update", body: `{"experiment_id": "2"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "search max_results 0", method: "POST", path: api + "search", body: `{"max_results": 0}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "search max_results too many", method: "POST", path: api + "search", body: `{"max_results": 50001}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "search bad filter", method: "POST", path: api + "search", body: `{"filter": "owner = 'x'"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "search bad order", method: "POST", path: api + "search", body: `{"order_by": ["owner"]}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "search bad token", method: "POST", path: api + "search", body: `{"page_token": "!!"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "search bad view", method: "POST", path: api + "search", body: `{"view_type": "SOME"}`, status: 400, code: "INVALID_PARAMETER_VALUE"},
		{name: "not JSON", method: "POST", path: api + "create", body: `{"name":`, status: 400, code: "INVALID_PARAMETER_VALUE"},
	})
}
