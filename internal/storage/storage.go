// Package storage opens the engines of cairn's storage core by location
// and holds what every store built on them shares: schema versions, the
// collection of unreferenced blobs, and the one GC result.
//
// A records location is a path to a bbolt file (the embedded engine),
// "memory:" for a store that lives in the process, or a PostgreSQL URL
// (postgres://user:password@host:port/db?sslmode=disable&schema=cairn,
// see internal/kv/pgkv). A blob location is a folder (objects/ inside
// it). Other URLs are refused with ErrUnsupported.
package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/blob/dirblob"
	"github.com/cairn-ml/cairn/internal/blob/kvblob"
	"github.com/cairn-ml/cairn/internal/blob/s3blob"
	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/kv/boltkv"
	"github.com/cairn-ml/cairn/internal/kv/memkv"
	"github.com/cairn-ml/cairn/internal/kv/pgkv"
)

// Memory is the records location of a store that lives in the process.
const Memory = "memory:"

// ErrUnsupported reports a location of an engine this build lacks.
var ErrUnsupported = errors.New("storage: unsupported location")

// RecordsOptions configures OpenRecords. The zero value gives the
// defaults of each engine.
type RecordsOptions struct {
	Timeout  time.Duration // lock wait (see boltkv.Options)
	Poll     time.Duration // how often subscriptions look for changes by others
	Logger   *slog.Logger
	Errors   kv.Errors
	NoCreate bool
	Nested   []string // boltkv: buckets holding nested buckets
	// MmapSize and AllocSize tune the bbolt engine.
	MmapSize, AllocSize int
	NoSync              bool
}

// Redact returns location with the password of a URL replaced by
// "xxxxx", for messages; a path is returned as it is.
func Redact(location string) string {
	if !IsURL(location) {
		return location
	}
	return pgkv.Redact(location)
}

// NoPassword returns location in the form to record where others read
// it: a PostgreSQL URL without its password (whoever opens it finds the
// password in PGPASSWORD or ~/.pgpass, or gives the whole URL), redacted
// if it does not parse; any other location as it is.
func NoPassword(location string) string {
	if !pgkv.IsLocation(location) {
		return location
	}
	if loc, err := pgkv.ParseLocation(location); err == nil {
		return loc.NoPassword
	}
	return Redact(location)
}

// IsURL reports whether location is a URL (scheme://...) rather than a
// path.
func IsURL(location string) bool {
	i := strings.Index(location, "://")
	return i > 0 && !strings.ContainsAny(location[:i], `/\.`)
}

// OpenRecords opens the records store at location.
func OpenRecords(ctx context.Context, location string, opts RecordsOptions) (kv.DB, error) {
	switch {
	case location == "":
		return nil, opts.Errors.Wrap(kv.ErrInvalid, "empty location", nil)
	case location == Memory:
		return memkv.New(location, opts.Errors), nil
	case pgkv.IsLocation(location):
		return pgkv.Open(ctx, location, pgkv.Options{
			Errors: opts.Errors, Newer: ErrNewer, Logger: opts.Logger, NoCreate: opts.NoCreate, LockTimeout: opts.Timeout,
		})
	case IsURL(location):
		return nil, opts.Errors.Wrap(kv.ErrInvalid, "records location "+Redact(location), ErrUnsupported)
	}
	return boltkv.Open(ctx, location, boltkv.Options{
		Timeout: opts.Timeout, Poll: opts.Poll, Logger: opts.Logger, Errors: opts.Errors, NoCreate: opts.NoCreate,
		Nested: opts.Nested, MmapSize: opts.MmapSize, AllocSize: opts.AllocSize, NoSync: opts.NoSync,
	})
}

// BlobsOptions configures OpenBlobs.
type BlobsOptions struct {
	Errors blob.Errors
	NoSync bool
	Logger *slog.Logger
}

