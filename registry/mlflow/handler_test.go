package mlflow_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/mlflowapi/mlflowtest"
	"github.com/cairn-ml/cairn/registry"
	"github.com/cairn-ml/cairn/registry/mlflow"
)

// t0 is the fake clock's first reading: 1735787045000 ms.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func open(t testing.TB) (*mlflow.Handler, *registry.Registry) {
	t.Helper()
	var n atomic.Int64
	reg, err := registry.OpenWith(filepath.Join(t.TempDir(), "cairn.db"), registry.Options{
		User: "ana", Now: func() time.Time { return t0.Add(time.Duration(n.Add(1)-1) * time.Second) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return mlflow.New(reg, mlflow.Options{}), reg
}

type step = mlflowtest.Step

func run(t *testing.T, h *mlflow.Handler, steps []step) {
	t.Helper()
	mlflowtest.Run(t, h, nil, steps)
}

const api = "/api/2.0/mlflow/"

// TestRegistry drives the registry routes in order, with the JSON of
// MLflow's REST API reference.
func TestRegistry(t *testing.T) {
	h, reg := open(t)
	src := "mlflow-artifacts:/1/0123456789abcdef0123456789abcdef/artifacts/model"
	v1 := `{"name": "fraud", "version": "1", "creation_timestamp": 1735787046000, "last_updated_timestamp": 1735787046000,
		"user_id": "ana", "current_stage": "None", "source": "` + src + `", "run_id": "0123456789abcdef0123456789abcdef", "status": "READY",
		"tags": [{"key": "k", "value": "v"}], "description": "first"}`
	run(t, h, []step{
		{Name: "create model", Method: "POST", Path: api + "registered-models/create", Body: `{"name": "fraud", "tags": [{"key": "team", "value": "risk"}], "description": "d"}`,
			Status: 200, Want: `{"registered_model": {"name": "fraud", "creation_timestamp": 1735787045000, "last_updated_timestamp": 1735787045000,
			"user_id": "ana", "description": "d", "tags": [{"key": "team", "value": "risk"}]}}`},
		{Name: "create version", Method: "POST", Path: api + "model-versions/create", Body: `{"name": "fraud", "source": "` + src + `",
			"run_id": "0123456789abcdef0123456789abcdef", "tags": [{"key": "k", "value": "v"}], "description": "first"}`,
			Status: 200, Want: `{"model_version": ` + v1 + `}`},
		{Name: "get version", Method: "GET", Path: api + "model-versions/get?name=fraud&version=1", Status: 200, Want: `{"model_version": ` + v1 + `}`},
		{Name: "download uri", Method: "GET", Path: api + "model-versions/get-download-uri?name=fraud&version=1", Status: 200, Want: `{"artifact_uri": "` + src + `"}`},
		{Name: "create v2", Method: "POST", Path: api + "model-versions/create", Body: `{"name": "fraud", "source": "runs:/abc/model", "run_link": "http://other/r/abc"}`, Status: 200, Want: ""},
		{Name: "set alias", Method: "POST", Path: api + "registered-models/alias", Body: `{"name": "fraud", "alias": "champion", "version": "2"}`, Status: 200, Want: `{}`},
		{Name: "get by alias", Method: "GET", Path: api + "registered-models/alias?name=fraud&alias=champion", Status: 200, Want: ""},
		{Name: "transition v1 to Production", Method: "POST", Path: api + "model-versions/transition-stage", Body: `{"name": "fraud", "version": "1", "stage": "production", "archive_existing_versions": false}`, Status: 200, Want: ""},
		{Name: "get model", Method: "GET", Path: api + "registered-models/get?name=fraud", Status: 200, Want: ""},
		{Name: "latest in Production", Method: "GET", Path: api + "registered-models/get-latest-versions?name=fraud&stages=Production", Status: 200, Want: ""},
		{Name: "update version", Method: "PATCH", Path: api + "model-versions/update", Body: `{"name": "fraud", "version": "2", "description": "second"}`, Status: 200, Want: ""},
		{Name: "set version tag", Method: "POST", Path: api + "model-versions/set-tag", Body: `{"name": "fraud", "version": "2", "key": "q", "value": "1"}`, Status: 200, Want: `{}`},
		{Name: "delete version tag", Method: "DELETE", Path: api + "model-versions/delete-tag", Body: `{"name": "fraud", "version": "2", "key": "q"}`, Status: 200, Want: `{}`},
		{Name: "set model tag", Method: "POST", Path: api + "registered-models/set-tag", Body: `{"name": "fraud", "key": "x", "value": "y"}`, Status: 200, Want: `{}`},
		{Name: "delete model tag", Method: "DELETE", Path: api + "registered-models/delete-tag", Body: `{"name": "fraud", "key": "x"}`, Status: 200, Want: `{}`},
		{Name: "update model", Method: "PATCH", Path: api + "registered-models/update", Body: `{"name": "fraud", "description": "new"}`, Status: 200, Want: ""},
		{Name: "search models", Method: "GET", Path: api + "registered-models/search?filter=name+LIKE+%27fr%25%27+OR+tags.team+%3D+%27nobody%27", Status: 200, Want: ""},
		{Name: "search versions", Method: "GET", Path: api + "model-versions/search?filter=name%3D%27fraud%27+AND+version_number+%3E+1", Status: 200, Want: ""},

		{Name: "create taken", Method: "POST", Path: api + "registered-models/create", Body: `{"name": "fraud"}`, Status: 400, Code: "RESOURCE_ALREADY_EXISTS"},
		{Name: "create without name", Method: "POST", Path: api + "registered-models/create", Body: `{}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "bad name", Method: "POST", Path: api + "registered-models/create", Body: `{"name": "a/b"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "get unknown model", Method: "GET", Path: api + "registered-models/get?name=nope", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "version of unknown model", Method: "POST", Path: api + "model-versions/create", Body: `{"name": "nope", "source": "s3://b/m"}`, Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "version without source", Method: "POST", Path: api + "model-versions/create", Body: `{"name": "fraud"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "escaping source", Method: "POST", Path: api + "model-versions/create", Body: `{"name": "fraud", "source": "mlflow-artifacts:/1/../../etc"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "escaping source, encoded", Method: "POST", Path: api + "model-versions/create", Body: `{"name": "fraud", "source": "mlflow-artifacts:/1/..%2f..%2fetc"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "unknown version", Method: "GET", Path: api + "model-versions/get?name=fraud&version=9", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "version not a number", Method: "GET", Path: api + "model-versions/get?name=fraud&version=one", Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "unknown stage", Method: "POST", Path: api + "model-versions/transition-stage", Body: `{"name": "fraud", "version": "1", "stage": "Prod"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "archive the champion", Method: "POST", Path: api + "model-versions/transition-stage", Body: `{"name": "fraud", "version": "2", "stage": "Archived"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "delete the champion", Method: "DELETE", Path: api + "model-versions/delete", Body: `{"name": "fraud", "version": "2"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "delete an aliased model", Method: "DELETE", Path: api + "registered-models/delete", Body: `{"name": "fraud"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "reserved alias", Method: "POST", Path: api + "registered-models/alias", Body: `{"name": "fraud", "alias": "latest", "version": "1"}`, Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "alias to unknown version", Method: "POST", Path: api + "registered-models/alias", Body: `{"name": "fraud", "alias": "x", "version": "9"}`, Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "unknown alias", Method: "GET", Path: api + "registered-models/alias?name=fraud&alias=nope", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "bad search filter", Method: "GET", Path: api + "registered-models/search?filter=owner%3D%27x%27", Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "search max too large", Method: "GET", Path: api + "registered-models/search?max_results=1001", Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "bad page token", Method: "GET", Path: api + "model-versions/search?page_token=%21", Status: 400, Code: "INVALID_PARAMETER_VALUE"},
		{Name: "wrong method", Method: "POST", Path: api + "registered-models/update", Body: `{}`, Status: 405, Code: "BAD_REQUEST"},
	})

	// The stage is the alias: v1 is in Production through @production,
	// and a rollback in cairn is seen by MLflow clients.
	ctx := context.Background()
	v, err := reg.Get(ctx, "fraud", "@production")
	if err != nil || v.Number != 1 {
		t.Fatalf("@production = %+v, %v", v, err)
	}
	run(t, h, []step{
		{Name: "v2 to Production, archiving v1", Method: "POST", Path: api + "model-versions/transition-stage",
			Body: `{"name": "fraud", "version": "2", "stage": "Production", "archive_existing_versions": true}`, Status: 200, Want: ""},
	})
	if v, _ := reg.Get(ctx, "fraud", "1"); !v.Archived {
		t.Errorf("v1 not archived by archive_existing_versions: %+v", v)
	}
	if err := reg.Unarchive(ctx, "fraud", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Rollback(ctx, "fraud", "production", registry.AliasOptions{Reason: "v2 was bad"}); err != nil {
		t.Fatal(err)
	}
	run(t, h, []step{
		{Name: "rollback seen by MLflow", Method: "POST", Path: api + "registered-models/get-latest-versions", Body: `{"name": "fraud", "stages": ["Production"]}`,
			Status: 200, Want: `{"model_versions": [{"name": "fraud", "version": "1", "creation_timestamp": 1735787046000, "last_updated_timestamp": ` + ms(reg, "fraud", 1) + `,
			"user_id": "ana", "current_stage": "Production", "source": "` + src + `", "run_id": "0123456789abcdef0123456789abcdef", "status": "READY",
			"tags": [{"key": "k", "value": "v"}], "description": "first", "aliases": ["production"]}]}`},
	})
	hist, _ := reg.AliasHistory(ctx, "fraud", "production")
	if len(hist) != 3 || hist[0].Reason != "MLflow API: transition to Production" || hist[2].Kind != registry.AliasRolledBack {
		t.Errorf("the stage's history: %+v", hist)
	}
}

func ms(reg *registry.Registry, name string, n int) string {
	v, _ := reg.Get(context.Background(), name, strconv.Itoa(n))
	b, _ := json.Marshal(v.Updated.UnixMilli())
	return string(b)
}

// TestModelLifecycle renames and deletes a model over the API.
func TestModelLifecycle(t *testing.T) {
	h, reg := open(t)
	run(t, h, []step{
		{Name: "create", Method: "POST", Path: api + "registered-models/create", Body: `{"name": "a"}`, Status: 200, Want: ""},
		{Name: "version", Method: "POST", Path: api + "model-versions/create", Body: `{"name": "a", "source": "s3://b/m"}`, Status: 200, Want: ""},
		{Name: "same source again", Method: "POST", Path: api + "model-versions/create", Body: `{"name": "a", "source": "s3://b/m"}`, Status: 200, Want: ""},
		{Name: "rename", Method: "POST", Path: api + "registered-models/rename", Body: `{"name": "a", "new_name": "b"}`, Status: 200, Want: ""},
		{Name: "old name gone", Method: "GET", Path: api + "registered-models/get?name=a", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "rename unknown", Method: "POST", Path: api + "registered-models/rename", Body: `{"name": "a", "new_name": "c"}`, Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
		{Name: "delete version", Method: "DELETE", Path: api + "model-versions/delete", Body: `{"name": "b", "version": "1"}`, Status: 200, Want: `{}`},
		{Name: "delete model", Method: "DELETE", Path: api + "registered-models/delete", Body: `{"name": "b"}`, Status: 200, Want: `{}`},
		{Name: "deleted", Method: "GET", Path: api + "registered-models/get?name=b", Status: 404, Code: "RESOURCE_DOES_NOT_EXIST"},
	})
	if ms, _ := reg.Models(context.Background()); len(ms) != 0 {
		t.Errorf("models left: %+v", ms)
	}
}

// TestModelShape: a registered model with a version in Staging and an
// alias, as get and search answer it: latest_versions holds the latest
// version of each stage, aliases the alias list.
func TestModelShape(t *testing.T) {
	h, _ := open(t)
	v1 := `{"name": "fraud", "version": "1", "creation_timestamp": 1735787046000, "last_updated_timestamp": 1735787046000, "user_id": "ana",
		"current_stage": "Staging", "source": "s3://b/m1", "status": "READY", "aliases": ["staging"]}`
	v2 := `{"name": "fraud", "version": "2", "creation_timestamp": 1735787047000, "last_updated_timestamp": 1735787047000, "user_id": "ana",
		"current_stage": "None", "source": "s3://b/m2", "status": "READY", "aliases": ["champion"]}`
	model := `{"name": "fraud", "creation_timestamp": 1735787045000, "last_updated_timestamp": 1735787050000, "user_id": "ana",
		"latest_versions": [` + v2 + `, ` + v1 + `], "aliases": [{"alias": "champion", "version": "2"}, {"alias": "staging", "version": "1"}]}`
	run(t, h, []step{
		{Name: "create", Method: "POST", Path: api + "registered-models/create", Body: `{"name": "fraud"}`, Status: 200,
			Want: `{"registered_model": {"name": "fraud", "creation_timestamp": 1735787045000, "last_updated_timestamp": 1735787045000, "user_id": "ana"}}`},
		{Name: "v1", Method: "POST", Path: api + "model-versions/create", Body: `{"name": "fraud", "source": "s3://b/m1"}`, Status: 200, Want: ""},
		{Name: "v2", Method: "POST", Path: api + "model-versions/create", Body: `{"name": "fraud", "source": "s3://b/m2"}`, Status: 200, Want: ""},
		{Name: "v1 to Staging", Method: "POST", Path: api + "model-versions/transition-stage", Body: `{"name": "fraud", "version": "1", "stage": "staging"}`,
			Status: 200, Want: `{"model_version": ` + v1 + `}`},
		{Name: "alias v2", Method: "POST", Path: api + "registered-models/alias", Body: `{"name": "fraud", "alias": "champion", "version": "2"}`, Status: 200, Want: `{}`},
		{Name: "get", Method: "GET", Path: api + "registered-models/get?name=fraud", Status: 200, Want: `{"registered_model": ` + model + `}`},
		{Name: "search", Method: "GET", Path: api + "registered-models/search", Status: 200, Want: `{"registered_models": [` + model + `]}`},
		{Name: "by alias", Method: "GET", Path: api + "registered-models/alias?name=fraud&alias=champion", Status: 200, Want: `{"model_version": ` + v2 + `}`},
		{Name: "latest of all stages", Method: "GET", Path: api + "registered-models/get-latest-versions?name=fraud", Status: 200, Want: `{"model_versions": [` + v2 + `, ` + v1 + `]}`},
		{Name: "versions paged", Method: "GET", Path: api + "model-versions/search?max_results=1", Status: 200,
			Want: `{"model_versions": [` + v2 + `], "next_page_token": "eyJvZmZzZXQiOjF9"}`},
		{Name: "versions page 2", Method: "GET", Path: api + "model-versions/search?max_results=1&page_token=eyJvZmZzZXQiOjF9", Status: 200,
			Want: `{"model_versions": [` + v1 + `]}`},
		{Name: "versions by run", Method: "GET", Path: api + "model-versions/search?filter=run_id+%3D+%27none%27", Status: 200, Want: `{}`},
	})
}
