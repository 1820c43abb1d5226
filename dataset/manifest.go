package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// Entry describes one file of a version, as its manifest records it.
type Entry struct {
	// Path is relative to the committed folder, slash-separated and
	// cleaned: no "", ".", ".." or empty elements, no leading slash. A
	// version of a single file has one entry whose Path is the file's name.
	Path string
	// Size is the length of the content in bytes.
	Size int64
	// Mode holds the permission bits (fs.ModePerm) the file had; other
	// mode bits are not recorded.
	Mode fs.FileMode
	// Hash is the digest of the content, "sha256:<64 lower-case hex>".
	Hash string
}

// kind says whether a version was committed from a folder or a file.
type kind uint8

const (
	kindDir kind = iota
	kindFile
)

func (k kind) String() string {
	if k == kindFile {
		return "file"
	}
	return "dir"
}

// file is an Entry with the hash kept as bytes.
type file struct {
	path string
	size int64
	mode fs.FileMode
	sum  [32]byte
}

func (f file) entry() Entry {
	return Entry{Path: f.path, Size: f.size, Mode: f.mode, Hash: digestString(f.sum)}
}

// manifest lists the files of a version, sorted by path (byte order).
type manifest struct {
	kind  kind
	files []file
}

// manifestMagic opens every encoded manifest; it changes only if the
// encoding does.
const manifestMagic = "cairn.manifest.v1"

// encode returns the canonical encoding of m, whose SHA-256 is the
// version's id:
//
//	cairn.manifest.v1 dir|file\n
//	<64 hex> <mode, octal> <size, decimal> <path, strconv.Quote>\n   (one per file)
//
// Files are sorted by path in byte order; numbers have no leading zeros.
// The quoted path keeps any byte sequence (a file name that is not UTF-8
// included) and can hold spaces, since it is the last field.
func (m *manifest) encode() []byte {
	n := len(manifestMagic) + 6
	for _, f := range m.files {
		n += 64 + 4 + 20 + len(f.path) + 8
	}
	b := make([]byte, 0, n)
	b = append(b, manifestMagic...)
	b = append(b, ' ')
	b = append(b, m.kind.String()...)
	b = append(b, '\n')
	for _, f := range m.files {
		b = hex.AppendEncode(b, f.sum[:])
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(f.mode), 8)
		b = append(b, ' ')
		b = strconv.AppendInt(b, f.size, 10)
		b = append(b, ' ')
		b = strconv.AppendQuote(b, f.path)
		b = append(b, '\n')
	}
	return b
}

// id returns the digest of the canonical encoding.
func (m *manifest) id() ([32]byte, []byte) {
	b := m.encode()
	return sha256.Sum256(b), b
}

// decodeManifest parses an encoded manifest. It accepts only the
// canonical encoding of a valid manifest, so that one list of files has
// exactly one id: anything else is an error wrapping ErrCorrupt.
func decodeManifest(b []byte) (*manifest, error) {
	bad := func(line int, format string, args ...any) error {
		return fmt.Errorf("%w: manifest line %d: %s", ErrCorrupt, line, fmt.Sprintf(format, args...))
	}
	head, rest, ok := bytes.Cut(b, []byte{'\n'})
	if !ok {
		return nil, bad(1, "no header")
	}
	m := &manifest{}
	switch string(head) {
	case manifestMagic + " dir":
		m.kind = kindDir
	case manifestMagic + " file":
		m.kind = kindFile
	default:
		return nil, bad(1, "header %q", truncate(head))
	}
	for line := 2; len(rest) > 0; line++ {
		var l []byte
		l, rest, ok = bytes.Cut(rest, []byte{'\n'})
		if !ok {
			return nil, bad(line, "no final newline")
		}
		fields := strings.SplitN(string(l), " ", 4)
		if len(fields) != 4 {
			return nil, bad(line, "want 4 fields")
		}
		var f file
		if len(fields[0]) != 64 {
			return nil, bad(line, "hash %q", truncate([]byte(fields[0])))
		}
		if _, err := hex.Decode(f.sum[:], []byte(fields[0])); err != nil {
			return nil, bad(line, "hash: %v", err)
		}
		mode, err := strconv.ParseUint(fields[1], 8, 32)
		if err != nil || mode > uint64(fs.ModePerm) {
			return nil, bad(line, "mode %q", truncate([]byte(fields[1])))
		}
		f.mode = fs.FileMode(mode)
		f.size, err = strconv.ParseInt(fields[2], 10, 64)
		if err != nil || f.size < 0 {
			return nil, bad(line, "size %q", truncate([]byte(fields[2])))
		}
		f.path, err = strconv.Unquote(fields[3])
		if err != nil {
			return nil, bad(line, "path %s: %v", truncate([]byte(fields[3])), err)
		}
		m.files = append(m.files, f)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	if !bytes.Equal(m.encode(), b) {
		return nil, fmt.Errorf("%w: manifest is not in canonical form", ErrCorrupt)
	}
	return m, nil
}

// validate checks what every manifest must satisfy: valid paths in
// strictly increasing order, no path both a file and a folder, and one
// file without folders for a file version.
func (m *manifest) validate() error {
	dirs := make(map[string]struct{})
	for i, f := range m.files {
		if !validPath(f.path) {
			return fmt.Errorf("%w: manifest path %q: %w", ErrCorrupt, f.path, ErrBadPath)
		}
		if i > 0 && m.files[i-1].path >= f.path {
			return fmt.Errorf("%w: manifest paths %q and %q out of order", ErrCorrupt, m.files[i-1].path, f.path)
		}
		for j := range len(f.path) {
			if f.path[j] == '/' {
				dirs[f.path[:j]] = struct{}{}
			}
		}
	}
	for _, f := range m.files {
		if _, ok := dirs[f.path]; ok {
			return fmt.Errorf("%w: manifest path %q is both a file and a folder", ErrCorrupt, f.path)
		}
	}
	if m.kind == kindFile && (len(m.files) != 1 || strings.Contains(m.files[0].path, "/")) {
		return fmt.Errorf("%w: file manifest must list one file at its root", ErrCorrupt)
	}
	return nil
}

// validPath reports whether p may appear in a manifest: an fs.ValidPath
// other than "." and without NUL bytes.
func validPath(p string) bool {
	return p != "." && fs.ValidPath(p) && !strings.ContainsRune(p, 0)
}

// find returns the file at path p.
func (m *manifest) find(p string) (file, bool) {
	i, ok := slices.BinarySearchFunc(m.files, p, func(f file, p string) int { return strings.Compare(f.path, p) })
	if !ok {
		return file{}, false
	}
	return m.files[i], true
}

// size returns the total size of the files.
func (m *manifest) size() int64 {
	var n int64
	for _, f := range m.files {
		n += f.size
	}
	return n
}

func truncate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

func digestString(sum [32]byte) string {
	return "sha256:" + hex.EncodeToString(sum[:])
}

// parseDigest parses "sha256:<64 lower-case hex>".
func parseDigest(s string) ([32]byte, error) {
	var sum [32]byte
	h, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(h) != 64 || strings.ToLower(h) != h {
		return sum, fmt.Errorf("%w: digest %q", ErrBadRef, s)
	}
	if _, err := hex.Decode(sum[:], []byte(h)); err != nil {
		return sum, fmt.Errorf("%w: digest %q", ErrBadRef, s)
	}
	return sum, nil
}
