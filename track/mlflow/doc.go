// Package mlflow answers MLflow's tracking REST API (2.0) over a
// track.Store, so that MLflow's own clients (Python, R, Java, the npm
// package, curl) log runs into cairn and read them back unchanged: point
// MLFLOW_TRACKING_URI at a server that mounts the Handler.
//
//	h := mlflow.New(st, mlflow.Options{Token: os.Getenv("CAIRN_MLFLOW_TOKEN")})
//	mux := http.NewServeMux()
//	h.Mount(mux) // /api/2.0/mlflow/..., /ajax-api/2.0/mlflow/..., /api/2.0/mlflow-artifacts/...
//
// # Routes
//
// Every route of MLflow's service.proto for experiments, runs, metrics
// and artifacts, under /api/2.0 and /ajax-api/2.0 (the prefix MLflow's web
// UI calls), with the request and response shapes of the proto and the
// defaults of MLflow's server: experiments create, get, get-by-name,
// search (POST and GET), update, delete, restore, set-experiment-tag,
// delete-experiment-tag, and MLflow 1.x's list, which older clients still
// call; runs create, get, update, delete, restore, search, log-metric,
// log-parameter, set-tag, delete-tag, log-batch (with MLflow's limits:
// 1000 metrics, 100 params, 100 tags, 1000 in all, 1 MB), log-inputs,
// log-model; metrics get-history (paged when max_results is given);
// artifacts list. GET requests take their fields in the query string
// (a repeated field as the name given again), other requests a JSON
// body. Errors are MLflow's body, {"error_code": ..., "message": ...},
// with MLflow's HTTP status for the code: RESOURCE_DOES_NOT_EXIST 404,
// RESOURCE_ALREADY_EXISTS and INVALID_PARAMETER_VALUE 400, a busy or
// closed store TEMPORARILY_UNAVAILABLE 503; a bad request is never a 500.
//
// # Artifacts
//
// Artifacts go through the server, as with `mlflow server
// --serve-artifacts`: a run's artifact_uri is
// mlflow-artifacts:/<experiment id>/<run id>/artifacts, which MLflow's
// clients turn into the routes PUT and GET
// /api/2.0/mlflow-artifacts/artifacts/<experiment id>/<run id>/artifacts/<path>
// (upload and download) and GET /api/2.0/mlflow-artifacts/artifacts?path=
// (list). Uploads are stored with track.Run.LogArtifact in the Store's
// content-addressed blob store, and downloads are checked against their
// digest. Multipart uploads answer NOT_IMPLEMENTED, as MLflow's server
// does for a store without them, so clients fall back to one PUT;
// deleting an artifact is NOT_IMPLEMENTED (artifacts leave with their
// run, at GC).
//
// # How MLflow's model maps onto cairn's
//
// Experiment ids are cairn's ("1", "2", ...). MLflow's default experiment,
// id "0", is the experiment named "Default", created when first used;
// responses carry its own id. An experiment's artifact_location is always
// mlflow-artifacts:/<id>; creating one with another location is refused.
// Runs created over the API get no reproducibility tags (the server did
// not run them): their user_id is the tag mlflow.user and their name is
// also the tag mlflow.runName, as in MLflow. A run's status may not be
// SCHEDULED, which cairn has no state for. A dataset input's digest is
// kept as track.Input.Digest when it is a sha256:<hex> digest and as
// Input.Version otherwise (MLflow's own digests are short hashes);
// mlflow.data.context is Input.Context, and an input tag other than that
// one is refused.
//
// What cairn adds works through the same fields: search-runs filters take
// OR and parentheses beside MLflow's AND (metrics.f1 > 0.9 OR
// params.solver = 'lbfgs'), answered from track's index, and so do the
// filters of experiment searches. A search-runs request without
// experiment ids searches every experiment (MLflow finds nothing).
// Search-runs page tokens are track's keyset tokens; the other searches
// use MLflow's offset tokens, base64 of {"offset": n}.
//
// # Security
//
// Options.Token makes every request carry "Authorization: Bearer
// <token>", the header MLflow's clients send from MLFLOW_TRACKING_TOKEN;
// without it, the API is open to whoever reaches the server, which is
// fine on 127.0.0.1 and not on a network. Request bodies are bounded
// (Options.MaxBodyBytes, Options.MaxArtifactBytes).
//
// # Performance
//
// The REST layer adds JSON decoding and encoding to each call of track;
// the figures and the command are in the package's README.md:
//
//	go test -run '^$' -bench . ./track/mlflow/
package mlflow
