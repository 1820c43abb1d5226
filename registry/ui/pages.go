package ui

import (
	"bytes"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/cairn-ml/cairn/internal/web"
	"github.com/cairn-ml/cairn/registry"
)

// versionView is a model version as the pages show it.
type versionView struct {
	Model         string             `json:"model"`
	Number        int                `json:"version"`
	URL           string             `json:"url"`
	URI           string             `json:"uri"` // models:/name/3
	Digest        string             `json:"digest"`
	Size          int64              `json:"size"`
	Format        string             `json:"format"`
	RunID         string             `json:"run_id,omitempty"`
	RunURL        string             `json:"run_url,omitempty"`
	DatasetDigest string             `json:"dataset_digest,omitempty"`
	DatasetURL    string             `json:"dataset_url,omitempty"`
	Metrics       map[string]web.Num `json:"metrics"`
	Tags          map[string]string  `json:"tags"`
	Description   string             `json:"description,omitempty"`
	Created       time.Time          `json:"created"`
	CreatedBy     string             `json:"created_by,omitempty"`
	Updated       time.Time          `json:"updated"`
	Archived      bool               `json:"archived"`
	Aliases       []aliasRef         `json:"aliases"`
	DownloadURL   string             `json:"download_url"`
}

type aliasRef struct {
	Alias   string `json:"alias"`
	Version int    `json:"version"`
	URL     string `json:"url"`
}

func (h *Handler) viewOf(v registry.Version) versionView {
	vv := versionView{
		Model: v.Name, Number: v.Number, URL: h.VersionURL(v.Name, v.Number), URI: v.URI(),
		Digest: v.Digest, Size: v.Size, Format: v.Format, RunID: v.RunID, RunURL: h.runURL(v.RunID),
		DatasetDigest: v.DatasetDigest, DatasetURL: h.datasetURL(v.DatasetDigest),
		Metrics: make(map[string]web.Num, len(v.Metrics)), Tags: v.Tags, Description: v.Description,
		Created: v.Created, CreatedBy: v.CreatedBy, Updated: v.Updated, Archived: v.Archived,
		Aliases: []aliasRef{}, DownloadURL: h.VersionURL(v.Name, v.Number) + "/download",
	}
	if vv.Tags == nil {
		vv.Tags = map[string]string{}
	}
	for k, m := range v.Metrics {
		vv.Metrics[k] = web.Num(m)
	}
	for _, a := range v.Aliases {
		vv.Aliases = append(vv.Aliases, aliasRef{Alias: a, Version: v.Number, URL: vv.URL})
	}
	return vv
}

