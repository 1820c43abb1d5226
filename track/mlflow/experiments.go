package mlflow

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/internal/mlflowapi"
	"github.com/cairn-ml/cairn/internal/perr"
	"github.com/cairn-ml/cairn/track"
)

// viewTypes are MLflow's ViewType names by number.
var viewTypes = []string{"", "ACTIVE_ONLY", "DELETED_ONLY", "ALL"}

func viewType(field string, e mlflowapi.Enum) (track.ViewType, error) {
	if !e.Set {
		return track.ActiveOnly, nil
	}
	n, err := e.Resolve(field, viewTypes)
	return track.ViewType(n - 1), err
}

// Limits of MLflow's searches (SEARCH_MAX_RESULTS_DEFAULT and _THRESHOLD).
const (
	defaultMaxResults = 1000
	maxMaxResults     = 50000
)

// experiment resolves an MLflow experiment id. "0", MLflow's default
// experiment, is the experiment named Default, created when first asked
// for; a malformed or unknown id is RESOURCE_DOES_NOT_EXIST, as in
// MLflow.
func (h *Handler) experiment(ctx context.Context, id string) (*track.Experiment, error) {
	if id == "0" {
		return h.st.Experiment(ctx, Default)
	}
	exp, err := h.st.ExperimentByID(ctx, id)
	if errors.Is(err, track.ErrInvalid) || errors.Is(err, track.ErrNotFound) {
		return nil, mlflowapi.Errorf(mlflowapi.ResourceDoesNotExist, "No Experiment with id=%s exists", perr.Clip(id))
	}
	return exp, err
}

type createExperimentReq struct {
	Name             string    `json:"name"`
	ArtifactLocation string    `json:"artifact_location"`
	Tags             []tagJSON `json:"tags"`
}

func (h *Handler) createExperiment(w http.ResponseWriter, r *http.Request) {
	var req createExperimentReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("name", req.Name)) {
		return
	}
	if req.ArtifactLocation != "" && !strings.HasPrefix(req.ArtifactLocation, "mlflow-artifacts:") {
		h.rt.Check(w, r, mlflowapi.Errorf(mlflowapi.InvalidParameterValue,
			"artifact_location %s: this server keeps every experiment's artifacts itself (mlflow-artifacts:/<experiment id>); leave artifact_location out",
			perr.Quote(req.ArtifactLocation)))
		return
	}
	tags, err := mlflowapi.TagMap("tags", req.Tags)
	if !h.rt.Check(w, r, err) {
		return
	}
	exp, err := h.st.CreateExperiment(r.Context(), req.Name, track.ExperimentOptions{Tags: tags})
	if errors.Is(err, track.ErrExists) {
		err = mlflowapi.Errorf(mlflowapi.ResourceAlreadyExists, "Experiment(name=%s) already exists.", perr.Clip(req.Name))
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, struct {
			ID string `json:"experiment_id"`
		}{exp.ID})
	}
}

type experimentIDReq struct {
	ID string `json:"experiment_id"`
}

type experimentResp struct {
	Experiment experimentJSON `json:"experiment"`
}

func (h *Handler) getExperiment(w http.ResponseWriter, r *http.Request) {
	var req experimentIDReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("experiment_id", req.ID)) {
		return
	}
	exp, err := h.experiment(r.Context(), req.ID)
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, experimentResp{experimentOut(exp)})
	}
}

