package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/cairn-ml/cairn/linear"
	"github.com/cairn-ml/cairn/registry"
	registryui "github.com/cairn-ml/cairn/registry/ui"
	"github.com/cairn-ml/cairn/serve"
)

// smallModel fits a two-feature model; c sets its regularisation.
func smallModel(c float64) *linear.Model {
	X := mat.NewDense(6, 2, []float64{1, 1, 2, 1, 1, 2, 4, 5, 5, 4, 5, 6})
	m, err := linear.Fit(context.Background(), X, []int{0, 0, 0, 1, 1, 1}, linear.Config{
		C: c, Features: []string{"width", "height"}, Classes: []string{"small", "large"},
	})
	if err != nil {
		log.Fatal(err)
	}
	return m
}

// post sends a JSON body to the handler and prints the answer.
func post(h http.Handler, path, body string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", path, strings.NewReader(body)))
	fmt.Println(rec.Code, rec.Header().Get("Model-Version"), rec.Body.String())
}

// predict asks /v1 and prints the version and the probabilities, rounded.
func predict(h http.Handler, name, instances string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/models/"+name+":predict", strings.NewReader(`{"instances": `+instances+`}`)))
	var res serve.PredictResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d version %s: %v %.3f\n", rec.Code, res.ModelVersion, res.Predictions, res.Probabilities)
}

// Serve a model given as a value, and ask it through three protocols.
func ExampleServer_Set() {
	srv, err := serve.New(serve.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Set("boxes", 1, smallModel(1)); err != nil {
		log.Fatal(err)
	}
	predict(srv, "boxes", `[[1.5, 1], {"width": 5, "height": 5}]`)
	post(srv, "/v2/models/boxes/infer", `{"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP32", "data": [5, 5]}], "outputs": [{"name": "label"}]}`)
	post(srv, "/invocations", `{"dataframe_split": {"columns": ["height", "width"], "data": [[1, 1.5]]}}`)
	post(srv, "/v1/models/boxes:predict", `{"instances": [[1.5]]}`)
	// Output:
	// 200 version 1: [small large] [[0.935 0.065] [0.052 0.948]]
	// 200 1 {"model_name":"boxes","model_version":"1","outputs":[{"name":"label","shape":[1],"datatype":"BYTES","data":["large"]}]}
	// 200 1 {"predictions":[0],"model_version":"1"}
	// 422 1 {"error":"validation failed: ensure this value has at least 2 items","detail":[{"loc":["body","instances",0],"msg":"ensure this value has at least 2 items","type":"value_error.list.min_items","ctx":{"limit_value":2}}],"model_name":"boxes","model_version":"1"}
}

// Follow a registry alias: when it moves, the server swaps versions.
func ExampleServer_Follow() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "serve-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// A pipeline in another process may move the alias meanwhile.
	reg, err := registry.Open(filepath.Join(dir, "cairn.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	for _, c := range []float64{1, 0.01} {
		b, err := linear.Marshal(smallModel(c))
		if err != nil {
			log.Fatal(err)
		}
		if _, _, err := reg.Register(ctx, "boxes", bytes.NewReader(b), registry.RegisterOptions{Format: linear.FormatName}); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := reg.SetAlias(ctx, "boxes", "champion", 1, registry.AliasOptions{}); err != nil {
		log.Fatal(err)
	}

	srv, err := serve.New(serve.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Follow(ctx, reg, "boxes", "@champion"); err != nil {
		log.Fatal(err)
	}
	predict(srv, "boxes", `[[3, 3]]`)

	if _, err := reg.SetAlias(ctx, "boxes", "champion", 2, registry.AliasOptions{Reason: "promote"}); err != nil {
		log.Fatal(err)
	}
	for srv.Status()[0].Version != 2 { // the watcher swaps in the background
		time.Sleep(time.Millisecond)
	}
	predict(srv, "boxes", `[[3, 3]]`)
	st := srv.Status()[0]
	fmt.Println(st.Name, st.Source, "version", st.Version, "swaps", st.Swaps)
	// Output:
	// 200 version 1: [small] [[0.515 0.485]]
	// 200 version 2: [small] [[0.502 0.498]]
	// boxes @champion version 2 swaps 1
}

// Serve next to the registry's dashboard, with timeouts, until SIGTERM or
// Ctrl-C; the requests in flight then finish before ListenAndServe
// returns. The dashboard is mounted at its Prefix without stripping it:
// its links start with the prefix.
func ExampleListenAndServe() {
	reg, err := registry.Open("cairn-data/cairn.db")
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	srv, err := serve.New(serve.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if err := srv.Set("boxes", 1, smallModel(1)); err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ui/", registryui.New(reg, registryui.Options{Prefix: "/ui/"}))
	mux.Handle("/", srv)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve.ListenAndServe(ctx, "127.0.0.1:8080", mux, serve.HTTPOptions{}); err != nil {
		log.Fatal(err)
	}
}
