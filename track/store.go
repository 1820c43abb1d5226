package track

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/storage"
)

// Options configures a Store. The zero value gives the defaults documented
// on each field.
type Options struct {
	// Timeout bounds each wait for another process that holds the
	// database file (see # Storage in the package doc). Zero means one
	// second; a negative value waits until the call's context ends. When
	// it runs out the error wraps ErrLocked and bbolt's errors.ErrTimeout.
	Timeout time.Duration
	// Logger receives debug records and GC summaries. Nil means a logger
	// that discards everything.
	Logger *slog.Logger
	// Now is the clock for start and end times and for metric timestamps
	// that are not given. Nil means time.Now.
	Now func() time.Time
	// Blobs is the location of the blob store that holds artifact
	// content: a folder, whose objects/ the registry's model bytes and
	// dataset's files may share. "" means the folder that holds the
	// database file, so blobs land in <folder>/objects/.
	Blobs string
}

// Store is an experiment and run tracker on a records store (one bbolt
// file by default). It is safe for concurrent use by many goroutines, and
// by several processes on the same file with the default options; every
// method is one transaction (GC and artifacts add blob I/O). Close it when
// done.
type Store struct {
	path    string
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration
	blobs   blob.Store
	db      kv.DB

	reproOnce sync.Once
	repro     map[string]string
	ownerOnce sync.Once
	ownerID   string // see owner.go
}

// errs are the sentinels the storage core wraps its failures in.
var (
	errs     = kv.Errors{Corrupt: ErrCorrupt, Locked: ErrLocked, Closed: ErrClosed, NotFound: ErrNotFound, Invalid: ErrInvalid}
	blobErrs = blob.Errors{Corrupt: ErrCorrupt, NotFound: ErrNotFound, Invalid: ErrInvalid, Locked: ErrLocked}
)

// Open opens (creating it and its folder if needed) the tracking database
// at path with the default Options: artifacts go to objects/ beside it,
// and other processes (a dashboard, a server, another trainer) may use the
// file at the same time.
func Open(path string) (*Store, error) { return OpenWith(path, Options{}) }

// OpenWith is Open with options.
func OpenWith(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty database path", ErrInvalid)
	}
	ctx := context.Background()
	st := &Store{path: path, log: opts.Logger, now: opts.Now, timeout: opts.Timeout}
	if st.log == nil {
		st.log = slog.New(slog.DiscardHandler)
	}
	if st.now == nil {
		st.now = time.Now
	}
	if st.timeout == 0 {
		st.timeout = time.Second
	}
	db, err := storage.OpenRecords(ctx, path, storage.RecordsOptions{Timeout: opts.Timeout, Logger: st.log, Errors: errs})
	if err != nil {
		return nil, fmt.Errorf("track: open %s: %w", storage.Redact(path), err)
	}
	st.db = db
	if err := db.Update(ctx, func(tx kv.Tx) error { return schema.Init(tx, ErrCorrupt) }); err != nil {
		db.Close()
		return nil, fmt.Errorf("track: open %s: %w", storage.Redact(path), err)
	}
	loc := opts.Blobs
	if loc == "" {
		loc = storage.DefaultBlobs(path)
	}
	bs, err := storage.OpenBlobs(ctx, loc, storage.BlobsOptions{Errors: blobErrs})
	if err == nil {
		err = storage.Register(ctx, bs, path, namespace)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("track: open %s: blobs %s: %w", storage.Redact(path), storage.Redact(loc), err)
	}
	st.blobs = bs
	return st, nil
}

// Close waits for the calls in flight and releases the database. Calls
// after Close fail with ErrClosed. Close is idempotent.
func (st *Store) Close() error {
	err := st.db.Close()
	if berr := storage.CloseBlobs(st.blobs); err == nil {
		err = berr
	}
	if err != nil {
		return fmt.Errorf("track: close %s: %w", storage.Redact(st.path), err)
	}
	return nil
}

// Path returns the database's location, as given to Open.
func (st *Store) Path() string { return st.path }

// BlobsLocation returns the location of the blob store that holds
// artifact content.
func (st *Store) BlobsLocation() string { return st.blobs.Location() }

// deadline returns when a wait that starts now must give up (the zero
// time: never).
func (st *Store) deadline() time.Time {
	if st.timeout < 0 {
		return time.Time{}
	}
	return time.Now().Add(st.timeout)
}

// view runs fn in a read-only transaction.
func (st *Store) view(ctx context.Context, fn func(*txn) error) error {
	return st.db.View(ctx, func(tx kv.Tx) error {
		t := bind(st, tx)
		return t.done(fn(t))
	})
}

// update runs fn in a read-write transaction, committed if fn returns nil.
func (st *Store) update(ctx context.Context, fn func(*txn) error) error {
	return st.db.Update(ctx, func(tx kv.Tx) error {
		t := bind(st, tx)
		return t.done(fn(t))
	})
}
