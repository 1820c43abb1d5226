package registry

import (
	"bytes"
	"testing"
)

// TestVersionSourceEncoding: a version without a source or run link
// encodes as records did before they existed, so older records decode;
// one with them round-trips; and trailing empty fields are refused, which
// keeps the encoding canonical.
func TestVersionSourceEncoding(t *testing.T) {
	plain := versionRec{format: "f", created: 1, updated: 2}
	withSrc := plain
	withSrc.source, withSrc.runLink = "runs:/r/model", ""
	for _, v := range []versionRec{plain, withSrc} {
		b := v.encode()
		got, err := decodeVersion(b)
		if err != nil || got.source != v.source || got.runLink != v.runLink || !bytes.Equal(got.encode(), b) {
			t.Errorf("round trip of %+v = %+v, %v", v, got, err)
		}
	}
	if len(withSrc.encode()) <= len(plain.encode()) {
		t.Error("the source is not written")
	}
	bad := append(plain.encode(), 0, 0) // two empty strings
	if _, err := decodeVersion(bad); err == nil {
		t.Error("a record with empty source fields written out decodes")
	}
}
