package mlflow

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/internal/mlflowapi"
	"github.com/cairn-ml/cairn/internal/perr"
	"github.com/cairn-ml/cairn/registry"
)

// SourceFormat is the registry format of the versions created through
// the API: their bytes are a JSON manifest, {"source": ..., "run_id":
// ...}, of the model files MLflow's client logged elsewhere (at source,
// through track/mlflow's artifact routes when it is an mlflow-artifacts
// URI).
const SourceFormat = "mlflow.source/1"

// versionNumber parses MLflow's version field.
func versionNumber(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > registry.MaxVersion {
		return 0, mlflowapi.Errorf(mlflowapi.InvalidParameterValue, "Model version must be a positive integer, not %s.", perr.Quote(s))
	}
	return n, nil
}

type versionReq struct {
	nameReq
	Version string `json:"version"`
}

// get parses a request's name and version and reads that version.
func (h *Handler) get(ctx context.Context, req versionReq) (registry.Version, error) {
	if err := mlflowapi.Required("name", req.Name, "version", req.Version); err != nil {
		return registry.Version{}, err
	}
	n, err := versionNumber(req.Version)
	if err != nil {
		return registry.Version{}, err
	}
	v, err := h.reg.Get(ctx, req.Name, strconv.Itoa(n))
	return v, noVersion(req.Name, n, err)
}

// noVersion words a missing version as MLflow does.
func noVersion(name string, n int, err error) error {
	if errors.Is(err, registry.ErrNotFound) {
		return mlflowapi.Errorf(mlflowapi.ResourceDoesNotExist, "Model Version (name=%s, version=%d) not found", perr.Clip(name), n)
	}
	return err
}

// answerVersion answers with version n of model name, unless err.
func (h *Handler) answerVersion(w http.ResponseWriter, r *http.Request, name string, n int, err error) {
	if !h.rt.Check(w, r, noVersion(name, n, err)) {
		return
	}
	v, err := h.reg.Get(r.Context(), name, strconv.Itoa(n))
	if h.rt.Check(w, r, noVersion(name, n, err)) {
		mlflowapi.WriteJSON(w, versionResp{versionOut(v)})
	}
}

