package ui_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/internal/web/webtest"
	"github.com/cairn-ml/cairn/track/ui"
)

func TestPages(t *testing.T) {
	p := newProject(t)
	h := ui.New(p.st, ui.Options{Prefix: "/ui/", ModelURL: func(id string) string { return "/models/by-run/" + id }})
	tests := []struct {
		name   string
		target string
		want   []string // in the body, in this order
	}{
		{"experiments", "/ui/", []string{"<h1>Experiments</h1>", `href="/ui/experiments/` + p.expID + `">breast-cancer</a>`, "/ui/runs"}},
		{"runs table", h.ExperimentURL(p.expID), []string{
			`<table class="runs">`, ">Params</th>", ">Metrics</th>",
			// the newest run first, then the parent with its trials nested under it
			">tuned</a>", ">tuning</a>", `class="depth1 child`, ">trial 11</a>", ">baseline</a>",
		}},
		{"sorted by a metric", h.ExperimentURL(p.expID) + "?order=metrics.f1+DESC", []string{"f1</a> ▼", ">tuned</a>", ">baseline</a>"}},
		{"filtered", h.ExperimentURL(p.expID) + "?filter=" + url.QueryEscape("params.solver = 'newton'"), []string{">tuned</a>", ">trial 10</a>", "↰ parent", ">trial 1</a>"}},
		{"all runs", "/ui/runs", []string{"All runs", ">Experiment</th>", "breast-cancer</a>"}},
		{"run", h.RunURL(p.baseline), []string{
			"<h1>baseline", "FINISHED", `href="/models/by-run/` + p.baseline + `"`,
			"<h2>Params</h2>", "lbfgs", "<h2>Metrics</h2>", "<svg", "metrics logged once", "loss", "train_accuracy",
			"<h2>Data sets</h2>", "wdbc", digest, "<h2>Artifacts</h2>", `href="/ui/runs/` + p.baseline + `/artifacts/model/coef.json"`,
			"<h2>Tags</h2>", "stage",
		}},
		{"tuning parent", h.RunURL(p.parent), []string{
			"<h2>Optimisation history</h2>", "11 of 12 trials finished", "<code>cv_f1</code>, to maximize", "<svg", "best so far",
			"<h2>Parameter importance</h2>", "<td class=\"mono\">C</td>", "<h2>Nested runs", `class="depth0 best"`,
		}},
		{"trial", h.RunURL(p.trials[3]), []string{"Parent run", `href="/ui/runs/` + p.parent + `">tuning</a>`}},
		{"compare", h.CompareURL(p.baseline, p.tuned), []string{
			"Compare 2 runs", `class="swatch c0"`, `class="swatch c1"`, `<tr class="diff"><td class="mono">C</td>`,
			`<tr><td class="mono">penalty</td>`, "Metric histories", "<svg",
		}},
		{"compare differences", h.CompareURL(p.baseline, p.tuned) + "&diff=1", []string{"show every param and tag", "equal rows hidden"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := webtest.Get(t, h, "GET", tt.target)
			b := webtest.Body(t, w)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: status %d, want 200\n%s", tt.target, w.Code, b)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			webtest.CheckInOrder(t, tt.target, b, tt.want)
		})
	}
	t.Run("compare diff hides equal rows", func(t *testing.T) {
		b := webtest.Body(t, webtest.Get(t, h, "GET", h.CompareURL(p.baseline, p.tuned)+"&diff=1"))
		if strings.Contains(b, `<td class="mono">penalty</td>`) {
			t.Error("diff=1 shows penalty, which is l2 in both runs")
		}
	})
}

