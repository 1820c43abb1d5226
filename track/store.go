package track

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Options configures a Store. The zero value gives the defaults documented
// on each field.
type Options struct {
	// Timeout bounds the wait for the database file lock when the file is
	// opened (by Open, and in Shared mode by every call). Zero means one
	// second; a negative value waits indefinitely. When it runs out the
	// error wraps ErrLocked and bbolt's errors.ErrTimeout.
	Timeout time.Duration
	// Logger receives debug records (opens in Shared mode) and GC
	// summaries. Nil means a logger that discards everything.
	Logger *slog.Logger
	// Now is the clock for start and end times and for metric timestamps
	// that are not given. Nil means time.Now.
	Now func() time.Time
	// Shared, when true, opens the file only for the length of each call
	// (one bbolt transaction) instead of for the life of the Store, so
	// another process can open it between calls: a trainer logging and a
	// dashboard reading the same file. Reads take a shared lock (several
	// readers at once), writes an exclusive one. Calls that overlap in one
	// process share one open. Each call pays for an open and a close of
	// the file (see the package doc, # Performance); batch writes with
	// Run.Log. Ignored by OpenDB.
	Shared bool
	// Blobs stores artifact content. Nil means a DirStore rooted in the
	// folder that holds the database file, so blobs land in
	// <folder>/objects/.
	Blobs BlobStore
}

// Store is an experiment and run tracker on one bbolt file. It is safe for
// concurrent use by many goroutines; every method is one bbolt
// transaction (GC and artifact uploads add blob I/O). Close it when done.
type Store struct {
	path  string
	log   *slog.Logger
	now   func() time.Time
	blobs BlobStore

	db     *bbolt.DB // the open database, unless Shared
	owned  bool      // Close closes db
	sh     *session  // non-nil in Shared mode
	closed atomic.Bool

	reproOnce sync.Once
	repro     map[string]string
}

// Open opens (creating it and its folder if needed) the tracking database
// at path with the default Options: the file stays open and locked until
// Close, and artifacts go to objects/ beside it. If another process holds
// the file, Open fails after one second with an error wrapping ErrLocked.
func Open(path string) (*Store, error) { return OpenWith(path, Options{}) }

// OpenWith is Open with options.
func OpenWith(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty database path", ErrInvalid)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("track: open %s: %w", path, err)
	}
	st := newStore(path, opts)
	var db *bbolt.DB
	var err error
	if opts.Shared {
		db, err = openShared(path, opts.timeout(), true)
	} else {
		db, err = openBolt(path, opts.timeout(), false)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Update(initBuckets); err != nil {
		db.Close()
		return nil, fmt.Errorf("track: open %s: %w", path, err)
	}
	if opts.Shared {
		if err := db.Close(); err != nil {
			return nil, fmt.Errorf("track: open %s: %w", path, err)
		}
		st.sh = &session{path: path, timeout: opts.timeout(), log: st.log, idle: make(chan struct{})}
		return st, nil
	}
	st.db, st.owned = db, true
	return st, nil
}

// OpenDB returns a Store on a database the caller has opened, so that one
// file can hold track's buckets (all named "track/...") beside others,
// such as the registry's. The caller keeps ownership: Close does not close
// db. opts.Shared is ignored. If db is read-only the track buckets must
// already exist, and writes fail with ErrReadOnly.
func OpenDB(db *bbolt.DB, opts Options) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: nil *bbolt.DB", ErrInvalid)
	}
	st := newStore(db.Path(), opts)
	st.db = db
	if db.IsReadOnly() {
		err := db.View(func(tx *bbolt.Tx) error {
			for _, name := range bucketNames {
				if tx.Bucket([]byte(name)) == nil {
					return fmt.Errorf("%w: read-only database has no bucket %q", ErrNotFound, name)
				}
			}
			return checkSchema(tx.Bucket([]byte(bucketMeta)))
		})
		if err != nil {
			return nil, fmt.Errorf("track: open %s: %w", db.Path(), err)
		}
		return st, nil
	}
	if err := db.Update(initBuckets); err != nil {
		return nil, fmt.Errorf("track: open %s: %w", db.Path(), err)
	}
	return st, nil
}

func newStore(path string, opts Options) *Store {
	st := &Store{path: path, log: opts.Logger, now: opts.Now, blobs: opts.Blobs}
	if st.log == nil {
		st.log = slog.New(slog.DiscardHandler)
	}
	if st.now == nil {
		st.now = time.Now
	}
	if st.blobs == nil {
		st.blobs = NewDirStore(filepath.Dir(path))
	}
	return st
}

func (o Options) timeout() time.Duration {
	switch {
	case o.Timeout == 0:
		return time.Second
	case o.Timeout < 0:
		return 0 // bbolt: wait indefinitely
	}
	return o.Timeout
}

