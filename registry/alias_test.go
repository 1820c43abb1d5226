package registry_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/registry"
)

// moves renders events compactly: "seq kind from->to by reason undoes".
func moves(evs []registry.AliasEvent) []string {
	var out []string
	for _, ev := range evs {
		s := fmt.Sprintf("%d @%s %s %d->%d %s", ev.Seq, ev.Alias, ev.Kind, ev.From, ev.To, ev.By)
		if ev.Reason != "" {
			s += " (" + ev.Reason + ")"
		}
		if ev.Undoes != 0 {
			s += fmt.Sprintf(" undoes %d", ev.Undoes)
		}
		out = append(out, s)
	}
	return out
}

func target(t *testing.T, reg *registry.Registry, alias string) int {
	t.Helper()
	v, err := reg.Get(ctx, "m", "@"+alias)
	if errors.Is(err, registry.ErrNotFound) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return v.Number
}

func TestAliasHistory(t *testing.T) {
	reg := openReg(t, registry.Options{Now: func() time.Time { return t0 }})
	for i := 1; i <= 3; i++ {
		mustRegister(t, reg, "m", model(i), registry.RegisterOptions{})
	}
	steps := []func() (registry.AliasEvent, error){
		func() (registry.AliasEvent, error) {
			return reg.SetAlias(ctx, "m", "champion", 1, registry.AliasOptions{By: "alice", Reason: "first"})
		},
		func() (registry.AliasEvent, error) {
			return reg.SetAlias(ctx, "m", "challenger", 2, registry.AliasOptions{})
		},
		func() (registry.AliasEvent, error) {
			return reg.SetAlias(ctx, "m", "champion", 2, registry.AliasOptions{By: "bob", Reason: "better F1"})
		},
		func() (registry.AliasEvent, error) {
			return reg.DeleteAlias(ctx, "m", "challenger", registry.AliasOptions{})
		},
		func() (registry.AliasEvent, error) {
			return reg.Rollback(ctx, "m", "champion", registry.AliasOptions{Reason: "F1 dropped"})
		},
	}
	for i, step := range steps {
		if _, err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	// A move to where the alias already is records nothing.
	ev, err := reg.SetAlias(ctx, "m", "champion", 1, registry.AliasOptions{})
	if err != nil || ev.Seq != 0 || ev.From != 1 || ev.To != 1 {
		t.Errorf("no-op SetAlias = %+v, %v; want Seq 0, 1->1", ev, err)
	}
	all, err := reg.AliasHistory(ctx, "m", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"1 @champion set 0->1 alice (first)",
		"2 @challenger set 0->2 tester",
		"3 @champion set 1->2 bob (better F1)",
		"4 @challenger deleted 2->0 tester",
		"5 @champion rolled back 2->1 tester (F1 dropped) undoes 3",
	}
	if diff := cmp.Diff(want, moves(all)); diff != "" {
		t.Errorf("AliasHistory(all) (-want +got):\n%s", diff)
	}
	if !all[0].At.Equal(t0) || all[0].Name != "m" {
		t.Errorf("event 1 = %+v, want model m at %v", all[0], t0)
	}
	one, err := reg.AliasHistory(ctx, "m", "challenger")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[1:2], moves(one)[:1]); diff != "" || len(one) != 2 {
		t.Errorf("AliasHistory(challenger) (-want +got):\n%s", diff)
	}
	m, _ := reg.Model(ctx, "m")
	if diff := cmp.Diff(map[string]int{"champion": 1}, m.Aliases); diff != "" {
		t.Errorf("Model.Aliases (-want +got):\n%s", diff)
	}
	if _, err := reg.AliasHistory(ctx, "nope", ""); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("AliasHistory of a missing model = %v, want ErrNotFound", err)
	}
	if evs, err := reg.AliasHistory(ctx, "m", "never"); err != nil || len(evs) != 0 {
		t.Errorf("AliasHistory of an alias never set = %v, %v; want none", evs, err)
	}
}

