package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/track"
)

//go:embed assets/style.css assets/*.tmpl
var assets embed.FS

// Defaults of Options.
const (
	DefaultPageSize  = 100  // runs per page of a runs table
	DefaultMaxTrials = 1000 // child runs read for a parent run's page
	MaxCompare       = 32   // the most runs one comparison shows
)

// Options configures a Handler. The zero value serves the dashboard at
// the root of the site with the defaults documented on each field.
type Options struct {
	// Prefix is the URL path the Handler is mounted at, for example
	// "/ui/"; every link it writes starts with it. It gets a leading and
	// a trailing slash if it lacks them; "" means "/". Mount the Handler
	// at the same path without stripping it: mux.Handle(prefix, h).
	Prefix string
	// Title is the name shown at the left of the header; "" means "cairn".
	Title string
	// Links are added to the header after "Experiments", for example a
	// link to the model registry's pages.
	Links []Link
	// ModelURL, if not nil, gives the page that lists the model versions
	// registered from a run; a run page links to it. registry/ui's
	// Handler.RunVersionsURL fits. Nil means no link.
	ModelURL func(runID string) string
	// PageSize is the number of runs a runs table shows per page (the
	// limit query parameter overrides it). Zero means DefaultPageSize.
	PageSize int
	// MaxTrials bounds the child runs read for a parent run's page, its
	// optimisation history and parameter importance. Zero means
	// DefaultMaxTrials; at most track.MaxSearchLimit.
	MaxTrials int
	// Logger receives a record for each request that fails with a server
	// error (5xx). Nil means a logger that discards everything.
	Logger *slog.Logger
}

// Link is a link shown in the header of every page.
type Link struct {
	Text string
	URL  string
}

// Handler serves the tracking dashboard: the experiments, their runs,
// each run, comparisons of runs and tuning studies, as HTML pages, or as
// JSON when the request asks for it (Accept: application/json). It only
// reads the Store. A Handler is safe for concurrent use; make one with
// New.
type Handler struct {
	st     *track.Store
	opts   Options
	prefix string
	log    *slog.Logger
	pages  map[string]*template.Template
	css    template.CSS
	csp    string
}

