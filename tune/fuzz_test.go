package tune

import (
	"bytes"
	"errors"
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
