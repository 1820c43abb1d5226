package mlflow

import (
	"context"
	"errors"
	"net/http"

	"github.com/cairn-ml/cairn/internal/mlflowapi"
	"github.com/cairn-ml/cairn/internal/perr"
	"github.com/cairn-ml/cairn/registry"
)

// model reads a registered model with its versions, for the latest
// version of each stage MLflow returns with it.
func (h *Handler) model(ctx context.Context, name string) (modelJSON, error) {
	m, err := h.reg.Model(ctx, name)
	if err != nil {
		return modelJSON{}, noModel(name, err)
	}
	vs, err := h.reg.Versions(ctx, name)
	if err != nil {
		return modelJSON{}, noModel(name, err)
	}
	return modelOut(m, vs), nil
}

// noModel words a missing model as MLflow does.
func noModel(name string, err error) error {
	if errors.Is(err, registry.ErrNotFound) {
		return mlflowapi.Errorf(mlflowapi.ResourceDoesNotExist, "Registered Model with name=%s not found", perr.Clip(name))
	}
	return err
}

type createModelReq struct {
	Name        string    `json:"name"`
	Tags        []tagJSON `json:"tags"`
	Description string    `json:"description"`
}

func (h *Handler) createModel(w http.ResponseWriter, r *http.Request) {
	var req createModelReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("name", req.Name)) {
		return
	}
	tags, err := mlflowapi.TagMap("tags", req.Tags)
	if !h.rt.Check(w, r, err) {
		return
	}
	_, err = h.reg.CreateModel(r.Context(), req.Name, registry.ModelOptions{Description: req.Description, Tags: tags, By: h.opts.By})
	if errors.Is(err, registry.ErrExists) {
		err = mlflowapi.Errorf(mlflowapi.ResourceAlreadyExists, "Registered Model (name=%s) already exists.", perr.Clip(req.Name))
	}
	h.answerModel(w, r, req.Name, err)
}

// answerModel answers with the model called name, unless err.
func (h *Handler) answerModel(w http.ResponseWriter, r *http.Request, name string, err error) {
	if !h.rt.Check(w, r, err) {
		return
	}
	m, err := h.model(r.Context(), name)
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, modelResp{m})
	}
}

type nameReq struct {
	Name string `json:"name"`
}

func (h *Handler) renameModel(w http.ResponseWriter, r *http.Request) {
	var req struct {
		nameReq
		NewName string `json:"new_name"`
	}
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("name", req.Name, "new_name", req.NewName)) {
		return
	}
	err := h.reg.RenameModel(r.Context(), req.Name, req.NewName)
	if errors.Is(err, registry.ErrExists) {
		err = mlflowapi.Errorf(mlflowapi.ResourceAlreadyExists, "Registered Model (name=%s) already exists.", perr.Clip(req.NewName))
	}
	h.answerModel(w, r, req.NewName, noModel(req.Name, err))
}

func (h *Handler) updateModel(w http.ResponseWriter, r *http.Request) {
	var req struct {
		nameReq
		Description *string `json:"description"`
	}
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("name", req.Name)) {
		return
	}
	var err error
	if req.Description != nil {
		err = h.reg.SetDescription(r.Context(), req.Name, *req.Description)
	}
	h.answerModel(w, r, req.Name, noModel(req.Name, err))
}

func (h *Handler) deleteModel(w http.ResponseWriter, r *http.Request) {
	var req nameReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("name", req.Name)) {
		return
	}
	if h.rt.Check(w, r, noModel(req.Name, h.reg.DeleteModel(r.Context(), req.Name))) {
		mlflowapi.WriteJSON(w, empty)
	}
}

func (h *Handler) getModel(w http.ResponseWriter, r *http.Request) {
	var req nameReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("name", req.Name)) {
		return
	}
	h.answerModel(w, r, req.Name, nil)
}

// modelSearch is MLflow's registered-model search: its columns, order and
// limits.
var modelSearch = mlflowapi.Search{
	Filter: map[string]mlflowapi.Kind{"name": mlflowapi.String},
	Order: map[string]mlflowapi.Kind{
		"name": mlflowapi.String, "creation_timestamp": mlflowapi.Number, "last_updated_timestamp": mlflowapi.Number,
		"timestamp": mlflowapi.Number,
	},
	DefaultOrder:   []mlflowapi.OrderKey{{Key: "name"}},
	Tie:            []mlflowapi.OrderKey{{Key: "name"}},
	DefaultResults: 100, MaxResults: 1000,
}

