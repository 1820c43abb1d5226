package dataset

import (
	"context"
	"fmt"
	"os"

	"github.com/cairn-ml/cairn/internal/blob"
)

// bufSize is the read buffer of each worker: files up to this size are
// read in one piece, larger ones are streamed through it.
const bufSize = 1 << 20

// batch is what a commit or pull writes its new objects through: the
// folder engine's batch (dirblob.Batch), which writes them in place and
// names them only once they are durable, or blob.Batch for other stores.
// Only after Publish may the index refer to the objects.
type batch interface {
	Create(w int) (*os.File, error)
	Needed(sum blob.Digest) (bool, error)
	Finish(f *os.File, sum [32]byte, size int64) (bool, error)
	Discard(f *os.File)
	Put(w int, sum [32]byte, b []byte) error
	Count() (int, int64)
	Publish(ctx context.Context) error
	Close()
}

// readObject returns the whole content of a stored object, verified.
func (r *Repo) readObject(ctx context.Context, sum [32]byte) ([]byte, error) {
	b, err := blob.ReadAll(ctx, r.blobs, sum, -1, blobErrs)
	if err != nil {
		return nil, fmt.Errorf("object %s: %w", digestString(sum), err)
	}
	return b, nil
}

// loadManifest reads and decodes the manifest of a version.
func (r *Repo) loadManifest(ctx context.Context, id string) (*manifest, error) {
	sum, err := parseDigest(id)
	if err != nil {
		return nil, fmt.Errorf("%w: manifest id %q", ErrCorrupt, id)
	}
	b, err := r.readObject(ctx, sum)
	if err != nil {
		return nil, err
	}
	return decodeManifest(b)
}
