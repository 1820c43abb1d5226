package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-ml/cairn/registry"
	"github.com/cairn-ml/cairn/registry/ui"
	"github.com/cairn-ml/cairn/track"
	trackui "github.com/cairn-ml/cairn/track/ui"
)

// Show a model's versions and alias history, as HTML and as JSON.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "regui-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	reg, err := registry.OpenWith(filepath.Join(dir, "cairn.db"), registry.Options{User: "ci"})
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	v, _, err := reg.Register(ctx, "cancer", strings.NewReader(`{"coef":[1]}`), registry.RegisterOptions{Format: "cairn.linear/1"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := reg.SetAlias(ctx, "cancer", "champion", v.Number, registry.AliasOptions{Reason: "first"}); err != nil {
		log.Fatal(err)
	}

	h := ui.New(reg, ui.Options{Prefix: "/ui/registry/"})
	req := httptest.NewRequest("GET", "/ui/registry/models/cancer/versions/@champion", nil)
	req.Header.Set("Accept", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var page struct {
		URI     string `json:"uri"`
		Aliases []struct {
			Alias string `json:"alias"`
		} `json:"aliases"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.Code, page.URI, page.Aliases[0].Alias)
	// Output:
	// 200 models:/cancer/1 champion
}

// Serve both dashboards under /ui/, as the pipeline does: the runs at
// /ui/ and the models at /ui/registry/, each linking to the other. Track
// and the registry share one bbolt file.
func Example_withTrack() {
	dir, err := os.MkdirTemp("", "regui-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	path := filepath.Join(dir, "cairn.db")
	st, err := track.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	reg, err := registry.OpenWith(path, registry.Options{User: "ci"})
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	exp, err := st.Experiment(ctx, "cancer")
	if err != nil {
		log.Fatal(err)
	}
	run, err := exp.StartRun(ctx, track.RunOptions{Name: "baseline"})
	if err != nil {
		log.Fatal(err)
	}
	if _, _, err := reg.Register(ctx, "cancer", strings.NewReader("model"), registry.RegisterOptions{Format: "raw", RunID: run.ID()}); err != nil {
		log.Fatal(err)
	}

	// Each handler links to the other's pages, so make them in turn.
	var runs *trackui.Handler
	models := ui.New(reg, ui.Options{
		Prefix:     "/ui/registry/",
		RunURL:     func(id string) string { return runs.RunURL(id) },
		DatasetURL: func(d string) string { return runs.DatasetURL(d) },
		Links:      []ui.Link{{Text: "Experiments", URL: "/ui/"}},
	})
	runs = trackui.New(st, trackui.Options{
		Prefix:   "/ui/",
		ModelURL: models.RunVersionsURL,
		Links:    []trackui.Link{{Text: "Models", URL: "/ui/registry/"}},
	})
	mux := http.NewServeMux()
	mux.Handle("/ui/registry/", models) // the longer pattern wins
	mux.Handle("/ui/", runs)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, path := range []string{runs.RunURL(run.ID()), models.VersionURL("cancer", 1)} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			log.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(b)
		fmt.Println(resp.StatusCode,
			strings.Contains(page, `href="`+models.RunVersionsURL(run.ID())+`"`),
			strings.Contains(page, `href="`+runs.RunURL(run.ID())+`"`))
	}
	// Output:
	// 200 true false
	// 200 false true
}