func TestArtifactDownload(t *testing.T) {
	p := newProject(t)
	h := ui.New(p.st, ui.Options{Prefix: "/ui/"})
	w := webtest.Get(t, h, "GET", "/ui/runs/"+p.baseline+"/artifacts/model/coef.json")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	want := map[string]string{
		"Content-Type":           "application/octet-stream",
		"Content-Disposition":    `attachment; filename=coef.json`,
		"X-Content-Type-Options": "nosniff",
		"Content-Length":         "18",
	}
	webtest.CheckHeaders(t, w, want)
	if b := webtest.Body(t, w); b != `{"coef":[0.1,0.2]}` {
		t.Errorf("body = %q", b)
	}
	// An HTML artifact is still a download, in a sandbox.
	evil := webtest.Get(t, h, "GET", "/ui/runs/"+p.evil+"/artifacts/"+url.PathEscape("a<b>")+"/"+url.PathEscape("x&y.html"))
	if evil.Code != http.StatusOK || evil.Header().Get("Content-Type") != "application/octet-stream" ||
		!strings.Contains(evil.Header().Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("html artifact: status %d, headers %v", evil.Code, evil.Header())
	}
	head := webtest.Get(t, h, "HEAD", "/ui/runs/"+p.baseline+"/artifacts/model/coef.json")
	if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") != "18" {
		t.Errorf("HEAD: status %d, %d body bytes, Content-Length %q", head.Code, head.Body.Len(), head.Header().Get("Content-Length"))
	}
}

func TestHeadAndHeaders(t *testing.T) {
	p := newProject(t)
	h := ui.New(p.st, ui.Options{Prefix: "/ui/"})
	g := webtest.Get(t, h, "GET", h.RunURL(p.baseline))
	hd := webtest.Get(t, h, "HEAD", h.RunURL(p.baseline))
	if hd.Code != http.StatusOK || hd.Body.Len() != 0 {
		t.Errorf("HEAD: status %d, %d body bytes; want 200 and none", hd.Code, hd.Body.Len())
	}
	if g.Header().Get("Content-Length") != hd.Header().Get("Content-Length") {
		t.Errorf("Content-Length: GET %q, HEAD %q", g.Header().Get("Content-Length"), hd.Header().Get("Content-Length"))
	}
	webtest.CheckPolicy(t, g)
}

func TestPrefix(t *testing.T) {
	p := newProject(t)
	for _, prefix := range []string{"", "/", "dash", "/a/b/"} {
		h := ui.New(p.st, ui.Options{Prefix: prefix})
		want := "/" + strings.Trim(prefix, "/") + "/"
		if want == "//" {
			want = "/"
		}
		if got := h.RunURL("x"); got != want+"runs/x" {
			t.Errorf("Prefix %q: RunURL = %q, want %q", prefix, got, want+"runs/x")
		}
		w := webtest.Get(t, h, "GET", want)
		if w.Code != http.StatusOK || !strings.Contains(webtest.Body(t, w), `href="`+want+`experiments/`) {
			t.Errorf("Prefix %q: GET %s: status %d, or links without the prefix", prefix, want, w.Code)
		}
		if want != "/" {
			r := webtest.Get(t, h, "GET", strings.TrimSuffix(want, "/"))
			if r.Code != http.StatusMovedPermanently || r.Header().Get("Location") != want {
				t.Errorf("Prefix %q: GET without the slash: %d to %q", prefix, r.Code, r.Header().Get("Location"))
			}
		}
	}
}

func TestLinksAndTitle(t *testing.T) {
	p := newProject(t)
	h := ui.New(p.st, ui.Options{Prefix: "/ui/", Title: "my lab", Links: []ui.Link{{Text: "Models", URL: "/ui/registry/"}}})
	b := webtest.Body(t, webtest.Get(t, h, "GET", "/ui/"))
	for _, s := range []string{`<a class="brand" href="/ui/">my lab</a>`, `<a href="/ui/registry/">Models</a>`} {
		if !strings.Contains(b, s) {
			t.Errorf("header lacks %q", s)
		}
	}
}

