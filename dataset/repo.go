package dataset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Options tunes a Repo. The zero value gives the documented defaults.
type Options struct {
	// Timeout bounds the wait for the index file's lock (by Open, and in
	// Shared mode by every call) and, in Shared mode, for the repository
	// lock that keeps GC and commits of other processes apart. Zero means
	// one second; a negative value waits indefinitely. When it runs out
	// the error wraps ErrLocked and bbolt's errors.ErrTimeout.
	Timeout time.Duration
	// Logger receives one record per commit, pull and GC. Nil means a
	// logger that discards everything.
	Logger *slog.Logger
	// Now stamps new versions. Nil means time.Now. (The hash cache never
	// uses it: it compares file times with the real clock.)
	Now func() time.Time
	// Shared, when true, opens the index file only for the length of each
	// transaction instead of for the life of the Repo, so that other
	// processes can use the repository between calls. Commit and Pull
	// then hold a shared lock on <dir>/lock while they run and GC an
	// exclusive one, so GC never removes an object that a commit in
	// another process is about to refer to (on platforms without
	// flock(2) that exclusion is missing; do not run GC there while
	// another process commits). See the package doc, # Performance, for
	// what it costs.
	Shared bool
	// Workers is the number of files hashed, copied or verified at once.
	// Zero means runtime.GOMAXPROCS(0), but at least 4 for the files
	// Commit reads, which wait on the kernel more than on the CPU (Push
	// and Pull always move at least 4 objects at once). Memory use is
	// bounded by that many buffers of 1 MiB, whatever the size of the
	// files.
	Workers int
	// NoHashCache, when true, makes Commit read every file instead of
	// trusting the hash cache for files whose size, times and inode are
	// unchanged. Use it for file systems whose timestamps cannot be
	// trusted.
	NoHashCache bool
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

// defaultRacyWindow is how far a file's mtime and ctime must lie before
// the moment it was hashed for its hash cache entry to be trusted (see
// the package doc, # Hash cache).
const defaultRacyWindow = 2 * time.Second

// Repo is a version repository in a folder. Open one with Open or
// OpenWith and Close it when done. A Repo is safe for concurrent use by
// several goroutines; in Shared mode, by several processes too.
type Repo struct {
	dir     string // as given to Open, cleaned
	realDir string // absolute, symbolic links resolved
	dbPath  string
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	workers int
	racy    time.Duration

	db   *bbolt.DB  // the open index, unless Shared
	dbMu sync.Mutex // Shared: one open of the index at a time in this process

	mu     sync.RWMutex // read-held by calls, write-held by GC and Close
	closed bool

	fanout sync.Map // objects/<xx> folders known to exist (without haveAt)

	// unnamed says how this system names unnamed files (unnamedUnknown
	// until the first commit finds out).
	unnamed atomic.Int32
	// maxHeld, when set by a test, replaces the stagers' bound on
	// unnamed files held open.
	maxHeld int

	// hook, when set by a test, is called at named points of a commit
	// (see crash_test.go).
	hook func(event string)
}

// Open opens the version repository in folder dir, creating the folder
// and an empty repository if needed. It is OpenWith(dir, Options{}).
func Open(dir string) (*Repo, error) { return OpenWith(dir, Options{}) }

// OpenWith opens the version repository in folder dir with opts. The
// folder holds index.db (bbolt: the names, versions and hash cache),
// objects/ (file contents and manifests, named by hash) and tmp/
// (objects being written). Unless opts.Shared is set, the Repo holds the
// index file until Close, and a second Open of the same folder (in this
// or another process) fails after opts.Timeout with an error wrapping
// ErrLocked.
func OpenWith(dir string, opts Options) (*Repo, error) {
	if dir == "" {
		return nil, fmt.Errorf("dataset: open: %w: empty folder name", ErrBadPath)
	}
	r := &Repo{
		dir:     filepath.Clean(dir),
		opts:    opts,
		log:     opts.Logger,
		now:     opts.Now,
		workers: opts.Workers,
		racy:    defaultRacyWindow,
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.workers <= 0 {
		r.workers = runtime.GOMAXPROCS(0)
	}
	for _, d := range []string{r.dir, filepath.Join(r.dir, "objects"), filepath.Join(r.dir, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("dataset: open %s: %w", dir, err)
		}
	}
	abs, err := filepath.Abs(r.dir)
	if err == nil {
		r.realDir, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, fmt.Errorf("dataset: open %s: %w", dir, err)
	}
	r.dbPath = filepath.Join(r.dir, "index.db")
	db, err := openBolt(r.dbPath, opts.timeout(), false)
	if err != nil {
		return nil, err
	}
	if err := db.Update(initIndex); err != nil {
		db.Close()
		return nil, fmt.Errorf("dataset: open %s: %w", dir, err)
	}
	if opts.Shared {
		if err := db.Close(); err != nil {
			return nil, fmt.Errorf("dataset: open %s: %w", dir, err)
		}
	} else {
		r.db = db
	}
	return r, nil
}

func openBolt(path string, timeout time.Duration, readOnly bool) (*bbolt.DB, error) {
	db, err := bbolt.Open(path, 0o644, &bbolt.Options{
		Timeout:         timeout,
		ReadOnly:        readOnly,
		FreelistType:    bbolt.FreelistMapType,
		InitialMmapSize: indexMmapSize,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: gave up on %s after %v: %w", ErrLocked, path, timeout, err)
		}
		return nil, fmt.Errorf("dataset: open %s: %w", path, err)
	}
	if indexMmapSize > 0 {
		db.AllocSize = indexAllocSize
	}
	return db, nil
}

// indexAllocSize is the step in which index.db grows once it is larger
// than its map (bbolt's default is 16 MiB).
const indexAllocSize = 4 << 20

// Dir returns the repository's folder, as given to Open.
func (r *Repo) Dir() string { return r.dir }

// Close releases the index file. Calls still running finish first; calls
// after Close fail with ErrClosed. File systems returned by FS keep
// working, since they read objects directly.
func (r *Repo) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	if r.db != nil {
		if err := r.db.Close(); err != nil {
			return fmt.Errorf("dataset: close %s: %w", r.dir, err)
		}
	}
	return nil
}

// begin marks the start of a call; the returned function ends it.
func (r *Repo) begin() (func(), error) {
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		return nil, ErrClosed
	}
	return r.mu.RUnlock, nil
}

