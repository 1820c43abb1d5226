package registry_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/kv/boltkv"
	"github.com/cairn-ml/cairn/registry"
)

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

const dataDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestRegister(t *testing.T) {
	reg := openReg(t, registry.Options{})
	opts := registry.RegisterOptions{
		Format: "cairn.linear/1", RunID: "run-1", DatasetDigest: dataDigest,
		Metrics: map[string]float64{"f1": 0.97, "auc": 0.99}, Tags: map[string]string{"solver": "lbfgs"},
		Description: "baseline", By: "alice",
	}
	v1, created, err := reg.Register(ctx, "cancer", bytes.NewReader(model(1)), opts)
	if err != nil || !created {
		t.Fatalf("Register = %v, created %v, %v", v1, created, err)
	}
	want := registry.Version{
		Name: "cancer", Number: 1, Digest: digest(model(1)), Size: int64(len(model(1))),
		Format: "cairn.linear/1", RunID: "run-1", DatasetDigest: dataDigest,
		Metrics: map[string]float64{"f1": 0.97, "auc": 0.99}, Tags: map[string]string{"solver": "lbfgs"},
		Description: "baseline", Created: t0, CreatedBy: "alice", Updated: t0,
	}
	if diff := cmp.Diff(want, v1); diff != "" {
		t.Errorf("Register (-want +got):\n%s", diff)
	}
	v2, created, err := reg.Register(ctx, "cancer", bytes.NewReader(model(2)), registry.RegisterOptions{Format: "cairn.linear/1"})
	if err != nil || !created || v2.Number != 2 || v2.CreatedBy != "tester" {
		t.Fatalf("second Register = %+v, created %v, %v; want version 2 by tester", v2, created, err)
	}
	got, err := reg.Get(ctx, "cancer", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get(v1) (-want +got):\n%s", diff)
	}
	gotV, b, err := reg.Load(ctx, "cancer", "1")
	if err != nil || !bytes.Equal(b, model(1)) || gotV.Number != 1 {
		t.Errorf("Open(1) = %d, %q, %v; want version 1 and its bytes", gotV.Number, b, err)
	}
	m, err := reg.Model(ctx, "cancer")
	if err != nil {
		t.Fatal(err)
	}
	wantModel := registry.Model{Name: "cancer", Created: t0, Updated: t0.Add(time.Second), CreatedBy: "alice", LastVersion: 2}
	if diff := cmp.Diff(wantModel, m); diff != "" {
		t.Errorf("Model (-want +got):\n%s", diff)
	}
}

// The same bytes registered twice give back the first version, unchanged,
// with created false; under another model they are a new version.
func TestRegisterDedup(t *testing.T) {
	reg := openReg(t, registry.Options{})
	v1 := mustRegister(t, reg, "m", model(1), registry.RegisterOptions{RunID: "first"})
	mustRegister(t, reg, "m", model(2), registry.RegisterOptions{})
	again, created, err := reg.Register(ctx, "m", bytes.NewReader(model(1)), registry.RegisterOptions{Format: "other/2", RunID: "second"})
	if err != nil || created {
		t.Fatalf("Register of the same bytes = created %v, %v; want false, nil", created, err)
	}
	if diff := cmp.Diff(v1, again); diff != "" {
		t.Errorf("Register of the same bytes did not return version 1 as it was (-want +got):\n%s", diff)
	}
	vs, err := reg.Versions(ctx, "m")
	if err != nil || len(vs) != 2 {
		t.Fatalf("Versions = %d versions, %v; want 2", len(vs), err)
	}
	other, created, err := reg.Register(ctx, "other", bytes.NewReader(model(1)), registry.RegisterOptions{Format: "f"})
	if err != nil || !created || other.Number != 1 || other.Digest != v1.Digest {
		t.Errorf("same bytes under another model = %+v, created %v, %v; want its version 1", other, created, err)
	}
	// A deleted version's bytes register as a new number.
	if err := reg.DeleteVersion(ctx, "m", 1); err != nil {
		t.Fatal(err)
	}
	v3, created, err := reg.Register(ctx, "m", bytes.NewReader(model(1)), registry.RegisterOptions{Format: "f"})
	if err != nil || !created || v3.Number != 3 {
		t.Errorf("re-register after delete = %d, created %v, %v; want new version 3", v3.Number, created, err)
	}
}

