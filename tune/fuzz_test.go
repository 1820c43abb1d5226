package tune

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzDecodeTrial checks that the study-file decoder never panics, and
// that a record it accepts encodes back and decodes to the same trial.
func FuzzDecodeTrial(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"number":0,"state":"complete","value":1.5,"params":{"x":{"dist":{"kind":"float","low":0,"high":2},"value":1.5}},"start":"2026-01-02T15:04:05Z","end":"2026-01-02T15:04:06Z"}`,
		`{"v":1,"number":3,"state":"pruned","value":"NaN","params":{"n":{"dist":{"kind":"int","low":1,"high":64,"step":1,"log":true},"value":8},"c":{"dist":{"kind":"categorical","choices":["a","b"]},"value":"b"}},"intermediate":{"0":0.5,"2":"-Inf"},"attrs":{"k":"v"},"start":"0001-01-01T00:00:00Z","end":"0001-01-01T00:00:00Z","error":"tune: trial pruned"}`,
		`{"v":1,"number":1,"state":"failed","value":"+Inf","params":{"q":{"dist":{"kind":"float","low":0,"high":1,"step":0.25},"value":0.75}},"start":"2026-01-02T15:04:05.123456789+02:00","end":"0001-01-01T00:00:00Z","error":"boom"}`,
		`{"v":1,"number":-1,"state":"running"}`,
		`{}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		ft, err := decodeTrial(line)
		if err != nil {
			return
		}
		enc, err := encodeTrial(ft)
		if err != nil {
			t.Fatalf("decoded %q, cannot encode it back: %v", line, err)
		}
		again, err := decodeTrial(enc)
		if err != nil {
			t.Fatalf("re-decoding %q: %v", enc, err)
		}
		opts := cmp.Options{cmpopts.EquateNaNs(), cmpopts.EquateEmpty(),
			cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
			cmp.Comparer(func(a, b error) bool { return (a == nil) == (b == nil) && (a == nil || a.Error() == b.Error()) })}
		if diff := cmp.Diff(ft, again, opts); diff != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", line, diff)
		}
		// A file of the line, with or without its newline, reads too.
		if _, err := ReadTrials(bytes.NewReader(append(line, '\n'))); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("ReadTrials: %v", err)
		}
	})
}

// FuzzDecodeStored checks the decoder of stored trial records: no panic,
// an error wrapping ErrCorrupt or a record that encodes back to the same
// bytes.
func FuzzDecodeStored(f *testing.F) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, st := range []storedTrial{
		{ft: FrozenTrial{Number: 3, State: Running, Value: math.NaN(), Start: start}, owner: "h/1/ab", heartbeat: 7},
		{ft: FrozenTrial{Number: 0, State: Complete, Value: 1.5, Start: start, End: start.Add(time.Second),
			Params: Params{"x": 0.5, "c": "b", "n": 3.0}, Distributions: map[string]Distribution{
				"x": {Kind: FloatKind, Low: 0, High: 1}, "c": {Kind: CategoricalKind, Choices: []string{"a", "b"}},
				"n": {Kind: IntKind, Low: 1, High: 8, Step: 1}},
			Intermediate: map[int]float64{0: 2, 5: 1}, UserAttrs: map[string]string{"k": "v"}}},
		{ft: FrozenTrial{Number: 1, State: Pruned, Value: 0.1, Err: ErrPruned}},
	} {
		b, err := st.encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := decodeStored(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decodeStored: %v does not wrap ErrCorrupt", err)
			}
			return
		}
		again, err := st.encode()
		if err != nil {
			t.Fatalf("a decoded record does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("decoded record encodes to %x, was %x", again, b)
		}
	})
}
