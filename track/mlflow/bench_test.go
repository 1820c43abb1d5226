package mlflow_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/track"
	"github.com/cairn-ml/cairn/track/mlflow"
)

// The REST layer's cost beside calling track directly: the same
// log-batch (10 metrics, 2 params, 1 tag per call) and the same search
// (a filtered top 10 of 1,000 runs) through the Handler (in process,
// httptest: JSON decoding, routing, encoding) and through track. Each
// reports req/s.

func BenchmarkLogBatchREST(b *testing.B)   { benchLogBatch(b, true) }
func BenchmarkLogBatchDirect(b *testing.B) { benchLogBatch(b, false) }

func benchLogBatch(b *testing.B, rest bool) {
	ctx := context.Background()
	st, h := benchStore(b)
	exp, _ := st.Experiment(ctx, "bench")
	run, err := exp.StartRun(ctx, track.RunOptions{NoAutoTags: true})
	if err != nil {
		b.Fatal(err)
	}
	step := 0
	b.ReportAllocs()
	for b.Loop() {
		step++
		if rest {
			var m []string
			for k := range 10 {
				m = append(m, fmt.Sprintf(`{"key": "m%d", "value": %d.5, "timestamp": 1700000000000, "step": %d}`, k, step, step))
			}
			body := `{"run_id": "` + run.ID() + `", "metrics": [` + strings.Join(m, ",") +
				`], "params": [{"key": "C", "value": "1"}, {"key": "solver", "value": "lbfgs"}], "tags": [{"key": "stage", "value": "dev"}]}`
			r := httptest.NewRequest("POST", "/api/2.0/mlflow/runs/log-batch", strings.NewReader(body))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatal(w.Body)
			}
			continue
		}
		batch := track.Batch{Params: map[string]string{"C": "1", "solver": "lbfgs"}, Tags: map[string]string{"stage": "dev"}}
		for k := range 10 {
			batch.Metrics = append(batch.Metrics, track.Metric{Key: fmt.Sprintf("m%d", k), Value: float64(step) + 0.5, Step: int64(step)})
		}
		if err := run.Log(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkSearchRunsREST(b *testing.B)   { benchSearch(b, true) }
func BenchmarkSearchRunsDirect(b *testing.B) { benchSearch(b, false) }

func benchSearch(b *testing.B, rest bool) {
	ctx := context.Background()
	st, h := benchStore(b)
	exp, _ := st.Experiment(ctx, "bench")
	for i := range 1000 {
		run, err := exp.StartRun(ctx, track.RunOptions{NoAutoTags: true, Name: fmt.Sprintf("r%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		run.Log(ctx, track.Batch{
			Metrics: []track.Metric{{Key: "f1", Value: float64(i%997) / 997}, {Key: "loss", Value: float64(i)}},
			Params:  map[string]string{"solver": []string{"lbfgs", "newton"}[i%2], "C": fmt.Sprint(i % 10)},
			Tags:    map[string]string{"stage": "dev"},
		})
	}
	const filter = "metrics.f1 > 0.5 AND params.solver = 'lbfgs'"
	body := `{"experiment_ids": ["` + exp.ID + `"], "filter": "` + filter + `", "order_by": ["metrics.f1 DESC"], "max_results": 10}`
	b.ReportAllocs()
	for b.Loop() {
		if rest {
			r := httptest.NewRequest("POST", "/api/2.0/mlflow/runs/search", strings.NewReader(body))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatal(w.Body)
			}
			continue
		}
		runs, _, err := st.SearchRuns(ctx, track.SearchOptions{
			ExperimentIDs: []string{exp.ID}, Filter: filter, OrderBy: []string{"metrics.f1 DESC"}, Limit: 10,
		})
		if err != nil || len(runs) != 10 {
			b.Fatal(len(runs), err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func benchStore(b *testing.B) (*track.Store, *mlflow.Handler) {
	st, err := track.Open(filepath.Join(b.TempDir(), "cairn.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, mlflow.New(st, mlflow.Options{})
}
