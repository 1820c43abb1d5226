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
	"github.com/cairn-ml/cairn/registry/ui"
)

func newHandler(t *testing.T) *ui.Handler {
	reg := newRegistry(t)
	return ui.New(reg, ui.Options{
		Prefix: "/ui/registry/",
		RunURL: func(id string) string { return "/ui/runs/" + url.PathEscape(id) },
		DatasetURL: func(d string) string {
			return "/ui/runs?" + url.Values{"filter": {"datasets.digest = '" + d + "'"}}.Encode()
		},
		Links: []ui.Link{{Text: "Experiments", URL: "/ui/"}},
	})
}

func TestPages(t *testing.T) {
	h := newHandler(t)
	tests := []struct {
		name   string
		target string
		want   []string // in the body, in this order
	}{
		{"models", "/ui/registry/", []string{
			`<a href="/ui/">Experiments</a>`, "<h1>Models</h1>", `<a href="/ui/registry/models/%3Cimg%20src=x%20onerror=alert%281%29%3E%20&amp;%20%22q%22">`,
			`<a href="/ui/registry/models/breast-cancer">breast-cancer</a>`, `<td class="num">3</td>`,
			`href="/ui/registry/models/breast-cancer/versions/2">@challenger → v2</a>`, `>@champion → v2</a>`, "WDBC classifier",
		}},
		{"model", h.ModelURL("breast-cancer"), []string{
			"<h1>breast-cancer</h1>", "WDBC classifier",
			"<h2>Aliases</h2>", "@challenger", "@champion", "fixed the feature scaling",
			"<h2>Versions</h2>", ">Metrics</th>", ">accuracy</th>", ">f1</th>",
			`>v3</a> <span class="status s-ARCHIVED">`, `>v2</a>`, `<a href="/ui/runs/` + runV2 + `"`, `/ui/runs?filter=datasets.digest`, "0.986", `>v1</a>`,
			"<h2>Alias history</h2>", `<svg class="chart"`, "aliases of breast-cancer over time", "@champion rolled back: v2 → v1, by carol",
			// the history table, newest first
			`<td class="num">5</td>`, `<td class="num">4</td>`, "rolled back", "(undoes #2)", "carol", "F1 dropped in production", `<td class="num">1</td>`, "alice",
			"<h2>Tags</h2>", "team",
		}},
		{"version", h.VersionURL("breast-cancer", 2), []string{
			"breast-cancer <span", "v2", "@challenger", "@champion",
			"models:/breast-cancer/2", `href="/ui/registry/models/breast-cancer/versions/2/download"`,
			"<h2>Lineage</h2>", `<a href="/ui/runs/` + runV2 + `">run`, digest, `href="/ui/registry/datasets/sha256:eb86`,
			"Other versions trained on the same data", ">v1</a>", ">v3</a>",
			"<h2>Metrics</h2>", "0.982", "<h2>Alias moves</h2>", "fixed the feature scaling", "<h2>Tags</h2>", "solver",
		}},
		{"version by alias", "/ui/registry/models/breast-cancer/versions/@champion", []string{"models:/breast-cancer/2"}},
		{"version by v-number", "/ui/registry/models/breast-cancer/versions/v1", []string{"models:/breast-cancer/1", "baseline"}},
		{"latest", "/ui/registry/models/breast-cancer/versions/latest", []string{"models:/breast-cancer/2"}},
		{"archived version", h.VersionURL("breast-cancer", 3), []string{"ARCHIVED", "not recorded"}},
		{"by run", h.RunVersionsURL(runV1), []string{"Versions registered from run", `<a href="/ui/runs/` + runV1 + `">The run`, ">v1</a>"}},
		{"by run without versions", h.RunVersionsURL("0123456789abcdef0123456789abcdef"), []string{"no versions"}},
		{"by data set", h.DatasetVersionsURL(digest), []string{"Versions trained on", "About this data set", ">v1</a>", ">v2</a>", ">v3</a>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := webtest.Get(t, h, "GET", tt.target)
			b := webtest.Body(t, w)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: status %d\n%s", tt.target, w.Code, b)
			}
			webtest.CheckInOrder(t, tt.target, b, tt.want)
		})
	}
}

