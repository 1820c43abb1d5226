package ui

import (
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/cairn-ml/cairn/internal/web"
	"github.com/cairn-ml/cairn/track"
)

//go:embed assets/*.tmpl
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
	site   *web.Site
}

// New returns a Handler that shows the runs of st. It never writes to
// st. In the Shared mode of track, each page is a few short read
// transactions; a page that finds the file busy for longer than the
// Store's Timeout answers 503.
func New(st *track.Store, opts Options) *Handler {
	h := &Handler{st: st, opts: opts}
	if h.opts.PageSize <= 0 {
		h.opts.PageSize = DefaultPageSize
	}
	h.opts.PageSize = min(h.opts.PageSize, track.MaxSearchLimit)
	if h.opts.MaxTrials <= 0 {
		h.opts.MaxTrials = DefaultMaxTrials
	}
	h.opts.MaxTrials = min(h.opts.MaxTrials, track.MaxSearchLimit)
	h.site = web.New(web.Config{
		Name: "track/ui", Prefix: opts.Prefix, Title: opts.Title, Home: "Experiments", Links: web.Links(opts.Links),
		Store: "the tracking database", Logger: opts.Logger,
		Templates: assets, Pages: []string{"experiments", "runs", "run", "compare"}, Funcs: h.funcs(),
	})
	h.prefix = h.site.Prefix()
	h.site.Handle("GET /{$}", h.experiments)
	h.site.Handle("GET /experiments/{id}", func(rq *web.Request) { h.runs(rq, rq.R.PathValue("id")) })
	h.site.Handle("GET /runs", func(rq *web.Request) { h.runs(rq, "") })
	h.site.Handle("GET /runs/{id}", func(rq *web.Request) { h.run(rq, rq.R.PathValue("id")) })
	h.site.Handle("GET /runs/{id}/artifacts/{path...}", func(rq *web.Request) {
		h.artifact(rq, rq.R.PathValue("id"), rq.R.PathValue("path"))
	})
	h.site.Handle("GET /compare", h.compare)
	return h
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

// ServeHTTP implements http.Handler. The pages answer GET and HEAD (405
// with Allow for another method), 404 for paths and ids they do not
// know, 400 for query strings they cannot use.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.site.ServeHTTP(w, r) }

// storeError answers a request whose store call failed with err.
func (h *Handler) storeError(rq *web.Request, what string, err error) {
	var pe *track.ParseError
	switch {
	case errors.As(err, &pe):
		h.site.FailWith(rq, &web.Problem{Status: http.StatusBadRequest, Message: strings.TrimPrefix(pe.Err.Error(), track.ErrBadQuery.Error()+": "), Input: pe.Input, Column: pe.Column})
	case errors.Is(err, track.ErrNotFound), errors.Is(err, track.ErrInvalid):
		h.site.Fail(rq, http.StatusNotFound, what+" not found")
	case errors.Is(err, track.ErrBadPageToken), errors.Is(err, track.ErrBadQuery):
		h.site.Fail(rq, http.StatusBadRequest, err.Error())
	default:
		h.site.ReadFailed(rq, what, err, errors.Is(err, track.ErrLocked))
	}
}
