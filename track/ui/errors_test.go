package ui_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/internal/web/webtest"
	"github.com/cairn-ml/cairn/track/ui"
)

func TestErrors(t *testing.T) {
	p := newProject(t)
	h := ui.New(p.st, ui.Options{Prefix: "/ui/"})
	exp := h.ExperimentURL(p.expID)
	many := make([]string, ui.MaxCompare+1) // distinct ids: the count is checked first
	for i := range many {
		many[i] = fmt.Sprintf("%032x", i)
	}
	tests := []struct {
		name   string
		method string
		target string
		status int
		input  string // the query as the JSON error gives it back
		column int
	}{
		{"post", "POST", "/ui/", http.StatusMethodNotAllowed, "", 0},
		{"delete run", "DELETE", h.RunURL(p.baseline), http.StatusMethodNotAllowed, "", 0},
		{"unknown path", "GET", "/ui/nope", http.StatusNotFound, "", 0},
		{"outside the prefix", "GET", "/elsewhere", http.StatusNotFound, "", 0},
		{"empty experiment id", "GET", "/ui/experiments/", http.StatusNotFound, "", 0},
		{"unknown experiment", "GET", "/ui/experiments/99", http.StatusNotFound, "", 0},
		{"unknown run", "GET", "/ui/runs/0123456789abcdef0123456789abcdef", http.StatusNotFound, "", 0},
		{"malformed run id", "GET", "/ui/runs/not-an-id", http.StatusNotFound, "", 0},
		{"run subpath", "GET", h.RunURL(p.baseline) + "/nope", http.StatusNotFound, "", 0},
		{"unknown artifact", "GET", h.RunURL(p.baseline) + "/artifacts/missing.txt", http.StatusNotFound, "", 0},
		{"artifact escaping the run", "GET", h.RunURL(p.baseline) + "/artifacts/../x", http.StatusNotFound, "", 0},
		{"bad filter", "GET", exp + "?filter=" + url.QueryEscape("metrics.f1 > AND x"), http.StatusBadRequest, "metrics.f1 > AND x", 14},
		{"unknown column kind", "GET", exp + "?filter=" + url.QueryEscape("foo.bar = 1"), http.StatusBadRequest, "foo.bar = 1", 1},
		{"unterminated string", "GET", "/ui/runs?filter=" + url.QueryEscape("params.C = 'x"), http.StatusBadRequest, "params.C = 'x", 12},
		{"bad order", "GET", exp + "?order=" + url.QueryEscape("metrics.f1 SIDEWAYS"), http.StatusBadRequest, "metrics.f1 SIDEWAYS", 12},
		{"bad limit", "GET", exp + "?limit=0", http.StatusBadRequest, "", 0},
		{"huge limit", "GET", exp + "?limit=99999999999999999999", http.StatusBadRequest, "", 0},
		{"bad page token", "GET", exp + "?page=garbage", http.StatusBadRequest, "", 0},
		{"bad view", "GET", exp + "?view=everything", http.StatusBadRequest, "", 0},
		{"malformed query", "GET", exp + "?filter=%zz", http.StatusBadRequest, "", 0},
		{"compare nothing", "GET", "/ui/compare", http.StatusBadRequest, "", 0},
		{"compare one run", "GET", h.CompareURL(p.baseline), http.StatusBadRequest, "", 0},
		{"compare one run twice", "GET", h.CompareURL(p.baseline, p.baseline), http.StatusBadRequest, "", 0},
		{"compare too many", "GET", h.CompareURL(many...), http.StatusBadRequest, "", 0},
		{"compare an unknown run", "GET", h.CompareURL(p.baseline, "0123456789abcdef0123456789abcdef"), http.StatusNotFound, "", 0},
		{"unknown objective", "GET", h.RunURL(p.parent) + "?objective=nope&direction=sideways", http.StatusOK, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := webtest.CheckError(t, h, tt.method, tt.target, tt.status)
			if d := cmp.Diff([]any{tt.input, tt.column}, []any{got.Input, got.Column}); d != "" {
				t.Errorf("JSON error input and column (-want +got):\n%s", d)
			}
		})
	}
}

