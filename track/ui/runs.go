package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/internal/web"
	"github.com/cairn-ml/cairn/track"
)

// expRef names an experiment in a page.
type expRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

type experimentItem struct {
	expRef
	Created   time.Time `json:"created"`
	LatestRun time.Time `json:"latest_run,omitzero"` // start of its newest run
}

type experimentsPage struct {
	Experiments []experimentItem `json:"experiments"`
	SearchURL   string           `json:"search_url"`
}

func (h *Handler) experiments(rq *web.Request) {
	exps, err := h.st.Experiments(rq.Ctx)
	if err != nil {
		h.storeError(rq, "experiments", err)
		return
	}
	page := experimentsPage{Experiments: []experimentItem{}, SearchURL: h.SearchURL("")}
	for _, e := range exps {
		item := experimentItem{expRef: h.expRef(e), Created: e.Created}
		newest, _, err := h.st.SearchRuns(rq.Ctx, track.SearchOptions{ExperimentIDs: []string{e.ID}, Limit: 1})
		if err != nil {
			h.storeError(rq, "runs", err)
			return
		}
		if len(newest) > 0 {
			item.LatestRun = newest[0].Start
		}
		page.Experiments = append(page.Experiments, item)
	}
	h.site.Render(rq, http.StatusOK, "experiments", "Experiments", nil, page)
}

func (h *Handler) expRef(e *track.Experiment) expRef {
	return expRef{ID: e.ID, Name: e.Name, URL: h.ExperimentURL(e.ID)}
}

// runRow is a run in a table: its attributes, params and latest metrics.
type runRow struct {
	ID           string             `json:"id"`
	Name         string             `json:"name"`
	URL          string             `json:"url"`
	ExperimentID string             `json:"experiment_id"`
	ParentID     string             `json:"parent_id,omitempty"`
	Depth        int                `json:"depth"` // 0, or how deep it is nested under runs in the same table
	Status       string             `json:"status"`
	Deleted      bool               `json:"deleted,omitempty"`
	Start        time.Time          `json:"start"`
	End          time.Time          `json:"end,omitzero"`
	Duration     string             `json:"duration,omitempty"`
	Params       map[string]string  `json:"params"`
	Metrics      map[string]web.Num `json:"metrics"`
	Children     int                `json:"children,omitempty"` // rows nested under it in this table
	Best         bool               `json:"-"`
	ParentURL    string             `json:"-"`
}

func (h *Handler) row(rec track.RunRecord) runRow {
	r := runRow{
		ID: rec.ID, Name: rec.Name, URL: h.RunURL(rec.ID), ExperimentID: rec.ExperimentID,
		ParentID: rec.ParentID, Status: rec.Status.String(), Deleted: rec.Deleted, Start: rec.Start, End: rec.End,
		Params: rec.Params, Metrics: make(map[string]web.Num, len(rec.Metrics)),
	}
	if r.Params == nil {
		r.Params = map[string]string{}
	}
	if !rec.End.IsZero() {
		r.Duration = web.FormatDuration(rec.End.Sub(rec.Start))
	}
	if rec.ParentID != "" {
		r.ParentURL = h.RunURL(rec.ParentID)
	}
	for k, m := range rec.Metrics {
		r.Metrics[k] = web.Num(m.Value)
	}
	return r
}

// header is a sortable column of a runs table.
type header struct {
	Label  string `json:"label"`
	Column string `json:"column"` // as the filter grammar names it
	URL    string `json:"-"`      // the table sorted by it
	Arrow  string `json:"-"`      // ▲ or ▼ when the table is sorted by it
}

type runsPage struct {
	Experiment *expRef      `json:"experiment,omitempty"` // nil: every experiment
	Filter     string       `json:"filter"`
	Order      []string     `json:"order"`
	View       string       `json:"view"`
	Limit      int          `json:"limit"`
	Params     []string     `json:"params"`
	Metrics    []string     `json:"metrics"`
	Runs       []runRow     `json:"runs"`
	NextPage   string       `json:"next_page,omitempty"`
	NextURL    string       `json:"next_url,omitempty"`
	FirstURL   string       `json:"-"`
	Error      *web.Problem `json:"error,omitempty"`
	Table      tableView    `json:"-"`
	Action     string       `json:"-"` // the form's target
	Compare    string       `json:"-"`
	Views      []viewLink   `json:"-"`
	attrs      []header
	paramCols  []header
	metricCols []header
}

// tableView is what the table template draws.
type tableView struct {
	Rows                         []runRow
	Attrs, ParamCols, MetricCols []header
	Params, Metrics              []string
	AllExps, Check               bool
	Exps                         map[string]string // experiment names by id, when AllExps
	Lead                         int               // columns before the params
	Cells                        [][]cell          // per row, its param and metric cells
}