// Close releases the database file (unless it came from OpenDB). Calls
// after Close fail with ErrClosed; calls still running must finish first.
func (st *Store) Close() error {
	if st.closed.Swap(true) {
		return nil
	}
	if st.owned {
		if err := st.db.Close(); err != nil {
			return fmt.Errorf("track: close %s: %w", st.path, err)
		}
	}
	return nil
}

// Path returns the database file's path.
func (st *Store) Path() string { return st.path }

// Blobs returns the store that holds artifact content.
func (st *Store) Blobs() BlobStore { return st.blobs }

func openBolt(path string, timeout time.Duration, readOnly bool) (*bbolt.DB, error) {
	db, err := bbolt.Open(path, 0o644, &bbolt.Options{
		Timeout:      timeout,
		ReadOnly:     readOnly,
		FreelistType: bbolt.FreelistMapType,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: gave up on %s after %v: %w", ErrLocked, path, timeout, err)
		}
		return nil, fmt.Errorf("track: open %s: %w", path, err)
	}
	return db, nil
}

// openShared opens the file for one Shared-mode call, through the gate
// that keeps opens fair between processes (see enterGate).
func openShared(path string, timeout time.Duration, write bool) (*bbolt.DB, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	release, err := enterGate(path, write, deadline)
	if errors.Is(err, errGateTimeout) {
		return nil, fmt.Errorf("%w: gave up on %s after %v: %w", ErrLocked, path, timeout, berrors.ErrTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("track: open %s: %w", path, err)
	}
	defer release()
	if deadline.IsZero() {
		return openBolt(path, 0, !write)
	}
	db, err := openBolt(path, max(time.Until(deadline), time.Millisecond), !write)
	if errors.Is(err, ErrLocked) {
		// Report the whole wait, not what was left of it.
		return nil, fmt.Errorf("%w: gave up on %s after %v: %w", ErrLocked, path, timeout, berrors.ErrTimeout)
	}
	return db, err
}

// session shares one open of the file among the calls that overlap in
// time in Shared mode. A read-only open serves readers; a writer waits
// until it closes and then opens read-write (readers arriving meanwhile
// wait too, so writers are not starved). The file is closed when the last
// overlapping call ends.
type session struct {
	path    string
	timeout time.Duration
	log     *slog.Logger

	mu      sync.Mutex
	db      *bbolt.DB
	rw      bool
	refs    int
	writers int           // writers waiting for the read-only open to end
	idle    chan struct{} // closed when refs drops to zero
}

func (s *session) acquire(ctx context.Context, write bool) (*bbolt.DB, error) {
	for {
		s.mu.Lock()
		if s.refs == 0 {
			db, err := openShared(s.path, s.timeout, write)
			if err != nil {
				s.mu.Unlock()
				return nil, err
			}
			s.db, s.rw, s.refs = db, write, 1
			s.mu.Unlock()
			s.log.LogAttrs(ctx, slog.LevelDebug, "track: opened", slog.String("path", s.path), slog.Bool("write", write))
			return db, nil
		}
		if s.rw || (!write && s.writers == 0) {
			s.refs++
			db := s.db
			s.mu.Unlock()
			return db, nil
		}
		if write {
			s.writers++
		}
		idle := s.idle
		s.mu.Unlock()
		var err error
		select {
		case <-idle:
		case <-ctx.Done():
			err = fmt.Errorf("track: waiting for the database: %w", ctx.Err())
		}
		if write {
			s.mu.Lock()
			s.writers--
			s.mu.Unlock()
		}
		if err != nil {
			return nil, err
		}
	}
}

func (s *session) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refs--
	if s.refs > 0 {
		return
	}
	if err := s.db.Close(); err != nil {
		s.log.Warn("track: close", slog.String("path", s.path), slog.Any("err", err))
	}
	s.db = nil
	close(s.idle)
	s.idle = make(chan struct{})
}

// acquire returns the database for one call and the function that ends
// the call's hold on it.
func (st *Store) acquire(ctx context.Context, write bool) (*bbolt.DB, func(), error) {
	if st.closed.Load() {
		return nil, nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("track: %w", err)
	}
	if st.sh == nil {
		if write && st.db.IsReadOnly() {
			return nil, nil, ErrReadOnly
		}
		return st.db, func() {}, nil
	}
	db, err := st.sh.acquire(ctx, write)
	if err != nil {
		return nil, nil, err
	}
	return db, st.sh.release, nil
}

// view runs fn in a read-only transaction.
func (st *Store) view(ctx context.Context, fn func(*txn) error) error {
	db, release, err := st.acquire(ctx, false)
	if err != nil {
		return err
	}
	defer release()
	return db.View(func(tx *bbolt.Tx) error { return fn(bind(st, tx)) })
}

// update runs fn in a read-write transaction, committed if fn returns nil.
func (st *Store) update(ctx context.Context, fn func(*txn) error) error {
	db, release, err := st.acquire(ctx, true)
	if err != nil {
		return err
	}
	defer release()
	return db.Update(func(tx *bbolt.Tx) error { return fn(bind(st, tx)) })
}
