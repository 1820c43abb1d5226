package tune_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cairn-ml/cairn/tune"
)

// TestCountBounds checks that a huge candidate or worker count is an error
// wrapping ErrBadConfig: TPEConfig.Candidates = 1<<40 allocated terabytes
// at the first TPE trial, and Workers = 1<<40 a channel of that size.
func TestCountBounds(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   func() error
	}{
		{"TPE candidates", func() error { _, err := tune.NewTPEWith(tune.TPEConfig{Candidates: 1 << 40}); return err }},
		{"GP candidates", func() error { _, err := tune.NewGPWith(tune.GPConfig{Candidates: tune.MaxCandidates + 1}); return err }},
		{"GP local searches", func() error { _, err := tune.NewGPWith(tune.GPConfig{LocalSearches: 1 << 40}); return err }},
		{"workers", func() error {
			st := tune.NewStudy(tune.StudyConfig{Workers: 1 << 40})
			return st.Optimize(context.Background(), func(tr *tune.Trial) (float64, error) { return 0, nil }, 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.fn(); !errors.Is(err, tune.ErrBadConfig) {
				t.Errorf("error = %v, want ErrBadConfig", err)
			}
		})
	}
	if _, err := tune.NewTPEWith(tune.TPEConfig{Candidates: tune.MaxCandidates}); err != nil {
		t.Errorf("NewTPEWith(MaxCandidates) = %v, want nil", err)
	}
}
