package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"time"

	"github.com/cairn-ml/cairn/internal/web"
	"github.com/cairn-ml/cairn/track"
)

type point struct {
	Value web.Num   `json:"value"`
	Step  int64     `json:"step"`
	Time  time.Time `json:"time"`
}

// metricView is a metric of a run: its latest value and its history.
type metricView struct {
	Key     string        `json:"key"`
	Latest  point         `json:"latest"`
	History []point       `json:"history"`
	Chart   template.HTML `json:"-"`
}

type inputView struct {
	track.Input
	RunsURL string `json:"runs_url,omitempty"` // the runs that used the same digest
}

type artifactView struct {
	Path   string    `json:"path"`
	Digest string    `json:"digest"`
	Size   int64     `json:"size"`
	Time   time.Time `json:"time"`
	URL    string    `json:"url"`
}

type runPage struct {
	runRow
	Experiment expRef            `json:"experiment"`
	Parent     *runLink          `json:"parent,omitempty"`
	Tags       map[string]string `json:"tags"`
	TagKeys    []string          `json:"-"`
	ParamKeys  []string          `json:"-"`
	MetricList []metricView      `json:"metric_history"`
	Inputs     []inputView       `json:"inputs"`
	Artifacts  []artifactView    `json:"artifacts"`
	ModelsURL  string            `json:"models_url,omitempty"`
	// Children are the runs nested under this one (a tuning study's
	// trials), oldest first, at most Options.MaxTrials of them.
	Children      []runRow  `json:"children"`
	MoreChildren  bool      `json:"more_children,omitempty"`
	ChildParams   []string  `json:"-"`
	ChildMetrics  []string  `json:"-"`
	CompareURL    string    `json:"compare_url,omitempty"`
	ChildrenURL   string    `json:"children_url,omitempty"`
	Tuning        *tuning   `json:"tuning,omitempty"`
	CompareAllURL string    `json:"-"`
	ChildTable    tableView `json:"-"`
	Compare       string    `json:"-"`
	// SingleChart draws the metrics logged once, as bars.
	SingleChart template.HTML `json:"-"`
}

type runLink struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// run serves a run's page. Query: objective and direction choose the
// metric (and whether larger is better) of a tuning study's history.
func (h *Handler) run(rq *web.Request, id string) {
	rec, err := h.st.RunRecord(rq.Ctx, id)
	if err != nil {
		h.storeError(rq, "run", err)
		return
	}
	exp, err := h.st.ExperimentByID(rq.Ctx, rec.ExperimentID)
	if err != nil {
		h.storeError(rq, "experiment", err)
		return
	}
	page := runPage{runRow: h.row(rec), Experiment: h.expRef(exp), Tags: rec.Tags, Inputs: []inputView{}, Artifacts: []artifactView{}, MetricList: []metricView{}, Children: []runRow{}}
	if page.Tags == nil {
		page.Tags = map[string]string{}
	}
	page.TagKeys, page.ParamKeys = web.SortedKeys(page.Tags), web.SortedKeys(page.Params)
	crumbs := []web.Link{{Text: "Experiments", URL: h.prefix}, {Text: exp.Name, URL: page.Experiment.URL}}
	if rec.ParentID != "" {
		page.Parent = &runLink{ID: rec.ParentID, URL: h.RunURL(rec.ParentID)}
		if prec, err := h.st.RunRecord(rq.Ctx, rec.ParentID); err == nil {
			page.Parent.Name = prec.Name
		}
		crumbs = append(crumbs, web.Link{Text: runTitle(page.Parent.Name, rec.ParentID), URL: page.Parent.URL})
	}
	crumbs = append(crumbs, web.Link{Text: runTitle(rec.Name, rec.ID)})
	if h.opts.ModelURL != nil {
		page.ModelsURL = h.opts.ModelURL(rec.ID)
	}
	single := bars{Title: "metrics logged once"}
	for _, key := range web.SortedKeys(rec.Metrics) {
		hist, err := h.st.MetricHistory(rq.Ctx, rec.ID, key)
		if err != nil {
			h.storeError(rq, "metric history", err)
			return
		}
		m := rec.Metrics[key]
		mv := metricView{Key: key, Latest: point{Value: web.Num(m.Value), Step: m.Step, Time: m.Time}, History: make([]point, len(hist))}
		for i, p := range hist {
			mv.History[i] = point{Value: web.Num(p.Value), Step: p.Step, Time: p.Time}
		}
		if len(hist) > 1 {
			s := historySeries(runTitle(rec.Name, rec.ID), hist, 0)
			mv.Chart = plot{Title: key, XLabel: s.xlabel, IntX: true, Series: []series{s.series}}.SVG()
		} else {
			single.Labels, single.Values = append(single.Labels, key), append(single.Values, m.Value)
		}
		page.MetricList = append(page.MetricList, mv)
	}
	if len(single.Values) > 0 {
		page.SingleChart = single.SVG()
	}
	for _, in := range rec.Inputs {
		iv := inputView{Input: in}
		if in.Digest != "" {
			iv.RunsURL = h.DatasetURL(in.Digest)
		}
		page.Inputs = append(page.Inputs, iv)
	}
	arts, err := h.st.Artifacts(rq.Ctx, rec.ID)
	if err != nil {
		h.storeError(rq, "artifacts", err)
		return
	}
	for _, a := range arts {
		page.Artifacts = append(page.Artifacts, artifactView{Path: a.Path, Digest: a.Digest, Size: a.Size, Time: a.Time, URL: h.artifactURL(rec.ID, a.Path)})
	}
	filter := "attributes.parent_run_id = " + quoteString(rec.ID)
	kids, next, err := h.st.SearchRuns(rq.Ctx, track.SearchOptions{
		ExperimentIDs: []string{rec.ExperimentID}, Filter: filter,
		OrderBy: []string{"attributes.start_time ASC"}, Limit: h.opts.MaxTrials,
	})
	if err != nil {
		h.storeError(rq, "child runs", err)
		return
	}
	if len(kids) > 0 {
		page.MoreChildren = next != ""
		page.ChildrenURL = h.ExperimentURL(rec.ExperimentID) + "?" + encodeFilter(filter)
		params, metrics := map[string]bool{}, map[string]bool{}
		ids := make([]string, 0, len(kids))
		for _, k := range kids {
			row := h.row(k)
			row.ParentURL = "" // it is this page
			page.Children = append(page.Children, row)
			ids = append(ids, k.ID)
			for p := range row.Params {
				params[p] = true
			}
			for m := range row.Metrics {
				metrics[m] = true
			}
		}
		page.ChildParams, page.ChildMetrics = web.SortedKeys(params), web.SortedKeys(metrics)
		if len(ids) >= 2 && len(ids) <= MaxCompare {
			page.CompareAllURL = h.CompareURL(ids...)
		}
		page.Tuning = h.tuning(rq, rec, kids)
		if page.Tuning != nil {
			for i := range page.Children {
				page.Children[i].Best = page.Children[i].ID == page.Tuning.BestID
			}
		}
		plain := func(keys []string, kind string) []header {
			var hs []header
			for _, k := range keys {
				hs = append(hs, header{Label: k, Column: kind + "." + quoteKey(k)})
			}
			return hs
		}
		attrs := []header{{Label: "Run"}, {Label: "Status"}, {Label: "Started"}}
		page.ChildTable = newTable(page.Children, attrs, plain(page.ChildParams, "params"), plain(page.ChildMetrics, "metrics"), false, true, nil)
		page.Compare = h.prefix + "compare"
	}
	h.site.Render(rq, http.StatusOK, "run", runTitle(rec.Name, rec.ID), crumbs, page)
}

