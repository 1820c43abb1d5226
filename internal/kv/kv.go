// Package kv is the records contract of cairn's storage core: an ordered,
// transactional key-value store with named buckets, cursors, sequences and
// change notification, on bbolt's model. dataset's version index, track,
// registry and tune's trials are written once against it and never see
// which engine runs under them.
//
// # Engines
//
// An engine implements DB. internal/kv/boltkv keeps the records in one
// bbolt file (the embedded default); internal/kv/memkv keeps them in memory
// (tune's default study store, and tests). Open in internal/storage picks
// the engine from a location string.
//
// # Transactions
//
// View runs a read-only transaction, Update a read-write one that commits
// if its function returns nil. Keys and values a transaction returns are
// valid only until it ends; copy what must outlive it. An engine may run an
// update function more than once (a shared engine retries a serialisation
// conflict), so it must have no effect outside its transaction: work that
// must follow a commit (deleting files, waking watchers) goes through
// Tx.AfterCommit, which runs only for the attempt that committed.
//
// # Change notification
//
// An update may Notify a topic; Subscribe delivers a wake-up on that
// topic after the commit. Deliveries are hints, coalesced and possibly
// spurious (an engine that cannot tell topics apart wakes every
// subscriber on any change): a subscriber re-reads the state it follows.
//
// # Errors
//
// An engine reports its failures wrapped in the caller's sentinels (see
// Errors), so track's calls fail with track.ErrCorrupt and registry's with
// registry.ErrCorrupt, whichever engine runs.
package kv

import (
	"context"
	"errors"

	"github.com/cairn-ml/cairn/internal/perr"
)

// DB is a records store. Implementations are safe for concurrent use.
type DB interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction, committed if fn returns
	// nil and rolled back otherwise. fn may run more than once.
	Update(ctx context.Context, fn func(Tx) error) error
	// Subscribe returns a subscription to a topic (see Tx.Notify).
	Subscribe(topic string) (*Subscription, error)
	// Location names the store for messages ("cairn-data/cairn.db").
	Location() string
	// Close waits for the calls in flight, then releases the store; later
	// calls fail with the Closed sentinel.
	Close() error
}

// Tx is a transaction.
type Tx interface {
	// Bucket returns the top-level bucket name, or nil if it does not
	// exist.
	Bucket(name string) Bucket
	// CreateBucket returns the top-level bucket name, creating it if it
	// does not exist. Only in a writable transaction.
	CreateBucket(name string) (Bucket, error)
	// Writable reports whether the transaction may write.
	Writable() bool
	// Notify wakes the topic's subscribers after the transaction commits.
	Notify(topic string)
	// AfterCommit runs fn after the transaction commits (not if it rolls
	// back, and only for the attempt that committed), before Update
	// returns.
	AfterCommit(fn func())
}

// Bucket is an ordered set of keys and values. Keys are non-empty byte
// strings of at most MaxKeySize bytes, ordered bytewise.
type Bucket interface {
	// Get returns the value of key, or nil if it is not set. A set key
	// with an empty value returns a non-nil empty slice.
	Get(key []byte) []byte
	// Put sets key to value.
	Put(key, value []byte) error
	// Delete removes key; removing a missing key is not an error.
	Delete(key []byte) error
	// Cursor returns a cursor over the bucket. Do not change the bucket
	// while a cursor of it is in use.
	Cursor() Cursor
	// Bucket returns the nested bucket name, or nil.
	Bucket(name []byte) Bucket
	// CreateBucket returns the nested bucket name, creating it if needed.
	CreateBucket(name []byte) (Bucket, error)
	// DeleteBucket removes the nested bucket name and all it holds;
	// removing a missing bucket is not an error.
	DeleteBucket(name []byte) error
	// ForEachBucket calls fn with the name of each nested bucket, in
	// order.
	ForEachBucket(fn func(name []byte) error) error
	// NextSequence increments the bucket's sequence and returns it; the
	// first call returns 1.
	NextSequence() (uint64, error)
	// Sequence returns the bucket's sequence.
	Sequence() uint64
}

// Cursor walks a bucket in key order. The methods return a nil key at
// either end. Keys of nested buckets are skipped.
type Cursor interface {
	First() (k, v []byte)
	Last() (k, v []byte)
	// Seek moves to the first key at or after seek.
	Seek(seek []byte) (k, v []byte)
	Next() (k, v []byte)
	Prev() (k, v []byte)
}

// FillPercenter is an optional interface of a Bucket whose engine packs
// pages (bbolt): keys that arrive mostly in order can fill them fuller.
type FillPercenter interface {
	SetFillPercent(float64)
}

