package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/storage/enginetest"
	"github.com/cairn-ml/cairn/registry"
	"github.com/cairn-ml/cairn/tune"
)

// TestTeam is issue 14's scenario: work folders stand in for machines,
// all pointed at one PostgreSQL database (-store) and one S3 bucket
// (-blobs). What one records, the others see; three tuning processes
// add to one study; two serving replicas follow @champion, and a
// rollback from a third folder moves both with no failed request.
func TestTeam(t *testing.T) {
	if testing.Short() {
		t.Skip("starts pipeline processes")
	}
	store, blobs := enginetest.Postgres(t), enginetest.S3(t)
	shared := []string{"-store", store, "-blobs", blobs}
	e := testEnv()
	e.code = sync.OnceValue(codeIdentity) // the processes' identity: this binary
	folder := func(name string) string { return filepath.Join(t.TempDir(), name) }
	a, b, c := folder("a"), folder("b"), folder("c")
	args := func(more ...string) []string { return append(slices.Clone(shared), more...) }

	// One machine runs the pipeline; another sees its runs and models,
	// and its own run is served from the shared cache.
	mustPipe(t, e, a, args("run")...)
	runs := mustPipe(t, e, b, args("runs")...)
	if !strings.Contains(runs, "baseline") || !strings.Contains(runs, "tuned") {
		t.Errorf("runs on the other machine:\n%s", runs)
	}
	models := mustPipe(t, e, b, args("models")...)
	if !regexp.MustCompile(`(?m)^breast-cancer +v2 +@champion`).MatchString(models) {
		t.Errorf("models on the other machine:\n%s", models)
	}
	out := mustPipe(t, e, b, args("run")...)
	if !strings.Contains(out, "baseline  cached") || !strings.Contains(out, "tuning    cached") {
		t.Errorf("run on the other machine is not cached:\n%s", out)
	}
	if strings.Contains(out+runs+models, "cairn-ci-pw") {
		t.Errorf("the output shows the database's password")
	}

	// Three processes tune at once (-force: past the cache) and add their
	// trials to the one study: 10 from the first run, 3 x 4 more, each
	// number once.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	outs := make([]string, 3)
	for i, dir := range []string{a, b, c} {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], append([]string{"-dir", dir}, args("tune", "-trials", "4", "-force")...)...)
			cmd.Env = append(os.Environ(), "CAIRN_PIPELINE_MAIN=1")
			o, err := cmd.CombinedOutput()
			errs[i], outs[i] = err, string(o)
		})
	}
	wg.Wait()
	for i := range errs {
		if errs[i] != nil {
			t.Fatalf("tuning process %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	trials := studyTrials(t, store)
	var numbers []int
	for _, tr := range trials {
		if tr.State != tune.Complete {
			t.Errorf("trial %d is %v", tr.Number, tr.State)
		}
		numbers = append(numbers, tr.Number)
	}
	if want := 10 + 3*4; len(numbers) != want {
		t.Errorf("%d trials in the study, want %d: %v", len(numbers), want, numbers)
	}
	for i, n := range numbers {
		if n != i {
			t.Errorf("trial numbers %v: want 0..%d, each once", numbers, len(numbers)-1)
			break
		}
	}

	// Two replicas follow @champion; a rollback from a third folder moves
	// both while they answer.
	ra, rb := startReplica(t, a, shared), startReplica(t, b, shared)
	before := championVersion(t, store, blobs)
	ctx, cancel := context.WithCancel(context.Background())
	var load sync.WaitGroup
	results := make([]*replicaLoad, 2)
	for i, r := range []*replica{ra, rb} {
		results[i] = &replicaLoad{}
		load.Go(func() { results[i].drive(ctx, r) })
	}
	time.Sleep(300 * time.Millisecond) // traffic on both before the move
	start := time.Now()
	mustPipe(t, e, c, args("rollback")...)
	moved := time.Now() // the alias moved (committed) before this
	after := championVersion(t, store, blobs)
	if after == before {
		t.Fatalf("rollback left @champion at v%d", after)
	}
	// Wait (at most 15 s) until both serve the new version, then a little
	// longer under load.
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) && !(results[0].sawAt(after) && results[1].sawAt(after)) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	cancel()
	load.Wait()
	for i, r := range results {
		ok, failed, at := r.summary(after)
		if failed != 0 || ok == 0 {
			t.Errorf("replica %d: %d answers, %d failed: %v", i, ok, failed, r.firstErr)
		}
		if at.IsZero() {
			t.Errorf("replica %d never served v%d", i, after)
			continue
		}
		// Measured, not asserted (speed is a benchmark's business): the
		// README quotes these lines of a -v run.
		t.Logf("replica %d: v%d -> v%d served %v after the rollback command started, %v after it ended (%d answers, none failed)",
			i, before, after, at.Sub(start).Round(time.Millisecond), at.Sub(moved).Round(time.Millisecond), ok)
	}
}

// studyTrials returns the trials of the one study the store holds.
func studyTrials(t *testing.T, store string) []tune.FrozenTrial {
	t.Helper()
	st, err := tune.OpenStorage(store)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	names, err := st.Studies(context.Background())
	if err != nil || len(names) != 1 {
		t.Fatalf("studies %q, %v; want one", names, err)
	}
	trials, err := st.Trials(context.Background(), names[0])
	if err != nil {
		t.Fatal(err)
	}
	return trials
}

// championVersion reads @champion from the shared registry.
func championVersion(t *testing.T, store, blobs string) int {
	t.Helper()
	reg, err := registry.OpenWith(store, registry.Options{Blobs: blobs})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	v, err := reg.Get(context.Background(), modelName, "@"+champion)
	if err != nil {
		t.Fatal(err)
	}
	return v.Number
}

// replica is a `serve` process.
type replica struct {
	url  string // http://127.0.0.1:port/v1/models/breast-cancer:predict
	body string // an example request it printed
}

var (
	predictLine = regexp.MustCompile(`predict +POST (http://\S+:predict)`)
	tryLine     = regexp.MustCompile(`curl -s \S+ -d '(.*)'$`)
)

// startReplica starts `serve` on a free port in folder dir and returns
// once it listens; it is stopped (SIGINT, then killed) at the test's end.
func startReplica(t *testing.T, dir string, shared []string) *replica {
	t.Helper()
	cmd := exec.Command(os.Args[0], append(append([]string{"-dir", dir}, shared...), "serve", "-addr", "127.0.0.1:0")...)
	cmd.Env = append(os.Environ(), "CAIRN_PIPELINE_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	r := &replica{}
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && r.body == "" {
		if m := predictLine.FindStringSubmatch(lines.Text()); m != nil {
			r.url = m[1]
		}
		if m := tryLine.FindStringSubmatch(lines.Text()); m != nil {
			r.body = m[1]
		}
	}
	go io.Copy(io.Discard, stdout) // drain until the process ends
	if r.url == "" || r.body == "" {
		t.Fatalf("serve in %s did not say where it listens; stderr:\n%s", dir, stderr.String())
	}
	return r
}

// replicaLoad drives one replica with requests, one after another, and
// records what version answered when.
type replicaLoad struct {
	mu       sync.Mutex
	ok       int
	failed   int
	firstErr error
	first    map[string]time.Time // version -> when it first answered
}

func (l *replicaLoad) drive(ctx context.Context, r *replica) {
	client := &http.Client{Timeout: 5 * time.Second}
	for ctx.Err() == nil {
		req, _ := http.NewRequest(http.MethodPost, r.url, strings.NewReader(r.body))
		resp, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %s", resp.Status)
			}
		}
		now := time.Now()
		l.mu.Lock()
		if err != nil {
			l.failed++
			if l.firstErr == nil {
				l.firstErr = err
			}
		} else {
			l.ok++
			if l.first == nil {
				l.first = map[string]time.Time{}
			}
			v := resp.Header.Get("Model-Version")
			if _, seen := l.first[v]; !seen {
				l.first[v] = now
			}
		}
		l.mu.Unlock()
	}
}

func (l *replicaLoad) sawAt(version int) bool {
	_, _, at := l.summary(version)
	return !at.IsZero()
}

func (l *replicaLoad) summary(version int) (ok, failed int, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ok, l.failed, l.first[fmt.Sprint(version)]
}
