package dirblob

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/osfile"
	"github.com/cairn-ml/cairn/internal/parallel"
)

// bufSize is the size at or above which a blob is fsynced when written
// even in a deferred batch (a large file's pages are better flushed on
// their own than by one syncfs).
const bufSize = 1 << 20

// Batch collects new objects for one commit or pull. Objects are written
// into a private folder under <repo>/tmp/ and, once all are there, made
// durable and moved into objects/ by publish. On Linux, small objects
// given to put are unnamed files (O_TMPFILE) in that folder, held open
// until publish names them under objects/ with linkat(2); other objects
// are named temporary files, renamed into place. Either way no name
// appears in objects/ before the data behind it is durable, so a crash
// leaves only a stray folder in tmp/ (which GC removes) and, possibly,
// complete objects that no version refers to. When half of maxHeld
// unnamed files are waiting, put makes them durable and names them early
// (a flush) while the other workers go on; a worker that would hold more
// than maxHeld open at once (flushes still running) waits for one to end.
// So the open descriptors stay under maxHeld, however fast the workers
// write. Safe for concurrent use.
type Batch struct {
	st      *Store
	opts    BatchOptions
	dir     string
	workers int  // number of worker folders in dir
	batch   bool // defer the fsync of small objects to one syncfs
	seq     atomic.Int64

	// objFd and dirFd are open descriptors of objects/ and dir for the
	// *at system calls on Linux; elsewhere both are -1 and full paths
	// are used.
	objFd, dirFd int
	unnamed      int // how to name unnamed files (unnamedNone: make none)
	maxHeld      int // unnamed files held open at most
	// fan says, per objects/<xx> folder, whether needed found it missing
	// (fanAbsent: then none of its objects can be there but ours) or
	// present (fanPresent).
	fan [256]atomic.Uint32

	mu      sync.Mutex
	staged  map[[32]byte]*staged
	pending [][32]byte // unnamed files not yet named
	held    int        // unnamed files open (or being opened), pending or flushing
	flushes int        // flushes running
	flushed sync.Cond  // signalled when a flush ends; L is &mu
	failed  error      // the error of a flush, which ends the batch
	touched [256]bool  // objects/<xx> folders that received objects
	created bool       // a fan-out folder was created
}

const (
	fanUnknown = iota
	fanAbsent
	fanPresent
)

type staged struct {
	tmp    string // named temporary file, or "" for an unnamed one
	fd     int    // the open unnamed file, or -1
	size   int64
	synced bool
	placed bool // in objects/ already (flushed early)
}

// defaultMaxHeld bounds the unnamed files a Batch holds open at once; it
// is lowered to half the open file limit where that is smaller.
const defaultMaxHeld = 16384

// BatchOptions configures a Batch. The zero value writes and fsyncs
// each object on its own, with one worker.
type BatchOptions struct {
	// Defer defers the fsync of small objects to one syncfs(2) before
	// they are named (Linux); worth it above a few dozen objects.
	Defer bool
	// Workers is the number of goroutines that write (each Create and
	// Put names its worker, 0 to Workers-1) and that publish.
	Workers int
	// MaxHeld bounds the unnamed files (O_TMPFILE) held open at once:
	// when half as many are waiting they are made durable and named
	// early. Zero means 16,384 or half the open-file limit, whichever is
	// smaller. Tests lower it to exercise flushes.
	MaxHeld int
	// Event, if not nil, is called at named points of Publish and
	// flushes ("flushing", "flushed", "staged", "renaming",
	// "published"), for crash tests.
	Event func(string)
}

