//go:build unix

package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

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
// screenshot is a page. Without Chromium the test is skipped, except under
// CI=true, where it fails.
func TestBrowser(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	e := testEnv()
	mustPipe(t, e, dir)

	// The ids of the runs, and the paths of their pages, as the server's
	// handlers make them.
	ctx := context.Background()
	st, err := track.OpenWith(filepath.Join(dir, dbFile), track.Options{Shared: true})
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
	reg, err := registry.OpenWith(filepath.Join(dir, dbFile), registry.Options{Shared: true})
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
			dom, shot := load(t, browser, base+pg.path)
			if strings.Contains(dom, "<title>Not Found") || strings.Contains(dom, `<div class="error"`) {
				t.Fatalf("the browser got an error page for %s", pg.path)
			}
			for _, s := range pg.want {
				if !strings.Contains(dom, s) {
					t.Errorf("DOM of %s lacks %q", pg.path, s)
				}
			}
			for pat, least := range pg.count {
				if n := len(regexp.MustCompile(regexp.QuoteMeta(pat)).FindAllStringIndex(dom, -1)); n < least {
					t.Errorf("DOM of %s has %d of %q, want at least %d", pg.path, n, pat, least)
				}
			}
			img, err := png.Decode(bytes.NewReader(shot))
			if err != nil {
				t.Fatalf("screenshot of %s: %v", pg.path, err)
			}
			if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 600 {
				t.Errorf("screenshot of %s is %v", pg.path, b)
			}
		})
	}
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// chromium returns the browser's path, or skips the test (fails it under
// CI=true) when there is none.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CAIRN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; CI must have it (.ci/run installs Debian's chromium)")
	}
	t.Skip("chromium is not installed")
	return ""
}

// load renders url in headless Chromium and returns the DOM and a
// screenshot (PNG).
func load(t *testing.T, browser, url string) (dom string, shot []byte) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--window-size=1280,900", "--screenshot="+file, "--dump-dom", url)
	// Chromium starts helper processes: put them in a group and end the
	// group if the browser hangs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, errb.String())
	}
	shot, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("chromium %s: no screenshot: %v", url, err)
	}
	return out.String(), shot
}
