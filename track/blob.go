package track

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// BlobStore holds content-addressed blobs: each is named by its digest,
// "sha256:<64 lower-case hex>". The Store keeps artifacts in one;
// DirStore is the local implementation, and an object store (S3, say) can
// take its place. Implementations must be safe for concurrent use.
type BlobStore interface {
	// Put stores the bytes of r and returns their digest and size. Storing
	// bytes that are already there is not an error.
	Put(ctx context.Context, r io.Reader) (digest string, size int64, err error)
	// Open returns the blob's content. It must not return content that
	// does not hash to digest: a mismatch is an error wrapping ErrCorrupt
	// (DirStore checks the whole blob before Open returns). A missing
	// blob is an error wrapping ErrNotFound.
	Open(ctx context.Context, digest string) (io.ReadCloser, error)
	// Has reports whether the blob is stored.
	Has(ctx context.Context, digest string) (bool, error)
	// Delete removes the blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, digest string) error
}

// DirStore is a BlobStore in a local folder: the blob with digest
// sha256:<hex> lives at <root>/objects/<hex[0:2]>/<hex[2:]>. Put writes to
// a temporary file in <root>/objects/, fsyncs it, renames it into place
// and fsyncs the folder, so a blob is either whole or absent; Open hashes
// the file before returning it. A DirStore is safe for concurrent use, by
// several processes too. Its zero value is not usable; call NewDirStore.
type DirStore struct {
	root string
}

var _ BlobStore = (*DirStore)(nil)

// NewDirStore returns a DirStore rooted at root. Folders are created on
// the first Put.
func NewDirStore(root string) *DirStore { return &DirStore{root: root} }

// Root returns the folder that holds objects/.
func (d *DirStore) Root() string { return d.root }

// Path returns the file that holds the blob with digest (whether or not
// it exists), or an error wrapping ErrInvalid for a malformed digest.
func (d *DirStore) Path(digest string) (string, error) {
	sum, err := parseDigest(digest)
	if err != nil {
		return "", err
	}
	h := hex.EncodeToString(sum[:])
	return filepath.Join(d.root, "objects", h[:2], h[2:]), nil
}

// Put implements BlobStore.
func (d *DirStore) Put(ctx context.Context, r io.Reader) (string, int64, error) {
	objects := filepath.Join(d.root, "objects")
	if err := os.MkdirAll(objects, 0o755); err != nil {
		return "", 0, fmt.Errorf("track: blob put: %w", err)
	}
	tmp, err := os.CreateTemp(objects, ".tmp-*")
	if err != nil {
		return "", 0, fmt.Errorf("track: blob put: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("track: blob put: %w", err)
	}
	digest := "sha256:" + hex.EncodeToString(h.Sum(nil))
	path, _ := d.Path(digest)
	// If the blob is already there the rename replaces it with identical
	// bytes, which also heals a copy that was damaged on disk.
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, fmt.Errorf("track: blob put: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", 0, fmt.Errorf("track: blob put: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", 0, fmt.Errorf("track: blob put: %w", err)
	}
	return digest, n, nil
}

// Open implements BlobStore: it reads the whole file once to check its
// hash, then returns it positioned at the start.
func (d *DirStore) Open(ctx context.Context, digest string) (io.ReadCloser, error) {
	path, err := d.Path(digest)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: blob %s", ErrNotFound, digest)
		}
		return nil, fmt.Errorf("track: blob open: %w", err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		f.Close()
		return nil, fmt.Errorf("track: blob open %s: %w", digest, err)
	}
	if err := checkSum(h, digest); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("track: blob open %s: %w", digest, err)
	}
	return f, nil
}

// Has implements BlobStore.
func (d *DirStore) Has(ctx context.Context, digest string) (bool, error) {
	path, err := d.Path(digest)
	if err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("track: %w", err)
	}
	_, err = os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("track: blob stat: %w", err)
}

// Delete implements BlobStore.
func (d *DirStore) Delete(ctx context.Context, digest string) error {
	path, err := d.Path(digest)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("track: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("track: blob delete: %w", err)
	}
	return nil
}

func checkSum(h hash.Hash, digest string) error {
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != digest {
		return fmt.Errorf("%w: blob %s hashes to %s", ErrCorrupt, digest, got)
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
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
