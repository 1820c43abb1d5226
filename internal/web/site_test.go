package web_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cairn-ml/cairn/internal/web"
	"github.com/cairn-ml/cairn/internal/web/webtest"
)

// newSite serves a few test pages under prefix and logs to log.
func newSite(prefix string, log *bytes.Buffer) *web.Site {
	tmpl := fstest.MapFS{
		"assets/parts.tmpl": {Data: []byte(`{{define "item"}}<p class="item">{{.}}</p>{{end}}`)},
		"assets/home.tmpl":  {Data: []byte(`{{define "content"}}<h1>Home</h1>{{template "kv" (kv .M .Keys)}}{{end}}`)},
		"assets/item.tmpl":  {Data: []byte(`{{define "content"}}{{template "item" .}}{{end}}`)},
	}
	s := web.New(web.Config{
		Name: "test/ui", Prefix: prefix, Home: "Items", Links: []web.Link{{Text: "Elsewhere", URL: "/else/"}},
		Store: "the test database", Logger: slog.New(slog.NewTextHandler(log, nil)),
		Templates: tmpl, Pages: []string{"home", "item"},
	})
	s.Handle("GET /{$}", func(rq *web.Request) {
		m := map[string]string{"a": "<b>"}
		s.Render(rq, http.StatusOK, "home", "Home", nil, web.KV{M: m, Keys: web.SortedKeys(m)})
	})
	item := func(rq *web.Request) {
		v := rq.R.PathValue("id") + "|" + rq.R.PathValue("path") + "|" + rq.Query.Get("q")
		crumbs := []web.Link{{Text: "Items", URL: s.Prefix()}, {Text: v}}
		s.Render(rq, http.StatusOK, "item", "Item", crumbs, v)
	}
	s.Handle("GET /items/{id}", item)
	s.Handle("GET /items/{id}/files/{path...}", item)
	s.Handle("GET /boom", func(*web.Request) { panic("boom") })
	s.Handle("GET /busy", func(rq *web.Request) { s.ReadFailed(rq, "items", errors.New("locked"), true) })
	s.Handle("GET /cancelled", func(rq *web.Request) {
		s.ReadFailed(rq, "items", context.Canceled, false)
	})
	s.Handle("GET /broken", func(rq *web.Request) { s.ReadFailed(rq, "items", errors.New("disk on fire"), false) })
	s.Handle("GET /file", func(rq *web.Request) {
		s.Attachment(rq, "a b\".html", "sha256:00", 5, strings.NewReader("<b>x"))
	})
	return s
}

func TestRouting(t *testing.T) {
	var log bytes.Buffer
	s := newSite("/ui/", &log)
	tests := []struct {
		name     string
		method   string
		target   string
		status   int
		want     string // in the HTML body
		header   map[string]string
		logged   bool
		jsonWant string // in the JSON body
	}{
		{name: "home", method: "GET", target: "/ui/", status: 200, want: `<td class="wrap">&lt;b&gt;</td>`},
		{name: "item", method: "GET", target: "/ui/items/7?q=x", status: 200, want: `<p class="item">7||x</p>`, jsonWant: `"7||x"`},
		{name: "escaped slash in a segment", method: "GET", target: "/ui/items/a%2Fb", status: 200, want: `<p class="item">a/b||</p>`},
		{name: "rest of the path", method: "GET", target: "/ui/items/7/files/a/b%20c", status: 200, want: `<p class="item">7|a/b c|</p>`},
		{name: "head", method: "HEAD", target: "/ui/items/7", status: 200},
		{name: "post", method: "POST", target: "/ui/", status: 405, want: "only GET, HEAD", header: map[string]string{"Allow": "GET, HEAD"}},
		{name: "delete an item", method: "DELETE", target: "/ui/items/7", status: 405, header: map[string]string{"Allow": "GET, HEAD"}},
		{name: "post elsewhere", method: "POST", target: "/ui/nope", status: 404},
		{name: "unknown page", method: "GET", target: "/ui/nope", status: 404, want: "no such page"},
		{name: "outside the prefix", method: "GET", target: "/else/", status: 404},
		{name: "prefix without its slash", method: "GET", target: "/ui", status: 301, header: map[string]string{"Location": "/ui/"}},
		{name: "empty id", method: "GET", target: "/ui/items/", status: 404},
		{name: "subtree without its slash", method: "GET", target: "/ui/items/7/files", status: 404, header: map[string]string{"Location": ""}},
		{name: "dot dot", method: "GET", target: "/ui/items/7/files/../../x", status: 404, header: map[string]string{"Location": ""}},
		{name: "double slash", method: "GET", target: "/ui//items/7", status: 404},
		{name: "malformed query", method: "GET", target: "/ui/items/7?q=%zz", status: 400, want: "malformed query string"},
		{name: "panic", method: "GET", target: "/ui/boom", status: 500, logged: true},
		{name: "busy", method: "GET", target: "/ui/busy", status: 503, want: "the test database is busy", header: map[string]string{"Retry-After": "1"}},
		{name: "cancelled", method: "GET", target: "/ui/cancelled", status: 503, want: "request cancelled"},
		{name: "broken", method: "GET", target: "/ui/broken", status: 500, want: "reading items failed", logged: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log.Reset()
			w := webtest.Get(t, s, tt.method, tt.target)
			b := webtest.Body(t, w)
			if w.Code != tt.status {
				t.Fatalf("%s %s: status %d, want %d\n%s", tt.method, tt.target, w.Code, tt.status, b)
			}
			if !strings.Contains(b, tt.want) {
				t.Errorf("%s %s: body lacks %q\n%s", tt.method, tt.target, tt.want, b)
			}
			webtest.CheckHeaders(t, w, tt.header)
			if got := log.Len() > 0; got != tt.logged {
				t.Errorf("logged %v, want %v: %s", got, tt.logged, log.String())
			}
			if tt.method == "HEAD" {
				g := webtest.Get(t, s, "GET", tt.target)
				if w.Body.Len() != 0 || w.Header().Get("Content-Length") != g.Header().Get("Content-Length") {
					t.Errorf("HEAD: %d body bytes, Content-Length %q; GET: %q", w.Body.Len(), w.Header().Get("Content-Length"), g.Header().Get("Content-Length"))
				}
				return
			}
			switch {
			case tt.status >= 400:
				webtest.CheckError(t, s, tt.method, tt.target, tt.status)
			case tt.status == http.StatusOK:
				j := webtest.Get(t, s, tt.method, tt.target, "Accept", "application/json")
				if j.Code != tt.status || j.Header().Get("Content-Type") != "application/json; charset=utf-8" || !strings.Contains(j.Body.String(), tt.jsonWant) {
					t.Errorf("JSON: status %d, Content-Type %q, body %s lacks %s", j.Code, j.Header().Get("Content-Type"), j.Body, tt.jsonWant)
				}
			}
		})
	}
}

