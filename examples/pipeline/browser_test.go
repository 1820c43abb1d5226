//go:build unix

package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/web/webtest"
	"github.com/cairn-ml/cairn/registry"
	regui "github.com/cairn-ml/cairn/registry/ui"
	"github.com/cairn-ml/cairn/track"
	trackui "github.com/cairn-ml/cairn/track/ui"
)

// TestBrowser runs the pipeline in a temporary folder, starts its server
// (`serve`) on loopback and loads the dashboard's main pages in headless
// Chromium: the runs table, the tuning run with its optimisation history,
// the comparison of the two models' runs and the model's page. It checks
// the tables and charts in the DOM the browser renders and that the
// screenshot shows the stylesheet applied. Without Chromium the test is
// skipped, except under CI=true, where it fails.
func TestBrowser(t *testing.T) {
	browser := webtest.Chromium(t)
	dir := t.TempDir()
	e := testEnv()
	mustPipe(t, e, dir)

	// The ids of the runs, and the paths of their pages, as the server's
	// handlers make them.
	ctx := context.Background()
	st, err := track.OpenWith(filepath.Join(dir, dbFile), track.Options{})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := st.Experiment(ctx, modelName)
	if err != nil {
		t.Fatal(err)
	}
	top, _, err := st.SearchRuns(ctx, track.SearchOptions{Filter: "tags.`" + tagStage + "` IN ('baseline', 'tune')"})
	if err != nil || len(top) != 2 {
		t.Fatalf("top-level runs: %v, %v", top, err)
	}
	ids := map[string]string{}
	for _, r := range top {
		ids[r.Name] = r.ID
	}
	reg, err := registry.OpenWith(filepath.Join(dir, dbFile), registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	models := regui.New(reg, regui.Options{Prefix: "/ui/registry/"})
	runs := trackui.New(st, trackui.Options{Prefix: "/ui/"})
	paths := struct{ table, tuning, compare, model string }{
		runs.ExperimentURL(exp.ID), runs.RunURL(ids["tuned"]), runs.CompareURL(ids["baseline"], ids["tuned"]), models.ModelURL(modelName),
	}
	reg.Close()
	st.Close()

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var sout, serr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(sctx, []string{"-dir", dir, "serve", "-addr", "127.0.0.1:0"}, &sout, &serr, e) }()
	base := waitURL(t, &sout, &serr, done)

	pages := []struct {
		name  string
		path  string
		want  []string       // strings in the DOM
		count map[string]int // least number of each pattern in the DOM
	}{
		{"runs", paths.table, []string{"breast-cancer", ">tuned</a>", ">baseline</a>", ">trial-9</a>", "test_f1", "cv_f1"},
			map[string]int{`<table class="runs">`: 1, `<tr class="depth1 child`: 10}},
		{"tuning", paths.tuning, []string{"Optimisation history", "Parameter importance", "best so far", "model/model.json", "breast-cancer"},
			map[string]int{`<svg class="chart"`: 2, `<circle `: 10}},
		{"compare", paths.compare, []string{"Compare 2 runs", "test_f1", "test_roc_auc"},
			map[string]int{"<table": 2}},
		{"model", paths.model, []string{"breast-cancer", "@champion", "the first model", "aliases of breast-cancer over time"},
			map[string]int{`<svg class="chart"`: 1, "<table": 2}},
	}
	for _, pg := range pages {
		t.Run(pg.name, func(t *testing.T) {
			dom, shot := webtest.Load(t, browser, base+pg.path)
			webtest.CheckDOM(t, pg.path, dom, pg.want, pg.count)
			webtest.CheckShot(t, shot)
		})
	}
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}
