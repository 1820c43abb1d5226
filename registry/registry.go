package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Options configures a Registry. The zero value gives the defaults
// documented on each field.
type Options struct {
	// Timeout bounds the wait for the database file lock when the file is
	// opened (by Open, and in Shared mode by every call and every Watch
	// poll that reads). Zero means one second; a negative value waits
	// indefinitely. When it runs out the error wraps ErrLocked and bbolt's
	// errors.ErrTimeout.
	Timeout time.Duration
	// Logger receives debug records (registrations, alias moves, opens in
	// Shared mode) and Watch poll errors. Nil means a logger that discards
	// everything.
	Logger *slog.Logger
	// Now is the clock for creation times and alias history. Nil means
	// time.Now.
	Now func() time.Time
	// Shared, when true, opens the file only for the length of each call
	// (one bbolt transaction) instead of for the life of the Registry, so
	// that other processes can open it between calls: a server following
	// an alias while a pipeline registers versions and rolls back. Reads
	// take a shared lock, writes an exclusive one; calls that overlap in
	// one process share one open. Each call pays for an open and a close
	// of the file (see # Performance in the package doc). Ignored by
	// OpenDB.
	Shared bool
	// Blobs stores model bytes. Nil means the registry's own bucket in the
	// database file ("registry/blobs"), where a version's bytes commit in
	// the same transaction as its record; see # Storage in the package doc.
	Blobs BlobStore
	// User is recorded as the author of writes whose options name none
	// (RegisterOptions.By, AliasOptions.By). Empty means the name of the
	// user running the process, or "" if it cannot be found.
	User string
	// PollInterval is how often a Watch checks the file for moves made
	// outside this Registry (by another process, or another Registry on
	// the same *bbolt.DB). Moves made through this Registry are seen at
	// once. Zero means 20 ms; it cannot be less than 1 ms.
	PollInterval time.Duration
	// MaxModelBytes is the largest model Register accepts. Zero means
	// DefaultMaxModelBytes (64 MiB).
	MaxModelBytes int64
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

// Registry is a model registry on one bbolt file. It is safe for
// concurrent use by many goroutines, and by several processes on the same
// file when they open it with Options.Shared. Every method is one bbolt
// transaction (Register with an Options.Blobs store adds a Put before it;
// Open with one adds a read after it). Close it when done.
type Registry struct {
	path     string
	log      *slog.Logger
	now      func() time.Time
	blobs    BlobStore // nil: blobs live in the bucket registry/blobs
	user     string
	poll     time.Duration
	maxBytes int64

	db    *bbolt.DB // the open database, unless Shared
	owned bool      // Close closes db
	sh    *session  // non-nil in Shared mode

	closed  atomic.Bool
	mu      sync.Mutex    // guards changed, done and watchers' Add
	changed chan struct{} // closed (and replaced) whenever an alias moves through this Registry
	done    chan struct{} // closed by Close
	watch   sync.WaitGroup
}

// Open opens (creating it and its folder if needed) the registry database
// at path with the default Options: the file stays open and locked until
// Close, and model bytes are stored inside it. If another process holds
// the file, Open fails after one second with an error wrapping ErrLocked.
func Open(path string) (*Registry, error) { return OpenWith(path, Options{}) }

// OpenWith is Open with options.
func OpenWith(path string, opts Options) (*Registry, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty database path", ErrInvalid)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("registry: open %s: %w", path, err)
	}
	db, err := openBolt(path, opts.timeout(), false)
	if err != nil {
		return nil, err
	}
	if err := db.Update(initBuckets); err != nil {
		db.Close()
		return nil, fmt.Errorf("registry: open %s: %w", path, err)
	}
	reg := newRegistry(path, opts)
	if opts.Shared {
		if err := db.Close(); err != nil {
			return nil, fmt.Errorf("registry: open %s: %w", path, err)
		}
		reg.sh = &session{path: path, timeout: opts.timeout(), log: reg.log, idle: make(chan struct{})}
		return reg, nil
	}
	reg.db, reg.owned = db, true
	return reg, nil
}

// OpenDB returns a Registry on a database the caller has opened, so that
// one file can hold the registry's buckets (all named "registry/...")
// beside others, such as track's. The caller keeps ownership: Close does
// not close db. opts.Shared is ignored. If db is read-only the registry
// buckets must already exist, and writes fail with ErrReadOnly.
func OpenDB(db *bbolt.DB, opts Options) (*Registry, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: nil *bbolt.DB", ErrInvalid)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	var err error
	if db.IsReadOnly() {
		err = db.View(checkBuckets)
	} else {
		err = db.Update(initBuckets)
	}
	if err != nil {
		return nil, fmt.Errorf("registry: open %s: %w", db.Path(), err)
	}
	reg := newRegistry(db.Path(), opts)
	reg.db = db
	return reg, nil
}

func (o Options) validate() error {
	switch {
	case o.PollInterval < 0 || (o.PollInterval > 0 && o.PollInterval < time.Millisecond):
		return fmt.Errorf("%w: PollInterval %v is under 1ms", ErrInvalid, o.PollInterval)
	case o.MaxModelBytes < 0:
		return fmt.Errorf("%w: negative MaxModelBytes", ErrInvalid)
	}
	return checkText("user", o.User, maxByLen, true)
}

