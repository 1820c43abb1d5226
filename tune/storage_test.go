package tune_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/tune"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// tracked is quadratic that also reports steps and sets an attribute, so
// that every field of a record goes through the file.
func tracked(t *tune.Trial) (float64, error) {
	v, err := quadratic(t)
	t.Report(0, v+1)
	t.Report(3, v)
	t.SetUserAttr("branch", t.Params().String("kind"))
	return v, err
}

func openFile(t *testing.T, path string) *tune.FileStorage {
	t.Helper()
	fs, err := tune.OpenFileStorage(path)
	if err != nil {
		t.Fatalf("OpenFileStorage(%s): %v", path, err)
	}
	t.Cleanup(func() { fs.Close() })
	return fs
}

var trialOpts = cmp.Options{
	cmpopts.EquateNaNs(),
	cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b error) bool {
		if a == nil || b == nil {
			return a == nil && b == nil
		}
		return a.Error() == b.Error()
	}),
}

func TestResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "study.jsonl")
	ctx := context.Background()

	fs := openFile(t, path)
	s := newStudy(t, tune.StudyConfig{Sampler: tune.NewTPE(3), Storage: fs})
	if err := s.Optimize(ctx, tracked, 12); err != nil {
		t.Fatal(err)
	}
	before := s.Trials()
	if err := fs.Close(); err != nil {
		t.Fatal(err)
	}

	fs = openFile(t, path)
	resumed := newStudy(t, tune.StudyConfig{Sampler: tune.NewTPE(3), Storage: fs})
	if diff := cmp.Diff(before, resumed.Trials(), trialOpts); diff != "" {
		t.Fatalf("trials read back (-saved +read):\n%s", diff)
	}
	if err := resumed.Optimize(ctx, tracked, 8); err != nil {
		t.Fatal(err)
	}

	// The same 20 trials in one go, in memory: a resumed sequential study
	// continues exactly where it stopped.
	whole := newStudy(t, tune.StudyConfig{Sampler: tune.NewTPE(3)})
	if err := whole.Optimize(ctx, tracked, 20); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(records(whole), records(resumed), trialOpts); diff != "" {
		t.Errorf("resumed study differs from one run in one go (-whole +resumed):\n%s", diff)
	}

	// One record per start and one per end; Compact keeps the last.
	if n := countLines(t, path); n != 40 {
		t.Errorf("%d lines before Compact, want 40", n)
	}
	if err := fs.Compact(); err != nil {
		t.Fatal(err)
	}
	if n := countLines(t, path); n != 20 {
		t.Errorf("%d lines after Compact, want 20", n)
	}
	if err := fs.Save(resumed.Trials()[0]); err != nil {
		t.Fatalf("Save after Compact: %v", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tune.ReadTrials(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(resumed.Trials(), got, trialOpts); diff != "" {
		t.Errorf("ReadTrials after Compact (-study +file):\n%s", diff)
	}
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(raw, []byte("\n"))
}

func TestResumeInterrupted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "study.jsonl")
	fs := openFile(t, path)
	s := newStudy(t, tune.StudyConfig{Storage: fs})
	if _, err := s.Ask(context.Background()); err != nil { // never told: the process "dies"
		t.Fatal(err)
	}
	fs.Close()

	s = newStudy(t, tune.StudyConfig{Storage: openFile(t, path)})
	trials := s.Trials()
	if len(trials) != 1 || trials[0].State != tune.Failed || !errors.Is(trials[0].Err, tune.ErrInterrupted) {
		t.Fatalf("trials after resume = %+v, want trial 0 failed with ErrInterrupted", trials)
	}
	tr, err := s.Ask(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tr.Number() != 1 {
		t.Errorf("next trial number = %d, want 1", tr.Number())
	}
}

func TestFileDamage(t *testing.T) {
	good := `{"v":1,"number":0,"state":"complete","value":1.5,"params":{"x":{"dist":{"kind":"float","low":0,"high":2},"value":1.5}},"start":"2026-01-02T15:04:05Z","end":"2026-01-02T15:04:06Z"}` + "\n"
	tests := []struct {
		name    string
		content string
		want    error // nil: opens, with one trial
	}{
		{"good", good, nil},
		{"torn last line", good + `{"v":1,"number":1,"sta`, nil},
		{"blank lines", "\n" + good + "\n", nil},
		{"garbage line", good + "garbage\n" + good, tune.ErrCorrupt},
		{"value outside range", strings.Replace(good, `"value":1.5}`, `"value":3}`, 1), tune.ErrCorrupt},
		{"unknown state", strings.Replace(good, "complete", "done", 1), tune.ErrCorrupt},
		{"complete NaN", strings.Replace(good, `"value":1.5,`, `"value":"NaN",`, 1), tune.ErrCorrupt},
		{"unknown field", strings.Replace(good, `"v":1,`, `"v":1,"w":2,`, 1), tune.ErrCorrupt},
		{"version", strings.Replace(good, `"v":1,`, `"v":2,`, 1), tune.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "study.jsonl")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			fs, err := tune.OpenFileStorage(path)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("OpenFileStorage() = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer fs.Close()
			s := newStudy(t, tune.StudyConfig{Storage: fs, Sampler: tune.NewRandom(1)})
			if best := s.Best(); best.Number != 0 || best.Value != 1.5 || best.Params.Float("x") != 1.5 {
				t.Errorf("Best() = %+v", best)
			}
			if err := s.Optimize(context.Background(), func(tr *tune.Trial) (float64, error) {
				return tr.Float("x", 0, 2), nil
			}, 2); err != nil {
				t.Fatal(err)
			}
			fs.Close()
			again := openFile(t, path)
			trials, _ := again.Load()
			if len(trials) != 3 {
				t.Errorf("%d trials after reopening, want 3", len(trials))
			}
		})
	}
}