// OpenBlobs opens the blob store at location: a folder that holds, or
// will hold, objects/ (internal/blob/dirblob); an S3 location,
// s3://bucket/prefix?endpoint=http://host:port&region=r, with credentials
// from the standard AWS chain (internal/blob/s3blob); or a PostgreSQL
// location, whose tables then hold the blobs too (internal/blob/kvblob:
// fine for models and small artifacts; see its doc for when to move to
// S3). A store that holds a connection is an io.Closer: close it with
// the records store.
func OpenBlobs(ctx context.Context, location string, opts BlobsOptions) (blob.Store, error) {
	switch {
	case location == "":
		return nil, opts.Errors.Wrap(blob.ErrInvalid, "empty blob location", nil)
	case strings.HasPrefix(location, "s3://"):
		return s3blob.Open(ctx, location, s3blob.Options{Errors: opts.Errors, Logger: opts.Logger})
	case pgkv.IsLocation(location):
		db, err := pgkv.Open(ctx, location, pgkv.Options{
			Errors: kv.Errors{NotFound: opts.Errors.NotFound, Invalid: opts.Errors.Invalid, Locked: opts.Errors.Locked, Corrupt: opts.Errors.Corrupt},
			Newer:  ErrNewer, Logger: opts.Logger, MaxConns: 4,
		})
		if err != nil {
			return nil, err
		}
		return ownedBlobs{kvblob.New(db, kvblob.Options{Errors: opts.Errors})}, nil
	case IsURL(location):
		return nil, opts.Errors.Wrap(blob.ErrInvalid, "blob location "+Redact(location), ErrUnsupported)
	}
	s := dirblob.New(location, dirblob.Options{Errors: opts.Errors, NoSync: opts.NoSync})
	s.CleanTemps()
	return s, nil
}

// ownedBlobs is a blob store in a records store it opened: Close closes
// that.
type ownedBlobs struct{ *kvblob.Store }

func (o ownedBlobs) Close() error { return o.DB().Close() }

// DefaultBlobs returns the blob location of a records store opened with
// none: the folder that holds a bbolt file (blobs in its objects/), or a
// PostgreSQL location itself (blobs in its tables).
func DefaultBlobs(recordsLocation string) string {
	if pgkv.IsLocation(recordsLocation) {
		return recordsLocation
	}
	return filepath.Dir(recordsLocation)
}

// CloseBlobs closes bs if it holds a connection (see OpenBlobs).
func CloseBlobs(bs blob.Store) error {
	if c, ok := bs.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// ErrNewer reports a store written by a newer version of cairn.
var ErrNewer = errors.New("storage: written by a newer version of cairn (upgrade cairn to read it)")

// Schema describes a package's buckets in a records store: its
// namespace, the buckets it creates, and its schema version, kept under
// "schema" in the bucket Namespace+"/meta" as 8 big-endian bytes.
type Schema struct {
	Namespace string
	Version   uint64
	Buckets   []string
	// Migrate, if not nil, moves a store from version from to from+1, in
	// the update that opens it.
	Migrate func(tx kv.Tx, from uint64) error
}

// Init creates the schema's buckets in tx and checks (or migrates) its
// version. In a read-only transaction it only checks that the buckets
// exist and the version matches. corrupt wraps a schema record that is
// not one.
func (s Schema) Init(tx kv.Tx, corrupt error) error {
	meta := s.Namespace + "/meta"
	if !tx.Writable() {
		for _, name := range append([]string{meta}, s.Buckets...) {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("%w: no bucket %q", corrupt, name)
			}
		}
		return s.check(tx.Bucket(meta), corrupt)
	}
	if tx.Bucket(meta) == nil {
		// A new namespace: make it.
		mb, err := tx.CreateBucket(meta)
		if err != nil {
			return err
		}
		for _, name := range s.Buckets {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		return mb.Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, s.Version))
	}
	// An existing one: migrate it if it is older, and then every bucket
	// must be there. A missing bucket is damage, never made anew: that
	// would pass an empty bucket off as the store's content.
	mb := tx.Bucket(meta)
	v := mb.Get([]byte("schema"))
	if v == nil {
		return fmt.Errorf("%w: %s has no schema version", corrupt, meta)
	}
	if len(v) != 8 {
		return fmt.Errorf("%w: %s schema version is %d bytes", corrupt, s.Namespace, len(v))
	}
	for n := binary.BigEndian.Uint64(v); n < s.Version; n++ {
		if s.Migrate == nil {
			return fmt.Errorf("%w: %s schema %d, this version reads %d", corrupt, s.Namespace, n, s.Version)
		}
		if err := s.Migrate(tx, n); err != nil {
			return fmt.Errorf("migrate %s schema %d to %d: %w", s.Namespace, n, n+1, err)
		}
		if err := mb.Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, n+1)); err != nil {
			return err
		}
	}
	if err := s.check(mb, corrupt); err != nil {
		return err
	}
	for _, name := range s.Buckets {
		if tx.Bucket(name) == nil {
			return fmt.Errorf("%w: no bucket %q", corrupt, name)
		}
	}
	return nil
}

