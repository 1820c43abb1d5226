package track_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/storage"
	"github.com/cairn-ml/cairn/track"
)

func TestDeleteRestore(t *testing.T) {
	st := openStore(t, track.Options{})
	exp := mustExperiment(t, st, "e")
	run := mustStart(t, exp, track.RunOptions{})
	if err := run.LogParam(ctx, "p", "1"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteRun(ctx, run.ID()); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteRun(ctx, run.ID()); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if !mustRecord(t, run).Deleted {
		t.Error("record not marked deleted")
	}
	if got, _, _ := st.SearchRuns(ctx, track.SearchOptions{}); len(got) != 0 {
		t.Errorf("search finds a deleted run: %v", ids(got))
	}
	for name, write := range map[string]func() error{
		"LogMetric": func() error { return run.LogMetric(ctx, "m", 1, 0) },
		"End":       func() error { return run.End(ctx, track.StatusFinished) },
		"SetName":   func() error { return run.SetName(ctx, "x") },
		"LogInput":  func() error { return run.LogInput(ctx, track.Input{Name: "d"}) },
		"DeleteTag": func() error { return run.DeleteTag(ctx, "t") },
		"LogArtifact": func() error {
			_, err := run.LogArtifact(ctx, "a", strings.NewReader("x"))
			return err
		},
		"StartChild": func() error {
			_, err := run.StartChild(ctx, track.RunOptions{})
			return err
		},
	} {
		if err := write(); !errors.Is(err, track.ErrDeleted) {
			t.Errorf("%s on a deleted run = %v, want ErrDeleted", name, err)
		}
	}
	if err := st.RestoreRun(ctx, run.ID()); err != nil {
		t.Fatal(err)
	}
	if err := run.LogMetric(ctx, "m", 1, 0); err != nil {
		t.Errorf("LogMetric after restore: %v", err)
	}
	if got, _, _ := st.SearchRuns(ctx, track.SearchOptions{}); len(got) != 1 {
		t.Errorf("search after restore found %d runs", len(got))
	}
}

func TestGC(t *testing.T) {
	var now time.Time
	st := openStore(t, track.Options{Now: func() time.Time { now = now.Add(time.Minute); return now }})
	exp := mustExperiment(t, st, "e")
	doomed := mustStart(t, exp, track.RunOptions{Name: "doomed"})
	kept := mustStart(t, exp, track.RunOptions{Name: "kept"})
	recent := mustStart(t, exp, track.RunOptions{Name: "recent"})
	child, err := doomed.StartChild(ctx, track.RunOptions{NoAutoTags: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*track.Run{doomed, kept, recent} {
		if err := r.Log(ctx, track.Batch{
			Params: map[string]string{"p": "1"}, Tags: map[string]string{"t": "x"},
			Metrics: []track.Metric{{Key: "m", Value: 1}, {Key: "m", Value: 2, Step: 1}},
		}); err != nil {
			t.Fatal(err)
		}
		if err := r.LogInput(ctx, track.Input{Name: "d"}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.LogArtifact(ctx, "shared.txt", strings.NewReader("shared")); err != nil {
			t.Fatal(err)
		}
		if _, err := r.LogArtifact(ctx, "own.txt", strings.NewReader("own "+r.ID())); err != nil {
			t.Fatal(err)
		}
		if err := r.End(ctx, track.StatusFinished); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DeleteRun(ctx, doomed.ID()); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	if err := st.DeleteRun(ctx, recent.ID()); err != nil {
		t.Fatal(err)
	}
	recentOwn, _ := st.Artifacts(ctx, recent.ID())

	// Another holder of the same blob store (the registry, say) refers
	// to the doomed run's own blob: it stays.
	doomedOwn, _ := st.Artifacts(ctx, doomed.ID())
	holdInOtherStore(t, st, doomedOwn[0].Digest) // own.txt
	stats, err := st.GC(ctx, track.GCOptions{OlderThan: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(track.GCResult{Records: 1}, stats); diff != "" {
		t.Errorf("GC (-want +got):\n%s", diff)
	}
	if !hasBlob(t, st, doomedOwn[0].Digest) {
		t.Errorf("GC deleted a blob another holder refers to")
	}
	if _, err := st.RunRecord(ctx, doomed.ID()); !errors.Is(err, track.ErrNotFound) {
		t.Errorf("purged run: %v, want ErrNotFound", err)
	}
	if _, err := st.MetricHistory(ctx, doomed.ID(), "m"); !errors.Is(err, track.ErrNotFound) {
		t.Errorf("purged run's history: %v, want ErrNotFound", err)
	}
	if err := st.RestoreRun(ctx, doomed.ID()); !errors.Is(err, track.ErrNotFound) {
		t.Errorf("restore of a purged run: %v, want ErrNotFound", err)
	}
	got, _, err := st.SearchRuns(ctx, track.SearchOptions{Filter: "params.p = '1'", View: track.AllRuns})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{recent.ID(), kept.ID()}, ids(got)); diff != "" {
		t.Errorf("search after GC (-want +got):\n%s", diff)
	}
	if rec, err := st.RunRecord(ctx, child.ID()); err != nil || rec.ParentID != doomed.ID() {
		t.Errorf("child of a purged run: %+v, %v", rec, err)
	}

	// Without the age limit the recent run goes too, with its own blob;
	// the shared blob stays for the kept run.
	stats, err = st.GC(ctx, track.GCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantBytes := recentOwn[0].Size
	if diff := cmp.Diff(track.GCResult{Records: 1, Blobs: 1, Bytes: wantBytes}, stats); diff != "" {
		t.Errorf("GC (-want +got):\n%s", diff)
	}
	if hasBlob(t, st, recentOwn[0].Digest) {
		t.Error("the recent run's own blob survived GC")
	}
	if b, err := st.ReadArtifact(ctx, kept.ID(), "shared.txt"); err != nil || string(b) != "shared" {
		t.Errorf("kept run's shared artifact: %q, %v", b, err)
	}
	if stats, err := st.GC(ctx, track.GCOptions{}); err != nil || stats != (track.GCResult{}) {
		t.Errorf("GC with nothing to do = %+v, %v", stats, err)
	}
}

// holdInOtherStore records a reference to digest in another holder of the
// Store's blob store, as the registry does for model bytes.
func holdInOtherStore(t *testing.T, st *track.Store, digest string) {
	t.Helper()
	d, err := blob.ParseDigest(digest)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := storage.OpenRecords(ctx, path, storage.RecordsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(ctx, func(tx kv.Tx) error {
		b, err := tx.CreateBucket(storage.RefsBucket("other"))
		if err != nil {
			return err
		}
		return b.Put(d[:], nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := storage.OpenBlobs(ctx, st.BlobsLocation(), storage.BlobsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.Register(ctx, bs, path, "other"); err != nil {
		t.Fatal(err)
	}
}