// eventView is one move of an alias.
type eventView struct {
	Seq     uint64    `json:"seq"`
	Alias   string    `json:"alias"`
	Kind    string    `json:"kind"` // "set", "deleted" or "rolled back"
	From    int       `json:"from"` // 0: the alias was not set
	To      int       `json:"to"`   // 0: the alias was deleted
	FromURL string    `json:"-"`
	ToURL   string    `json:"-"`
	By      string    `json:"by"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
	Undoes  uint64    `json:"undoes,omitempty"` // the Seq a Rollback undid
}

func (h *Handler) event(e registry.AliasEvent) eventView {
	ev := eventView{Seq: e.Seq, Alias: e.Alias, Kind: e.Kind.String(), From: e.From, To: e.To, By: e.By, Reason: e.Reason, At: e.At, Undoes: e.Undoes}
	if e.From > 0 {
		ev.FromURL = h.VersionURL(e.Name, e.From)
	}
	if e.To > 0 {
		ev.ToURL = h.VersionURL(e.Name, e.To)
	}
	return ev
}

type modelItem struct {
	Name        string     `json:"name"`
	URL         string     `json:"url"`
	Description string     `json:"description,omitempty"`
	LastVersion int        `json:"last_version"`
	Aliases     []aliasRef `json:"aliases"`
	Created     time.Time  `json:"created"`
	CreatedBy   string     `json:"created_by,omitempty"`
	Updated     time.Time  `json:"updated"`
}

func (h *Handler) modelItem(m registry.Model) modelItem {
	it := modelItem{Name: m.Name, URL: h.ModelURL(m.Name), Description: m.Description, LastVersion: m.LastVersion,
		Aliases: []aliasRef{}, Created: m.Created, CreatedBy: m.CreatedBy, Updated: m.Updated}
	for _, a := range web.SortedKeys(m.Aliases) {
		it.Aliases = append(it.Aliases, aliasRef{Alias: a, Version: m.Aliases[a], URL: h.VersionURL(m.Name, m.Aliases[a])})
	}
	return it
}

type modelsPage struct {
	Models []modelItem `json:"models"`
}

func (h *Handler) models(rq *web.Request) {
	ms, err := h.reg.Models(rq.Ctx)
	if err != nil {
		h.regError(rq, "models", err)
		return
	}
	page := modelsPage{Models: []modelItem{}}
	for _, m := range ms {
		page.Models = append(page.Models, h.modelItem(m))
	}
	h.site.Render(rq, http.StatusOK, "models", "Models", nil, page)
}

// aliasView is an alias of a model and its last move.
type aliasView struct {
	Alias   string    `json:"alias"`
	Version int       `json:"version"`
	URL     string    `json:"url"`
	Since   time.Time `json:"since,omitzero"`
	By      string    `json:"by,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}

type modelPage struct {
	modelItem
	Tags       map[string]string `json:"tags"`
	TagKeys    []string          `json:"-"`
	AliasList  []aliasView       `json:"alias_targets"`
	Versions   []versionView     `json:"versions"`
	MetricKeys []string          `json:"-"`
	// History is every alias move, oldest first; the page lists them
	// newest first.
	History  []eventView   `json:"alias_history"`
	Newest   []eventView   `json:"-"`
	Timeline template.HTML `json:"-"`
}

func (h *Handler) model(rq *web.Request, name string) {
	m, err := h.reg.Model(rq.Ctx, name)
	if err != nil {
		h.regError(rq, "model", err)
		return
	}
	vs, err := h.reg.Versions(rq.Ctx, name)
	if err != nil {
		h.regError(rq, "versions", err)
		return
	}
	evs, err := h.reg.AliasHistory(rq.Ctx, name, "")
	if err != nil {
		h.regError(rq, "alias history", err)
		return
	}
	page := modelPage{modelItem: h.modelItem(m), Tags: m.Tags, Versions: []versionView{}, History: []eventView{}, AliasList: []aliasView{}}
	if page.Tags == nil {
		page.Tags = map[string]string{}
	}
	page.TagKeys = web.SortedKeys(page.Tags)
	keys := map[string]bool{}
	for i := len(vs) - 1; i >= 0; i-- { // newest first
		page.Versions = append(page.Versions, h.viewOf(vs[i]))
		for k := range vs[i].Metrics {
			keys[k] = true
		}
	}
	page.MetricKeys = web.SortedKeys(keys)
	last := map[string]registry.AliasEvent{}
	for _, e := range evs {
		page.History = append(page.History, h.event(e))
		last[e.Alias] = e
	}
	page.Newest = slices.Clone(page.History)
	slices.Reverse(page.Newest)
	for _, a := range page.Aliases {
		av := aliasView{Alias: a.Alias, Version: a.Version, URL: a.URL}
		if e, ok := last[a.Alias]; ok {
			av.Since, av.By, av.Reason = e.At, e.By, e.Reason
		}
		page.AliasList = append(page.AliasList, av)
	}
	if len(evs) > 0 {
		page.Timeline = timeline(m.Name, evs, m.LastVersion, m.Updated)
	}
	crumbs := []web.Link{{Text: "Models", URL: h.prefix}, {Text: m.Name}}
	h.site.Render(rq, http.StatusOK, "model", m.Name, crumbs, page)
}

type versionPage struct {
	versionView
	TagKeys    []string `json:"-"`
	MetricKeys []string `json:"-"`
	// Events are the alias moves from or to this version, newest first.
	Events []eventView `json:"alias_events"`
	// SameRun and SameData are the other versions, of any model,
	// registered from the same run or trained on the same data.
	SameRun         []versionView `json:"same_run"`
	SameData        []versionView `json:"same_dataset"`
	ModelURL        string        `json:"model_url"`
	DataVersionsURL string        `json:"-"`
	Changed         bool          `json:"-"` // updated since registered
}

// version serves a version's page; ref is a number ("3", "v3"),
// "latest" or an alias ("@champion").
func (h *Handler) version(rq *web.Request, name, ref string) {
	v, err := h.reg.Get(rq.Ctx, name, ref)
	if err != nil {
		h.regError(rq, "version", err)
		return
	}
	page := versionPage{versionView: h.viewOf(v), Events: []eventView{}, SameRun: []versionView{}, SameData: []versionView{}, ModelURL: h.ModelURL(v.Name)}
	page.TagKeys, page.MetricKeys = web.SortedKeys(page.Tags), web.SortedKeys(page.Metrics)
	page.Changed = !v.Updated.Equal(v.Created) && !v.Updated.IsZero()
	evs, err := h.reg.AliasHistory(rq.Ctx, name, "")
	if err != nil {
		h.regError(rq, "alias history", err)
		return
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].From == v.Number || evs[i].To == v.Number {
			page.Events = append(page.Events, h.event(evs[i]))
		}
	}
	other := func(vs []registry.Version) []versionView {
		out := []versionView{}
		for _, o := range vs {
			if o.Name != v.Name || o.Number != v.Number {
				out = append(out, h.viewOf(o))
			}
		}
		return out
	}
	if v.RunID != "" {
		vs, err := h.reg.VersionsByRun(rq.Ctx, v.RunID)
		if err != nil {
			h.regError(rq, "versions by run", err)
			return
		}
		page.SameRun = other(vs)
	}
	if v.DatasetDigest != "" {
		vs, err := h.reg.VersionsByDataset(rq.Ctx, v.DatasetDigest)
		if err != nil {
			h.regError(rq, "versions by data set", err)
			return
		}
		page.SameData = other(vs)
		page.DataVersionsURL = h.DatasetVersionsURL(v.DatasetDigest)
	}
	crumbs := []web.Link{{Text: "Models", URL: h.prefix}, {Text: v.Name, URL: page.ModelURL}, {Text: "version " + strconv.Itoa(v.Number)}}
	h.site.Render(rq, http.StatusOK, "version", v.Name+" v"+strconv.Itoa(v.Number), crumbs, page)
}