func TestFilterErrorShownInPlace(t *testing.T) {
	p := newProject(t)
	h := ui.New(p.st, ui.Options{Prefix: "/ui/"})
	f := "params.solver = 'lbfgs' AND metrics.f1 >> 0.9"
	b := webtest.Body(t, webtest.Get(t, h, "GET", h.ExperimentURL(p.expID)+"?filter="+url.QueryEscape(f)))
	for _, s := range []string{
		`value="params.solver = &#39;lbfgs&#39; AND metrics.f1 &gt;&gt; 0.9"`, // the form keeps the filter
		"Bad filter at column 41:",
		"<pre class=\"query\">params.solver = &#39;lbfgs&#39; AND metrics.f1 &gt;<mark>&gt;</mark> 0.9\n" + strings.Repeat(" ", 40) + "^</pre>",
	} {
		if !strings.Contains(b, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func TestEscaping(t *testing.T) {
	p := newProject(t)
	h := ui.New(p.st, ui.Options{Prefix: "/ui/", ModelURL: func(string) string { return "javascript:alert(1)" }})
	pages := []string{
		"/ui/",
		h.ExperimentURL(p.evilExp),
		h.RunURL(p.evil),
		h.CompareURL(p.evil, p.baseline),
		"/ui/runs?filter=" + url.QueryEscape(`params.x = '`+evilText+`' AND ) <script>`),
		"/ui/runs?order=" + url.QueryEscape(evilText),
		"/ui/nope/" + url.PathEscape(evilText),
	}
	for _, target := range pages {
		t.Run(target, func(t *testing.T) {
			b := webtest.Body(t, webtest.Get(t, h, "GET", target))
			if strings.Contains(strings.ToLower(b), "<script") {
				t.Errorf("GET %s: a <script> element got through", target)
			}
			if strings.Contains(b, "<b>") {
				t.Errorf("GET %s: a <b> element got through", target)
			}
			if strings.Contains(b, `href="javascript:`) {
				t.Errorf("GET %s: a javascript: link got through", target)
			}
		})
	}
	b := webtest.Body(t, webtest.Get(t, h, "GET", h.RunURL(p.evil)))
	for _, s := range []string{
		`<h1>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`,                                                  // the run's name
		`<td class="mono">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</td>`,                                // a param key
		`<text class="title" x="58" y="15">&lt;/svg&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</text>`, // the chart's title
		`<td class="wrap">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</td>`,                                // a tag value
	} {
		if !strings.Contains(b, s) {
			t.Errorf("run page lacks the escaped text %q", s)
		}
	}
}

func TestJSONTwins(t *testing.T) {
	p := newProject(t)
	h := ui.New(p.st, ui.Options{Prefix: "/ui/"})
	decode := func(t *testing.T, target string, accept string, v any) {
		t.Helper()
		w := webtest.Get(t, h, "GET", target, "Accept", accept)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", target, w.Code)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Fatalf("GET %s with Accept %q: Content-Type %q", target, accept, ct)
		}
		if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("experiments", func(t *testing.T) {
		var got struct {
			Experiments []struct{ ID, Name, URL string } `json:"experiments"`
		}
		decode(t, "/ui/", "application/json", &got)
		if len(got.Experiments) != 2 || got.Experiments[0].Name != "breast-cancer" || got.Experiments[0].URL != "/ui/experiments/1" {
			t.Errorf("experiments = %+v", got.Experiments)
		}
	})
	t.Run("run", func(t *testing.T) {
		var got struct {
			ID      string            `json:"id"`
			Name    string            `json:"name"`
			Params  map[string]string `json:"params"`
			Metrics map[string]any    `json:"metrics"`
			History []struct {
				Key     string `json:"key"`
				History []struct {
					Value any   `json:"value"`
					Step  int64 `json:"step"`
				} `json:"history"`
			} `json:"metric_history"`
			Inputs    []struct{ Name, Digest, RunsURL string } `json:"inputs"`
			Artifacts []struct {
				Path string `json:"path"`
				Size int64  `json:"size"`
				URL  string `json:"url"`
			} `json:"artifacts"`
		}
		decode(t, h.RunURL(p.baseline), "text/html;q=0.5, application/json", &got)
		if got.ID != p.baseline || got.Name != "baseline" || got.Params["solver"] != "lbfgs" || got.Metrics["f1"] != 0.962 {
			t.Errorf("run = %+v", got)
		}
		steps := map[string]int{}
		for _, m := range got.History {
			steps[m.Key] = len(m.History)
		}
		if d := cmp.Diff(map[string]int{"accuracy": 1, "f1": 1, "loss": 12, "roc_auc": 1, "train_accuracy": 12}, steps); d != "" {
			t.Errorf("history lengths (-want +got):\n%s", d)
		}
		if len(got.Inputs) != 1 || got.Inputs[0].Digest != digest || len(got.Artifacts) != 1 || got.Artifacts[0].Size != 18 {
			t.Errorf("inputs %+v, artifacts %+v", got.Inputs, got.Artifacts)
		}
	})
	t.Run("tuning", func(t *testing.T) {
		var got struct {
			Children []struct{ ID string } `json:"children"`
			Tuning   struct {
				Objective string `json:"objective"`
				Direction string `json:"direction"`
				Chosen    string `json:"chosen"`
				Complete  int    `json:"complete"`
				Trials    []struct {
					Number int `json:"number"`
					Value  any `json:"value"`
					Best   any `json:"best"`
				} `json:"trials"`
				Best       struct{ Number int } `json:"best"`
				Importance []struct {
					Param      string  `json:"param"`
					Importance float64 `json:"importance"`
				} `json:"importance"`
			} `json:"tuning"`
		}
		decode(t, h.RunURL(p.parent)+"?format=json", "text/html", &got)
		tu := got.Tuning
		if len(got.Children) != 12 || tu.Objective != "cv_f1" || tu.Direction != "maximize" || tu.Chosen != "tag" || tu.Complete != 11 || len(tu.Trials) != 12 {
			t.Fatalf("tuning = %+v", tu)
		}
		if tu.Best.Number != 8 {
			t.Errorf("best trial %d, want 8", tu.Best.Number)
		}
		// Best so far never gets worse, and trial 5 (failed) does not count.
		prev := 0.0
		for _, tr := range tu.Trials {
			b, ok := tr.Best.(float64)
			if !ok || b < prev {
				t.Errorf("trial %d: best so far %v after %v", tr.Number, tr.Best, prev)
			}
			prev = b
		}
		if tu.Trials[5].Value != 0.999 || tu.Trials[5].Best != tu.Trials[4].Best {
			t.Errorf("failed trial 5: value %v, best so far %v after %v; want 0.999 not counted", tu.Trials[5].Value, tu.Trials[5].Best, tu.Trials[4].Best)
		}
		if len(tu.Importance) != 2 || tu.Importance[0].Param != "C" || tu.Importance[0].Importance < 0.9 {
			t.Errorf("importance = %+v, want C first and near 1", tu.Importance)
		}
	})
	t.Run("compare", func(t *testing.T) {
		type row struct {
			Key    string `json:"key"`
			Values []any  `json:"values"`
			Differ bool   `json:"differ"`
		}
		var got struct {
			Runs    []struct{ ID string } `json:"runs"`
			Params  []row                 `json:"params"`
			Metrics []struct {
				row
				History [][]struct{ Step int64 } `json:"history"`
			} `json:"metrics"`
		}
		decode(t, h.CompareURL(p.baseline, p.trials[0]), "application/json", &got)
		want := []row{
			{Key: "C", Values: []any{"1", "0.0001"}, Differ: true},
			{Key: "penalty", Values: []any{"l2", nil}, Differ: true},
			{Key: "solver", Values: []any{"lbfgs", "lbfgs"}, Differ: false},
		}
		if d := cmp.Diff(want, got.Params); d != "" {
			t.Errorf("params (-want +got):\n%s", d)
		}
		for _, m := range got.Metrics {
			if m.Key == "loss" && (len(m.History) != 2 || len(m.History[0]) != 12 || len(m.History[1]) != 0) {
				t.Errorf("loss histories = %v", m.History)
			}
		}
	})
	t.Run("nan", func(t *testing.T) {
		ctx := t.Context()
		exp, err := p.st.Experiment(ctx, "nan")
		if err != nil {
			t.Fatal(err)
		}
		r, err := exp.StartRun(ctx, trackRunOptions())
		if err != nil {
			t.Fatal(err)
		}
		if err := r.LogMetrics(ctx, map[string]float64{"a": nan(), "b": inf(1), "c": inf(-1)}, 0); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Metrics map[string]any `json:"metrics"`
		}
		decode(t, h.RunURL(r.ID()), "application/json", &got)
		if d := cmp.Diff(map[string]any{"a": "NaN", "b": "+Inf", "c": "-Inf"}, got.Metrics); d != "" {
			t.Errorf("metrics (-want +got):\n%s", d)
		}
		if w := webtest.Get(t, h, "GET", h.RunURL(r.ID())); w.Code != http.StatusOK || !strings.Contains(webtest.Body(t, w), "no finite values to draw") {
			t.Errorf("HTML page with non-finite metrics: status %d", w.Code)
		}
	})
}

// TestBadPathValues sends each path parameter values that cannot be an
// id or an artifact path: each gets 404 and an error page, never a
// server error.
func TestBadPathValues(t *testing.T) {
	p := newProject(t)
	h := ui.New(p.st, ui.Options{Prefix: "/ui/"})
	values := append(webtest.BadSegments(), "0", "-1", "1.5", "99999999999999999999", p.baseline+"0", p.baseline[1:], strings.ToUpper(p.baseline))
	var paths []string
	for _, v := range values {
		paths = append(paths,
			"/ui/experiments/"+v,
			"/ui/runs/"+v,
			"/ui/runs/"+v+"/artifacts/model/coef.json",
			"/ui/runs/"+p.baseline+"/artifacts/"+v,
			"/ui/runs/"+p.baseline+"/artifacts/model/"+v,
			"/ui/runs/"+p.baseline+"/artifacts/"+v+"/coef.json",
		)
	}
	webtest.CheckNotFound(t, h, paths)
}