func TestGetReferences(t *testing.T) {
	reg := openReg(t, registry.Options{})
	for i := 1; i <= 4; i++ {
		mustRegister(t, reg, "m", model(i), registry.RegisterOptions{})
	}
	mustSet(t, reg, "m", "champion", 2)
	if err := reg.Archive(ctx, "m", 4); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ref string
		want      int
		wantErr   error
	}{
		{"m", "v1", 1, nil},
		{"m", "3", 3, nil},
		{"m", "v4", 4, nil}, // archived versions are readable by number
		{"m", "latest", 3, nil},
		{"m", "@champion", 2, nil},
		{"m", "v5", 0, registry.ErrNotFound},
		{"m", "@challenger", 0, registry.ErrNotFound},
		{"nope", "v1", 0, registry.ErrNotFound},
		{"m", "champion", 0, registry.ErrBadRef},
		{"m", "", 0, registry.ErrBadRef},
		{"a/b", "v1", 0, registry.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.ref, func(t *testing.T) {
			v, err := reg.Get(ctx, tt.name, tt.ref)
			if !errors.Is(err, tt.wantErr) || v.Number != tt.want {
				t.Errorf("Get(%q, %q) = %d, %v; want %d, %v", tt.name, tt.ref, v.Number, err, tt.want, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			v, b, err := reg.Load(ctx, tt.name, tt.ref)
			if err != nil || v.Number != tt.want || !bytes.Equal(b, model(tt.want)) {
				t.Errorf("Open(%q, %q) = %d, %q, %v; want version %d and its bytes", tt.name, tt.ref, v.Number, b, err, tt.want)
			}
			uv, err := reg.Resolve(ctx, registry.URI(tt.name, mustParse(t, tt.ref)))
			if err != nil || uv.Number != tt.want {
				t.Errorf("Resolve(URI) = %d, %v; want %d", uv.Number, err, tt.want)
			}
		})
	}
	// latest with every version archived: not found.
	for _, n := range []int{1, 3} {
		if err := reg.Archive(ctx, "m", n); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := reg.Get(ctx, "m", "latest"); err != nil || v.Number != 2 {
		t.Errorf("Get(latest) with versions 1, 3, 4 archived = %d, %v; want 2", v.Number, err)
	}
	if _, err := reg.DeleteAlias(ctx, "m", "champion", registry.AliasOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Archive(ctx, "m", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Get(ctx, "m", "latest"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Get(latest) with every version archived = %v, want ErrNotFound", err)
	}
}

func mustParse(t *testing.T, s string) registry.Ref {
	ref, err := registry.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// Archived versions are not "latest" and cannot take an alias; aliased
// versions can be neither archived nor deleted.
func TestArchiveRules(t *testing.T) {
	reg := openReg(t, registry.Options{})
	mustRegister(t, reg, "m", model(1), registry.RegisterOptions{})
	mustRegister(t, reg, "m", model(2), registry.RegisterOptions{})
	mustSet(t, reg, "m", "champion", 2)
	mustSet(t, reg, "m", "shadow", 2)

	if err := reg.Archive(ctx, "m", 2); !errors.Is(err, registry.ErrAliasInUse) || !strings.Contains(err.Error(), "@champion, @shadow") {
		t.Errorf("Archive of an aliased version = %v, want ErrAliasInUse naming both aliases", err)
	}
	if err := reg.DeleteVersion(ctx, "m", 2); !errors.Is(err, registry.ErrAliasInUse) {
		t.Errorf("DeleteVersion of an aliased version = %v, want ErrAliasInUse", err)
	}
	if err := reg.Archive(ctx, "m", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.SetAlias(ctx, "m", "champion", 1, registry.AliasOptions{}); !errors.Is(err, registry.ErrArchived) {
		t.Errorf("SetAlias to an archived version = %v, want ErrArchived", err)
	}
	v, err := reg.Get(ctx, "m", "v1")
	if err != nil || !v.Archived {
		t.Errorf("Get(v1) = archived %v, %v; want archived", v.Archived, err)
	}
	if err := reg.Unarchive(ctx, "m", 1); err != nil {
		t.Fatal(err)
	}
	mustSet(t, reg, "m", "champion", 1)
	if err := reg.Archive(ctx, "m", 1); !errors.Is(err, registry.ErrAliasInUse) {
		t.Errorf("Archive after re-aliasing = %v, want ErrAliasInUse", err)
	}
	// Once no alias points at it, version 2 can go.
	if _, err := reg.DeleteAlias(ctx, "m", "shadow", registry.AliasOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.DeleteVersion(ctx, "m", 2); err != nil {
		t.Fatalf("DeleteVersion of an unaliased version: %v", err)
	}
	if _, err := reg.Get(ctx, "m", "v2"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Get of a deleted version = %v, want ErrNotFound", err)
	}
	if err := reg.DeleteVersion(ctx, "m", 2); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("second DeleteVersion = %v, want ErrNotFound", err)
	}
	vs, err := reg.Versions(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, fmt.Sprint(v.Number, v.Archived, v.Aliases))
	}
	if diff := cmp.Diff([]string{"1 false [champion]"}, got); diff != "" {
		t.Errorf("Versions (-want +got):\n%s", diff)
	}
	m, _ := reg.Model(ctx, "m")
	if m.LastVersion != 2 {
		t.Errorf("LastVersion after delete = %d, want 2 (numbers are not reused)", m.LastVersion)
	}
}

func TestLineage(t *testing.T) {
	reg := openReg(t, registry.Options{})
	other := "sha256:" + strings.Repeat("ab", 32)
	mustRegister(t, reg, "a", model(1), registry.RegisterOptions{RunID: "r1", DatasetDigest: dataDigest})
	mustRegister(t, reg, "a", model(2), registry.RegisterOptions{RunID: "r2", DatasetDigest: dataDigest})
	mustRegister(t, reg, "b", model(3), registry.RegisterOptions{RunID: "r1", DatasetDigest: other})
	mustRegister(t, reg, "b", model(4), registry.RegisterOptions{})
	uris := func(vs []registry.Version, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range vs {
			out = append(out, v.URI()+" "+v.RunID+" "+v.DatasetDigest[len(v.DatasetDigest)-4:])
		}
		return out
	}
	if diff := cmp.Diff([]string{"models:/a/1 r1 cdef", "models:/b/1 r1 abab"}, uris(reg.VersionsByRun(ctx, "r1"))); diff != "" {
		t.Errorf("VersionsByRun(r1) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"models:/a/1 r1 cdef", "models:/a/2 r2 cdef"}, uris(reg.VersionsByDataset(ctx, dataDigest))); diff != "" {
		t.Errorf("VersionsByDataset (-want +got):\n%s", diff)
	}
	if err := reg.DeleteVersion(ctx, "a", 1); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"models:/b/1 r1 abab"}, uris(reg.VersionsByRun(ctx, "r1"))); diff != "" {
		t.Errorf("VersionsByRun(r1) after delete (-want +got):\n%s", diff)
	}
	if vs, err := reg.VersionsByRun(ctx, "none"); err != nil || len(vs) != 0 {
		t.Errorf("VersionsByRun(none) = %v, %v; want nothing", vs, err)
	}
	if _, err := reg.VersionsByDataset(ctx, "sha256:XYZ"); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("VersionsByDataset(bad digest) = %v, want ErrInvalid", err)
	}
}

func TestValidation(t *testing.T) {
	reg := openReg(t, registry.Options{MaxModelBytes: 100})
	mustRegister(t, reg, "m", model(1), registry.RegisterOptions{})
	long := strings.Repeat("x", 257)
	tests := []struct {
		name  string
		model string
		opts  registry.RegisterOptions
	}{
		{"", "x", registry.RegisterOptions{Format: "f"}},
		{"a/b", "x", registry.RegisterOptions{Format: "f"}},
		{"a@b", "x", registry.RegisterOptions{Format: "f"}},
		{".", "x", registry.RegisterOptions{Format: "f"}},
		{"..", "x", registry.RegisterOptions{Format: "f"}},
		{" a", "x", registry.RegisterOptions{Format: "f"}},
		{"a\tb", "x", registry.RegisterOptions{Format: "f"}},
		{"a\x00b", "x", registry.RegisterOptions{Format: "f"}},
		{"\xff", "x", registry.RegisterOptions{Format: "f"}},
		{long, "x", registry.RegisterOptions{Format: "f"}},
		{"m", "x", registry.RegisterOptions{}},
		{"m", "", registry.RegisterOptions{Format: "f"}},
		{"m", strings.Repeat("x", 101), registry.RegisterOptions{Format: "f"}},
		{"m", "x", registry.RegisterOptions{Format: "f", DatasetDigest: "sha256:00"}},
		{"m", "x", registry.RegisterOptions{Format: "f", DatasetDigest: strings.ToUpper(dataDigest)}},
		{"m", "x", registry.RegisterOptions{Format: "f", Tags: map[string]string{"": "v"}}},
		{"m", "x", registry.RegisterOptions{Format: "f", Metrics: map[string]float64{"a\x00": 1}}},
		{"m", "x", registry.RegisterOptions{Format: "f", Description: strings.Repeat("d", 5001)}},
		{"m", "x", registry.RegisterOptions{Format: "f", RunID: "."}},
		{"m", "x", registry.RegisterOptions{Format: "f", RunID: ".."}},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			_, _, err := reg.Register(ctx, tt.name, strings.NewReader(tt.model), tt.opts)
			if !errors.Is(err, registry.ErrInvalid) {
				t.Errorf("Register(%q, %d bytes, %+v) = %v, want ErrInvalid", tt.name, len(tt.model), tt.opts, err)
			}
		})
	}
	if _, err := reg.CreateModel(ctx, "m", registry.ModelOptions{}); !errors.Is(err, registry.ErrExists) {
		t.Errorf("CreateModel of an existing model = %v, want ErrExists", err)
	}
	for _, alias := range []string{"", "latest", "Latest", "v1", "V22", "a b", "a.b", strings.Repeat("a", 256)} {
		if _, err := reg.SetAlias(ctx, "m", alias, 1, registry.AliasOptions{}); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("SetAlias(%q) = %v, want ErrInvalid", alias, err)
		}
	}
	for _, n := range []int{0, -1, registry.MaxVersion + 1} {
		if _, err := reg.SetAlias(ctx, "m", "a", n, registry.AliasOptions{}); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("SetAlias(version %d) = %v, want ErrInvalid", n, err)
		}
	}
	if _, err := reg.SetAlias(ctx, "m", "a", 1, registry.AliasOptions{Reason: strings.Repeat("r", 1001)}); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("SetAlias with a long reason = %v, want ErrInvalid", err)
	}
}

