package tune_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cairn-ml/cairn/internal/storage/enginetest"
	"github.com/cairn-ml/cairn/tune"
)

// tracked is quadratic that also reports steps and sets an attribute, so
// that every field of a record goes through the storage.
func tracked(t *tune.Trial) (float64, error) {
	v, err := quadratic(t)
	t.Report(0, v+1)
	t.Report(3, v)
	t.SetUserAttr("branch", t.Params().String("kind"))
	return v, err
}

func openStorage(t testing.TB, location string) tune.Storage {
	t.Helper()
	st, err := tune.OpenStorage(location)
	if err != nil {
		t.Fatalf("OpenStorage(%s): %v", location, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
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

// A study on a file is resumed by a later study of the same name: same
// trials, numbering goes on, and another study in the same file is apart.
func TestResume(t *testing.T) {
	path := enginetest.Records(t, engine)
	ctx := context.Background()

	st := openStorage(t, path)
	s := newStudy(t, tune.StudyConfig{Name: "a", Sampler: tune.NewTPE(3), Storage: st})
	if err := s.Optimize(ctx, tracked, 12); err != nil {
		t.Fatal(err)
	}
	other := newStudy(t, tune.StudyConfig{Name: "b", Direction: tune.Maximize, Storage: st})
	if err := other.Optimize(ctx, quadratic, 3); err != nil {
		t.Fatal(err)
	}
	before := s.Trials()
	st.Close()

	st = openStorage(t, path)
	stored, err := st.Trials(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, stored, trialOpts); diff != "" {
		t.Errorf("stored trials (-study +storage):\n%s", diff)
	}
	if names, err := st.Studies(ctx); err != nil || !slices.Equal(names, []string{"a", "b"}) {
		t.Errorf("Studies = %v, %v", names, err)
	}
	resumed := newStudy(t, tune.StudyConfig{Name: "a", Sampler: tune.NewTPE(3), Storage: st})
	if diff := cmp.Diff(before, resumed.Trials(), trialOpts); diff != "" {
		t.Errorf("resumed trials (-before +after):\n%s", diff)
	}
	if err := resumed.Optimize(ctx, tracked, 3); err != nil {
		t.Fatal(err)
	}
	if got := resumed.Trials(); len(got) != 15 || got[14].Number != 14 {
		t.Fatalf("after resuming: %d trials", len(got))
	}
	if _, err := tune.OpenStudy(ctx, tune.StudyConfig{Name: "b", Storage: st}); !errors.Is(err, tune.ErrBadConfig) {
		t.Errorf("OpenStudy of a maximising study as minimising = %v, want ErrBadConfig", err)
	}
	if _, err := st.Trials(ctx, "nope"); !errors.Is(err, tune.ErrNotFound) {
		t.Errorf("Trials of a missing study = %v, want ErrNotFound", err)
	}
}

// A trial's error keeps its sentinel through the storage, by a stored
// code (not by matching the message), and every field of a record reads
// back.
func TestRecordRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := openStorage(t, enginetest.Records(t, engine))
	s := newStudy(t, tune.StudyConfig{Storage: st, Sampler: tune.NewRandom(1)})
	objs := []tune.Objective{
		tracked,
		func(t *tune.Trial) (float64, error) {
			t.Report(2, 0.5)
			return 0, fmt.Errorf("stop: %w", tune.ErrPruned)
		},
		func(t *tune.Trial) (float64, error) { panic("boom") },
		func(t *tune.Trial) (float64, error) { return math.NaN(), nil },
		func(t *tune.Trial) (float64, error) { return 0, errors.New("mentions tune: trial pruned but is not") },
		func(t *tune.Trial) (float64, error) { t.Float("x", 1, 0); return 0, nil },
	}
	for _, obj := range objs {
		if err := s.Optimize(ctx, obj, 1); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Trials(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.Trials(), got, trialOpts); diff != "" {
		t.Errorf("read back (-study +storage):\n%s", diff)
	}
	for i, want := range []error{nil, tune.ErrPruned, tune.ErrPanic, tune.ErrBadValue, nil, tune.ErrBadParam} {
		switch {
		case want == nil && got[i].Err != nil && errors.Is(got[i].Err, tune.ErrPruned):
			t.Errorf("trial %d: %v matches ErrPruned by its message", i, got[i].Err)
		case want != nil && !errors.Is(got[i].Err, want):
			t.Errorf("trial %d: read-back error %v does not match %v", i, got[i].Err, want)
		}
	}
	// The export format keeps the codes too.
	var buf bytes.Buffer
	if err := tune.WriteTrials(&buf, got); err != nil {
		t.Fatal(err)
	}
	back, err := tune.ReadTrials(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, back, trialOpts); diff != "" {
		t.Errorf("WriteTrials/ReadTrials (-stored +read):\n%s", diff)
	}
	if !errors.Is(back[1].Err, tune.ErrPruned) || errors.Is(back[4].Err, tune.ErrPruned) {
		t.Errorf("exported errors: %v, %v", back[1].Err, back[4].Err)
	}
}

// The enqueued entries are kept in the storage and each is taken by one
// trial, whichever worker starts it.
func TestEnqueueShared(t *testing.T) {
	ctx := context.Background()
	st := openStorage(t, enginetest.Records(t, engine))
	a := newStudy(t, tune.StudyConfig{Storage: st, Sampler: tune.NewRandom(1)})
	b := newStudy(t, tune.StudyConfig{Storage: st, Sampler: tune.NewRandom(2)})
	for _, x := range []float64{0.1, 0.2, 0.3} {
		if err := a.Enqueue(tune.Params{"x": x}); err != nil {
			t.Fatal(err)
		}
	}
	obj := func(t *tune.Trial) (float64, error) { return t.Float("x", 0, 1), nil }
	if err := b.Optimize(ctx, obj, 2); err != nil {
		t.Fatal(err)
	}
	if err := a.Optimize(ctx, obj, 2); err != nil {
		t.Fatal(err)
	}
	trials, _ := st.Trials(ctx, "default")
	var xs []float64
	for _, tr := range trials {
		xs = append(xs, tr.Params.Float("x"))
	}
	if !slices.Equal(xs[:3], []float64{0.1, 0.2, 0.3}) || xs[3] == 0.1 || xs[3] == 0.2 || xs[3] == 0.3 {
		t.Errorf("x of trials 0-3 = %v, want the queue once, then a sample", xs)
	}
}

// TestHelperWorker is the other process of the multi-process tests; it
// does nothing unless TUNE_WORKER names a role.
func TestHelperWorker(t *testing.T) {
	role := os.Getenv("TUNE_WORKER")
	if role == "" {
		t.Skip("helper process only")
	}
	path := os.Getenv("TUNE_PATH")
	st, err := tune.OpenStorage(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	switch role {
	case "optimize":
		seed, _ := strconv.Atoi(os.Getenv("TUNE_SEED"))
		s, err := tune.OpenStudy(ctx, tune.StudyConfig{Name: "shared", Storage: st, Sampler: tune.NewTPE(uint64(seed)), Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Optimize(ctx, exactObjective, 15); err != nil {
			t.Fatal(err)
		}
	case "bench":
		benchWorker(t, st)
	case "hang":
		s, err := tune.OpenStudy(ctx, tune.StudyConfig{Name: "shared", Storage: st, Heartbeat: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := s.Ask(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println("asked", tr.Number())
		time.Sleep(time.Hour) // until killed
	}
}

// exactObjective's value is a function of the parameters alone, so the
// parent can check every stored value.
func exactObjective(t *tune.Trial) (float64, error) {
	x := t.Float("x", -2, 2)
	k := t.Int("k", 1, 5)
	return x*x + float64(k), nil
}

func worker(t testing.TB, path, role string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWorker$", "-test.v")
	cmd.Env = append(os.Environ(), append([]string{"TUNE_WORKER=" + role, "TUNE_PATH=" + path}, env...)...)
	return cmd
}

// Three processes run one study at once on one file: every trial number
// unique and present, every value exact.
func TestProcessesOneStudy(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := enginetest.Records(t, engine)
	openStorage(t, path).Close()
	var wg sync.WaitGroup
	for i := range 3 {
		cmd := worker(t, path, "optimize", fmt.Sprint("TUNE_SEED=", i))
		wg.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("worker %d: %v\n%s", i, err, out)
			}
		})
	}
	wg.Wait()
	st := openStorage(t, path)
	trials, err := st.Trials(context.Background(), "shared")
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 45 {
		t.Fatalf("%d trials, want 45", len(trials))
	}
	for i, tr := range trials {
		want := tr.Params.Float("x")*tr.Params.Float("x") + float64(tr.Params.Int("k"))
		if tr.Number != i || tr.State != tune.Complete || tr.Value != want {
			t.Errorf("trial %d: number %d, %v, value %v, want %v", i, tr.Number, tr.State, tr.Value, want)
		}
	}
}

// A worker that dies leaves its running trial; while it sent heartbeats
// another worker leaves the trial alone (opening the study does not mark
// it), and once they have stopped for four intervals the next trial
// started marks it Failed with ErrInterrupted.
func TestDeadWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := enginetest.Records(t, engine)
	openStorage(t, path).Close()
	cmd := worker(t, path, "hang")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	asked := false
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "asked 0") {
			asked = true
			break
		}
	}
	if !asked {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("the worker did not start its trial")
	}
	ctx := context.Background()
	st := openStorage(t, path)
	s, err := tune.OpenStudy(ctx, tune.StudyConfig{Name: "shared", Storage: st, Heartbeat: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // several of the worker's heartbeats
	if err := s.Optimize(ctx, exactObjective, 1); err != nil {
		t.Fatal(err)
	}
	trials, _ := st.Trials(ctx, "shared")
	if trials[0].State != tune.Running {
		t.Fatalf("the live worker's trial is %v, want running", trials[0].State)
	}
	cmd.Process.Kill()
	cmd.Wait()
	time.Sleep(1200 * time.Millisecond) // more than four heartbeats
	if err := s.Optimize(ctx, exactObjective, 1); err != nil {
		t.Fatal(err)
	}
	trials, _ = st.Trials(ctx, "shared")
	if trials[0].State != tune.Failed || !errors.Is(trials[0].Err, tune.ErrInterrupted) {
		t.Errorf("the dead worker's trial: %v, %v; want failed with ErrInterrupted", trials[0].State, trials[0].Err)
	}
	if len(trials) != 3 || trials[1].State != tune.Complete || trials[2].State != tune.Complete {
		t.Errorf("trials: %+v", trials)
	}
}

// A damaged storage file is ErrCorrupt, not a new storage.
func TestDamagedStorage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.db")
	st := openStorage(t, path)
	newStudy(t, tune.StudyConfig{Storage: st}).Optimize(context.Background(), quadratic, 2)
	st.Close()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := tune.OpenStorage(path); !errors.Is(err, tune.ErrCorrupt) {
		t.Errorf("OpenStorage of an emptied file = %v, want ErrCorrupt", err)
	}
}
