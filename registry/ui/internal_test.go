package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/internal/web/webtest"
	"github.com/cairn-ml/cairn/registry"
)

func TestTimeline(t *testing.T) {
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	ev := func(seq uint64, alias string, kind registry.EventKind, from, to int, min int) registry.AliasEvent {
		return registry.AliasEvent{Seq: seq, Name: "m", Alias: alias, Kind: kind, From: from, To: to, By: "<b>", Reason: `"why" & <how>`, At: t0.Add(time.Duration(min) * time.Minute)}
	}
	tests := []struct {
		name        string
		evs         []registry.AliasEvent
		last        int
		wantCircles int
		wantPaths   int
		wantRows    int // version labels
	}{
		{"one move", []registry.AliasEvent{ev(1, "champion", registry.AliasSet, 0, 1, 0)}, 1, 1, 1, 1},
		{"moves, a delete and a second alias", []registry.AliasEvent{
			ev(1, "champion", registry.AliasSet, 0, 1, 0),
			ev(2, "champion", registry.AliasSet, 1, 3, 5),
			ev(3, "shadow", registry.AliasSet, 0, 2, 6),
			ev(4, "champion", registry.AliasDeleted, 3, 0, 9),
			ev(5, "champion", registry.AliasRolledBack, 0, 3, 12),
		}, 3, 5, 2, 3},
		{"all at one instant", []registry.AliasEvent{ev(1, "a", registry.AliasSet, 0, 2, 0), ev(2, "a", registry.AliasSet, 2, 1, 0)}, 2, 2, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := string(timeline("<m>", tt.evs, tt.last, t0))
			count := webtest.SVG(t, s)
			if count["circle"] != tt.wantCircles || count["path"] != tt.wantPaths {
				t.Errorf("%d circles and %d paths, want %d and %d", count["circle"], count["path"], tt.wantCircles, tt.wantPaths)
			}
			if got := strings.Count(s, `text-anchor="end">v`); got != tt.wantRows {
				t.Errorf("%d version rows, want %d", got, tt.wantRows)
			}
			if strings.Contains(s, "<b>") || strings.Contains(s, "<m>") || strings.Contains(s, "<how>") {
				t.Error("unescaped text")
			}
		})
	}
}