func TestDownload(t *testing.T) {
	h := newHandler(t)
	w := webtest.Get(t, h, "GET", h.VersionURL("breast-cancer", 2)+"/download")
	if w.Code != http.StatusOK || webtest.Body(t, w) != `{"coef":[2]}` {
		t.Fatalf("status %d, body %q", w.Code, w.Body)
	}
	want := map[string]string{
		"Content-Type":        "application/octet-stream",
		"Content-Disposition": "attachment; filename=breast-cancer-v2",
		"Content-Length":      "12",
	}
	webtest.CheckHeaders(t, w, want)
	hd := webtest.Get(t, h, "HEAD", "/ui/registry/models/breast-cancer/versions/@champion/download")
	if hd.Code != http.StatusOK || hd.Body.Len() != 0 || hd.Header().Get("Content-Length") != "12" {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %q", hd.Code, hd.Body.Len(), hd.Header().Get("Content-Length"))
	}
}

func TestHeaders(t *testing.T) {
	h := newHandler(t)
	g := webtest.Get(t, h, "GET", h.ModelURL("breast-cancer"))
	hd := webtest.Get(t, h, "HEAD", h.ModelURL("breast-cancer"))
	if hd.Code != http.StatusOK || hd.Body.Len() != 0 || hd.Header().Get("Content-Length") != g.Header().Get("Content-Length") {
		t.Errorf("HEAD: status %d, %d body bytes, Content-Length %q (GET %q)", hd.Code, hd.Body.Len(), hd.Header().Get("Content-Length"), g.Header().Get("Content-Length"))
	}
	webtest.CheckPolicy(t, g)
}

func TestErrors(t *testing.T) {
	h := newHandler(t)
	tests := []struct {
		name   string
		method string
		target string
		status int
	}{
		{"post", "POST", "/ui/registry/", http.StatusMethodNotAllowed},
		{"put a version", "PUT", h.VersionURL("breast-cancer", 1), http.StatusMethodNotAllowed},
		{"unknown path", "GET", "/ui/registry/nope", http.StatusNotFound},
		{"outside the prefix", "GET", "/ui/", http.StatusNotFound},
		{"unknown model", "GET", h.ModelURL("nope"), http.StatusNotFound},
		{"model with a slash", "GET", "/ui/registry/models/a%2Fb", http.StatusNotFound},
		{"empty model", "GET", "/ui/registry/models/", http.StatusNotFound},
		{"unknown version", "GET", h.VersionURL("breast-cancer", 9), http.StatusNotFound},
		{"version zero", "GET", "/ui/registry/models/breast-cancer/versions/0", http.StatusNotFound},
		{"bad reference", "GET", "/ui/registry/models/breast-cancer/versions/champion", http.StatusNotFound},
		{"unknown alias", "GET", "/ui/registry/models/breast-cancer/versions/@nope", http.StatusNotFound},
		{"huge version", "GET", "/ui/registry/models/breast-cancer/versions/99999999999999999999", http.StatusNotFound},
		{"version of an unknown model", "GET", h.VersionURL("nope", 1), http.StatusNotFound},
		{"download unknown", "GET", h.VersionURL("breast-cancer", 9) + "/download", http.StatusNotFound},
		{"versions subpath", "GET", h.VersionURL("breast-cancer", 1) + "/nope", http.StatusNotFound},
		{"malformed digest", "GET", "/ui/registry/datasets/md5:abc", http.StatusNotFound},
		{"malformed query", "GET", "/ui/registry/?a=%zz", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			webtest.CheckError(t, h, tt.method, tt.target, tt.status)
		})
	}
}

