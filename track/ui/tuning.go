package ui

import (
	"html/template"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cairn-ml/cairn/internal/web"
	"github.com/cairn-ml/cairn/track"
)

// tuning is the study view of a parent run.
type tuning struct {
	Objective string `json:"objective"`
	Direction string `json:"direction"` // "maximize" or "minimize"
	// Chosen says where the objective came from: "query", "tag", or
	// "guess" (the metric most trials log, first by name).
	Chosen     string         `json:"chosen"`
	Trials     []trialPoint   `json:"trials"`
	BestID     string         `json:"best_run_id,omitempty"`
	Best       *trialPoint    `json:"best,omitempty"`
	Importance []importance   `json:"importance"`
	Note       string         `json:"importance_note,omitempty"`
	Others     []web.Link     `json:"-"` // the page with another objective
	Flip       string         `json:"-"` // the page with the other direction
	History    template.HTML  `json:"-"`
	Bars       template.HTML  `json:"-"`
	Complete   int            `json:"complete"`
	objectives map[string]int // metric key -> children that log it
}

// trialPoint is one trial of the optimisation history.
type trialPoint struct {
	Number int    `json:"number"`
	RunID  string `json:"run_id"`
	Name   string `json:"name"`
	URL    string `json:"url"`
	Status string `json:"status"`
	// Value is the objective's latest value ("NaN" when the trial has
	// none); Best the best value of the finished trials up to this one
	// ("NaN" before the first).
	Value web.Num `json:"value"`
	Best  web.Num `json:"best"`
}

// importance is how much of the spread of the objective one parameter
// explains on its own; see the package doc, # Tuning studies.
type importance struct {
	Param      string  `json:"param"`
	Importance web.Num `json:"importance"` // Effect over the sum of all effects
	Effect     web.Num `json:"effect"`     // omega squared of the ranks by the param's groups
	Trials     int     `json:"trials"`     // finished trials that logged it
	Groups     int     `json:"groups"`     // values or bins they were grouped into
}

// minTrials is the fewest finished trials importance is computed from.
const minTrials = 4