func TestLayout(t *testing.T) {
	s := newSite("/ui/", new(bytes.Buffer))
	w := webtest.Get(t, s, "GET", "/ui/items/7")
	b := webtest.Body(t, w)
	for _, want := range []string{
		"<title>Item · cairn</title>", `<a class="brand" href="/ui/">cairn</a>`, `<a href="/ui/" class="on">Items</a>`,
		`<a href="/else/">Elsewhere</a>`, `<nav class="crumbs"><a href="/ui/">Items</a><span>7||</span></nav>`,
	} {
		if !strings.Contains(b, want) {
			t.Errorf("page lacks %q\n%s", want, b)
		}
	}
	want := map[string]string{
		"Content-Type": "text/html; charset=utf-8", "Vary": "Accept", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
	}
	webtest.CheckHeaders(t, w, want)
	webtest.CheckPolicy(t, w)
	// The error page's header marks no link as the current one.
	if b := webtest.Body(t, webtest.Get(t, s, "GET", "/ui/nope")); !strings.Contains(b, `<a href="/ui/">Items</a>`) {
		t.Errorf("error page header:\n%s", b)
	}
}

func TestPrefixes(t *testing.T) {
	tests := []struct {
		prefix, clean, target string
		mount                 string // the mux pattern to mount it at
	}{
		{"", "/", "/items/7", "/"},
		{"/", "/", "/items/7", "/"},
		{"dash", "/dash/", "/dash/items/7", "/dash/"},
		{"/a/b/", "/a/b/", "/a/b/items/7", "/a/b/"},
		// Pattern syntax in the prefix is literal text.
		{"/my dash/{x}/", "/my dash/{x}/", "/my%20dash/%7Bx%7D/items/7", "/my%20dash/%7Bx%7D/"},
		{"/{$}/", "/{$}/", "/%7B$%7D/items/7", "/%7B$%7D/"},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			s := newSite(tt.prefix, new(bytes.Buffer))
			if s.Prefix() != tt.clean {
				t.Errorf("Prefix() = %q, want %q", s.Prefix(), tt.clean)
			}
			if w := webtest.Get(t, s, "GET", tt.target); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `<p class="item">7||</p>`) {
				t.Errorf("GET %s: status %d\n%s", tt.target, w.Code, w.Body)
			}
			// Mounted on a mux at its prefix, without stripping it.
			mux := http.NewServeMux()
			mux.Handle(tt.mount, s)
			if w := webtest.Get(t, mux, "GET", tt.target); w.Code != http.StatusOK {
				t.Errorf("through a mux: GET %s: status %d", tt.target, w.Code)
			}
		})
	}
}

func TestAttachment(t *testing.T) {
	s := newSite("/ui/", new(bytes.Buffer))
	w := webtest.Get(t, s, "GET", "/ui/file")
	want := map[string]string{
		"Content-Type":            "application/octet-stream",
		"Content-Disposition":     `attachment; filename="a b\".html"`,
		"Content-Length":          "5",
		"Content-Security-Policy": "default-src 'none'; sandbox",
		"X-Content-Type-Options":  "nosniff",
		"ETag":                    `"sha256:00"`,
		"Cache-Control":           "private, max-age=0",
	}
	webtest.CheckHeaders(t, w, want)
	if b := webtest.Body(t, w); w.Code != http.StatusOK || b != "<b>x" {
		t.Errorf("status %d, body %q", w.Code, b)
	}
	if h := webtest.Get(t, s, "HEAD", "/ui/file"); h.Code != http.StatusOK || h.Body.Len() != 0 || h.Header().Get("Content-Length") != "5" {
		t.Errorf("HEAD: status %d, %d body bytes", h.Code, h.Body.Len())
	}
}

func TestBadPattern(t *testing.T) {
	s := newSite("/ui/", new(bytes.Buffer))
	for _, p := range []string{"GET items", "/items", "GET /items/{id}"} { // the last one is taken
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Handle(%q) did not panic", p)
				}
			}()
			s.Handle(p, func(*web.Request) {})
		}()
	}
}
