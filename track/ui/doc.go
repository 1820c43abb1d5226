// Package ui is a dashboard for a track.Store: an http.Handler that shows
// every experiment, run, metric history and tuning study in a browser, as
// MLflow's tracking UI does, with server-rendered HTML, inline SVG charts
// and no JavaScript. It only reads the Store, and imports nothing of
// cairn's but track.
//
// # Basics
//
// [New] makes a [*Handler] for a Store; mount it at [Options.Prefix]
// (without stripping the prefix):
//
//	h := ui.New(st, ui.Options{Prefix: "/ui/"})
//	mux.Handle("/ui/", h)
//
// Every link it writes starts with the prefix. [Handler.RunURL],
// [Handler.ExperimentURL], [Handler.CompareURL], [Handler.SearchURL] and
// [Handler.DatasetURL] give the paths of its pages to other code: the
// model registry's pages (registry/ui) link a model version to its run
// with RunURL and to the runs that used its data with DatasetURL; in the
// other direction [Options.ModelURL] links a run to the versions
// registered from it.
//
// # Pages
//
// Paths are relative to the prefix (the Handler routes them with a Go
// http.ServeMux): {id} stands for one path segment, {path} for the rest
// of the path.
//
//	""                         the experiments
//	experiments/{id}           an experiment's runs table
//	runs                       the runs of every experiment
//	runs/{id}                  a run
//	runs/{id}/artifacts/{path} an artifact's content, as a download
//	compare?run={id}&run={id}  runs side by side (2 to MaxCompare)
//
// A runs table has a column per param and per latest metric of the runs
// it shows. Its query string takes filter (the grammar of
// track.Store.SearchRuns: "metrics.f1 > 0.9 AND params.solver = 'lbfgs'"),
// order (repeatable, "metrics.f1 DESC"), limit, page (the token of the
// next page) and view (active, deleted or all). Column headers sort by
// the column. A filter that does not parse is shown back with the column
// where it went wrong marked, and answered 400. A run whose parent is on
// the same page is nested under it.
//
// A run page shows its attributes, params, tags, the data sets it used
// (with their digests, each a link to the runs that used the same data),
// its artifacts (downloads), a chart of each metric's history (metrics
// logged once share one bar chart) and the runs nested under it. The
// comparison lines up attributes, params, latest metrics and tags, marks
// the rows that differ (diff=1 shows only those), and overlays each
// metric's histories, a line per run (a bar per run for metrics logged
// once).
//
// # Tuning studies
//
// A run with child runs that log a common metric is shown as a tuning
// study: the optimisation history (the objective of each trial, and the
// best so far of the finished ones) and the importance of each parameter.
// The objective is the metric named by the query parameter objective, or
// by the parent's tag [track.TagTuneObjective], or else the metric most
// children log (first by name). The direction is the query's direction,
// or the parent's tag [track.TagTuneDirection], or else a guess from the
// name: minimise names holding loss, err, mse, mae, time, latency, cost
// or regret, else maximise. Trials are numbered by their tag
// [track.TagTuneTrial] when every child has a distinct one, else in
// order of start. Only finished trials count towards the best. A tuner
// sets these tags and imports only track.
//
// Parameter importance is computed here from the finished children's
// params and objective values, by a simple main-effect measure (not
// fANOVA; it attributes nothing to interactions). The objective values
// are replaced by their ranks. For each parameter, the trials that have
// it are grouped: by value when some value is not a number, else into
// about cbrt(n) bins (2 to 10) of equal count of the sorted numbers
// (equal numbers share a bin). Its effect is the omega squared of a
// one-way analysis of variance of the ranks over the groups, (SSb -
// (g-1) MSw) / (SSt + MSw), clipped to [0, 1]: the share of the variance
// the groups explain, less what g groups of noise would explain by
// chance. Importance is each effect over the sum of the effects. It needs
// 4 finished trials; a parameter in fewer, or with one value, gets 0.
// With a few dozen trials expect only the strong effects to stand out.
//
// # JSON
//
// Every page answers with JSON instead of HTML when the request's Accept
// header prefers application/json to text/html (or the query has
// format=json): the same data the page shows, with ids, names, params,
// latest metrics, the full metric histories of a run page, and each
// page's links under "url". Metric values are JSON numbers, or the
// strings "NaN", "+Inf" and "-Inf". Errors are
// {"error": {"status": 400, "message": "...", "input": "...", "column": 14}}
// (input and column only for a filter or order that does not parse).
//
// # Safety
//
// Names, params, tags, metric keys and data set fields are user input:
// html/template escapes them in every page, and the chart code escapes
// every string it writes into SVG. Pages send a Content-Security-Policy
// that allows no script at all and only the page's own stylesheet (by
// hash). Artifacts are sent as application/octet-stream attachments
// under a sandbox policy, never rendered in the dashboard's origin. The
// pages answer only GET and HEAD (405 with Allow on a page's path
// otherwise), 404 for unknown paths, ids and artifacts (an id or path
// that cannot be one, too), 400 for a query it cannot use; no path or
// query string makes it panic or answer 500 (a fuzz test sends it
// arbitrary ones). When the Store is opened in Shared mode and the file
// stays busy past its Timeout, a page answers 503 with Retry-After.
//
// # Performance
//
// A runs table of 100 runs with 30 columns renders in about 10 ms, a run
// page with 50,000 metric points in about 30 ms (each chart thinned to
// 800 points); README.md has the figures and what the time goes to.
// They come from
//
//	go test -run '^$' -bench . -benchtime 2s -count 3 ./track/ui/
package ui
