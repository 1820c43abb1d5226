package registry

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to every decoder of stored records. A
// decoder must not panic; it returns a value or an error wrapping
// ErrCorrupt; and a value it returns encodes back to exactly the bytes it
// came from (the encoding is canonical).
func FuzzDecode(f *testing.F) {
	m := modelRec{description: "d", tags: map[string]string{"a": "1", "b": "2"}, created: 1, updated: -2, createdBy: "me", last: 7}
	v := versionRec{
		size: 3, format: "cairn.linear/1", runID: "r", dataset: make([]byte, 32),
		metrics: map[string]float64{"f1": 0.5, "nan": 0}, tags: map[string]string{"k": "v"},
		description: "x", created: 5, createdBy: "u", archived: true, updated: 6,
	}
	v.sum[0] = 9
	ev := eventRec{kind: AliasRolledBack, from: 2, to: 1, by: "b", reason: "why", at: 1e12, undoes: 4}
	for kind, b := range [][]byte{m.encode(), v.encode(), ev.encode(), aliasVal{3, 4}.encode()} {
		f.Add(byte(kind), b)
	}
	vs := v
	vs.source, vs.runLink = "mlflow-artifacts:/1/r/artifacts/model", "http://x"
	f.Add(byte(1), vs.encode())
	f.Add(byte(1), []byte{1})
	f.Add(byte(2), []byte{})
	f.Fuzz(func(t *testing.T, kind byte, b []byte) {
		var enc []byte
		var err error
		switch kind % 4 {
		case 0:
			var r modelRec
			if r, err = decodeModel(b); err == nil {
				enc = r.encode()
			}
		case 1:
			var r versionRec
			if r, err = decodeVersion(b); err == nil {
				enc = r.encode()
			}
		case 2:
			var r eventRec
			if r, err = decodeEvent(b); err == nil {
				enc = r.encode()
			}
		case 3:
			var r aliasVal
			if r, err = decodeAlias(b); err == nil {
				enc = r.encode()
			}
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decoder %d: error %v does not wrap ErrCorrupt", kind%4, err)
			}
			return
		}
		if !bytes.Equal(enc, b) {
			t.Fatalf("decoder %d: %x decodes and encodes to %x", kind%4, b, enc)
		}
	})
}
