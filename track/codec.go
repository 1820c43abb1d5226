package track

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/cairn-ml/cairn/internal/codec"

	"github.com/cairn-ml/cairn/internal/perr"
)

// Records are stored in internal/codec's canonical binary format: a
// version byte, then the fields in a fixed order. Decoders reject
// anything else (short input, trailing bytes, bad enums, invalid strings)
// with an error wrapping ErrCorrupt; FuzzDecode checks them.

const recVersion = 1

func newEnc(n int) *codec.Enc { return codec.NewEnc(recVersion, n) }

func newDec(b []byte) codec.Dec { return codec.NewDec(b, recVersion) }

// runRec is the stored form of a run's attributes (bucket track/runs).
type runRec struct {
	exp       uint64
	name      string
	parent    string // 32 hex characters, or ""
	status    Status
	start     int64 // Unix milliseconds
	end       int64 // Unix milliseconds; 0 while the run has not ended
	deleted   bool
	deletedAt int64 // Unix milliseconds; 0 unless deleted
	// owner names the process that started the run (see owner.go), so
	// that a run whose process died can be found; "" when unknown.
	// Records written before it existed end after deletedAt.
	owner string
}

func (r runRec) encode() []byte {
	e := newEnc(32 + len(r.name) + len(r.parent))
	e.Uvarint(r.exp)
	e.Str(r.name)
	e.Str(r.parent)
	e.Byte(byte(r.status))
	e.Varint(r.start)
	e.Varint(r.end)
	e.Bool(r.deleted)
	e.Varint(r.deletedAt)
	if r.owner != "" {
		e.Str(r.owner)
	}
	return e.Bytes()
}

func decodeRun(b []byte) (runRec, error) { return decodeRunOwner(b, true) }

// decodeRunOwner decodes a run record, with its owner if owner is set:
// a search tests many runs and needs no owner's string.
func decodeRunOwner(b []byte, owner bool) (runRec, error) {
	d := newDec(b)
	var r runRec
	r.exp = d.Uvarint()
	r.name = d.Str()
	r.parent = d.Str()
	r.status = Status(d.Byte())
	r.start = d.Varint()
	r.end = d.Varint()
	r.deleted = d.Bool()
	r.deletedAt = d.Varint()
	if d.Err() == nil && d.Len() > 0 {
		if o := d.Text(); d.Err() == nil && len(o) == 0 {
			d.Fail(errors.New("empty owner")) // never written: not canonical
		} else if owner {
			r.owner = string(o)
		}
	}
	if d.Err() == nil && !r.status.valid() {
		d.Fail(fmt.Errorf("bad status %d", r.status))
	}
	if d.Err() == nil && r.parent != "" {
		if _, err := parseRunID(r.parent); err != nil {
			d.Fail(errors.New("bad parent run id"))
		}
	}
	return r, d.Finish(ErrCorrupt, "run")
}

// expRec is the stored form of an experiment (bucket track/experiments).
// Records written before experiments could be deleted end after runs;
// they decode with the later fields zero.
type expRec struct {
	name      string
	created   int64  // Unix milliseconds
	runs      uint64 // runs ever created in it (purged ones included)
	deleted   bool
	deletedAt int64 // Unix milliseconds; 0 unless deleted
	updated   int64 // Unix milliseconds of the last rename, delete or restore; 0: created
}

func (x expRec) encode() []byte {
	e := newEnc(32 + len(x.name))
	e.Str(x.name)
	e.Varint(x.created)
	e.Uvarint(x.runs)
	e.Bool(x.deleted)
	e.Varint(x.deletedAt)
	e.Varint(x.updated)
	return e.Bytes()
}

func decodeExperiment(b []byte) (expRec, error) {
	d := newDec(b)
	var x expRec
	x.name = d.Str()
	x.created = d.Varint()
	x.runs = d.Uvarint()
	if d.Err() == nil && d.Len() > 0 {
		x.deleted = d.Bool()
		x.deletedAt = d.Varint()
		x.updated = d.Varint()
	}
	return x, d.Finish(ErrCorrupt, "experiment")
}

// metricRec is the stored form of one metric value, in the history and as
// the latest value (buckets track/history, track/metrics).
type metricRec struct {
	value float64
	time  int64 // Unix milliseconds
	step  int64
}

func (m metricRec) encode() []byte {
	e := newEnc(24)
	e.Float(m.value)
	e.Varint(m.time)
	e.Varint(m.step)
	return e.Bytes()
}