func (s Schema) check(mb kv.Bucket, corrupt error) error {
	v := mb.Get([]byte("schema"))
	if len(v) != 8 {
		return fmt.Errorf("%w: %s schema version is %d bytes", corrupt, s.Namespace, len(v))
	}
	switch n := binary.BigEndian.Uint64(v); {
	case n > s.Version:
		return fmt.Errorf("%s schema %d, this version reads %d: %w", s.Namespace, n, s.Version, ErrNewer)
	case n < s.Version:
		return fmt.Errorf("%w: %s schema %d, this version reads %d", corrupt, s.Namespace, n, s.Version)
	}
	return nil
}

// RefsIncomplete is the key a holder puts in its references bucket while
// the bucket does not yet hold every reference (an index made before it
// kept them): a sweep refuses to run until the holder has rebuilt it.
const RefsIncomplete = "incomplete"

// RefsBucket returns the name of a holder's references bucket.
func RefsBucket(namespace string) string { return namespace + "/blobrefs" }

// HolderLocation returns how a blob store registers the records store
// at recordsLocation: a path relative to the blob store's folder when
// both are paths (so that moving the whole tree keeps it right), a
// PostgreSQL URL without its password (the blob store is read by others;
// a sweep finds the password in SweepOptions.Locations, PGPASSWORD or
// ~/.pgpass), else the location as it is.
func HolderLocation(blobs blob.Store, recordsLocation string) string {
	if pgkv.IsLocation(recordsLocation) {
		return NoPassword(recordsLocation) // others read it
	}
	if IsURL(recordsLocation) || IsURL(blobs.Location()) || recordsLocation == Memory {
		return recordsLocation
	}
	root, err1 := filepath.Abs(blobs.Location())
	rec, err2 := filepath.Abs(recordsLocation)
	if err1 != nil || err2 != nil {
		return recordsLocation
	}
	if rel, err := filepath.Rel(root, rec); err == nil {
		return filepath.ToSlash(rel)
	}
	return rec
}

// resolveHolder turns a registered location back into one OpenRecords
// takes.
func resolveHolder(blobs blob.Store, location string) string {
	if IsURL(location) || location == Memory || filepath.IsAbs(location) || IsURL(blobs.Location()) {
		return location
	}
	return filepath.Join(blobs.Location(), filepath.FromSlash(location))
}

// Register registers the records store at recordsLocation, namespace ns,
// as a holder of blobs (if the store keeps holders).
func Register(ctx context.Context, blobs blob.Store, recordsLocation, ns string) error {
	hs, ok := blobs.(blob.Holders)
	if !ok || recordsLocation == Memory {
		return nil
	}
	return hs.AddHolder(ctx, blob.Holder{Location: HolderLocation(blobs, recordsLocation), Namespace: ns})
}

