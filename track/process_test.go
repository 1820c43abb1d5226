package track_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/cairn-ml/cairn/track"
	"github.com/google/go-cmp/cmp"
)

// The tests here re-run the test binary as a second process (the
// helper), selected by the environment variable TRACK_HELPER.

func TestHelperProcess(t *testing.T) {
	role := os.Getenv("TRACK_HELPER")
	if role == "" {
		t.Skip("the helper process of the cross-process tests")
	}
	if err := helper(role, os.Getenv("TRACK_DB")); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

// The crash helper logs this many steps per run before ending it.
const crashSteps = 20

func helper(role, path string) error {
	switch role {
	case "hold": // hold the file with bbolt itself until stdin closes
		db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
		if err != nil {
			return err
		}
		fmt.Println("ready")
		io.Copy(io.Discard, os.Stdin)
		return db.Close()

	case "start-run": // start a run, say its id, and wait to be killed
		st, err := track.Open(path)
		if err != nil {
			return err
		}
		exp, err := st.Experiment(ctx, "reap")
		if err != nil {
			return err
		}
		run, err := exp.StartRun(ctx, track.RunOptions{Name: "orphan"})
		if err != nil {
			return err
		}
		fmt.Println(run.ID())
		io.Copy(io.Discard, os.Stdin)
		return st.Close()

	case "log-shared": // log runs with the default options, with a pause between writes
		st, err := track.Open(path)
		if err != nil {
			return err
		}
		exp, err := st.Experiment(ctx, "shared")
		if err != nil {
			return err
		}
		for r := range 10 {
			run, err := exp.StartRun(ctx, track.RunOptions{Name: fmt.Sprint("r", r)})
			if err != nil {
				return err
			}
			for s := range 5 {
				if err := run.LogMetrics(ctx, map[string]float64{"a": float64(s), "b": float64(r)}, int64(s)); err != nil {
					return err
				}
				time.Sleep(2 * time.Millisecond) // the training work between logs
			}
			if err := run.End(ctx, track.StatusFinished); err != nil {
				return err
			}
			fmt.Println("ended", run.ID())
		}
		return st.Close()

	case "crash", "crash-shared": // log until killed, saying what is committed
		st, err := track.Open(path)
		if err != nil {
			return err
		}
		exp, err := st.Experiment(ctx, "crash")
		if err != nil {
			return err
		}
		for r := 0; ; r++ {
			run, err := exp.StartRun(ctx, track.RunOptions{Name: fmt.Sprint("r", r)})
			if err != nil {
				return err
			}
			if err := run.LogParams(ctx, map[string]string{"r": fmt.Sprint(r)}); err != nil {
				return err
			}
			for s := range crashSteps {
				v := float64(s)
				if err := run.LogMetrics(ctx, map[string]float64{"a": v, "b": 2 * v, "c": 3 * v}, int64(s)); err != nil {
					return err
				}
				fmt.Println("metric", run.ID(), s)
			}
			if err := run.End(ctx, track.StatusFinished); err != nil {
				return err
			}
			fmt.Println("end", run.ID())
		}
	}
	return fmt.Errorf("unknown role %q", role)
}

// helperProc is a running helper: its stdin, its stdout by line, and its
// stderr.
type helperProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	stderr *strings.Builder
}

func startHelper(t *testing.T, role, path string) *helperProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "TRACK_HELPER="+role, "TRACK_DB="+path)
	h := &helperProc{cmd: cmd, stderr: &strings.Builder{}}
	cmd.Stderr = h.stderr
	var err error
	if h.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	h.lines = bufio.NewScanner(out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return h
}

func (h *helperProc) wait(t *testing.T) {
	t.Helper()
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("helper: %v\n%s", err, h.stderr)
	}
}

// A file held by another program (bbolt itself, outside the storage
// core) cannot be opened; the error says so after the timeout. Once the
// holder exits it can.
func TestOpenHeldByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.db")
	st0, err := track.Open(path) // create it
	if err != nil {
		t.Fatal(err)
	}
	st0.Close()
	h := startHelper(t, "hold", path)
	if !h.lines.Scan() || h.lines.Text() != "ready" {
		t.Fatalf("helper did not start: %s", h.stderr)
	}
	_, err = track.OpenWith(path, track.Options{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, track.ErrLocked) || !strings.Contains(err.Error(), "held by another process") {
		t.Errorf("OpenWith = %v, want ErrLocked", err)
	}
	h.stdin.Close()
	h.wait(t)
	st, err := track.OpenWith(path, track.Options{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("after the holder exited: %v", err)
	}
	st.Close()
}

// One process logs and another reads the same file at the same time,
// both with the default options.
func TestSharedTwoProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.db")
	st, err := track.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := startHelper(t, "log-shared", path)
	var mu sync.Mutex
	var ended []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for h.lines.Scan() {
			mu.Lock()
			ended = append(ended, strings.TrimPrefix(h.lines.Text(), "ended "))
			mu.Unlock()
		}
	}()
	reads := 0
	for {
		select {
		case <-done:
		default:
			// Every run the helper reported ended is seen ended.
			mu.Lock()
			seen := append([]string(nil), ended...)
			mu.Unlock()
			if _, _, err := st.SearchRuns(ctx, track.SearchOptions{Filter: "attributes.status = 'FINISHED'"}); err != nil {
				t.Fatalf("read while the other process logs: %v", err)
			}
			for _, id := range seen {
				rec, err := st.RunRecord(ctx, id)
				if err != nil || rec.Status != track.StatusFinished {
					t.Fatalf("run %s reported ended: %v, %v", id, rec.Status, err)
				}
			}
			reads++
			continue
		}
		break
	}
	h.wait(t)
	recs, _, err := st.SearchRuns(ctx, track.SearchOptions{Filter: "attributes.status = 'FINISHED' AND metrics.a = 4"})
	if err != nil || len(recs) != 10 {
		t.Fatalf("after the helper: %d finished runs, %v; want 10", len(recs), err)
	}
	t.Logf("%d reads while the other process logged", reads)
}