// download sends a version's bytes (checked against its digest) as an
// attachment.
func (h *Handler) download(rq *web.Request, name, ref string) {
	v, b, err := h.reg.Load(rq.Ctx, name, ref)
	if err != nil {
		h.regError(rq, "version", err)
		return
	}
	h.site.Attachment(rq, v.Name+"-v"+strconv.Itoa(v.Number), v.Digest, int64(len(b)), bytes.NewReader(b))
}

type versionsPage struct {
	// Run or Dataset is what the versions share.
	Run        string        `json:"run_id,omitempty"`
	Dataset    string        `json:"dataset_digest,omitempty"`
	URL        string        `json:"url,omitempty"` // the run's page, or the data set's
	Versions   []versionView `json:"versions"`
	MetricKeys []string      `json:"-"`
}

// byRun lists the versions registered from a run; a run with none gets
// an empty list (not a 404: the run may well exist in the tracker).
func (h *Handler) byRun(rq *web.Request, runID string) {
	vs, err := h.reg.VersionsByRun(rq.Ctx, runID)
	if err != nil {
		h.regError(rq, "run", err)
		return
	}
	page := h.versionsPage(vs)
	page.Run, page.URL = runID, h.runURL(runID)
	crumbs := []web.Link{{Text: "Models", URL: h.prefix}, {Text: "versions from run " + runID}}
	h.site.Render(rq, http.StatusOK, "versions", "Versions from run "+runID, crumbs, page)
}

// byDataset lists the versions trained on a data set.
func (h *Handler) byDataset(rq *web.Request, digest string) {
	vs, err := h.reg.VersionsByDataset(rq.Ctx, digest)
	if err != nil {
		h.regError(rq, "data set", err)
		return
	}
	page := h.versionsPage(vs)
	page.Dataset = digest
	if h.opts.DatasetURL != nil {
		page.URL = h.opts.DatasetURL(digest)
	}
	crumbs := []web.Link{{Text: "Models", URL: h.prefix}, {Text: "versions trained on " + web.ShortDigest(digest)}}
	h.site.Render(rq, http.StatusOK, "versions", "Versions trained on "+web.ShortDigest(digest), crumbs, page)
}

func (h *Handler) versionsPage(vs []registry.Version) versionsPage {
	page := versionsPage{Versions: []versionView{}}
	keys := map[string]bool{}
	for _, v := range vs {
		page.Versions = append(page.Versions, h.viewOf(v))
		for k := range v.Metrics {
			keys[k] = true
		}
	}
	page.MetricKeys = web.SortedKeys(keys)
	return page
}
