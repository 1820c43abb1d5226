package dataset

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
	"strconv"
	"sync"
	"sync/atomic"
)

// bufSize is the read buffer of each worker: files up to this size are
// read in one piece, larger ones are streamed through it.
const bufSize = 1 << 20

// objectPath returns where the object with hash sum lives under root:
// <root>/objects/<hex[0:2]>/<hex[2:]>.
func objectPath(root string, sum [32]byte) string {
	h := hex.EncodeToString(sum[:])
	return filepath.Join(root, "objects", h[:2], h[2:])
}

func (r *Repo) objectPath(sum [32]byte) string { return objectPath(r.dir, sum) }

// hasObject reports whether the object is stored (without reading it).
func (r *Repo) hasObject(sum [32]byte) (bool, error) {
	_, err := os.Lstat(r.objectPath(sum))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("dataset: %w", err)
}

// verifier hashes what is read through it and, at EOF, checks the hash and
// the length: on a mismatch the final Read returns an error wrapping
// ErrCorrupt instead of io.EOF.
type verifier struct {
	r    io.Reader
	h    hash.Hash
	sum  [32]byte
	size int64 // -1 if unknown
	n    int64
	err  error
}

func newVerifier(r io.Reader, sum [32]byte, size int64) *verifier {
	return &verifier{r: r, h: sha256.New(), sum: sum, size: size}
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if v.size >= 0 && v.n > v.size {
		v.err = fmt.Errorf("%w: object %s is longer than %d bytes", ErrCorrupt, digestString(v.sum), v.size)
		return n, v.err
	}
	if err == io.EOF {
		var got [32]byte
		v.h.Sum(got[:0])
		switch {
		case v.size >= 0 && v.n != v.size:
			err = fmt.Errorf("%w: object %s has %d bytes, want %d", ErrCorrupt, digestString(v.sum), v.n, v.size)
		case got != v.sum:
			err = fmt.Errorf("%w: object %s hashes to %s", ErrCorrupt, digestString(v.sum), digestString(got))
		}
	}
	if err != nil {
		v.err = err
	}
	return n, err
}

// readObject returns the whole content of a stored object, verified.
func readObject(root string, sum [32]byte) ([]byte, error) {
	b, err := os.ReadFile(objectPath(root, sum))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: object %s", ErrNotFound, digestString(sum))
		}
		return nil, fmt.Errorf("dataset: %w", err)
	}
	if got := sha256.Sum256(b); got != sum {
		return nil, fmt.Errorf("%w: object %s hashes to %s", ErrCorrupt, digestString(sum), digestString(got))
	}
	return b, nil
}

// loadManifest reads and decodes the manifest of a version.
func loadManifest(root, id string) (*manifest, error) {
	sum, err := parseDigest(id)
	if err != nil {
		return nil, fmt.Errorf("%w: manifest id %q", ErrCorrupt, id)
	}
	b, err := readObject(root, sum)
	if err != nil {
		return nil, err
	}
	return decodeManifest(b)
}

// stager collects new objects for one commit or pull. Objects are written
// into a private folder under <repo>/tmp/ and, once all are there, made
// durable and renamed into objects/ by publish. Until publish, nothing in
// objects/ changes, so a crash leaves only a stray folder in tmp/ (which
// GC removes). Safe for concurrent use.
type stager struct {
	r       *Repo
	dir     string
	workers int  // number of worker folders in dir
	batch   bool // defer the fsync of small objects to one syncfs
	seq     atomic.Int64

	mu     sync.Mutex
	staged map[[32]byte]*staged
}

type staged struct {
	tmp    string
	size   int64
	synced bool
}

func (r *Repo) newStager(batch bool, workers int) (*stager, error) {
	dir, err := os.MkdirTemp(filepath.Join(r.dir, "tmp"), "stage-")
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	// One folder per worker: creating a file locks its folder, and workers
	// sharing one would queue on that lock.
	for w := range workers {
		if err := os.Mkdir(filepath.Join(dir, strconv.Itoa(w)), 0o755); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("dataset: %w", err)
		}
	}
	return &stager{r: r, dir: dir, workers: workers, batch: batch && haveSyncFS, staged: make(map[[32]byte]*staged)}, nil
}

// create opens a new temporary file for an object, in worker w's folder.
func (s *stager) create(w int) (*os.File, error) {
	name := filepath.Join(s.dir, strconv.Itoa(w%s.workers), strconv.FormatInt(s.seq.Add(1), 10))
	f, err := openFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	return f, nil
}

// needed reports whether an object with hash sum must still be written:
// not in the repository and not staged already.
func (s *stager) needed(sum [32]byte) (bool, error) {
	s.mu.Lock()
	_, ok := s.staged[sum]
	s.mu.Unlock()
	if ok {
		return false, nil
	}
	has, err := s.r.hasObject(sum)
	return !has, err
}

