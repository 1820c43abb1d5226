package dataset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/blob/dirblob"
	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/storage"
)

// Options tunes a Repo. The zero value gives the documented defaults.
type Options struct {
	// Timeout bounds each wait for another process: for the index file,
	// and for the blob store's collection lock (a GC waits for commits
	// in flight, a commit for a GC). Zero means one second; a negative
	// value waits until the call's context ends. When it runs out the
	// error wraps ErrLocked.
	Timeout time.Duration
	// Logger receives one record per commit, pull and GC. Nil means a
	// logger that discards everything.
	Logger *slog.Logger
	// Now stamps new versions. Nil means time.Now. (The hash cache never
	// uses it: it compares file times with the real clock.)
	Now func() time.Time
	// Index is the location of the version index: the names, versions
	// and the blob references. "" means <dir>/index.db. A postgres:// URL
	// (postgres://user:password@host:port/db?schema=name) puts it in a
	// PostgreSQL database, where every machine that opens it sees the
	// same versions; the hash cache, which describes this machine's
	// files, stays in <dir>/index.db.
	Index string
	// Blobs is the location of the blob store that holds file contents
	// and manifests: a folder, whose objects/ track's artifacts and the
	// registry's model bytes may share, or an s3:// URL (see the package
	// doc). "" means the location the repository recorded when it was
	// made, or for a new repository the repository's own folder
	// (<dir>/objects/) or, with an Index in PostgreSQL, the index's
	// database. A repository keeps the location it was made with:
	// opening it with another is ErrInvalid.
	Blobs string
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

// defaultRacyWindow is how far a file's mtime and ctime must lie before
// the moment it was hashed for its hash cache entry to be trusted (see
// the package doc, # Hash cache).
const defaultRacyWindow = 2 * time.Second

// Repo is a version repository in a folder. Open one with Open or
// OpenWith and Close it when done. A Repo is safe for concurrent use by
// several goroutines, and several processes may use one repository at
// once with the default options.
type Repo struct {
	dir     string // as given to Open, cleaned
	realDir string // absolute, symbolic links resolved
	index   string // the location of the version index
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	workers int
	racy    time.Duration
	db      kv.DB // the version index
	cache   kv.DB // the hash cache: db, or <dir>/index.db if db is elsewhere
	blobs   blob.Store

	// maxHeld, when set by a test, replaces the batches' bound on
	// unnamed files held open.
	maxHeld int
	// hook, when set by a test, is called at named points of a commit
	// (see crash_internal_test.go).
	hook func(event string)
}

// errs are the sentinels the storage core wraps its failures in.
var (
	errs     = kv.Errors{Corrupt: ErrCorrupt, Locked: ErrLocked, Closed: ErrClosed, NotFound: ErrNotFound, Invalid: ErrInvalid}
	blobErrs = blob.Errors{Corrupt: ErrCorrupt, NotFound: ErrNotFound, Invalid: ErrInvalid, Locked: ErrLocked}
)

// Open opens the version repository in folder dir, creating the folder
// and an empty repository if needed. It is OpenWith(dir, Options{}).
func Open(dir string) (*Repo, error) { return OpenWith(dir, Options{}) }

// OpenWith opens the version repository in folder dir with opts. The
// folder holds index.db (the names, versions and hash cache, in the
// storage core's records store; only the hash cache when opts.Index is
// elsewhere) and, unless opts.Blobs names another location, objects/
// (file contents and manifests, named by hash). Several Repos, in one
// process or many, on one machine or many with a shared Index, may open
// one repository at once. A damaged index (emptied, truncated,
// overwritten) is an error wrapping ErrCorrupt, never a new repository.
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
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return nil, fmt.Errorf("dataset: open %s: %w", dir, err)
	}
	abs, err := filepath.Abs(r.dir)
	if err == nil {
		r.realDir, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, fmt.Errorf("dataset: open %s: %w", dir, err)
	}
	ctx := context.Background()
	local := filepath.Join(r.dir, "index.db")
	r.index = local
	if opts.Index != "" {
		r.index = opts.Index
	}
	if err := r.open(ctx, local); err != nil {
		r.closeStores()
		return nil, fmt.Errorf("dataset: open %s: %w", dir, err)
	}
	return r, nil
}

// open opens the index, the hash cache (the index itself unless the
// index is elsewhere than local) and the blob store.
func (r *Repo) open(ctx context.Context, local string) error {
	ro := storage.RecordsOptions{
		Timeout: r.opts.Timeout, Logger: r.log, Errors: errs, Nested: []string{bucketVersions},
		MmapSize: indexMmapSize, AllocSize: indexAllocSize,
	}
	// (Each store is kept only once open: a failed open returns a nil
	// pointer in a non-nil interface.)
	db, err := storage.OpenRecords(ctx, r.index, ro)
	if err != nil {
		return err
	}
	r.db, r.cache = db, db
	if !sameLocation("", local, r.index) {
		cache, err := storage.OpenRecords(ctx, local, ro)
		if err != nil {
			return err
		}
		r.cache = cache
		if err := cache.Update(ctx, func(tx kv.Tx) error { return schema.Init(tx, ErrCorrupt) }); err != nil {
			return err
		}
	}
	loc, err := r.initIndex(ctx, r.opts.Blobs)
	if err != nil {
		return err
	}
	bs, err := storage.OpenBlobs(ctx, loc, storage.BlobsOptions{Errors: blobErrs})
	if err != nil {
		return err
	}
	r.blobs = bs
	return storage.Register(ctx, r.blobs, r.index, namespace)
}

