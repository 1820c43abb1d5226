package track_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/kv/boltkv"
	"github.com/cairn-ml/cairn/track"
)

var ctx = context.Background()

func TestExperiment(t *testing.T) {
	st := openStore(t, track.Options{})
	a := mustExperiment(t, st, "a")
	b := mustExperiment(t, st, "b")
	again := mustExperiment(t, st, "a")
	if a.ID != "1" || b.ID != "2" || again.ID != "1" {
		t.Errorf("ids = %s, %s, %s; want 1, 2, 1", a.ID, b.ID, again.ID)
	}
	if !a.Created.Equal(t0) {
		t.Errorf("Created = %v, want %v", a.Created, t0)
	}
	all, err := st.Experiments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range all {
		names = append(names, e.ID+":"+e.Name)
	}
	if diff := cmp.Diff([]string{"1:a", "2:b"}, names); diff != "" {
		t.Errorf("Experiments (-want +got):\n%s", diff)
	}
	byID, err := st.ExperimentByID(ctx, "2")
	if err != nil || byID.Name != "b" {
		t.Errorf("ExperimentByID(2) = %v, %v; want b", byID, err)
	}
	for _, tc := range []struct {
		name, id string
		want     error
	}{
		{"unknown", "7", track.ErrNotFound},
		{"zero", "0", track.ErrInvalid},
		{"leading zero", "01", track.ErrInvalid},
		{"not a number", "x", track.ErrInvalid},
	} {
		t.Run("ExperimentByID/"+tc.name, func(t *testing.T) {
			if _, err := st.ExperimentByID(ctx, tc.id); !errors.Is(err, tc.want) {
				t.Errorf("ExperimentByID(%q) = %v, want %v", tc.id, err, tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, exp string }{
		{"empty", ""},
		{"NUL", "a\x00b"},
		{"bad UTF-8", "a\xffb"},
		{"too long", strings.Repeat("x", track.MaxExperimentLen+1)},
	} {
		t.Run("Experiment/"+tc.name, func(t *testing.T) {
			if _, err := st.Experiment(ctx, tc.exp); !errors.Is(err, track.ErrInvalid) {
				t.Errorf("Experiment(%q) = %v, want ErrInvalid", tc.exp, err)
			}
		})
	}
}

func TestRunLifecycle(t *testing.T) {
	st := openStore(t, track.Options{})
	exp := mustExperiment(t, st, "e")                                                                     // clock: t0
	run := mustStart(t, exp, track.RunOptions{Name: "baseline", Tags: map[string]string{"stage": "dev"}}) // t0+1s
	if err := run.LogParams(ctx, map[string]string{"C": "1", "solver": "lbfgs"}); err != nil {
		t.Fatal(err)
	}
	if err := run.LogMetric(ctx, "f1", 0.9, 0); err != nil { // t0+3s
		t.Fatal(err)
	}
	if err := run.LogInput(ctx, track.Input{Name: "wdbc", Version: "v1", Digest: "sha256:" + strings.Repeat("ab", 32), Context: "training"}); err != nil {
		t.Fatal(err)
	}
	got := mustRecord(t, run)
	want := track.RunRecord{
		ID: run.ID(), ExperimentID: "1", Name: "baseline", Status: track.StatusRunning,
		Start:   t0.Add(time.Second),
		Params:  map[string]string{"C": "1", "solver": "lbfgs"},
		Tags:    map[string]string{"stage": "dev"},
		Metrics: map[string]track.Metric{"f1": {Key: "f1", Value: 0.9, Time: t0.Add(3 * time.Second)}},
		Inputs:  []track.Input{{Name: "wdbc", Version: "v1", Digest: "sha256:" + strings.Repeat("ab", 32), Context: "training"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Record (-want +got):\n%s", diff)
	}
	if err := run.End(ctx, track.StatusRunning); !errors.Is(err, track.ErrInvalid) {
		t.Errorf("End(Running) = %v, want ErrInvalid", err)
	}
	if err := run.End(ctx, track.StatusFinished); err != nil { // t0+5s
		t.Fatal(err)
	}
	got = mustRecord(t, run)
	if got.Status != track.StatusFinished || !got.End.Equal(t0.Add(5*time.Second)) {
		t.Errorf("after End: status %v end %v, want FINISHED %v", got.Status, got.End, t0.Add(5*time.Second))
	}
	if err := run.SetName(ctx, "renamed"); err != nil {
		t.Fatal(err)
	}
	again, err := st.Run(ctx, run.ID())
	if err != nil {
		t.Fatal(err)
	}
	if rec := mustRecord(t, again); rec.Name != "renamed" || again.ExperimentID() != "1" {
		t.Errorf("resumed run: name %q experiment %s", rec.Name, again.ExperimentID())
	}
	for _, tc := range []struct {
		name, id string
		want     error
	}{
		{"unknown", strings.Repeat("0", 32), track.ErrNotFound},
		{"short", "abc", track.ErrInvalid},
		{"upper case", strings.ToUpper(run.ID()), track.ErrInvalid},
	} {
		t.Run("Run/"+tc.name, func(t *testing.T) {
			if _, err := st.Run(ctx, tc.id); !errors.Is(err, tc.want) {
				t.Errorf("Run(%q) = %v, want %v", tc.id, err, tc.want)
			}
			if _, err := st.RunRecord(ctx, tc.id); !errors.Is(err, tc.want) {
				t.Errorf("RunRecord(%q) = %v, want %v", tc.id, err, tc.want)
			}
		})
	}
}

func TestRunIDsSortByStart(t *testing.T) {
	st := openStore(t, track.Options{})
	exp := mustExperiment(t, st, "e")
	var prev string
	for i := range 5 {
		id := mustStart(t, exp, track.RunOptions{}).ID()
		if len(id) != 32 || id[12] != '7' {
			t.Errorf("run id %s is not a 32-hex UUIDv7", id)
		}
		if i > 0 && id <= prev {
			t.Errorf("run id %s does not sort after %s", id, prev)
		}
		prev = id
	}
}

func TestParamsWriteOnce(t *testing.T) {
	st := openStore(t, track.Options{})
	run := mustStart(t, mustExperiment(t, st, "e"), track.RunOptions{})
	if err := run.LogParam(ctx, "C", "1"); err != nil {
		t.Fatal(err)
	}
	if err := run.LogParam(ctx, "C", "1"); err != nil {
		t.Errorf("same value again: %v", err)
	}
	if err := run.LogParam(ctx, "C", "2"); !errors.Is(err, track.ErrParamConflict) {
		t.Errorf("different value: %v, want ErrParamConflict", err)
	}
	// A batch with a conflicting param stores nothing.
	err := run.Log(ctx, track.Batch{
		Params:  map[string]string{"C": "3", "new": "x"},
		Metrics: []track.Metric{{Key: "f1", Value: 1}},
		Tags:    map[string]string{"t": "v"},
	})
	if !errors.Is(err, track.ErrParamConflict) {
		t.Fatalf("batch: %v, want ErrParamConflict", err)
	}
	got := mustRecord(t, run)
	if diff := cmp.Diff(map[string]string{"C": "1"}, got.Params); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	if len(got.Metrics) != 0 || len(got.Tags) != 0 {
		t.Errorf("failed batch left metrics %v tags %v", got.Metrics, got.Tags)
	}
}

func TestTags(t *testing.T) {
	st := openStore(t, track.Options{})
	run := mustStart(t, mustExperiment(t, st, "e"), track.RunOptions{Tags: map[string]string{"a": "1", "b": "2"}})
	if err := run.SetTag(ctx, "a", "changed"); err != nil {
		t.Fatal(err)
	}
	if err := run.DeleteTag(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := run.DeleteTag(ctx, "never set"); err != nil {
		t.Errorf("DeleteTag of a missing tag: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"a": "changed"}, mustRecord(t, run).Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
}

func TestMetricHistory(t *testing.T) {
	st := openStore(t, track.Options{})
	run := mustStart(t, mustExperiment(t, st, "e"), track.RunOptions{})
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Hour) }
	logged := []track.Metric{
		{Key: "loss", Value: 0.9, Step: 0, Time: at(1)},
		{Key: "loss", Value: 0.5, Step: 2, Time: at(2)},
		{Key: "loss", Value: 0.7, Step: 1, Time: at(3)}, // older step: not the latest
		{Key: "loss", Value: math.Inf(1), Step: 2, Time: at(2)},
		{Key: "acc", Value: 0.1, Step: 5, Time: at(1)},
	}
	if err := run.Log(ctx, track.Batch{Metrics: logged[:2]}); err != nil {
		t.Fatal(err)
	}
	for _, m := range logged[2:] {
		if err := run.Log(ctx, track.Batch{Metrics: []track.Metric{m}}); err != nil {
			t.Fatal(err)
		}
	}
	hist, err := st.MetricHistory(ctx, run.ID(), "loss")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(logged[:4], hist); diff != "" {
		t.Errorf("MetricHistory (-want +got):\n%s", diff)
	}
	// Latest: largest step, then latest time, then largest value.
	want := map[string]track.Metric{"loss": logged[3], "acc": logged[4]}
	if diff := cmp.Diff(want, mustRecord(t, run).Metrics); diff != "" {
		t.Errorf("latest metrics (-want +got):\n%s", diff)
	}
	none, err := st.MetricHistory(ctx, run.ID(), "nope")
	if err != nil || len(none) != 0 {
		t.Errorf("MetricHistory(nope) = %v, %v; want empty", none, err)
	}
	if _, err := st.MetricHistory(ctx, strings.Repeat("1", 32), "loss"); !errors.Is(err, track.ErrNotFound) {
		t.Errorf("MetricHistory(unknown run) = %v, want ErrNotFound", err)
	}
	// LogMetrics logs at one step, and NaN is a value like any other.
	if err := run.LogMetrics(ctx, map[string]float64{"x": math.NaN(), "y": 2}, 7); err != nil {
		t.Fatal(err)
	}
	got := mustRecord(t, run).Metrics
	if !math.IsNaN(got["x"].Value) || got["x"].Step != 7 || got["y"].Value != 2 {
		t.Errorf("LogMetrics: %v", got)
	}
}

func TestInputs(t *testing.T) {
	st := openStore(t, track.Options{})
	run := mustStart(t, mustExperiment(t, st, "e"), track.RunOptions{})
	d := "sha256:" + strings.Repeat("0f", 32)
	train := track.Input{Name: "wdbc", Version: "v1", Digest: d, Context: "training"}
	test := track.Input{Name: "wdbc", Version: "v1", Digest: d, Context: "test"}
	if err := run.LogInput(ctx, train, test, train); err != nil {
		t.Fatal(err)
	}
	if err := run.LogInput(ctx, train); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]track.Input{train, test}, mustRecord(t, run).Inputs); diff != "" {
		t.Errorf("inputs (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name string
		in   track.Input
	}{
		{"no name", track.Input{Digest: d}},
		{"raw hex digest", track.Input{Name: "x", Digest: strings.Repeat("0f", 32)}},
		{"upper-case digest", track.Input{Name: "x", Digest: "sha256:" + strings.Repeat("0F", 32)}},
		{"md5 digest", track.Input{Name: "x", Digest: "md5:0123"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := run.LogInput(ctx, tc.in); !errors.Is(err, track.ErrInvalid) {
				t.Errorf("LogInput(%+v) = %v, want ErrInvalid", tc.in, err)
			}
		})
	}
}

func TestNestedRuns(t *testing.T) {
	st := openStore(t, track.Options{})
	exp := mustExperiment(t, st, "e")
	parent := mustStart(t, exp, track.RunOptions{Name: "study"})
	child, err := parent.StartChild(ctx, track.RunOptions{Name: "trial 0", NoAutoTags: true})
	if err != nil {
		t.Fatal(err)
	}
	if rec := mustRecord(t, child); rec.ParentID != parent.ID() || rec.ExperimentID != exp.ID {
		t.Errorf("child: parent %q experiment %q; want %q, %q", rec.ParentID, rec.ExperimentID, parent.ID(), exp.ID)
	}
	other := mustExperiment(t, st, "other")
	for _, tc := range []struct {
		name, parent string
		want         error
	}{
		{"unknown parent", strings.Repeat("a", 32), track.ErrNotFound},
		{"malformed parent", "xyz", track.ErrInvalid},
		{"parent in another experiment", parent.ID(), track.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := other.StartRun(ctx, track.RunOptions{ParentID: tc.parent}); !errors.Is(err, tc.want) {
				t.Errorf("StartRun(parent %q) = %v, want %v", tc.parent, err, tc.want)
			}
		})
	}
}

func TestValidation(t *testing.T) {
	st := openStore(t, track.Options{})
	run := mustStart(t, mustExperiment(t, st, "e"), track.RunOptions{})
	long := strings.Repeat("k", track.MaxNameLen+1)
	for _, tc := range []struct {
		name string
		b    track.Batch
	}{
		{"empty param key", track.Batch{Params: map[string]string{"": "v"}}},
		{"long param key", track.Batch{Params: map[string]string{long: "v"}}},
		{"NUL in param key", track.Batch{Params: map[string]string{"a\x00": "v"}}},
		{"NUL in param value", track.Batch{Params: map[string]string{"a": "v\x00"}}},
		{"long param value", track.Batch{Params: map[string]string{"a": strings.Repeat("v", track.MaxParamLen+1)}}},
		{"bad UTF-8 tag value", track.Batch{Tags: map[string]string{"a": "\xff"}}},
		{"long tag value", track.Batch{Tags: map[string]string{"a": strings.Repeat("v", track.MaxTagLen+1)}}},
		{"empty metric key", track.Batch{Metrics: []track.Metric{{Value: 1}}}},
		{"NUL in metric key", track.Batch{Metrics: []track.Metric{{Key: "\x00", Value: 1}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := run.Log(ctx, tc.b); !errors.Is(err, track.ErrInvalid) {
				t.Errorf("Log(%s) = %v, want ErrInvalid", tc.name, err)
			}
		})
	}
	if _, err := run.StartChild(ctx, track.RunOptions{Name: long}); !errors.Is(err, track.ErrInvalid) {
		t.Errorf("long run name: %v, want ErrInvalid", err)
	}
	if len(mustRecord(t, run).Params) != 0 {
		t.Error("a rejected batch stored params")
	}
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want track.Status
	}{
		{"RUNNING", track.StatusRunning}, {"finished", track.StatusFinished},
		{"Failed", track.StatusFailed}, {"KILLED", track.StatusKilled},
	} {
		got, err := track.ParseStatus(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseStatus(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if got.String() != strings.ToUpper(tc.in) {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	if _, err := track.ParseStatus("SCHEDULED"); !errors.Is(err, track.ErrInvalid) {
		t.Errorf("ParseStatus(SCHEDULED) = %v, want ErrInvalid", err)
	}
	if track.Status(0).Terminal() || track.StatusRunning.Terminal() || !track.StatusKilled.Terminal() {
		t.Error("Terminal is wrong")
	}
}

func TestReproTagsRecorded(t *testing.T) {
	st := openStore(t, track.Options{})
	exp := mustExperiment(t, st, "e")
	run, err := exp.StartRun(ctx, track.RunOptions{Source: "pipeline", Tags: map[string]string{track.TagHost: "override"}})
	if err != nil {
		t.Fatal(err)
	}
	tags := mustRecord(t, run).Tags
	want := map[string]string{track.TagSourceName: "pipeline", track.TagGoVersion: runtime.Version(), track.TagHost: "override"}
	for k, v := range want {
		if tags[k] != v {
			t.Errorf("tag %s = %q, want %q", k, tags[k], v)
		}
	}
	if tags[track.TagModule] != "github.com/cairn-ml/cairn" {
		t.Errorf("tag %s = %q", track.TagModule, tags[track.TagModule])
	}
	quiet := mustStart(t, exp, track.RunOptions{})
	if tags := mustRecord(t, quiet).Tags; len(tags) != 0 {
		t.Errorf("NoAutoTags run has tags %v", tags)
	}
}

// Two Stores on one file in one process, and a foreign bucket beside
// track's, with the default options; Close ends one, the other goes on.
func TestOpenTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.db")
	raw, err := boltkv.Open(ctx, path, boltkv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.Update(ctx, func(tx kv.Tx) error {
		b, err := tx.CreateBucket("registry/models")
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	}); err != nil {
		t.Fatal(err)
	}
	a, err := track.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := track.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	run := mustStart(t, mustExperiment(t, a, "e"), track.RunOptions{})
	if err := run.LogMetric(ctx, "m", 1, 0); err != nil {
		t.Fatal(err)
	}
	if rec, err := b.RunRecord(ctx, run.ID()); err != nil || rec.Metrics["m"].Value != 1 {
		t.Errorf("RunRecord through the second Store = %v, %v", rec, err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Experiment(ctx, "e"); !errors.Is(err, track.ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	raw.View(ctx, func(tx kv.Tx) error {
		if v := tx.Bucket("registry/models").Get([]byte("k")); string(v) != "v" {
			t.Errorf("foreign bucket value = %q", v)
		}
		return nil
	})
}

// While another program (bbolt itself, outside the storage core) holds
// the file, calls fail with ErrLocked and bbolt's ErrTimeout after
// Options.Timeout; once it lets go they work.
func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.db")
	st, err := track.OpenWith(path, track.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("the idle Store kept the file: %v", err)
	}
	_, err = st.Experiment(ctx, "e")
	if !errors.Is(err, track.ErrLocked) || !errors.Is(err, berrors.ErrTimeout) {
		t.Fatalf("Experiment while another holds the file = %v, want ErrLocked and bbolt's ErrTimeout", err)
	}
	if !strings.Contains(err.Error(), "another process") {
		t.Errorf("error %q does not say another process holds the file", err)
	}
	db.Close()
	if _, err := st.Experiment(ctx, "e"); err != nil {
		t.Errorf("after the other let go: %v", err)
	}
	_ = cmpopts.EquateApprox
}