func TestModels(t *testing.T) {
	reg := openReg(t, registry.Options{})
	if _, err := reg.CreateModel(ctx, "b", registry.ModelOptions{Description: "second", Tags: map[string]string{"team": "x"}}); err != nil {
		t.Fatal(err)
	}
	mustRegister(t, reg, "a", model(1), registry.RegisterOptions{})
	mustSet(t, reg, "a", "champion", 1)
	if err := reg.SetDescription(ctx, "a", "first"); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetModelTag(ctx, "a", "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetModelTag(ctx, "b", "team", "y"); err != nil {
		t.Fatal(err)
	}
	if err := reg.DeleteModelTag(ctx, "b", "team"); err != nil {
		t.Fatal(err)
	}
	if err := reg.SetVersionTag(ctx, "a", 1, "stage", "ok"); err != nil {
		t.Fatal(err)
	}
	ms, err := reg.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []registry.Model{
		{Name: "a", Description: "first", Tags: map[string]string{"k": "v"}, CreatedBy: "tester", LastVersion: 1, Aliases: map[string]int{"champion": 1}},
		{Name: "b", Description: "second", CreatedBy: "tester"},
	}
	if diff := cmp.Diff(want, ms, cmpopts.IgnoreFields(registry.Model{}, "Created", "Updated")); diff != "" {
		t.Errorf("Models (-want +got):\n%s", diff)
	}
	v, _ := reg.Get(ctx, "a", "@champion")
	if diff := cmp.Diff(map[string]string{"stage": "ok"}, v.Tags); diff != "" || !v.Updated.After(v.Created) {
		t.Errorf("version tags (-want +got):\n%s; updated %v after created %v", diff, v.Updated, v.Created)
	}
	if err := reg.DeleteVersionTag(ctx, "a", 1, "stage"); err != nil {
		t.Fatal(err)
	}
	if v, _ := reg.Get(ctx, "a", "v1"); v.Tags != nil {
		t.Errorf("tags after DeleteVersionTag = %v, want none", v.Tags)
	}
	if err := reg.SetModelTag(ctx, "nope", "k", "v"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("SetModelTag on a missing model = %v, want ErrNotFound", err)
	}
}

