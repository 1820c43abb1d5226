// Package serve is an HTTP inference server for classifiers: the Open
// Inference Protocol (KServe v2), a plain JSON predict route, the MLflow
// scoring server's routes, Prometheus metrics and an OpenAPI document, for
// models given as values or followed in a registry, swapped live when a
// registry alias moves.
//
// # Basics
//
// A [*Server] is an [net/http.Handler]. [New] makes one from [Options];
// [Server.Set] serves a [Predictor] (a *linear.Model, or anything with
// its three methods) under a name and version number; [Server.Follow]
// serves a registered model at a reference, usually an alias that it
// follows:
//
//	srv, err := serve.New(serve.Options{Logger: logger})
//	err = srv.Set("cancer", 1, model)                                // from a value
//	err = srv.Follow(ctx, reg, "breast-cancer", "@champion")         // from a registry
//	defer srv.Close()                                                // stops following
//	err = serve.ListenAndServe(ctx, ":8080", srv, serve.HTTPOptions{})
//
// [ListenAndServe] (and [Serve], on a listener) runs an *http.Server built
// by [NewHTTPServer], with timeouts that keep slow or idle clients from
// holding connections, until ctx is done; then it drains the requests in
// flight and returns. For SIGTERM, give it a context from
// signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM).
//
// # Mounting next to other handlers
//
// The Server answers every path it is given (unknown ones with a JSON 404),
// so put it behind the more specific patterns of a mux of your own. The
// dashboards of track/ui and registry/ui write links that start with their
// Options.Prefix, so they are mounted at that prefix as is, not stripped:
//
//	runs := trackui.New(st, trackui.Options{Prefix: "/ui/"})
//	models := registryui.New(reg, registryui.Options{Prefix: "/ui/registry/", RunURL: runs.RunURL})
//	mux := http.NewServeMux()
//	mux.Handle("/ui/", runs)
//	mux.Handle("/ui/registry/", models)
//	mux.Handle("/", srv) // everything else: the inference routes
//	err = serve.ListenAndServe(ctx, addr, mux, serve.HTTPOptions{})
//
// The inference routes are absolute paths (clients of KServe, TF Serving
// and MLflow expect them there), so to put them under a prefix, strip it:
// mount http.StripPrefix("/api", srv) at "/api/". [Server.Status] gives a
// dashboard the state of every model.
//
// # Endpoints
//
// Open Inference Protocol, version 2:
//
//	GET  /v2/health/live                      {"live": true}
//	GET  /v2/health/ready                     ready when every model serves; 503 if not; each model's Status
//	GET  /v2                                  server metadata
//	GET  /v2/models/{name}                    metadata: versions, input and output tensors, features, classes
//	GET  /v2/models/{name}/ready
//	POST /v2/models/{name}/infer              tensors in; "probabilities" (FP64 [n, k]) and "label" (BYTES [n]) out
//	     /v2/models/{name}/versions/{v}/...   the same three for any version (v: 3 or v3)
//
// An infer request gives either one tensor of shape [n, d] (any name, data
// flat or nested, row-major) or one tensor per feature, named by it, of
// shape [n] or [n, 1]. It may ask for only some outputs and give an id,
// which the response echoes. A tensor's datatype (matched in any case, as
// KServe matches it) says what its data hold, and the data are checked
// against it as a server that decodes them into that type must check them:
// BOOL holds JSON true and false (read as 1 and 0); INT8, INT16, INT32,
// INT64, UINT8, UINT16, UINT32 and UINT64 hold integers in their range
// (17.99 or 128 is not an INT8: "value_error.datatype"); FP16, BF16, FP32
// and FP64 hold numbers within their range, each rounded to the type's
// precision (to nearest, ties to even) before the model sees it. BYTES and
// unknown datatypes are refused ("value_error.datatype").
//
// A JSON route for people, as TensorFlow Serving has it:
//
//	POST /v1/models/{name}:predict                    {"instances": [[17.99, 10.38, ...], ...]}
//	POST /v1/models/{name}/versions/{v}:predict       or [{"mean radius": 17.99, ...}, ...]
//
// Instances are arrays of the features in the model's order, objects of
// features by name, or ("inputs" in place of "instances") an object of
// columns. The response has predictions (class names), labels (their
// indexes), classes, probabilities and the model version. KServe's v1 model
// status is there too:
//
//	GET  /v1/models/{name}                     {"name": ..., "ready": true, "version": "3"}; 503 if not ready
//	GET  /v1/models/{name}/versions/{v}        the same for a version
//
// MLflow scoring server (so that clients of `mlflow models serve` work
// unchanged), for the default model (Options.DefaultModel):
//
//	POST /invocations    application/json: dataframe_split, dataframe_records, instances or inputs;
//	                     text/csv with a header row; answers {"predictions": [0, 1, ...]}
//	GET  /ping, /health  200 when the default model serves, else 503
//	GET  /version        text
//
// And:
//
//	GET /metrics         Prometheus text format: requests by route and code, a latency histogram
//	                     per route, and per model the serving version, readiness, swaps, refused
//	                     versions and rows predicted; the Go runtime's and the process's metrics
//	                     under the Prometheus Go client's names (go_goroutines, go_memstats_*,
//	                     go_gc_duration_seconds, process_cpu_seconds_total,
//	                     process_resident_memory_bytes, process_open_fds, ...; the process ones
//	                     on Linux)
//	GET /openapi.json    OpenAPI 3.0 of all of the above, with the default model's features
//
// # Models on raw inputs
//
// A model fitted on raw inputs (linear.Config.Inputs: text columns and
// missing values, imputed, scaled and one-hot encoded inside the model)
// is served from raw records: every route above takes its inputs by
// name (or in its order) as numbers, strings and nulls. A string of a text
// input becomes the code of its category with the model's levels (one the
// model does not know is ignored or refused, as the input says); a number
// given for a text input is looked up as written ("3"); a string of a
// numeric input is read as pandas reads a cell ("39.1"; "NA" and the other
// missing markers are null); null and NaN are missing values, which the
// model imputes. The MLflow CSV body is read as pandas' read_csv reads it.
// On the Open Inference Protocol, send one tensor per input, BYTES for a
// text input. A missing or misspelled column is a 422 naming it. The
// model's metadata lists one tensor per input, and /openapi.json describes
// the default model's inputs: nullable numbers, or strings with their
// categories.
//
// Every answer that comes from a model version names it: in the Model-Name
// and Model-Version headers, and as model_version in the body. Every
// answer carries X-Content-Type-Options: nosniff. Options.AccessLog, when
// set, gets a record of every request; by default none is logged.
//
// # Model swaps
//
// Each model holds its serving version in an atomic pointer. A request
// reads it once, when it is routed, and uses that version to the end,
// so a swap never mixes two versions in one answer and never waits for
// requests in flight. When a followed alias moves (registry.Watch: at once
// in this process, at the next poll when another process moved it), the
// server loads the new version (the
// registry checks the bytes against their SHA-256 digest), decodes it
// (Options.Decode) and checks it: at least one feature and two classes,
// unique names, a test prediction on a row of zeros with finite
// probabilities summing to 1, and the same features and classes as the
// serving version (unless Options.AllowSchemaChange). Only then is it
// swapped in. A version that fails any of that is refused: the old one
// keeps serving, and the failure is logged (Error), counted
// (cairn_serve_model_swap_failures_total) and shown in [Status] and
// /v2/health/ready. Versions already loaded are kept (up to
// Options.MaxVersions), so rolling back and forth swaps without reading
// the registry.
//
// # Errors
//
// Bad requests get a JSON [ErrorResponse] and the server carries on:
//
//	400  malformed JSON or CSV ("value_error.jsondecode", with the byte offset)
//	404  unknown model, version or path
//	405  wrong method (with an Allow header)
//	413  body over Options.MaxBodyBytes
//	415  /invocations with a content type other than JSON or CSV
//	422  validation: wrong number of features ("value_error.list.min_items",
//	     "value_error.list.max_items"), unknown or missing feature names
//	     ("value_error.extra", "value_error.missing"), values that are not
//	     numbers ("type_error.float", "type_error.none.not_allowed"), NaN or
//	     infinite values ("value_error.number.not_finite"), an empty batch or
//	     one over Options.MaxBatch ("value_error.list.min_items",
//	     "value_error.list.max_items"), bad tensor shapes ("value_error.shape")
//	500  the model failed (a panic, a non-finite probability)
//	503  the model cannot serve now
//
// The detail of a 422 lists every problem found (up to ten), each with its
// location, as FastAPI does: {"detail": [{"loc": ["body", "instances", 0,
// "mean radius"], "msg": "field required", "type": "value_error.missing"}]}.
// An error repeats at most about 64 bytes of any name or value taken from
// the request. Options.Redact keeps only the status and the types.
//
// The Go methods return errors wrapping the package's sentinels
// ([ErrNotFound], [ErrExists], [ErrInvalid], [ErrLoad], [ErrSchema],
// [ErrClosed]); a version that cannot be served comes as a [*LoadError].
// Check them with errors.Is and errors.As.
//
// # Performance
//
// On the project machine (2 cores shared with wrk and with other work, Go
// 1.26.8), on loopback, with wrk's 32 connections: one-row predictions at
// 30 700 requests/s, p50 0.8 ms (FastAPI + uvicorn, one worker, serving the
// same scikit-learn model: 2 100 requests/s, 14.8x fewer; a bare net/http
// handler that only reads the body: 36 900, so 83%), and the same while
// another process moves the alias every second, with no failed request.
// 100-row requests: 13 700/s, 51% of the bare handler's 27 000 (the aim
// of 70% is not met: parsing 3 000 numbers and writing 200 probabilities
// cost more CPU than that leaves), 61x FastAPI's 220. In process, a
// one-row request costs 1.5 us and one allocation, a 100-row one 47-54 us;
// arrays of plain numbers are read by one tight loop with Clinger's exact
// fast path (the bits strconv.ParseFloat gives). The README in this folder
// has the tables, the setup and the commands (serve/testdata/loadtest.sh),
// and a later run on a quieter machine: one row at 36 200/s, 18.8x
// FastAPI, 95% of bare, p50 0.68 ms; 100 rows at 43% of bare, 33.7x
// FastAPI. A raw record (text, numbers, a null) for a model on raw inputs
// costs 1.0-1.1 us in process, with one allocation
// (BenchmarkPredictV1RawRecord1).
//
// # Concurrency
//
// A Server is safe for concurrent use. Following an alias runs one
// goroutine per followed model, which [Server.Close] stops (and waits
// for). The registries given to Follow belong to the caller, who closes
// them after Close.
package serve