// NewBatch starts a batch of blobs whose digests the caller computes as
// it writes them (a data set commit hashes files as it copies them): see
// Batch. Close it when done; Publish before Close keeps the blobs.
func (st *Store) NewBatch(opts BatchOptions) (*Batch, error) {
	if err := os.MkdirAll(st.objects, 0o755); err != nil {
		return nil, fmt.Errorf("batch in %s: %w", st.root, err)
	}
	dir, err := os.MkdirTemp(st.objects, ".stage-")
	if err != nil {
		return nil, fmt.Errorf("batch in %s: %w", st.root, err)
	}
	workers := max(1, opts.Workers)
	// One folder per worker: creating a file locks its folder, and workers
	// sharing one would queue on that lock.
	for w := range workers {
		if err := os.Mkdir(filepath.Join(dir, strconv.Itoa(w)), 0o755); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("batch in %s: %w", st.root, err)
		}
	}
	s := &Batch{
		st: st, opts: opts, dir: dir, workers: workers, batch: opts.Defer && haveSyncFS && !st.noSync,
		staged: make(map[[32]byte]*staged), objFd: -1, dirFd: -1, unnamed: unnamedNone,
	}
	s.flushed.L = &s.mu
	if haveAt {
		s.objFd, err = openDirFd(st.objects)
		if err == nil {
			s.dirFd, err = openDirFd(dir)
		}
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("batch in %s: %w", st.root, err)
		}
		how := int(st.unnamed.Load())
		if how == unnamedUnknown {
			how = probeUnnamed(s.dirFd)
			st.unnamed.Store(int32(how))
		}
		s.unnamed = how
		s.maxHeld = opts.MaxHeld
		if s.maxHeld <= 0 {
			s.maxHeld = min(defaultMaxHeld, max(64, openFileLimit()/2))
		}
	}
	return s, nil
}

func (s *Batch) event(name string) {
	if s.opts.Event != nil {
		s.opts.Event(name)
	}
}

// create opens a new temporary file for an object, in worker w's folder.
func (s *Batch) Create(w int) (*os.File, error) {
	name := filepath.Join(s.dir, strconv.Itoa(w%s.workers), strconv.FormatInt(s.seq.Add(1), 10))
	f, err := osfile.Open(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	return f, nil
}

// needed reports whether an object with hash sum must still be written:
// not in the repository and not staged already.
func (s *Batch) Needed(sum blob.Digest) (bool, error) {
	s.mu.Lock()
	_, ok := s.staged[sum]
	s.mu.Unlock()
	if ok {
		return false, nil
	}
	if s.objFd < 0 {
		has, err := s.st.Has(context.Background(), sum)
		return !has, err
	}
	name := objectName(sum)
	fan := &s.fan[sum[0]]
	switch fan.Load() {
	case fanAbsent:
		return true, nil
	case fanUnknown:
		ok, err := existsAt(s.objFd, name[:2])
		if err != nil {
			return false, fmt.Errorf("batch: %w", err)
		}
		if !ok {
			fan.Store(fanAbsent)
			return true, nil
		}
		fan.Store(fanPresent)
	}
	has, err := existsAt(s.objFd, name)
	if err != nil {
		return false, fmt.Errorf("batch: %w", err)
	}
	return !has, nil
}

// finish closes f, the complete content of object sum, syncing it first
// unless its sync is deferred to publish. It reports whether the object
// was kept (false if another worker staged the same content meanwhile).
func (s *Batch) Finish(f *os.File, sum [32]byte, size int64) (bool, error) {
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
		return false, fmt.Errorf("write blob: %w", err)
	}
	s.mu.Lock()
	_, dup := s.staged[sum]
	if !dup {
		s.staged[sum] = &staged{tmp: f.Name(), fd: -1, size: size, synced: sync}
	}
	s.mu.Unlock()
	if dup {
		os.Remove(f.Name())
	}
	return !dup, nil
}

// discard closes and removes an unfinished temporary file.
func (s *Batch) Discard(f *os.File) {
	f.Close()
	os.Remove(f.Name())
}

// put stages an object held in memory, for worker w.
func (s *Batch) Put(w int, sum [32]byte, b []byte) error {
	if s.unnamed != unnamedNone {
		return s.putUnnamed(sum, b)
	}
	f, err := s.Create(w)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		s.Discard(f)
		return fmt.Errorf("write blob: %w", err)
	}
	_, err = s.Finish(f, sum, int64(len(b)))
	return err
}

