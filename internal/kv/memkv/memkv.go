// Package memkv is the in-memory engine of the records contract
// (internal/kv): sorted slices behind one read-write lock. It is tune's
// default study store and the engine tests use where a file is beside the
// point. Nothing is kept after the process ends.
package memkv

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/cairn-ml/cairn/internal/kv"
)

// DB is an in-memory records store. Its zero value is not usable; use New.
// It is safe for concurrent use: views run in parallel, updates one at a
// time, each rolled back whole if its function fails or panics.
type DB struct {
	name string
	errs kv.Errors

	mu     sync.RWMutex
	root   *mbucket
	closed bool

	subMu sync.Mutex
	subs  map[string]map[*kv.Subscription]struct{}
}

var _ kv.DB = (*DB)(nil)

// New returns an empty store; name is its Location.
func New(name string, errs kv.Errors) *DB {
	return &DB{name: name, errs: errs, root: &mbucket{}, subs: map[string]map[*kv.Subscription]struct{}{}}
}

// mbucket is a bucket: entries sorted by key; an entry holds a value or a
// nested bucket.
type mbucket struct {
	entries []entry
	seq     uint64
}

type entry struct {
	key []byte
	val []byte   // nil for a nested bucket
	sub *mbucket // nil for a value
}

func (b *mbucket) find(key []byte) (int, bool) {
	return slices.BinarySearchFunc(b.entries, key, func(e entry, k []byte) int { return bytes.Compare(e.key, k) })
}

// Location implements kv.DB.
func (db *DB) Location() string { return db.name }

// View implements kv.DB.
func (db *DB) View(ctx context.Context, fn func(kv.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return db.errs.Wrap(kv.ErrClosed, db.name, nil)
	}
	return fn(&tx{db: db})
}

// Update implements kv.DB.
func (db *DB) Update(ctx context.Context, fn func(kv.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return db.errs.Wrap(kv.ErrClosed, db.name, nil)
	}
	t := &tx{db: db, write: true}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in a transaction: %v", r)
		}
		if err != nil {
			t.rollback()
			db.mu.Unlock()
			return
		}
		db.mu.Unlock()
		for _, f := range t.after {
			f()
		}
		db.notify(t.topics)
	}()
	return fn(t)
}

// Close implements kv.DB.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.closed = true
	return nil
}

// Subscribe implements kv.DB.
func (db *DB) Subscribe(topic string) (*kv.Subscription, error) {
	db.subMu.Lock()
	defer db.subMu.Unlock()
	var s *kv.Subscription
	s = kv.NewSubscription(func() {
		db.subMu.Lock()
		defer db.subMu.Unlock()
		delete(db.subs[topic], s)
	})
	if db.subs[topic] == nil {
		db.subs[topic] = map[*kv.Subscription]struct{}{}
	}
	db.subs[topic][s] = struct{}{}
	return s, nil
}

func (db *DB) notify(topics []string) {
	db.subMu.Lock()
	defer db.subMu.Unlock()
	for _, t := range topics {
		for s := range db.subs[t] {
			s.Wake()
		}
	}
}

// tx is a transaction; a writable one keeps an undo log.
type tx struct {
	db     *DB
	write  bool
	undo   []func()
	topics []string
	after  []func()
}

func (t *tx) rollback() {
	for _, u := range slices.Backward(t.undo) {
		u()
	}
}

func (t *tx) Bucket(name string) kv.Bucket {
	return (&bucket{t: t, b: t.db.root}).Bucket([]byte(name))
}

func (t *tx) CreateBucket(name string) (kv.Bucket, error) {
	return (&bucket{t: t, b: t.db.root}).CreateBucket([]byte(name))
}

func (t *tx) Writable() bool        { return t.write }
func (t *tx) Notify(topic string)   { t.topics = append(t.topics, topic) }
func (t *tx) AfterCommit(fn func()) { t.after = append(t.after, fn) }

type bucket struct {
	t *tx
	b *mbucket
}

var errReadOnly = fmt.Errorf("memkv: write in a read-only transaction")

func (b *bucket) check(key []byte) error {
	switch {
	case !b.t.write:
		return errReadOnly
	case len(key) == 0:
		return fmt.Errorf("memkv: empty key")
	case len(key) > kv.MaxKeySize:
		return fmt.Errorf("memkv: key of %d bytes", len(key))
	}
	return nil
}

func (b *bucket) Get(key []byte) []byte {
	i, ok := b.b.find(key)
	if !ok {
		return nil
	}
	return b.b.entries[i].val
}

