package dataset

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/parallel"
	"github.com/cairn-ml/cairn/internal/storage"
)

// A remote is a blob store that Push sends versions to and Pull fetches
// them from, as DVC's remotes: a location, the same kind a blob store is
// opened from (a folder, whose objects/ it uses; another repository's
// folder serves too). Every object travels named by its digest and is
// verified on both ends.

// Transfer counts the objects of a Push.
type Transfer struct {
	// Objects and Bytes count the objects sent.
	Objects int
	Bytes   int64
	// Present counts the objects the remote had already.
	Present int
}

// openRemote opens the blob store at location.
func (r *Repo) openRemote(ctx context.Context, location string) (blob.Store, error) {
	if location == "" {
		return nil, fmt.Errorf("%w: empty remote location", ErrInvalid)
	}
	return storage.OpenBlobs(ctx, location, storage.BlobsOptions{Errors: blobErrs})
}

// Push sends version ref of name (see Resolve) to the remote at location:
// the objects of its files, then its manifest, each only if the remote
// lacks it (checked without downloading: a version of many files lists
// the remote's objects, one request per thousand on S3, when the remote
// holds at most a few times as many as the version; otherwise each is
// asked for, a request each). Every object is verified as it
// is read from the repository (a damaged one fails the push with
// ErrCorrupt before the remote stores it), and the remote checks it again
// against its digest on arrival. Since the manifest goes last, a remote
// that has a version's manifest has all of its files (unless it lost some
// since). Transfers run on max(4, Options.Workers) goroutines.
func (r *Repo) Push(ctx context.Context, remote, name, ref string) (Transfer, error) {
	v, _, err := r.resolve(ctx, name, ref)
	if err != nil {
		return Transfer{}, err
	}
	rem, err := r.openRemote(ctx, remote)
	if err != nil {
		return Transfer{}, fmt.Errorf("dataset: push %s: %w", v, err)
	}
	t, err := r.push(ctx, rem, v)
	if err != nil {
		return t, fmt.Errorf("dataset: push %s to %s: %w", v, remote, err)
	}
	r.log.LogAttrs(ctx, slog.LevelInfo, "dataset: push", slog.String("version", v.String()), slog.String("remote", remote),
		slog.Int("objects", t.Objects), slog.Int64("bytes", t.Bytes), slog.Int("present", t.Present))
	return t, nil
}

func (r *Repo) push(ctx context.Context, rem blob.Store, v Version) (Transfer, error) {
	var t Transfer
	m, err := r.loadManifest(ctx, v.Digest)
	if err != nil {
		return t, err
	}
	sums := uniqueSums(m)
	var have map[blob.Digest]bool
	if len(sums) >= listMin {
		have = listed(ctx, rem, listFactor*(len(sums)+1))
	}
	var mu sync.Mutex
	send := func(ctx context.Context, sum [32]byte, size int64) error {
		has := have[sum]
		if have == nil {
			var err error
			if has, err = rem.Has(ctx, sum); err != nil {
				return err
			}
		}
		if has {
			mu.Lock()
			t.Present++
			mu.Unlock()
			return nil
		}
		rc, err := r.blobs.Open(ctx, sum)
		if err != nil {
			return err
		}
		defer rc.Close()
		if _, _, err := rem.Put(ctx, rc, sum); err != nil {
			return err
		}
		mu.Lock()
		t.Objects++
		t.Bytes += size
		mu.Unlock()
		return nil
	}
	err = parallel.Run(ctx, len(sums), max(4, r.workers), func(ctx context.Context, _, i int) error {
		return send(ctx, sums[i].sum, sums[i].size)
	})
	if err != nil {
		return t, err
	}
	sum, _ := parseDigest(v.Digest)
	return t, send(ctx, sum, int64(len(m.encode()))) // canonical: the stored bytes
}

// A Push of at least listMin objects lists the remote's objects first
// (blob.Store.Walk) if there are at most listFactor times as many as it
// sends: on S3 a listing costs a request per thousand objects, asking
// for each object a request each, and for a remote that holds little
// else the listing is the cheaper way to learn what it has.
const (
	listMin    = 64
	listFactor = 4
)