// closeStores closes what open opened.
func (r *Repo) closeStores() error {
	var errs []error
	if r.blobs != nil {
		errs = append(errs, storage.CloseBlobs(r.blobs))
	}
	if r.cache != nil && r.cache != r.db {
		errs = append(errs, r.cache.Close())
	}
	if r.db != nil {
		errs = append(errs, r.db.Close())
	}
	return errors.Join(errs...)
}

// indexAllocSize is the step in which index.db grows once it is larger
// than its map (bbolt's default is 16 MiB).
const indexAllocSize = 4 << 20

// Dir returns the repository's folder, as given to Open.
func (r *Repo) Dir() string { return r.dir }

// IndexLocation returns the location of the version index, its password
// (if any) redacted.
func (r *Repo) IndexLocation() string { return storage.Redact(r.index) }

// BlobsLocation returns the location of the blob store that holds the
// repository's objects.
func (r *Repo) BlobsLocation() string { return r.blobs.Location() }

// Close waits for the calls in flight and releases the index. Calls
// after Close fail with ErrClosed. File systems returned by FS keep
// working, since they read objects directly. Close is idempotent.
func (r *Repo) Close() error {
	if err := r.closeStores(); err != nil {
		return fmt.Errorf("dataset: close %s: %w", r.dir, err)
	}
	return nil
}

// deadline returns when a wait that starts now must give up (the zero
// time: never).
func (r *Repo) deadline() time.Time {
	switch t := r.opts.Timeout; {
	case t < 0:
		return time.Time{}
	case t == 0:
		return time.Now().Add(time.Second)
	default:
		return time.Now().Add(t)
	}
}

// live returns ErrClosed after Close, before work that would not meet
// the index until late.
func (r *Repo) live(ctx context.Context) error {
	return r.view(ctx, func(kv.Tx) error { return nil })
}

// view runs fn in a read-only transaction on the index.
func (r *Repo) view(ctx context.Context, fn func(kv.Tx) error) error {
	return r.db.View(ctx, func(tx kv.Tx) error {
		if err := checkBuckets(tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

// viewCache runs fn in a read-only transaction on the hash cache, when
// it is not in the index.
func (r *Repo) viewCache(ctx context.Context, fn func(kv.Tx) error) error {
	return r.cache.View(ctx, func(tx kv.Tx) error {
		if tx.Bucket(bucketCache) == nil {
			return fmt.Errorf("%w: %s has no bucket %q", ErrCorrupt, filepath.Join(r.dir, "index.db"), bucketCache)
		}
		return fn(tx)
	})
}

// updateCache runs fn in a read-write transaction on the hash cache, when
// it is not in the index.
func (r *Repo) updateCache(ctx context.Context, fn func(kv.Tx) error) error {
	return r.cache.Update(ctx, func(tx kv.Tx) error {
		if tx.Bucket(bucketCache) == nil {
			return fmt.Errorf("%w: %s has no bucket %q", ErrCorrupt, filepath.Join(r.dir, "index.db"), bucketCache)
		}
		return fn(tx)
	})
}

// checkBuckets fails if the index lost a bucket (a damaged file).
func checkBuckets(tx kv.Tx) error {
	for _, name := range append([]string{bucketMeta}, schema.Buckets...) {
		if tx.Bucket(name) == nil {
			return fmt.Errorf("%w: the index has no bucket %q", ErrCorrupt, name)
		}
	}
	return nil
}

// update runs fn in a read-write transaction on the index; the
// transaction is durable before update returns.
func (r *Repo) update(ctx context.Context, fn func(kv.Tx) error) error {
	return r.db.Update(ctx, func(tx kv.Tx) error {
		if err := checkBuckets(tx); err != nil {
			return err
		}
		return fn(tx)
	})
}

// lockBlobs takes the blob store's collection lock: shared for calls that
// add objects and record versions (until the version commits, no
// collection can take its objects), exclusive for GC.
func (r *Repo) lockBlobs(ctx context.Context, exclusive bool) (func(), error) {
	unlock, err := blob.Lock(ctx, r.blobs, exclusive, r.deadline())
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	return unlock, nil
}

// newBatch starts a batch of new objects: the folder engine's, or a
// generic one for other stores.
func (r *Repo) newBatch(deferSync bool, workers int) (batch, error) {
	if d, ok := r.blobs.(*dirblob.Store); ok {
		return d.NewBatch(dirblob.BatchOptions{Defer: deferSync, Workers: workers, MaxHeld: r.maxHeld, Event: r.event})
	}
	return blob.NewBatch(r.blobs, workers)
}

func (r *Repo) event(name string) {
	if r.hook != nil {
		r.hook(name)
	}
}
