package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/registry"
)

//go:embed assets/style.css assets/*.tmpl
var assets embed.FS

// Options configures a Handler. The zero value serves the registry's
// pages at the root of the site with the defaults documented on each
// field.
type Options struct {
	// Prefix is the URL path the Handler is mounted at, for example
	// "/ui/registry/"; every link it writes starts with it. It gets a
	// leading and a trailing slash if it lacks them; "" means "/". Mount
	// the Handler at the same path without stripping it:
	// mux.Handle(prefix, h).
	Prefix string
	// Title is the name shown at the left of the header; "" means "cairn".
	Title string
	// Links are added to the header after "Models", for example a link to
	// the tracking dashboard (track/ui).
	Links []Link
	// RunURL, if not nil, gives the page of the run that made a version
	// (a version's lineage); track/ui's Handler.RunURL fits. Nil shows
	// the run id as text.
	RunURL func(runID string) string
	// DatasetURL, if not nil, gives a page about the data set with a
	// digest, for example track/ui's Handler.DatasetURL (the runs that
	// used it). Nil links a digest to this Handler's own page of the
	// versions trained on it.
	DatasetURL func(digest string) string
	// Logger receives a record for each request that fails with a server
	// error (5xx). Nil means a logger that discards everything.
	Logger *slog.Logger
}

// Link is a link shown in the header of every page.
type Link struct {
	Text string
	URL  string
}

// Handler serves the model registry's pages: the models, each model's
// versions, aliases and alias history, and each version's lineage, as
// HTML, or as JSON when the request asks for it (Accept:
// application/json). It only reads the Registry. A Handler is safe for
// concurrent use; make one with New.
type Handler struct {
	reg    *registry.Registry
	opts   Options
	prefix string
	log    *slog.Logger
	pages  map[string]*template.Template
	css    template.CSS
	csp    string
}

// New returns a Handler that shows the models of reg. It never writes to
// reg. In the registry's Shared mode each page is a few short read
// transactions; a page that finds the file busy for longer than the
// Registry's Timeout answers 503.
func New(reg *registry.Registry, opts Options) *Handler {
	h := &Handler{reg: reg, opts: opts, prefix: cleanPrefix(opts.Prefix), log: opts.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.opts.Title == "" {
		h.opts.Title = "cairn"
	}
	css, err := assets.ReadFile("assets/style.css")
	if err != nil {
		panic("registry/ui: " + err.Error()) // embedded: cannot happen
	}
	h.css = template.CSS(css)
	sum := sha256.Sum256(css)
	h.csp = "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	layout := template.Must(template.New("layout.tmpl").Funcs(h.funcs()).ParseFS(assets, "assets/layout.tmpl", "assets/parts.tmpl"))
	h.pages = map[string]*template.Template{}
	for _, name := range []string{"models", "model", "version", "versions", "error"} {
		h.pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(assets, "assets/"+name+".tmpl"))
	}
	return h
}

func cleanPrefix(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// ModelURL returns the path of a model's page.
func (h *Handler) ModelURL(name string) string {
	return h.prefix + "models/" + url.PathEscape(name)
}

// VersionURL returns the path of a version's page.
func (h *Handler) VersionURL(name string, version int) string {
	return h.ModelURL(name) + "/versions/" + strconv.Itoa(version)
}

// RunVersionsURL returns the path of the page listing the versions
// registered from a run. track/ui's Options.ModelURL can be set to it.
func (h *Handler) RunVersionsURL(runID string) string {
	return h.prefix + "runs/" + url.PathEscape(runID)
}

// DatasetVersionsURL returns the path of the page listing the versions
// trained on the data set with the given digest.
func (h *Handler) DatasetVersionsURL(digest string) string {
	return h.prefix + "datasets/" + url.PathEscape(digest)
}

func (h *Handler) runURL(id string) string {
	if id == "" || h.opts.RunURL == nil {
		return ""
	}
	return h.opts.RunURL(id)
}

func (h *Handler) datasetURL(digest string) string {
	switch {
	case digest == "":
		return ""
	case h.opts.DatasetURL != nil:
		return h.opts.DatasetURL(digest)
	}
	return h.DatasetVersionsURL(digest)
}

type request struct {
	w    http.ResponseWriter
	r    *http.Request
	ctx  context.Context
	json bool
}

// ServeHTTP implements http.Handler. It answers GET and HEAD (405
// otherwise), 404 for paths, models and versions it does not know.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rq := &request{w: w, r: r, ctx: r.Context(), json: wantsJSON(r)}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("registry/ui: panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			h.fail(rq, http.StatusInternalServerError, "internal error")
		}
	}()
	w.Header().Set("Vary", "Accept")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.fail(rq, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed: these pages only read")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, h.prefix)
	if !ok {
		if r.URL.Path+"/" == h.prefix {
			http.Redirect(w, r, h.prefix, http.StatusMovedPermanently)
			return
		}
		h.fail(rq, http.StatusNotFound, "no such page")
		return
	}
	if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
		h.fail(rq, http.StatusBadRequest, "malformed query string: "+err.Error())
		return
	}
	// Model names hold no '/', so the decoded path splits cleanly.
	p := strings.Split(rest, "/")
	switch {
	case rest == "":
		h.models(rq)
	case len(p) == 2 && p[0] == "models" && p[1] != "":
		h.model(rq, p[1])
	case len(p) == 4 && p[0] == "models" && p[2] == "versions" && p[3] != "":
		h.version(rq, p[1], p[3])
	case len(p) == 5 && p[0] == "models" && p[2] == "versions" && p[4] == "download":
		h.download(rq, p[1], p[3])
	case len(p) == 2 && p[0] == "runs" && p[1] != "":
		h.byRun(rq, p[1])
	case len(p) == 2 && p[0] == "datasets" && p[1] != "":
		h.byDataset(rq, p[1])
	default:
		h.fail(rq, http.StatusNotFound, "no such page")
	}
}