// A process killed with SIGKILL while logging leaves a database that
// opens, passes bbolt's consistency check, holds everything the process
// reported committed, and shows no run finished that did not finish.
func TestCrashSafety(t *testing.T) {
	for _, role := range []string{"crash", "crash-shared"} {
		t.Run(role, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cairn.db")
			metrics := map[string][]int{} // run id -> steps reported committed
			ended := map[string]bool{}
			for round, killAfter := range []int{7, 33, 50} {
				h := startHelper(t, role, path)
				n := 0
				for n < killAfter && h.lines.Scan() {
					fields := strings.Fields(h.lines.Text())
					if fields[0] == "metric" {
						n++
					}
					record(metrics, ended, fields)
				}
				if err := h.cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				for h.lines.Scan() { // lines written before the kill
					record(metrics, ended, strings.Fields(h.lines.Text()))
				}
				if err := h.cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
					t.Fatalf("round %d: helper ended with %v, want killed\n%s", round, err, h.stderr)
				}
				checkCrashed(t, path, metrics, ended)
			}
		})
	}
}

func record(metrics map[string][]int, ended map[string]bool, fields []string) {
	switch fields[0] {
	case "metric":
		s, _ := strconv.Atoi(fields[2])
		metrics[fields[1]] = append(metrics[fields[1]], s)
	case "end":
		ended[fields[1]] = true
	}
}

func checkCrashed(t *testing.T, path string, metrics map[string][]int, ended map[string]bool) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bbolt cannot open the file: %v", err)
	}
	if err := db.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("bbolt check: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := track.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for id, steps := range metrics {
		for _, key := range []string{"a", "b", "c"} {
			hist, err := st.MetricHistory(ctx, id, key)
			if err != nil {
				t.Fatal(err)
			}
			if len(hist) < len(steps) {
				t.Errorf("run %s metric %s: %d values stored, %d reported committed", id, key, len(hist), len(steps))
			}
		}
	}
	recs, _, err := st.SearchRuns(ctx, track.SearchOptions{View: track.AllRuns})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if ended[rec.ID] && rec.Status != track.StatusFinished {
			t.Errorf("run %s reported ended is %v", rec.ID, rec.Status)
		}
		switch rec.Status {
		case track.StatusFinished:
			hist, _ := st.MetricHistory(ctx, rec.ID, "c")
			if len(hist) != crashSteps || rec.Params["r"] == "" || rec.Metrics["c"].Value != 3*(crashSteps-1) {
				t.Errorf("finished run %s is incomplete: %d steps, params %v", rec.ID, len(hist), rec.Params)
			}
		case track.StatusRunning:
		default:
			t.Errorf("run %s has status %v", rec.ID, rec.Status)
		}
	}
	if len(recs) == 0 {
		t.Error("no runs survived")
	}
}

// A run whose process died without ending it is marked Killed by
// ReapRuns; one whose process lives is left running.
func TestReapRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cairn.db")
	st, err := track.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := func() (*helperProc, string) {
		h := startHelper(t, "start-run", path)
		if !h.lines.Scan() {
			t.Fatalf("helper: %s", h.stderr)
		}
		return h, h.lines.Text()
	}
	dead, deadID := start()
	live, liveID := start()
	dead.cmd.Process.Kill()
	dead.cmd.Wait()
	reaped, err := st.ReapRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{deadID}, reaped); diff != "" {
		t.Errorf("ReapRuns (-want +got):\n%s", diff)
	}
	for id, want := range map[string]track.Status{deadID: track.StatusKilled, liveID: track.StatusRunning} {
		rec, err := st.RunRecord(ctx, id)
		if err != nil || rec.Status != want || (want == track.StatusKilled) == rec.End.IsZero() {
			t.Errorf("run %s: %v ended %v, %v; want %v", id, rec.Status, rec.End, err, want)
		}
	}
	live.stdin.Close()
	live.wait(t)
}
