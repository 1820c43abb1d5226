package track_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/storage/enginetest"
	"github.com/cairn-ml/cairn/track"
)

// t0 is the fake clock's first reading.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// clock returns a Now that starts at t0 and moves one second per call, so
// that start times are distinct and known.
func clock() func() time.Time {
	var n atomic.Int64
	return func() time.Time { return t0.Add(time.Duration(n.Add(1)-1) * time.Second) }
}

// openStore opens a Store in a fresh folder (or PostgreSQL schema, with
// artifacts in S3, in the suite's PostgreSQL pass) with a fake clock and
// closes it at the end of the test.
func openStore(t testing.TB, opts track.Options) *track.Store {
	t.Helper()
	if opts.Now == nil {
		opts.Now = clock()
	}
	if opts.Blobs == "" {
		opts.Blobs = enginetest.Blobs(t, engine)
	}
	st, err := track.OpenWith(enginetest.Records(t, engine), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func mustExperiment(t testing.TB, st *track.Store, name string) *track.Experiment {
	t.Helper()
	exp, err := st.Experiment(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

func mustStart(t testing.TB, exp *track.Experiment, opts track.RunOptions) *track.Run {
	t.Helper()
	opts.NoAutoTags = true
	run, err := exp.StartRun(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func mustRecord(t testing.TB, run *track.Run) track.RunRecord {
	t.Helper()
	rec, err := run.Record(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rec
}