// wantsJSON reports whether the request prefers application/json to
// HTML: its Accept header names application/json with a quality above
// that of text/html (or of */* when text/html is not named), or the
// query has format=json.
func wantsJSON(r *http.Request) bool {
	if strings.Contains(r.URL.RawQuery, "format=json") {
		if q, err := url.ParseQuery(r.URL.RawQuery); err == nil && q.Get("format") == "json" {
			return true
		}
	}
	jsonQ, htmlQ, anyQ := -1.0, -1.0, -1.0
	for _, part := range strings.Split(strings.Join(r.Header.Values("Accept"), ","), ",") {
		fields := strings.Split(part, ";")
		mt := strings.ToLower(strings.TrimSpace(fields[0]))
		qv := 1.0
		for _, f := range fields[1:] {
			if v, ok := strings.CutPrefix(strings.TrimSpace(f), "q="); ok {
				if x, err := strconv.ParseFloat(v, 64); err == nil && x >= 0 && x <= 1 {
					qv = x
				}
			}
		}
		switch mt {
		case "application/json":
			jsonQ = max(jsonQ, qv)
		case "text/html", "application/xhtml+xml":
			htmlQ = max(htmlQ, qv)
		case "*/*", "text/*":
			anyQ = max(anyQ, qv)
		}
	}
	if htmlQ < 0 {
		htmlQ = anyQ
	}
	return jsonQ > 0 && jsonQ > htmlQ
}

type layout struct {
	Title  string
	Brand  string
	Home   string
	Nav    []navLink
	Crumbs []Link
	CSS    template.CSS
	Page   any
}

type navLink struct {
	Link
	On bool
}

// render writes a page: data as JSON, or the page's template around it,
// rendered into a buffer first so that a failing template never leaves
// half a page.
func (h *Handler) render(rq *request, status int, page, title string, crumbs []Link, data any) {
	hdr := rq.w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "same-origin")
	var buf bytes.Buffer
	if rq.json {
		enc := json.NewEncoder(&buf)
		// Compact, like track/ui's JSON.
		if err := enc.Encode(data); err != nil {
			h.log.Error("registry/ui: encode json", "path", rq.r.URL.Path, "err", err)
			status, buf = http.StatusInternalServerError, *bytes.NewBufferString(`{"error":{"status":500,"message":"internal error"}}` + "\n")
		}
		hdr.Set("Content-Type", "application/json; charset=utf-8")
	} else {
		nav := []navLink{{Link: Link{Text: "Models", URL: h.prefix}, On: page != "error"}}
		for _, l := range h.opts.Links {
			nav = append(nav, navLink{Link: l})
		}
		lay := layout{Title: title, Brand: h.opts.Title, Home: h.prefix, Nav: nav, Crumbs: crumbs, CSS: h.css, Page: data}
		if err := h.pages[page].ExecuteTemplate(&buf, "layout.tmpl", lay); err != nil {
			h.log.Error("registry/ui: render", "page", page, "err", err)
			status, buf = http.StatusInternalServerError, *bytes.NewBufferString("internal error\n")
			hdr.Set("Content-Type", "text/plain; charset=utf-8")
		} else {
			hdr.Set("Content-Type", "text/html; charset=utf-8")
			hdr.Set("Content-Security-Policy", h.csp)
		}
	}
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	rq.w.WriteHeader(status)
	if rq.r.Method != http.MethodHead {
		rq.w.Write(buf.Bytes())
	}
}

type problem struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
}

type errorBody struct {
	Error *problem `json:"error"`
}

func (h *Handler) fail(rq *request, status int, msg string) {
	h.render(rq, status, "error", http.StatusText(status), nil, errorBody{Error: &problem{Status: status, Message: msg}})
}

// regError answers a request whose registry call failed with err.
func (h *Handler) regError(rq *request, what string, err error) {
	switch {
	case errors.Is(err, registry.ErrNotFound), errors.Is(err, registry.ErrInvalid), errors.Is(err, registry.ErrBadRef):
		h.fail(rq, http.StatusNotFound, what+" not found")
	case errors.Is(err, registry.ErrLocked):
		rq.w.Header().Set("Retry-After", "1")
		h.fail(rq, http.StatusServiceUnavailable, "the registry database is busy; try again")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		h.fail(rq, http.StatusServiceUnavailable, "request cancelled")
	default:
		h.log.Error("registry/ui: registry", "path", rq.r.URL.Path, "err", err)
		h.fail(rq, http.StatusInternalServerError, "reading "+what+" failed")
	}
}
