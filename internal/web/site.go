package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
)

//go:embed assets/style.css assets/*.tmpl
var assets embed.FS

// Config describes a Site. Name, Home, Store, Templates and Pages are
// required; the rest have the defaults documented on each field.
type Config struct {
	// Name starts every log message, for example "track/ui".
	Name string
	// Prefix is the URL path the Site is mounted at; every link starts
	// with it. It gets a leading and a trailing slash if it lacks them;
	// "" means "/". Requests reach the Site with the prefix in their
	// path: it is never stripped.
	Prefix string
	// Title is the brand at the left of the header; "" means "cairn".
	Title string
	// Home is the text of the header's first link, to the prefix, for
	// example "Experiments".
	Home string
	// Links follow Home in the header.
	Links []Link
	// Store names what the pages read, for the message of a 503 when it
	// is busy: "the tracking database".
	Store string
	// Logger receives a record for each request that fails with a
	// server error. Nil means a logger that discards everything.
	Logger *slog.Logger
	// Templates holds the dashboard's templates in a folder assets: for
	// each of Pages a file assets/<page>.tmpl that defines "content",
	// and optionally assets/parts.tmpl with the snippets the pages
	// share. The page "error" is built in.
	Templates fs.FS
	Pages     []string
	// Funcs are template functions added to the built-in ones (num,
	// full, time, bytes, short, digest, clip, kv, color).
	Funcs template.FuncMap
}

// Link is a link in the header or the breadcrumbs; a crumb without URL
// is the current page.
type Link struct {
	Text string
	URL  string
}

// Links converts a dashboard's own link type, which has the same
// fields, to Links.
func Links[L ~struct {
	Text string
	URL  string
}](ls []L) []Link {
	out := make([]Link, len(ls))
	for i, l := range ls {
		out[i] = Link(l)
	}
	return out
}

// Site routes requests to a dashboard's pages and writes their answers.
// It is safe for concurrent use once its pages are registered; make one
// with New and register every page with Handle before serving.
type Site struct {
	name, home, store string
	prefix            string // cleaned: "/" or "/a/b/"
	root              string // prefix escaped for a ServeMux pattern
	title             string
	links             []Link
	log               *slog.Logger
	mux               *http.ServeMux
	pages             map[string]*template.Template
	css               template.CSS
	csp               string
}

// New returns a Site with no pages registered. It panics if a template
// does not parse: they are embedded, so that is a bug every test finds.
func New(cfg Config) *Site {
	s := &Site{
		name: cfg.Name, home: cfg.Home, store: cfg.Store, prefix: CleanPrefix(cfg.Prefix),
		title: cfg.Title, links: cfg.Links, log: cfg.Logger, mux: http.NewServeMux(),
	}
	if s.title == "" {
		s.title = "cairn"
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	segs := strings.Split(s.prefix, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg) // "{" and "}" become literals, not wildcards
	}
	s.root = strings.Join(segs, "/")
	css, err := assets.ReadFile("assets/style.css")
	if err != nil {
		panic(cfg.Name + ": " + err.Error()) // embedded: cannot happen
	}
	s.css = template.CSS(css)
	sum := sha256.Sum256(css)
	s.csp = "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	s.pages = parsePages(cfg)
	return s
}

// parsePages parses the layout and the parts, shared and the
// dashboard's, with each page's template.
func parsePages(cfg Config) map[string]*template.Template {
	funcs := baseFuncs()
	maps.Copy(funcs, cfg.Funcs)
	layout := template.Must(template.New("layout.tmpl").Funcs(funcs).ParseFS(assets, "assets/layout.tmpl", "assets/parts.tmpl"))
	if _, err := fs.Stat(cfg.Templates, "assets/parts.tmpl"); err == nil {
		template.Must(layout.ParseFS(cfg.Templates, "assets/parts.tmpl"))
	}
	pages := map[string]*template.Template{
		"error": template.Must(template.Must(layout.Clone()).ParseFS(assets, "assets/error.tmpl")),
	}
	for _, name := range cfg.Pages {
		pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(cfg.Templates, "assets/"+name+".tmpl"))
	}
	return pages
}

// CleanPrefix gives p a leading and a trailing slash; "" becomes "/".
func CleanPrefix(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// Prefix returns the cleaned prefix: "/", or a path that starts and
// ends with a slash.
func (s *Site) Prefix() string { return s.prefix }

// Request is one request being served by a page.
type Request struct {
	W http.ResponseWriter
	R *http.Request
	// Ctx is R's context.
	Ctx context.Context
	// Query is the parsed query string; a page is only called when it
	// parses.
	Query url.Values
	// JSON is true when the request prefers application/json to HTML.
	JSON bool
}

// Handle registers page under pattern, a ServeMux pattern whose path is
// relative to the prefix: "GET /runs/{id}", "GET /{$}" for the prefix
// itself. A GET pattern also answers HEAD. A request whose query string
// does not parse gets 400 before page is called.
func (s *Site) Handle(pattern string, page func(*Request)) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || !strings.HasPrefix(path, "/") {
		panic(s.name + ": pattern " + pattern + " is not a method and a path starting with /")
	}
	s.mux.HandleFunc(method+" "+s.root+path[1:], func(w http.ResponseWriter, r *http.Request) {
		rw := w.(*routeWriter) // only ServeHTTP calls the mux
		rw.routed = true
		rq := s.request(rw.w, r)
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			s.Fail(rq, http.StatusBadRequest, "malformed query string: "+err.Error())
			return
		}
		rq.Query = q
		page(rq)
	})
}

func (s *Site) request(w http.ResponseWriter, r *http.Request) *Request {
	return &Request{W: w, R: r, Ctx: r.Context(), JSON: WantsJSON(r)}
}

// routeWriter stands between the mux and the response. A page gets the
// real ResponseWriter; when no page matched, the mux's own answer (404,
// 405 with Allow, or a redirect to a cleaned path) lands here instead,
// for ServeHTTP to turn into an error page.
type routeWriter struct {
	w      http.ResponseWriter
	routed bool
	hdr    http.Header
	status int
}

func (rw *routeWriter) Header() http.Header         { return rw.hdr }
func (rw *routeWriter) Write(b []byte) (int, error) { return len(b), nil }
func (rw *routeWriter) WriteHeader(status int)      { rw.status = status }

// ServeHTTP implements http.Handler: it serves the page whose pattern
// matches the request. A path that a pattern matches with another
// method gets 405 with the Allow header the ServeMux computes; any other
// path 404 (a path that is not clean too: the Site does not redirect
// it). The prefix without its trailing slash redirects to the prefix.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Vary", "Accept")
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error(s.name+": panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			s.Fail(s.request(w, r), http.StatusInternalServerError, "internal error")
		}
	}()
	if r.URL.Path+"/" == s.prefix {
		http.Redirect(w, r, s.prefix, http.StatusMovedPermanently)
		return
	}
	rw := &routeWriter{w: w, hdr: http.Header{}}
	s.mux.ServeHTTP(rw, r)
	if rw.routed {
		return
	}
	rq := s.request(w, r)
	if allow := rw.hdr.Get("Allow"); rw.status == http.StatusMethodNotAllowed && allow != "" {
		w.Header().Set("Allow", allow)
		s.Fail(rq, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed here, only "+allow+": these pages only read")
		return
	}
	s.Fail(rq, http.StatusNotFound, "no such page")
}