// tuning builds the study view of parent from its children, or returns
// nil when no metric is logged by two or more of them.
func (h *Handler) tuning(rq *web.Request, parent track.RunRecord, kids []track.RunRecord) *tuning {
	t := &tuning{objectives: map[string]int{}, Trials: []trialPoint{}, Importance: []importance{}}
	for _, k := range kids {
		for m := range k.Metrics {
			t.objectives[m]++
		}
	}
	for m, n := range t.objectives {
		if n < 2 {
			delete(t.objectives, m)
		}
	}
	if len(t.objectives) == 0 {
		return nil
	}
	switch q, tag := rq.Query.Get("objective"), parent.Tags[track.TagTuneObjective]; {
	case q != "" && t.objectives[q] > 0:
		t.Objective, t.Chosen = q, "query"
	case tag != "" && t.objectives[tag] > 0:
		t.Objective, t.Chosen = tag, "tag"
	default:
		best := -1
		for _, m := range web.SortedKeys(t.objectives) {
			if t.objectives[m] > best {
				t.Objective, best = m, t.objectives[m]
			}
		}
		t.Chosen = "guess"
	}
	switch q, tag := strings.ToLower(rq.Query.Get("direction")), strings.ToLower(parent.Tags[track.TagTuneDirection]); {
	case q == "maximize" || q == "minimize":
		t.Direction = q
	case tag == "maximize" || tag == "minimize":
		t.Direction = tag
	default:
		t.Direction = guessDirection(t.Objective)
	}
	self := h.RunURL(parent.ID)
	link := func(obj, dir string) string {
		return self + "?" + url.Values{"objective": {obj}, "direction": {dir}}.Encode()
	}
	for _, m := range web.SortedKeys(t.objectives) {
		if m != t.Objective {
			t.Others = append(t.Others, web.Link{Text: m, URL: link(m, guessDirection(m))})
		}
	}
	flip := "minimize"
	if t.Direction == "minimize" {
		flip = "maximize"
	}
	t.Flip = link(t.Objective, flip)

	nums := trialNumbers(kids)
	order := make([]int, len(kids))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return nums[order[a]] < nums[order[b]] })
	better := func(a, b float64) bool {
		if t.Direction == "minimize" {
			return a < b
		}
		return a > b
	}
	best := math.NaN()
	var done, other, bestLine series
	done = series{Name: "finished trial", Color: 0, Dots: true}
	other = series{Name: "other trial (not finished)", Color: -1, Dots: true, Hollow: true}
	bestLine = series{Name: "best so far", Color: 3, Step: true}
	var finished []track.RunRecord
	var ys []float64
	for _, i := range order {
		k := kids[i]
		v := math.NaN()
		if m, ok := k.Metrics[t.Objective]; ok {
			v = m.Value
		}
		ok := k.Status == track.StatusFinished && finite(v)
		if ok {
			if math.IsNaN(best) || better(v, best) {
				best, t.BestID = v, k.ID
			}
			finished, ys = append(finished, k), append(ys, v)
		}
		p := trialPoint{Number: nums[i], RunID: k.ID, Name: k.Name, URL: h.RunURL(k.ID), Status: k.Status.String(), Value: web.Num(v), Best: web.Num(best)}
		t.Trials = append(t.Trials, p)
		tip := "trial " + strconv.Itoa(p.Number) + " (" + runTitle(k.Name, k.ID) + "): " + web.FormatFull(v)
		s := &other
		if ok {
			s = &done
		}
		s.X, s.Y, s.Tips = append(s.X, float64(p.Number)), append(s.Y, v), append(s.Tips, tip)
		bestLine.X, bestLine.Y = append(bestLine.X, float64(p.Number)), append(bestLine.Y, best)
	}
	t.Complete = len(finished)
	for i := range t.Trials {
		if t.Trials[i].RunID == t.BestID {
			p := t.Trials[i]
			t.Best = &p
		}
	}
	ss := []series{done}
	if len(other.X) > 0 {
		ss = append(ss, other)
	}
	ss = append(ss, bestLine)
	t.History = plot{Title: t.Objective + " per trial (" + t.Direction + ")", XLabel: "trial", IntX: true, Series: ss, Width: 560, Height: 260}.SVG()

	if len(finished) < minTrials {
		t.Note = "parameter importance needs at least " + strconv.Itoa(minTrials) + " finished trials with a value"
		return t
	}
	params := make([]map[string]string, len(finished))
	for i, k := range finished {
		params[i] = k.Params
	}
	t.Importance = paramImportance(params, ys)
	if len(t.Importance) > 0 {
		var labels []string
		var vals []float64
		for _, im := range t.Importance {
			labels, vals = append(labels, im.Param), append(vals, float64(im.Importance))
		}
		t.Bars = bars{Title: "parameter importance for " + t.Objective, Labels: labels, Values: vals, Colors: slices.Repeat([]int{2}, len(vals)), Width: 560}.SVG()
	}
	return t
}

// guessDirection says minimize for a metric named like a loss or an
// error, maximize otherwise.
func guessDirection(metric string) string {
	m := strings.ToLower(metric)
	for _, w := range []string{"loss", "err", "mse", "mae", "rmse", "time", "latency", "cost", "regret"} {
		if strings.Contains(m, w) {
			return "minimize"
		}
	}
	return "maximize"
}

// trialNumbers numbers the children: by their track.TagTuneTrial when
// every child has a distinct one, else in order of start (the children
// come oldest first).
func trialNumbers(kids []track.RunRecord) []int {
	nums := make([]int, len(kids))
	seen := map[int]bool{}
	for i, k := range kids {
		n, err := strconv.Atoi(k.Tags[track.TagTuneTrial])
		if err != nil || n < 0 || seen[n] {
			for j := range nums {
				nums[j] = j
			}
			return nums
		}
		seen[n], nums[i] = true, n
	}
	return nums
}

