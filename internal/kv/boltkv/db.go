// Package boltkv is the embedded engine of the records contract
// (internal/kv): one bbolt file, shared safely by the goroutines of a
// process and by the processes of a machine.
//
// # Sessions
//
// bbolt locks its file for as long as it is open: shared for a read-only
// open, exclusive for a writable one. A DB therefore opens the file for a
// session of calls, not for its whole life: the first call opens it (read
// only for a read, writable for a write), calls that overlap share the
// open, and the file is closed once it has been idle for Options.Linger,
// or at once when another process is waiting for it. Waiting is fair:
// a process that wants the file takes the gate file <path>.lock (see
// internal/filelock) and holds it while it waits, and a process that
// holds the file probes the gate every millisecond and lets go as soon as
// its calls in flight end. So a trainer logging, a server following an
// alias and a dashboard reading share one file with the default options,
// each waiting about a millisecond for the others.
//
// # Damage
//
// A damaged file is an error wrapping the caller's Corrupt sentinel, never
// a crash. Before bbolt maps a file, the engine reads its meta pages and
// checks them (checksums, and a file at least as long as the pages they
// count); before the first transaction on a file it has not seen in this
// state, it walks the tree's branch pages (every page number in range, no
// page reached twice, no cycle, which would send bbolt into endless
// recursion). Every bbolt call runs with runtime/debug.SetPanicOnFault, and
// a panic or memory fault inside bbolt (a page of the wrong type, a file
// truncated under the map) is recovered, reported as corruption, and
// closes the open so the next call reopens and checks the file afresh.
// A file that does not exist is created whole (written beside it and
// linked into place), so an empty file is never a new store: it is damage.
package boltkv

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/cairn-ml/cairn/internal/filelock"
	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/osfile"
)

// Options configures a DB. The zero value gives the defaults documented on
// each field.
type Options struct {
	// Timeout bounds each wait for another process to let go of the file.
	// Zero means one second; a negative value waits until the call's
	// context ends. When it runs out the error wraps the Locked sentinel
	// and bbolt's errors.ErrTimeout.
	Timeout time.Duration
	// Linger is how long an idle open is kept for the next call. Zero
	// means 50 ms; a negative value closes the file after every call.
	// Another process waiting for the file ends the linger at once.
	Linger time.Duration
	// Poll is how often a subscription checks the file for changes made
	// by other processes. Zero means 20 ms.
	Poll time.Duration
	// Logger receives debug records (opens, closes) and warnings. Nil
	// discards them.
	Logger *slog.Logger
	// Errors are the sentinels errors wrap.
	Errors kv.Errors
	// NoCreate makes Open fail with the NotFound sentinel when the file
	// does not exist, instead of creating it.
	NoCreate bool
	// Nested names the top-level buckets that hold nested buckets; the
	// tree check reads their leaf pages to find the nested trees.
	Nested []string
	// MmapSize is bbolt's InitialMmapSize and AllocSize its AllocSize;
	// zero means bbolt's defaults.
	MmapSize, AllocSize int
	// NoSync skips fsync (bbolt's NoSync): for benchmarks and tests of
	// throw-away data only.
	NoSync bool
}

// DB is a records store in one bbolt file. It is safe for concurrent use.
type DB struct {
	path string
	opts Options
	errs kv.Errors
	log  *slog.Logger
	gate *filelock.Gate

	mu      sync.Mutex
	bolt    *bbolt.DB
	file    *os.File // the file bbolt opened, for clean-up after a panic
	rw      bool
	refs    int
	writers int  // writers waiting for a read-only open to end
	opening bool // a goroutine is opening the file
	yield   bool // close as soon as idle: another process waits
	broken  bool // a panic or fault happened: close when idle
	closed  bool
	changed chan struct{} // closed and replaced at every state change that someone waits for
	waiting int           // goroutines waiting on changed
	idleAt  time.Time     // when refs last dropped to zero
	looping bool          // the linger loop runs
	checked stamp         // the file as it was when last checked or written by us
	wrote   bool          // this open committed a write: stamp the file at close

	subMu sync.Mutex
	subs  map[string]map[*kv.Subscription]struct{}
	all   map[*kv.Subscription]struct{}
	poll  chan struct{} // closed to stop the poller; nil when it is not running

	wg sync.WaitGroup // the linger loop and the poller
}