func TestStorageGaps(t *testing.T) {
	m := tune.NewMemoryStorage()
	for _, n := range []int{0, 2} {
		if err := m.Save(tune.FrozenTrial{Number: n, State: tune.Complete, Value: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if s := tune.NewStudy(tune.StudyConfig{Storage: m}); !errors.Is(s.Err(), tune.ErrCorrupt) {
		t.Errorf("NewStudy on trials 0 and 2: Err() = %v, want ErrCorrupt", s.Err())
	}
}

func TestRecordRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "study.jsonl")
	fs := openFile(t, path)
	start := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	trials := []tune.FrozenTrial{
		{Number: 0, State: tune.Complete, Value: math.Inf(1), Start: start, End: start.Add(time.Second),
			Params: tune.Params{"lr": 1e-3, "n": 8, "c": "b", "q": 0.75},
			Distributions: map[string]tune.Distribution{
				"lr": {Kind: tune.FloatKind, Low: 1e-5, High: 1, Log: true},
				"n":  {Kind: tune.IntKind, Low: 1, High: 64, Step: 1, Log: true},
				"c":  {Kind: tune.CategoricalKind, Choices: []string{"a", "b"}},
				"q":  {Kind: tune.FloatKind, Low: 0, High: 1, Step: 0.25},
			},
			Intermediate: map[int]float64{0: math.NaN(), 5: math.Inf(-1), 7: 0.1},
			UserAttrs:    map[string]string{"k": "v\n\"quoted\""}},
		{Number: 1, State: tune.Pruned, Value: 0.5, Start: start, Err: tune.ErrPruned},
		{Number: 2, State: tune.Failed, Value: math.NaN(), Start: start, Err: errors.New("boom")},
	}
	for _, ft := range trials {
		if err := fs.Save(ft); err != nil {
			t.Fatal(err)
		}
	}
	fs.Close()
	got, _ := openFile(t, path).Load()
	if diff := cmp.Diff(trials, got, trialOpts); diff != "" {
		t.Errorf("read back (-saved +read):\n%s", diff)
	}
	if !errors.Is(got[1].Err, tune.ErrPruned) {
		t.Errorf("read-back pruned error %v does not match ErrPruned", got[1].Err)
	}
}
