package mlflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/internal/mlflowapi"
	"github.com/cairn-ml/cairn/internal/perr"
	"github.com/cairn-ml/cairn/track"
)

// runStatuses are MLflow's RunStatus names by number; SCHEDULED has no
// cairn status.
var runStatuses = []string{"", "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"}

func runStatus(e mlflowapi.Enum) (track.Status, error) {
	n, err := e.Resolve("status", runStatuses)
	if err != nil {
		return 0, err
	}
	if runStatuses[n] == "SCHEDULED" {
		return 0, mlflowapi.Errorf(mlflowapi.InvalidParameterValue, "Invalid value \"SCHEDULED\" for parameter 'status' supplied: cairn runs are never scheduled; use RUNNING, FINISHED, FAILED or KILLED.")
	}
	return track.ParseStatus(runStatuses[n])
}

type runResp struct {
	Run runJSON `json:"run"`
}

type createRunReq struct {
	ExperimentID string           `json:"experiment_id"`
	UserID       string           `json:"user_id"`
	RunName      string           `json:"run_name"`
	StartTime    *mlflowapi.Int64 `json:"start_time"`
	Tags         []tagJSON        `json:"tags"`
}

func (h *Handler) createRun(w http.ResponseWriter, r *http.Request) {
	var req createRunReq
	if !h.rt.Read(w, r, &req) {
		return
	}
	ctx := r.Context()
	tags, err := mlflowapi.TagMap("tags", req.Tags)
	if !h.rt.Check(w, r, err) {
		return
	}
	name := req.RunName
	if tagged, ok := tags[tagRunName]; ok {
		if name != "" && tagged != name {
			h.rt.Check(w, r, mlflowapi.Errorf(mlflowapi.InvalidParameterValue,
				"Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name=%s, mlflow.runName=%s).",
				perr.Quote(name), perr.Quote(tagged)))
			return
		}
		name = tagged
	}
	if tags == nil {
		tags = map[string]string{}
	}
	if name != "" {
		tags[tagRunName] = name
	}
	if _, ok := tags[tagUser]; !ok && req.UserID != "" {
		tags[tagUser] = req.UserID
	}
	id := req.ExperimentID
	if id == "" {
		id = "0"
	}
	exp, err := h.activeExperiment(ctx, id)
	if !h.rt.Check(w, r, err) {
		return
	}
	opts := track.RunOptions{Name: name, Tags: tags, NoAutoTags: true}
	if req.StartTime != nil && *req.StartTime > 0 {
		opts.Start = time.UnixMilli(int64(*req.StartTime))
	}
	run, err := exp.StartRun(ctx, opts)
	if !h.rt.Check(w, r, err) {
		return
	}
	rec, err := run.Record(ctx)
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, runResp{runOut(rec)})
	}
}

type runIDReq struct {
	RunID   string `json:"run_id"`
	RunUUID string `json:"run_uuid"`
}

// target returns the run a request names.
func (h *Handler) target(r *http.Request, req runIDReq) (*track.Run, error) {
	id, err := runID(req.RunID, req.RunUUID)
	if err != nil {
		return nil, err
	}
	return h.run(r.Context(), id)
}

func (h *Handler) updateRun(w http.ResponseWriter, r *http.Request) {
	var req struct {
		runIDReq
		Status  mlflowapi.Enum   `json:"status"`
		EndTime *mlflowapi.Int64 `json:"end_time"`
		RunName *string          `json:"run_name"`
	}
	if !h.rt.Read(w, r, &req) {
		return
	}
	run, err := h.target(r, req.runIDReq)
	if !h.rt.Check(w, r, err) {
		return
	}
	var u track.RunUpdate
	if req.Status.Set {
		if u.Status, err = runStatus(req.Status); !h.rt.Check(w, r, err) {
			return
		}
	}
	if req.EndTime != nil {
		u.End = time.UnixMilli(int64(*req.EndTime))
	}
	if req.RunName != nil && *req.RunName != "" {
		u.Name = req.RunName
	}
	rec, err := run.Update(r.Context(), u)
	if err == nil && u.Name != nil {
		err = run.SetTag(r.Context(), tagRunName, *u.Name)
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, struct {
			Info runInfoJSON `json:"run_info"`
		}{runInfoOut(rec)})
	}
}

