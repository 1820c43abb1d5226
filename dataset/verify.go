package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"

	"github.com/cairn-ml/cairn/internal/blob"
	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/parallel"
	"github.com/cairn-ml/cairn/internal/storage"
)

// VerifyReport is what Verify found.
type VerifyReport struct {
	// Objects and Bytes count the objects re-hashed.
	Objects int
	Bytes   int64
	// Missing lists the digests that a version refers to but that are not
	// stored; Corrupt those whose content does not hash to their name (or
	// manifests that cannot be decoded). Both are sorted.
	Missing []string
	Corrupt []string
	// Damaged lists the versions ("name@v3") that refer to a missing or
	// corrupt object, sorted by name and number.
	Damaged []string
}

// OK reports whether nothing is missing or corrupt.
func (rep VerifyReport) OK() bool { return len(rep.Missing) == 0 && len(rep.Corrupt) == 0 }

// Verify re-hashes every object the repository's versions refer to (their
// manifests and files) and checks that every one is there. It returns what
// it found and, if anything is missing or corrupt, an error wrapping
// ErrCorrupt (the report says what). Objects of the blob store that no
// version refers to (another package's, or leftovers for GC) are not
// checked. Verify uses Options.Workers goroutines, each with one buffer.
func (r *Repo) Verify(ctx context.Context) (VerifyReport, error) {
	rep, err := r.verify(ctx)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("dataset: verify: %w", err)
	}
	if !rep.OK() {
		return rep, fmt.Errorf("%w: verify: %d missing and %d corrupt objects, %d damaged versions",
			ErrCorrupt, len(rep.Missing), len(rep.Corrupt), len(rep.Damaged))
	}
	return rep, nil
}

func (r *Repo) verify(ctx context.Context) (VerifyReport, error) {
	versions, err := r.allVersions(ctx)
	if err != nil {
		return VerifyReport{}, err
	}
	var (
		rep      VerifyReport
		mu       sync.Mutex
		missing  = make(map[[32]byte]bool)
		corrupt  = make(map[[32]byte]bool)
		checked  = make(map[[32]byte]bool)
		bufs     = make([][]byte, r.workers)
		damaged  = make(map[string]bool) // manifest id -> damaged
		manifest = make(map[string]*manifest)
	)
	// check re-hashes objects, each once, and says which are bad.
	check := func(sums [][32]byte) error {
		var todo [][32]byte
		for _, s := range sums {
			if !checked[s] {
				checked[s] = true
				todo = append(todo, s)
			}
		}
		return parallel.Run(ctx, len(todo), r.workers, func(ctx context.Context, w, i int) error {
			if bufs[w] == nil {
				bufs[w] = make([]byte, bufSize)
			}
			n, err := r.checkObject(ctx, todo[i], bufs[w])
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrNotFound):
				missing[todo[i]] = true
			case errors.Is(err, ErrCorrupt):
				corrupt[todo[i]] = true
				rep.Objects++
				rep.Bytes += n
			case err != nil:
				return err
			default:
				rep.Objects++
				rep.Bytes += n
			}
			return nil
		})
	}
	var ids [][32]byte
	for _, v := range versions {
		sum, _ := parseDigest(v.Digest) // decodeVersionRec checked it
		ids = append(ids, sum)
	}
	if err := check(ids); err != nil {
		return VerifyReport{}, err
	}
	var files [][32]byte
	for _, v := range versions {
		sum, _ := parseDigest(v.Digest)
		if _, done := damaged[v.Digest]; done || missing[sum] || corrupt[sum] {
			damaged[v.Digest] = true
			continue
		}
		m, err := r.loadManifest(ctx, v.Digest)
		switch {
		case errors.Is(err, ErrCorrupt):
			corrupt[sum], damaged[v.Digest] = true, true
			continue
		case err != nil:
			return VerifyReport{}, err
		}
		damaged[v.Digest] = false
		manifest[v.Digest] = m
		for _, f := range m.files {
			files = append(files, f.sum)
		}
	}
	if err := check(files); err != nil {
		return VerifyReport{}, err
	}
	for _, v := range versions {
		bad := damaged[v.Digest]
		if m := manifest[v.Digest]; m != nil {
			for _, f := range m.files {
				if missing[f.sum] || corrupt[f.sum] {
					bad = true
					break
				}
			}
		}
		if bad {
			rep.Damaged = append(rep.Damaged, v.String())
		}
	}
	for s := range missing {
		rep.Missing = append(rep.Missing, digestString(s))
	}
	for s := range corrupt {
		rep.Corrupt = append(rep.Corrupt, digestString(s))
	}
	slices.Sort(rep.Missing)
	slices.Sort(rep.Corrupt)
	return rep, nil
}

