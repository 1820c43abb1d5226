package track

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Records are stored in a small binary format: a version byte, then the
// fields in a fixed order, integers as varints, strings as a uvarint length
// and the bytes, floats as 8 big-endian IEEE-754 bytes. Decoders reject
// anything else (short input, trailing bytes, bad enums, invalid strings)
// with an error wrapping ErrCorrupt; FuzzDecode checks them.

const recVersion = 1

// errShort is the decoding error for input that ends too soon.
var errShort = errors.New("record too short")

type enc struct{ b []byte }

func newEnc(n int) *enc {
	e := &enc{b: make([]byte, 0, n)}
	e.byte1(recVersion)
	return e
}

func (e *enc) byte1(v byte)     { e.b = append(e.b, v) }
func (e *enc) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) float(v float64)  { e.b = binary.BigEndian.AppendUint64(e.b, math.Float64bits(v)) }
func (e *enc) done() []byte     { return e.b }

func (e *enc) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *enc) boolean(v bool) {
	if v {
		e.byte1(1)
	} else {
		e.byte1(0)
	}
}

type dec struct {
	b   []byte
	err error
}

func newDec(b []byte) dec {
	d := dec{b: b}
	if v := d.byte1(); d.err == nil && v != recVersion {
		d.err = errVersion
	}
	return d
}

var errVersion = fmt.Errorf("unknown record version (this package writes %d)", recVersion)

func (d *dec) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *dec) byte1() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.fail(errShort)
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *dec) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errors.New("bad uvarint"))
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errors.New("bad varint"))
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) float() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.fail(errShort)
		return 0
	}
	v := math.Float64frombits(binary.BigEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *dec) raw() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail(errShort)
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) str() string {
	v := d.raw()
	if d.err == nil && !utf8.Valid(v) {
		d.fail(errors.New("string is not UTF-8"))
	}
	return string(v)
}

func (d *dec) boolean() bool {
	switch d.byte1() {
	case 0:
		return false
	case 1:
		return true
	default:
		d.fail(errors.New("bad bool"))
		return false
	}
}

// end returns the first decoding error, or an error if bytes are left.
func (d *dec) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	return d.err
}

// finish is end for a stored record: its error wraps ErrCorrupt.
func (d *dec) finish(what string) error {
	if err := d.end(); err != nil {
		return fmt.Errorf("%w: %s record: %w", ErrCorrupt, what, err)
	}
	return nil
}

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
}

func (r runRec) encode() []byte {
	e := newEnc(32 + len(r.name) + len(r.parent))
	e.uvarint(r.exp)
	e.str(r.name)
	e.str(r.parent)
	e.byte1(byte(r.status))
	e.varint(r.start)
	e.varint(r.end)
	e.boolean(r.deleted)
	e.varint(r.deletedAt)
	return e.done()
}

func decodeRun(b []byte) (runRec, error) {
	d := newDec(b)
	var r runRec
	r.exp = d.uvarint()
	r.name = d.str()
	r.parent = d.str()
	r.status = Status(d.byte1())
	r.start = d.varint()
	r.end = d.varint()
	r.deleted = d.boolean()
	r.deletedAt = d.varint()
	if d.err == nil && !r.status.valid() {
		d.fail(fmt.Errorf("bad status %d", r.status))
	}
	if d.err == nil && r.parent != "" {
		if _, err := parseRunID(r.parent); err != nil {
			d.fail(errors.New("bad parent run id"))
		}
	}
	return r, d.finish("run")
}

// expRec is the stored form of an experiment (bucket track/experiments).
type expRec struct {
	name    string
	created int64  // Unix milliseconds
	runs    uint64 // runs ever created in it (purged ones included)
}

func (x expRec) encode() []byte {
	e := newEnc(16 + len(x.name))
	e.str(x.name)
	e.varint(x.created)
	e.uvarint(x.runs)
	return e.done()
}

func decodeExperiment(b []byte) (expRec, error) {
	d := newDec(b)
	var x expRec
	x.name = d.str()
	x.created = d.varint()
	x.runs = d.uvarint()
	return x, d.finish("experiment")
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
	e.float(m.value)
	e.varint(m.time)
	e.varint(m.step)
	return e.done()
}

func decodeMetric(b []byte) (metricRec, error) {
	d := newDec(b)
	var m metricRec
	m.value = d.float()
	m.time = d.varint()
	m.step = d.varint()
	return m, d.finish("metric")
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

func (in Input) encode() []byte {
	e := newEnc(8 + len(in.Name) + len(in.Version) + len(in.Digest) + len(in.Source) + len(in.Context))
	e.str(in.Name)
	e.str(in.Version)
	e.str(in.Digest)
	e.str(in.Source)
	e.str(in.Context)
	return e.done()
}

func decodeInput(b []byte) (Input, error) {
	d := newDec(b)
	var in Input
	in.Name = d.str()
	in.Version = d.str()
	in.Digest = d.str()
	in.Source = d.str()
	in.Context = d.str()
	return in, d.finish("input")
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
	e.str(a.digest)
	e.varint(a.size)
	e.varint(a.time)
	return e.done()
}

func decodeArtifact(b []byte) (artRec, error) {
	d := newDec(b)
	var a artRec
	a.digest = d.str()
	a.size = d.varint()
	a.time = d.varint()
	if d.err == nil {
		if _, err := parseDigest(a.digest); err != nil {
			d.fail(errors.New("bad digest"))
		}
		if a.size < 0 {
			d.fail(errors.New("negative size"))
		}
	}
	return a, d.finish("artifact")
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
		return id, fmt.Errorf("%w: run id %q is not 32 hex characters", ErrInvalid, s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return id, fmt.Errorf("%w: run id %q is not 32 lower-case hex characters", ErrInvalid, s)
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
		return sum, fmt.Errorf("%w: digest %q is not sha256:<64 hex>", ErrInvalid, s)
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return sum, fmt.Errorf("%w: digest %q is not lower-case hex", ErrInvalid, s)
		}
	}
	hex.Decode(sum[:], []byte(h))
	return sum, nil
}

// u64 returns v as 8 big-endian bytes.
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