func encodeFilter(f string) string {
	return url.Values{"filter": {f}}.Encode()
}

// runTitle is a run's name, or the start of its id when it has none.
func runTitle(name, id string) string {
	if name != "" {
		return name
	}
	return "run " + web.ShortID(id)
}

type histSeries struct {
	series
	xlabel string
}

// historySeries makes a metric's history a series, x being the step; when
// every value has the same step, x is the value's position instead.
func historySeries(name string, hist []track.Metric, color int) histSeries {
	s := series{Name: name, Color: color, Line: true, Dots: len(hist) <= 60}
	same := true
	for _, p := range hist {
		same = same && p.Step == hist[0].Step
	}
	label := "step"
	if same && len(hist) > 1 {
		label = "value #"
	}
	for i, p := range hist {
		x := float64(p.Step)
		if label != "step" {
			x = float64(i + 1)
		}
		s.X, s.Y = append(s.X, x), append(s.Y, p.Value)
		if s.Dots { // tooltips only where there are dots to hold them
			s.Tips = append(s.Tips, name+": "+web.FormatFull(p.Value)+" at step "+strconv.FormatInt(p.Step, 10)+", "+web.FormatTime(p.Time))
		}
	}
	return histSeries{series: s, xlabel: label}
}

// artifact sends an artifact's content as a download. It is never shown
// inline, whatever it holds: an HTML artifact from a run must not run in
// the dashboard's origin.
func (h *Handler) artifact(rq *web.Request, runID, p string) {
	rc, a, err := h.st.OpenArtifact(rq.Ctx, runID, p)
	if err != nil {
		h.storeError(rq, "artifact", err)
		return
	}
	defer rc.Close()
	h.site.Attachment(rq, path.Base(a.Path), a.Digest, a.Size, rc)
}

// MarshalJSON implements json.Marshaler.
func (p point) MarshalJSON() ([]byte, error) { return p.appendJSON(make([]byte, 0, 80)), nil }

// appendJSON appends the point as JSON: {"value":...,"step":...,"time":"..."}.
func (p point) appendJSON(b []byte) []byte {
	b = append(b, `{"value":`...)
	v, _ := p.Value.MarshalJSON()
	b = append(b, v...)
	b = append(b, `,"step":`...)
	b = strconv.AppendInt(b, p.Step, 10)
	b = append(b, `,"time":"`...)
	b = p.Time.AppendFormat(b, time.RFC3339Nano)
	return append(b, `"}`...)
}