func (h *Handler) searchModels(w http.ResponseWriter, r *http.Request) {
	var req mlflowapi.SearchReq
	if !h.rt.Read(w, r, &req) {
		return
	}
	filter, order, max, err := modelSearch.Parse(req)
	if !h.rt.Check(w, r, err) {
		return
	}
	all, err := h.reg.Models(r.Context())
	if !h.rt.Check(w, r, err) {
		return
	}
	var models []registry.Model
	for _, m := range all {
		if filter.Match(func(c mlflowapi.Column) (string, bool) {
			if c.Tag {
				v, ok := m.Tags[c.Key]
				return v, ok
			}
			return m.Name, true
		}) {
			models = append(models, m)
		}
	}
	mlflowapi.SortFunc(models, order, func(m registry.Model, key string) (string, int64, bool) {
		switch key {
		case "name":
			return m.Name, 0, false
		case "creation_timestamp":
			return "", m.Created.UnixMilli(), true
		}
		return "", m.Updated.UnixMilli(), true
	})
	lo, hi, next, err := mlflowapi.Page(len(models), max, req.PageToken)
	if !h.rt.Check(w, r, err) {
		return
	}
	resp := struct {
		Models        []modelJSON `json:"registered_models,omitempty"`
		NextPageToken string      `json:"next_page_token,omitempty"`
	}{NextPageToken: next}
	for _, m := range models[lo:hi] {
		vs, err := h.reg.Versions(r.Context(), m.Name)
		if errors.Is(err, registry.ErrNotFound) {
			continue // deleted meanwhile
		}
		if !h.rt.Check(w, r, err) {
			return
		}
		resp.Models = append(resp.Models, modelOut(m, vs))
	}
	mlflowapi.WriteJSON(w, resp)
}

func (h *Handler) latestVersions(w http.ResponseWriter, r *http.Request) {
	var req struct {
		nameReq
		Stages []string `json:"stages"`
	}
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("name", req.Name)) {
		return
	}
	for i, s := range req.Stages {
		st, err := canonicalStage(s)
		if !h.rt.Check(w, r, err) {
			return
		}
		req.Stages[i] = st
	}
	vs, err := h.reg.Versions(r.Context(), req.Name)
	if h.rt.Check(w, r, noModel(req.Name, err)) {
		mlflowapi.WriteJSON(w, struct {
			Versions []versionJSON `json:"model_versions,omitempty"`
		}{latest(vs, req.Stages)})
	}
}

type tagReq struct {
	nameReq
	Version string `json:"version"`
	Key     string `json:"key"`
	Value   string `json:"value"`
}

func (h *Handler) setModelTag(w http.ResponseWriter, r *http.Request) {
	var req tagReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("name", req.Name, "key", req.Key)) {
		return
	}
	if h.rt.Check(w, r, noModel(req.Name, h.reg.SetModelTag(r.Context(), req.Name, req.Key, req.Value))) {
		mlflowapi.WriteJSON(w, empty)
	}
}

func (h *Handler) deleteModelTag(w http.ResponseWriter, r *http.Request) {
	var req tagReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("name", req.Name, "key", req.Key)) {
		return
	}
	if h.rt.Check(w, r, noModel(req.Name, h.reg.DeleteModelTag(r.Context(), req.Name, req.Key))) {
		mlflowapi.WriteJSON(w, empty)
	}
}

type aliasReq struct {
	nameReq
	Alias   string `json:"alias"`
	Version string `json:"version"`
}

func (h *Handler) setAlias(w http.ResponseWriter, r *http.Request) {
	var req aliasReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("name", req.Name, "alias", req.Alias, "version", req.Version)) {
		return
	}
	n, err := versionNumber(req.Version)
	if err == nil {
		_, err = h.reg.SetAlias(r.Context(), req.Name, req.Alias, n, registry.AliasOptions{By: h.opts.By, Reason: "MLflow API: set alias"})
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

func (h *Handler) deleteAlias(w http.ResponseWriter, r *http.Request) {
	var req aliasReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("name", req.Name, "alias", req.Alias)) {
		return
	}
	_, err := h.reg.DeleteAlias(r.Context(), req.Name, req.Alias, registry.AliasOptions{By: h.opts.By, Reason: "MLflow API: delete alias"})
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

func (h *Handler) getByAlias(w http.ResponseWriter, r *http.Request) {
	var req aliasReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("name", req.Name, "alias", req.Alias)) {
		return
	}
	v, err := h.reg.Get(r.Context(), req.Name, "@"+req.Alias)
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, versionResp{versionOut(v)})
	}
}
