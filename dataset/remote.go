package dataset

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.etcd.io/bbolt"
)

// Remote is a store of objects named by digest ("sha256:<64 hex>") that
// Push sends to and Pull fetches from: a folder (DirRemote), or an object
// store such as S3 behind the same three calls. Implementations must be
// safe for concurrent use.
type Remote interface {
	// Has reports whether the object is stored.
	Has(ctx context.Context, digest string) (bool, error)
	// Put stores the content read from r under digest. It must not store
	// content that does not hash to digest, nor keep a partial object
	// when reading r fails (the error must then wrap r's error).
	Put(ctx context.Context, digest string, r io.Reader) error
	// Get returns the object's content; a missing object is an error
	// wrapping ErrNotFound. Pull verifies what Get returns, so Get need
	// not.
	Get(ctx context.Context, digest string) (io.ReadCloser, error)
}

// Transfer counts the objects of a Push.
type Transfer struct {
	// Objects and Bytes count the objects sent.
	Objects int
	Bytes   int64
	// Present counts the objects the remote had already.
	Present int
}

// Push sends version ref of name (see Resolve) to rem: the objects of its
// files, then its manifest, each only if rem lacks it. Every object is
// verified as it is read from the repository (a damaged one fails the
// push with ErrCorrupt before rem stores it); a DirRemote verifies again
// on arrival. Since the manifest goes last, a remote that has a version's
// manifest has all of its files (unless it lost some since). Transfers
// run on max(4, Options.Workers) goroutines.
func (r *Repo) Push(ctx context.Context, rem Remote, name, ref string) (Transfer, error) {
	v, _, err := r.resolve(name, ref)
	if err != nil {
		return Transfer{}, err
	}
	t, err := r.push(ctx, rem, v)
	if err != nil {
		return t, fmt.Errorf("dataset: push %s: %w", v, err)
	}
	r.log.LogAttrs(ctx, slog.LevelInfo, "dataset: push", slog.String("version", v.String()),
		slog.Int("objects", t.Objects), slog.Int64("bytes", t.Bytes), slog.Int("present", t.Present))
	return t, nil
}

func (r *Repo) push(ctx context.Context, rem Remote, v Version) (Transfer, error) {
	var t Transfer
	m, err := loadManifest(r.dir, v.ID)
	if err != nil {
		return t, err
	}
	sums := uniqueSums(m)
	var mu sync.Mutex
	send := func(ctx context.Context, sum [32]byte, size int64) error {
		digest := digestString(sum)
		has, err := rem.Has(ctx, digest)
		if err != nil {
			return err
		}
		if has {
			mu.Lock()
			t.Present++
			mu.Unlock()
			return nil
		}
		f, err := openFile(r.objectPath(sum), os.O_RDONLY, 0)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%w: object %s", ErrNotFound, digest)
			}
			return err
		}
		defer f.Close()
		if err := rem.Put(ctx, digest, newVerifier(f, sum, size)); err != nil {
			return err
		}
		mu.Lock()
		t.Objects++
		t.Bytes += size
		mu.Unlock()
		return nil
	}
	err = parallel(ctx, len(sums), max(4, r.workers), func(ctx context.Context, _, i int) error {
		return send(ctx, sums[i].sum, sums[i].size)
	})
	if err != nil {
		return t, err
	}
	sum, _ := parseDigest(v.ID)
	return t, send(ctx, sum, int64(len(m.encode()))) // canonical: the stored bytes
}

// uniqueSums returns the files of m with distinct content.
func uniqueSums(m *manifest) []file {
	seen := make(map[[32]byte]bool, len(m.files))
	var out []file
	for _, f := range m.files {
		if !seen[f.sum] {
			seen[f.sum] = true
			out = append(out, f)
		}
	}
	return out
}

// Pull fetches the version whose ID is id (a full "sha256:..." digest)
// from rem and records it as a version of name, as Commit would: the next
// version, or none if the newest version of name has that ID already
// (Unchanged). Only objects the repository lacks are fetched; each is
// verified by hash on arrival, before anything refers to it. The version
// is recorded with the message "pulled <id>". Stats.Read and ReadBytes
// count the objects fetched.
func (r *Repo) Pull(ctx context.Context, rem Remote, name, id string) (CommitResult, error) {
	if err := checkName(name); err != nil {
		return CommitResult{}, err
	}
	sum, err := parseDigest(id)
	if err != nil {
		return CommitResult{}, fmt.Errorf("dataset: pull %s: %w", id, err)
	}
	end, err := r.begin()
	if err != nil {
		return CommitResult{}, err
	}
	defer end()
	unlock, err := r.lockRepo(ctx, false)
	if err != nil {
		return CommitResult{}, err
	}
	defer unlock()
	start := time.Now()
	res, err := r.pull(ctx, rem, name, sum)
	if err != nil {
		return CommitResult{}, fmt.Errorf("dataset: pull %s as %s: %w", id, name, err)
	}
	r.log.LogAttrs(ctx, slog.LevelInfo, "dataset: pull",
		slog.String("version", res.Version.String()), slog.String("id", id),
		slog.Bool("unchanged", res.Unchanged), slog.Int("fetched", res.Stats.Read),
		slog.Duration("took", time.Since(start)))
	return res, nil
}

