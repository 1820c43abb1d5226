package track_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/track"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestCreateExperiment(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, track.Options{})
	exp, err := st.CreateExperiment(ctx, "fraud", track.ExperimentOptions{Tags: map[string]string{"team": "risk"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.ExperimentByName(ctx, "fraud")
	if err != nil {
		t.Fatal(err)
	}
	want := &track.Experiment{ID: exp.ID, Name: "fraud", Created: t0, Updated: t0, Tags: map[string]string{"team": "risk"}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(track.Experiment{})); diff != "" {
		t.Errorf("ExperimentByName (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name string
		opts track.ExperimentOptions
		want error
	}{
		{"fraud", track.ExperimentOptions{}, track.ErrExists},
		{"", track.ExperimentOptions{}, track.ErrInvalid},
		{"x", track.ExperimentOptions{Tags: map[string]string{"": "v"}}, track.ErrInvalid},
		{"x\x00", track.ExperimentOptions{}, track.ErrInvalid},
	} {
		if _, err := st.CreateExperiment(ctx, tc.name, tc.opts); !errors.Is(err, tc.want) {
			t.Errorf("CreateExperiment(%q) = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := st.ExperimentByName(ctx, "nope"); !errors.Is(err, track.ErrNotFound) {
		t.Errorf("ExperimentByName(nope) = %v, want ErrNotFound", err)
	}
}

func TestExperimentLifecycle(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, track.Options{})
	exp := mustExperiment(t, st, "a")
	mustExperiment(t, st, "taken")
	early := mustStart(t, exp, track.RunOptions{Name: "early"})
	if err := st.DeleteRun(ctx, early.ID()); err != nil {
		t.Fatal(err)
	}
	live := mustStart(t, exp, track.RunOptions{Name: "live"})

	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"rename to a taken name", func() error { return st.RenameExperiment(ctx, exp.ID, "taken") }, track.ErrExists},
		{"rename", func() error { return st.RenameExperiment(ctx, exp.ID, "b") }, nil},
		{"rename unknown", func() error { return st.RenameExperiment(ctx, "99", "c") }, track.ErrNotFound},
		{"rename bad id", func() error { return st.RenameExperiment(ctx, "x", "c") }, track.ErrInvalid},
		{"set tag", func() error { return st.SetExperimentTag(ctx, exp.ID, "k", "v") }, nil},
		{"set tag bad key", func() error { return st.SetExperimentTag(ctx, exp.ID, "", "v") }, track.ErrInvalid},
		{"delete missing tag", func() error { return st.DeleteExperimentTag(ctx, exp.ID, "nope") }, nil},
		{"delete", func() error { return st.DeleteExperiment(ctx, exp.ID) }, nil},
		{"delete again", func() error { return st.DeleteExperiment(ctx, exp.ID) }, nil},
		{"start in deleted", func() error {
			_, err := exp.StartRun(ctx, track.RunOptions{NoAutoTags: true})
			return err
		}, track.ErrDeleted},
		{"rename deleted", func() error { return st.RenameExperiment(ctx, exp.ID, "c") }, track.ErrDeleted},
	}
	for _, s := range steps {
		if err := s.do(); !errors.Is(err, s.want) {
			t.Fatalf("%s: %v, want %v", s.name, err, s.want)
		}
	}
	got, err := st.ExperimentByID(ctx, exp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "b" || !got.Deleted || got.Tags["k"] != "v" || !got.Updated.After(got.Created) {
		t.Errorf("after delete: %+v", got)
	}
	if rec := mustRecord(t, live); !rec.Deleted {
		t.Error("the live run is not deleted with its experiment")
	}
	if err := st.RestoreExperiment(ctx, exp.ID); err != nil {
		t.Fatal(err)
	}
	if rec := mustRecord(t, live); rec.Deleted {
		t.Error("the run deleted with the experiment is not restored")
	}
	if rec := mustRecord(t, early); !rec.Deleted {
		t.Error("the run deleted before the experiment was restored with it")
	}
	if err := st.DeleteExperimentTag(ctx, exp.ID, "k"); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ExperimentByID(ctx, exp.ID); got.Deleted || got.Tags != nil {
		t.Errorf("after restore and tag delete: %+v", got)
	}
	if _, err := exp.StartRun(ctx, track.RunOptions{NoAutoTags: true}); err != nil {
		t.Errorf("StartRun after restore: %v", err)
	}
}

func TestRunUpdate(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, track.Options{})
	exp := mustExperiment(t, st, "a")
	start := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	run := mustStart(t, exp, track.RunOptions{Name: "r", Start: start})
	name := "renamed"
	end := start.Add(time.Hour)
	for _, tc := range []struct {
		u                track.RunUpdate
		name             string
		status           track.Status
		end              time.Time
		startsAt         time.Time
		wantErr          error
		searchByEndCount int
	}{
		{u: track.RunUpdate{}, name: "r", status: track.StatusRunning, startsAt: start},
		{u: track.RunUpdate{Name: &name, Status: track.StatusFailed, End: end}, name: "renamed", status: track.StatusFailed, end: end, startsAt: start},
		{u: track.RunUpdate{Status: track.StatusRunning}, name: "renamed", status: track.StatusRunning, end: end, startsAt: start},
		{u: track.RunUpdate{Status: 9}, wantErr: track.ErrInvalid},
	} {
		rec, err := run.Update(ctx, tc.u)
		if !errors.Is(err, tc.wantErr) {
			t.Fatalf("Update(%+v) = %v, want %v", tc.u, err, tc.wantErr)
		}
		if err != nil {
			continue
		}
		if rec.Name != tc.name || rec.Status != tc.status || !rec.End.Equal(tc.end) || !rec.Start.Equal(tc.startsAt) {
			t.Errorf("Update(%+v) = %+v", tc.u, rec)
		}
	}
	runs, _, err := st.SearchRuns(ctx, track.SearchOptions{Filter: "attributes.run_name = 'renamed' AND attributes.status = 'RUNNING' AND attributes.end_time > 0"})
	if err != nil || len(runs) != 1 {
		t.Errorf("search after update: %d runs, %v", len(runs), err)
	}
	if err := st.DeleteRun(ctx, run.ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := run.Update(ctx, track.RunUpdate{Name: &name}); !errors.Is(err, track.ErrDeleted) {
		t.Errorf("Update of a deleted run = %v, want ErrDeleted", err)
	}
}

func TestInputMLflowFields(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, track.Options{})
	run := mustStart(t, mustExperiment(t, st, "a"), track.RunOptions{})
	in := track.Input{Name: "iris", Version: "5f3a", Source: `{"uri": "s3://b/iris.csv"}`, Context: "training",
		SourceType: "s3", Schema: `{"mlflow_colspec": []}`, Profile: `{"num_rows": 150}`}
	if err := run.LogInput(ctx, in); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]track.Input{in}, mustRecord(t, run).Inputs); diff != "" {
		t.Errorf("inputs (-want +got):\n%s", diff)
	}
	big := in
	big.Profile = string(make([]byte, track.MaxInputProfileLen+1))
	if err := run.LogInput(ctx, big); !errors.Is(err, track.ErrInvalid) {
		t.Errorf("LogInput(huge profile) = %v, want ErrInvalid", err)
	}
}
