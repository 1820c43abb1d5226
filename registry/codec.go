package registry

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Records are stored in a small binary format: a version byte, then the
// fields in a fixed order; integers as minimal varints, strings as a
// uvarint length and UTF-8 bytes, floats as 8 big-endian IEEE-754 bytes,
// maps as a count and their entries in increasing key order. The encoding
// is canonical: decoders reject anything else (short input, trailing
// bytes, over-long varints, unsorted or repeated keys, bad enums, invalid
// UTF-8) with an error wrapping ErrCorrupt, so a record that decodes
// encodes back to the same bytes; FuzzDecode checks this.

const recVersion = 1

var errShort = errors.New("record too short")

type enc struct{ b []byte }

func newEnc(n int) *enc {
	e := &enc{b: make([]byte, 0, n)}
	e.b = append(e.b, recVersion)
	return e
}

func (e *enc) byte1(v byte)     { e.b = append(e.b, v) }
func (e *enc) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) float(v float64)  { e.b = binary.BigEndian.AppendUint64(e.b, math.Float64bits(v)) }
func (e *enc) raw(v []byte)     { e.b = append(e.b, v...) }

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

func (e *enc) strMap(m map[string]string) {
	e.uvarint(uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		e.str(k)
		e.str(m[k])
	}
}

func (e *enc) floatMap(m map[string]float64) {
	e.uvarint(uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		e.str(k)
		e.float(m[k])
	}
}

type dec struct {
	b   []byte
	err error
}

func newDec(b []byte) *dec {
	d := &dec{b: b}
	if v := d.byte1(); d.err == nil && v != recVersion {
		d.err = fmt.Errorf("record version %d, want %d", v, recVersion)
	}
	return d
}

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
	switch {
	case n == 0:
		d.fail(errShort)
		return 0
	case n < 0 || n != uvarintLen(v):
		d.fail(errors.New("bad varint"))
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
	switch {
	case n == 0:
		d.fail(errShort)
		return 0
	case n < 0 || n != uvarintLen(zigzag(v)):
		d.fail(errors.New("bad varint"))
		return 0
	}
	d.b = d.b[n:]
	return v
}

// uvarintLen returns the length of the minimal uvarint encoding of v.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// zigzag maps a signed value to the unsigned one its varint encodes.
func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

func (d *dec) float() float64 {
	b := d.raw(8)
	if b == nil {
		return 0
	}
	return math.Float64frombits(binary.BigEndian.Uint64(b))
}

func (d *dec) raw(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.fail(errShort)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.fail(errShort)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		d.fail(errors.New("string is not valid text"))
		return ""
	}
	return s
}

func (d *dec) boolean() bool {
	switch v := d.byte1(); v {
	case 0:
		return false
	case 1:
		return true
	default:
		d.fail(fmt.Errorf("bad boolean %d", v))
		return false
	}
}

// count reads a map or list length, each entry taking at least min bytes.
func (d *dec) count(min int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)/min) {
		d.fail(errShort)
		return 0
	}
	return int(n)
}

func (d *dec) strMap() map[string]string {
	n := d.count(2)
	if n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	prev := ""
	for i := range n {
		k := d.str()
		v := d.str()
		if d.err != nil {
			return nil
		}
		if i > 0 && cmp.Compare(k, prev) <= 0 {
			d.fail(errors.New("map keys out of order"))
			return nil
		}
		m[k], prev = v, k
	}
	return m
}

func (d *dec) floatMap() map[string]float64 {
	n := d.count(9)
	if n == 0 {
		return nil
	}
	m := make(map[string]float64, n)
	prev := ""
	for i := range n {
		k := d.str()
		v := d.float()
		if d.err != nil {
			return nil
		}
		if i > 0 && cmp.Compare(k, prev) <= 0 {
			d.fail(errors.New("map keys out of order"))
			return nil
		}
		m[k], prev = v, k
	}
	return m
}

// finish returns the decoding error, if any, wrapped in ErrCorrupt.
func (d *dec) finish(what string) error {
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return fmt.Errorf("%w: %s record: %w", ErrCorrupt, what, d.err)
	}
	return nil
}