// beginExclusive starts a call that no other call of this Repo may
// overlap (GC).
func (r *Repo) beginExclusive() (func(), error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	return r.mu.Unlock, nil
}

// view runs fn in a read-only transaction on the index.
func (r *Repo) view(fn func(*bbolt.Tx) error) error {
	if r.db != nil {
		return r.db.View(fn)
	}
	r.dbMu.Lock()
	defer r.dbMu.Unlock()
	db, err := openBolt(r.dbPath, r.opts.timeout(), true)
	if err != nil {
		return err
	}
	err = db.View(fn)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("dataset: close %s: %w", r.dbPath, cerr)
	}
	return err
}

// update runs fn in a read-write transaction on the index; the
// transaction is fsynced before update returns.
func (r *Repo) update(fn func(*bbolt.Tx) error) error {
	if r.db != nil {
		return r.db.Update(fn)
	}
	r.dbMu.Lock()
	defer r.dbMu.Unlock()
	db, err := openBolt(r.dbPath, r.opts.timeout(), false)
	if err != nil {
		return err
	}
	err = db.Update(fn)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("dataset: close %s: %w", r.dbPath, cerr)
	}
	return err
}

// lockRepo takes the repository lock in Shared mode (see Options.Shared):
// shared for calls that add objects, exclusive for GC. Outside Shared mode
// the index file's own lock, held from Open to Close, already keeps other
// processes out, and lockRepo does nothing.
func (r *Repo) lockRepo(ctx context.Context, exclusive bool) (func(), error) {
	if !r.opts.Shared {
		return func() {}, nil
	}
	path := filepath.Join(r.dir, "lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("dataset: lock %s: %w", path, err)
	}
	timeout := r.opts.timeout()
	start := time.Now()
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		ok, err := tryLock(f, exclusive)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("dataset: lock %s: %w", path, err)
		}
		if ok {
			return func() { f.Close() }, nil
		}
		if timeout > 0 && time.Since(start) > timeout {
			f.Close()
			return nil, fmt.Errorf("%w: gave up on %s after %v: %w", ErrLocked, path, timeout, berrors.ErrTimeout)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("dataset: lock %s: %w", path, ctx.Err())
		case <-time.After(delay):
		}
	}
}

func (r *Repo) event(name string) {
	if r.hook != nil {
		r.hook(name)
	}
}
