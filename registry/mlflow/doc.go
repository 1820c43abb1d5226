// Package mlflow answers MLflow's model registry REST API (2.0) over a
// registry.Registry, so that MLflow's clients register models, move
// aliases and read versions in cairn's registry unchanged, beside the
// tracking API of track/mlflow:
//
//	mux := http.NewServeMux()
//	trackmlflow.New(st, trackmlflow.Options{Token: token}).Mount(mux)   // /api/2.0/mlflow/...
//	mlflow.New(reg, mlflow.Options{Token: token}).Mount(mux)            // .../registered-models/, .../model-versions/
//
// # Routes
//
// Every route of MLflow's model_registry.proto, under /api/2.0 and
// /ajax-api/2.0, with the proto's request and response shapes and
// methods: registered-models create, rename, update (PATCH), delete
// (DELETE), get, search, get-latest-versions, set-tag, delete-tag, and
// alias (POST sets, DELETE deletes, GET gets the version); model-versions
// create, update (PATCH), transition-stage, delete (DELETE), get, search,
// get-download-uri, set-tag, delete-tag. Searches take MLflow's filters
// (name, tags.<key>; for versions also run_id, source_path and
// version_number), with OR and parentheses added, and page with MLflow's
// offset tokens; registered models 100 a page by default (at most 1000),
// versions 10,000 (at most 200,000). Errors are MLflow's body with
// MLflow's status: an unknown model or version RESOURCE_DOES_NOT_EXIST
// (404), a bad argument INVALID_PARAMETER_VALUE (400), never a 500.
//
// # How MLflow's registry maps onto cairn's
//
// A version created over the API is a cairn registry version like any
// other, numbered in the same sequence as the versions the pipeline
// registers, with its aliases and their history: an alias set by an
// MLflow client can be rolled back with registry.Rollback, and a rollback
// done in cairn shows to MLflow clients as the alias having moved. Its
// bytes are a small manifest of the source MLflow gave (format
// SourceFormat); the source itself is Version.Source, which
// get-download-uri returns, so clients download the model files from
// where they logged them (track/mlflow's artifact routes, for an
// mlflow-artifacts: source). Creating a version whose source and run are
// those of an existing version returns that version, as cairn's Register
// does with bytes it already holds. A version cairn registered itself has
// its models:/<name>/<n> URI as source; MLflow's clients cannot download
// its bytes through the API (registry.Load and the dashboard can).
//
// Stages, which cairn has not, map to the nearest idea: Production and
// Staging are the aliases "production" and "staging" (so at most one
// version is in each, and a transition is recorded and can be rolled
// back), Archived is the archived mark, None is neither. transition-stage
// with archive_existing_versions archives the version that held the
// stage, unless another alias points at it. A version's current_stage is
// read the same way; get-latest-versions answers the highest version in
// each stage.
//
// Where cairn is stricter than MLflow it says so in MLflow's words: a
// model with an alias set is not deleted (INVALID_PARAMETER_VALUE; delete
// the alias first), nor is a version an alias points at; model names may
// not hold '/' or '@' (the separators of models:/ URIs).
//
// # Security
//
// Options.Token makes every request carry "Authorization: Bearer
// <token>", the header MLflow's clients send from MLFLOW_TRACKING_TOKEN.
// Request bodies are bounded (Options.MaxBodyBytes).
package mlflow
