package mlflow

import (
	"log/slog"
	"net/http"

	"github.com/cairn-ml/cairn/internal/mlflowapi"
	"github.com/cairn-ml/cairn/registry"
)

// Options configures a Handler. The zero value gives the defaults
// documented on each field.
type Options struct {
	// Token, if not empty, is the bearer token every request must carry
	// ("Authorization: Bearer <Token>", which MLflow's clients send from
	// MLFLOW_TRACKING_TOKEN); others get UNAUTHENTICATED (401). Empty
	// means no check: for a server on 127.0.0.1, not for one a network
	// reaches.
	Token string
	// MaxBodyBytes bounds JSON request bodies. Zero means 1 MB; a larger
	// body is INVALID_PARAMETER_VALUE.
	MaxBodyBytes int64
	// By is recorded as who moved an alias or registered a version over
	// the API (the registry's alias history). Empty means the Registry's
	// Options.User.
	By string
	// Logger receives a record for each request that fails with a
	// server error. Nil means a logger that discards everything.
	Logger *slog.Logger
}

// Handler answers MLflow's model registry REST API over a
// registry.Registry. It is safe for concurrent use; it holds no state
// besides its options.
type Handler struct {
	reg  *registry.Registry
	opts Options
	rt   mlflowapi.Router
}

// errRules maps the registry's sentinels to MLflow's error codes.
var errRules = []mlflowapi.Rule{
	{Err: registry.ErrNotFound, Code: mlflowapi.ResourceDoesNotExist},
	{Err: registry.ErrExists, Code: mlflowapi.ResourceAlreadyExists},
	{Err: registry.ErrInvalid, Code: mlflowapi.InvalidParameterValue},
	{Err: registry.ErrAliasInUse, Code: mlflowapi.InvalidParameterValue},
	{Err: registry.ErrArchived, Code: mlflowapi.InvalidParameterValue},
	{Err: registry.ErrNoRollback, Code: mlflowapi.InvalidParameterValue},
	{Err: registry.ErrLocked, Code: mlflowapi.TemporarilyUnavailable},
	{Err: registry.ErrClosed, Code: mlflowapi.TemporarilyUnavailable},
	{Err: registry.ErrCorrupt, Code: mlflowapi.DataLoss},
}

// New returns a Handler for reg. It serves MLflow's registry paths from
// the root, /api/2.0/mlflow/registered-models/... and
// /api/2.0/mlflow/model-versions/..., and the same under /ajax-api/2.0/.
// Mount registers it on a ServeMux beside track/mlflow's handler, whose
// patterns are shorter.
func New(reg *registry.Registry, opts Options) *Handler {
	h := &Handler{reg: reg, opts: opts, rt: mlflowapi.Router{
		Token: opts.Token, MaxBodyBytes: opts.MaxBodyBytes, Rules: errRules, Logger: opts.Logger,
		Parts: []string{"/mlflow/registered-models/", "/mlflow/model-versions/"},
	}}
	for _, e := range []struct {
		method, path string
		fn           http.HandlerFunc
	}{
		{"POST", "/mlflow/registered-models/create", h.createModel},
		{"POST", "/mlflow/registered-models/rename", h.renameModel},
		{"PATCH", "/mlflow/registered-models/update", h.updateModel},
		{"DELETE", "/mlflow/registered-models/delete", h.deleteModel},
		{"GET", "/mlflow/registered-models/get", h.getModel},
		{"GET", "/mlflow/registered-models/search", h.searchModels},
		{"POST", "/mlflow/registered-models/get-latest-versions", h.latestVersions},
		{"GET", "/mlflow/registered-models/get-latest-versions", h.latestVersions},
		{"POST", "/mlflow/registered-models/set-tag", h.setModelTag},
		{"DELETE", "/mlflow/registered-models/delete-tag", h.deleteModelTag},
		{"POST", "/mlflow/registered-models/alias", h.setAlias},
		{"DELETE", "/mlflow/registered-models/alias", h.deleteAlias},
		{"GET", "/mlflow/registered-models/alias", h.getByAlias},
		{"POST", "/mlflow/model-versions/create", h.createVersion},
		{"PATCH", "/mlflow/model-versions/update", h.updateVersion},
		{"POST", "/mlflow/model-versions/transition-stage", h.transitionStage},
		{"DELETE", "/mlflow/model-versions/delete", h.deleteVersion},
		{"GET", "/mlflow/model-versions/get", h.getVersion},
		{"GET", "/mlflow/model-versions/search", h.searchVersions},
		{"GET", "/mlflow/model-versions/get-download-uri", h.downloadURI},
		{"POST", "/mlflow/model-versions/set-tag", h.setVersionTag},
		{"DELETE", "/mlflow/model-versions/delete-tag", h.deleteVersionTag},
	} {
		h.rt.Handle(e.method, e.path, e.fn)
	}
	return h
}

// ServeHTTP answers one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.rt.ServeHTTP(w, r) }

// Patterns returns the http.ServeMux patterns the handler answers.
func (h *Handler) Patterns() []string { return h.rt.Patterns() }

// Mount registers the handler on mux at each of its Patterns.
func (h *Handler) Mount(mux *http.ServeMux) { h.rt.Mount(mux, h) }

// empty is the body of MLflow's empty responses.
var empty = struct{}{}