func TestEscaping(t *testing.T) {
	h := newHandler(t)
	for _, target := range []string{
		"/ui/registry/", h.ModelURL(evilName), h.VersionURL(evilName, 1), h.RunVersionsURL(evilText),
		"/ui/registry/models/" + url.PathEscape(evilText), "/ui/registry/datasets/" + url.PathEscape(evilText),
	} {
		t.Run(target, func(t *testing.T) {
			b := webtest.Body(t, webtest.Get(t, h, "GET", target))
			for _, bad := range []string{"<script", "<img"} {
				if strings.Contains(strings.ToLower(b), bad) {
					t.Errorf("GET %s: %q got through", target, bad)
				}
			}
		})
	}
	b := webtest.Body(t, webtest.Get(t, h, "GET", h.ModelURL(evilName)))
	for _, s := range []string{
		`<h1>&lt;img src=x onerror=alert(1)&gt; &amp; &#34;q&#34;</h1>`,
		`<td class="wrap">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</td>`,     // a reason, a tag value
		`aliases of &lt;img src=x onerror=alert(1)&gt; &amp; &#34;q&#34; over time`, // in the SVG
	} {
		if !strings.Contains(b, s) {
			t.Errorf("model page lacks the escaped %q", s)
		}
	}
}

func TestJSONTwins(t *testing.T) {
	h := newHandler(t)
	decode := func(t *testing.T, target string, v any) {
		t.Helper()
		w := webtest.Get(t, h, "GET", target, "Accept", "application/json")
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("GET %s: %d %s", target, w.Code, w.Header().Get("Content-Type"))
		}
		if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
			t.Fatal(err)
		}
	}
	type alias struct {
		Alias   string `json:"alias"`
		Version int    `json:"version"`
	}
	t.Run("models", func(t *testing.T) {
		var got struct {
			Models []struct {
				Name        string  `json:"name"`
				LastVersion int     `json:"last_version"`
				Aliases     []alias `json:"aliases"`
			} `json:"models"`
		}
		decode(t, "/ui/registry/", &got)
		if len(got.Models) != 2 || got.Models[1].Name != "breast-cancer" || got.Models[1].LastVersion != 3 {
			t.Fatalf("models = %+v", got.Models)
		}
		if d := cmp.Diff([]alias{{"challenger", 2}, {"champion", 2}}, got.Models[1].Aliases); d != "" {
			t.Errorf("aliases (-want +got):\n%s", d)
		}
	})
	t.Run("model", func(t *testing.T) {
		type event struct {
			Seq    uint64 `json:"seq"`
			Alias  string `json:"alias"`
			Kind   string `json:"kind"`
			From   int    `json:"from"`
			To     int    `json:"to"`
			By     string `json:"by"`
			Undoes uint64 `json:"undoes"`
		}
		var got struct {
			Versions []struct {
				Version  int            `json:"version"`
				RunURL   string         `json:"run_url"`
				Metrics  map[string]any `json:"metrics"`
				Archived bool           `json:"archived"`
			} `json:"versions"`
			History []event `json:"alias_history"`
		}
		decode(t, h.ModelURL("breast-cancer"), &got)
		want := []event{
			{1, "champion", "set", 0, 1, "alice", 0},
			{2, "champion", "set", 1, 2, "bob", 0},
			{3, "champion", "rolled back", 2, 1, "carol", 2},
			{4, "champion", "set", 1, 2, "bob", 0},
			{5, "challenger", "set", 0, 2, "bob", 0},
		}
		if d := cmp.Diff(want, got.History); d != "" {
			t.Errorf("alias history (-want +got):\n%s", d)
		}
		if len(got.Versions) != 3 || got.Versions[0].Version != 3 || !got.Versions[0].Archived || got.Versions[1].Metrics["f1"] != 0.986 || got.Versions[1].RunURL != "/ui/runs/"+runV2 {
			t.Errorf("versions = %+v", got.Versions)
		}
	})
	t.Run("version", func(t *testing.T) {
		var got struct {
			Model         string  `json:"model"`
			Version       int     `json:"version"`
			URI           string  `json:"uri"`
			RunID         string  `json:"run_id"`
			DatasetDigest string  `json:"dataset_digest"`
			Aliases       []alias `json:"aliases"`
			Events        []struct {
				Seq uint64 `json:"seq"`
			} `json:"alias_events"`
			SameData []struct {
				Version int `json:"version"`
			} `json:"same_dataset"`
		}
		decode(t, "/ui/registry/models/breast-cancer/versions/@champion", &got)
		if got.Model != "breast-cancer" || got.Version != 2 || got.URI != "models:/breast-cancer/2" || got.RunID != runV2 || got.DatasetDigest != digest {
			t.Errorf("version = %+v", got)
		}
		if fmt.Sprint(got.Events) != "[{5} {4} {3} {2}]" || len(got.SameData) != 2 || len(got.Aliases) != 2 {
			t.Errorf("events %v, same data %v, aliases %v", got.Events, got.SameData, got.Aliases)
		}
	})
	t.Run("by run", func(t *testing.T) {
		var got struct {
			Run      string `json:"run_id"`
			URL      string `json:"url"`
			Versions []struct {
				Version int `json:"version"`
			} `json:"versions"`
		}
		decode(t, h.RunVersionsURL(runV1), &got)
		if got.Run != runV1 || got.URL != "/ui/runs/"+runV1 || len(got.Versions) != 1 || got.Versions[0].Version != 1 {
			t.Errorf("by run = %+v", got)
		}
	})
}

