// Package dirblob is the folder engine of the blob contract
// (internal/blob): the blob with digest sha256:<hex> is the file
// <root>/objects/<hex[0:2]>/<hex[2:]>.
//
// A blob is written to a temporary file in objects/, made durable, and
// renamed into place (its folder made durable too), so it is whole or
// absent; Open verifies it as it is read. objects/.lock is the collection
// lock (see blob.Locker): shared for writers, exclusive for a collection,
// which also removes the temporary files that killed writers left
// behind. objects/.holders/ lists the holders that refer to the store.
// A Store is safe for concurrent use, by several processes on one machine
// too.
package dirblob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/filelock"
	"github.com/cairn-ml/cairn/internal/osfile"
)

// Store is a blob store in a folder. Its zero value is not usable; use
// New.
type Store struct {
	root    string // the folder that holds objects/
	objects string
	errs    blob.Errors
	noSync  bool

	mkdir   sync.Map     // objects/<xx> folders known to exist
	unnamed atomic.Int32 // how this system names unnamed files (see Batch)
}

var (
	_ blob.Store   = (*Store)(nil)
	_ blob.Holders = (*Store)(nil)
	_ blob.Locker  = (*Store)(nil)
)

// Options configures a Store. The zero value gives the defaults.
type Options struct {
	Errors blob.Errors
	// NoSync skips fsync: for benchmarks and tests of throw-away data.
	NoSync bool
}

// New returns a Store rooted at root (the folder that holds objects/).
// Folders are created on the first Put.
func New(root string, opts Options) *Store {
	return &Store{root: root, objects: filepath.Join(root, "objects"), errs: opts.Errors, noSync: opts.NoSync}
}

// Root returns the folder that holds objects/.
func (s *Store) Root() string { return s.root }

// Location implements blob.Store: the root folder.
func (s *Store) Location() string { return s.root }

// Path returns the file that holds the blob with digest d.
func (s *Store) Path(d blob.Digest) string {
	h := d.Hex()
	return filepath.Join(s.objects, h[:2], h[2:])
}

// Put implements blob.Store.
func (s *Store) Put(ctx context.Context, r io.Reader, want blob.Digest) (blob.Digest, int64, error) {
	if err := os.MkdirAll(s.objects, 0o755); err != nil {
		return blob.Digest{}, 0, fmt.Errorf("put blob in %s: %w", s.root, err)
	}
	tmp, err := os.CreateTemp(s.objects, ".tmp-*")
	if err != nil {
		return blob.Digest{}, 0, fmt.Errorf("put blob in %s: %w", s.root, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), blob.CtxReader{Ctx: ctx, R: r})
	if err == nil && !s.noSync {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return blob.Digest{}, 0, fmt.Errorf("put blob in %s: %w", s.root, err)
	}
	var d blob.Digest
	h.Sum(d[:0])
	if !want.IsZero() && d != want {
		return blob.Digest{}, 0, s.errs.Wrap(blob.ErrCorrupt, fmt.Sprintf("put %s: the bytes hash to %s", want, d), nil)
	}
	if err := s.place(tmp.Name(), d); err != nil {
		return blob.Digest{}, 0, fmt.Errorf("put blob %s in %s: %w", d, s.root, err)
	}
	return d, n, nil
}

// place renames the finished temporary file tmp into the blob's place
// and makes the name durable. If the blob is there already the rename
// replaces it with identical bytes, which also mends a damaged copy and
// renews its time.
func (s *Store) place(tmp string, d blob.Digest) error {
	path := s.Path(d)
	dir := filepath.Dir(path)
	created := false
	if _, ok := s.mkdir.Load(dir); !ok {
		if _, err := os.Stat(dir); err != nil {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			created = true
		}
		s.mkdir.Store(dir, struct{}{})
	}
	if err := os.Rename(tmp, path); err != nil {
		s.mkdir.Delete(dir) // removed by someone: look again next time
		return err
	}
	if s.noSync {
		return nil
	}
	if created {
		if err := osfile.SyncDir(s.objects); err != nil {
			return err
		}
	}
	return osfile.SyncDir(dir)
}

// Open implements blob.Store.
func (s *Store) Open(ctx context.Context, d blob.Digest) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.Path(d))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, s.errs.Wrap(blob.ErrNotFound, "blob "+d.String(), nil)
		}
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	return &verified{Verifier: blob.NewVerifier(f, d, -1, s.errs), f: f, size: fi.Size()}, nil
}

// verified is an open blob file behind a verifier.
type verified struct {
	*blob.Verifier
	f    *os.File
	size int64
}

func (v *verified) Close() error { return v.f.Close() }

// Size returns the file's size (not yet verified).
func (v *verified) Size() int64 { return v.size }

// ReadAt reads the file at off, unverified: see blob.Sized.
func (v *verified) ReadAt(p []byte, off int64) (int, error) { return v.f.ReadAt(p, off) }

