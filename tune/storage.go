package tune

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/cairn-ml/cairn/internal/codec"
	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/storage"
)

// Storage keeps the trials of many studies, each under its
// StudyConfig.Name, so that a study can be resumed and several processes
// can run one study at once. OpenStorage opens one on a records store (a
// bbolt file, which track's runs and the registry's models may share);
// NewMemoryStorage makes one that lives in the process, the default. A
// Storage is safe for concurrent use; Close it when done (studies opened
// on it must not be used after).
//
// The interface has unexported methods: the storages are this package's.
type Storage interface {
	// Studies returns the names of the studies kept, sorted.
	Studies(ctx context.Context) ([]string, error)
	// Trials returns the trials of a study, in number order, or an error
	// wrapping ErrNotFound if there is no such study.
	Trials(ctx context.Context, study string) ([]FrozenTrial, error)
	// Location names where the trials are: a path, or "memory:".
	Location() string
	// Close releases the storage.
	Close() error

	records() *records
}

// records is the Storage of this package: studies and trials in a records
// store, under the buckets "tune/...".
//
//	tune/meta     "schema" -> uint64 (1)
//	tune/studies  name -> studyRec
//	tune/trials   name 0x00 number(8) -> trialRec
//	tune/queue    name 0x00 seq(8) -> enqueued parameters
//
// Study names never hold a NUL byte, so 0x00 ends the name in a key.
type records struct {
	db     kv.DB
	shared bool // other processes may use it: trials send heartbeats
}

var _ Storage = (*records)(nil)

const (
	bucketStudies = "tune/studies"
	bucketTrials  = "tune/trials"
	bucketQueue   = "tune/queue"
)

var schema = storage.Schema{Namespace: "tune", Version: 1, Buckets: []string{bucketStudies, bucketTrials, bucketQueue}}

var errs = kv.Errors{Corrupt: ErrCorrupt, Closed: ErrClosed, NotFound: ErrNotFound, Invalid: ErrBadConfig, Locked: ErrLocked}