func (h *Handler) deleteRun(w http.ResponseWriter, r *http.Request) {
	h.setDeleted(w, r, true)
}

func (h *Handler) restoreRun(w http.ResponseWriter, r *http.Request) {
	h.setDeleted(w, r, false)
}

func (h *Handler) setDeleted(w http.ResponseWriter, r *http.Request, deleted bool) {
	var req runIDReq
	if !h.rt.Read(w, r, &req) {
		return
	}
	run, err := h.target(r, req)
	if err == nil {
		if deleted {
			err = h.st.DeleteRun(r.Context(), run.ID())
		} else {
			err = h.st.RestoreRun(r.Context(), run.ID())
		}
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

func (h *Handler) getRun(w http.ResponseWriter, r *http.Request) {
	var req runIDReq
	if !h.rt.Read(w, r, &req) {
		return
	}
	run, err := h.target(r, req)
	if !h.rt.Check(w, r, err) {
		return
	}
	rec, err := run.Record(r.Context())
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, runResp{runOut(rec)})
	}
}

type searchRunsReq struct {
	ExperimentIDs []string         `json:"experiment_ids"`
	Filter        string           `json:"filter"`
	RunViewType   mlflowapi.Enum   `json:"run_view_type"`
	MaxResults    *mlflowapi.Int64 `json:"max_results"`
	OrderBy       []string         `json:"order_by"`
	PageToken     string           `json:"page_token"`
}

type runsResp struct {
	Runs          []runJSON `json:"runs,omitempty"`
	NextPageToken string    `json:"next_page_token,omitempty"`
}

func (h *Handler) searchRuns(w http.ResponseWriter, r *http.Request) {
	var req searchRunsReq
	if !h.rt.Read(w, r, &req) {
		return
	}
	ctx := r.Context()
	view, err := viewType("run_view_type", req.RunViewType)
	if !h.rt.Check(w, r, err) {
		return
	}
	max, err := mlflowapi.MaxResults(req.MaxResults, defaultMaxResults, maxMaxResults)
	if !h.rt.Check(w, r, err) {
		return
	}
	opts := track.SearchOptions{
		ExperimentIDs: req.ExperimentIDs, Filter: req.Filter, OrderBy: req.OrderBy,
		Limit: max, PageToken: req.PageToken, View: view,
	}
	runs, next, err := h.st.SearchRuns(ctx, opts)
	if len(req.ExperimentIDs) > 0 && (errors.Is(err, track.ErrNotFound) || errors.Is(err, track.ErrInvalid) ||
		slices.Contains(req.ExperimentIDs, "0")) {
		// Ids of experiments that do not exist find no runs, as in
		// MLflow, and "0" is Default: resolve the ids and search again.
		// (No ids at all means every experiment; MLflow finds nothing.)
		if opts.ExperimentIDs, err = h.searchable(ctx, req.ExperimentIDs); err != nil {
			h.rt.Check(w, r, err)
			return
		}
		if len(opts.ExperimentIDs) == 0 {
			mlflowapi.WriteJSON(w, runsResp{})
			return
		}
		runs, next, err = h.st.SearchRuns(ctx, opts)
	}
	if !h.rt.Check(w, r, err) {
		return
	}
	resp := runsResp{NextPageToken: next}
	for _, rec := range runs {
		resp.Runs = append(resp.Runs, runOut(rec))
	}
	mlflowapi.WriteJSON(w, resp)
}

