package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cairn-ml/cairn/registry"
)

func TestRenameModel(t *testing.T) {
	ctx := context.Background()
	for _, blobs := range []bool{false, true} {
		opts := registry.Options{}
		if blobs {
			opts.Blobs = t.TempDir()
		}
		reg := openReg(t, opts)
		ds := "sha256:" + strings.Repeat("cd", 32)
		mustRegister(t, reg, "a", model(1), registry.RegisterOptions{Format: "f", RunID: "run1", DatasetDigest: ds})
		mustRegister(t, reg, "a", model(2), registry.RegisterOptions{Format: "f", Source: "mlflow-artifacts:/1/r/artifacts/model", RunLink: "http://x/r"})
		mustRegister(t, reg, "other", model(1), registry.RegisterOptions{Format: "f"})
		mustSet(t, reg, "a", "champion", 1)
		mustSet(t, reg, "a", "champion", 2)
		if err := reg.SetModelTag(ctx, "a", "team", "risk"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			from, to string
			want     error
		}{
			{"a", "other", registry.ErrExists},
			{"nope", "b", registry.ErrNotFound},
			{"a", "x/y", registry.ErrInvalid},
			{"a", "a", nil},
			{"a", "b", nil},
		} {
			if err := reg.RenameModel(ctx, tc.from, tc.to); !errors.Is(err, tc.want) {
				t.Fatalf("RenameModel(%q, %q) = %v, want %v", tc.from, tc.to, err, tc.want)
			}
		}
		if _, err := reg.Model(ctx, "a"); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("old name: %v, want ErrNotFound", err)
		}
		m, err := reg.Model(ctx, "b")
		if err != nil || m.Tags["team"] != "risk" || m.Aliases["champion"] != 2 || m.LastVersion != 2 {
			t.Errorf("Model(b) = %+v, %v", m, err)
		}
		v, b, err := reg.Load(ctx, "b", "@champion")
		if err != nil || v.Number != 2 || string(b) != string(model(2)) || v.Source != "mlflow-artifacts:/1/r/artifacts/model" || v.RunLink != "http://x/r" {
			t.Errorf("Load(b@champion) = %+v %q %v", v, b, err)
		}
		if ev, err := reg.Rollback(ctx, "b", "champion", registry.AliasOptions{}); err != nil || ev.To != 1 {
			t.Errorf("Rollback after rename = %+v, %v (the history moves with the model)", ev, err)
		}
		if vs, err := reg.VersionsByRun(ctx, "run1"); err != nil || len(vs) != 1 || vs[0].Name != "b" {
			t.Errorf("VersionsByRun = %+v, %v", vs, err)
		}
		if vs, err := reg.VersionsByDataset(ctx, ds); err != nil || len(vs) != 1 || vs[0].Name != "b" {
			t.Errorf("VersionsByDataset = %+v, %v", vs, err)
		}
		if v, created, err := reg.Register(ctx, "b", strings.NewReader(string(model(1))), registry.RegisterOptions{Format: "f"}); err != nil || created || v.Number != 1 {
			t.Errorf("re-registering v1's bytes = %+v %v %v (dedup moves with the model)", v, created, err)
		}
		if res, err := reg.GC(ctx); err != nil || res.Blobs != 0 {
			t.Errorf("GC after rename = %+v, %v: it must keep every version's bytes", res, err)
		}
		if _, _, err := reg.Load(ctx, "b", "1"); err != nil {
			t.Errorf("Load(b, 1) after GC: %v", err)
		}
	}
}

func TestDeleteModel(t *testing.T) {
	ctx := context.Background()
	reg := openReg(t, registry.Options{})
	mustRegister(t, reg, "a", model(1), registry.RegisterOptions{Format: "f", RunID: "run1"})
	mustRegister(t, reg, "a", model(2), registry.RegisterOptions{Format: "f"})
	mustRegister(t, reg, "keep", model(1), registry.RegisterOptions{Format: "f"})
	mustSet(t, reg, "a", "champion", 1)
	if err := reg.DeleteModel(ctx, "a"); !errors.Is(err, registry.ErrAliasInUse) {
		t.Fatalf("DeleteModel with an alias = %v, want ErrAliasInUse", err)
	}
	if _, err := reg.DeleteAlias(ctx, "a", "champion", registry.AliasOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.DeleteModel(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := reg.DeleteModel(ctx, "a"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("DeleteModel again = %v, want ErrNotFound", err)
	}
	if _, err := reg.Versions(ctx, "a"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Versions after delete = %v", err)
	}
	if vs, _ := reg.VersionsByRun(ctx, "run1"); len(vs) != 0 {
		t.Errorf("VersionsByRun after delete = %+v", vs)
	}
	if _, b, err := reg.Load(ctx, "keep", "1"); err != nil || string(b) != string(model(1)) {
		t.Errorf("a model sharing the bytes lost them: %v", err)
	}
	v := mustRegister(t, reg, "a", model(2), registry.RegisterOptions{Format: "f"})
	if v.Number != 1 {
		t.Errorf("a new model of the deleted name starts at v%d, want v1", v.Number)
	}
	if h, err := reg.AliasHistory(ctx, "a", ""); err != nil || len(h) != 0 {
		t.Errorf("the new model inherited history %+v, %v", h, err)
	}
}

func TestSetVersionDescription(t *testing.T) {
	ctx := context.Background()
	reg := openReg(t, registry.Options{})
	mustRegister(t, reg, "a", model(1), registry.RegisterOptions{Format: "f"})
	if err := reg.SetVersionDescription(ctx, "a", 1, "first"); err != nil {
		t.Fatal(err)
	}
	if v, _ := reg.Get(ctx, "a", "1"); v.Description != "first" || !v.Updated.After(v.Created) {
		t.Errorf("after SetVersionDescription: %+v", v)
	}
	for _, tc := range []struct {
		version int
		desc    string
		want    error
	}{{2, "x", registry.ErrNotFound}, {1, strings.Repeat("x", registry.MaxValueLen+1), registry.ErrInvalid}, {0, "x", registry.ErrInvalid}} {
		if err := reg.SetVersionDescription(ctx, "a", tc.version, tc.desc); !errors.Is(err, tc.want) {
			t.Errorf("SetVersionDescription(%d) = %v, want %v", tc.version, err, tc.want)
		}
	}
}
