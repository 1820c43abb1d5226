// Package codec is the record codec of cairn's stores: a small, canonical
// binary format. A record is a version byte, then its fields in a fixed
// order: integers as minimal varints, strings as a uvarint length and
// UTF-8 bytes without NUL, floats as 8 big-endian IEEE-754 bytes, maps as
// a count and their entries in increasing key order. Decoding is strict:
// short input, trailing bytes, over-long varints, unsorted or repeated
// keys, bad booleans and invalid strings are errors, so a record that
// decodes encodes back to the same bytes. Each package fuzzes its
// decoders for that.
package codec

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"unicode/utf8"
)

// Enc appends the fields of a record.
type Enc struct{ b []byte }

// NewEnc starts a record of the given version, with room for n bytes.
func NewEnc(version byte, n int) *Enc {
	e := &Enc{b: make([]byte, 0, n)}
	e.b = append(e.b, version)
	return e
}

// Bytes returns the record.
func (e *Enc) Bytes() []byte { return e.b }

func (e *Enc) Byte(v byte)       { e.b = append(e.b, v) }
func (e *Enc) Uvarint(v uint64)  { e.b = binary.AppendUvarint(e.b, v) }
func (e *Enc) Varint(v int64)    { e.b = binary.AppendVarint(e.b, v) }
func (e *Enc) Float(v float64)   { e.b = binary.BigEndian.AppendUint64(e.b, math.Float64bits(v)) }
func (e *Enc) Fixed(v []byte)    { e.b = append(e.b, v...) }
func (e *Enc) Str(s string)      { e.Uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *Enc) LenBytes(v []byte) { e.Uvarint(uint64(len(v))); e.b = append(e.b, v...) }

func (e *Enc) Bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// StrMap writes a string map in key order.
func (e *Enc) StrMap(m map[string]string) {
	e.Uvarint(uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		e.Str(k)
		e.Str(m[k])
	}
}

// FloatMap writes a float map in key order.
func (e *Enc) FloatMap(m map[string]float64) {
	e.Uvarint(uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		e.Str(k)
		e.Float(m[k])
	}
}

// ErrShort reports a record that ends too soon.
var ErrShort = errors.New("record too short")

// Dec reads the fields of a record. After the first error every read
// returns a zero value; Finish reports the error.
type Dec struct {
	b   []byte
	err error
}

// NewDec starts reading record b, which must be of version. It returns a
// Dec, not a pointer, so that a decoder in a loop allocates nothing for
// it: keep it in a variable and call its methods.
func NewDec(b []byte, version byte) Dec {
	d := Dec{b: b}
	if v := d.Byte(); d.err == nil && v != version {
		d.err = fmt.Errorf("record version %d, want %d", v, version)
	}
	return d
}

// Fail records err as the decoding error unless there is one already.
func (d *Dec) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// Err returns the first decoding error.
func (d *Dec) Err() error { return d.err }

// Len returns the number of bytes left.
func (d *Dec) Len() int { return len(d.b) }

func (d *Dec) Byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.Fail(ErrShort)
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *Dec) Uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	switch {
	case n == 0:
		d.Fail(ErrShort)
		return 0
	case n < 0 || n != uvarintLen(v):
		d.Fail(errors.New("bad varint"))
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *Dec) Varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	switch {
	case n == 0:
		d.Fail(ErrShort)
		return 0
	case n < 0 || n != uvarintLen(uint64(v<<1)^uint64(v>>63)):
		d.Fail(errors.New("bad varint"))
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

func (d *Dec) Float() float64 {
	b := d.Fixed(8)
	if b == nil {
		return 0
	}
	return math.Float64frombits(binary.BigEndian.Uint64(b))
}

// Fixed reads n raw bytes (aliasing the record).
func (d *Dec) Fixed(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.Fail(ErrShort)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// LenBytes reads a length and that many raw bytes (aliasing the record).
func (d *Dec) LenBytes() []byte {
	n := d.Uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.Fail(ErrShort)
		return nil
	}
	return d.Fixed(int(n))
}

// Str reads a string: valid UTF-8 without NUL.
func (d *Dec) Str() string {
	return string(d.Text())
}

// Text reads a string field as Str does, checked the same way, but
// returns its bytes without a copy: they are the record's, valid as long
// as the record's memory is.
func (d *Dec) Text() []byte {
	b := d.LenBytes()
	if d.err != nil {
		return nil
	}
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		d.Fail(errors.New("string is not valid text"))
		return nil
	}
	return b
}

func (d *Dec) Bool() bool {
	switch v := d.Byte(); v {
	case 0:
		return false
	case 1:
		return true
	default:
		d.Fail(fmt.Errorf("bad boolean %d", v))
		return false
	}
}

// Count reads a map or list length whose entries take at least min
// bytes each, refusing lengths the rest of the record cannot hold.
func (d *Dec) Count(min int) int {
	n := d.Uvarint()
	if d.err == nil && n > uint64(len(d.b)/min) {
		d.Fail(ErrShort)
		return 0
	}
	return int(n)
}

// StrMap reads a string map written by Enc.StrMap; an empty map is nil.
func (d *Dec) StrMap() map[string]string {
	n := d.Count(2)
	if n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	prev := ""
	for i := range n {
		k := d.Str()
		v := d.Str()
		if !d.key(i, k, prev) {
			return nil
		}
		m[k], prev = v, k
	}
	return m
}

// FloatMap reads a float map written by Enc.FloatMap; an empty map is
// nil.
func (d *Dec) FloatMap() map[string]float64 {
	n := d.Count(9)
	if n == 0 {
		return nil
	}
	m := make(map[string]float64, n)
	prev := ""
	for i := range n {
		k := d.Str()
		v := d.Float()
		if !d.key(i, k, prev) {
			return nil
		}
		m[k], prev = v, k
	}
	return m
}

// key reports whether the i'th key k of a map, after prev, was read well
// and in order. (The two map readers loop on their own: a value reader
// passed as a function would make every Dec escape to the heap.)
func (d *Dec) key(i int, k, prev string) bool {
	if d.err != nil {
		return false
	}
	if i > 0 && cmp.Compare(k, prev) <= 0 {
		d.Fail(errors.New("map keys out of order"))
		return false
	}
	return true
}

// Finish returns nil if the record was read whole and well, or an error
// wrapping corrupt that names the record: "<corrupt>: <what> record:
// <why>".
func (d *Dec) Finish(corrupt error, what string) error {
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return fmt.Errorf("%w: %s record: %w", corrupt, what, d.err)
	}
	return nil
}
