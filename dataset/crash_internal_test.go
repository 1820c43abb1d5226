//go:build unix

package dataset

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

	"github.com/google/go-cmp/cmp"
)

// The crash test runs the test binary again as a child process
// (TestCrashHelper) that commits a tree and reports the steps of the
// commit on stdout; the parent kills it with SIGKILL at a chosen step or
// after a delay, then checks the repository.

const crashEnv = "CAIRN_DATASET_CRASH_HELPER"

// TestCrashHelper is the child process; it does nothing in a normal run.
func TestCrashHelper(t *testing.T) {
	if os.Getenv(crashEnv) == "" {
		t.Skip("child process of TestCrashDuringCommit")
	}
	args := strings.Split(os.Getenv(crashEnv), "\n") // repo, src, stop event, maxHeld
	r, err := Open(args[0])
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	if r.maxHeld, err = strconv.Atoi(args[3]); err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	stop := args[2]
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex // workers call the hook concurrently
	r.hook = func(ev string) {
		if ev == "opened" {
			return
		}
		mu.Lock()
		fmt.Fprintln(out, "event:"+ev)
		out.Flush()
		mu.Unlock()
		if ev == stop {
			select {} // wait for SIGKILL
		}
	}
	fmt.Fprintln(out, "start")
	out.Flush()
	_, err = r.Commit(context.Background(), "d", args[1], "v3")
	fmt.Fprintln(out, "done", err)
	out.Flush()
	select {} // hold the repository open until killed
}

func TestCrashDuringCommit(t *testing.T) {
	type stop struct {
		event  string        // kill when the child reports this event...
		after  time.Duration // ... or this long after it starts committing
		wantV3 bool          // whether v3 must (true) or must not (false) exist
		anyV3  bool          // either is fine
		// maxHeld, if not 0, makes the commit name its small objects in
		// batches of this many before publishing (stager.flush).
		maxHeld int
	}
	stops := []stop{
		{event: "hashed"},
		{event: "staged"},
		{event: "renaming"},
		{event: "published"},
		{event: "indexed", wantV3: true},
		{event: "done", wantV3: true},
		{event: "flushed", maxHeld: 40},
		{event: "staged", maxHeld: 40},
		{event: "published", maxHeld: 40},
	}
	for _, d := range []time.Duration{0, 2, 5, 10, 20, 40, 80} {
		stops = append(stops, stop{after: d * time.Millisecond, anyV3: true})
	}
	trees := []map[string]string{
		{"a": "v1 a", "same": "shared", "sub/b": "v1 b"},
		{"a": "v2 a", "same": "shared", "sub/b": "v1 b", "sub/c": "v2 c"},
		crashTree(),
	}
	for _, s := range stops {
		name := s.event
		if name == "" {
			name = s.after.String()
		}
		if s.maxHeld != 0 {
			name += fmt.Sprintf("/maxHeld=%d", s.maxHeld)
		}
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "repo")
			r, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			srcs := make([]string, len(trees))
			for i, tree := range trees {
				srcs[i] = filepath.Join(t.TempDir(), fmt.Sprint("src", i))
				for p, data := range tree {
					write(t, filepath.Join(srcs[i], p), data)
				}
				if i < 2 {
					if _, err := r.Commit(context.Background(), "d", srcs[i], ""); err != nil {
						t.Fatal(err)
					}
				}
			}
			r.Close()

			runChild(t, dir, srcs[2], s.event, s.after, s.maxHeld)

			r, err = Open(dir)
			if err != nil {
				t.Fatalf("Open after the crash: %v", err)
			}
			defer r.Close()
			ctx := context.Background()
			if rep, err := r.Verify(ctx); err != nil {
				t.Fatalf("Verify after the crash: %v\n%+v", err, rep)
			}
			vs, err := r.Versions(context.Background(), "d")
			if err != nil {
				t.Fatal(err)
			}
			hasV3 := len(vs) == 3
			if len(vs) < 2 || len(vs) > 3 || (!s.anyV3 && hasV3 != s.wantV3) {
				t.Fatalf("after the crash %d versions, want 2 + v3: %v", len(vs), s.wantV3)
			}
			check := func(when string) {
				for i := range len(vs) {
					if diff := cmp.Diff(trees[i], readAll(t, r, "d", fmt.Sprintf("v%d", i+1))); diff != "" {
						t.Errorf("%s: v%d (-want +got):\n%s", when, i+1, diff)
					}
				}
			}
			check("after the crash")
			if _, err := r.GC(ctx); err != nil {
				t.Fatal(err)
			}
			if rep, err := r.Verify(ctx); err != nil {
				t.Fatalf("Verify after GC: %v\n%+v", err, rep)
			}
			check("after GC")
			res, err := r.Commit(ctx, "d", srcs[2], "again")
			if err != nil {
				t.Fatalf("Commit after the crash: %v", err)
			}
			if res.Version.Number != 3 || res.Unchanged != hasV3 {
				t.Errorf("Commit after the crash = %v unchanged=%v, want v3 unchanged=%v", res.Version, res.Unchanged, hasV3)
			}
			vs, _ = r.Versions(context.Background(), "d")
			check("after a new commit")
		})
	}
}

// crashTree is the tree the child commits: enough small files for the
// batched path, and two files large enough to be streamed.
func crashTree() map[string]string {
	tree := make(map[string]string)
	for i := range 150 {
		tree[fmt.Sprintf("small/%03d", i)] = strings.Repeat(fmt.Sprint(i), 100+i)
	}
	tree["same"] = "shared"
	tree["large/1"] = strings.Repeat("L", 3<<20)
	tree["large/2"] = strings.Repeat("M", 2<<20+17)
	return tree
}

// runChild starts TestCrashHelper committing src into the repository at
// dir and SIGKILLs it when it reports event, or after the delay.
func runChild(t *testing.T, dir, src, event string, after time.Duration, maxHeld int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir+"\n"+src+"\n"+event+"\n"+strconv.Itoa(maxHeld))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		io.Copy(io.Discard, stdout)
	}()
	want := "start"
	if event != "" {
		want = "event:" + event
	}
	var seen []string
	timeout := time.After(time.Minute)
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("child ended before %q; it said %q", want, seen)
			}
			seen = append(seen, l)
			if strings.HasPrefix(l, "error:") {
				t.Fatalf("child: %s", l)
			}
			if l == want || (event == "done" && strings.HasPrefix(l, "done")) {
				break wait
			}
		case <-timeout:
			t.Fatalf("child did not reach %q in a minute; it said %q", want, seen)
		}
	}
	go func() {
		for range lines {
		}
	}()
	time.Sleep(after)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
}