func newRegistry(path string, opts Options) *Registry {
	reg := &Registry{
		path: path, log: opts.Logger, now: opts.Now, blobs: opts.Blobs, user: opts.User,
		poll: opts.PollInterval, maxBytes: opts.MaxModelBytes,
		changed: make(chan struct{}), done: make(chan struct{}),
	}
	if reg.log == nil {
		reg.log = slog.New(slog.DiscardHandler)
	}
	if reg.now == nil {
		reg.now = time.Now
	}
	if reg.user == "" {
		reg.user = currentUser()
	}
	if reg.poll == 0 {
		reg.poll = 20 * time.Millisecond
	}
	if reg.maxBytes == 0 {
		reg.maxBytes = DefaultMaxModelBytes
	}
	return reg
}

func currentUser() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	if checkText("user", name, maxByLen, true) != nil {
		return ""
	}
	return name
}

// Close stops the Registry's watchers (their channels close), waits for
// them to end, and releases the database file (unless it came from
// OpenDB). Calls after Close fail with ErrClosed; calls still running
// must finish first. Close is idempotent.
func (reg *Registry) Close() error {
	reg.mu.Lock()
	if reg.closed.Swap(true) {
		reg.mu.Unlock()
		return nil
	}
	close(reg.done)
	reg.mu.Unlock()
	reg.watch.Wait()
	if reg.owned {
		if err := reg.db.Close(); err != nil {
			return fmt.Errorf("registry: close %s: %w", reg.path, err)
		}
	}
	return nil
}

// Path returns the database file's path.
func (reg *Registry) Path() string { return reg.path }

// notify wakes this Registry's watchers after an alias moved.
func (reg *Registry) notify() {
	reg.mu.Lock()
	close(reg.changed)
	reg.changed = make(chan struct{})
	reg.mu.Unlock()
}

func (reg *Registry) changedChan() <-chan struct{} {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return reg.changed
}

func openBolt(path string, timeout time.Duration, readOnly bool) (*bbolt.DB, error) {
	db, err := bbolt.Open(path, 0o644, &bbolt.Options{
		Timeout:      timeout,
		ReadOnly:     readOnly,
		FreelistType: bbolt.FreelistMapType,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, lockedError(path, timeout, err)
		}
		return nil, fmt.Errorf("registry: open %s: %w", path, err)
	}
	return db, nil
}

func lockedError(path string, timeout time.Duration, err error) error {
	return fmt.Errorf("%w: gave up on %s after %v: %w", ErrLocked, path, timeout, err)
}

// session shares one open of the file among the calls that overlap in
// time in Shared mode. A read-only open serves readers; a writer waits
// until it closes and then opens read-write (readers arriving meanwhile
// wait too, so writers are not starved). The file is closed when the last
// overlapping call ends, so the lock is held only while calls run.
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
			start := time.Now()
			probe, timedOut := waitLock(ctx, s.path, write, s.timeout)
			if timedOut {
				s.mu.Unlock()
				return nil, lockedError(s.path, s.timeout, berrors.ErrTimeout)
			}
			// bbolt gets what is left of the timeout (at least its retry
			// period; 0 would mean no limit).
			left := s.timeout
			if left > 0 {
				left = max(left-time.Since(start), 50*time.Millisecond)
			}
			db, err := openBolt(s.path, left, !write)
			probe()
			if err != nil {
				s.mu.Unlock()
				return nil, err
			}
			s.db, s.rw, s.refs = db, write, 1
			s.mu.Unlock()
			s.log.LogAttrs(ctx, slog.LevelDebug, "registry: opened", slog.String("path", s.path), slog.Bool("write", write))
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
			err = fmt.Errorf("registry: waiting for the database: %w", ctx.Err())
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
		s.log.Warn("registry: close", slog.String("path", s.path), slog.Any("err", err))
	}
	s.db = nil
	close(s.idle)
	s.idle = make(chan struct{})
}

// acquire returns the database for one call and the function that ends
// the call's hold on it.
func (reg *Registry) acquire(ctx context.Context, write bool) (*bbolt.DB, func(), error) {
	if reg.closed.Load() {
		return nil, nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("registry: %w", err)
	}
	if reg.sh == nil {
		if write && reg.db.IsReadOnly() {
			return nil, nil, ErrReadOnly
		}
		return reg.db, func() {}, nil
	}
	db, err := reg.sh.acquire(ctx, write)
	if err != nil {
		return nil, nil, err
	}
	return db, reg.sh.release, nil
}

// view runs fn in a read-only transaction.
func (reg *Registry) view(ctx context.Context, fn func(*txn) error) error {
	db, release, err := reg.acquire(ctx, false)
	if err != nil {
		return err
	}
	defer release()
	return db.View(func(tx *bbolt.Tx) error { return fn(bind(reg, tx)) })
}

// update runs fn in a read-write transaction, committed if fn returns nil.
func (reg *Registry) update(ctx context.Context, fn func(*txn) error) error {
	db, release, err := reg.acquire(ctx, true)
	if err != nil {
		return err
	}
	defer release()
	return db.Update(func(tx *bbolt.Tx) error { return fn(bind(reg, tx)) })
}

// by returns who a write is recorded as made by.
func (reg *Registry) by(given string) string {
	if given != "" {
		return given
	}
	return reg.user
}
