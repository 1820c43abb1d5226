package track_test

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/track"
)

// fixture is a store with runs in two experiments, and the records of its
// runs as logged, for checking searches against a plain Go oracle.
type fixture struct {
	st   *track.Store
	a, b *track.Experiment
	recs []track.RunRecord // every run, deleted ones included
}

var solvers = []string{"lbfgs", "newton", "cd"}

// buildFixture logs 40 runs: 30 in experiment a (runs 1-5 children of run
// 0), 10 in b. Metric f1 is NaN for every 7th run and missing for every
// 11th; every 4th run is still running; runs 13 and 27 are deleted.
func buildFixture(t testing.TB, now func() time.Time) *fixture {
	t.Helper()
	st := openStore(t, track.Options{Now: now})
	f := &fixture{st: st, a: mustExperiment(t, st, "a"), b: mustExperiment(t, st, "b")}
	rng := rand.New(rand.NewPCG(1, 2))
	var runs []*track.Run
	for i := range 40 {
		exp := f.a
		opts := track.RunOptions{Name: fmt.Sprintf("run-%02d", i)}
		if i >= 30 {
			exp = f.b
		}
		var run *track.Run
		if i >= 1 && i <= 5 {
			var err error
			if run, err = runs[0].StartChild(ctx, track.RunOptions{Name: opts.Name, NoAutoTags: true}); err != nil {
				t.Fatal(err)
			}
		} else {
			run = mustStart(t, exp, opts)
		}
		runs = append(runs, run)
		b := track.Batch{
			Params: map[string]string{"solver": solvers[i%3], "C": fmt.Sprint(i % 5)},
			Tags:   map[string]string{"stage": []string{"dev", "prod"}[i%2]},
			Metrics: []track.Metric{
				{Key: "loss", Value: float64(i % 6), Step: 0},
			},
		}
		if i%5 == 0 {
			b.Tags["team"] = fmt.Sprintf("t%d", i%3)
		}
		switch {
		case i%11 == 0:
		case i%7 == 0:
			b.Metrics = append(b.Metrics, track.Metric{Key: "f1", Value: math.NaN()})
		default:
			b.Metrics = append(b.Metrics, track.Metric{Key: "f1", Value: math.Round(rng.Float64()*100) / 100})
		}
		if err := run.Log(ctx, b); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			ctxName := []string{"training", "test"}[i%2]
			if err := run.LogInput(ctx, track.Input{Name: "wdbc", Version: "v1", Context: ctxName}); err != nil {
				t.Fatal(err)
			}
		}
		switch i % 4 {
		case 0:
		case 1:
			if err := run.End(ctx, track.StatusFailed); err != nil {
				t.Fatal(err)
			}
		default:
			if err := run.End(ctx, track.StatusFinished); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, i := range []int{13, 27} {
		if err := st.DeleteRun(ctx, runs[i].ID()); err != nil {
			t.Fatal(err)
		}
	}
	for _, run := range runs {
		f.recs = append(f.recs, mustRecord(t, run))
	}
	return f
}

// val is the oracle's sort value: class 0 a value, 1 NaN, 2 missing.
type val struct {
	cls int
	num float64
	str string
}

func valueOf(r track.RunRecord, col string) val {
	typ, key, _ := strings.Cut(col, ".")
	switch typ {
	case "metrics":
		m, ok := r.Metrics[key]
		switch {
		case !ok:
			return val{cls: 2}
		case math.IsNaN(m.Value):
			return val{cls: 1}
		}
		return val{num: m.Value}
	case "params", "tags":
		m := r.Params
		if typ == "tags" {
			m = r.Tags
		}
		s, ok := m[key]
		if !ok {
			return val{cls: 2}
		}
		return val{str: s}
	}
	switch key {
	case "start_time":
		return val{num: float64(r.Start.UnixMilli())}
	case "end_time":
		if r.End.IsZero() {
			return val{cls: 2}
		}
		return val{num: float64(r.End.UnixMilli())}
	case "run_name":
		return val{str: r.Name}
	case "status":
		return val{str: r.Status.String()}
	case "run_id":
		return val{str: r.ID}
	}
	panic("unknown column " + col)
}

// oracle returns the ids of the records that pass keep, sorted by order
// (with MLflow's tie-breakers), by plain Go.
func oracle(recs []track.RunRecord, keep func(track.RunRecord) bool, order []string) []string {
	var got []track.RunRecord
	for _, r := range recs {
		if keep(r) {
			got = append(got, r)
		}
	}
	order = append(slices.Clone(order), "attributes.start_time DESC", "attributes.run_id ASC")
	slices.SortStableFunc(got, func(x, y track.RunRecord) int {
		for _, o := range order {
			col, dir, _ := strings.Cut(o, " ")
			a, b := valueOf(x, col), valueOf(y, col)
			if a.cls != b.cls {
				return cmp.Compare(a.cls, b.cls)
			}
			if a.cls != 0 {
				continue
			}
			c := cmp.Compare(a.num, b.num)
			if c == 0 {
				c = strings.Compare(a.str, b.str)
			}
			if dir == "DESC" {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	ids := []string{}
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	return ids
}

func ids(recs []track.RunRecord) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

func metric(r track.RunRecord, k string) (float64, bool) {
	m, ok := r.Metrics[k]
	return m.Value, ok
}

func hasInput(r track.RunRecord, ok func(track.Input) bool) bool {
	return slices.ContainsFunc(r.Inputs, ok)
}

// searchAll pages through a search with the given page size.
func searchAll(t *testing.T, st *track.Store, opts track.SearchOptions) []track.RunRecord {
	t.Helper()
	var all []track.RunRecord
	for page := 0; ; page++ {
		recs, next, err := st.SearchRuns(ctx, opts)
		if err != nil {
			t.Fatalf("SearchRuns(%+v): %v", opts, err)
		}
		if len(recs) > opts.Limit && opts.Limit > 0 {
			t.Fatalf("page of %d > limit %d", len(recs), opts.Limit)
		}
		all = append(all, recs...)
		if next == "" {
			return all
		}
		if page > 100 {
			t.Fatal("more than 100 pages")
		}
		opts.PageToken = next
	}
}

func TestSearchRuns(t *testing.T) {
	f := buildFixture(t, clock())
	active := func(r track.RunRecord) bool { return !r.Deleted }
	parent := f.recs[0].ID
	mid := f.recs[20].Start.UnixMilli()
	filters := []struct {
		filter string
		keep   func(track.RunRecord) bool
	}{
		{"", func(track.RunRecord) bool { return true }},
		{"metrics.f1 > 0.5", func(r track.RunRecord) bool { v, ok := metric(r, "f1"); return ok && v > 0.5 }},
		{"metrics.f1 > 0.5 AND params.solver = 'lbfgs' AND tags.stage != 'dev'", func(r track.RunRecord) bool {
			v, ok := metric(r, "f1")
			return ok && v > 0.5 && r.Params["solver"] == "lbfgs" && r.Tags["stage"] != "dev"
		}},
		{"metrics.f1 != 0.5", func(r track.RunRecord) bool { v, ok := metric(r, "f1"); return ok && v != 0.5 }},
		{"metrics.f1 <= 0.3 OR metrics.f1 >= 0.9", func(r track.RunRecord) bool {
			v, ok := metric(r, "f1")
			return ok && (v <= 0.3 || v >= 0.9)
		}},
		{"metrics.loss = 2", func(r track.RunRecord) bool { v, _ := metric(r, "loss"); return v == 2 }},
		{"metrics.loss < 0", func(r track.RunRecord) bool { return false }},
		{"params.solver IN ('lbfgs', 'cd')", func(r track.RunRecord) bool { return r.Params["solver"] != "newton" }},
		{"params.solver NOT IN ('lbfgs')", func(r track.RunRecord) bool { return r.Params["solver"] != "lbfgs" }},
		{"params.solver LIKE 'l%'", func(r track.RunRecord) bool { return r.Params["solver"] == "lbfgs" }},
		{"params.solver ILIKE 'NEW%'", func(r track.RunRecord) bool { return r.Params["solver"] == "newton" }},
		{"params.solver NOT LIKE '%o%'", func(r track.RunRecord) bool { return r.Params["solver"] != "newton" }},
		{"params.C > '2'", func(r track.RunRecord) bool { return r.Params["C"] > "2" }},
		{"attributes.run_name LIKE 'run-1_'", func(r track.RunRecord) bool { return strings.HasPrefix(r.Name, "run-1") }},
		{"attributes.status = 'finished'", func(r track.RunRecord) bool { return r.Status == track.StatusFinished }},
		{"attributes.status != 'RUNNING'", func(r track.RunRecord) bool { return r.Status != track.StatusRunning }},
		{fmt.Sprintf("attributes.start_time >= %d AND attributes.start_time < %d", mid-30000, mid+30000), func(r track.RunRecord) bool {
			s := r.Start.UnixMilli()
			return s >= mid-30000 && s < mid+30000
		}},
		{"attributes.end_time > 0", func(r track.RunRecord) bool { return !r.End.IsZero() }},
		{fmt.Sprintf("attributes.parent_run_id = '%s'", parent), func(r track.RunRecord) bool { return r.ParentID == parent }},
		{fmt.Sprintf("attributes.run_id IN ('%s', '%s', 'nonsense')", f.recs[3].ID, f.recs[33].ID), func(r track.RunRecord) bool {
			return r.ID == f.recs[3].ID || r.ID == f.recs[33].ID
		}},
		{"datasets.context = 'training'", func(r track.RunRecord) bool {
			return hasInput(r, func(in track.Input) bool { return in.Context == "training" })
		}},
		{"datasets.name = 'wdbc' AND datasets.context = 'test'", func(r track.RunRecord) bool {
			return hasInput(r, func(in track.Input) bool { return in.Context == "test" })
		}},
		{"(params.solver = 'cd' OR metrics.loss < 3) AND tags.stage = 'prod'", func(r track.RunRecord) bool {
			v, _ := metric(r, "loss")
			return (r.Params["solver"] == "cd" || v < 3) && r.Tags["stage"] == "prod"
		}},
		{"tags.team = 't1' OR tags.team = 't2'", func(r track.RunRecord) bool { return r.Tags["team"] == "t1" || r.Tags["team"] == "t2" }},
		{"tags.team != 't0'", func(r track.RunRecord) bool { v, ok := r.Tags["team"]; return ok && v != "t0" }},
	}
	orders := [][]string{
		nil,
		{"metrics.f1 DESC"},
		{"metrics.f1 ASC"},
		{"params.solver", "metrics.loss DESC"},
		{"attributes.run_name DESC"},
		{"tags.team DESC"},
		{"attributes.end_time"},
		{"attributes.run_id DESC"},
		{"attributes.status", "attributes.start_time ASC"},
	}
	scopes := []struct {
		name string
		exps []string
		keep func(track.RunRecord) bool
	}{
		{"all", nil, func(track.RunRecord) bool { return true }},
		{"a", []string{f.a.ID}, func(r track.RunRecord) bool { return r.ExperimentID == f.a.ID }},
		{"a+b", []string{f.b.ID, f.a.ID}, func(track.RunRecord) bool { return true }},
	}
	for _, fc := range filters {
		for _, order := range orders {
			for _, scope := range scopes {
				name := fmt.Sprintf("%s/%s/%s", fc.filter, strings.Join(order, ","), scope.name)
				t.Run(name, func(t *testing.T) {
					want := oracle(f.recs, func(r track.RunRecord) bool { return active(r) && scope.keep(r) && fc.keep(r) }, order)
					opts := track.SearchOptions{ExperimentIDs: scope.exps, Filter: fc.filter, OrderBy: order}
					got, next, err := f.st.SearchRuns(ctx, opts)
					if err != nil {
						t.Fatal(err)
					}
					if next != "" {
						t.Errorf("next page token %q with everything on one page", next)
					}
					if diff := gocmp.Diff(want, ids(got)); diff != "" {
						t.Errorf("SearchRuns (-want +got):\n%s", diff)
					}
					opts.Limit = 3
					if diff := gocmp.Diff(want, ids(searchAll(t, f.st, opts))); diff != "" {
						t.Errorf("SearchRuns in pages of 3 (-want +got):\n%s", diff)
					}
				})
			}
		}
	}
}

func TestSearchViews(t *testing.T) {
	f := buildFixture(t, clock())
	for _, tc := range []struct {
		view track.ViewType
		keep func(track.RunRecord) bool
	}{
		{track.ActiveOnly, func(r track.RunRecord) bool { return !r.Deleted }},
		{track.DeletedOnly, func(r track.RunRecord) bool { return r.Deleted }},
		{track.AllRuns, func(r track.RunRecord) bool { return true }},
	} {
		got, _, err := f.st.SearchRuns(ctx, track.SearchOptions{View: tc.view, OrderBy: []string{"metrics.f1 DESC"}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(oracle(f.recs, tc.keep, []string{"metrics.f1 DESC"}), ids(got)); diff != "" {
			t.Errorf("view %d (-want +got):\n%s", tc.view, diff)
		}
	}
}

// With every run started in the same millisecond, order falls back to
// the run id.
func TestSearchTies(t *testing.T) {
	f := buildFixture(t, func() time.Time { return t0 })
	for _, order := range [][]string{nil, {"params.solver DESC"}, {"metrics.loss"}} {
		want := oracle(f.recs, func(r track.RunRecord) bool { return !r.Deleted }, order)
		for _, limit := range []int{1, 4, 1000} {
			got := searchAll(t, f.st, track.SearchOptions{OrderBy: order, Limit: limit})
			if diff := gocmp.Diff(want, ids(got)); diff != "" {
				t.Errorf("order %v, pages of %d (-want +got):\n%s", order, limit, diff)
			}
		}
	}
}

func TestSearchPageTokens(t *testing.T) {
	f := buildFixture(t, clock())
	opts := track.SearchOptions{Filter: "metrics.f1 > 0", OrderBy: []string{"metrics.f1 DESC"}, Limit: 2}
	first, next, err := f.st.SearchRuns(ctx, opts)
	if err != nil || len(first) != 2 || next == "" {
		t.Fatalf("first page: %d runs, token %q, %v", len(first), next, err)
	}
	// A run logged between pages does not shift the next page: keyset
	// paging continues after the last run returned.
	run := mustStart(t, f.a, track.RunOptions{})
	if err := run.LogMetric(ctx, "f1", 2, 0); err != nil {
		t.Fatal(err)
	}
	second, _, err := f.st.SearchRuns(ctx, track.SearchOptions{Filter: opts.Filter, OrderBy: opts.OrderBy, Limit: 2, PageToken: next})
	if err != nil {
		t.Fatal(err)
	}
	want := oracle(f.recs, func(r track.RunRecord) bool { v, ok := metric(r, "f1"); return !r.Deleted && ok && v > 0 }, opts.OrderBy)
	if diff := gocmp.Diff(want[2:4], ids(second)); diff != "" {
		t.Errorf("second page (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name string
		opts track.SearchOptions
	}{
		{"other filter", track.SearchOptions{Filter: "metrics.f1 > 0.1", OrderBy: opts.OrderBy, PageToken: next}},
		{"other order", track.SearchOptions{Filter: opts.Filter, PageToken: next}},
		{"other view", track.SearchOptions{Filter: opts.Filter, OrderBy: opts.OrderBy, View: track.AllRuns, PageToken: next}},
		{"garbage", track.SearchOptions{Filter: opts.Filter, OrderBy: opts.OrderBy, PageToken: "!!!"}},
		{"truncated", track.SearchOptions{Filter: opts.Filter, OrderBy: opts.OrderBy, PageToken: next[:len(next)-3]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := f.st.SearchRuns(ctx, tc.opts); !errors.Is(err, track.ErrBadPageToken) {
				t.Errorf("SearchRuns = %v, want ErrBadPageToken", err)
			}
		})
	}
	// The same query written differently keeps its tokens.
	same := track.SearchOptions{Filter: "metrics.f1>0", OrderBy: []string{"metric.f1 desc"}, Limit: 2, PageToken: next}
	if _, _, err := f.st.SearchRuns(ctx, same); err != nil {
		t.Errorf("token with an equivalent query: %v", err)
	}
}

func TestSearchErrors(t *testing.T) {
	f := buildFixture(t, clock())
	for _, tc := range []struct {
		name string
		opts track.SearchOptions
		want error
		col  int
	}{
		{"bad filter", track.SearchOptions{Filter: "metrics.f1 > 'x'"}, track.ErrBadQuery, 14},
		{"bad order", track.SearchOptions{OrderBy: []string{"metrics.f1", "params.solver sideways"}}, track.ErrBadQuery, 15},
		{"unknown experiment", track.SearchOptions{ExperimentIDs: []string{"99"}}, track.ErrNotFound, 0},
		{"bad experiment id", track.SearchOptions{ExperimentIDs: []string{"x"}}, track.ErrInvalid, 0},
		{"negative limit", track.SearchOptions{Limit: -1}, track.ErrInvalid, 0},
		{"huge limit", track.SearchOptions{Limit: track.MaxSearchLimit + 1}, track.ErrInvalid, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := f.st.SearchRuns(ctx, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("SearchRuns = %v, want %v", err, tc.want)
			}
			var pe *track.ParseError
			if errors.As(err, &pe) != (tc.col != 0) || tc.col != 0 && pe.Column != tc.col {
				t.Errorf("SearchRuns = %v, want a *ParseError at column %d", err, tc.col)
			}
		})
	}
}