func decodeMetric(b []byte) (metricRec, error) {
	d := newDec(b)
	var m metricRec
	m.value = d.Float()
	m.time = d.Varint()
	m.step = d.Varint()
	return m, d.Finish(ErrCorrupt, "metric")
}

// newer reports whether m replaces old as the latest value of a metric:
// MLflow's rule, the larger step, then the later time, then the larger
// value (NaN counts as larger than any number).
func (m metricRec) newer(old metricRec) bool {
	if m.step != old.step {
		return m.step > old.step
	}
	if m.time != old.time {
		return m.time > old.time
	}
	return floatKey(m.value) > floatKey(old.value)
}

// Input records written before SourceType, Schema and Profile end after
// Context; they decode with those fields empty.
func (in Input) encode() []byte {
	e := newEnc(8 + len(in.Name) + len(in.Version) + len(in.Digest) + len(in.Source) + len(in.Context) +
		len(in.SourceType) + len(in.Schema) + len(in.Profile))
	e.Str(in.Name)
	e.Str(in.Version)
	e.Str(in.Digest)
	e.Str(in.Source)
	e.Str(in.Context)
	e.Str(in.SourceType)
	e.Str(in.Schema)
	e.Str(in.Profile)
	return e.Bytes()
}

func decodeInput(b []byte) (Input, error) {
	d := newDec(b)
	var in Input
	in.Name = d.Str()
	in.Version = d.Str()
	in.Digest = d.Str()
	in.Source = d.Str()
	in.Context = d.Str()
	if d.Err() == nil && d.Len() > 0 {
		in.SourceType = d.Str()
		in.Schema = d.Str()
		in.Profile = d.Str()
	}
	return in, d.Finish(ErrCorrupt, "input")
}

// artRec is the stored form of an artifact (bucket track/artifacts; the
// path is in the key).
type artRec struct {
	digest string
	size   int64
	time   int64 // Unix milliseconds
}

func (a artRec) encode() []byte {
	e := newEnc(16 + len(a.digest))
	e.Str(a.digest)
	e.Varint(a.size)
	e.Varint(a.time)
	return e.Bytes()
}

func decodeArtifact(b []byte) (artRec, error) {
	d := newDec(b)
	var a artRec
	a.digest = d.Str()
	a.size = d.Varint()
	a.time = d.Varint()
	if d.Err() == nil {
		if _, err := parseDigest(a.digest); err != nil {
			d.Fail(errors.New("bad digest"))
		}
		if a.size < 0 {
			d.Fail(errors.New("negative size"))
		}
	}
	return a, d.Finish(ErrCorrupt, "artifact")
}

// nanKey is floatKey(NaN): above the key of every number.
const nanKey = math.MaxUint64

// floatKey maps a float64 to a uint64 whose unsigned order is the numeric
// order: -0 and +0 map to one key, every NaN to nanKey, above +Inf.
func floatKey(v float64) uint64 {
	switch {
	case v != v:
		return nanKey
	case v == 0:
		return 1 << 63
	}
	b := math.Float64bits(v)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

// intKey maps an int64 to a uint64 with the same order.
func intKey(v int64) uint64 { return uint64(v) ^ 1<<63 }

// run ids: 16 bytes in keys, 32 lower-case hex characters outside.
type runID [16]byte

func (id runID) String() string { return hex.EncodeToString(id[:]) }

func parseRunID(s string) (runID, error) {
	var id runID
	if len(s) != 32 {
		return id, fmt.Errorf("%w: run id %s is not 32 hex characters", ErrInvalid, perr.Quote(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return id, fmt.Errorf("%w: run id %s is not 32 lower-case hex characters", ErrInvalid, perr.Quote(s))
		}
	}
	hex.Decode(id[:], []byte(s))
	return id, nil
}

// parseDigest checks a "sha256:<64 lower-case hex>" digest and returns its
// 32 raw bytes.
func parseDigest(s string) ([32]byte, error) {
	var sum [32]byte
	h, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(h) != 64 {
		return sum, fmt.Errorf("%w: digest %s is not sha256:<64 hex>", ErrInvalid, perr.Quote(s))
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return sum, fmt.Errorf("%w: digest %s is not lower-case hex", ErrInvalid, perr.Quote(s))
		}
	}
	hex.Decode(sum[:], []byte(h))
	return sum, nil
}

// u64 returns v as 8 big-endian bytes.
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
