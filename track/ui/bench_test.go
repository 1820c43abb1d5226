package ui_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/cairn-ml/cairn/track"
	"github.com/cairn-ml/cairn/track/ui"
)

// benchStore opens a Store in a fresh folder.
func benchStore(b *testing.B) *track.Store {
	b.Helper()
	st, err := track.Open(filepath.Join(b.TempDir(), "cairn.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

func benchGet(b *testing.B, h http.Handler, target string, json bool) {
	b.Helper()
	req := httptest.NewRequest("GET", target, nil)
	if json {
		req.Header.Set("Accept", "application/json")
	}
	var size int
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", target, w.Code)
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/page")
}

// runsStore records an experiment of n finished runs, each with 20
// params and 10 metrics.
func runsStore(b *testing.B, n int) (*track.Store, string) {
	st := benchStore(b)
	ctx := context.Background()
	exp, err := st.Experiment(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	for i := range n {
		run, err := exp.StartRun(ctx, track.RunOptions{Name: fmt.Sprintf("run %d", i), NoAutoTags: true})
		if err != nil {
			b.Fatal(err)
		}
		batch := track.Batch{Params: map[string]string{}}
		for p := range 20 {
			batch.Params[fmt.Sprintf("p%d", p)] = fmt.Sprint(r.IntN(1000))
		}
		for m := range 10 {
			batch.Metrics = append(batch.Metrics, track.Metric{Key: fmt.Sprintf("m%d", m), Value: r.Float64()})
		}
		if err := run.Log(ctx, batch); err != nil {
			b.Fatal(err)
		}
		if err := run.End(ctx, track.StatusFinished); err != nil {
			b.Fatal(err)
		}
	}
	return st, exp.ID
}

func BenchmarkRunsTable(b *testing.B) {
	st, id := runsStore(b, 1000)
	h := ui.New(st, ui.Options{})
	b.Run("html", func(b *testing.B) { benchGet(b, h, h.ExperimentURL(id)+"?order=metrics.m0+DESC", false) })
	b.Run("json", func(b *testing.B) { benchGet(b, h, h.ExperimentURL(id)+"?order=metrics.m0+DESC", true) })
	b.Run("filtered", func(b *testing.B) {
		benchGet(b, h, h.ExperimentURL(id)+"?order=metrics.m0+DESC&filter=metrics.m1+%3E+0.5+AND+params.p0+LIKE+%271%25%27", false)
	})
}

// BenchmarkRunPage is the page of a run with 5 metrics of 10,000 steps
// each (each chart draws at most 800 of them).
func BenchmarkRunPage(b *testing.B) {
	st := benchStore(b)
	ctx := context.Background()
	exp, err := st.Experiment(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	run, err := exp.StartRun(ctx, track.RunOptions{Name: "long", NoAutoTags: true})
	if err != nil {
		b.Fatal(err)
	}
	for chunk := range 10 {
		var batch track.Batch
		for s := chunk * 1000; s < (chunk+1)*1000; s++ {
			for m := range 5 {
				batch.Metrics = append(batch.Metrics, track.Metric{Key: fmt.Sprintf("m%d", m), Value: math.Exp(-float64(s) / 3000), Step: int64(s)})
			}
		}
		if err := run.Log(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	h := ui.New(st, ui.Options{})
	b.Run("html", func(b *testing.B) { benchGet(b, h, h.RunURL(run.ID()), false) })
	b.Run("json", func(b *testing.B) { benchGet(b, h, h.RunURL(run.ID()), true) })
}

// BenchmarkTuningPage is the page of a study's parent run with 200
// trials (history chart, importance of 4 params).
func BenchmarkTuningPage(b *testing.B) {
	st := benchStore(b)
	ctx := context.Background()
	exp, err := st.Experiment(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	parent, err := exp.StartRun(ctx, track.RunOptions{Name: "study", NoAutoTags: true, Tags: map[string]string{track.TagTuneObjective: "value"}})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(2, 2))
	for k := range 200 {
		c, err := parent.StartChild(ctx, track.RunOptions{NoAutoTags: true, Tags: map[string]string{track.TagTuneTrial: fmt.Sprint(k)}})
		if err != nil {
			b.Fatal(err)
		}
		x := r.Float64()
		if err := c.Log(ctx, track.Batch{
			Params:  map[string]string{"x": fmt.Sprint(x), "y": fmt.Sprint(r.Float64()), "k": fmt.Sprint(r.IntN(5)), "s": []string{"a", "b"}[r.IntN(2)]},
			Metrics: []track.Metric{{Key: "value", Value: x*x + 0.1*r.Float64()}},
		}); err != nil {
			b.Fatal(err)
		}
		if err := c.End(ctx, track.StatusFinished); err != nil {
			b.Fatal(err)
		}
	}
	h := ui.New(st, ui.Options{})
	benchGet(b, h, h.RunURL(parent.ID()), false)
}
