package registry_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/registry"
)

// The tests here re-run the test binary as other processes (helpers),
// selected by the environment variable REGISTRY_HELPER, all on one file
// with the default options.

func TestHelperProcess(t *testing.T) {
	role := os.Getenv("REGISTRY_HELPER")
	if role == "" {
		t.Skip("the helper process of the cross-process tests")
	}
	if err := helper(role, os.Getenv("REGISTRY_DB"), strings.Fields(os.Getenv("REGISTRY_ARGS"))); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

func helper(role, path string, args []string) error {
	opts := registry.Options{Timeout: 20 * time.Second, User: "helper"}
	if role == "watch" && len(args) > 0 { // args: poll interval
		d, err := time.ParseDuration(args[0])
		if err != nil {
			return err
		}
		opts.PollInterval = d
	}
	reg, err := registry.OpenWith(path, opts)
	if err != nil {
		return err
	}
	defer reg.Close()
	switch role {
	case "watch": // print every state of @champion until stdin closes
		wctx, cancel := context.WithCancel(context.Background())
		go func() {
			io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
		ch, err := reg.Watch(wctx, "m", "champion")
		if err != nil {
			return err
		}
		for c := range ch {
			if c.Err != nil {
				fmt.Println("error", c.Err)
				continue
			}
			fmt.Println("seen", c.Version.Number, c.Seq)
		}
		return nil

	case "pipeline": // promote v2, then roll back, as the flagship pipeline does
		if _, err := reg.SetAlias(ctx, "m", "champion", 2, registry.AliasOptions{Reason: "tuned"}); err != nil {
			return err
		}
		ev, err := reg.Rollback(ctx, "m", "champion", registry.AliasOptions{Reason: "regression"})
		if err != nil {
			return err
		}
		fmt.Println("rolled back", ev.Seq)
		return nil

	case "setter": // args: count, first version; alternate between two versions
		n, _ := strconv.Atoi(args[0])
		first, _ := strconv.Atoi(args[1])
		for i := range n {
			ev, err := reg.SetAlias(ctx, "m", "champion", first+i%2, registry.AliasOptions{Reason: fmt.Sprint(first, "/", i)})
			if err != nil {
				return err
			}
			fmt.Println("set", ev.Seq, ev.To)
		}
		return nil
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

func startHelper(t testing.TB, role, path string, args ...string) *helperProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "REGISTRY_HELPER="+role, "REGISTRY_DB="+path, "REGISTRY_ARGS="+strings.Join(args, " "))
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

// next returns the helper's next line split in fields.
func (h *helperProc) next(t testing.TB) []string {
	t.Helper()
	if !h.lines.Scan() {
		t.Fatalf("helper ended early: %v\n%s", h.lines.Err(), h.stderr)
	}
	return strings.Fields(h.lines.Text())
}

func (h *helperProc) wait(t testing.TB) {
	t.Helper()
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("helper: %v\n%s", err, h.stderr)
	}
}

// sharedReg makes a registry file with versions 1 to n of model "m" and
// returns it open.
func sharedReg(t testing.TB, n int) *registry.Registry {
	t.Helper()
	return sharedRegAt(t, filepath.Join(t.TempDir(), "cairn.db"), n)
}

// sharedRegAt is sharedReg at a location.
func sharedRegAt(t testing.TB, path string, n int) *registry.Registry {
	t.Helper()
	reg, err := registry.OpenWith(path, registry.Options{Timeout: 20 * time.Second, User: "parent"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	for i := 1; i <= n; i++ {
		mustRegister(t, reg, "m", model(i), registry.RegisterOptions{})
	}
	return reg
}

// waitSeen reads the watching helper's lines until it reports seq, and
// returns the version it saw there.
func waitSeen(t testing.TB, h *helperProc, seq uint64) int {
	t.Helper()
	for {
		f := h.next(t)
		if f[0] != "seen" {
			t.Fatalf("watcher: %v", f)
		}
		v, _ := strconv.Atoi(f[1])
		s, _ := strconv.ParseUint(f[2], 10, 64)
		if s == seq {
			return v
		}
		if s > seq {
			t.Fatalf("watcher skipped past seq %d to %d", seq, s)
		}
	}
}

// Every move this process makes is seen by a Watch in another process.
func TestWatchSeesOtherProcess(t *testing.T) {
	reg := sharedReg(t, 3)
	mustSet(t, reg, "m", "champion", 1)
	h := startHelper(t, "watch", reg.Path())
	first, _ := reg.AliasHistory(ctx, "m", "champion")
	if v := waitSeen(t, h, first[0].Seq); v != 1 {
		t.Fatalf("watcher's first state: version %d, want 1", v)
	}
	o := registry.AliasOptions{}
	for i, mv := range []func() (registry.AliasEvent, error){
		func() (registry.AliasEvent, error) { return reg.SetAlias(ctx, "m", "champion", 2, o) },
		func() (registry.AliasEvent, error) { return reg.SetAlias(ctx, "m", "champion", 3, o) },
		func() (registry.AliasEvent, error) { return reg.Rollback(ctx, "m", "champion", o) },
		func() (registry.AliasEvent, error) { return reg.RollbackTo(ctx, "m", "champion", 1, o) },
		func() (registry.AliasEvent, error) { return reg.DeleteAlias(ctx, "m", "champion", o) },
		func() (registry.AliasEvent, error) { return reg.Rollback(ctx, "m", "champion", o) },
	} {
		ev, err := mv()
		if err != nil {
			t.Fatalf("move %d: %v", i, err)
		}
		if v := waitSeen(t, h, ev.Seq); v != ev.To {
			t.Fatalf("move %d: the other process saw version %d, want %d", i, v, ev.To)
		}
	}
	h.stdin.Close()
	h.wait(t)
}

// A pipeline in another process promotes and rolls back while this
// process follows the alias, as serve will.
func TestWatchRollbackFromOtherProcess(t *testing.T) {
	reg := sharedReg(t, 2)
	mustSet(t, reg, "m", "champion", 1)
	ch, err := reg.Watch(ctx, "m", "champion")
	if err != nil {
		t.Fatal(err)
	}
	if c := recv(t, ch); c.Version.Number != 1 {
		t.Fatalf("first state: version %d, want 1", c.Version.Number)
	}
	h := startHelper(t, "pipeline", reg.Path())
	f := h.next(t)
	h.wait(t)
	seq, err := strconv.ParseUint(f[2], 10, 64)
	if f[0] != "rolled" || err != nil {
		t.Fatalf("pipeline said %v", f)
	}
	c := recvUntil(t, ch, seq)
	if c.Version.Number != 1 || c.Version.Digest != digest(model(1)) {
		t.Errorf("after the other process rolled back: version %d, want 1", c.Version.Number)
	}
	evs, _ := reg.AliasHistory(ctx, "m", "champion")
	if diff := moves(evs); len(diff) != 3 || evs[2].By != "helper" || evs[2].Reason != "regression" {
		t.Errorf("history = %v", diff)
	}
}

// Two processes moving one alias at once both succeed, and no move is
// lost: the history holds every move, in a chain.
func TestSetAliasTwoProcesses(t *testing.T) {
	const n = 15
	reg := sharedReg(t, 4)
	a := startHelper(t, "setter", reg.Path(), strconv.Itoa(n), "1")
	b := startHelper(t, "setter", reg.Path(), strconv.Itoa(n), "3")
	reported := map[uint64]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, h := range []*helperProc{a, b} {
		wg.Go(func() {
			for h.lines.Scan() {
				f := strings.Fields(h.lines.Text())
				seq, _ := strconv.ParseUint(f[1], 10, 64)
				to, _ := strconv.Atoi(f[2])
				mu.Lock()
				reported[seq] = to
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	a.wait(t)
	b.wait(t)
	evs, err := reg.AliasHistory(ctx, "m", "champion")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2*n || len(reported) != 2*n {
		t.Fatalf("%d events in the history, %d reported; want %d", len(evs), len(reported), 2*n)
	}
	for i, ev := range evs {
		if to, ok := reported[ev.Seq]; !ok || to != ev.To {
			t.Errorf("event %d (seq %d, to %d) was not reported so", i, ev.Seq, ev.To)
		}
		if i > 0 && ev.From != evs[i-1].To {
			t.Errorf("history breaks at %d: %d -> %d after %d", i, ev.From, ev.To, evs[i-1].To)
		}
	}
	last := evs[len(evs)-1]
	if got := target(t, reg, "champion"); got != last.To {
		t.Errorf("@champion -> %d, but the last move went to %d", got, last.To)
	}
}