// cell is a param or metric cell of a runs table; Title, when set, holds
// the whole value that Text shortens.
type cell struct {
	Class, Title, Text string
}

func newTable(rows []runRow, attrs, params, metrics []header, allExps, check bool, exps map[string]string) tableView {
	t := tableView{Rows: rows, Attrs: attrs, ParamCols: params, MetricCols: metrics, AllExps: allExps, Check: check, Exps: exps}
	for _, p := range params {
		t.Params = append(t.Params, p.Label)
	}
	for _, m := range metrics {
		t.Metrics = append(t.Metrics, m.Label)
	}
	for _, r := range rows {
		cs := make([]cell, 0, len(params)+len(metrics))
		for i, k := range t.Params {
			c := cell{Text: web.Clip(r.Params[k], 32)}
			if c.Text != r.Params[k] {
				c.Title = r.Params[k]
			}
			if i == 0 {
				c.Class = "first"
			}
			cs = append(cs, c)
		}
		for i, k := range t.Metrics {
			c := cell{Class: "num"}
			if v, ok := r.Metrics[k]; ok {
				c.Text, c.Title = web.FormatNum(float64(v)), web.FormatFull(float64(v))
				if c.Title == c.Text {
					c.Title = ""
				}
			}
			if i == 0 {
				c.Class = "num first"
			}
			cs = append(cs, c)
		}
		t.Cells = append(t.Cells, cs)
	}
	t.Lead = len(attrs) + 1
	if allExps {
		t.Lead++
	}
	if check {
		t.Lead++
	}
	return t
}

type viewLink struct {
	Name string
	URL  string
	On   bool
}

var viewNames = map[string]track.ViewType{"": track.ActiveOnly, "active": track.ActiveOnly, "deleted": track.DeletedOnly, "all": track.AllRuns}

// runs serves the runs table of one experiment, or of all when expID is
// "". Query: filter, order (repeatable), limit, page, view.
func (h *Handler) runs(rq *web.Request, expID string) {
	page := runsPage{Filter: rq.Query.Get("filter"), View: rq.Query.Get("view"), Limit: h.opts.PageSize, Runs: []runRow{}, Params: []string{}, Metrics: []string{}, Compare: h.prefix + "compare"}
	title, base := "All runs", h.SearchURL("")
	var crumbs []web.Link
	allExps := false
	opts := track.SearchOptions{Filter: page.Filter, PageToken: rq.Query.Get("page")}
	if expID != "" {
		exp, err := h.st.ExperimentByID(rq.Ctx, expID)
		if err != nil {
			h.storeError(rq, "experiment", err)
			return
		}
		ref := h.expRef(exp)
		page.Experiment, title, base = &ref, exp.Name, ref.URL
		opts.ExperimentIDs = []string{exp.ID}
		crumbs = []web.Link{{Text: "Experiments", URL: h.prefix}, {Text: exp.Name}}
	} else {
		allExps = true
		crumbs = []web.Link{{Text: "Experiments", URL: h.prefix}, {Text: "All runs"}}
	}
	page.Action = base
	if i := strings.IndexByte(base, '?'); i >= 0 {
		page.Action = base[:i]
	}
	for _, o := range rq.Query["order"] {
		if strings.TrimSpace(o) != "" {
			page.Order = append(page.Order, o)
		}
	}
	opts.OrderBy = page.Order
	view, ok := viewNames[page.View]
	if !ok {
		h.site.Fail(rq, http.StatusBadRequest, "view must be active, deleted or all")
		return
	}
	opts.View = view
	if s := rq.Query.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > track.MaxSearchLimit {
			h.site.Fail(rq, http.StatusBadRequest, "limit must be a whole number from 1 to "+strconv.Itoa(track.MaxSearchLimit))
			return
		}
		page.Limit = n
	}
	opts.Limit = page.Limit
	link := func(order []string, view, token string) string {
		v := url.Values{}
		if page.Filter != "" {
			v.Set("filter", page.Filter)
		}
		v["order"] = order
		if view != "" {
			v.Set("view", view)
		}
		if page.Limit != h.opts.PageSize {
			v.Set("limit", strconv.Itoa(page.Limit))
		}
		if token != "" {
			v.Set("page", token)
		}
		if len(v) == 0 {
			return page.Action
		}
		return page.Action + "?" + v.Encode()
	}
	for _, name := range []string{"active", "deleted", "all"} {
		page.Views = append(page.Views, viewLink{Name: name, URL: link(page.Order, name, ""), On: page.View == name || page.View == "" && name == "active"})
	}

	recs, next, err := h.st.SearchRuns(rq.Ctx, opts)
	var pe *track.ParseError
	if errors.As(err, &pe) {
		param := "filter"
		if pe.Input != page.Filter || page.Filter == "" {
			param = "order"
		}
		page.Error = &web.Problem{Status: http.StatusBadRequest, Message: strings.TrimPrefix(pe.Err.Error(), track.ErrBadQuery.Error()+": "), Param: param, Input: pe.Input, Column: pe.Column}
		h.sortHeaders(&page, link)
		page.Table = newTable(nil, page.attrs, nil, nil, allExps, true, nil)
		h.site.Render(rq, http.StatusBadRequest, "runs", title, crumbs, page)
		return
	}
	if err != nil {
		h.storeError(rq, "runs", err)
		return
	}
	page.Runs = h.nest(recs)
	params, metrics := map[string]bool{}, map[string]bool{}
	for _, r := range page.Runs {
		for k := range r.Params {
			params[k] = true
		}
		for k := range r.Metrics {
			metrics[k] = true
		}
	}
	page.Params, page.Metrics = web.SortedKeys(params), web.SortedKeys(metrics)
	if next != "" {
		page.NextPage, page.NextURL = next, link(page.Order, page.View, next)
	}
	if opts.PageToken != "" {
		page.FirstURL = link(page.Order, page.View, "")
	}
	h.sortHeaders(&page, link)
	var names map[string]string
	if allExps {
		exps, err := h.st.Experiments(rq.Ctx)
		if err != nil {
			h.storeError(rq, "experiments", err)
			return
		}
		names = make(map[string]string, len(exps))
		for _, e := range exps {
			names[e.ID] = e.Name
		}
	}
	page.Table = newTable(page.Runs, page.attrs, page.paramCols, page.metricCols, allExps, true, names)
	h.site.Render(rq, http.StatusOK, "runs", title, crumbs, page)
}