// checkObject re-hashes one object and reports its size; a missing one is
// ErrNotFound, a damaged one ErrCorrupt.
func (r *Repo) checkObject(ctx context.Context, sum [32]byte, buf []byte) (int64, error) {
	rc, err := r.blobs.Open(ctx, sum)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return io.CopyBuffer(io.Discard, blob.CtxReader{Ctx: ctx, R: rc}, buf)
}

// allVersions returns every version of every name, by name then number.
func (r *Repo) allVersions(ctx context.Context) ([]Version, error) {
	var vs []Version
	err := r.view(ctx, func(tx kv.Tx) error {
		vs = nil
		top := tx.Bucket(bucketVersions)
		return top.ForEachBucket(func(name []byte) error {
			c := top.Bucket(name).Cursor()
			for k, val := c.First(); k != nil; k, val = c.Next() {
				v, _, err := decodeVersionKV(string(name), k, val)
				if err != nil {
					return err
				}
				vs = append(vs, v)
			}
			return nil
		})
	})
	return vs, err
}

// GCResult says what a GC removed: Blobs and Bytes count the objects
// deleted from the blob store (Records is always 0 here: versions are
// never removed). It has the same shape in every cairn package.
type GCResult = storage.GCResult

// GC removes the objects that nothing refers to: objects of commits and
// pulls interrupted before they recorded their version, and, when the
// blob store is shared, whatever no other holder (track's artifacts, the
// registry's model bytes) refers to either; it also removes what killed
// writers left. It runs under the blob store's collection lock, so it
// waits for commits and pulls in flight (in any process) and they wait
// for it. Nothing is deleted on the strength of an index that cannot be
// read: a damaged index, or a manifest that cannot be read while the
// repository's references are rebuilt (an index made by an earlier
// version of cairn), is an error and GC removes nothing.
func (r *Repo) GC(ctx context.Context) (GCResult, error) {
	if err := r.completeRefs(ctx); err != nil {
		return GCResult{}, fmt.Errorf("dataset: gc: %w", err)
	}
	res, err := storage.Sweep(ctx, r.blobs, storage.SweepOptions{Deadline: r.deadline(), Errors: errs, Logger: r.log, Locations: []string{r.index}})
	if err != nil {
		return res, fmt.Errorf("dataset: gc: %w", err)
	}
	r.log.LogAttrs(ctx, slog.LevelInfo, "dataset: gc", slog.Int("objects", res.Blobs), slog.Int64("bytes", res.Bytes))
	return res, nil
}

// completeRefs rebuilds dataset/blobrefs from every version's manifest if
// it is marked incomplete (see index.go).
func (r *Repo) completeRefs(ctx context.Context) error {
	incomplete := false
	if err := r.view(ctx, func(tx kv.Tx) error {
		incomplete = tx.Bucket(bucketRefs).Get(refsIncomplete) != nil
		return nil
	}); err != nil || !incomplete {
		return err
	}
	unlock, err := r.lockBlobs(ctx, false)
	if err != nil {
		return err
	}
	defer unlock()
	versions, err := r.allVersions(ctx)
	if err != nil {
		return err
	}
	ms := map[string]*manifest{}
	for _, v := range versions {
		if ms[v.Digest] != nil {
			continue
		}
		m, err := r.loadManifest(ctx, v.Digest)
		if err != nil {
			return fmt.Errorf("%s: %w", v, err)
		}
		ms[v.Digest] = m
	}
	return r.update(ctx, func(tx kv.Tx) error {
		for id, m := range ms {
			if err := addRefs(tx, id, m); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketRefs).Delete(refsIncomplete)
	})
}
