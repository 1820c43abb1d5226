// Package ui shows a registry.Registry in a browser: an http.Handler with
// a page per model (its versions, aliases and the full alias history, as
// a table and as a timeline), a page per version (its lineage: the run
// that made it and the data it was trained on) and lists of the versions
// made from a run or a data set. Pages are server-rendered HTML with an
// inline SVG chart and no JavaScript, and every page also answers as
// JSON. It only reads the Registry, and imports nothing of cairn's but
// registry.
//
// # Basics
//
// [New] makes a [*Handler]; mount it at [Options.Prefix] (without
// stripping the prefix):
//
//	h := ui.New(reg, ui.Options{Prefix: "/ui/registry/", RunURL: runs.RunURL})
//	mux.Handle("/ui/registry/", h)
//
// [Options.RunURL] turns a version's run id into a link, for example to
// track/ui's run page; [Options.DatasetURL] does the same for its data
// digest. [Handler.ModelURL], [Handler.VersionURL],
// [Handler.RunVersionsURL] and [Handler.DatasetVersionsURL] give the
// paths of this Handler's pages; track/ui's Options.ModelURL takes
// RunVersionsURL, so a run's page links to the versions registered from
// it. The example Example_withTrack serves both dashboards under /ui/.
//
// # Pages
//
// Paths are relative to the prefix (the Handler routes them with a Go
// http.ServeMux): {name}, {ref}, {run id} and {digest} each stand for
// one path segment.
//
//	""                                   the models
//	models/{name}                        a model: aliases, versions, alias history
//	models/{name}/versions/{ref}         a version: v3 or 3, latest, or @alias
//	models/{name}/versions/{ref}/download  its bytes, as a download
//	runs/{run id}                        the versions registered from a run
//	datasets/{digest}                    the versions trained on a data set
//
// Names and digests are path-escaped in every link. A run or a data set
// with no versions gets an empty list, not a 404, since the tracker may
// know it well. The alias history shows, for each move, who made it,
// when, from which version to which, why, and which earlier move a
// rollback undid.
//
// # JSON
//
// Every page answers with JSON instead of HTML when the request's Accept
// header prefers application/json to text/html (or the query has
// format=json): the data the page shows, with snake_case names and each
// page's links under "url". Metric values are JSON numbers, or the
// strings "NaN", "+Inf" and "-Inf". Errors are
// {"error": {"status": 404, "message": "..."}}.
//
// # Safety
//
// Model names, descriptions, tags, authors and reasons are user input:
// html/template escapes them everywhere, and the timeline escapes every
// string it writes into SVG. Pages send a Content-Security-Policy that
// allows no script and only the page's own stylesheet (by hash). Model
// bytes are sent as application/octet-stream attachments under a
// sandbox policy. The pages answer only GET and HEAD (405 with Allow on
// a page's path otherwise), 404 for unknown paths, models, versions and
// names, references and digests that cannot be one, 400 for a malformed
// query string, and 503 with Retry-After when a Shared-mode registry
// file stays busy past its Timeout; no path or query string makes it
// panic or answer 500 (a fuzz test sends it arbitrary ones).
package ui