var _ kv.DB = (*DB)(nil)

// Open returns a DB on the bbolt file at path, creating the file (and its
// folder) unless opts.NoCreate is set. The file is opened and checked
// once before Open returns, and then per session (see the package doc).
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, opts.Errors.Wrap(kv.ErrInvalid, "empty database path", nil)
	}
	db := &DB{
		path: path, opts: opts, errs: opts.Errors, log: opts.Logger,
		changed: make(chan struct{}),
		subs:    map[string]map[*kv.Subscription]struct{}{},
		all:     map[*kv.Subscription]struct{}{},
	}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if opts.NoCreate {
			return nil, db.errs.Wrap(kv.ErrNotFound, path, err)
		}
		if err := db.create(ctx); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	gate, err := filelock.OpenGate(path + ".lock")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.gate = gate
	// Open once now, so that a file that cannot be used fails here.
	if err := db.View(ctx, func(kv.Tx) error { return nil }); err != nil {
		gate.Close()
		return nil, err
	}
	return db, nil
}

// Location implements kv.DB: the file's path.
func (db *DB) Location() string { return db.path }

// create makes a new, empty bbolt file at db.path: it is initialised
// under a temporary name in the same folder and then linked into place,
// so the file appears whole or not at all. If another process created it
// first, that file is kept.
func (db *DB) create(ctx context.Context) error {
	dir := filepath.Dir(db.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", db.path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(db.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", db.path, err)
	}
	name := tmp.Name()
	tmp.Close()
	defer os.Remove(name)
	if err := os.Remove(name); err != nil { // bbolt initialises only a new or empty file
		return fmt.Errorf("create %s: %w", db.path, err)
	}
	b, err := bbolt.Open(name, 0o644, &bbolt.Options{Timeout: time.Second, FreelistType: bbolt.FreelistMapType, NoSync: db.opts.NoSync})
	if err != nil {
		return fmt.Errorf("create %s: %w", db.path, err)
	}
	if err := b.Close(); err != nil {
		return fmt.Errorf("create %s: %w", db.path, err)
	}
	if err := os.Link(name, db.path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create %s: %w", db.path, err)
	}
	if !db.opts.NoSync {
		if err := osfile.SyncDir(dir); err != nil {
			return fmt.Errorf("create %s: %w", db.path, err)
		}
	}
	return nil
}

func (o Options) timeout() time.Duration {
	switch {
	case o.Timeout == 0:
		return time.Second
	case o.Timeout < 0:
		return 0
	}
	return o.Timeout
}

func (o Options) linger() time.Duration {
	if o.Linger == 0 {
		return 50 * time.Millisecond
	}
	return o.Linger
}

// broadcast wakes the goroutines waiting for a state change, if any.
// Under mu.
func (db *DB) broadcast() {
	if db.waiting == 0 {
		return
	}
	close(db.changed)
	db.changed = make(chan struct{})
}

