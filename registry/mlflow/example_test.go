package mlflow_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-ml/cairn/registry"
	"github.com/cairn-ml/cairn/registry/mlflow"
)

// An MLflow client registers a version and moves it to Production; in
// cairn that is the alias @production, whose rollback the client then
// sees.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "cairn-registry-mlflow")
	defer os.RemoveAll(dir)
	reg, err := registry.Open(filepath.Join(dir, "cairn.db"))
	if err != nil {
		panic(err)
	}
	defer reg.Close()
	h := mlflow.New(reg, mlflow.Options{})
	call := func(method, path, body string) string {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, "/api/2.0/mlflow/"+path, strings.NewReader(body)))
		b, _ := io.ReadAll(w.Body)
		return fmt.Sprint(w.Code, " ", len(b) > 0)
	}
	fmt.Println(call("POST", "registered-models/create", `{"name": "fraud"}`))
	for _, src := range []string{"s3://models/fraud/1", "s3://models/fraud/2"} {
		call("POST", "model-versions/create", `{"name": "fraud", "source": "`+src+`"}`)
	}
	for _, v := range []string{"1", "2"} {
		call("POST", "model-versions/transition-stage", `{"name": "fraud", "version": "`+v+`", "stage": "Production"}`)
	}
	ctx := context.Background()
	prod, _ := reg.Get(ctx, "fraud", "@production")
	fmt.Println("production:", prod.Number, prod.Source)
	reg.Rollback(ctx, "fraud", "production", registry.AliasOptions{Reason: "v2 misbehaves"})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/2.0/mlflow/registered-models/get-latest-versions?name=fraud&stages=Production", nil))
	fmt.Println(strings.Contains(w.Body.String(), `"version":"1"`), strings.Contains(w.Body.String(), `"current_stage":"Production"`))
	// Output:
	// 200 true
	// production: 2 s3://models/fraud/2
	// true true
}