// modelRec is a registered model as stored (the name is the key).
type modelRec struct {
	description string
	tags        map[string]string
	created     int64 // Unix milliseconds
	updated     int64
	createdBy   string
	last        uint64 // the highest version number given out
}

func (m *modelRec) encode() []byte {
	e := newEnc(32 + len(m.description))
	e.str(m.description)
	e.strMap(m.tags)
	e.varint(m.created)
	e.varint(m.updated)
	e.str(m.createdBy)
	e.uvarint(m.last)
	return e.b
}

func decodeModel(b []byte) (modelRec, error) {
	d := newDec(b)
	m := modelRec{
		description: d.str(),
		tags:        d.strMap(),
		created:     d.varint(),
		updated:     d.varint(),
		createdBy:   d.str(),
		last:        d.uvarint(),
	}
	return m, d.finish("model")
}

// versionRec is a model version as stored (name and number are the key).
type versionRec struct {
	sum         [32]byte
	size        uint64
	format      string
	runID       string
	dataset     []byte // 32 bytes of a sha256, or nil
	metrics     map[string]float64
	tags        map[string]string
	description string
	created     int64
	createdBy   string
	archived    bool
	updated     int64
}

func (v *versionRec) encode() []byte {
	e := newEnc(128 + len(v.description))
	e.raw(v.sum[:])
	e.uvarint(v.size)
	e.str(v.format)
	e.str(v.runID)
	e.boolean(v.dataset != nil)
	e.raw(v.dataset)
	e.floatMap(v.metrics)
	e.strMap(v.tags)
	e.str(v.description)
	e.varint(v.created)
	e.str(v.createdBy)
	e.boolean(v.archived)
	e.varint(v.updated)
	return e.b
}

func decodeVersion(b []byte) (versionRec, error) {
	d := newDec(b)
	var v versionRec
	copy(v.sum[:], d.raw(32))
	v.size = d.uvarint()
	v.format = d.str()
	v.runID = d.str()
	if d.boolean() {
		v.dataset = bytes.Clone(d.raw(32)) // the input is bbolt's memory
	}
	v.metrics = d.floatMap()
	v.tags = d.strMap()
	v.description = d.str()
	v.created = d.varint()
	v.createdBy = d.str()
	v.archived = d.boolean()
	v.updated = d.varint()
	return v, d.finish("version")
}

// eventRec is one move of an alias as stored (name, alias and sequence
// number are the key).
type eventRec struct {
	kind     EventKind
	from, to uint64
	by       string
	reason   string
	at       int64
	undoes   uint64
}

func (ev *eventRec) encode() []byte {
	e := newEnc(32 + len(ev.by) + len(ev.reason))
	e.byte1(byte(ev.kind))
	e.uvarint(ev.from)
	e.uvarint(ev.to)
	e.str(ev.by)
	e.str(ev.reason)
	e.varint(ev.at)
	e.uvarint(ev.undoes)
	return e.b
}

func decodeEvent(b []byte) (eventRec, error) {
	d := newDec(b)
	ev := eventRec{kind: EventKind(d.byte1())}
	if d.err == nil && (ev.kind < AliasSet || ev.kind > AliasRolledBack) {
		d.fail(fmt.Errorf("bad event kind %d", ev.kind))
	}
	ev.from = d.uvarint()
	ev.to = d.uvarint()
	ev.by = d.str()
	ev.reason = d.str()
	ev.at = d.varint()
	ev.undoes = d.uvarint()
	return ev, d.finish("alias event")
}

// aliasVal is the value of an alias: the version it points at and the
// sequence number of the event that put it there, 8 bytes each.
type aliasVal struct{ version, seq uint64 }

func (a aliasVal) encode() []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 16), a.version)
	return binary.BigEndian.AppendUint64(b, a.seq)
}

func decodeAlias(b []byte) (aliasVal, error) {
	if len(b) != 16 {
		return aliasVal{}, fmt.Errorf("%w: alias record is %d bytes, want 16", ErrCorrupt, len(b))
	}
	a := aliasVal{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}
	if a.version == 0 || a.version > MaxVersion || a.seq == 0 {
		return aliasVal{}, fmt.Errorf("%w: alias record points at version %d, event %d", ErrCorrupt, a.version, a.seq)
	}
	return a, nil
}
