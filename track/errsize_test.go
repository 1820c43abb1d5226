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
