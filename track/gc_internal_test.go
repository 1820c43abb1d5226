package track

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestGCLeavesNoTrace checks that purging a run removes every key that
// mentions it, index entries included, and nothing else.
func TestGCLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "gc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	exp, _ := st.Experiment(ctx, "e")
	keep, _ := exp.StartRun(ctx, RunOptions{Name: "keep"})
	counts := func() map[string]int {
		out := map[string]int{}
		st.view(ctx, func(t *txn) error {
			for _, name := range bucketNames {
				forPrefix(t.tx.Bucket(name), nil, func([]byte, []byte) error { out[name]++; return nil })
			}
			return nil
		})
		return out
	}
	before := counts()
	run, _ := exp.StartRun(ctx, RunOptions{Name: "gone", ParentID: keep.ID()})
	run.Log(ctx, Batch{Params: map[string]string{"a": "1"}, Tags: map[string]string{"t": "v"},
		Metrics: []Metric{{Key: "m", Value: 1}, {Key: "m", Value: 0, Step: 2}}})
	run.LogInput(ctx, Input{Name: "d"})
	run.LogArtifact(ctx, "x/y", strings.NewReader("bytes"))
	run.End(ctx, StatusKilled)
	st.DeleteRun(ctx, run.ID())
	if _, err := st.GC(ctx, GCOptions{}); err != nil {
		t.Fatal(err)
	}
	after := counts()
	for name, n := range after {
		if name == bucketExps || name == bucketMeta {
			continue // the experiment's run counter changed; meta holds sequences
		}
		if n != before[name] {
			t.Errorf("bucket %s: %d keys after GC, %d before the run", name, n, before[name])
		}
	}
	id := run.id
	st.view(ctx, func(tx *txn) error {
		for _, name := range bucketNames {
			forPrefix(tx.tx.Bucket(name), nil, func(k, _ []byte) error {
				if bytes.Contains(k, id[:]) {
					t.Errorf("bucket %s: key %x still mentions the purged run", name, k)
				}
				return nil
			})
		}
		return nil
	})
}