// acquire returns the open database for one call, opening it if needed,
// read-only unless write; release ends the call's hold.
func (db *DB) acquire(ctx context.Context, write bool) (*bbolt.DB, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", db.path, err)
		}
		db.mu.Lock()
		if db.closed {
			db.mu.Unlock()
			return nil, db.errs.Wrap(kv.ErrClosed, db.path, nil)
		}
		usable := db.bolt != nil && !db.yield && !db.broken
		if usable && (db.rw || (!write && db.writers == 0)) {
			db.refs++
			b := db.bolt
			db.mu.Unlock()
			return b, nil
		}
		if db.bolt != nil && db.refs == 0 {
			db.closeLocked()
		}
		if db.bolt == nil && !db.opening {
			db.opening = true
			db.mu.Unlock()
			b, f, err := db.open(ctx, write)
			db.mu.Lock()
			db.opening = false
			db.broadcast()
			if err != nil {
				db.mu.Unlock()
				return nil, err
			}
			db.bolt, db.file, db.rw, db.refs = b, f, write, 1
			db.yield, db.broken = false, false
			if !db.looping && db.opts.linger() > 0 {
				db.looping = true
				db.wg.Add(1)
				go db.lingerLoop()
			}
			db.mu.Unlock()
			db.log.LogAttrs(ctx, slog.LevelDebug, "kv: opened", slog.String("path", db.path), slog.Bool("write", write))
			return b, nil
		}
		if write {
			db.writers++
		}
		db.waiting++
		ch := db.changed
		db.mu.Unlock()
		var err error
		select {
		case <-ch:
		case <-ctx.Done():
			err = fmt.Errorf("%s: waiting for the database: %w", db.path, ctx.Err())
		}
		db.mu.Lock()
		db.waiting--
		if write {
			db.writers--
		}
		db.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
}

// release ends a call's hold on the open database.
func (db *DB) release(wrote bool) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if wrote {
		// Our own writes need no new check: the stamp is taken when the
		// open ends (the file's lock keeps every other writer out until
		// then), not at every commit.
		db.wrote = true
	}
	db.refs--
	if db.refs > 0 {
		return
	}
	db.idleAt = time.Now()
	db.broadcast()
	if db.yield || db.broken || db.opts.linger() < 0 || db.closed {
		db.closeLocked()
	}
}

// closeLocked closes the open database. Under mu, with refs zero.
func (db *DB) closeLocked() {
	if db.bolt == nil {
		return
	}
	if db.wrote && !db.broken {
		// Stamped while the lock is still held: no other writer since.
		db.checked = statFile(db.path)
	}
	err := guard(func() error { return db.bolt.Close() })
	if err != nil {
		db.log.Warn("kv: close", slog.String("path", db.path), slog.Any("err", err))
		db.file.Close() // drop the lock even if bbolt could not
	}
	db.bolt, db.file, db.wrote = nil, nil, false
	db.broadcast()
}

// lingerLoop runs while the file is open: every millisecond it checks
// whether another process waits at the gate (then the open ends as soon
// as the calls in flight do) and whether the open has been idle for the
// linger time.
func (db *DB) lingerLoop() {
	defer db.wg.Done()
	t := time.NewTicker(filelock.Poll)
	defer t.Stop()
	linger := db.opts.linger()
	for range t.C {
		db.mu.Lock()
		if db.bolt == nil || db.closed {
			db.looping = false
			db.mu.Unlock()
			return
		}
		if db.refs == 0 && time.Since(db.idleAt) >= linger {
			db.closeLocked()
			db.looping = false
			db.mu.Unlock()
			return
		}
		if !db.yield && db.gate.Busy() {
			db.yield = true
			if db.refs == 0 {
				db.closeLocked()
				db.looping = false
				db.mu.Unlock()
				return
			}
		}
		db.mu.Unlock()
	}
}