// searchable returns the ids of the experiments that exist among ids,
// with "0" standing for Default.
func (h *Handler) searchable(ctx context.Context, ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		var exp *track.Experiment
		var err error
		if id == "0" {
			exp, err = h.st.ExperimentByName(ctx, Default)
		} else {
			exp, err = h.st.ExperimentByID(ctx, id)
		}
		switch {
		case err == nil:
			out = append(out, exp.ID)
		case !errors.Is(err, track.ErrNotFound) && !errors.Is(err, track.ErrInvalid):
			return nil, err
		}
	}
	return out, nil
}

type metricReq struct {
	Key       string           `json:"key"`
	Value     *mlflowapi.Float `json:"value"`
	Timestamp *mlflowapi.Int64 `json:"timestamp"`
	Step      mlflowapi.Int64  `json:"step"`
}

// metric checks a metric of a request: key, value and timestamp are
// required, as in MLflow.
func (m metricReq) metric(field string) (track.Metric, error) {
	if err := mlflowapi.Required(field+"key", m.Key); err != nil {
		return track.Metric{}, err
	}
	for _, f := range []struct {
		name string
		set  bool
	}{{"value", m.Value != nil}, {"timestamp", m.Timestamp != nil}} {
		if !f.set {
			return track.Metric{}, mlflowapi.Errorf(mlflowapi.InvalidParameterValue,
				"Missing value for required parameter '%s%s'. See the API docs for more information about request parameters.", field, f.name)
		}
	}
	return track.Metric{Key: m.Key, Value: float64(*m.Value), Step: int64(m.Step), Time: time.UnixMilli(int64(*m.Timestamp))}, nil
}

func (h *Handler) logMetric(w http.ResponseWriter, r *http.Request) {
	var req struct {
		runIDReq
		metricReq
	}
	if !h.rt.Read(w, r, &req) {
		return
	}
	m, err := req.metric("")
	if !h.rt.Check(w, r, err) {
		return
	}
	h.log1(w, r, req.runIDReq, track.Batch{Metrics: []track.Metric{m}})
}

type keyValueReq struct {
	runIDReq
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (h *Handler) logParam(w http.ResponseWriter, r *http.Request) {
	var req keyValueReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("key", req.Key)) {
		return
	}
	h.log1(w, r, req.runIDReq, track.Batch{Params: map[string]string{req.Key: req.Value}})
}

func (h *Handler) setTag(w http.ResponseWriter, r *http.Request) {
	var req keyValueReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("key", req.Key)) {
		return
	}
	h.log1(w, r, req.runIDReq, track.Batch{Tags: map[string]string{req.Key: req.Value}})
}

