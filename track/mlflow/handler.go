package mlflow

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/cairn-ml/cairn/internal/mlflowapi"
	"github.com/cairn-ml/cairn/internal/perr"
	"github.com/cairn-ml/cairn/track"
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
	// MaxBodyBytes bounds JSON request bodies. Zero means 1 MB, MLflow's
	// limit for log-batch; a larger body is INVALID_PARAMETER_VALUE.
	MaxBodyBytes int64
	// MaxArtifactBytes bounds one artifact upload. Zero means 1 GiB.
	MaxArtifactBytes int64
	// Logger receives a record for each request that fails with a
	// server error. Nil means a logger that discards everything.
	Logger *slog.Logger
}

// DefaultMaxArtifactBytes is the upload limit when
// Options.MaxArtifactBytes is zero.
const DefaultMaxArtifactBytes = 1 << 30

// Handler answers MLflow's tracking REST API over a track.Store. It is
// safe for concurrent use; it holds no state besides its options.
type Handler struct {
	st   *track.Store
	opts Options
	rt   mlflowapi.Router
}

// errRules maps track's sentinels to MLflow's error codes.
var errRules = []mlflowapi.Rule{
	{Err: track.ErrNotFound, Code: mlflowapi.ResourceDoesNotExist},
	{Err: track.ErrExists, Code: mlflowapi.ResourceAlreadyExists},
	{Err: track.ErrInvalid, Code: mlflowapi.InvalidParameterValue},
	{Err: track.ErrParamConflict, Code: mlflowapi.InvalidParameterValue},
	{Err: track.ErrDeleted, Code: mlflowapi.InvalidParameterValue},
	{Err: track.ErrBadQuery, Code: mlflowapi.InvalidParameterValue},
	{Err: track.ErrBadPageToken, Code: mlflowapi.InvalidParameterValue},
	{Err: track.ErrLocked, Code: mlflowapi.TemporarilyUnavailable},
	{Err: track.ErrClosed, Code: mlflowapi.TemporarilyUnavailable},
	{Err: track.ErrCorrupt, Code: mlflowapi.DataLoss},
}

// New returns a Handler for st. It serves MLflow's paths from the root:
// /api/2.0/mlflow/experiments/..., /runs/..., /metrics/...,
// /artifacts/..., the same under /ajax-api/2.0/, and the artifact routes
// under /api/2.0/mlflow-artifacts/. Mount registers it on a ServeMux for
// every path under /api/2.0/mlflow/, so that a path no route takes is
// ENDPOINT_NOT_FOUND, as in MLflow; a registry handler mounted on the
// same mux (registry/mlflow) takes its own, longer, prefixes.
func New(st *track.Store, opts Options) *Handler {
	h := &Handler{st: st, opts: opts, rt: mlflowapi.Router{
		Token: opts.Token, MaxBodyBytes: opts.MaxBodyBytes, Rules: errRules, Logger: opts.Logger,
		Parts: []string{"/mlflow/", "/mlflow-artifacts/"},
	}}
	if h.opts.MaxArtifactBytes <= 0 {
		h.opts.MaxArtifactBytes = DefaultMaxArtifactBytes
	}
	r := &h.rt
	for _, e := range []struct {
		method, path string
		fn           http.HandlerFunc
	}{
		{"POST", "/mlflow/experiments/create", h.createExperiment},
		{"GET", "/mlflow/experiments/get", h.getExperiment},
		{"GET", "/mlflow/experiments/get-by-name", h.getExperimentByName},
		{"POST", "/mlflow/experiments/search", h.searchExperiments},
		{"GET", "/mlflow/experiments/search", h.searchExperiments},
		{"GET", "/mlflow/experiments/list", h.listExperiments},
		{"POST", "/mlflow/experiments/update", h.updateExperiment},
		{"POST", "/mlflow/experiments/delete", h.deleteExperiment},
		{"POST", "/mlflow/experiments/restore", h.restoreExperiment},
		{"POST", "/mlflow/experiments/set-experiment-tag", h.setExperimentTag},
		{"POST", "/mlflow/experiments/delete-experiment-tag", h.deleteExperimentTag},
		{"POST", "/mlflow/runs/create", h.createRun},
		{"POST", "/mlflow/runs/update", h.updateRun},
		{"POST", "/mlflow/runs/delete", h.deleteRun},
		{"POST", "/mlflow/runs/restore", h.restoreRun},
		{"GET", "/mlflow/runs/get", h.getRun},
		{"POST", "/mlflow/runs/search", h.searchRuns},
		{"POST", "/mlflow/runs/log-metric", h.logMetric},
		{"POST", "/mlflow/runs/log-parameter", h.logParam},
		{"POST", "/mlflow/runs/set-tag", h.setTag},
		{"POST", "/mlflow/runs/delete-tag", h.deleteTag},
		{"POST", "/mlflow/runs/log-batch", h.logBatch},
		{"POST", "/mlflow/runs/log-inputs", h.logInputs},
		{"POST", "/mlflow/runs/log-model", h.logModel},
		{"GET", "/mlflow/metrics/get-history", h.getMetricHistory},
		{"GET", "/mlflow/artifacts/list", h.listArtifacts},
		{"GET", "/mlflow-artifacts/artifacts", h.listProxied},
	} {
		r.Handle(e.method, e.path, e.fn)
	}
	r.HandleTree("GET", "/mlflow-artifacts/artifacts/", h.download)
	r.HandleTree("PUT", "/mlflow-artifacts/artifacts/", h.upload)
	r.HandleTree("DELETE", "/mlflow-artifacts/artifacts/", h.deleteArtifact)
	for _, op := range []string{"create", "complete", "abort"} {
		r.HandleTree("POST", "/mlflow-artifacts/mpu/"+op+"/", h.multipart)
	}
	return h
}

// ServeHTTP answers one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.rt.ServeHTTP(w, r) }

// Patterns returns the http.ServeMux patterns the handler answers.
func (h *Handler) Patterns() []string { return h.rt.Patterns() }

// Mount registers the handler on mux at each of its Patterns, beside
// whatever else mux serves.
func (h *Handler) Mount(mux *http.ServeMux) { h.rt.Mount(mux, h) }

// empty is the body of MLflow's empty responses.
var empty = struct{}{}

// runID returns the run_id of a request (or its deprecated run_uuid),
// required.
func runID(id, uuid string) (string, error) {
	if id == "" {
		id = uuid
	}
	return id, mlflowapi.Required("run_id", id)
}

// run returns the run with id, with a malformed id reported as MLflow
// reports an unknown one.
func (h *Handler) run(ctx context.Context, id string) (*track.Run, error) {
	if !validRunID(id) {
		return nil, noRun(id)
	}
	return h.st.Run(ctx, id)
}

func noRun(id string) error {
	return mlflowapi.Errorf(mlflowapi.ResourceDoesNotExist, "Run with id=%s not found", perr.Clip(id))
}

func validRunID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range []byte(id) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
