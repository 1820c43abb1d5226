package track_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/track"
)

// TestFilterErrorSize checks that a search filter's error repeats a bounded
// part of a huge token (a 1 MB name gave a 1 MB error).
func TestFilterErrorSize(t *testing.T) {
	st := openStore(t, track.Options{})
	huge := strings.Repeat("x", 1<<20)
	for _, f := range []string{
		huge,
		"metrics.a > '" + huge + "'",
		"attributes." + huge + " = 'a'",
		"metrics.a > 1 AND " + huge,
		"metrics.a ~ " + huge,
	} {
		_, _, err := st.SearchRuns(context.Background(), track.SearchOptions{Filter: f})
		if !errors.Is(err, track.ErrBadQuery) {
			t.Fatalf("SearchRuns(%.40q) error = %.200v, want ErrBadQuery", f, err)
		}
		if n := len(err.Error()); n > 500 {
			t.Errorf("SearchRuns(%.40q): error is %d bytes long, want at most 500: %.300s", f, n, err)
		}
	}
}

// TestIDErrorSize checks the same for run ids, experiment ids and
// statuses given as huge strings.
func TestIDErrorSize(t *testing.T) {
	st := openStore(t, track.Options{})
	ctx := context.Background()
	huge := strings.Repeat("x", 1<<20)
	for _, tc := range []struct {
		name string
		fn   func() error
	}{
		{"Run", func() error { _, err := st.Run(ctx, huge); return err }},
		{"DeleteRun", func() error { return st.DeleteRun(ctx, huge) }},
		{"ReadArtifact", func() error { _, err := st.ReadArtifact(ctx, huge, huge); return err }},
		{"ExperimentByID", func() error { _, err := st.ExperimentByID(ctx, huge); return err }},
		{"SearchRuns experiments", func() error {
			_, _, err := st.SearchRuns(ctx, track.SearchOptions{ExperimentIDs: []string{huge}})
			return err
		}},
		{"ParseStatus", func() error { _, err := track.ParseStatus(huge); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.fn()
			if !errors.Is(err, track.ErrInvalid) {
				t.Fatalf("error = %.200v, want ErrInvalid", err)
			}
			if n := len(err.Error()); n > 500 {
				t.Errorf("error is %d bytes long, want at most 500: %.300s", n, err)
			}
		})
	}
}
