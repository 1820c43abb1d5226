package kvblob

import (
	"testing"
	"time"
)

// FuzzRecord: an index record from the store decodes or fails cleanly,
// and what decodes encodes back to the same bytes.
func FuzzRecord(f *testing.F) {
	f.Add(record{size: 10, mod: time.Unix(0, 12345), chunk: 1 << 20}.encode())
	f.Add([]byte("short"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRecord(b)
		if err != nil {
			return
		}
		if r.size < 0 || r.chunk == 0 || r.chunks() < 0 {
			t.Fatalf("decodeRecord(%x) = %+v", b, r)
		}
		if got := r.encode(); string(got) != string(b) {
			t.Fatalf("round trip %x -> %x", b, got)
		}
	})
}
