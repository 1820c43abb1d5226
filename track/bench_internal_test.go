package track

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cairn-ml/cairn/internal/kv/pgkv"
	"github.com/cairn-ml/cairn/internal/storage"
	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// benchRuns is the size of the search benchmark's database; set
// CAIRN_BENCH_RUNS to change it.
func benchRuns(b *testing.B) int {
	n := 100_000
	if s := os.Getenv("CAIRN_BENCH_RUNS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	return n
}

// BenchmarkSearchRuns measures SearchRuns over one experiment of 100,000
// finished runs with 20 params and 10 metrics each. The database is built
// once, through the same transaction code that StartRun, Log and End use,
// 1000 runs per transaction: in a temporary folder, or with
// CAIRN_BENCH_ENGINE=postgres in a fresh schema of the CAIRN_TEST_POSTGRES
// server. There CAIRN_BENCH_SCHEMA names a schema to keep instead (a later
// run with the same number of runs reuses it rather than build again).
//
// Params p0 (10 values) and p1 (1000 values) are categorical; p2..p19 are
// random numbers written as text; metrics m0..m9 are uniform on [0, 1).
func BenchmarkSearchRuns(b *testing.B) {
	ctx := context.Background()
	n := benchRuns(b)
	eng := enginetest.BenchEngine(b)
	loc := filepath.Join(b.TempDir(), "search.db")
	kept := os.Getenv("CAIRN_BENCH_SCHEMA")
	switch {
	case eng == enginetest.OnPostgres && kept != "":
		loc = enginetest.WithSchema(b, enginetest.PostgresServer(b), kept)
	case eng == enginetest.OnPostgres:
		loc = enginetest.Postgres(b)
	}
	st, err := Open(loc)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	exp, err := st.Experiment(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	var have uint64
	st.view(ctx, func(t *txn) error {
		x, err := t.expRec(exp.id)
		have = x.runs
		return err
	})
	switch {
	case have == uint64(n):
		b.Logf("reusing the %d runs of %s", n, storage.Redact(loc))
	case have != 0:
		b.Fatalf("%s holds %d runs, not %d: drop it or name another schema", storage.Redact(loc), have, n)
	default:
		buildSearchRuns(b, st, exp, n)
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	size := benchSize(b, loc)
	st.view(ctx, func(t *txn) error {
		if eng != enginetest.OnBolt {
			return nil // a walk of every bucket over the network: minutes
		}
		for _, name := range bucketNames {
			n, size := 0, 0
			forPrefix(t.tx.Bucket(name), nil, func(k, v []byte) error { n, size = n+1, size+len(k)+len(v); return nil })
			b.Logf("bucket %-22s %9d keys %11d bytes of keys and values", name, n, size)
		}
		return nil
	})

	queries := []struct {
		name   string
		filter string
		order  []string
		plan   plan
	}{
		// The aim: a filtered, ordered top-10 query.
		{"filtered-ordered", "metrics.m0 > 0.5 AND params.p0 = 'v3'", []string{"metrics.m1 DESC"}, planAuto},
		{"mlflow-example", "metrics.m0 > 0.95 AND params.p0 = 'v3' AND attributes.status != 'FAILED'", []string{"metrics.m0 DESC"}, planAuto},
		{"selective", "params.p1 = 'w123'", []string{"metrics.m0 DESC"}, planAuto},
		{"or-in", "(params.p1 IN ('w1', 'w2') OR params.p1 = 'w3') AND metrics.m2 < 0.5", []string{"metrics.m3"}, planAuto},
		{"range-on-order-key", "metrics.m4 >= 0.999", []string{"metrics.m4 DESC"}, planAuto},
		{"newest", "", nil, planAuto},
		{"time-window", fmt.Sprintf("attributes.start_time >= %d AND attributes.start_time < %d", base+int64(n/2)*1000, base+int64(n/2+100)*1000), []string{"metrics.m5 DESC"}, planAuto},
		{"two-keys", "params.p0 = 'v1'", []string{"params.p0", "metrics.m6 DESC"}, planAuto},
		// Each term selects too many runs for the candidates plan, but
		// few runs match both: the order walk runs over its budget and
		// goes on with the best term's candidates, not every run.
		{"two-metrics", "metrics.m1 > 0.98 AND metrics.m2 > 0.98", nil, planAuto},
		{"two-metrics-tighter", "metrics.m1 > 0.995 AND metrics.m2 > 0.98", nil, planAuto},
		{"or-of-ands", "(metrics.m1 > 0.98 AND metrics.m2 > 0.98) OR (metrics.m3 > 0.98 AND metrics.m4 > 0.98)", nil, planAuto},
		// No index helps: a LIKE with a leading wildcard that matches
		// nothing makes the walk read every run.
		{"unindexed-no-match", "params.p2 LIKE '%x'", []string{"metrics.m0 DESC"}, planAuto},
		{"unindexed-no-match-scan", "params.p2 LIKE '%x'", []string{"metrics.m0 DESC"}, planScan},
		{"unindexed-no-match-walk", "params.p2 LIKE '%x'", []string{"metrics.m0 DESC"}, planOrder},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			opts := SearchOptions{ExperimentIDs: []string{exp.ID}, Filter: q.filter, OrderBy: q.order, Limit: 10, plan: q.plan}
			var got int
			b.ReportAllocs()
			for b.Loop() {
				runs, _, err := st.SearchRuns(ctx, opts)
				if err != nil {
					b.Fatal(err)
				}
				got = len(runs)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
			b.ReportMetric(float64(got), "runs")
		})
	}
	b.Run("size", func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(float64(size)/float64(n), "bytes/run")
	})
}

// buildSearchRuns logs n runs into exp (see BenchmarkSearchRuns).
func buildSearchRuns(b *testing.B, st *Store, exp *Experiment, n int) {
	ctx := context.Background()
	start := time.Now()
	rng := rand.New(rand.NewPCG(1, 1))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	const perTx = 1000
	for done := 0; done < n; done += perTx {
		err := st.update(ctx, func(t *txn) error {
			for i := done; i < min(done+perTx, n); i++ {
				t.now = base + int64(i)*1000
				id := newRunID(t.now)
				if err := t.createRun(exp.id, id, RunOptions{Name: fmt.Sprint("run-", i)}, nil); err != nil {
					return err
				}
				bt := Batch{Params: make(map[string]string, 20)}
				bt.Params["p0"] = fmt.Sprint("v", rng.IntN(10))
				bt.Params["p1"] = fmt.Sprint("w", rng.IntN(1000))
				for p := 2; p < 20; p++ {
					bt.Params[fmt.Sprint("p", p)] = strconv.FormatFloat(rng.Float64(), 'f', 6, 64)
				}
				for m := range 10 {
					bt.Metrics = append(bt.Metrics, Metric{Key: fmt.Sprint("m", m), Value: rng.Float64(), Step: 0})
				}
				rec, err := t.run(id)
				if err != nil {
					return err
				}
				if err := t.logBatch(id, rec, bt); err != nil {
					return err
				}
				t.now += 500
				if err := t.setRun(id, rec, func(r *runRec) { r.status, r.end = StatusFinished, t.now }); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("built %d runs in %v", n, time.Since(start).Round(time.Millisecond))
}

// benchSize returns the bytes a store takes: its file, or its schema's
// tables and indexes in PostgreSQL.
func benchSize(b *testing.B, loc string) int64 {
	if !storage.IsURL(loc) {
		info, err := os.Stat(loc)
		if err != nil {
			b.Fatal(err)
		}
		return info.Size()
	}
	pl, err := pgkv.ParseLocation(loc)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pl.Conn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var size int64
	err = conn.QueryRow(ctx, "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c"+
		" JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = $1 AND c.relkind = 'r'", pl.Schema).Scan(&size)
	if err != nil {
		b.Fatal(err)
	}
	return size
}
