package track

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"
)

// DeleteRun marks the run deleted, as MLflow's delete_run does: it stays
// stored, and can be restored, until GC purges it. Searches leave deleted
// runs out unless asked (SearchOptions.View), and writes to them fail with
// ErrDeleted. Deleting a deleted run is a no-op. The run's children are
// not deleted with it.
func (st *Store) DeleteRun(ctx context.Context, id string) error {
	return st.setDeleted(ctx, id, true)
}

// RestoreRun undoes DeleteRun. Restoring a run that is not deleted is a
// no-op; a purged run is gone (ErrNotFound).
func (st *Store) RestoreRun(ctx context.Context, id string) error {
	return st.setDeleted(ctx, id, false)
}

func (st *Store) setDeleted(ctx context.Context, id string, deleted bool) error {
	rid, err := parseRunID(id)
	if err != nil {
		return err
	}
	err = st.update(ctx, func(t *txn) error {
		rec, err := t.run(rid)
		if err != nil || rec.deleted == deleted {
			return err
		}
		rec.deleted, rec.deletedAt = deleted, 0
		if deleted {
			rec.deletedAt = t.now
		}
		return t.putRun(rid, rec)
	})
	if err != nil {
		what := "restore"
		if deleted {
			what = "delete"
		}
		return fmt.Errorf("track: %s run %s: %w", what, id, err)
	}
	return nil
}

// GCOptions says what GC may remove. The zero value purges every deleted
// run and every blob that only they referred to.
type GCOptions struct {
	// OlderThan keeps runs deleted less than this long ago.
	OlderThan time.Duration
	// InUse, if not nil, is asked before a blob is deleted; a blob it
	// reports in use is kept. Use it when the BlobStore is shared with
	// something that track does not know about (the registry's model
	// versions, a data set repository): GC knows only track's own
	// references.
	InUse func(ctx context.Context, digest string) (bool, error)
}

// GCStats reports what GC removed.
type GCStats struct {
	Runs  int   // runs purged
	Blobs int   // blobs deleted
	Bytes int64 // their total size
}

// GC permanently removes deleted runs (those deleted at least
// opts.OlderThan ago) with all their params, tags, metrics, inputs and
// artifact records, then deletes the blobs that no remaining artifact
// refers to. It is one write transaction: the blobs are deleted inside it,
// after the records, so an artifact logged concurrently cannot lose its
// blob (see Run.LogArtifact). Children of a purged run keep its id as
// their ParentID.
func (st *Store) GC(ctx context.Context, opts GCOptions) (GCStats, error) {
	var stats GCStats
	err := st.update(ctx, func(t *txn) error {
		stats = GCStats{}
		cutoff := t.now - opts.OlderThan.Milliseconds()
		var doomed []runID
		c := t.runs.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			rec, err := decodeRun(v)
			if err != nil {
				return err
			}
			if rec.deleted && rec.deletedAt <= cutoff {
				var id runID
				copy(id[:], k)
				doomed = append(doomed, id)
			}
		}
		freed := map[string]int64{} // digest -> size of blobs that lost a reference
		for _, id := range doomed {
			if err := t.purge(id, freed); err != nil {
				return err
			}
			stats.Runs++
		}
		for digest, size := range freed {
			sum, _ := parseDigest(digest)
			if k, _ := t.blobRefs.Cursor().Seek(sum[:]); k != nil && bytes.HasPrefix(k, sum[:]) {
				continue // still referred to
			}
			if opts.InUse != nil {
				used, err := opts.InUse(ctx, digest)
				if err != nil {
					return err
				}
				if used {
					continue
				}
			}
			if err := st.blobs.Delete(ctx, digest); err != nil {
				return err
			}
			stats.Blobs++
			stats.Bytes += size
		}
		return nil
	})
	if err != nil {
		return GCStats{}, fmt.Errorf("track: gc: %w", err)
	}
	st.log.LogAttrs(ctx, slog.LevelInfo, "track: gc", slog.Int("runs", stats.Runs), slog.Int("blobs", stats.Blobs), slog.Int64("bytes", stats.Bytes))
	return stats, nil
}

// purge deletes every record of a run, and adds the blobs its artifacts
// referred to to freed.
func (t *txn) purge(id runID, freed map[string]int64) error {
	rec, err := t.run(id)
	if err != nil {
		return err
	}
	exp := rec.exp
	// Keys are gathered first, then deleted: no deleting under a cursor.
	type del struct {
		b   string
		key []byte
	}
	var todo []del
	gather := func(b string, fn func(k, v []byte) error) error {
		return forPrefix(t.tx.Bucket([]byte(b)), id[:], func(k, v []byte) error {
			todo = append(todo, del{b, bytes.Clone(k)})
			if fn != nil {
				return fn(k, v)
			}
			return nil
		})
	}
	idx := func(kind byte, name string, val []byte) {
		todo = append(todo, del{bucketIndex, concat(indexPrefix(exp, kind, name), val, id[:])})
	}
	if err := gather(bucketParams, func(k, v []byte) error {
		idx(kindParam, string(k[16:]), append(bytes.Clone(v), 0))
		return nil
	}); err != nil {
		return err
	}
	if err := gather(bucketTags, func(k, v []byte) error {
		idx(kindTag, string(k[16:]), append(bytes.Clone(v), 0))
		return nil
	}); err != nil {
		return err
	}
	if err := gather(bucketMetrics, func(k, v []byte) error {
		m, err := decodeMetric(v)
		idx(kindMetric, string(k[16:]), u64(floatKey(m.value)))
		return err
	}); err != nil {
		return err
	}
	if err := gather(bucketArtifacts, func(k, v []byte) error {
		a, err := decodeArtifact(v)
		if err != nil {
			return err
		}
		freed[a.digest] = a.size
		todo = append(todo, del{bucketBlobRefs, blobRefKey(a.digest, id, string(k[16:]))})
		return nil
	}); err != nil {
		return err
	}
	for _, b := range []string{bucketHistory, bucketInputs} {
		if err := gather(b, nil); err != nil {
			return err
		}
	}
	idx(kindAttr, attrStart, u64(intKey(rec.start)))
	idx(kindAttr, attrStatus, append([]byte(rec.status.String()), 0))
	idx(kindAttr, attrName, append([]byte(rec.name), 0))
	if rec.end != 0 {
		idx(kindAttr, attrEnd, u64(intKey(rec.end)))
	}
	if rec.parent != "" {
		idx(kindAttr, attrParent, append([]byte(rec.parent), 0))
	}
	todo = append(todo, del{bucketRuns, bytes.Clone(id[:])})
	for _, d := range todo {
		if err := t.tx.Bucket([]byte(d.b)).Delete(d.key); err != nil {
			return err
		}
	}
	return nil
}