// paramImportance estimates, for each parameter, the share of the
// variance of the objective it explains on its own. The values ys are
// replaced by their ranks (so one extreme value does not dominate). The
// trials that have the parameter are grouped by its value: by the value
// itself when some value is not a number, else into about cbrt(n) (2 to
// 10) bins of equal count of the sorted numbers (equal numbers share a
// bin). The effect is the omega squared of a one-way analysis of
// variance of the ranks over the groups, (SSb - (g-1) MSw) / (SSt + MSw),
// clipped to [0, 1]: the variance between groups less what g groups of
// noise would show. Importance is effect over the sum of all effects.
// Parameters in fewer than minTrials trials, or with one value, get 0.
func paramImportance(params []map[string]string, ys []float64) []importance {
	keys := map[string]bool{}
	for _, p := range params {
		for k := range p {
			keys[k] = true
		}
	}
	out := []importance{}
	total := 0.0
	for _, key := range web.SortedKeys(keys) {
		var xs []string
		var y []float64
		for i, p := range params {
			if v, ok := p[key]; ok {
				xs, y = append(xs, v), append(y, ys[i])
			}
		}
		im := importance{Param: key, Trials: len(xs)}
		if len(xs) >= minTrials {
			g := groupsOf(xs)
			im.Groups = slices.Max(g) + 1
			im.Effect = web.Num(omegaSquared(g, ranks(y)))
		}
		total += float64(im.Effect)
		out = append(out, im)
	}
	for i := range out {
		if total > 0 {
			out[i].Importance = out[i].Effect / web.Num(total)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Importance > out[b].Importance })
	return out
}

// groupsOf labels each value with its group, 0..g-1.
func groupsOf(xs []string) []int {
	n := len(xs)
	fs := make([]float64, n)
	numeric := true
	for i, x := range xs {
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil || !finite(f) {
			numeric = false
			break
		}
		fs[i] = f
	}
	g := make([]int, n)
	if !numeric {
		ids := map[string]int{}
		for i, x := range xs {
			id, ok := ids[x]
			if !ok {
				id = len(ids)
				ids[x] = id
			}
			g[i] = id
		}
		return g
	}
	k := min(max(int(math.Round(math.Cbrt(float64(n)))), 2), 10)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return fs[idx[a]] < fs[idx[b]] })
	bin := 0
	for pos, i := range idx {
		if pos > 0 && fs[i] != fs[idx[pos-1]] {
			bin = max(bin, pos*k/n)
		}
		g[i] = bin
	}
	// Renumber the bins used, 0..g-1.
	ids := map[int]int{}
	for _, i := range idx {
		if _, ok := ids[g[i]]; !ok {
			ids[g[i]] = len(ids)
		}
		g[i] = ids[g[i]]
	}
	return g
}

// ranks returns the 1-based ranks of ys, ties averaged.
func ranks(ys []float64) []float64 {
	n := len(ys)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return ys[idx[a]] < ys[idx[b]] })
	r := make([]float64, n)
	for i := 0; i < n; {
		j := i
		for j+1 < n && ys[idx[j+1]] == ys[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}

// omegaSquared is the omega squared of a one-way ANOVA of y over the
// groups, clipped to [0, 1]; 0 when it cannot be told (one group, or a
// group per point, or no spread).
func omegaSquared(group []int, y []float64) float64 {
	n := len(y)
	g := slices.Max(group) + 1
	if g < 2 || n-g < 1 {
		return 0
	}
	sum := make([]float64, g)
	cnt := make([]float64, g)
	mean := 0.0
	for i, v := range y {
		sum[group[i]] += v
		cnt[group[i]]++
		mean += v
	}
	mean /= float64(n)
	sst, ssb := 0.0, 0.0
	for _, v := range y {
		sst += (v - mean) * (v - mean)
	}
	for j := range g {
		if cnt[j] > 0 {
			d := sum[j]/cnt[j] - mean
			ssb += cnt[j] * d * d
		}
	}
	if sst <= 0 {
		return 0
	}
	msw := (sst - ssb) / float64(n-g)
	w := (ssb - float64(g-1)*msw) / (sst + msw)
	return math.Min(math.Max(w, 0), 1)
}
