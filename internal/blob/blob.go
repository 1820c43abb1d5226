// Package blob is the blob contract of cairn's storage core:
// content-addressed bytes, named by their SHA-256 digest, put once and
// never rewritten, verified against the digest whenever they are read.
// Data set files, run artifacts and model versions all live in one.
//
// # Engines
//
// internal/blob/dirblob keeps blobs in a folder, objects/ab/cdef...
// (the embedded default); internal/blob/kvblob keeps them in a records
// store (a registry's own bbolt file, or PostgreSQL). Open in
// internal/storage picks the engine from a location string.
//
// # Sharing and collection
//
// Several stores of records (track's runs, registry's versions, dataset's
// versions) may refer to blobs in one blob store; each is a holder,
// registered in the blob store (AddHolder) with the location of its
// records, and keeps the digests it refers to in the bucket
// "<namespace>/blobrefs" (keys that begin with the 32 raw bytes of a
// digest). A collection (internal/storage's Sweep) deletes only blobs
// that no registered holder refers to, and it runs under the store's
// exclusive lock while every writer holds the shared lock from the moment
// it puts a blob until the record that refers to it has committed; so no
// holder's GC can delete what another holder, or a write in flight,
// still needs, whatever order they run in.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/internal/perr"
)

// Digest is the SHA-256 of a blob's bytes. Its zero value means "not
// given" where a digest is optional.
type Digest [32]byte

// Sum returns the digest of b.
func Sum(b []byte) Digest { return sha256.Sum256(b) }

// String returns "sha256:<64 lower-case hex>".
func (d Digest) String() string { return "sha256:" + hex.EncodeToString(d[:]) }

// Hex returns the 64 lower-case hex digits.
func (d Digest) Hex() string { return hex.EncodeToString(d[:]) }

// IsZero reports whether d is the zero Digest.
func (d Digest) IsZero() bool { return d == Digest{} }

// ErrBadDigest reports a digest string that is not "sha256:<64 hex>".
var ErrBadDigest = errors.New("blob: bad digest")