// listed returns the digests of the objects rem holds if there are at
// most limit of them, or nil (also if the listing fails: Push then asks
// for each object, and reports the failure if it lasts).
func listed(ctx context.Context, rem blob.Store, limit int) map[blob.Digest]bool {
	have := map[blob.Digest]bool{}
	err := rem.Walk(ctx, func(info blob.Info) error {
		if len(have) >= limit {
			return errStopWalk
		}
		have[info.Digest] = true
		return nil
	})
	if err != nil {
		return nil
	}
	return have
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

// Pull fetches the version whose digest is id (a full "sha256:..."
// digest) from the remote at location and records it as a version of
// name, as Commit would: the next version, or none if the newest version
// of name has that digest already (Unchanged). Only objects the
// repository lacks are fetched; each is verified by hash on arrival,
// before anything refers to it. The version is recorded with the message
// "pulled <id>". Stats.Read and ReadBytes count the objects fetched.
func (r *Repo) Pull(ctx context.Context, remote, name, id string) (CommitResult, error) {
	if err := checkName(name); err != nil {
		return CommitResult{}, err
	}
	sum, err := parseDigest(id)
	if err != nil {
		return CommitResult{}, fmt.Errorf("dataset: pull %s: %w", id, err)
	}
	if err := r.live(ctx); err != nil {
		return CommitResult{}, err
	}
	rem, err := r.openRemote(ctx, remote)
	if err != nil {
		return CommitResult{}, fmt.Errorf("dataset: pull %s: %w", id, err)
	}
	unlock, err := r.lockBlobs(ctx, false)
	if err != nil {
		return CommitResult{}, err
	}
	defer unlock()
	start := time.Now()
	res, err := r.pull(ctx, rem, name, sum)
	if err != nil {
		return CommitResult{}, fmt.Errorf("dataset: pull %s from %s as %s: %w", id, remote, name, err)
	}
	r.log.LogAttrs(ctx, slog.LevelInfo, "dataset: pull",
		slog.String("version", res.Version.String()), slog.String("digest", id), slog.String("remote", remote),
		slog.Bool("unchanged", res.Unchanged), slog.Int("fetched", res.Stats.Read),
		slog.Duration("took", time.Since(start)))
	return res, nil
}

func (r *Repo) pull(ctx context.Context, rem blob.Store, name string, id [32]byte) (CommitResult, error) {
	var res CommitResult
	workers := max(4, r.workers)
	st, err := r.newBatch(true, workers)
	if err != nil {
		return res, err
	}
	defer st.Close()
	var (
		mu sync.Mutex
		m  *manifest
	)
	fetch := func(ctx context.Context, w int, sum [32]byte, buf []byte) error {
		rc, err := rem.Open(ctx, sum)
		if err != nil {
			return err
		}
		defer rc.Close()
		f, err := st.Create(w)
		if err != nil {
			return err
		}
		n, err := io.CopyBuffer(struct{ io.Writer }{f}, blob.CtxReader{Ctx: ctx, R: rc}, buf)
		if err != nil {
			st.Discard(f)
			return err
		}
		if _, err := st.Finish(f, sum, n); err != nil {
			return err
		}
		mu.Lock()
		res.Stats.Read++
		res.Stats.ReadBytes += n
		mu.Unlock()
		return nil
	}
	has, err := r.blobs.Has(ctx, id)
	if err != nil {
		return res, err
	}
	if has {
		m, err = r.loadManifest(ctx, digestString(id))
	} else {
		// The manifest is read into memory, verified and decoded first:
		// it says what else to fetch.
		var raw []byte
		raw, err = blob.ReadAll(ctx, rem, id, -1, blobErrs)
		if err == nil && sha256.Sum256(raw) != id {
			err = fmt.Errorf("%w: manifest %s", ErrCorrupt, digestString(id))
		}
		if err == nil {
			m, err = decodeManifest(raw)
		}
		if err == nil {
			err = st.Put(0, id, raw)
			res.Stats.Read++
			res.Stats.ReadBytes += int64(len(raw))
		}
	}
	if err != nil {
		return res, err
	}
	var need []file
	for _, f := range uniqueSums(m) {
		has, err := r.blobs.Has(ctx, f.sum)
		if err != nil {
			return res, err
		}
		if !has {
			need = append(need, f)
		}
	}
	bufs := make([][]byte, workers)
	err = parallel.Run(ctx, len(need), len(bufs), func(ctx context.Context, w, i int) error {
		if bufs[w] == nil {
			bufs[w] = make([]byte, bufSize)
		}
		return fetch(ctx, w, need[i].sum, bufs[w])
	})
	if err != nil {
		return res, err
	}
	res.Stats.Files, res.Stats.Bytes = len(m.files), m.size()
	res.Stats.NewObjects, res.Stats.NewBytes = st.Count()
	if err := st.Publish(ctx); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	v := Version{
		Name: name, Digest: digestString(id), Message: "pulled " + digestString(id),
		Files: len(m.files), Size: m.size(),
	}
	err = r.update(ctx, func(tx kv.Tx) error {
		var err error
		res.Version, res.Unchanged, err = record(tx, v, m.kind, m, r.now)
		return err
	})
	return res, err
}
