// Package track records experiments and runs on one bbolt file, with
// MLflow Tracking's model: experiments hold runs; a run has a name, a
// status, start and end times, write-once params, mutable tags, metrics
// with their full history, the data sets it used and content-addressed
// artifacts; runs nest (a tuning study's parent run, a child per trial).
// Runs are found again with [Store.SearchRuns], which takes MLflow's filter
// grammar (plus OR and parentheses) and answers from an index.
//
// # Basics
//
// [Open] opens (or creates) the database; [Store.Experiment] gets or
// creates an experiment by name; [Experiment.StartRun] starts a run and
// returns a [*Run] handle to log to it; [Run.End] ends it.
//
//	st, err := track.Open("cairn-data/cairn.db")
//	defer st.Close()
//	exp, err := st.Experiment(ctx, "breast-cancer")
//	run, err := exp.StartRun(ctx, track.RunOptions{Name: "baseline"})
//	err = run.LogParams(ctx, map[string]string{"C": "1", "solver": "lbfgs"})
//	err = run.LogMetric(ctx, "f1", 0.97, 0)
//	err = run.End(ctx, track.StatusFinished)
//
// A tuning study is a parent run with a child per trial:
// [Run.StartChild] from the tuner's callback, from as many goroutines as
// run trials. Every method is one bbolt transaction; [Run.Log] stores a
// [Batch] of params, metrics and tags in one. Store and Run are safe for
// concurrent use. [Store.RunRecord] and [Run.Record] return a snapshot, a
// [RunRecord]; [Store.MetricHistory] a metric's every value.
//
// # Runs
//
// A run starts Running and ends Finished, Failed or Killed ([Status]).
// Params are strings and write-once: logging a different value for a key
// fails with [ErrParamConflict] (the same value again is a no-op). Tags
// can change. Each metric keeps every value logged (key, value, step,
// time) and a latest value chosen as MLflow does: the largest step, then
// the latest time, then the largest value. [Run.LogInput] records the data
// sets a run used (name, version, digest, source, context), like MLflow's
// log_input. [Run.LogArtifact] stores a file under a relative path that
// may not escape the run ("..", absolute paths and backslashes are
// refused).
//
// [Experiment.StartRun] records reproducibility tags (see [ReproTags]):
// the Go version, the main module and its version, the VCS revision and
// dirty flag that debug.ReadBuildInfo knows (binaries built with `go
// build` from a git checkout; `go run` and `go test` leave VCS stamping
// out), the host, the user and RunOptions.Source, under cairn.* names
// modelled on MLflow's mlflow.source.* tags.
//
// Keys are 1 to [MaxNameLen] bytes; no stored string may hold a NUL byte
// or invalid UTF-8. A run's id is 32 lower-case hex characters (a UUIDv7,
// so ids sort by start time); experiment ids are "1", "2", ...
//
// # Search
//
// [Store.SearchRuns] takes a filter such as
//
//	metrics.f1 > 0.95 AND params.solver = 'lbfgs' AND tags.stage != 'dev'
//
// Columns are metrics.<key> (the latest value; numbers), params.<key> and
// tags.<key> (strings), attributes.<name> (run_id, run_name, status,
// parent_run_id: strings; start_time, end_time: Unix milliseconds) and
// datasets.<field> (name, version, digest, source, context of any input).
// A key with spaces goes in backticks: metrics.`f1 score`. Operators are
// =, !=, <, <=, >, >= for numbers, and for strings also LIKE, ILIKE
// (case-insensitive), NOT LIKE, NOT ILIKE, IN (...) and NOT IN (...).
// Terms join with AND and, beyond MLflow, with OR and parentheses; AND
// binds tighter than OR, so "a OR b AND c" is "a OR (b AND c)". As in
// MLflow's SQL store, a run that lacks the column compared does not match,
// whatever the operator; NaN equals nothing. attributes.status compares
// case-insensitively ('finished' matches FINISHED), as MLflow does. A
// malformed filter is a [*ParseError] giving the column (in characters)
// where it went wrong.
//
// OrderBy takes several keys, each with ASC or DESC; runs lacking a key's
// value come last in either direction (NaN metrics just before them), and
// ties fall to start_time DESC, then run_id. Pages are keyset pages: the
// token names the last run returned, so runs logged between pages do not
// shift the next one; a token only works with the query that made it.
//
// The index makes searches fast. For each experiment it holds every run
// under each attribute, latest metric, param and tag, sorted by value
// (bucket track/index: experiment, kind, key, value, run id). A search
// uses it in one of three ways: it walks the index of the first order key
// in order, testing each run against the filter, and stops when the page
// is full (when many runs match, this reads about page*N/matches runs);
// or, when an AND-ed filter term selects few runs (fewer than
// sqrt(page*N), which the index counts cheaply), it reads just those and
// sorts them. A walk that reads twice that many runs without filling the
// page has met a filter whose terms each select many runs but few
// together: it goes on with the candidates of the best term (an OR of
// terms is the union of theirs) when they are fewer than a third of the
// runs, and only otherwise, for a filter no index can narrow, reads every
// run in storage order. Equality terms that pin an order
// key make the walk use the next key; terms on one column intersect into
// one range. Filters on params, tags, latest metrics and attributes with
// =, <, <=, >, >=, IN and LIKE 'prefix%' use the index; !=, NOT IN, NOT
// LIKE, LIKE '%...' and datasets.* only filter the runs read.
//
// # Experiments
//
// [Store.Experiment] gets or creates an experiment by name;
// [Store.CreateExperiment] only creates (a taken name is [ErrExists]) and
// [Store.ExperimentByName] only gets. Experiments carry tags
// ([Store.SetExperimentTag]), can be renamed ([Store.RenameExperiment])
// and deleted ([Store.DeleteExperiment]) with all their runs, as MLflow's
// experiments can; [Store.RestoreExperiment] brings back the experiment
// and the runs deleted with it. A run's name, status and end time change
// together with [Run.Update], as MLflow's update_run does.
//
// # Runs whose process died
//
// A run records the process that started it (host, pid, and on Linux the
// process's start time, so that a pid used again is not mistaken for
// it). A trainer killed, crashed or stopped by a broken pipe leaves its
// run Running; [Store.ReapRuns] finds the Running runs whose process is
// gone from this host and marks them Killed, as their status should say.
// Runs started on other hosts are left alone.
//
// # Deleting
//
// [Store.DeleteRun] marks a run deleted, as MLflow does: searches leave it
// out (unless SearchOptions.View asks), writes to it fail with
// [ErrDeleted], and [Store.RestoreRun] brings it back. [Store.GC] removes
// deleted runs for good and then deletes the blobs nothing refers to any
// more: it reads the references of everything that shares the blob store
// (the registry's model versions and dataset's files, when they name the
// same folder), so it never takes what another package still needs.
//
// # Storage
//
// The records live in the storage core's records store: by default one
// bbolt file, whose buckets are all named "track/..." so that the
// registry (and tune's studies) can keep theirs in the same file. Artifact
// content goes to a blob store (Options.Blobs, by default the folder that
// holds the database file): blob sha256:<hex> is the file
// objects/<hex[:2]>/<hex[2:]>, written to a temporary file, fsynced and
// renamed, and checked against its digest on every read, so a damaged
// blob is reported ([ErrCorrupt]) and never returned.
//
// Every change is one transaction, fsynced on commit, so a process killed
// at any point (SIGKILL included) leaves a file that opens with every
// committed run and metric intact. A run is marked Finished only by
// [Run.End], in its own transaction after everything logged before it: a
// run whose process died stays Running, never half-written and Finished.
// The tests kill a logging subprocess to show it. A file damaged on disk
// (truncated, emptied, overwritten) is an error wrapping [ErrCorrupt],
// never a crash.
//
// The embedded engine is the product: one machine, no server. A team that
// wants everyone's runs in one place switches by location, without
// changing code: the same records in PostgreSQL and the same blobs in an
// S3-compatible bucket (see the module README, "For a team").
//
// # Several processes
//
// A trainer logging, a dashboard reading and a server following a model
// share one file with the default options; so do several Stores (and a
// Registry) in one process. The storage core opens the file for a session
// of calls: calls that overlap share the open, an idle open is kept for a
// moment for the next call, and it is let go as soon as another process
// waits for the file. Waiting is fair: the waiter queues at the gate file
// <path>.lock, and the holder sees it within a millisecond. A call that
// finds the file held longer than Options.Timeout fails with [ErrLocked],
// "busy, retry". A trainer should still batch: one [Run.Log] per step or
// epoch with all its metrics, not one LogMetric per value; each call holds
// the file for one commit (about a millisecond here, mostly fsync).
//
// # Errors
//
// Errors wrap the package's sentinels ([ErrNotFound], [ErrInvalid],
// [ErrParamConflict], [ErrDeleted], [ErrExists], [ErrBadQuery], [ErrBadPageToken],
// [ErrCorrupt], [ErrLocked], [ErrClosed]); check them with errors.Is. A
// cancelled context stops a call with an error wrapping ctx.Err().
//
// # Performance
//
// A metric logged alone costs one fsynced commit (1,300 to 4,300 a
// second here, with the disk's load); batched 1,000 to a call, 300,000 to
// 580,000 a second; a filtered, ordered top-10 search over 100,000 runs
// 0.05 to 1.5 ms, and 4 to 12 ms for an AND or OR of broad ranges. On
// PostgreSQL (same machine) a batch of 1,000 metrics takes about 18 ms and
// the same searches 5 to 47 ms (73 ms for the OR of ANDs). The figures,
// their history and the commands are in the package's README.md:
//
//	go test -run '^$' -bench 'BenchmarkLog|BenchmarkRunRecord' ./track/
//	CAIRN_BENCH_RUNS=100000 go test -run '^$' -bench BenchmarkSearchRuns -benchtime 20x -timeout 20m ./track/

package track
