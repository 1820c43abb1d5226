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
		{Name: "create", Method: "POST", Path: api + "create", Body: `{"name": "fraud", "tags": [{"key": "team", "value": "risk"}]}`,
			Status: 200, Want: `{"experiment_id": "1"}`},
		{Name: "create another", Method: "POST", Path: api + "create", Body: `{"name": "churn", "artifact_location": "mlflow-artifacts:/x"}`,
			Status: 200, Want: `{"experiment_id": "2"}`},
		{Name: "get", Method: "GET", Path: api + "get?experiment_id=1", Status: 200, Want: `{"experiment": {
			"experiment_id": "1", "name": "fraud", "artifact_location": "mlflow-artifacts:/1", "lifecycle_stage": "active",
			"last_update_time": 1735787045000, "creation_time": 1735787045000, "tags": [{"key": "team", "value": "risk"}]}}`},
		{Name: "get by name", Method: "GET", Path: api + "get-by-name?experiment_name=churn", Status: 200, Want: `{"experiment": {
			"experiment_id": "2", "name": "churn", "artifact_location": "mlflow-artifacts:/2", "lifecycle_stage": "active",
			"last_update_time": 1735787046000, "creation_time": 1735787046000}}`},
		{Name: "search by tag", Method: "POST", Path: api + "search", Body: `{"filter": "tags.team = 'risk'", "max_results": 10}`,
			Status: 200, Want: `{"experiments": [{"experiment_id": "1", "name": "fraud", "artifact_location": "mlflow-artifacts:/1",
			"lifecycle_stage": "active", "last_update_time": 1735787045000, "creation_time": 1735787045000,
			"tags": [{"key": "team", "value": "risk"}]}]}`},
		{Name: "search with OR, GET, ordered by name", Method: "GET",
			Path:   api + "search?filter=name+%3D+%27fraud%27+OR+name+LIKE+%27ch%25%27&order_by=name+ASC",
			Status: 200, Want: `{"experiments": [
			{"experiment_id": "2", "name": "churn", "artifact_location": "mlflow-artifacts:/2", "lifecycle_stage": "active", "last_update_time": 1735787046000, "creation_time": 1735787046000},
			{"experiment_id": "1", "name": "fraud", "artifact_location": "mlflow-artifacts:/1", "lifecycle_stage": "active", "last_update_time": 1735787045000, "creation_time": 1735787045000, "tags": [{"key": "team", "value": "risk"}]}]}`},
		{Name: "search page 1 (newest first)", Method: "POST", Path: api + "search", Body: `{"max_results": 1}`,
			Status: 200, Want: `{"experiments": [{"experiment_id": "2", "name": "churn", "artifact_location": "mlflow-artifacts:/2",
			"lifecycle_stage": "active", "last_update_time": 1735787046000, "creation_time": 1735787046000}],
			"next_page_token": "eyJvZmZzZXQiOjF9"}`},
		{Name: "search page 2", Method: "POST", Path: api + "search", Body: `{"max_results": 1, "page_token": "eyJvZmZzZXQiOjF9"}`,
			Status: 200, Want: `{"experiments": [{"experiment_id": "1", "name": "fraud", "artifact_location": "mlflow-artifacts:/1",
			"lifecycle_stage": "active", "last_update_time": 1735787045000, "creation_time": 1735787045000, "tags": [{"key": "team", "value": "risk"}]}]}`},
		{Name: "rename", Method: "POST", Path: api + "update", Body: `{"experiment_id": "2", "new_name": "churn-v2"}`, Status: 200, Want: `{}`},
		{Name: "set tag", Method: "POST", Path: api + "set-experiment-tag", Body: `{"experiment_id": "2", "key": "k", "value": "v"}`, Status: 200, Want: `{}`},
		{Name: "delete tag", Method: "POST", Path: api + "delete-experiment-tag", Body: `{"experiment_id": "2", "key": "k"}`, Status: 200, Want: `{}`},
		{Name: "delete", Method: "POST", Path: api + "delete", Body: `{"experiment_id": "2"}`, Status: 200, Want: `{}`},
		{Name: "deleted is still got", Method: "GET", Path: api + "get?experiment_id=2", Status: 200, Want: `{"experiment": {
			"experiment_id": "2", "name": "churn-v2", "artifact_location": "mlflow-artifacts:/2", "lifecycle_stage": "deleted",
			"last_update_time": 1735787050000, "creation_time": 1735787046000}}`},
		{Name: "search leaves deleted out", Method: "POST", Path: api + "search", Body: `{"filter": "name LIKE 'churn%'"}`, Status: 200, Want: `{}`},
		{Name: "search deleted only", Method: "POST", Path: api + "search", Body: `{"view_type": "DELETED_ONLY"}`, Status: 200, Want: `{"experiments": [{
			"experiment_id": "2", "name": "churn-v2", "artifact_location": "mlflow-artifacts:/2", "lifecycle_stage": "deleted",
			"last_update_time": 1735787050000, "creation_time": 1735787046000}]}`},
		{Name: "tag a deleted experiment", Method: "POST", Path: api + "set-experiment-tag", Body: `{"experiment_id": "2", "key": "k", "value": "v"}`,
			Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "restore", Method: "POST", Path: api + "restore", Body: `{"experiment_id": "2"}`, Status: 200, Want: `{}`},
		{Name: "legacy list", Method: "GET", Path: api + "list?view_type=ALL", Status: 200, Want: ""},
		{Name: "legacy list in id order, paged", Method: "GET", Path: api + "list?max_results=1", Status: 200,
			Want: `{"experiments": [{"experiment_id": "1", "name": "fraud", "artifact_location": "mlflow-artifacts:/1",
			"lifecycle_stage": "active", "last_update_time": 1735787045000, "creation_time": 1735787045000,
			"tags": [{"key": "team", "value": "risk"}]}], "next_page_token": "eyJvZmZzZXQiOjF9"}`},
		{Name: "legacy list max_results 0", Method: "GET", Path: api + "list?max_results=0", Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "id 0 is Default", Method: "GET", Path: api + "get?experiment_id=0", Status: 200, Want: `{"experiment": {
			"experiment_id": "3", "name": "Default", "artifact_location": "mlflow-artifacts:/3", "lifecycle_stage": "active",
			"last_update_time": 1735787052000, "creation_time": 1735787052000}}`},

		{Name: "create taken", Method: "POST", Path: api + "create", Body: `{"name": "fraud"}`, Status: 400, Code: "RESOURCE_ALREADY_EXISTS"},
		{Name: "create without name", Method: "POST", Path: api + "create", Body: `{}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "create name not a string", Method: "POST", Path: api + "create", Body: `{"name": 5}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "create elsewhere", Method: "POST", Path: api + "create", Body: `{"name": "x", "artifact_location": "s3://b/x"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "create tag without key", Method: "POST", Path: api + "create", Body: `{"name": "x", "tags": [{"value": "v"}]}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "get unknown", Method: "GET", Path: api + "get?experiment_id=99", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "get malformed", Method: "GET", Path: api + "get?experiment_id=abc", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "get without id", Method: "GET", Path: api + "get", Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "get by unknown name", Method: "GET", Path: api + "get-by-name?experiment_name=nope", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "rename to taken", Method: "POST", Path: api + "update", Body: `{"experiment_id": "2", "new_name": "fraud"}`, Status: 400, Code: "RESOURCE_ALREADY_EXISTS"},
		{Name: "rename without name", Method: "POST", Path: api + "update", Body: `{"experiment_id": "2"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "search max_results 0", Method: "POST", Path: api + "search", Body: `{"max_results": 0}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "search max_results too many", Method: "POST", Path: api + "search", Body: `{"max_results": 50001}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "search bad filter", Method: "POST", Path: api + "search", Body: `{"filter": "owner = 'x'"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "search bad order", Method: "POST", Path: api + "search", Body: `{"order_by": ["owner"]}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "search bad token", Method: "POST", Path: api + "search", Body: `{"page_token": "!!"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "search bad view", Method: "POST", Path: api + "search", Body: `{"view_type": "SOME"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "not JSON", Method: "POST", Path: api + "create", Body: `{"name":`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
	})
}