// log1 logs a batch to the run a request names and answers {}. A tag
// mlflow.runName renames the run too, as in MLflow.
func (h *Handler) log1(w http.ResponseWriter, r *http.Request, id runIDReq, b track.Batch) {
	run, err := h.target(r, id)
	if err == nil {
		err = run.Log(r.Context(), b)
	}
	if name, ok := b.Tags[tagRunName]; ok && err == nil {
		_, err = run.Update(r.Context(), track.RunUpdate{Name: &name})
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

func (h *Handler) deleteTag(w http.ResponseWriter, r *http.Request) {
	var req keyValueReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("key", req.Key)) {
		return
	}
	run, err := h.target(r, req.runIDReq)
	if !h.rt.Check(w, r, err) {
		return
	}
	rec, err := run.Record(r.Context())
	if err == nil {
		if _, ok := rec.Tags[req.Key]; !ok {
			err = mlflowapi.Errorf(mlflowapi.ResourceDoesNotExist, "No tag with name: %s in run with id %s", perr.Quote(req.Key), rec.ID)
		}
	}
	if err == nil {
		err = run.DeleteTag(r.Context(), req.Key)
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

// MLflow's log-batch limits (mlflow/utils/validation.py).
const (
	maxBatchMetrics = 1000
	maxBatchParams  = 100
	maxBatchTags    = 100
	maxBatchTotal   = 1000
)

type logBatchReq struct {
	RunID   string      `json:"run_id"`
	Metrics []metricReq `json:"metrics"`
	Params  []tagJSON   `json:"params"`
	Tags    []tagJSON   `json:"tags"`
}

func (h *Handler) logBatch(w http.ResponseWriter, r *http.Request) {
	var req logBatchReq
	if !h.rt.Read(w, r, &req) {
		return
	}
	b, err := req.batch()
	if h.rt.Check(w, r, err) {
		h.log1(w, r, runIDReq{RunID: req.RunID}, b)
	}
}

// batch checks a log-batch request against MLflow's limits and returns
// it as a track.Batch.
func (req logBatchReq) batch() (track.Batch, error) {
	if err := mlflowapi.Required("run_id", req.RunID); err != nil {
		return track.Batch{}, err
	}
	for _, l := range []struct {
		what    string
		n, most int
	}{
		{"metrics", len(req.Metrics), maxBatchMetrics},
		{"params", len(req.Params), maxBatchParams},
		{"tags", len(req.Tags), maxBatchTags},
		{"metrics, params, and tags in total", len(req.Metrics) + len(req.Params) + len(req.Tags), maxBatchTotal},
	} {
		if l.n > l.most {
			return track.Batch{}, mlflowapi.Errorf(mlflowapi.InvalidParameterValue,
				"A batch logging request can contain at most %d %s. Got %d %s. Please split up %s across multiple requests and try again.",
				l.most, l.what, l.n, l.what, l.what)
		}
	}
	var b track.Batch
	for i, m := range req.Metrics {
		tm, err := m.metric("metrics[" + strconv.Itoa(i) + "].")
		if err != nil {
			return b, err
		}
		b.Metrics = append(b.Metrics, tm)
	}
	var dup []string
	for i, p := range req.Params {
		if err := mlflowapi.Required("params["+strconv.Itoa(i)+"].key", p.Key); err != nil {
			return b, err
		}
		if b.Params == nil {
			b.Params = map[string]string{}
		}
		if _, ok := b.Params[p.Key]; ok && !slices.Contains(dup, p.Key) {
			dup = append(dup, p.Key)
		}
		b.Params[p.Key] = p.Value
	}
	if len(dup) > 0 {
		return b, mlflowapi.Errorf(mlflowapi.InvalidParameterValue,
			"Duplicate parameter keys have been submitted: %s. Please ensure the request contains only one param value per param key.",
			perr.Clip(fmt.Sprintf("%q", dup)))
	}
	var err error
	b.Tags, err = mlflowapi.TagMap("tags", req.Tags)
	return b, err
}

type logInputsReq struct {
	RunID    string `json:"run_id"`
	Datasets []struct {
		Tags    []tagJSON   `json:"tags"`
		Dataset datasetJSON `json:"dataset"`
	} `json:"datasets"`
	Models []json.RawMessage `json:"models"`
}

func (h *Handler) logInputs(w http.ResponseWriter, r *http.Request) {
	var req logInputsReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("run_id", req.RunID)) {
		return
	}
	if len(req.Models) > 0 {
		h.rt.Check(w, r, mlflowapi.Errorf(mlflowapi.InvalidParameterValue, "Model inputs (MLflow 3's logged models) are not kept by this server; log datasets only."))
		return
	}
	var inputs []track.Input
	for i, d := range req.Datasets {
		f := "datasets[" + strconv.Itoa(i) + "].dataset."
		ds := d.Dataset
		if err := mlflowapi.Required(f+"name", ds.Name, f+"digest", ds.Digest, f+"source_type", ds.SourceType, f+"source", ds.Source); !h.rt.Check(w, r, err) {
			return
		}
		in := track.Input{Name: ds.Name, Source: ds.Source, SourceType: ds.SourceType, Schema: ds.Schema, Profile: ds.Profile}
		if strings.HasPrefix(ds.Digest, "sha256:") {
			in.Digest = ds.Digest
		} else {
			in.Version = ds.Digest
		}
		for _, t := range d.Tags {
			if t.Key != tagDataContext {
				h.rt.Check(w, r, mlflowapi.Errorf(mlflowapi.InvalidParameterValue,
					"Input tag %s: this server keeps the tag %s of a dataset input, no other.", perr.Quote(t.Key), tagDataContext))
				return
			}
			in.Context = t.Value
		}
		inputs = append(inputs, in)
	}
	run, err := h.target(r, runIDReq{RunID: req.RunID})
	if err == nil && len(inputs) > 0 {
		err = run.LogInput(r.Context(), inputs...)
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

// logModel records a logged model's MLmodel metadata as MLflow's stores
// do: appended to the JSON list in the run's tag
// mlflow.log-model.history.
func (h *Handler) logModel(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RunID     string `json:"run_id"`
		ModelJSON string `json:"model_json"`
	}
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("run_id", req.RunID, "model_json", req.ModelJSON)) {
		return
	}
	var model map[string]json.RawMessage
	if err := json.Unmarshal([]byte(req.ModelJSON), &model); err != nil {
		h.rt.Check(w, r, mlflowapi.Errorf(mlflowapi.InvalidParameterValue, "Malformed model info. %s is not a valid JSON.", perr.Quote(req.ModelJSON)))
		return
	}
	var missing []string
	for _, k := range []string{"artifact_path", "flavors", "utc_time_created", "run_id"} {
		if _, ok := model[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		h.rt.Check(w, r, mlflowapi.Errorf(mlflowapi.InvalidParameterValue, "Model json is missing mandatory fields: %v", missing))
		return
	}
	run, err := h.target(r, runIDReq{RunID: req.RunID})
	if !h.rt.Check(w, r, err) {
		return
	}
	rec, err := run.Record(r.Context())
	if !h.rt.Check(w, r, err) {
		return
	}
	var history []json.RawMessage
	if old := rec.Tags[tagModelLog]; old != "" {
		json.Unmarshal([]byte(old), &history)
	}
	history = append(history, json.RawMessage(req.ModelJSON))
	b, _ := json.Marshal(history)
	if len(b) > track.MaxTagLen {
		h.rt.Check(w, r, mlflowapi.Errorf(mlflowapi.InvalidParameterValue, "The logged model history of run %s would be %d bytes, more than a tag holds (%d).", rec.ID, len(b), track.MaxTagLen))
		return
	}
	h.log1(w, r, runIDReq{RunID: req.RunID}, track.Batch{Tags: map[string]string{tagModelLog: string(b)}})
}

func (h *Handler) getMetricHistory(w http.ResponseWriter, r *http.Request) {
	var req struct {
		runIDReq
		MetricKey  string           `json:"metric_key"`
		PageToken  string           `json:"page_token"`
		MaxResults *mlflowapi.Int64 `json:"max_results"`
	}
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("metric_key", req.MetricKey)) {
		return
	}
	max, err := mlflowapi.MaxResults(req.MaxResults, 0, math.MaxInt32)
	if !h.rt.Check(w, r, err) {
		return
	}
	run, err := h.target(r, req.runIDReq)
	if !h.rt.Check(w, r, err) {
		return
	}
	hist, err := h.st.MetricHistory(r.Context(), run.ID(), req.MetricKey)
	if !h.rt.Check(w, r, err) {
		return
	}
	lo, hi, next, err := mlflowapi.Page(len(hist), max, req.PageToken)
	if !h.rt.Check(w, r, err) {
		return
	}
	resp := struct {
		Metrics       []metricJSON `json:"metrics,omitempty"`
		NextPageToken string       `json:"next_page_token,omitempty"`
	}{NextPageToken: next}
	for _, m := range hist[lo:hi] {
		resp.Metrics = append(resp.Metrics, metricOut(m))
	}
	mlflowapi.WriteJSON(w, resp)
}
