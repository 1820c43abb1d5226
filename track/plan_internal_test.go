package track

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// TestPlansAgree runs random queries with each plan forced and checks that
// all three give the same pages: the order walk and the index candidates
// must agree with reading every run. In the suite's PostgreSQL pass the
// searches read ahead (prefetch.go): batches, kept counts, intersections.
func TestPlansAgree(t *testing.T) {
	ctx := context.Background()
	var tick atomic.Int64
	st, err := OpenWith(enginetest.Records(t, enginetest.Pass()), Options{
		// Five writes per millisecond, so start times tie.
		Now: func() time.Time { return time.UnixMilli(1_700_000_000_000 + tick.Add(1)/5) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rng := rand.New(rand.NewPCG(7, 7))
	var expIDs []string
	for e := range 3 {
		exp, err := st.Experiment(ctx, fmt.Sprint("e", e))
		if err != nil {
			t.Fatal(err)
		}
		expIDs = append(expIDs, exp.ID)
		for range 100 {
			run, err := exp.StartRun(ctx, RunOptions{Name: fmt.Sprintf("r%d", rng.IntN(20)), NoAutoTags: true})
			if err != nil {
				t.Fatal(err)
			}
			b := Batch{
				Params: map[string]string{"p0": fmt.Sprint("v", rng.IntN(3)), "p1": fmt.Sprint("w", rng.IntN(50))},
				Tags:   map[string]string{},
			}
			for _, m := range []string{"m0", "m1"} {
				switch r := rng.IntN(10); {
				case r == 0: // missing
				case r == 1:
					b.Metrics = append(b.Metrics, Metric{Key: m, Value: math.NaN()})
				case r == 2:
					b.Metrics = append(b.Metrics, Metric{Key: m, Value: math.Inf(2*rng.IntN(2) - 1)})
				default:
					b.Metrics = append(b.Metrics, Metric{Key: m, Value: float64(rng.IntN(21)-10) / 4})
				}
			}
			if rng.IntN(3) == 0 {
				b.Tags["t"] = fmt.Sprint("x", rng.IntN(4))
			}
			if err := run.Log(ctx, b); err != nil {
				t.Fatal(err)
			}
			if rng.IntN(2) == 0 {
				if err := run.End(ctx, StatusFinished); err != nil {
					t.Fatal(err)
				}
			}
			if rng.IntN(15) == 0 {
				if err := st.DeleteRun(ctx, run.ID()); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	terms := []string{
		"metrics.m0 > 0", "metrics.m0 <= -1", "metrics.m1 = 0.5", "metrics.m1 != 0", "metrics.m0 >= 2.5",
		"metrics.m1 < 1e300", "params.p0 = 'v1'", "params.p1 IN ('w1', 'w2', 'w30')", "params.p1 LIKE 'w1%'",
		"params.p0 != 'v2'", "tags.t = 'x1'", "tags.t NOT IN ('x0')", "attributes.status = 'RUNNING'",
		"attributes.run_name LIKE 'r1%'", "attributes.end_time > 0", "attributes.start_time < 1700000000050",
		"attributes.start_time = 1700000000010", "attributes.run_name >= 'r5'",
	}
	orders := []string{
		"metrics.m0", "metrics.m0 DESC", "metrics.m1 DESC", "params.p0", "params.p1 DESC", "tags.t",
		"tags.t DESC", "attributes.start_time", "attributes.end_time DESC", "attributes.run_name",
		"attributes.status DESC", "attributes.run_id DESC",
	}
	// Edge cases of the order walk (a term on the order column narrows the
	// walk and decides whether NaN and missing values can match), then
	// random queries.
	fixed := [][2]string{
		{"metrics.m1 != 0", "metrics.m1 DESC"}, {"metrics.m1 != 0", "metrics.m1"},
		{"metrics.m0 > 0", "metrics.m0 DESC"}, {"metrics.m0 <= -1", "metrics.m0"},
		{"metrics.m1 < 1e300", "metrics.m1 DESC"}, {"", "metrics.m0 DESC"}, {"", "metrics.m1"},
		{"params.p0 = 'v1'", "params.p0 DESC"}, {"tags.t NOT IN ('x0')", "tags.t"}, {"", "tags.t DESC"},
		{"attributes.end_time > 0", "attributes.end_time DESC"}, {"", "attributes.end_time"},
		{"attributes.start_time < 1700000000050", "attributes.start_time"},
		{"attributes.start_time = 1700000000010", "attributes.start_time DESC"},
		{"params.p1 LIKE 'w1%'", "params.p1"}, {"", "attributes.run_id"},
	}
	for i := range 150 + 2*len(fixed) {
		var filter string
		var order []string
		if i < 2*len(fixed) {
			filter, order = fixed[i/2][0], []string{fixed[i/2][1]}
		} else {
			switch rng.IntN(4) {
			case 0:
			case 1:
				filter = terms[rng.IntN(len(terms))]
			case 2:
				filter = terms[rng.IntN(len(terms))] + " AND " + terms[rng.IntN(len(terms))]
			default:
				filter = "(" + terms[rng.IntN(len(terms))] + " OR " + terms[rng.IntN(len(terms))] + ") AND " + terms[rng.IntN(len(terms))]
			}
			for range rng.IntN(3) {
				order = append(order, orders[rng.IntN(len(orders))])
			}
		}
		exps := []string(nil)
		if i%2 == 1 {
			exps = []string{expIDs[rng.IntN(3)], expIDs[rng.IntN(3)]}
		}
		view := ViewType(rng.IntN(3))
		limit := 1 + rng.IntN(12)
		t.Run(fmt.Sprintf("%d:%s/%v", i, filter, order), func(t *testing.T) {
			base := SearchOptions{ExperimentIDs: exps, Filter: filter, OrderBy: order, View: view, plan: planScan}
			want := searchIDs(t, st, base)
			for _, p := range []plan{planAuto, planOrder, planCandidates, planScan} {
				opts := base
				opts.plan, opts.Limit = p, limit
				if diff := cmp.Diff(want, searchIDs(t, st, opts)); diff != "" {
					t.Errorf("plan %d, pages of %d (-want +got):\n%s", p, limit, diff)
				}
			}
		})
	}
}

func searchIDs(t *testing.T, st *Store, opts SearchOptions) []string {
	t.Helper()
	out := []string{}
	for {
		recs, next, err := st.SearchRuns(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			out = append(out, r.ID)
		}
		if next == "" {
			return out
		}
		if len(out) > 1000 {
			t.Fatal("runaway paging")
		}
		opts.PageToken = next
	}
}

// TestOverBudgetFallsBackToCandidates: each of two AND-ed terms selects
// too many runs for the candidates plan, but few runs match both; the
// order walk runs over its budget and goes on with the best term's
// candidates instead of reading every run. Same rows as a full scan.
func TestOverBudgetFallsBackToCandidates(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "fall.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	exp, err := st.Experiment(ctx, "e")
	if err != nil {
		t.Fatal(err)
	}
	const n = 4000
	rng := rand.New(rand.NewPCG(3, 3))
	err = st.update(ctx, func(tx *txn) error {
		for i := range n {
			tx.now = int64(1_700_000_000_000 + i)
			id := newRunID(tx.now)
			if err := tx.createRun(exp.id, id, RunOptions{NoAutoTags: true}, nil); err != nil {
				return err
			}
			rec, err := tx.run(id)
			if err != nil {
				return err
			}
			b := Batch{Metrics: []Metric{{Key: "m1", Value: rng.Float64()}, {Key: "m2", Value: rng.Float64()}, {Key: "m3", Value: rng.Float64()}}}
			if err := tx.logBatch(id, rec, b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		filter       string
		maxVisited   int
		wantFellBack bool
	}{
		{"metrics.m1 > 0.9 AND metrics.m2 > 0.9", n / 3, true},
		{"(metrics.m1 > 0.9 AND metrics.m2 > 0.9) OR (metrics.m3 > 0.95 AND metrics.m2 > 0.95)", n / 2, true},
		// No index term narrows it: reading every run is right.
		{"params.nope LIKE '%x' OR metrics.m1 >= 0", n + 1, false},
	} {
		var tr searchTrace
		got, _, err := st.SearchRuns(ctx, SearchOptions{Filter: c.filter, Limit: 10, trace: &tr})
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := st.SearchRuns(ctx, SearchOptions{Filter: c.filter, Limit: 10, plan: planScan})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ids(want), ids(got)); diff != "" {
			t.Errorf("%s: rows (-scan +auto):\n%s", c.filter, diff)
		}
		if tr.visited > c.maxVisited || (c.wantFellBack && !tr.fellBack) {
			t.Errorf("%s: read %d runs (fell back: %v), want at most %d", c.filter, tr.visited, tr.fellBack, c.maxVisited)
		}
	}
}

func ids(rs []RunRecord) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}