func TestNoRunURL(t *testing.T) {
	reg := newRegistry(t)
	h := ui.New(reg, ui.Options{})
	b := webtest.Body(t, webtest.Get(t, h, "GET", h.VersionURL("breast-cancer", 1)))
	if strings.Contains(b, "/runs/"+runV1) || !strings.Contains(b, runV1) {
		t.Error("without Options.RunURL the run id should be shown as text")
	}
	if !strings.Contains(b, `href="/datasets/`+url.PathEscape(digest)) && !strings.Contains(b, `href="/datasets/sha256:`) {
		t.Error("without Options.DatasetURL a digest links to the handler's own page")
	}
}

// TestBadPathValues sends each path parameter values that cannot be a
// model name, a version reference or a digest: each gets 404 and an
// error page, never a server error. A run id is any string to the
// registry: one it cannot hold is not found, any other has an empty list
// of versions.
func TestBadPathValues(t *testing.T) {
	h := newHandler(t)
	bad := webtest.BadSegments()
	var paths []string
	for _, v := range bad {
		paths = append(paths, "/ui/registry/models/"+v, "/ui/registry/models/"+v+"/versions/1", "/ui/registry/datasets/"+v)
	}
	for _, v := range append(bad, "0", "v0", "-1", "v-1", "v", "1.5", "+1", "0x1", "@", "@@", "@champion@", "@ ", "latest ", "99999999999999999999") {
		paths = append(paths, "/ui/registry/models/breast-cancer/versions/"+v, "/ui/registry/models/breast-cancer/versions/"+v+"/download")
	}
	for _, v := range []string{"sha256:", "sha256:zz", "sha256:" + strings.Repeat("a", 63), "md5:abc", digest + "0"} {
		paths = append(paths, "/ui/registry/datasets/"+v)
	}
	webtest.CheckNotFound(t, h, paths)
	for _, v := range bad {
		if w := webtest.Raw(h, "/ui/registry/runs/"+v, "", ""); w.Code != http.StatusOK && w.Code != http.StatusNotFound {
			t.Errorf("GET /ui/registry/runs/%q: status %d, want 200 (no versions) or 404", v, w.Code)
		}
	}
}