// Prefetcher is an optional interface of a Bucket whose engine pays a
// round trip per read (PostgreSQL): Prefetch reads the values of keys in
// one, so that the Gets (and cursor Seeks to those keys) that follow are
// answered without another. It is a hint: a failure surfaces as the
// transaction's error.
type Prefetcher interface {
	Prefetch(keys [][]byte)
}

// MaxKeySize is the longest key any engine accepts.
const MaxKeySize = 32768

// Subscription delivers wake-ups on C until Close. C has a buffer of one:
// wake-ups that arrive while one is pending are merged into it.
type Subscription struct {
	C     <-chan struct{}
	c     chan struct{}
	close func()
}

// NewSubscription returns a subscription whose Close calls close (nil
// means nothing to undo). Engines use it; Wake delivers a wake-up.
func NewSubscription(close func()) *Subscription {
	c := make(chan struct{}, 1)
	return &Subscription{C: c, c: c, close: close}
}

// Wake delivers a wake-up unless one is pending.
func (s *Subscription) Wake() {
	select {
	case s.c <- struct{}{}:
	default:
	}
}

// Close ends the subscription. C is not closed; nothing is sent after
// Close returns.
func (s *Subscription) Close() {
	if s.close != nil {
		s.close()
	}
}

// Errors holds the sentinels an engine wraps its failures in, so that
// they read as the calling package's: track.ErrCorrupt, say. A nil field
// means the engine's own error of that kind (ErrCorrupt and so on below).
type Errors struct {
	Corrupt  error // damaged file or record
	Locked   error // the store stayed held by another process
	Closed   error // a call after Close
	NotFound error // a store that must exist does not
	Invalid  error // a bad argument (location, option)
}

// The engine's own sentinels, used where Errors leaves a field nil, and
// joined to the caller's: errors.Is works with both.
var (
	ErrCorrupt  = errors.New("kv: corrupt store")
	ErrLocked   = errors.New("kv: store held by another process")
	ErrClosed   = errors.New("kv: store closed")
	ErrNotFound = errors.New("kv: store not found")
	ErrInvalid  = errors.New("kv: invalid argument")
)

// Wrap returns an error wrapping kind's sentinel (as set in e, or the
// engine's own) and err, reading "<sentinel>: <what>: <err>"; err may be
// nil.
func (e Errors) Wrap(kind error, what string, err error) error {
	var mine error
	switch kind {
	case ErrCorrupt:
		mine = e.Corrupt
	case ErrLocked:
		mine = e.Locked
	case ErrClosed:
		mine = e.Closed
	case ErrNotFound:
		mine = e.NotFound
	case ErrInvalid:
		mine = e.Invalid
	}
	return wrap(mine, kind, what, err)
}

func wrap(mine, kind error, what string, err error) error {
	if mine == nil {
		mine = kind
	}
	var e *perr.KindError
	if errors.As(err, &e) && e.Kind == kind {
		return err // already wrapped once
	}
	return &perr.KindError{Mine: mine, Kind: kind, What: what, Err: err}
}

// Wrapped reports whether err came from Errors.Wrap.
func Wrapped(err error) bool {
	var e *perr.KindError
	return errors.As(err, &e)
}

// Missing is a Bucket that is not there: it reads as empty and fails
// every write. A store's code can hand it out for a bucket a damaged file
// lost, go on, and report the damage once its transaction ends.
type Missing struct{}

var errMissing = errors.New("kv: the bucket is missing")

func (Missing) Get([]byte) []byte                      { return nil }
func (Missing) Put([]byte, []byte) error               { return errMissing }
func (Missing) Delete([]byte) error                    { return errMissing }
func (Missing) Cursor() Cursor                         { return missingCursor{} }
func (Missing) Bucket([]byte) Bucket                   { return nil }
func (Missing) CreateBucket([]byte) (Bucket, error)    { return nil, errMissing }
func (Missing) DeleteBucket([]byte) error              { return errMissing }
func (Missing) ForEachBucket(func([]byte) error) error { return nil }
func (Missing) NextSequence() (uint64, error)          { return 0, errMissing }
func (Missing) Sequence() uint64                       { return 0 }

type missingCursor struct{}

func (missingCursor) First() ([]byte, []byte)      { return nil, nil }
func (missingCursor) Last() ([]byte, []byte)       { return nil, nil }
func (missingCursor) Seek([]byte) ([]byte, []byte) { return nil, nil }
func (missingCursor) Next() ([]byte, []byte)       { return nil, nil }
func (missingCursor) Prev() ([]byte, []byte)       { return nil, nil }