func TestRunsTableJSON(t *testing.T) {
	p := newProject(t)
	h := ui.New(p.st, ui.Options{Prefix: "/ui/"})
	type row struct {
		ID       string            `json:"id"`
		Name     string            `json:"name"`
		ParentID string            `json:"parent_id"`
		Depth    int               `json:"depth"`
		Params   map[string]string `json:"params"`
		Metrics  map[string]any    `json:"metrics"`
	}
	type page struct {
		Params   []string `json:"params"`
		Metrics  []string `json:"metrics"`
		Runs     []row    `json:"runs"`
		NextURL  string   `json:"next_url"`
		NextPage string   `json:"next_page"`
	}
	fetch := func(t *testing.T, target string) page {
		t.Helper()
		w := webtest.Get(t, h, "GET", target, "Accept", "application/json")
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("GET %s: %d %s", target, w.Code, webtest.Body(t, w))
		}
		var pg page
		if err := json.Unmarshal([]byte(webtest.Body(t, w)), &pg); err != nil {
			t.Fatal(err)
		}
		return pg
	}
	names := func(pg page) []string {
		var n []string
		for _, r := range pg.Runs {
			n = append(n, r.Name)
		}
		return n
	}
	t.Run("nested, newest first", func(t *testing.T) {
		pg := fetch(t, h.ExperimentURL(p.expID))
		want := []string{"tuned", "tuning"}
		for k := 11; k >= 0; k-- {
			want = append(want, "trial "+strconv.Itoa(k))
		}
		want = append(want, "baseline")
		if d := cmp.Diff(want, names(pg)); d != "" {
			t.Errorf("runs (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]string{"C", "penalty", "sampler", "solver", "trials"}, pg.Params); d != "" {
			t.Errorf("params (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]string{"accuracy", "cv_f1", "f1", "fit_seconds", "loss", "roc_auc", "train_accuracy"}, pg.Metrics); d != "" {
			t.Errorf("metrics (-want +got):\n%s", d)
		}
		for _, r := range pg.Runs {
			if wantDepth := map[bool]int{true: 1, false: 0}[r.ParentID != ""]; r.Depth != wantDepth {
				t.Errorf("run %s: depth %d, want %d", r.Name, r.Depth, wantDepth)
			}
		}
	})
	t.Run("order and filter", func(t *testing.T) {
		q := url.Values{"filter": {"metrics.cv_f1 > 0.98"}, "order": {"metrics.cv_f1 DESC"}}
		pg := fetch(t, h.ExperimentURL(p.expID)+"?"+q.Encode())
		if d := cmp.Diff([]string{"trial 5", "trial 8", "trial 3", "trial 1"}, names(pg)); d != "" {
			t.Errorf("runs (-want +got):\n%s", d)
		}
		if got, ok := pg.Runs[0].Metrics["cv_f1"].(float64); !ok || got < 0.985 {
			t.Errorf("cv_f1 of the best = %v, want a number above 0.985", pg.Runs[0].Metrics["cv_f1"])
		}
	})
	t.Run("pages", func(t *testing.T) {
		var all []string
		target := h.ExperimentURL(p.expID) + "?limit=4&order=attributes.start_time"
		for range 10 {
			pg := fetch(t, target)
			all = append(all, names(pg)...)
			if pg.NextURL == "" {
				break
			}
			target = pg.NextURL
		}
		if len(all) != 15 || all[0] != "baseline" || all[14] != "tuned" {
			t.Errorf("paged through %v, want the 15 runs oldest first", all)
		}
	})
	t.Run("every experiment", func(t *testing.T) {
		pg := fetch(t, h.SearchURL("params.C = '1'"))
		if d := cmp.Diff([]string{"baseline"}, names(pg)); d != "" {
			t.Errorf("runs (-want +got):\n%s", d)
		}
		pg = fetch(t, h.DatasetURL(digest))
		if len(pg.Runs) != 3 {
			t.Errorf("runs with the data digest: %v, want baseline, tuned and the markup run", names(pg))
		}
	})
}