func (b *bucket) Put(key, value []byte) error {
	if err := b.check(key); err != nil {
		return err
	}
	v := bytes.Clone(value)
	if v == nil {
		v = []byte{}
	}
	mb := b.b
	i, ok := mb.find(key)
	if ok {
		if mb.entries[i].sub != nil {
			return fmt.Errorf("memkv: key %q is a bucket", key)
		}
		old := mb.entries[i].val
		mb.entries[i].val = v
		b.t.undo = append(b.t.undo, func() { j, _ := mb.find(key); mb.entries[j].val = old })
		return nil
	}
	k := bytes.Clone(key)
	mb.entries = slices.Insert(mb.entries, i, entry{key: k, val: v})
	b.t.undo = append(b.t.undo, func() { j, _ := mb.find(k); mb.entries = slices.Delete(mb.entries, j, j+1) })
	return nil
}

func (b *bucket) Delete(key []byte) error {
	if !b.t.write {
		return errReadOnly
	}
	mb := b.b
	i, ok := mb.find(key)
	if !ok {
		return nil
	}
	if mb.entries[i].sub != nil {
		return fmt.Errorf("memkv: key %q is a bucket", key)
	}
	e := mb.entries[i]
	mb.entries = slices.Delete(mb.entries, i, i+1)
	b.t.undo = append(b.t.undo, func() { j, _ := mb.find(e.key); mb.entries = slices.Insert(mb.entries, j, e) })
	return nil
}

func (b *bucket) Cursor() kv.Cursor { return &cursor{b: b.b, i: -1} }

func (b *bucket) Bucket(name []byte) kv.Bucket {
	i, ok := b.b.find(name)
	if !ok || b.b.entries[i].sub == nil {
		return nil
	}
	return &bucket{t: b.t, b: b.b.entries[i].sub}
}

func (b *bucket) CreateBucket(name []byte) (kv.Bucket, error) {
	if err := b.check(name); err != nil {
		return nil, err
	}
	mb := b.b
	i, ok := mb.find(name)
	if ok {
		if mb.entries[i].sub == nil {
			return nil, fmt.Errorf("memkv: key %q is not a bucket", name)
		}
		return &bucket{t: b.t, b: mb.entries[i].sub}, nil
	}
	sub := &mbucket{}
	k := bytes.Clone(name)
	mb.entries = slices.Insert(mb.entries, i, entry{key: k, sub: sub})
	b.t.undo = append(b.t.undo, func() { j, _ := mb.find(k); mb.entries = slices.Delete(mb.entries, j, j+1) })
	return &bucket{t: b.t, b: sub}, nil
}

func (b *bucket) DeleteBucket(name []byte) error {
	if !b.t.write {
		return errReadOnly
	}
	mb := b.b
	i, ok := mb.find(name)
	if !ok {
		return nil
	}
	if mb.entries[i].sub == nil {
		return fmt.Errorf("memkv: key %q is not a bucket", name)
	}
	e := mb.entries[i]
	mb.entries = slices.Delete(mb.entries, i, i+1)
	b.t.undo = append(b.t.undo, func() { j, _ := mb.find(e.key); mb.entries = slices.Insert(mb.entries, j, e) })
	return nil
}

func (b *bucket) ForEachBucket(fn func(name []byte) error) error {
	for _, e := range b.b.entries {
		if e.sub != nil {
			if err := fn(e.key); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *bucket) NextSequence() (uint64, error) {
	if !b.t.write {
		return 0, errReadOnly
	}
	mb := b.b
	old := mb.seq
	mb.seq++
	b.t.undo = append(b.t.undo, func() { mb.seq = old })
	return mb.seq, nil
}

func (b *bucket) Sequence() uint64 { return b.b.seq }

// cursor walks the entries of a bucket, skipping nested buckets. It keeps
// its key to find its place again if the bucket changed.
type cursor struct {
	b *mbucket
	i int
}

func (c *cursor) at(step int) ([]byte, []byte) {
	for c.i >= 0 && c.i < len(c.b.entries) {
		if e := c.b.entries[c.i]; e.sub == nil {
			return e.key, e.val
		}
		c.i += step
	}
	return nil, nil
}

func (c *cursor) First() ([]byte, []byte) { c.i = 0; return c.at(1) }
func (c *cursor) Last() ([]byte, []byte)  { c.i = len(c.b.entries) - 1; return c.at(-1) }
func (c *cursor) Seek(k []byte) ([]byte, []byte) {
	c.i, _ = c.b.find(k)
	return c.at(1)
}
func (c *cursor) Next() ([]byte, []byte) {
	if c.i < len(c.b.entries) {
		c.i++
	}
	return c.at(1)
}
func (c *cursor) Prev() ([]byte, []byte) {
	if c.i >= 0 {
		c.i--
	}
	return c.at(-1)
}