// Model bytes in a blob store (a folder shared with track and dataset):
// written there, verified when read, left there by DeleteVersion until a
// GC finds nothing refers to them.
func TestExternalBlobs(t *testing.T) {
	dir := t.TempDir()
	reg := openReg(t, registry.Options{Blobs: dir})
	v := mustRegister(t, reg, "m", model(1), registry.RegisterOptions{})
	file := filepath.Join(dir, "objects", v.Digest[7:9], v.Digest[9:])
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("the model bytes are not in the blob store: %v", err)
	}
	_, b, err := reg.Load(ctx, "m", "v1")
	if err != nil || !bytes.Equal(b, model(1)) {
		t.Fatalf("Load = %q, %v", b, err)
	}
	v2 := mustRegister(t, reg, "m", model(2), registry.RegisterOptions{})
	if err := reg.DeleteVersion(ctx, "m", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("DeleteVersion removed the bytes at once: %v", err)
	}
	res, err := reg.GC(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Blobs != 1 {
		t.Errorf("GC = %+v, want the deleted version's bytes", res)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("GC left the bytes of a deleted version: %v", err)
	}
	// Bytes damaged in the store are caught.
	file2 := filepath.Join(dir, "objects", v2.Digest[7:9], v2.Digest[9:])
	os.Chmod(file2, 0o644)
	if err := os.WriteFile(file2, append(model(2), '!'), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := reg.Load(ctx, "m", "v2"); !errors.Is(err, registry.ErrCorrupt) {
		t.Errorf("Load of damaged bytes = %v, want ErrCorrupt", err)
	}
	os.Remove(file2)
	if _, _, err := reg.Load(ctx, "m", "v2"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Load of missing bytes = %v, want ErrNotFound", err)
	}
}

// A blob damaged in the database file is detected on Load; the metadata
// still reads. A damaged record is ErrCorrupt too.
func TestCorruptBlob(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/cairn.db"
	reg, err := registry.OpenWith(path, registry.Options{Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	v := mustRegister(t, reg, "m", model(1), registry.RegisterOptions{})
	raw, err := boltkv.Open(ctx, path, boltkv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	sum := sha256.Sum256(model(1))
	err = raw.Update(ctx, func(tx kv.Tx) error {
		bk := tx.Bucket("registry/blobs")
		b := bytes.Clone(bk.Get(sum[:]))
		b[3] ^= 1
		return bk.Put(sum[:], b)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := reg.Load(ctx, "m", "v1"); !errors.Is(err, registry.ErrCorrupt) {
		t.Errorf("Load of a damaged blob = %v, want ErrCorrupt", err)
	}
	if got, err := reg.Get(ctx, "m", "v1"); err != nil || got.Digest != v.Digest {
		t.Errorf("Get of the damaged version = %v, %v; want its metadata", got, err)
	}
	err = raw.Update(ctx, func(tx kv.Tx) error {
		bk := tx.Bucket("registry/versions")
		k, _ := bk.Cursor().First()
		return bk.Put(k, []byte{1, 2, 3})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Get(ctx, "m", "v1"); !errors.Is(err, registry.ErrCorrupt) {
		t.Errorf("Get of a damaged record = %v, want ErrCorrupt", err)
	}
}

// The registry shares its file with other packages' buckets and with a
// second Registry in the same process, with the default options; Close
// waits for nothing else and later calls fail with ErrClosed.
func TestOneFileManyHandles(t *testing.T) {
	path := t.TempDir() + "/cairn.db"
	raw, err := boltkv.Open(ctx, path, boltkv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.Update(ctx, func(tx kv.Tx) error { _, err := tx.CreateBucket("track/runs"); return err }); err != nil {
		t.Fatal(err)
	}
	a, err := registry.OpenWith(path, registry.Options{Now: clock(), User: "a"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := registry.OpenWith(path, registry.Options{Now: clock(), User: "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mustRegister(t, a, "m", model(1), registry.RegisterOptions{})
	mustSet(t, b, "m", "champion", 1)
	if v, err := a.Get(ctx, "m", "@champion"); err != nil || v.Number != 1 {
		t.Errorf("Get through a of b's alias = %v, %v", v, err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(ctx, "m", "v1"); !errors.Is(err, registry.ErrClosed) {
		t.Errorf("Get after Close = %v, want ErrClosed", err)
	}
	var names []string
	raw.View(ctx, func(tx kv.Tx) error {
		for _, n := range []string{"track/runs", "registry/models", "registry/versions"} {
			if tx.Bucket(n) != nil {
				names = append(names, n)
			}
		}
		return nil
	})
	if len(names) != 3 {
		t.Errorf("buckets %v, want track/runs and the registry's", names)
	}
}

// While another program (bbolt itself, outside the storage core) holds the
// file, calls fail with ErrLocked after Options.Timeout; once it lets go
// they work again.
func TestLockedFile(t *testing.T) {
	path := t.TempDir() + "/cairn.db"
	reg, err := registry.OpenWith(path, registry.Options{Now: clock(), User: "u", Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	mustRegister(t, reg, "m", model(1), registry.RegisterOptions{})
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("the idle registry kept the file: %v", err)
	}
	_, err = reg.Get(ctx, "m", "v1")
	if !errors.Is(err, registry.ErrLocked) || !errors.Is(err, berrors.ErrTimeout) {
		t.Errorf("Get while another holds the file = %v, want ErrLocked and bbolt's ErrTimeout", err)
	}
	db.Close()
	if v, b, err := reg.Load(ctx, "m", "v1"); err != nil || v.Number != 1 || !bytes.Equal(b, model(1)) {
		t.Errorf("Load after the other let go = %d, %q, %v", v.Number, b, err)
	}
}
