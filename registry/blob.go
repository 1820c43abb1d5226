package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
)

// BlobStore holds content-addressed blobs, each named by its digest,
// "sha256:<64 lower-case hex>". It is the plug for Options.Blobs, with the
// method set of track's blob store, so track's local folder store (or an
// object store behind the same four methods) can hold model bytes.
// Implementations must be safe for concurrent use.
//
// The registry trusts no store: it hashes what Open returns and reports a
// mismatch as ErrCorrupt whatever the store says. It never calls Delete,
// because a store plugged in here may be shared with others (track's
// artifacts) who may hold the same blob; Has is not called either. Errors
// from the store come back wrapped, so errors.Is works on the store's own
// sentinels too.
type BlobStore interface {
	// Put stores the bytes of r and returns their digest and size. Storing
	// bytes that are already there is not an error.
	Put(ctx context.Context, r io.Reader) (digest string, size int64, err error)
	// Open returns the blob's content. It should not return content that
	// does not hash to digest (a mismatch should be an error wrapping the
	// store's ErrCorrupt).
	Open(ctx context.Context, digest string) (io.ReadCloser, error)
	// Has reports whether the blob is stored.
	Has(ctx context.Context, digest string) (bool, error)
	// Delete removes the blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, digest string) error
}

// readModel reads the model bytes of r: at most max bytes, and at least
// one.
func readModel(ctx context.Context, r io.Reader, max int64) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: nil model reader", ErrInvalid)
	}
	b, err := io.ReadAll(io.LimitReader(ctxReader{ctx, r}, max+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("registry: read model: %w", err)
	case len(b) == 0:
		return nil, fmt.Errorf("%w: empty model", ErrInvalid)
	case int64(len(b)) > max:
		return nil, fmt.Errorf("%w: model is more than %d bytes (Options.MaxModelBytes)", ErrInvalid, max)
	}
	return b, nil
}

// putExternal stores b in the plugged-in store and checks the digest it
// reports.
func (reg *Registry) putExternal(ctx context.Context, b []byte, sum [32]byte) error {
	digest, size, err := reg.blobs.Put(ctx, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("registry: store model bytes: %w", err)
	}
	if want := formatDigest(sum[:]); digest != want || size != int64(len(b)) {
		return fmt.Errorf("%w: blob store stored %d bytes as %s, want %d bytes as %s", ErrCorrupt, size, digest, len(b), want)
	}
	return nil
}

// readExternal reads a blob from the plugged-in store and checks it.
func (reg *Registry) readExternal(ctx context.Context, sum [32]byte, size uint64) ([]byte, error) {
	digest := formatDigest(sum[:])
	rc, err := reg.blobs.Open(ctx, digest)
	if err != nil {
		return nil, fmt.Errorf("registry: open model bytes %s: %w", digest, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(ctxReader{ctx, rc}, int64(size)+1))
	if err != nil {
		return nil, fmt.Errorf("registry: read model bytes %s: %w", digest, err)
	}
	if err := checkBlob(sum, b); err != nil {
		return nil, err
	}
	return b, nil
}

// blob copies a blob out of the registry's own bucket and checks it.
func (t *txn) blob(sum [32]byte) ([]byte, error) {
	v := t.blobs().Get(sum[:])
	if v == nil {
		return nil, fmt.Errorf("%w: model bytes %s", ErrNotFound, formatDigest(sum[:]))
	}
	if err := checkBlob(sum, v); err != nil {
		return nil, err
	}
	return bytes.Clone(v), nil
}

func checkBlob(sum [32]byte, b []byte) error {
	if got := sha256.Sum256(b); got != sum {
		return fmt.Errorf("%w: model bytes %s hash to %s", ErrCorrupt, formatDigest(sum[:]), formatDigest(got[:]))
	}
	return nil
}

// ctxReader stops a copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