func (r *Repo) pull(ctx context.Context, rem Remote, name string, id [32]byte) (CommitResult, error) {
	var res CommitResult
	workers := max(4, r.workers)
	st, err := r.newStager(true, workers)
	if err != nil {
		return res, err
	}
	defer st.cleanup()
	buf := make([]byte, bufSize)
	var (
		mu  sync.Mutex
		m   *manifest
		raw []byte
	)
	fetch := func(ctx context.Context, w int, sum [32]byte, size int64, buf []byte) error {
		rc, err := rem.Get(ctx, digestString(sum))
		if err != nil {
			return err
		}
		defer rc.Close()
		f, err := st.create(w)
		if err != nil {
			return err
		}
		n, err := io.CopyBuffer(struct{ io.Writer }{f}, ctxReader{ctx, newVerifier(rc, sum, size)}, buf)
		if err != nil {
			st.discard(f)
			return err
		}
		if _, err := st.finish(f, sum, n); err != nil {
			return err
		}
		mu.Lock()
		res.Stats.Read++
		res.Stats.ReadBytes += n
		mu.Unlock()
		return nil
	}
	has, err := r.hasObject(id)
	if err != nil {
		return res, err
	}
	if has {
		m, err = loadManifest(r.dir, digestString(id))
	} else {
		if err = fetch(ctx, 0, id, -1, buf); err == nil {
			st.mu.Lock()
			tmp := st.staged[id].tmp
			st.mu.Unlock()
			if raw, err = os.ReadFile(tmp); err == nil && sha256.Sum256(raw) != id {
				err = fmt.Errorf("%w: staged manifest changed", ErrCorrupt)
			}
			if err == nil {
				m, err = decodeManifest(raw)
			}
		}
	}
	if err != nil {
		return res, err
	}
	var need []file
	for _, f := range uniqueSums(m) {
		has, err := r.hasObject(f.sum)
		if err != nil {
			return res, err
		}
		if !has {
			need = append(need, f)
		}
	}
	bufs := make([][]byte, workers)
	err = parallel(ctx, len(need), len(bufs), func(ctx context.Context, w, i int) error {
		if bufs[w] == nil {
			bufs[w] = make([]byte, bufSize)
		}
		return fetch(ctx, w, need[i].sum, need[i].size, bufs[w])
	})
	if err != nil {
		return res, err
	}
	res.Stats.Files, res.Stats.Bytes = len(m.files), m.size()
	res.Stats.NewObjects, res.Stats.NewBytes = st.count()
	if err := st.publish(ctx); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	v := Version{
		Name: name, ID: digestString(id), Message: "pulled " + digestString(id),
		Files: len(m.files), Size: m.size(),
	}
	err = r.update(func(tx *bbolt.Tx) error {
		var err error
		res.Version, res.Unchanged, err = record(tx, v, m.kind, r.now)
		return err
	})
	return res, err
}

// DirRemote is a Remote in a local or mounted folder, with the same
// layout as a repository's objects: <root>/objects/<hex[0:2]>/<hex[2:]>.
// (So the folder of another repository serves as a remote too.) Put
// verifies the content against the digest while writing it to a
// temporary file, fsyncs it, renames it into place and fsyncs the folder.
// A DirRemote is safe for concurrent use, by several processes too. Its
// zero value is not usable; call NewDirRemote.
type DirRemote struct {
	root string
}

var _ Remote = (*DirRemote)(nil)

// NewDirRemote returns a DirRemote rooted at root. Folders are created by
// the first Put.
func NewDirRemote(root string) *DirRemote { return &DirRemote{root: root} }

// Has implements Remote.
func (d *DirRemote) Has(ctx context.Context, digest string) (bool, error) {
	sum, err := parseDigest(digest)
	if err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("dataset: remote: %w", err)
	}
	_, err = os.Stat(objectPath(d.root, sum))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("dataset: remote: %w", err)
}

// Put implements Remote.
func (d *DirRemote) Put(ctx context.Context, digest string, r io.Reader) error {
	sum, err := parseDigest(digest)
	if err != nil {
		return err
	}
	path := objectPath(d.root, sum)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("dataset: remote put: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("dataset: remote put: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err == nil {
		var got [32]byte
		if h.Sum(got[:0]); got != sum {
			err = fmt.Errorf("%w: %s arrived as %s", ErrCorrupt, digest, digestString(got))
		}
	}
	if err == nil {
		err = tmp.Chmod(0o444)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil {
		err = syncPath(dir)
	}
	if err != nil {
		return fmt.Errorf("dataset: remote put %s: %w", digest, err)
	}
	return nil
}

// Get implements Remote.
func (d *DirRemote) Get(ctx context.Context, digest string) (io.ReadCloser, error) {
	sum, err := parseDigest(digest)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dataset: remote: %w", err)
	}
	f, err := os.Open(objectPath(d.root, sum))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: remote object %s", ErrNotFound, digest)
		}
		return nil, fmt.Errorf("dataset: remote get: %w", err)
	}
	return f, nil
}
