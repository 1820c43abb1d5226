package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"time"

	"github.com/cairn-ml/cairn/internal/blob"
)

// readModel reads the model bytes of r: at most max bytes, and at least
// one.
func readModel(ctx context.Context, r io.Reader, max int64) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: nil model reader", ErrInvalid)
	}
	b, err := io.ReadAll(io.LimitReader(blob.CtxReader{Ctx: ctx, R: r}, max+1))
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

// putExternal stores b in the blob store, holding the store's
// collection lock (shared) until the returned unlock: a collection
// cannot take the bytes away before the version that refers to them
// commits.
func (reg *Registry) putExternal(ctx context.Context, b []byte, sum [32]byte) (unlock func(), err error) {
	var deadline time.Time
	if reg.timeout > 0 {
		deadline = time.Now().Add(reg.timeout)
	}
	unlock, err = blob.Lock(ctx, reg.blobs, false, deadline)
	if err != nil {
		return nil, fmt.Errorf("registry: store model bytes: %w", err)
	}
	if _, _, err := reg.blobs.Put(ctx, bytes.NewReader(b), sum); err != nil {
		unlock()
		return nil, fmt.Errorf("registry: store model bytes: %w", err)
	}
	return unlock, nil
}

// readExternal reads a blob from the blob store, verified.
func (reg *Registry) readExternal(ctx context.Context, sum [32]byte, size uint64) ([]byte, error) {
	b, err := blob.ReadAll(ctx, reg.blobs, sum, int64(size), blobErrs)
	if err != nil {
		return nil, fmt.Errorf("registry: read model bytes %s: %w", formatDigest(sum[:]), err)
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
		// The bytes commit with the version: without them the file is damaged.
		return nil, fmt.Errorf("%w: the bytes %s of a version are not stored", ErrCorrupt, formatDigest(sum[:]))
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
