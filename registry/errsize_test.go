package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/registry"
)

// TestErrorSize checks that an error about a huge argument repeats a
// bounded part of it (a 1 MB reference gave a 1 MB error, twice over for a
// models:/ URI).
func TestErrorSize(t *testing.T) {
	reg := openReg(t, registry.Options{})
	ctx := context.Background()
	huge := strings.Repeat("x", 1<<20)
	for _, tc := range []struct {
		name string
		fn   func() error
		want error
	}{
		{"ParseRef", func() error { _, err := registry.ParseRef(huge); return err }, registry.ErrBadRef},
		{"ParseURI", func() error { _, _, err := registry.ParseURI(huge); return err }, registry.ErrBadRef},
		{"Resolve version", func() error { _, err := reg.Resolve(ctx, "models:/m/"+huge); return err }, registry.ErrBadRef},
		{"Get ref", func() error { _, err := reg.Get(ctx, "m", huge); return err }, registry.ErrBadRef},
		{"VersionsByDataset", func() error { _, err := reg.VersionsByDataset(ctx, "sha256:"+huge); return err }, registry.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.fn()
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %.200v, want %v", err, tc.want)
			}
			if n := len(err.Error()); n > 500 {
				t.Errorf("error is %d bytes long, want at most 500: %.300s", n, err)
			}
		})
	}
}