// sortHeaders makes the column headers, each a link that sorts the table
// by it: descending first for metrics, ascending for the rest, and the
// other way when the table is already sorted by it.
func (h *Handler) sortHeaders(page *runsPage, link func(order []string, view, token string) string) {
	cur, desc := "", false
	if len(page.Order) > 0 {
		cur = strings.TrimSpace(page.Order[0])
		fields := strings.Fields(cur)
		if n := len(fields); n > 1 && (strings.EqualFold(fields[n-1], "DESC") || strings.EqualFold(fields[n-1], "ASC")) {
			desc = strings.EqualFold(fields[n-1], "DESC")
			cur = strings.TrimSpace(cur[:strings.LastIndex(cur, fields[n-1])])
		}
	}
	mk := func(label, col string, descFirst bool) header {
		hd := header{Label: label, Column: col}
		dir := descFirst
		if col == cur {
			dir = !desc
			hd.Arrow = "▲"
			if desc {
				hd.Arrow = "▼"
			}
		}
		o := col
		if dir {
			o += " DESC"
		}
		hd.URL = link([]string{o}, page.View, "")
		return hd
	}
	page.attrs = []header{
		mk("Run", "attributes.run_name", false),
		mk("Status", "attributes.status", false),
		mk("Started", "attributes.start_time", true),
	}
	if cur == "" { // track's default order
		page.attrs[2].Arrow = "▼"
		page.attrs[2].URL = link([]string{"attributes.start_time"}, page.View, "")
	}
	page.paramCols, page.metricCols = nil, nil
	for _, k := range page.Params {
		page.paramCols = append(page.paramCols, mk(k, "params."+quoteKey(k), false))
	}
	for _, k := range page.Metrics {
		page.metricCols = append(page.metricCols, mk(k, "metrics."+quoteKey(k), true))
	}
}

// nest orders the rows of one page so that each run follows its parent
// when the parent is on the page too (children keep the page's order
// among themselves), and sets their depth.
func (h *Handler) nest(recs []track.RunRecord) []runRow {
	on := make(map[string]bool, len(recs))
	for _, r := range recs {
		on[r.ID] = true
	}
	kids := map[string][]int{}
	var roots []int
	for i, r := range recs {
		if r.ParentID != "" && on[r.ParentID] && r.ParentID != r.ID {
			kids[r.ParentID] = append(kids[r.ParentID], i)
		} else {
			roots = append(roots, i)
		}
	}
	out := make([]runRow, 0, len(recs))
	seen := make([]bool, len(recs))
	var walk func(i, depth int)
	walk = func(i, depth int) {
		if seen[i] {
			return
		}
		seen[i] = true
		row := h.row(recs[i])
		row.Depth = min(depth, 3)
		row.Children = len(kids[recs[i].ID])
		out = append(out, row)
		for _, k := range kids[recs[i].ID] {
			walk(k, depth+1)
		}
	}
	for _, i := range roots {
		walk(i, 0)
	}
	for i := range recs { // a parent cycle cannot be stored, but never drop a run
		walk(i, 0)
	}
	return out
}
