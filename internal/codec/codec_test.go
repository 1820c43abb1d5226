package codec_test

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cairn-ml/cairn/internal/codec"
)

var errCorrupt = errors.New("test: corrupt")

type rec struct {
	B   byte
	U   uint64
	I   int64
	F   float64
	S   string
	X   bool
	Raw []byte
	SM  map[string]string
	FM  map[string]float64
}

func (r rec) encode() []byte {
	e := codec.NewEnc(1, 16)
	e.Byte(r.B)
	e.Uvarint(r.U)
	e.Varint(r.I)
	e.Float(r.F)
	e.Str(r.S)
	e.Bool(r.X)
	e.LenBytes(r.Raw)
	e.StrMap(r.SM)
	e.FloatMap(r.FM)
	return e.Bytes()
}

func decode(b []byte) (rec, error) {
	d := codec.NewDec(b, 1)
	r := rec{B: d.Byte(), U: d.Uvarint(), I: d.Varint(), F: d.Float(), S: d.Str(), X: d.Bool()}
	r.Raw = bytes.Clone(d.LenBytes())
	r.SM = d.StrMap()
	r.FM = d.FloatMap()
	return r, d.Finish(errCorrupt, "test")
}

func TestRoundTrip(t *testing.T) {
	for _, r := range []rec{
		{},
		{B: 7, U: math.MaxUint64, I: math.MinInt64, F: -1.5, S: "héllo", X: true, Raw: []byte{0, 1},
			SM: map[string]string{"b": "2", "a": "1"}, FM: map[string]float64{"z": 1, "y": math.Inf(-1)}},
	} {
		got, err := decode(r.encode())
		if err != nil {
			t.Fatal(err)
		}
		if r.Raw == nil {
			r.Raw = []byte{}
		}
		if diff := cmp.Diff(r, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
}

func TestStrict(t *testing.T) {
	good := rec{S: "a", SM: map[string]string{"a": "1", "b": "2"}}.encode()
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"version", append([]byte{2}, good[1:]...)},
		{"short", good[:len(good)-1]},
		{"trailing", append(bytes.Clone(good), 0)},
		{"long varint", []byte{1, 0, 0x80, 0x00}},
		{"bool", func() []byte { b := rec{}.encode(); b[1+1+1+1+8+1] = 2; return b }()},
		{"nul in string", rec{S: "a\x00"}.encode()},
		{"unsorted map", func() []byte {
			e := codec.NewEnc(1, 0)
			e.Uvarint(2)
			e.Str("b")
			e.Str("1")
			e.Str("a")
			e.Str("2")
			return e.Bytes()
		}()},
		{"huge count", []byte{1, 0xff, 0xff, 0x03}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.name == "unsorted map" || c.name == "huge count" {
				d := codec.NewDec(c.b, 1)
				d.StrMap()
				err = d.Finish(errCorrupt, "map")
			} else {
				_, err = decode(c.b)
			}
			if !errors.Is(err, errCorrupt) {
				t.Errorf("decode = %v, want Corrupt", err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(rec{}.encode())
	f.Add(rec{S: "x", SM: map[string]string{"k": "v"}, FM: map[string]float64{"m": 1}}.encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decode(b)
		if err != nil {
			return
		}
		if again := r.encode(); !bytes.Equal(again, b) {
			t.Fatalf("decoded record encodes to %x, was %x", again, b)
		}
	})
}
