package dataset

import (
	"context"
	"fmt"
	"strings"
)

// ChangeKind says how a file differs between two versions.
type ChangeKind int

// The kinds of Change.
const (
	Added    ChangeKind = iota + 1 // in the second version only
	Removed                        // in the first version only
	Modified                       // in both, with other content or mode
)

func (k ChangeKind) String() string {
	switch k {
	case Added:
		return "added"
	case Removed:
		return "removed"
	case Modified:
		return "modified"
	}
	return fmt.Sprintf("ChangeKind(%d)", int(k))
}

// Change is one file that differs between two versions.
type Change struct {
	Path string
	Kind ChangeKind
	// Old is the file in the first version (zero if Added), New the file
	// in the second (zero if Removed).
	Old, New Entry
}

// Diff lists the files that differ from version a to version b of name
// (refs as for Resolve), sorted by path: Added, Removed, or Modified when
// the content (hash) or the permission bits changed. Equal versions give
// an empty list. Manifests are read and verified; a missing or damaged
// one is an error wrapping ErrNotFound or ErrCorrupt.
func (r *Repo) Diff(ctx context.Context, name, a, b string) ([]Change, error) {
	ma, err := r.manifest(ctx, name, a)
	if err != nil {
		return nil, err
	}
	mb, err := r.manifest(ctx, name, b)
	if err != nil {
		return nil, err
	}
	return diffManifests(ma, mb), nil
}

func diffManifests(a, b *manifest) []Change {
	var out []Change
	i, j := 0, 0
	for i < len(a.files) || j < len(b.files) {
		switch {
		case j == len(b.files) || (i < len(a.files) && a.files[i].path < b.files[j].path):
			out = append(out, Change{Path: a.files[i].path, Kind: Removed, Old: a.files[i].entry()})
			i++
		case i == len(a.files) || b.files[j].path < a.files[i].path:
			out = append(out, Change{Path: b.files[j].path, Kind: Added, New: b.files[j].entry()})
			j++
		default:
			fa, fb := a.files[i], b.files[j]
			if fa.sum != fb.sum || fa.mode != fb.mode || fa.size != fb.size {
				out = append(out, Change{Path: fa.path, Kind: Modified, Old: fa.entry(), New: fb.entry()})
			}
			i++
			j++
		}
	}
	return out
}

// Files returns the files of version ref of name, sorted by path.
func (r *Repo) Files(ctx context.Context, name, ref string) ([]Entry, error) {
	m, err := r.manifest(ctx, name, ref)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, len(m.files))
	for i, f := range m.files {
		out[i] = f.entry()
	}
	return out, nil
}

// manifest resolves ref and loads its manifest.
func (r *Repo) manifest(ctx context.Context, name, ref string) (*manifest, error) {
	v, _, err := r.resolve(ctx, name, ref)
	if err != nil {
		return nil, err
	}
	m, err := r.loadManifest(ctx, v.Digest)
	if err != nil {
		return nil, fmt.Errorf("dataset: manifest of %s: %w", v, err)
	}
	return m, nil
}

// isHex reports whether s is lower-case hex.
func isHex(s string) bool { return strings.Trim(s, "0123456789abcdef") == "" }