// OpenStorage opens (creating it if needed) the study storage at
// location: a path to a bbolt file, which may be the one track and the
// registry use (cairn-data/cairn.db), a PostgreSQL location
// ("postgres://user:password@host:5432/db?schema=cairn") shared by many
// machines, or "memory:" for one in the process. Several processes may open the same file and run one study at
// once; see # Storage in the package doc.
func OpenStorage(location string) (Storage, error) {
	ctx := context.Background()
	if location == "" {
		return nil, fmt.Errorf("%w: empty storage location", ErrBadConfig)
	}
	db, err := storage.OpenRecords(ctx, location, storage.RecordsOptions{Errors: errs, Timeout: 10 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("tune: open storage %s: %w", storage.Redact(location), err)
	}
	if err := db.Update(ctx, func(tx kv.Tx) error { return schema.Init(tx, ErrCorrupt) }); err != nil {
		db.Close()
		return nil, fmt.Errorf("tune: open storage %s: %w", storage.Redact(location), err)
	}
	return &records{db: db, shared: location != storage.Memory}, nil
}

// NewMemoryStorage returns an empty Storage that lives in the process.
func NewMemoryStorage() Storage {
	s, err := OpenStorage(storage.Memory)
	if err != nil {
		panic("tune: a memory storage cannot fail to open: " + err.Error())
	}
	return s
}

func (r *records) records() *records { return r }

// view and update run fn in a transaction, once the buckets are known to
// be there (a damaged file may have lost one).
func (r *records) view(ctx context.Context, fn func(kv.Tx) error) error {
	return r.db.View(ctx, func(tx kv.Tx) error {
		if err := checkBuckets(tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

func (r *records) update(ctx context.Context, fn func(kv.Tx) error) error {
	return r.db.Update(ctx, func(tx kv.Tx) error {
		if err := checkBuckets(tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

func checkBuckets(tx kv.Tx) error {
	for _, name := range schema.Buckets {
		if tx.Bucket(name) == nil {
			return fmt.Errorf("%w: no bucket %q", ErrCorrupt, name)
		}
	}
	return nil
}

// Location implements Storage.
func (r *records) Location() string { return r.db.Location() }

// Close implements Storage.
func (r *records) Close() error { return r.db.Close() }

// Studies implements Storage.
func (r *records) Studies(ctx context.Context) ([]string, error) {
	var out []string
	err := r.view(ctx, func(tx kv.Tx) error {
		c := tx.Bucket(bucketStudies).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			out = append(out, string(k))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tune: studies: %w", err)
	}
	return out, nil
}

// Trials implements Storage.
func (r *records) Trials(ctx context.Context, study string) ([]FrozenTrial, error) {
	var out []FrozenTrial
	err := r.view(ctx, func(tx kv.Tx) error {
		if tx.Bucket(bucketStudies).Get([]byte(study)) == nil {
			return fmt.Errorf("%w: study %q", ErrNotFound, study)
		}
		var err error
		out, err = trialsFrom(tx, study, 0)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tune: trials of %s: %w", study, err)
	}
	return out, nil
}

// trialKey returns name 0x00 number(8).
func trialKey(study string, n int) []byte {
	k := make([]byte, 0, len(study)+9)
	k = append(k, study...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, uint64(n))
}

func studyPrefix(study string) []byte { return append([]byte(study), 0) }

// trialsFrom returns the study's trials numbered from on, in order.
func trialsFrom(tx kv.Tx, study string, from int) ([]FrozenTrial, error) {
	var out []FrozenTrial
	prefix := studyPrefix(study)
	c := tx.Bucket(bucketTrials).Cursor()
	for k, v := c.Seek(trialKey(study, from)); k != nil && len(k) == len(prefix)+8 && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
		rec, err := decodeStored(v)
		if err != nil {
			return nil, err
		}
		if n := int(binary.BigEndian.Uint64(k[len(prefix):])); n != rec.ft.Number || n != from+len(out) {
			return nil, fmt.Errorf("%w: trial key %d holds trial %d (expected %d)", ErrCorrupt, n, rec.ft.Number, from+len(out))
		}
		out = append(out, rec.ft)
	}
	return out, nil
}

// studyRec is a study as stored: its direction, the next trial number,
// the next queue sequence.
type studyRec struct {
	direction Direction
	next      uint64 // trials numbered 0..next-1 exist
	queued    uint64 // the last queue sequence given out
	created   int64  // Unix nanoseconds
}

const recVersion = 1

func (s studyRec) encode() []byte {
	e := codec.NewEnc(recVersion, 32)
	e.Byte(byte(s.direction))
	e.Uvarint(s.next)
	e.Uvarint(s.queued)
	e.Varint(s.created)
	return e.Bytes()
}

func decodeStudy(b []byte) (studyRec, error) {
	d := codec.NewDec(b, recVersion)
	s := studyRec{direction: Direction(d.Byte()), next: d.Uvarint(), queued: d.Uvarint(), created: d.Varint()}
	if d.Err() == nil && s.direction != Minimize && s.direction != Maximize {
		d.Fail(fmt.Errorf("bad direction %d", s.direction))
	}
	return s, d.Finish(ErrCorrupt, "study")
}

// storedTrial is a trial as stored: its record, who runs it and when it
// last said it was alive.
type storedTrial struct {
	ft        FrozenTrial
	owner     string // the worker that runs it ("" once finished)
	heartbeat int64  // Unix nanoseconds
}

// Error codes: a stored trial's error keeps its sentinel by code.
const (
	codeNone byte = iota
	codeOther
	codePruned
	codePanic
	codeBadValue
	codeInterrupted
	codeBadParam
	codeParamConflict
	codeStale
)

var codeErrors = [...]error{codePruned: ErrPruned, codePanic: ErrPanic, codeBadValue: ErrBadValue,
	codeInterrupted: ErrInterrupted, codeBadParam: ErrBadParam, codeParamConflict: ErrParamConflict, codeStale: ErrInterrupted}

// errorCode returns the code of a trial's error.
func errorCode(err error) byte {
	if err == nil {
		return codeNone
	}
	var se *storedErrorT
	if errors.As(err, &se) {
		return se.code
	}
	for c, s := range codeErrors {
		if s != nil && byte(c) != codeStale && errors.Is(err, s) {
			return byte(c)
		}
	}
	return codeOther
}

func (s storedTrial) encode() ([]byte, error) {
	t := s.ft
	e := codec.NewEnc(recVersion, 128)
	e.Uvarint(uint64(t.Number))
	e.Byte(byte(t.State))
	e.Float(t.Value)
	e.Varint(unixNano(t.Start))
	e.Varint(unixNano(t.End))
	e.Str(s.owner)
	e.Varint(s.heartbeat)
	e.Byte(errorCode(t.Err))
	msg := ""
	if t.Err != nil {
		msg = t.Err.Error()
	}
	e.Str(msg)
	e.StrMap(t.UserAttrs)
	steps := sortedSteps(t.Intermediate)
	e.Uvarint(uint64(len(steps)))
	for _, st := range steps {
		e.Varint(int64(st))
		e.Float(t.Intermediate[st])
	}
	names := sortedNames(t.Params)
	e.Uvarint(uint64(len(names)))
	for _, name := range names {
		d, ok := t.Distributions[name]
		if !ok {
			return nil, fmt.Errorf("tune: encode trial %d: parameter %q has no distribution", t.Number, name)
		}
		x, ok := d.Internal(t.Params[name])
		if !ok {
			return nil, fmt.Errorf("tune: encode trial %d: parameter %q = %v is not in %v", t.Number, name, t.Params[name], d)
		}
		e.Str(name)
		encodeDist(e, d)
		e.Float(x)
	}
	return e.Bytes(), nil
}

func encodeDist(e *codec.Enc, d Distribution) {
	e.Byte(byte(d.Kind))
	e.Float(d.Low)
	e.Float(d.High)
	e.Float(d.Step)
	e.Bool(d.Log)
	e.Uvarint(uint64(len(d.Choices)))
	for _, c := range d.Choices {
		e.Str(c)
	}
}

func decodeDist(d *codec.Dec) Distribution {
	dist := Distribution{Kind: Kind(d.Byte()), Low: d.Float(), High: d.Float(), Step: d.Float(), Log: d.Bool()}
	n := d.Count(1)
	for range n {
		dist.Choices = append(dist.Choices, d.Str())
	}
	if d.Err() != nil {
		return dist
	}
	if dist.Kind > CategoricalKind {
		d.Fail(fmt.Errorf("bad distribution kind %d", dist.Kind))
		return dist
	}
	if nd, err := dist.normalize(); err != nil || !nd.Equal(dist) {
		d.Fail(fmt.Errorf("bad distribution %v", dist))
	}
	return dist
}

func decodeStored(b []byte) (storedTrial, error) {
	d := codec.NewDec(b, recVersion)
	var s storedTrial
	t := &s.ft
	t.Number = int(d.Uvarint())
	t.State = TrialState(d.Byte())
	t.Value = d.Float()
	t.Start = fromUnixNano(d.Varint())
	t.End = fromUnixNano(d.Varint())
	s.owner = d.Str()
	s.heartbeat = d.Varint()
	code := d.Byte()
	msg := d.Str()
	t.UserAttrs = d.StrMap()
	if t.UserAttrs == nil {
		t.UserAttrs = map[string]string{}
	}
	t.Intermediate = map[int]float64{}
	prev := int64(math.MinInt64)
	for i, n := 0, d.Count(9); i < n && d.Err() == nil; i++ {
		step, v := d.Varint(), d.Float()
		if step <= prev && i > 0 || step < 0 || step > math.MaxInt32 {
			d.Fail(fmt.Errorf("bad step %d", step))
		}
		prev = step
		t.Intermediate[int(step)] = v
	}
	t.Params, t.Distributions = Params{}, map[string]Distribution{}
	prevName := ""
	for i, n := 0, d.Count(10); i < n && d.Err() == nil; i++ {
		name := d.Str()
		dist := decodeDist(&d)
		x := d.Float()
		if d.Err() != nil {
			break
		}
		if name == "" || i > 0 && name <= prevName {
			d.Fail(fmt.Errorf("parameter names out of order at %q", name))
			break
		}
		prevName = name
		if !dist.Contains(x) {
			d.Fail(fmt.Errorf("parameter %q: %v is not in %v", name, x, dist))
			break
		}
		t.Params[name] = dist.External(x)
		t.Distributions[name] = dist
	}
	if d.Err() == nil {
		switch {
		case t.State > Failed:
			d.Fail(fmt.Errorf("bad state %d", t.State))
		case t.State == Complete && math.IsNaN(t.Value):
			d.Fail(errors.New("complete trial with a NaN value"))
		case int(code) >= len(codeErrors) && code != codeOther:
			d.Fail(fmt.Errorf("bad error code %d", code))
		case (code == codeNone) != (msg == ""):
			d.Fail(errors.New("error code and message disagree"))
		}
	}
	if err := d.Finish(ErrCorrupt, "trial"); err != nil {
		return storedTrial{}, err
	}
	if code != codeNone {
		var sentinel error
		if int(code) < len(codeErrors) {
			sentinel = codeErrors[code]
		}
		t.Err = &storedErrorT{msg: msg, sentinel: sentinel, code: code}
	}
	return s, nil
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// queued parameters, as stored in tune/queue.
func encodeQueued(p Params) []byte {
	e := codec.NewEnc(recVersion, 64)
	names := sortedNames(p)
	e.Uvarint(uint64(len(names)))
	for _, name := range names {
		e.Str(name)
		switch v := p[name].(type) {
		case string:
			e.Byte(1)
			e.Str(v)
		default:
			x, _ := toFloat(v)
			e.Byte(0)
			e.Float(x)
		}
	}
	return e.Bytes()
}

func decodeQueued(b []byte) (Params, error) {
	d := codec.NewDec(b, recVersion)
	p := Params{}
	for i, n := 0, d.Count(2); i < n && d.Err() == nil; i++ {
		name := d.Str()
		switch d.Byte() {
		case 0:
			p[name] = d.Float()
		case 1:
			p[name] = d.Str()
		default:
			d.Fail(errors.New("bad queued value kind"))
		}
	}
	return p, d.Finish(ErrCorrupt, "queued trial")
}
