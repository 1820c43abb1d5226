package s3blob

import (
	"strings"
	"testing"
)

// FuzzLocation: any string parses or fails without a panic; a parsed
// location prints as a URL that parses to the same.
func FuzzLocation(f *testing.F) {
	for _, s := range []string{"s3://bucket", "s3://bucket/a/b?endpoint=http://127.0.0.1:9000&region=eu-west-1", "s3://u:p@bucket", "s3://b/../x", "s3://bucket?x=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, err := ParseLocation(s)
		if err != nil {
			return
		}
		again, err := ParseLocation(loc.String())
		if err != nil || again != loc {
			t.Fatalf("ParseLocation(%q) = %+v; its String %q parses to %+v, %v", s, loc, loc.String(), again, err)
		}
	})
}

// FuzzHolder: a holder object from the bucket decodes or fails cleanly.
func FuzzHolder(f *testing.F) {
	f.Add([]byte(`{"location":"postgres://u@h/db","namespace":"track"}`))
	f.Add([]byte(`{"location":"","namespace":"x","extra":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeHolder(b)
		if err == nil && (h.Location == "" || h.Namespace == "") {
			t.Fatalf("decodeHolder(%q) = %+v without error", b, h)
		}
	})
}

// FuzzKey: only keys of the form objects/xx/<62 hex> name a blob, and
// the blob's key is that key.
func FuzzKey(f *testing.F) {
	s := &Store{loc: Location{Bucket: "b", Prefix: "p/"}}
	f.Add("p/objects/ab/" + strings.Repeat("c", 62))
	f.Add("p/objects/.holders/x.json")
	f.Fuzz(func(t *testing.T, key string) {
		d, ok := s.digestOf(key)
		if ok && s.Key(d) != key {
			t.Fatalf("digestOf(%q) = %s, whose key is %q", key, d, s.Key(d))
		}
	})
}