// open opens the file through the gate and checks it.
func (db *DB) open(ctx context.Context, write bool) (b *bbolt.DB, file *os.File, err error) {
	var deadline time.Time
	timeout := db.opts.timeout()
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	var m meta
	hook := func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag&^os.O_CREATE, perm)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, db.errs.Wrap(kv.ErrNotFound, db.path, err)
			}
			return nil, err
		}
		if err := db.gate.Lock(ctx, f, write, deadline); err != nil {
			f.Close()
			if errors.Is(err, filelock.ErrTimeout) {
				return nil, db.errs.Wrap(kv.ErrLocked, fmt.Sprintf("gave up on %s after %v", db.path, timeout), berrors.ErrTimeout)
			}
			return nil, fmt.Errorf("%s: waiting for the lock: %w", db.path, err)
		}
		if m, err = readMeta(f); err != nil {
			f.Close()
			return nil, db.errs.Wrap(kv.ErrCorrupt, db.path, err)
		}
		file = f
		return f, nil
	}
	err = guard(func() error {
		var err error
		b, err = bbolt.Open(db.path, 0o644, &bbolt.Options{
			Timeout:         50 * time.Millisecond, // the hook has the lock already
			ReadOnly:        !write,
			FreelistType:    bbolt.FreelistMapType,
			InitialMmapSize: db.opts.MmapSize,
			NoSync:          db.opts.NoSync,
			OpenFile:        hook,
		})
		return err
	})
	if err != nil {
		if file != nil && b == nil {
			file.Close() // bbolt panicked after opening it
		}
		return nil, nil, db.openError(err)
	}
	if db.opts.AllocSize > 0 {
		b.AllocSize = db.opts.AllocSize
	}
	// Check the tree unless the file is as we last saw it.
	if st := statFile(db.path); st.zero() || st != db.checked {
		if err := checkTree(file, m, db.opts.Nested); err != nil {
			guard(b.Close)
			file.Close()
			return nil, nil, db.errs.Wrap(kv.ErrCorrupt, db.path, err)
		}
		db.mu.Lock()
		db.checked = st
		db.mu.Unlock()
	}
	return b, file, nil
}

// openError classifies an error from bbolt.Open.
func (db *DB) openError(err error) error {
	switch {
	case kv.Wrapped(err):
		return err // ours, from the hook
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrInvalidMapping),
		errors.Is(err, errPanic):
		return db.errs.Wrap(kv.ErrCorrupt, db.path, err)
	case errors.Is(err, berrors.ErrTimeout):
		return db.errs.Wrap(kv.ErrLocked, db.path, err)
	}
	return fmt.Errorf("open %s: %w", db.path, err)
}

// View implements kv.DB.
func (db *DB) View(ctx context.Context, fn func(kv.Tx) error) error {
	b, err := db.acquire(ctx, false)
	if err != nil {
		return err
	}
	defer db.release(false)
	var t tx
	err = guard(func() error {
		return b.View(func(btx *bbolt.Tx) error {
			t = tx{b: btx}
			return fn(&t)
		})
	})
	return db.txError(err)
}

// Update implements kv.DB. bbolt never asks for a retry, so fn runs once.
func (db *DB) Update(ctx context.Context, fn func(kv.Tx) error) error {
	b, err := db.acquire(ctx, true)
	if err != nil {
		return err
	}
	var t tx
	err = guard(func() error {
		return b.Update(func(btx *bbolt.Tx) error {
			t = tx{b: btx}
			return fn(&t)
		})
	})
	db.release(err == nil)
	if err != nil {
		return db.txError(err)
	}
	for _, f := range t.after {
		f()
	}
	db.notify(t.topics)
	return nil
}

// txError classifies an error from a transaction; a panic or fault marks
// the open broken, so that it is closed and the file checked again.
func (db *DB) txError(err error) error {
	if err == nil || !errors.Is(err, errPanic) {
		return err
	}
	db.mu.Lock()
	db.broken = true
	db.checked = stamp{}
	if db.refs == 0 {
		db.closeLocked()
	}
	db.mu.Unlock()
	var pe *panicError
	if errors.As(err, &pe) && !pe.inBolt {
		return err // a bug of ours, not damage
	}
	return db.errs.Wrap(kv.ErrCorrupt, db.path, err)
}

// Close implements kv.DB: it waits for the calls in flight, closes the
// file and stops the subscriptions' poller.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return nil
	}
	db.closed = true
	db.broadcast()
	for db.refs > 0 || db.opening {
		db.waiting++
		ch := db.changed
		db.mu.Unlock()
		<-ch
		db.mu.Lock()
		db.waiting--
	}
	db.closeLocked()
	db.mu.Unlock()
	db.subMu.Lock()
	if db.poll != nil {
		close(db.poll)
		db.poll = nil
	}
	db.subMu.Unlock()
	db.wg.Wait()
	return db.gate.Close()
}