// putUnnamed stages an object held in memory as an unnamed file, and
// flushes the unnamed files waiting if there are half of maxHeld. It
// waits first if maxHeld are open and flushes are running.
func (s *Batch) putUnnamed(sum [32]byte, b []byte) error {
	s.mu.Lock()
	for s.held >= s.maxHeld && s.flushes > 0 && s.failed == nil {
		s.flushed.Wait()
	}
	if s.failed != nil {
		s.mu.Unlock()
		return s.failed
	}
	s.held++
	s.mu.Unlock()
	drop := func() {
		s.mu.Lock()
		s.held--
		s.mu.Unlock()
	}
	fd, err := openUnnamed(s.dirFd)
	if err != nil {
		drop()
		return fmt.Errorf("write blob: %w", err)
	}
	sync := !s.batch || len(b) >= bufSize
	err = writeFd(fd, b)
	if err == nil && sync {
		err = fsyncFd(fd)
	}
	if err != nil {
		closeFd(fd)
		drop()
		return fmt.Errorf("write blob: %w", err)
	}
	s.mu.Lock()
	if _, dup := s.staged[sum]; dup {
		s.mu.Unlock()
		closeFd(fd)
		drop()
		return nil
	}
	s.staged[sum] = &staged{fd: fd, size: int64(len(b)), synced: sync}
	s.pending = append(s.pending, sum)
	var flush [][32]byte
	if len(s.pending) >= max(1, s.maxHeld/2) {
		flush, s.pending = s.pending, nil
		s.flushes++
	}
	s.mu.Unlock()
	if flush != nil {
		return s.flush(flush)
	}
	return nil
}

// flush makes the unnamed files of sums durable and names them under
// objects/, while the other workers go on. The names are made durable
// by publish.
func (s *Batch) flush(sums [][32]byte) (err error) {
	closed := 0
	defer func() {
		s.mu.Lock()
		s.held -= closed
		s.flushes--
		if err != nil && s.failed == nil {
			s.failed = err
		}
		s.flushed.Broadcast()
		s.mu.Unlock()
	}()
	s.event("flushing")
	if s.batch {
		if err := syncFS(s.dir); err != nil {
			return fmt.Errorf("sync blobs: %w", err)
		}
	}
	s.mu.Lock()
	sts := make([]*staged, len(sums))
	fds := make([]int, len(sums))
	for i, sum := range sums {
		sts[i] = s.staged[sum]
		fds[i] = sts[i].fd
	}
	s.mu.Unlock()
	// On as many goroutines as the commit reads with: the last flush can
	// be all that is left to do.
	var (
		placed  = make([]bool, len(sums))
		created atomic.Bool
	)
	err = parallel.Run(context.Background(), len(sums), s.workers, func(_ context.Context, _, i int) error {
		c, err := s.place(sums[i], "", fds[i])
		if err != nil {
			return err
		}
		if c {
			created.Store(true)
		}
		closeFd(fds[i])
		placed[i] = true
		return nil
	})
	s.mu.Lock()
	for i, st := range sts {
		if placed[i] {
			st.fd, st.synced, st.placed = -1, true, true
			s.touched[sums[i][0]] = true
			closed++
		}
	}
	s.created = s.created || created.Load()
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("publish blobs: %w", err)
	}
	s.event("flushed")
	return nil
}

// place gives object sum its name under objects/: it renames the named
// temporary file tmp, or links the unnamed file fd. It creates the
// fan-out folder if needed and reports whether it did. An unnamed file
// whose name is taken already (by another process's commit of the same
// content, which made its object durable before naming it) is left out.
func (s *Batch) place(sum [32]byte, tmp string, fd int) (created bool, err error) {
	name := objectName(sum)
	try := func() error {
		if tmp != "" {
			return renameAt(tmp, s.objFd, name)
		}
		return linkUnnamed(s.unnamed, fd, s.objFd, name)
	}
	err = try()
	if isNotExist(err) {
		if created, err = mkdirAt(s.objFd, name[:2]); err == nil {
			err = try()
		}
	}
	if tmp == "" && isExist(err) {
		err = nil
	}
	return created, err
}

// Count returns the number and total size of the staged objects.
func (s *Batch) Count() (int, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, st := range s.staged {
		n += st.size
	}
	return len(s.staged), n
}

