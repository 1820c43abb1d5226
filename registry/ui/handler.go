package ui

import (
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cairn-ml/cairn/internal/web"
	"github.com/cairn-ml/cairn/registry"
)

//go:embed assets/*.tmpl
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
	site   *web.Site
}

// New returns a Handler that shows the models of reg. It never writes to
// reg. In the registry's Shared mode each page is a few short read
// transactions; a page that finds the file busy for longer than the
// Registry's Timeout answers 503.
func New(reg *registry.Registry, opts Options) *Handler {
	h := &Handler{reg: reg, opts: opts}
	h.site = web.New(web.Config{
		Name: "registry/ui", Prefix: opts.Prefix, Title: opts.Title, Home: "Models", Links: web.Links(opts.Links),
		Store: "the registry database", Logger: opts.Logger,
		Templates: assets, Pages: []string{"models", "model", "version", "versions"}, Funcs: h.funcs(),
	})
	h.prefix = h.site.Prefix()
	// Model names hold no '/'; one that does (escaped as %2F) is not
	// found.
	h.site.Handle("GET /{$}", h.models)
	h.site.Handle("GET /models/{name}", func(rq *web.Request) { h.model(rq, rq.R.PathValue("name")) })
	h.site.Handle("GET /models/{name}/versions/{ref}", func(rq *web.Request) {
		h.version(rq, rq.R.PathValue("name"), rq.R.PathValue("ref"))
	})
	h.site.Handle("GET /models/{name}/versions/{ref}/download", func(rq *web.Request) {
		h.download(rq, rq.R.PathValue("name"), rq.R.PathValue("ref"))
	})
	h.site.Handle("GET /runs/{id}", func(rq *web.Request) { h.byRun(rq, rq.R.PathValue("id")) })
	h.site.Handle("GET /datasets/{digest}", func(rq *web.Request) { h.byDataset(rq, rq.R.PathValue("digest")) })
	return h
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

// ServeHTTP implements http.Handler. The pages answer GET and HEAD (405
// with Allow for another method), 404 for paths, models and versions
// they do not know, 400 for a malformed query string.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.site.ServeHTTP(w, r) }

// regError answers a request whose registry call failed with err.
func (h *Handler) regError(rq *web.Request, what string, err error) {
	switch {
	case errors.Is(err, registry.ErrNotFound), errors.Is(err, registry.ErrInvalid), errors.Is(err, registry.ErrBadRef):
		h.site.Fail(rq, http.StatusNotFound, what+" not found")
	default:
		h.site.ReadFailed(rq, what, err, errors.Is(err, registry.ErrLocked))
	}
}
