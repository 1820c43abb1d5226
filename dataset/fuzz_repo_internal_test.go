package dataset

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleManifest() *manifest {
	return &manifest{kind: kindDir, files: []file{
		{path: "a b/\"q\"", size: 3, mode: 0o644, sum: sha256.Sum256([]byte("abc"))},
		{path: "a-b", size: 0, mode: 0o755, sum: sha256.Sum256(nil)},
		{path: "a/\xff\x00x", size: 1 << 40, mode: 0o600, sum: sha256.Sum256([]byte("x"))},
		{path: "z/数据", size: 7, mode: 0, sum: sha256.Sum256([]byte("y"))},
	}}
}

func TestManifestRoundTrip(t *testing.T) {
	// "a/\xff\x00x" holds a NUL: not valid. Drop it for the round trip.
	m := sampleManifest()
	m.files = append(m.files[:2], m.files[3])
	b := m.encode()
	got, err := decodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m, got, cmp.AllowUnexported(manifest{}, file{})); diff != "" {
		t.Errorf("decode(encode(m)) (-want +got):\n%s", diff)
	}
}

func TestDecodeManifestRejects(t *testing.T) {
	h := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	head := "cairn.manifest.v1 dir\n"
	tests := map[string]string{
		"empty":              "",
		"no newline":         "cairn.manifest.v1 dir",
		"other header":       "cairn.manifest.v2 dir\n",
		"bad kind":           "cairn.manifest.v1 tree\n",
		"short hash":         head + h[:62] + " 644 3 \"a\"\n",
		"upper-case hash":    head + "BA" + h[2:] + " 644 3 \"a\"\n",
		"mode too big":       head + h + " 1000 3 \"a\"\n",
		"mode leading zero":  head + h + " 0644 3 \"a\"\n",
		"negative size":      head + h + " 644 -3 \"a\"\n",
		"size leading zero":  head + h + " 644 03 \"a\"\n",
		"size plus":          head + h + " 644 +3 \"a\"\n",
		"unquoted path":      head + h + " 644 3 a\n",
		"backquoted path":    head + h + " 644 3 `a`\n",
		"odd escape":         head + h + " 644 3 \"\\u0061\"\n",
		"absolute path":      head + h + " 644 3 \"/a\"\n",
		"dot-dot":            head + h + " 644 3 \"../a\"\n",
		"inner dot-dot":      head + h + " 644 3 \"a/../../b\"\n",
		"dot":                head + h + " 644 3 \".\"\n",
		"trailing slash":     head + h + " 644 3 \"a/\"\n",
		"double slash":       head + h + " 644 3 \"a//b\"\n",
		"NUL":                head + h + " 644 3 \"a\\x00\"\n",
		"out of order":       head + h + " 644 3 \"b\"\n" + h + " 644 3 \"a\"\n",
		"duplicate":          head + h + " 644 3 \"a\"\n" + h + " 644 3 \"a\"\n",
		"file and folder":    head + h + " 644 3 \"a\"\n" + h + " 644 3 \"a/b\"\n",
		"file kind, 2 files": "cairn.manifest.v1 file\n" + h + " 644 3 \"a\"\n" + h + " 644 3 \"b\"\n",
		"file kind, folder":  "cairn.manifest.v1 file\n" + h + " 644 3 \"a/b\"\n",
		"file kind, empty":   "cairn.manifest.v1 file\n",
		"extra space":        head + h + "  644 3 \"a\"\n",
		"trailing garbage":   head + h + " 644 3 \"a\"\nx",
		"CRLF":               "cairn.manifest.v1 dir\r\n",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if m, err := decodeManifest([]byte(in)); !errors.Is(err, ErrCorrupt) {
				t.Errorf("decodeManifest(%q) = %v, %v; want ErrCorrupt", in, m, err)
			}
		})
	}
}

// FuzzManifest checks that decodeManifest never panics and accepts only
// canonical encodings of valid manifests: whatever it accepts encodes
// back to the same bytes.
func FuzzManifest(f *testing.F) {
	m := sampleManifest()
	f.Add(m.encode())
	m.files = m.files[:1]
	f.Add(m.encode())
	m.files[0].path = "one"
	m.kind = kindFile
	f.Add(m.encode())
	f.Add([]byte("cairn.manifest.v1 dir\n"))
	f.Add([]byte("cairn.manifest.v1 file\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeManifest(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if err := m.validate(); err != nil {
			t.Fatalf("accepted an invalid manifest: %v", err)
		}
		if !bytes.Equal(m.encode(), b) {
			t.Fatalf("accepted a non-canonical encoding:\n%q\nre-encodes as\n%q", b, m.encode())
		}
	})
}

// FuzzVersionRecord checks that decodeVersionRec never panics, that what
// it accepts is a valid version, and that it encodes back to the same
// bytes.
func FuzzVersionRecord(f *testing.F) {
	rec := versionRec{created: time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC).UnixNano(),
		message: "msg \"quoted\" ünï", kind: kindDir, files: 2, size: 99}
	copy(rec.sum[:], bytes.Repeat([]byte{0xab}, 32))
	f.Add(rec.encode())
	rec.kind, rec.files = kindFile, 1
	f.Add(rec.encode())
	f.Add([]byte(`{}`))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeVersionRec(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if got.size < 0 || got.kind != kindDir && got.kind != kindFile {
			t.Fatalf("accepted an invalid version %+v", got)
		}
		if again := got.encode(); !bytes.Equal(again, b) {
			t.Fatalf("decoded record encodes to %x, was %x", again, b)
		}
	})
}

// FuzzCacheEntry checks that decodeCacheEntry never panics and that what
// it accepts encodes back to the same bytes.
func FuzzCacheEntry(f *testing.F) {
	e := cacheEntry{st: fileStat{size: 5, mtime: 1e18, ctime: -1, ino: 1 << 63, dev: 7}, seen: 42, sum: sha256.Sum256([]byte("x"))}
	f.Add(e.encode())
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, cacheEntryLen))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeCacheEntry(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if !bytes.Equal(e.encode(), b) {
			t.Fatalf("entry re-encodes as %x, want %x", e.encode(), b)
		}
	})
}