// Publish makes every staged object durable, moves it into objects/ and
// makes the new names durable. Only after publish returns may the index
// refer to the objects. It calls the Repo's hook at "staged" (data
// durable, nothing moved but what flushes named), "renaming" (half
// moved) and "published".
func (s *Batch) Publish(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.staged) == 0 {
		return nil
	}
	// 1. The data of every object reaches the disk before any rename.
	var (
		unsynced []string
		dirty    bool
	)
	for _, st := range s.staged {
		if !st.synced {
			dirty = true
			if st.tmp != "" {
				unsynced = append(unsynced, st.tmp)
			}
		}
	}
	if dirty {
		var err error
		if s.batch {
			err = syncFS(s.dir)
		} else {
			// Unbatched unnamed files were fsynced when written.
			err = parallel.Run(ctx, len(unsynced), s.workers, func(_ context.Context, _, i int) error {
				return syncPath(unsynced[i])
			})
		}
		if err != nil {
			return fmt.Errorf("sync blobs: %w", err)
		}
	}
	s.event("staged")
	// 2. Move into place. An object that is already there is replaced
	// by the renamed file, which also mends a damaged copy.
	type move struct {
		sum [32]byte
		st  *staged
	}
	moves := make([]move, 0, len(s.staged))
	for sum, st := range s.staged {
		if !st.placed {
			moves = append(moves, move{sum, st})
		}
	}
	var (
		dirsMu  sync.Mutex
		renamed atomic.Int64
	)
	err := parallel.Run(ctx, len(moves), s.workers, func(_ context.Context, _, i int) error {
		sum, st := moves[i].sum, moves[i].st
		var created bool
		if s.objFd >= 0 {
			var err error
			if created, err = s.place(sum, st.tmp, st.fd); err != nil {
				return err
			}
			if st.fd >= 0 {
				closeFd(st.fd)
				st.fd = -1
			}
		} else {
			to := s.st.Path(sum)
			dir := filepath.Dir(to)
			if _, ok := s.st.mkdir.Load(dir); !ok {
				if _, err := os.Stat(dir); err != nil {
					if err := os.MkdirAll(dir, 0o755); err != nil {
						return err
					}
					created = true
				}
				s.st.mkdir.Store(dir, struct{}{})
			}
			if err := os.Rename(st.tmp, to); err != nil {
				return err
			}
		}
		st.placed = true
		dirsMu.Lock()
		s.touched[sum[0]] = true
		s.created = s.created || created
		dirsMu.Unlock()
		if renamed.Add(1) == int64(len(moves)/2+1) {
			s.event("renaming")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("publish blobs: %w", err)
	}
	// 3. The new names reach the disk before the index refers to them.
	var dirs []string
	for i, t := range s.touched {
		if t {
			dirs = append(dirs, filepath.Join(s.st.objects, hex.EncodeToString([]byte{byte(i)})))
		}
	}
	if s.batch && len(dirs) > 8 {
		err = syncFS(s.dir)
	} else {
		if s.created {
			dirs = append(dirs, s.st.objects)
		}
		err = parallel.Run(ctx, len(dirs), s.workers, func(_ context.Context, _, i int) error {
			return syncPath(dirs[i])
		})
	}
	if err != nil {
		return fmt.Errorf("sync blobs: %w", err)
	}
	clear(s.staged)
	s.event("published")
	return nil
}

// cleanup closes the unnamed files not named (their space is freed) and
// removes the Batch's folder and whatever is left in it.
func (s *Batch) Close() {
	s.mu.Lock()
	for _, st := range s.staged {
		if st.fd >= 0 {
			closeFd(st.fd)
			st.fd = -1
		}
	}
	s.mu.Unlock()
	for _, fd := range []int{s.objFd, s.dirFd} {
		if fd >= 0 {
			closeFd(fd)
		}
	}
	s.objFd, s.dirFd = -1, -1
	os.RemoveAll(s.dir)
}

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

// objectName returns the blob's path under objects/: <hex[0:2]>/<hex[2:]>.
func objectName(sum [32]byte) string {
	var b [65]byte
	hex.Encode(b[:2], sum[:1])
	b[2] = '/'
	hex.Encode(b[3:], sum[1:])
	return string(b[:])
}
