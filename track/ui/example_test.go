package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/cairn-ml/cairn/track"
	"github.com/cairn-ml/cairn/track/ui"
)

// Mount the dashboard under /ui/ and read a runs table, as a browser
// does (HTML) and as a script does (JSON).
func ExampleNew() {
	dir, err := os.MkdirTemp("", "ui-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := track.Open(filepath.Join(dir, "cairn.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	exp, err := st.Experiment(ctx, "breast-cancer")
	if err != nil {
		log.Fatal(err)
	}
	run, err := exp.StartRun(ctx, track.RunOptions{Name: "baseline"})
	if err != nil {
		log.Fatal(err)
	}
	if err := run.Log(ctx, track.Batch{
		Params:  map[string]string{"C": "1", "solver": "lbfgs"},
		Metrics: []track.Metric{{Key: "f1", Value: 0.962}},
	}); err != nil {
		log.Fatal(err)
	}
	if err := run.End(ctx, track.StatusFinished); err != nil {
		log.Fatal(err)
	}

	h := ui.New(st, ui.Options{Prefix: "/ui/"})
	mux := http.NewServeMux()
	mux.Handle("/ui/", h) // the prefix is not stripped
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + h.ExperimentURL(exp.ID))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))

	req, err := http.NewRequest("GET", srv.URL+h.ExperimentURL(exp.ID), nil)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Runs []struct {
			Name    string             `json:"name"`
			URL     string             `json:"url"`
			Params  map[string]string  `json:"params"`
			Metrics map[string]float64 `json:"metrics"`
		} `json:"runs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		log.Fatal(err)
	}
	r := page.Runs[0]
	fmt.Println(r.Name, r.Params["solver"], r.Metrics["f1"], r.URL == h.RunURL(run.ID()))
	// Output:
	// 200 text/html; charset=utf-8
	// baseline lbfgs 0.962 true
}