// checkSource refuses sources with relative path parts or NUL, as MLflow's
// server does (it would otherwise lead a client's download outside the
// model's folder).
func checkSource(s string) error {
	u := s
	for i := 0; i < 4; i++ {
		d, err := url.PathUnescape(u)
		if err != nil || d == u {
			break
		}
		u = d
	}
	if strings.IndexByte(u, 0) >= 0 || slices.Contains(strings.Split(strings.ReplaceAll(u, `\`, "/"), "/"), "..") {
		return mlflowapi.Errorf(mlflowapi.InvalidParameterValue,
			"Invalid model version source: %s. It must be an absolute path or URI without relative path references.", perr.Quote(s))
	}
	return nil
}

func (h *Handler) createVersion(w http.ResponseWriter, r *http.Request) {
	var req struct {
		nameReq
		Source      string    `json:"source"`
		RunID       string    `json:"run_id"`
		Tags        []tagJSON `json:"tags"`
		RunLink     string    `json:"run_link"`
		Description string    `json:"description"`
	}
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("name", req.Name, "source", req.Source)) {
		return
	}
	if !h.rt.Check(w, r, checkSource(req.Source)) {
		return
	}
	tags, err := mlflowapi.TagMap("tags", req.Tags)
	if !h.rt.Check(w, r, err) {
		return
	}
	// MLflow registers versions of existing models only.
	if _, err := h.reg.Model(r.Context(), req.Name); !h.rt.Check(w, r, noModel(req.Name, err)) {
		return
	}
	manifest, _ := json.Marshal(struct {
		Source string `json:"source"`
		RunID  string `json:"run_id,omitempty"`
	}{req.Source, req.RunID})
	v, _, err := h.reg.Register(r.Context(), req.Name, strings.NewReader(string(manifest)), registry.RegisterOptions{
		Format: SourceFormat, RunID: req.RunID, Tags: tags, Description: req.Description,
		Source: req.Source, RunLink: req.RunLink, By: h.opts.By,
	})
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, versionResp{versionOut(v)})
	}
}

func (h *Handler) updateVersion(w http.ResponseWriter, r *http.Request) {
	var req struct {
		versionReq
		Description *string `json:"description"`
	}
	if !h.rt.Read(w, r, &req) {
		return
	}
	v, err := h.get(r.Context(), req.versionReq)
	if !h.rt.Check(w, r, err) {
		return
	}
	if req.Description != nil {
		err = h.reg.SetVersionDescription(r.Context(), v.Name, v.Number, *req.Description)
	}
	h.answerVersion(w, r, v.Name, v.Number, err)
}

// transitionStage maps MLflow's stages onto cairn's ideas: Production and
// Staging are the aliases "production" and "staging" (with their
// history: a later Rollback undoes the transition), Archived is the
// archived mark, None is neither.
func (h *Handler) transitionStage(w http.ResponseWriter, r *http.Request) {
	var req struct {
		versionReq
		Stage                   string `json:"stage"`
		ArchiveExistingVersions *bool  `json:"archive_existing_versions"`
	}
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("stage", req.Stage)) {
		return
	}
	st, err := canonicalStage(req.Stage)
	if !h.rt.Check(w, r, err) {
		return
	}
	v, err := h.get(r.Context(), req.versionReq)
	if !h.rt.Check(w, r, err) {
		return
	}
	ctx := r.Context()
	opts := registry.AliasOptions{By: h.opts.By, Reason: "MLflow API: transition to " + st}
	// Leave the other stage first: a version has one stage.
	for _, a := range []string{aliasProduction, aliasStaging} {
		if slices.Contains(v.Aliases, a) && !strings.EqualFold(a, st) {
			if _, err := h.reg.DeleteAlias(ctx, v.Name, a, opts); !h.rt.Check(w, r, err) {
				return
			}
		}
	}
	switch st {
	case "Archived":
		err = h.reg.Archive(ctx, v.Name, v.Number)
	case "None":
		err = h.reg.Unarchive(ctx, v.Name, v.Number)
	default:
		alias := strings.ToLower(st)
		var prev int
		if old, gerr := h.reg.Get(ctx, v.Name, "@"+alias); gerr == nil && old.Number != v.Number {
			prev = old.Number
		}
		if err = h.reg.Unarchive(ctx, v.Name, v.Number); err == nil {
			_, err = h.reg.SetAlias(ctx, v.Name, alias, v.Number, opts)
		}
		if err == nil && prev != 0 && req.ArchiveExistingVersions != nil && *req.ArchiveExistingVersions {
			// The version that held the stage is archived, unless another
			// alias (a server's @champion, say) still points at it.
			if aerr := h.reg.Archive(ctx, v.Name, prev); aerr != nil && !errors.Is(aerr, registry.ErrAliasInUse) {
				err = aerr
			}
		}
	}
	h.answerVersion(w, r, v.Name, v.Number, err)
}

func (h *Handler) deleteVersion(w http.ResponseWriter, r *http.Request) {
	var req versionReq
	if !h.rt.Read(w, r, &req) {
		return
	}
	v, err := h.get(r.Context(), req)
	if err == nil {
		err = h.reg.DeleteVersion(r.Context(), v.Name, v.Number)
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

func (h *Handler) getVersion(w http.ResponseWriter, r *http.Request) {
	var req versionReq
	if !h.rt.Read(w, r, &req) {
		return
	}
	v, err := h.get(r.Context(), req)
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, versionResp{versionOut(v)})
	}
}

func (h *Handler) downloadURI(w http.ResponseWriter, r *http.Request) {
	var req versionReq
	if !h.rt.Read(w, r, &req) {
		return
	}
	v, err := h.get(r.Context(), req)
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, struct {
			URI string `json:"artifact_uri"`
		}{source(v)})
	}
}

func (h *Handler) setVersionTag(w http.ResponseWriter, r *http.Request) {
	var req tagReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("key", req.Key)) {
		return
	}
	v, err := h.get(r.Context(), versionReq{req.nameReq, req.Version})
	if err == nil {
		err = h.reg.SetVersionTag(r.Context(), v.Name, v.Number, req.Key, req.Value)
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

func (h *Handler) deleteVersionTag(w http.ResponseWriter, r *http.Request) {
	var req tagReq
	if !h.rt.Read(w, r, &req) || !h.rt.Check(w, r, mlflowapi.Required("key", req.Key)) {
		return
	}
	v, err := h.get(r.Context(), versionReq{req.nameReq, req.Version})
	if err == nil {
		err = h.reg.DeleteVersionTag(r.Context(), v.Name, v.Number, req.Key)
	}
	if h.rt.Check(w, r, err) {
		mlflowapi.WriteJSON(w, empty)
	}
}

// versionSearch is MLflow's model-version search: its columns, order and
// limits (SqlAlchemyStore's SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT and
// _THRESHOLD).
var versionSearch = mlflowapi.Search{
	Filter: map[string]mlflowapi.Kind{
		"name": mlflowapi.String, "version_number": mlflowapi.Number, "run_id": mlflowapi.String, "source_path": mlflowapi.String,
	},
	Order: map[string]mlflowapi.Kind{
		"name": mlflowapi.String, "version_number": mlflowapi.Number,
		"creation_timestamp": mlflowapi.Number, "last_updated_timestamp": mlflowapi.Number,
	},
	DefaultOrder:   []mlflowapi.OrderKey{{Key: "last_updated_timestamp", Desc: true}},
	Tie:            []mlflowapi.OrderKey{{Key: "name"}, {Key: "version_number", Desc: true}},
	DefaultResults: 10000, MaxResults: 200000,
}

func (h *Handler) searchVersions(w http.ResponseWriter, r *http.Request) {
	var req mlflowapi.SearchReq
	if !h.rt.Read(w, r, &req) {
		return
	}
	filter, order, max, err := versionSearch.Parse(req)
	if !h.rt.Check(w, r, err) {
		return
	}
	models, err := h.reg.Models(r.Context())
	if !h.rt.Check(w, r, err) {
		return
	}
	var found []registry.Version
	for _, m := range models {
		vs, err := h.reg.Versions(r.Context(), m.Name)
		if errors.Is(err, registry.ErrNotFound) {
			continue // deleted meanwhile
		}
		if !h.rt.Check(w, r, err) {
			return
		}
		for _, v := range vs {
			if filter.Match(func(c mlflowapi.Column) (string, bool) {
				if c.Tag {
					t, ok := v.Tags[c.Key]
					return t, ok
				}
				switch c.Key {
				case "name":
					return v.Name, true
				case "version_number":
					return strconv.Itoa(v.Number), true
				case "run_id":
					return v.RunID, v.RunID != ""
				}
				return source(v), true
			}) {
				found = append(found, v)
			}
		}
	}
	mlflowapi.SortFunc(found, order, func(v registry.Version, key string) (string, int64, bool) {
		switch key {
		case "name":
			return v.Name, 0, false
		case "version_number":
			return "", int64(v.Number), true
		case "creation_timestamp":
			return "", v.Created.UnixMilli(), true
		}
		return "", v.Updated.UnixMilli(), true
	})
	lo, hi, next, err := mlflowapi.Page(len(found), max, req.PageToken)
	if !h.rt.Check(w, r, err) {
		return
	}
	resp := struct {
		Versions      []versionJSON `json:"model_versions,omitempty"`
		NextPageToken string        `json:"next_page_token,omitempty"`
	}{NextPageToken: next}
	for _, v := range found[lo:hi] {
		resp.Versions = append(resp.Versions, versionOut(v))
	}
	mlflowapi.WriteJSON(w, resp)
}
