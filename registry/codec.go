package registry

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/cairn-ml/cairn/internal/codec"
)

// Records are stored in internal/codec's canonical binary format: a
// version byte, then the fields in a fixed order. Decoders reject
// anything else with an error wrapping ErrCorrupt, so a record that
// decodes encodes back to the same bytes; FuzzDecode checks this.

const recVersion = 1

func newEnc(n int) *codec.Enc { return codec.NewEnc(recVersion, n) }

func newDec(b []byte) codec.Dec { return codec.NewDec(b, recVersion) }

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
	e.Str(m.description)
	e.StrMap(m.tags)
	e.Varint(m.created)
	e.Varint(m.updated)
	e.Str(m.createdBy)
	e.Uvarint(m.last)
	return e.Bytes()
}

func decodeModel(b []byte) (modelRec, error) {
	d := newDec(b)
	m := modelRec{
		description: d.Str(),
		tags:        d.StrMap(),
		created:     d.Varint(),
		updated:     d.Varint(),
		createdBy:   d.Str(),
		last:        d.Uvarint(),
	}
	return m, d.Finish(ErrCorrupt, "model")
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
	// source and runLink were added later: a record with both empty ends
	// after updated (so records written before them still decode, and the
	// encoding stays canonical).
	source  string
	runLink string
}

func (v *versionRec) encode() []byte {
	e := newEnc(128 + len(v.description))
	e.Fixed(v.sum[:])
	e.Uvarint(v.size)
	e.Str(v.format)
	e.Str(v.runID)
	e.Bool(v.dataset != nil)
	e.Fixed(v.dataset)
	e.FloatMap(v.metrics)
	e.StrMap(v.tags)
	e.Str(v.description)
	e.Varint(v.created)
	e.Str(v.createdBy)
	e.Bool(v.archived)
	e.Varint(v.updated)
	if v.source != "" || v.runLink != "" {
		e.Str(v.source)
		e.Str(v.runLink)
	}
	return e.Bytes()
}

func decodeVersion(b []byte) (versionRec, error) {
	d := newDec(b)
	var v versionRec
	copy(v.sum[:], d.Fixed(32))
	v.size = d.Uvarint()
	v.format = d.Str()
	v.runID = d.Str()
	if d.Bool() {
		v.dataset = bytes.Clone(d.Fixed(32)) // the input is bbolt's memory
	}
	v.metrics = d.FloatMap()
	v.tags = d.StrMap()
	v.description = d.Str()
	v.created = d.Varint()
	v.createdBy = d.Str()
	v.archived = d.Bool()
	v.updated = d.Varint()
	if d.Err() == nil && d.Len() > 0 {
		v.source = d.Str()
		v.runLink = d.Str()
		if d.Err() == nil && v.source == "" && v.runLink == "" {
			d.Fail(fmt.Errorf("empty source and run link written out"))
		}
	}
	return v, d.Finish(ErrCorrupt, "version")
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
	e.Byte(byte(ev.kind))
	e.Uvarint(ev.from)
	e.Uvarint(ev.to)
	e.Str(ev.by)
	e.Str(ev.reason)
	e.Varint(ev.at)
	e.Uvarint(ev.undoes)
	return e.Bytes()
}

func decodeEvent(b []byte) (eventRec, error) {
	d := newDec(b)
	ev := eventRec{kind: EventKind(d.Byte())}
	if d.Err() == nil && (ev.kind < AliasSet || ev.kind > AliasRolledBack) {
		d.Fail(fmt.Errorf("bad event kind %d", ev.kind))
	}
	ev.from = d.Uvarint()
	ev.to = d.Uvarint()
	ev.by = d.Str()
	ev.reason = d.Str()
	ev.at = d.Varint()
	ev.undoes = d.Uvarint()
	return ev, d.Finish(ErrCorrupt, "alias event")
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