// Rollback is an undo stack over the alias's moves.
func TestRollback(t *testing.T) {
	type step struct {
		op      string // "set N", "del", "back", "to N"
		want    int    // the alias's target after the step (0 = unset)
		wantErr error
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"back twice", []step{{"set 1", 1, nil}, {"set 2", 2, nil}, {"set 3", 3, nil}, {"back", 2, nil}, {"back", 1, nil}, {"back", 1, registry.ErrNoRollback}}},
		{"set after back", []step{{"set 1", 1, nil}, {"set 2", 2, nil}, {"back", 1, nil}, {"set 3", 3, nil}, {"back", 1, nil}, {"back", 1, registry.ErrNoRollback}}},
		{"never set", []step{{"back", 0, registry.ErrNotFound}}},
		{"set once", []step{{"set 1", 1, nil}, {"back", 1, registry.ErrNoRollback}}},
		{"undo delete", []step{{"set 1", 1, nil}, {"set 2", 2, nil}, {"del", 0, nil}, {"back", 2, nil}, {"back", 1, nil}}},
		{"to earlier", []step{{"set 1", 1, nil}, {"set 2", 2, nil}, {"set 3", 3, nil}, {"to 1", 1, nil}, {"back", 3, nil}, {"back", 2, nil}}},
		{"to current", []step{{"set 1", 1, nil}, {"to 1", 1, nil}, {"back", 1, registry.ErrNoRollback}}},
		{"to never", []step{{"set 1", 1, nil}, {"to 2", 1, registry.ErrNoRollback}}},
		{"to missing", []step{{"set 1", 1, nil}, {"to 9", 1, registry.ErrNoRollback}}},
		{"back to archived", []step{{"set 1", 1, nil}, {"set 2", 2, nil}, {"archive 1", 2, nil}, {"back", 2, registry.ErrArchived}, {"to 1", 2, registry.ErrArchived}, {"unarchive 1", 2, nil}, {"back", 1, nil}}},
		{"back to deleted", []step{{"set 1", 1, nil}, {"set 3", 3, nil}, {"delete 1", 3, nil}, {"back", 3, registry.ErrNotFound}}},
		{"back undoes rollback-to", []step{{"set 2", 2, nil}, {"set 3", 3, nil}, {"to 2", 2, nil}, {"back", 3, nil}, {"back", 2, nil}, {"back", 2, registry.ErrNoRollback}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := openReg(t, registry.Options{})
			for i := 1; i <= 3; i++ {
				mustRegister(t, reg, "m", model(i), registry.RegisterOptions{})
			}
			for i, s := range tt.steps {
				var n int
				var err error
				opts := registry.AliasOptions{}
				switch {
				case s.op == "back":
					_, err = reg.Rollback(ctx, "m", "champion", opts)
				case s.op == "del":
					_, err = reg.DeleteAlias(ctx, "m", "champion", opts)
				case sscan(s.op, "set %d", &n):
					_, err = reg.SetAlias(ctx, "m", "champion", n, opts)
				case sscan(s.op, "to %d", &n):
					_, err = reg.RollbackTo(ctx, "m", "champion", n, opts)
				case sscan(s.op, "archive %d", &n):
					err = reg.Archive(ctx, "m", n)
				case sscan(s.op, "unarchive %d", &n):
					err = reg.Unarchive(ctx, "m", n)
				case sscan(s.op, "delete %d", &n):
					err = reg.DeleteVersion(ctx, "m", n)
				default:
					t.Fatalf("bad step %q", s.op)
				}
				if !errors.Is(err, s.wantErr) {
					t.Fatalf("step %d %q: err = %v, want %v", i, s.op, err, s.wantErr)
				}
				if got := target(t, reg, "champion"); got != s.want {
					t.Fatalf("step %d %q: @champion -> %d, want %d", i, s.op, got, s.want)
				}
			}
			// Whatever happened, the history is a chain: each move starts
			// where the one before ended.
			evs, err := reg.AliasHistory(ctx, "m", "champion")
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i < len(evs); i++ {
				if evs[i].From != evs[i-1].To {
					t.Errorf("history breaks at %d: %v", i, moves(evs))
				}
			}
		})
	}
}

func sscan(s, format string, n *int) bool {
	_, err := fmt.Sscanf(s, format, n)
	return err == nil
}