// GCResult reports what a GC removed: records (runs, versions), blobs
// and the bytes they held. Every package's GC returns one.
type GCResult struct {
	Records int
	Blobs   int
	Bytes   int64
}

// SweepOptions configures Sweep.
type SweepOptions struct {
	// Deadline bounds the wait for the collection lock (writers in
	// flight); zero waits until ctx ends.
	Deadline time.Time
	// Records opens a holder's records store; nil means OpenRecords with
	// NoCreate and the given Errors.
	Records func(ctx context.Context, location string) (kv.DB, error)
	Errors  kv.Errors
	Logger  *slog.Logger
	// Locations are records locations the caller has opened, with their
	// credentials: a holder registered under one of them less its
	// password (see HolderLocation) is opened with it.
	Locations []string
}

// Sweep deletes the blobs of bs that no registered holder refers to.
// It holds the store's collection lock (blob.Locker) exclusively, so no
// writer is between a Put and the commit of its reference, then reads
// every holder's references and deletes the rest. A holder that cannot
// be read (missing, locked, damaged) stops the sweep with its error:
// nothing is deleted on the strength of an index that could not be read.
func Sweep(ctx context.Context, bs blob.Store, opts SweepOptions) (GCResult, error) {
	var res GCResult
	unlock, err := blob.Lock(ctx, bs, true, opts.Deadline)
	if err != nil {
		return res, err
	}
	defer unlock()
	hs, ok := bs.(blob.Holders)
	if !ok {
		return res, fmt.Errorf("sweep %s: the store keeps no holders", bs.Location())
	}
	holders, err := hs.Holders(ctx)
	if err != nil {
		return res, err
	}
	if len(holders) == 0 {
		return res, fmt.Errorf("sweep %s: no holder is registered (nothing is deleted)", bs.Location())
	}
	open := opts.Records
	if open == nil {
		open = func(ctx context.Context, loc string) (kv.DB, error) {
			return OpenRecords(ctx, loc, RecordsOptions{NoCreate: true, Errors: opts.Errors, Logger: opts.Logger})
		}
	}
	live := map[blob.Digest]struct{}{}
	for _, h := range holders {
		loc := resolveHolder(bs, h.Location)
		for _, l := range opts.Locations {
			if HolderLocation(bs, l) == h.Location {
				loc = l
			}
		}
		db, err := open(ctx, loc)
		if err != nil {
			return res, fmt.Errorf("sweep %s: holder %s (%s): %w", bs.Location(), Redact(loc), h.Namespace, err)
		}
		err = db.View(ctx, func(tx kv.Tx) error {
			b := tx.Bucket(RefsBucket(h.Namespace))
			if b == nil {
				return opts.Errors.Wrap(kv.ErrCorrupt, fmt.Sprintf("no bucket %s", RefsBucket(h.Namespace)), nil)
			}
			if b.Get([]byte(RefsIncomplete)) != nil {
				return fmt.Errorf("its references are not complete yet (its own GC rebuilds them)")
			}
			c := b.Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				if len(k) < 32 {
					return opts.Errors.Wrap(kv.ErrCorrupt, fmt.Sprintf("%s: reference key of %d bytes", RefsBucket(h.Namespace), len(k)), nil)
				}
				live[blob.Digest(k[:32])] = struct{}{}
			}
			return nil
		})
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return res, fmt.Errorf("sweep %s: holder %s (%s): %w", bs.Location(), Redact(loc), h.Namespace, err)
		}
	}
	var doomed []blob.Info
	err = bs.Walk(ctx, func(i blob.Info) error {
		if _, ok := live[i.Digest]; !ok {
			doomed = append(doomed, i)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	for _, i := range doomed {
		if err := bs.Delete(ctx, i.Digest); err != nil {
			return res, err
		}
		res.Blobs++
		res.Bytes += i.Size
	}
	return res, nil
}
