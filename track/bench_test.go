package track_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/cairn-ml/cairn/internal/storage/enginetest"
	"github.com/cairn-ml/cairn/track"
)

// Logging benchmarks: one metric per transaction, and batches. Every
// commit is fsynced. The sub-benchmarks keep the name "shared=false" of
// the time before the storage core (when "shared=true" opened the file for
// every call), so that benchstat can set old and new side by side. With
// CAIRN_BENCH_ENGINE=postgres they run on a fresh schema of the
// CAIRN_TEST_POSTGRES server, under the same names.

// benchStore opens a store on the benchmark's engine.
func benchStore(b *testing.B) *track.Store {
	b.Helper()
	st, err := track.OpenWith(enginetest.Records(b, enginetest.BenchEngine(b)), track.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

func BenchmarkLogMetric(b *testing.B) {
	for _, shared := range []bool{false} {
		b.Run(fmt.Sprintf("shared=%v", shared), func(b *testing.B) {
			st := benchStore(b)
			run := mustStart(b, mustExperiment(b, st, "bench"), track.RunOptions{})
			b.ReportAllocs()
			step := int64(0)
			for b.Loop() {
				if err := run.LogMetric(ctx, "loss", float64(step), step); err != nil {
					b.Fatal(err)
				}
				step++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "metrics/s")
		})
	}
}

func BenchmarkLogBatch(b *testing.B) {
	for _, shared := range []bool{false} {
		for _, size := range []int{10, 100, 1000} {
			b.Run(fmt.Sprintf("shared=%v/size=%d", shared, size), func(b *testing.B) {
				st := benchStore(b)
				run := mustStart(b, mustExperiment(b, st, "bench"), track.RunOptions{})
				batch := track.Batch{Metrics: make([]track.Metric, size)}
				b.ReportAllocs()
				step := int64(0)
				for b.Loop() {
					for i := range batch.Metrics {
						batch.Metrics[i] = track.Metric{Key: fmt.Sprint("m", i%10), Value: float64(step), Step: step}
						step++
					}
					if err := run.Log(ctx, batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "metrics/s")
			})
		}
	}
}

// BenchmarkLogParallel is BenchmarkLogBatch with 4 writers at once (4
// goroutines on 2 cores; a multiple of GOMAXPROCS on more), each logging
// batches of 10 metrics to a run of its own in one experiment.
func BenchmarkLogParallel(b *testing.B) {
	const size = 10
	st := benchStore(b)
	exp := mustExperiment(b, st, "bench")
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((4 + procs - 1) / procs)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		run, err := exp.StartRun(ctx, track.RunOptions{NoAutoTags: true})
		if err != nil {
			b.Error(err)
			return
		}
		batch := track.Batch{Metrics: make([]track.Metric, size)}
		step := int64(0)
		for pb.Next() {
			for i := range batch.Metrics {
				batch.Metrics[i] = track.Metric{Key: fmt.Sprint("m", i), Value: float64(step), Step: step}
			}
			step++
			if err := run.Log(ctx, batch); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "metrics/s")
}

// BenchmarkRunRecord reads one run (20 params, 10 metrics).
func BenchmarkRunRecord(b *testing.B) {
	for _, shared := range []bool{false} {
		b.Run(fmt.Sprintf("shared=%v", shared), func(b *testing.B) {
			st := benchStore(b)
			run := mustStart(b, mustExperiment(b, st, "bench"), track.RunOptions{})
			batch := track.Batch{Params: map[string]string{}}
			for i := range 20 {
				batch.Params[fmt.Sprint("p", i)] = fmt.Sprint(i)
			}
			for i := range 10 {
				batch.Metrics = append(batch.Metrics, track.Metric{Key: fmt.Sprint("m", i), Value: float64(i)})
			}
			if err := run.Log(ctx, batch); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := run.Record(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