// Has implements blob.Store.
func (s *Store) Has(ctx context.Context, d blob.Digest) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	_, err := os.Lstat(s.Path(d))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("stat blob %s: %w", d, err)
}

// Delete implements blob.Store.
func (s *Store) Delete(ctx context.Context, d blob.Digest) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(s.Path(d)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete blob %s: %w", d, err)
	}
	return nil
}

// Walk implements blob.Store. Files under objects/ that are not named
// like blobs (temporary files, the lock, the holders) are skipped.
func (s *Store) Walk(ctx context.Context, fn func(blob.Info) error) error {
	fans, err := os.ReadDir(s.objects)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list blobs in %s: %w", s.root, err)
	}
	for _, fan := range fans {
		if !fan.IsDir() || len(fan.Name()) != 2 || !isHex(fan.Name()) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		dir := filepath.Join(s.objects, fan.Name())
		names, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("list blobs in %s: %w", s.root, err)
		}
		for _, e := range names {
			h := fan.Name() + e.Name()
			if len(h) != 64 || !isHex(h) || !e.Type().IsRegular() {
				continue
			}
			fi, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted meanwhile
			}
			if err != nil {
				return fmt.Errorf("list blobs in %s: %w", s.root, err)
			}
			var d blob.Digest
			hex.Decode(d[:], []byte(h))
			if err := fn(blob.Info{Digest: d, Size: fi.Size(), ModTime: fi.ModTime()}); err != nil {
				return err
			}
		}
	}
	return nil
}

func isHex(s string) bool { return strings.Trim(s, "0123456789abcdef") == "" }

// Lock implements blob.Locker with flock(2) on objects/.lock. An
// exclusive lock also removes the temporary files of killed writers:
// while it is held no writer is running.
func (s *Store) Lock(ctx context.Context, exclusive bool, deadline time.Time) (func(), error) {
	if err := os.MkdirAll(s.objects, 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", s.objects, err)
	}
	f, err := os.OpenFile(filepath.Join(s.objects, ".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", s.objects, err)
	}
	if err := filelock.Wait(ctx, f, exclusive, deadline); err != nil {
		f.Close()
		if errors.Is(err, filelock.ErrTimeout) {
			return nil, s.errs.Wrap(blob.ErrLocked, "collection lock of "+s.objects, err)
		}
		return nil, fmt.Errorf("lock %s: %w", s.objects, err)
	}
	if exclusive {
		s.removeTemps()
	}
	return func() { f.Close() }, nil
}

// removeTemps removes the temporary files and folders writers leave in
// objects/ when they are killed. Only under the exclusive lock.
func (s *Store) removeTemps() {
	entries, _ := os.ReadDir(s.objects)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") || strings.HasPrefix(e.Name(), ".stage-") {
			os.RemoveAll(filepath.Join(s.objects, e.Name()))
		}
	}
}

// CleanTemps removes the temporary files killed writers left, if no
// writer is running now (it takes the exclusive lock without waiting,
// and does nothing if it cannot).
func (s *Store) CleanTemps() {
	f, err := os.OpenFile(filepath.Join(s.objects, ".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	if ok, err := filelock.TryLock(f, true); err == nil && ok {
		s.removeTemps()
	}
}

func (s *Store) holdersDir() string { return filepath.Join(s.objects, ".holders") }

// AddHolder implements blob.Holders: one small JSON file per holder in
// objects/.holders/, named by the hash of its location and namespace.
func (s *Store) AddHolder(ctx context.Context, h blob.Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	name := filepath.Join(s.holdersDir(), hex.EncodeToString(sum[:8])+".json")
	if old, err := os.ReadFile(name); err == nil && string(old) == string(b) {
		return nil
	}
	if err := os.MkdirAll(s.holdersDir(), 0o755); err != nil {
		return fmt.Errorf("register holder in %s: %w", s.root, err)
	}
	tmp, err := os.CreateTemp(s.holdersDir(), ".tmp-*")
	if err != nil {
		return fmt.Errorf("register holder in %s: %w", s.root, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(b)
	if err == nil && !s.noSync {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err == nil && !s.noSync {
		err = osfile.SyncDir(s.holdersDir())
	}
	if err != nil {
		return fmt.Errorf("register holder in %s: %w", s.root, err)
	}
	return nil
}

// Holders implements blob.Holders.
func (s *Store) Holders(ctx context.Context) ([]blob.Holder, error) {
	entries, err := os.ReadDir(s.holdersDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list holders of %s: %w", s.root, err)
	}
	var out []blob.Holder
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.holdersDir(), e.Name()))
		if err != nil {
			return nil, fmt.Errorf("list holders of %s: %w", s.root, err)
		}
		var h blob.Holder
		if err := json.Unmarshal(b, &h); err != nil || h.Location == "" || h.Namespace == "" {
			return nil, s.errs.Wrap(blob.ErrCorrupt, "holder file "+e.Name(), err)
		}
		out = append(out, h)
	}
	return out, nil
}
