package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/cairn-ml/cairn/internal/parallel"
)

// Batch gathers new blobs whose digests the caller computes as it writes
// them (a data set commit hashes each file as it copies it) and puts them
// in a store when published: the generic form, for any Store. (The
// folder engine has its own, which writes in place and names files only
// once they are durable.) Files are staged in the system's temporary
// folder. A Batch is safe for concurrent use.
type Batch struct {
	s       Store
	workers int

	mu     sync.Mutex
	staged map[Digest]stagedBlob
}

type stagedBlob struct {
	file string // a temporary file, or ""
	data []byte // or the bytes
	size int64
}

// NewBatch returns a Batch that publishes to s with workers puts at once.
func NewBatch(s Store, workers int) (*Batch, error) {
	return &Batch{s: s, workers: max(1, workers), staged: map[Digest]stagedBlob{}}, nil
}

// Create returns a new temporary file for a blob of worker w.
func (b *Batch) Create(w int) (*os.File, error) { return os.CreateTemp("", ".cairn-blob-*") }

// Needed reports whether the blob must still be written: not staged, and
// not in the store.
func (b *Batch) Needed(d Digest) (bool, error) {
	b.mu.Lock()
	_, ok := b.staged[d]
	b.mu.Unlock()
	if ok {
		return false, nil
	}
	has, err := b.s.Has(context.Background(), d)
	return !has, err
}

// Finish closes f, the whole content of blob d, and stages it. It reports
// false if the same blob was staged meanwhile.
func (b *Batch) Finish(f *os.File, d [32]byte, size int64) (bool, error) {
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return false, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, dup := b.staged[d]; dup {
		os.Remove(f.Name())
		return false, nil
	}
	b.staged[d] = stagedBlob{file: f.Name(), size: size}
	return true, nil
}

// Discard closes and removes an unfinished file.
func (b *Batch) Discard(f *os.File) {
	f.Close()
	os.Remove(f.Name())
}

// Put stages a blob held in memory.
func (b *Batch) Put(w int, d [32]byte, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, dup := b.staged[d]; !dup {
		b.staged[d] = stagedBlob{data: bytes.Clone(data), size: int64(len(data))}
	}
	return nil
}

// Count returns the number and total size of the staged blobs.
func (b *Batch) Count() (int, int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var n int64
	for _, s := range b.staged {
		n += s.size
	}
	return len(b.staged), n
}

// Publish puts every staged blob in the store, each checked against its
// digest by the store.
func (b *Batch) Publish(ctx context.Context) error {
	b.mu.Lock()
	ds := make([]Digest, 0, len(b.staged))
	for d := range b.staged {
		ds = append(ds, d)
	}
	b.mu.Unlock()
	return parallel.Run(ctx, len(ds), b.workers, func(ctx context.Context, _, i int) error {
		b.mu.Lock()
		s := b.staged[ds[i]]
		b.mu.Unlock()
		var r io.Reader = bytes.NewReader(s.data)
		if s.file != "" {
			f, err := os.Open(s.file)
			if err != nil {
				return err
			}
			defer f.Close()
			r = f
		}
		if _, _, err := b.s.Put(ctx, r, ds[i]); err != nil {
			return fmt.Errorf("publish blob %s: %w", ds[i], err)
		}
		return nil
	})
}

// Close removes the staged files.
func (b *Batch) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.staged {
		if s.file != "" {
			os.Remove(s.file)
		}
	}
	clear(b.staged)
}
