package registry

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/storage"
)

// Options configures a Registry. The zero value gives the defaults
// documented on each field.
type Options struct {
	// Timeout is how long a call waits while another process keeps the
	// registry's file (# Storage in the package doc): zero means a second,
	// a negative value as long as the call's context allows. A call that
	// gives up fails with ErrLocked, joined with bbolt's ErrTimeout.
	Timeout time.Duration
	// Logger receives debug records (registrations, alias moves) and
	// Watch errors. Nil means a logger that discards everything.
	Logger *slog.Logger
	// Now is the clock for creation times and alias history. Nil means
	// time.Now.
	Now func() time.Time
	// Blobs is the location of the blob store that holds model bytes: a
	// folder (the bytes go to <folder>/objects/, shared with track's
	// artifacts and dataset's files when they name the same folder). ""
	// means the registry's own bucket in the database file, where a
	// version's bytes commit in the same transaction as its record; see
	// # Storage in the package doc.
	Blobs string
	// User is recorded as the author of writes whose options name none
	// (RegisterOptions.By, AliasOptions.By). Empty means the name of the
	// user running the process, or "" if it cannot be found.
	User string
	// PollInterval is how often a Watch checks the file for moves made
	// by other processes (or another Registry on the same file). Moves
	// made through this Registry are seen at once. Zero means 20 ms; it
	// cannot be less than 1 ms.
	PollInterval time.Duration
	// MaxModelBytes is the largest model Register accepts. Zero means
	// DefaultMaxModelBytes (64 MiB).
	MaxModelBytes int64
}

// Registry is a model registry on a records store (one bbolt file by
// default). It is safe for concurrent use by many goroutines, and by
// several processes on the same file with the default options. Every
// method is one transaction (Register with Options.Blobs adds a Put before
// it; Load with it a read after it). Close it when done.
type Registry struct {
	path     string
	log      *slog.Logger
	now      func() time.Time
	blobs    blob.Store // nil: blobs live in the bucket registry/blobs
	user     string
	maxBytes int64
	timeout  time.Duration
	db       kv.DB

	mu     sync.Mutex // guards closed and watch.Add
	closed bool
	done   chan struct{} // closed by Close
	watch  sync.WaitGroup
}

// errs are the sentinels the storage core wraps its failures in.
var errs = kv.Errors{Corrupt: ErrCorrupt, Locked: ErrLocked, Closed: ErrClosed, NotFound: ErrNotFound, Invalid: ErrInvalid}

var blobErrs = blob.Errors{Corrupt: ErrCorrupt, NotFound: ErrNotFound, Invalid: ErrInvalid, Locked: ErrLocked}

// Open opens (creating it and its folder if needed) the registry database
// at path with the default Options: model bytes are stored inside it,
// and other processes (a server following an alias, a dashboard) may use
// the file at the same time.
func Open(path string) (*Registry, error) { return OpenWith(path, Options{}) }

// OpenWith is Open with options.
func OpenWith(path string, opts Options) (*Registry, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: empty database path", ErrInvalid)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	reg := &Registry{
		path: path, log: opts.Logger, now: opts.Now, user: opts.User,
		maxBytes: opts.MaxModelBytes, timeout: opts.Timeout, done: make(chan struct{}),
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
	if reg.maxBytes == 0 {
		reg.maxBytes = DefaultMaxModelBytes
	}
	if reg.timeout == 0 {
		reg.timeout = time.Second
	}
	db, err := storage.OpenRecords(ctx, path, storage.RecordsOptions{
		Timeout: opts.Timeout, Logger: reg.log, Errors: errs, Poll: opts.PollInterval,
	})
	if err != nil {
		return nil, fmt.Errorf("registry: open %s: %w", storage.Redact(path), err)
	}
	reg.db = db
	if err := db.Update(ctx, func(tx kv.Tx) error { return schema.Init(tx, ErrCorrupt) }); err != nil {
		db.Close()
		return nil, fmt.Errorf("registry: open %s: %w", storage.Redact(path), err)
	}
	if opts.Blobs != "" {
		bs, err := storage.OpenBlobs(ctx, opts.Blobs, storage.BlobsOptions{Errors: blobErrs})
		if err == nil {
			err = storage.Register(ctx, bs, path, namespace)
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("registry: open %s: blobs %s: %w", storage.Redact(path), storage.Redact(opts.Blobs), err)
		}
		reg.blobs = bs
	}
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
// them and for the calls in flight to end, and releases the database.
// Calls after Close fail with ErrClosed. Close is idempotent.
func (reg *Registry) Close() error {
	reg.mu.Lock()
	if reg.closed {
		reg.mu.Unlock()
		return nil
	}
	reg.closed = true
	close(reg.done)
	reg.mu.Unlock()
	reg.watch.Wait()
	err := reg.db.Close()
	if reg.blobs != nil {
		if berr := storage.CloseBlobs(reg.blobs); err == nil {
			err = berr
		}
	}
	if err != nil {
		return fmt.Errorf("registry: close %s: %w", storage.Redact(reg.path), err)
	}
	return nil
}

// Path returns the database's location, as given to Open.
func (reg *Registry) Path() string { return reg.path }

// BlobsLocation returns the location of the blob store that holds model
// bytes, or "" when they are kept in the database.
func (reg *Registry) BlobsLocation() string {
	if reg.blobs == nil {
		return ""
	}
	return filepath.Clean(reg.blobs.Location())
}

// view runs fn in a read-only transaction.
func (reg *Registry) view(ctx context.Context, fn func(*txn) error) error {
	return reg.db.View(ctx, func(tx kv.Tx) error {
		t := bind(reg, tx)
		return t.done(fn(t))
	})
}

// update runs fn in a read-write transaction, committed if fn returns nil.
func (reg *Registry) update(ctx context.Context, fn func(*txn) error) error {
	return reg.db.Update(ctx, func(tx kv.Tx) error {
		t := bind(reg, tx)
		return t.done(fn(t))
	})
}

// by returns who a write is recorded as made by.
func (reg *Registry) by(given string) string {
	if given != "" {
		return given
	}
	return reg.user
}

// GCResult reports what a GC removed: Records is always 0 here (deleted
// versions are removed by DeleteVersion), Blobs and Bytes count the model
// bytes deleted from the blob store. It has the same shape in every
// cairn package.
type GCResult = storage.GCResult

// GC deletes, from the blob store of Options.Blobs, the model bytes that
// no version refers to any more, and that nothing else sharing the store
// (track's artifacts, dataset's files) refers to either: it reads every
// holder registered in the store, and runs under the store's collection
// lock, so bytes being registered are never taken. Without Options.Blobs
// there is nothing to collect: DeleteVersion removes bytes in the
// database as soon as no version holds them.
func (reg *Registry) GC(ctx context.Context) (GCResult, error) {
	if reg.blobs == nil {
		return GCResult{}, nil
	}
	var deadline time.Time
	if reg.timeout > 0 {
		deadline = time.Now().Add(reg.timeout)
	}
	res, err := storage.Sweep(ctx, reg.blobs, storage.SweepOptions{Deadline: deadline, Errors: errs, Logger: reg.log, Locations: []string{reg.path}})
	if err != nil {
		return res, fmt.Errorf("registry: gc: %w", err)
	}
	reg.log.LogAttrs(ctx, slog.LevelInfo, "registry: gc", slog.Int("blobs", res.Blobs), slog.Int64("bytes", res.Bytes))
	return res, nil
}
