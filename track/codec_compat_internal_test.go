package track

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDecodeOlderRecords: experiment and input records written before
// their later fields existed still decode, with those fields zero.
func TestDecodeOlderRecords(t *testing.T) {
	e := newEnc(16)
	e.Str("old")
	e.Varint(7)
	e.Uvarint(3)
	x, err := decodeExperiment(e.Bytes())
	if err != nil || x != (expRec{name: "old", created: 7, runs: 3}) {
		t.Errorf("old experiment = %+v, %v", x, err)
	}
	e = newEnc(16)
	for _, s := range []string{"d", "v1", "", "src", "training"} {
		e.Str(s)
	}
	in, err := decodeInput(e.Bytes())
	if diff := cmp.Diff(Input{Name: "d", Version: "v1", Source: "src", Context: "training"}, in); err != nil || diff != "" {
		t.Errorf("old input (-want +got):\n%s%v", diff, err)
	}
	for _, rec := range []expRec{{name: "n", created: 1, runs: 2, deleted: true, deletedAt: 5, updated: 6}, {name: "m"}} {
		if got, err := decodeExperiment(rec.encode()); err != nil || got != rec {
			t.Errorf("experiment round trip %+v = %+v, %v", rec, got, err)
		}
	}
}