// finish closes f, the complete content of object sum, syncing it first
// unless its sync is deferred to publish. It reports whether the object
// was kept (false if another worker staged the same content meanwhile).
func (s *stager) finish(f *os.File, sum [32]byte, size int64) (bool, error) {
	sync := !s.batch || size >= bufSize
	var err error
	if sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return false, fmt.Errorf("dataset: write object: %w", err)
	}
	s.mu.Lock()
	_, dup := s.staged[sum]
	if !dup {
		s.staged[sum] = &staged{tmp: f.Name(), size: size, synced: sync}
	}
	s.mu.Unlock()
	if dup {
		os.Remove(f.Name())
	}
	return !dup, nil
}

// discard closes and removes an unfinished temporary file.
func (s *stager) discard(f *os.File) {
	f.Close()
	os.Remove(f.Name())
}

// put stages an object held in memory, for worker w.
func (s *stager) put(w int, sum [32]byte, b []byte) error {
	f, err := s.create(w)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		s.discard(f)
		return fmt.Errorf("dataset: write object: %w", err)
	}
	_, err = s.finish(f, sum, int64(len(b)))
	return err
}

// count returns the number and total size of the staged objects.
func (s *stager) count() (int, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, st := range s.staged {
		n += st.size
	}
	return len(s.staged), n
}

// publish makes every staged object durable, renames it into objects/
// and makes the renames durable. Only after publish returns may the index
// refer to the objects. It calls the Repo's hook at "staged" (data
// durable, nothing renamed), "renaming" (half renamed) and "published".
func (s *stager) publish(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.staged) == 0 {
		return nil
	}
	// 1. The data of every object reaches the disk before any rename.
	var unsynced []string
	for _, st := range s.staged {
		if !st.synced {
			unsynced = append(unsynced, st.tmp)
		}
	}
	if len(unsynced) > 0 {
		var err error
		if s.batch {
			err = syncFS(s.dir)
		} else {
			err = parallel(ctx, len(unsynced), s.r.workers, func(_ context.Context, _, i int) error {
				return syncPath(unsynced[i])
			})
		}
		if err != nil {
			return fmt.Errorf("dataset: sync objects: %w", err)
		}
	}
	s.r.event("staged")
	// 2. Rename into place. An object that is already there is replaced
	// by identical bytes, which also mends a damaged copy.
	type move struct {
		from string
		sum  [32]byte
	}
	moves := make([]move, 0, len(s.staged))
	for sum, st := range s.staged {
		moves = append(moves, move{st.tmp, sum})
	}
	var (
		dirsMu  sync.Mutex
		touched = make(map[string]struct{})
		created bool
		renamed atomic.Int64
	)
	err := parallel(ctx, len(moves), s.r.workers, func(_ context.Context, _, i int) error {
		to := s.r.objectPath(moves[i].sum)
		dir := filepath.Dir(to)
		if _, ok := s.r.fanout.Load(dir); !ok {
			if _, err := os.Stat(dir); err != nil {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return err
				}
				dirsMu.Lock()
				created = true
				dirsMu.Unlock()
			}
			s.r.fanout.Store(dir, struct{}{})
		}
		if err := os.Rename(moves[i].from, to); err != nil {
			return err
		}
		dirsMu.Lock()
		touched[dir] = struct{}{}
		dirsMu.Unlock()
		if renamed.Add(1) == int64(len(moves)/2+1) {
			s.r.event("renaming")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("dataset: publish objects: %w", err)
	}
	// 3. The renames reach the disk before the index refers to them.
	if s.batch && len(touched) > 8 {
		err = syncFS(s.dir)
	} else {
		dirs := make([]string, 0, len(touched)+1)
		for d := range touched {
			dirs = append(dirs, d)
		}
		if created {
			dirs = append(dirs, filepath.Join(s.r.dir, "objects"))
		}
		err = parallel(ctx, len(dirs), s.r.workers, func(_ context.Context, _, i int) error {
			return syncPath(dirs[i])
		})
	}
	if err != nil {
		return fmt.Errorf("dataset: sync objects: %w", err)
	}
	clear(s.staged)
	s.r.event("published")
	return nil
}

// cleanup removes the stager's folder and whatever is left in it.
func (s *stager) cleanup() { os.RemoveAll(s.dir) }

// syncPath fsyncs a file or folder by name.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// parallel calls fn(ctx, worker, i) for i in [0, n) on up to workers
// goroutines and returns the first error; after an error (or when ctx is
// done) the remaining calls are skipped. All goroutines have returned when
// parallel does.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, worker, i int) error) error {
	if n == 0 {
		return ctx.Err()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	workers = max(1, min(workers, n))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, w, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}
