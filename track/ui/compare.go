package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/internal/web"
	"github.com/cairn-ml/cairn/track"
)

// strCell is a value one run may lack; JSON writes a missing one as null.
type strCell struct {
	V   string
	Has bool
}

func (c strCell) MarshalJSON() ([]byte, error) {
	if !c.Has {
		return []byte("null"), nil
	}
	return []byte(strconv.Quote(c.V)), nil
}

type numCell struct {
	V   web.Num
	Has bool
}

func (c numCell) MarshalJSON() ([]byte, error) {
	if !c.Has {
		return []byte("null"), nil
	}
	return c.V.MarshalJSON()
}

// diffRow is a param or tag across the compared runs.
type diffRow struct {
	Key    string    `json:"key"`
	Values []strCell `json:"values"` // one per run, in the order of runs
	Differ bool      `json:"differ"`
}

// metricRow is a metric across the compared runs: the latest values,
// and every run's history.
type metricRow struct {
	Key     string        `json:"key"`
	Values  []numCell     `json:"values"`
	Differ  bool          `json:"differ"`
	History [][]point     `json:"history"` // one per run; empty when the run lacks it
	Chart   template.HTML `json:"-"`
}

type compareRun struct {
	runRow
	Experiment expRef `json:"experiment"`
	Color      int    `json:"-"`
}

type comparePage struct {
	Runs      []compareRun `json:"runs"`
	Params    []diffRow    `json:"params"`
	Metrics   []metricRow  `json:"metrics"`
	Tags      []diffRow    `json:"tags"`
	OnlyDiff  bool         `json:"only_differences"`
	Cols      int          `json:"-"`
	ToggleURL string       `json:"-"`
	Hidden    int          `json:"-"` // rows left out by OnlyDiff
}

// compare serves the comparison of 2 to MaxCompare runs. Query: run
// (repeatable, or ids separated by commas), diff=1 to show only the
// params and tags that differ.
func (h *Handler) compare(rq *web.Request) {
	var ids []string
	seen := map[string]bool{}
	for _, v := range rq.Query["run"] {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if len(ids) < 2 || len(ids) > MaxCompare {
		h.site.Fail(rq, http.StatusBadRequest, "choose from 2 to "+strconv.Itoa(MaxCompare)+" runs to compare (run=<id>, repeated)")
		return
	}
	page := comparePage{OnlyDiff: rq.Query.Get("diff") == "1"}
	recs := make([]track.RunRecord, len(ids))
	exps := map[string]expRef{}
	for i, id := range ids {
		rec, err := h.st.RunRecord(rq.Ctx, id)
		if err != nil {
			h.storeError(rq, "run "+id, err)
			return
		}
		recs[i] = rec
		if _, ok := exps[rec.ExperimentID]; !ok {
			exp, err := h.st.ExperimentByID(rq.Ctx, rec.ExperimentID)
			if err != nil {
				h.storeError(rq, "experiment", err)
				return
			}
			exps[rec.ExperimentID] = h.expRef(exp)
		}
		page.Runs = append(page.Runs, compareRun{runRow: h.row(rec), Experiment: exps[rec.ExperimentID], Color: i % web.Colors})
	}
	page.Params = diffRows(recs, func(r track.RunRecord) map[string]string { return r.Params })
	page.Tags = diffRows(recs, func(r track.RunRecord) map[string]string { return r.Tags })
	keys := map[string]bool{}
	for _, r := range recs {
		for k := range r.Metrics {
			keys[k] = true
		}
	}
	for _, key := range web.SortedKeys(keys) {
		row := metricRow{Key: key}
		var ss []series
		single := true
		xlabel := "step"
		var labels []string
		var vals []float64
		var colors []int
		for i, r := range recs {
			m, ok := r.Metrics[key]
			row.Values = append(row.Values, numCell{V: web.Num(m.Value), Has: ok})
			if ok != row.Values[0].Has || ok && !sameNum(m.Value, float64(row.Values[0].V)) {
				row.Differ = true
			}
			hist := []point{}
			if ok {
				ms, err := h.st.MetricHistory(rq.Ctx, r.ID, key)
				if err != nil {
					h.storeError(rq, "metric history", err)
					return
				}
				for _, p := range ms {
					hist = append(hist, point{Value: web.Num(p.Value), Step: p.Step, Time: p.Time})
				}
				s := historySeries(runTitle(r.Name, r.ID), ms, i)
				if s.xlabel != "step" {
					xlabel = s.xlabel
				}
				ss = append(ss, s.series)
				single = single && len(ms) <= 1
				labels, vals, colors = append(labels, runTitle(r.Name, r.ID)), append(vals, m.Value), append(colors, i)
			}
			row.History = append(row.History, hist)
		}
		if single {
			row.Chart = bars{Title: key, Labels: labels, Values: vals, Colors: colors}.SVG()
		} else {
			row.Chart = plot{Title: key, XLabel: xlabel, IntX: true, Series: ss}.SVG()
		}
		page.Metrics = append(page.Metrics, row)
	}
	v := url.Values{"run": ids}
	if !page.OnlyDiff {
		v.Set("diff", "1")
		page.Params, page.Tags, page.Hidden = onlyDiffering(page.Params, page.Tags, false)
	} else {
		page.Params, page.Tags, page.Hidden = onlyDiffering(page.Params, page.Tags, true)
	}
	page.Cols = len(page.Runs) + 1
	page.ToggleURL = h.prefix + "compare?" + v.Encode()
	crumbs := []web.Link{{Text: "Experiments", URL: h.prefix}, {Text: "Compare " + strconv.Itoa(len(ids)) + " runs"}}
	h.site.Render(rq, http.StatusOK, "compare", "Compare runs", crumbs, page)
}

func sameNum(a, b float64) bool { return a == b || a != a && b != b }

// diffRows lines up one map of every run by key.
func diffRows(recs []track.RunRecord, get func(track.RunRecord) map[string]string) []diffRow {
	keys := map[string]bool{}
	for _, r := range recs {
		for k := range get(r) {
			keys[k] = true
		}
	}
	rows := []diffRow{}
	for _, k := range web.SortedKeys(keys) {
		row := diffRow{Key: k}
		for _, r := range recs {
			v, ok := get(r)[k]
			row.Values = append(row.Values, strCell{V: v, Has: ok})
			if ok != row.Values[0].Has || v != row.Values[0].V {
				row.Differ = true
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// onlyDiffering keeps every row, or only the rows that differ, and says
// how many it left out.
func onlyDiffering(params, tags []diffRow, only bool) ([]diffRow, []diffRow, int) {
	if !only {
		return params, tags, 0
	}
	hidden := 0
	keep := func(rows []diffRow) []diffRow {
		out := []diffRow{}
		for _, r := range rows {
			if r.Differ {
				out = append(out, r)
			} else {
				hidden++
			}
		}
		return out
	}
	return keep(params), keep(tags), hidden
}