// ParseDigest parses "sha256:<64 lower-case hex>".
func ParseDigest(s string) (Digest, error) {
	var d Digest
	h, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(h) != 64 || strings.ToLower(h) != h {
		return d, fmt.Errorf("%w: %q is not sha256:<64 lower-case hex>", ErrBadDigest, clip(s))
	}
	if _, err := hex.Decode(d[:], []byte(h)); err != nil {
		return d, fmt.Errorf("%w: %q is not sha256:<64 lower-case hex>", ErrBadDigest, clip(s))
	}
	return d, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// Info describes a stored blob.
type Info struct {
	Digest  Digest
	Size    int64
	ModTime time.Time // when it was last put
}

// Store is the blob contract. Implementations are safe for concurrent
// use, by several processes too.
type Store interface {
	// Put stores the bytes of r and returns their digest and size. If
	// want is not zero the bytes must hash to it: otherwise nothing is
	// stored and the error wraps the Corrupt sentinel. Putting bytes that
	// are stored already is not an error (it renews their ModTime).
	Put(ctx context.Context, r io.Reader, want Digest) (Digest, int64, error)
	// Open returns the blob's bytes. They are verified as they are read:
	// the Read that reaches the end returns an error wrapping the Corrupt
	// sentinel instead of io.EOF if they do not hash to d. A missing blob
	// is an error wrapping the NotFound sentinel.
	Open(ctx context.Context, d Digest) (io.ReadCloser, error)
	// Has reports whether the blob is stored, without reading it.
	Has(ctx context.Context, d Digest) (bool, error)
	// Delete removes the blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, d Digest) error
	// Walk calls fn for every stored blob, in no particular order.
	Walk(ctx context.Context, fn func(Info) error) error
	// Location names the store ("cairn-data", "s3://bucket/prefix").
	Location() string
}

// Sized is bytes that can be read at any offset and whose size is known,
// such as an open file: a Put given an io.Reader that is also Sized may
// read it more than once, at offsets, instead of copying it first (on S3
// a large blob would otherwise be spooled to a temporary file to learn
// its digest). Such a Put checks the digest of what it read itself. The
// readers dirblob's Open returns are Sized; their ReadAt reads the
// stored bytes unverified (Read verifies them), so only a Put that checks
// them against want should use it.
type Sized interface {
	io.ReaderAt
	Size() int64
}

// Holder is a store of records that refers to blobs of a blob store.
type Holder struct {
	// Location is where the records are, as the storage core opens it: a
	// path (relative to the blob store's folder when it is inside the
	// same tree) or a URL.
	Location string `json:"location"`
	// Namespace is the holder's bucket prefix: its references are the
	// keys of the bucket Namespace+"/blobrefs".
	Namespace string `json:"namespace"`
}

// Holders is implemented by stores that can be shared by several holders
// and collected (every engine here).
type Holders interface {
	// AddHolder registers h; registering it again is not an error.
	AddHolder(ctx context.Context, h Holder) error
	// Holders returns the registered holders.
	Holders(ctx context.Context) ([]Holder, error)
}

// Locker is implemented by stores with a collection lock. Writers take it
// shared from a Put until the record that refers to the blob commits; a
// collection takes it exclusive. A zero deadline waits until ctx ends.
type Locker interface {
	Lock(ctx context.Context, exclusive bool, deadline time.Time) (unlock func(), err error)
}

// Errors holds the sentinels a store wraps its failures in (see
// kv.Errors); a nil field means the package's own below.
type Errors struct {
	Corrupt  error
	NotFound error
	Invalid  error
	Locked   error
}

// The package's own sentinels, joined to the caller's.
var (
	ErrCorrupt  = errors.New("blob: bytes do not match their digest")
	ErrNotFound = errors.New("blob: not found")
	ErrInvalid  = errors.New("blob: invalid argument")
	ErrLocked   = errors.New("blob: store locked")
)

// Wrap returns an error reading "<sentinel>: <what>: <err>" that wraps
// kind's sentinel as set in e (or the package's own), kind, and err.
func (e Errors) Wrap(kind error, what string, err error) error {
	var mine error
	switch kind {
	case ErrCorrupt:
		mine = e.Corrupt
	case ErrNotFound:
		mine = e.NotFound
	case ErrInvalid:
		mine = e.Invalid
	case ErrLocked:
		mine = e.Locked
	}
	if mine == nil {
		mine = kind
	}
	return &perr.KindError{Mine: mine, Kind: kind, What: what, Err: err}
}

// Verifier reads through to r, hashing what passes, and at the end
// checks the hash (and the size, if known): on a mismatch the final Read
// returns an error wrapping the Corrupt sentinel instead of io.EOF. Engines
// wrap what Open returns in one.
type Verifier struct {
	r    io.Reader
	h    hash.Hash
	want Digest
	size int64 // -1 if unknown
	n    int64
	errs Errors
	err  error
}

// NewVerifier returns a Verifier of r against want; size is the expected
// length, or -1.
func NewVerifier(r io.Reader, want Digest, size int64, errs Errors) *Verifier {
	return &Verifier{r: r, h: sha256.New(), want: want, size: size, errs: errs}
}

func (v *Verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if v.size >= 0 && v.n > v.size {
		v.err = v.errs.Wrap(ErrCorrupt, fmt.Sprintf("blob %s is longer than %d bytes", v.want, v.size), nil)
		return n, v.err
	}
	if err == io.EOF {
		var got Digest
		v.h.Sum(got[:0])
		switch {
		case v.size >= 0 && v.n != v.size:
			err = v.errs.Wrap(ErrCorrupt, fmt.Sprintf("blob %s has %d bytes, want %d", v.want, v.n, v.size), nil)
		case got != v.want:
			err = v.errs.Wrap(ErrCorrupt, fmt.Sprintf("blob %s hashes to %s", v.want, got), nil)
		}
	}
	if err != nil {
		v.err = err
	}
	return n, err
}

// ReadAll reads a whole blob into memory, verified: a blob that fails
// its digest is an error, never returned bytes. size is the blob's
// length if known (more bytes than that are an error wrapping the Corrupt
// sentinel of errs, and nothing more is read), or -1.
func ReadAll(ctx context.Context, s Store, d Digest, size int64, errs Errors) ([]byte, error) {
	rc, err := s.Open(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var r io.Reader = CtxReader{Ctx: ctx, R: rc}
	if size >= 0 {
		r = io.LimitReader(r, size+1)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if size >= 0 && int64(len(b)) != size {
		return nil, errs.Wrap(ErrCorrupt, fmt.Sprintf("blob %s has not %d bytes", d, size), nil)
	}
	return b, nil
}

// OpenChecked opens a blob and checks it before returning it: it reads
// the blob through once (hashing it, and comparing its length with size
// unless size is -1), then opens it again for the caller, whose reads are
// verified as well. A blob that fails is an error wrapping the Corrupt
// sentinel of errs, never bytes. It costs a second read; use it where
// bytes must not be sent on before they are known good (a download).
func OpenChecked(ctx context.Context, s Store, d Digest, size int64, errs Errors) (io.ReadCloser, error) {
	rc, err := s.Open(ctx, d)
	if err != nil {
		return nil, err
	}
	var r io.Reader = CtxReader{Ctx: ctx, R: rc}
	if size >= 0 {
		r = io.LimitReader(r, size+1)
	}
	n, err := io.Copy(io.Discard, r)
	rc.Close()
	if err != nil {
		return nil, err
	}
	if size >= 0 && n != size {
		return nil, errs.Wrap(ErrCorrupt, fmt.Sprintf("blob %s has not %d bytes", d, size), nil)
	}
	return s.Open(ctx, d)
}

// CtxReader stops a copy when its context is done.
type CtxReader struct {
	Ctx context.Context
	R   io.Reader
}

func (c CtxReader) Read(p []byte) (int, error) {
	if err := c.Ctx.Err(); err != nil {
		return 0, err
	}
	return c.R.Read(p)
}

// Lock takes s's collection lock if it has one (see Locker), and returns
// a no-op unlock otherwise.
func Lock(ctx context.Context, s Store, exclusive bool, deadline time.Time) (func(), error) {
	if l, ok := s.(Locker); ok {
		return l.Lock(ctx, exclusive, deadline)
	}
	return func() {}, nil
}
