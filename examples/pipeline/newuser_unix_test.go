//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The tests that start the pipeline as a process of its own (see
// TestMain) and signal it.

// TestBrokenPipe runs the pipeline as a process whose stdout is a pipe
// nobody reads (pipeline | head, once head has exited): it must not die of
// SIGPIPE, but finish its work, end every run as finished and exit 0.
func TestBrokenPipe(t *testing.T) {
	dir := t.TempDir()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader is gone before the first line
	cmd := exec.Command(os.Args[0], "-dir", dir)
	cmd.Env = append(os.Environ(), "CAIRN_PIPELINE_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	err = cmd.Run()
	w.Close()
	if err != nil {
		t.Fatalf("pipeline with a closed stdout: %v (want exit 0); stderr:\n%s", err, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	want := map[string]int{"finished": 12} // baseline, tuned and 10 trials
	if diff := cmp.Diff(want, runStatuses(t, dir, modelName)); diff != "" {
		t.Errorf("runs by status (-want +got):\n%s", diff)
	}
	if got := championOf(t, dir); got != 2 {
		t.Errorf("@champion = v%d, want v2", got)
	}
}

// TestKilledRunIsReaped kills a pipeline process (SIGKILL: no chance to
// end its runs) while it tunes: the next command marks the runs it left
// running as killed and says so.
func TestKilledRunIsReaped(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a pipeline process")
	}
	dir := t.TempDir()
	cmd := startTuning(t, dir)
	cmd.Process.Kill()
	cmd.Wait()

	code, _, errs := pipe(t, testEnv(), dir, "runs")
	if code != 0 || !strings.HasPrefix(errs, "pipeline: marked killed ") {
		t.Errorf("runs after the kill: exit %d, stderr:\n%s", code, errs)
	}
	got := runStatuses(t, dir, modelName)
	if got["running"] != 0 || got["killed"] < 1 {
		t.Errorf("runs by status after the kill: %v, want none running and some killed", got)
	}
}

// startTuning starts a pipeline process that tunes for a long time and
// returns once it has run a few trials.
func startTuning(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-dir", dir, "run", "-trials", "100000")
	cmd.Env = append(os.Environ(), "CAIRN_PIPELINE_MAIN=1")
	stdout, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, new(bytes.Buffer)
	err = cmd.Start()
	w.Close()
	if err != nil {
		stdout.Close()
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	var seen []byte
	for !bytes.Contains(seen, []byte("trial  3")) {
		n, err := stdout.Read(buf)
		if err != nil {
			stdout.Close()
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the pipeline ended before its fourth trial: %v\n%s", err, seen)
		}
		seen = append(seen, buf[:n]...)
	}
	go func() { // drain until the process ends, so that it never blocks on a full pipe
		defer stdout.Close()
		for {
			if _, err := stdout.Read(buf); err != nil {
				return
			}
		}
	}()
	return cmd
}

// TestSignalsEndRunsKilled: Ctrl-C, SIGTERM and a closed terminal
// (SIGHUP) stop the work and end its runs as killed, with exit status 1.
func TestSignalsEndRunsKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts pipeline processes")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd := startTuning(t, dir)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			stderr := cmd.Stderr.(*bytes.Buffer).String()
			if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(stderr, "interrupted") {
				t.Errorf("after %v: %v, stderr:\n%s", sig, err, stderr)
			}
			got := runStatuses(t, dir, modelName)
			if got["running"] != 0 || got["killed"] < 1 {
				t.Errorf("runs by status after %v: %v, want none running and some killed", sig, got)
			}
		})
	}
}
