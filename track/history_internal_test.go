package track

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/internal/storage/enginetest"
)

// Each run numbers its own metric history; a run whose first values were
// numbered from the bucket's sequence (as every run's were before the
// counters) goes on after them, so its history stays in the order logged.
func TestHistoryNumbering(t *testing.T) {
	ctx := context.Background()
	st, err := Open(enginetest.Records(t, enginetest.Pass()))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	exp, err := st.Experiment(ctx, "e")
	if err != nil {
		t.Fatal(err)
	}
	a, err := exp.StartRun(ctx, RunOptions{NoAutoTags: true})
	if err != nil {
		t.Fatal(err)
	}
	b, err := exp.StartRun(ctx, RunOptions{NoAutoTags: true})
	if err != nil {
		t.Fatal(err)
	}
	err = st.update(ctx, func(t *txn) error {
		for i := range 3 { // the way values were numbered before
			seq, err := t.history().NextSequence()
			if err != nil {
				return err
			}
			rec := metricRec{value: float64(i), step: int64(i), time: t.now}
			if err := t.history().Put(append(historyPrefix(a.id, "loss"), u64(seq)...), rec.encode()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 3; i < 6; i++ {
		if err := b.LogMetric(ctx, "loss", float64(10+i), int64(i)); err != nil {
			t.Fatal(err)
		}
		if err := a.Log(ctx, Batch{Metrics: []Metric{{Key: "loss", Value: float64(i), Step: int64(i)}, {Key: "acc", Value: 1}}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		run  *Run
		want []float64
	}{{a, []float64{0, 1, 2, 3, 4, 5}}, {b, []float64{13, 14, 15}}} {
		hist, err := st.MetricHistory(ctx, c.run.ID(), "loss")
		if err != nil {
			t.Fatal(err)
		}
		var got []float64
		for _, m := range hist {
			got = append(got, m.Value)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("history of run %s (-want +got):\n%s", c.run.ID(), diff)
		}
	}
}