// New returns a Handler that shows the runs of st. It never writes to
// st. In the Shared mode of track, each page is a few short read
// transactions; a page that finds the file busy for longer than the
// Store's Timeout answers 503.
func New(st *track.Store, opts Options) *Handler {
	h := &Handler{st: st, opts: opts, prefix: cleanPrefix(opts.Prefix), log: opts.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.opts.Title == "" {
		h.opts.Title = "cairn"
	}
	if h.opts.PageSize <= 0 {
		h.opts.PageSize = DefaultPageSize
	}
	h.opts.PageSize = min(h.opts.PageSize, track.MaxSearchLimit)
	if h.opts.MaxTrials <= 0 {
		h.opts.MaxTrials = DefaultMaxTrials
	}
	h.opts.MaxTrials = min(h.opts.MaxTrials, track.MaxSearchLimit)
	css, err := assets.ReadFile("assets/style.css")
	if err != nil {
		panic("track/ui: " + err.Error()) // embedded: cannot happen
	}
	h.css = template.CSS(css)
	sum := sha256.Sum256(css)
	h.csp = "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	h.pages = parsePages(h.funcs())
	return h
}

// parsePages parses the layout with each page's template. The templates
// are embedded, so an error is a bug caught by every test.
func parsePages(funcs template.FuncMap) map[string]*template.Template {
	layout := template.Must(template.New("layout.tmpl").Funcs(funcs).ParseFS(assets, "assets/layout.tmpl", "assets/parts.tmpl"))
	pages := map[string]*template.Template{}
	for _, name := range []string{"experiments", "runs", "run", "compare", "error"} {
		pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(assets, "assets/"+name+".tmpl"))
	}
	return pages
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

// ExperimentURL returns the path of an experiment's runs table.
func (h *Handler) ExperimentURL(id string) string {
	return h.prefix + "experiments/" + url.PathEscape(id)
}

// RunURL returns the path of a run's page. registry/ui's
// Options.RunURL can be set to it.
func (h *Handler) RunURL(id string) string { return h.prefix + "runs/" + url.PathEscape(id) }

// CompareURL returns the path of the page that compares the given runs.
func (h *Handler) CompareURL(ids ...string) string {
	v := url.Values{"run": ids}
	return h.prefix + "compare?" + v.Encode()
}

// SearchURL returns the path of the runs table of every experiment,
// filtered with filter (the grammar of track.Store.SearchRuns).
func (h *Handler) SearchURL(filter string) string {
	if filter == "" {
		return h.prefix + "runs"
	}
	return h.prefix + "runs?" + url.Values{"filter": {filter}}.Encode()
}

// DatasetURL returns the path of the runs table of the runs, in every
// experiment, that logged an input with the given digest. registry/ui's
// Options.DatasetURL can be set to it.
func (h *Handler) DatasetURL(digest string) string {
	return h.SearchURL("datasets.digest = " + quoteString(digest))
}

func (h *Handler) artifactURL(runID, path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return h.RunURL(runID) + "/artifacts/" + strings.Join(segs, "/")
}

// request is one request being served.
type request struct {
	w    http.ResponseWriter
	r    *http.Request
	ctx  context.Context
	q    url.Values
	json bool
}

// ServeHTTP implements http.Handler. It answers GET and HEAD (405
// otherwise), 404 for paths and ids it does not know, 400 for query
// strings it cannot use.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rq := &request{w: w, r: r, ctx: r.Context(), json: wantsJSON(r)}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("track/ui: panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			h.fail(rq, http.StatusInternalServerError, "internal error")
		}
	}()
	w.Header().Set("Vary", "Accept")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.fail(rq, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed: the dashboard only reads")
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
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		h.fail(rq, http.StatusBadRequest, "malformed query string: "+err.Error())
		return
	}
	rq.q = q
	parts := strings.Split(rest, "/")
	switch {
	case rest == "":
		h.experiments(rq)
	case rest == "runs":
		h.runs(rq, "")
	case rest == "compare":
		h.compare(rq)
	case len(parts) == 2 && parts[0] == "experiments" && parts[1] != "":
		h.runs(rq, parts[1])
	case len(parts) == 2 && parts[0] == "runs" && parts[1] != "":
		h.run(rq, parts[1])
	case len(parts) >= 4 && parts[0] == "runs" && parts[2] == "artifacts":
		h.artifact(rq, parts[1], strings.Join(parts[3:], "/"))
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

// layout is what the layout template sees.
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

// render writes a page: data as JSON, or the page's template around it.
// The body is rendered into a buffer first, so a failing template never
// leaves half a page.
func (h *Handler) render(rq *request, status int, page, title string, crumbs []Link, data any) {
	hdr := rq.w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "same-origin")
	var buf bytes.Buffer
	if rq.json {
		enc := json.NewEncoder(&buf)
		// Compact: a run page can hold many thousands of points.
		if err := enc.Encode(data); err != nil {
			h.log.Error("track/ui: encode json", "path", rq.r.URL.Path, "err", err)
			status, buf = http.StatusInternalServerError, *bytes.NewBufferString(`{"error":{"status":500,"message":"internal error"}}` + "\n")
		}
		hdr.Set("Content-Type", "application/json; charset=utf-8")
	} else {
		nav := []navLink{{Link: Link{Text: "Experiments", URL: h.prefix}, On: page != "error"}}
		for _, l := range h.opts.Links {
			nav = append(nav, navLink{Link: l})
		}
		lay := layout{Title: title, Brand: h.opts.Title, Home: h.prefix, Nav: nav, Crumbs: crumbs, CSS: h.css, Page: data}
		if err := h.pages[page].ExecuteTemplate(&buf, "layout.tmpl", lay); err != nil {
			h.log.Error("track/ui: render", "page", page, "err", err)
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

// problem is an error as a page shows it and JSON reports it.
type problem struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	// Input and Column locate a query that did not parse: the filter or
	// order-by clause as given, and the 1-based character where it went
	// wrong.
	Param  string `json:"param,omitempty"`
	Input  string `json:"input,omitempty"`
	Column int    `json:"column,omitempty"`
}

// Before, At and After split Input around Column, for the page to mark.
func (p *problem) Before() string { b, _, _ := p.split(); return b }
func (p *problem) At() string     { _, a, _ := p.split(); return a }
func (p *problem) After() string  { _, _, a := p.split(); return a }

// Caret is a line of spaces and a ^ under Column.
func (p *problem) Caret() string {
	if p.Column < 1 {
		return ""
	}
	return strings.Repeat(" ", p.Column-1) + "^"
}

func (p *problem) split() (before, at, after string) {
	runes := []rune(p.Input)
	i := min(max(p.Column-1, 0), len(runes))
	if i == len(runes) {
		return p.Input, " ", ""
	}
	return string(runes[:i]), string(runes[i]), string(runes[i+1:])
}

type errorBody struct {
	Error *problem `json:"error"`
}

func (h *Handler) fail(rq *request, status int, msg string) {
	h.failWith(rq, &problem{Status: status, Message: msg})
}

func (h *Handler) failWith(rq *request, p *problem) {
	title := http.StatusText(p.Status)
	h.render(rq, p.Status, "error", title, nil, errorBody{Error: p})
}

// storeError answers a request whose store call failed with err.
func (h *Handler) storeError(rq *request, what string, err error) {
	var pe *track.ParseError
	switch {
	case errors.As(err, &pe):
		h.failWith(rq, &problem{Status: http.StatusBadRequest, Message: pe.Msg, Input: pe.Input, Column: pe.Column})
	case errors.Is(err, track.ErrNotFound), errors.Is(err, track.ErrInvalid):
		h.fail(rq, http.StatusNotFound, what+" not found")
	case errors.Is(err, track.ErrBadPageToken), errors.Is(err, track.ErrBadQuery):
		h.fail(rq, http.StatusBadRequest, err.Error())
	case errors.Is(err, track.ErrLocked):
		rq.w.Header().Set("Retry-After", "1")
		h.fail(rq, http.StatusServiceUnavailable, "the tracking database is busy; try again")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		h.fail(rq, http.StatusServiceUnavailable, "request cancelled")
	default:
		h.log.Error("track/ui: store", "path", rq.r.URL.Path, "err", err)
		h.fail(rq, http.StatusInternalServerError, fmt.Sprintf("reading %s failed", what))
	}
}