func (h *Handler) getExperimentByName(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"experiment_name"`
	}
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("experiment_name", req.Name)) {
		return
	}
	exp, err := h.st.ExperimentByName(r.Context(), req.Name)
	if errors.Is(err, track.ErrNotFound) || errors.Is(err, track.ErrInvalid) {
		err = mlflowapi.Errorf(mlflowapi.ResourceDoesNotExist, "Could not find experiment with name '%s'", perr.Clip(req.Name))
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, experimentResp{experimentOut(exp)})
	}
}

// experimentSearch is MLflow's experiment search: its columns, order
// and limits.
var experimentSearch = mlflowapi.Search{
	Filter: map[string]mlflowapi.Kind{
		"name": mlflowapi.String, "creation_time": mlflowapi.Number, "last_update_time": mlflowapi.Number,
	},
	Order: map[string]mlflowapi.Kind{
		"name": mlflowapi.String, "experiment_id": mlflowapi.Number,
		"creation_time": mlflowapi.Number, "last_update_time": mlflowapi.Number,
	},
	DefaultOrder:   []mlflowapi.OrderKey{{Key: "creation_time", Desc: true}, {Key: "experiment_id"}},
	Tie:            []mlflowapi.OrderKey{{Key: "experiment_id", Desc: true}},
	DefaultResults: defaultMaxResults, MaxResults: maxMaxResults,
}

type searchExperimentsReq struct {
	mlflowapi.SearchReq
	ViewType mlflowapi.Enum `json:"view_type"`
}

type experimentsResp struct {
	Experiments   []experimentJSON `json:"experiments,omitempty"`
	NextPageToken string           `json:"next_page_token,omitempty"`
}

func (h *Handler) searchExperiments(w http.ResponseWriter, r *http.Request) {
	var req searchExperimentsReq
	if h.rt.Read(w, r, &req) {
		h.answerExperiments(w, r, req.ViewType, req.SearchReq, &experimentSearch)
	}
}

// answerExperiments answers the page of the experiments in a view that
// the search request req selects.
func (h *Handler) answerExperiments(w http.ResponseWriter, r *http.Request, v mlflowapi.Enum, req mlflowapi.SearchReq, s *mlflowapi.Search) {
	view, err := viewType("view_type", v)
	if !h.rt.Check(w, r, err) {
		return
	}
	filter, order, max, err := s.Parse(req)
	if !h.rt.Check(w, r, err) {
		return
	}
	all, err := h.st.Experiments(r.Context())
	if !h.rt.Check(w, r, err) {
		return
	}
	var exps []*track.Experiment
	for _, e := range all {
		if inView(view, e.Deleted) && filter.Match(experimentColumn(e)) {
			exps = append(exps, e)
		}
	}
	mlflowapi.SortFunc(exps, order, experimentValue)
	lo, hi, next, err := mlflowapi.Page(len(exps), max, req.PageToken)
	if !h.rt.Check(w, r, err) {
		return
	}
	resp := experimentsResp{NextPageToken: next}
	for _, e := range exps[lo:hi] {
		resp.Experiments = append(resp.Experiments, experimentOut(e))
	}
	mlflowapi.WriteJSON(w, resp)
}

func inView(v track.ViewType, deleted bool) bool {
	return v == track.AllRuns || deleted == (v == track.DeletedOnly)
}

func experimentColumn(e *track.Experiment) func(mlflowapi.Column) (string, bool) {
	return func(c mlflowapi.Column) (string, bool) {
		if c.Tag {
			v, ok := e.Tags[c.Key]
			return v, ok
		}
		switch c.Key {
		case "name":
			return e.Name, true
		case "creation_time":
			return strconv.FormatInt(ms(e.Created), 10), true
		}
		return strconv.FormatInt(ms(e.Updated), 10), true
	}
}

func experimentValue(e *track.Experiment, key string) (string, int64, bool) {
	switch key {
	case "name":
		return e.Name, 0, false
	case "experiment_id":
		n, _ := strconv.ParseInt(e.ID, 10, 64)
		return "", n, true
	case "creation_time":
		return "", ms(e.Created), true
	}
	return "", ms(e.Updated), true
}

// listSearch is MLflow 1.x's experiments/list: every experiment of a
// view in id order, paged by offset, all on one page by default.
var listSearch = mlflowapi.Search{Tie: []mlflowapi.OrderKey{{Key: "experiment_id"}}, MaxResults: maxMaxResults}

// listExperiments answers MLflow 1.x's experiments/list, which older
// clients still call.
func (h *Handler) listExperiments(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ViewType   mlflowapi.Enum   `json:"view_type"`
		MaxResults *mlflowapi.Int64 `json:"max_results"`
		PageToken  string           `json:"page_token"`
	}
	if h.rt.Read(w, r, &req) {
		h.answerExperiments(w, r, req.ViewType, mlflowapi.SearchReq{MaxResults: req.MaxResults, PageToken: req.PageToken}, &listSearch)
	}
}

func (h *Handler) updateExperiment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID      string `json:"experiment_id"`
		NewName string `json:"new_name"`
	}
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("experiment_id", req.ID, "new_name", req.NewName)) {
		return
	}
	exp, err := h.experiment(r.Context(), req.ID)
	if err == nil {
		err = h.st.RenameExperiment(r.Context(), exp.ID, req.NewName)
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

func (h *Handler) deleteExperiment(w http.ResponseWriter, r *http.Request) {
	h.editExperiment(w, r, h.st.DeleteExperiment)
}

func (h *Handler) restoreExperiment(w http.ResponseWriter, r *http.Request) {
	h.editExperiment(w, r, h.st.RestoreExperiment)
}

func (h *Handler) editExperiment(w http.ResponseWriter, r *http.Request, edit func(context.Context, string) error) {
	var req experimentIDReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("experiment_id", req.ID)) {
		return
	}
	exp, err := h.experiment(r.Context(), req.ID)
	if err == nil {
		err = edit(r.Context(), exp.ID)
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

type experimentTagReq struct {
	ID    string `json:"experiment_id"`
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (h *Handler) setExperimentTag(w http.ResponseWriter, r *http.Request) {
	var req experimentTagReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("experiment_id", req.ID, "key", req.Key)) {
		return
	}
	exp, err := h.activeExperiment(r.Context(), req.ID)
	if err == nil {
		err = h.st.SetExperimentTag(r.Context(), exp.ID, req.Key, req.Value)
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

func (h *Handler) deleteExperimentTag(w http.ResponseWriter, r *http.Request) {
	var req experimentTagReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("experiment_id", req.ID, "key", req.Key)) {
		return
	}
	exp, err := h.activeExperiment(r.Context(), req.ID)
	if err == nil {
		err = h.st.DeleteExperimentTag(r.Context(), exp.ID, req.Key)
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

// activeExperiment resolves an experiment that may be written to: one
// not deleted, as MLflow requires.
func (h *Handler) activeExperiment(ctx context.Context, id string) (*track.Experiment, error) {
	exp, err := h.experiment(ctx, id)
	if err == nil && exp.Deleted {
		err = mlflowapi.Errorf(mlflowapi.InvalidParameterValue, "The experiment %s must be in the 'active' state. Current state is deleted.", exp.ID)
	}
	return exp, err
}
