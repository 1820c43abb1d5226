package track

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cairn-ml/cairn/internal/storage"
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
// run.
type GCOptions struct {
	// OlderThan keeps runs deleted less than this long ago.
	OlderThan time.Duration
}

// GCResult reports what a GC removed: Records counts the runs purged,
// Blobs and Bytes the blobs deleted from the blob store. It has the same
// shape in every cairn package.
type GCResult = storage.GCResult

// GC permanently removes deleted runs (those deleted at least
// opts.OlderThan ago) with all their params, tags, metrics, inputs and
// artifact records, in one transaction. Once that has committed, it
// deletes from the blob store the blobs that nothing refers to any more:
// not this Store's artifacts, nor anything else that shares the store
// (the registry's model bytes, dataset's files), whose references it
// reads too; a write in flight holds the store's collection lock, so its
// blob is never taken (see Run.LogArtifact). Children of a purged run
// keep its id as their ParentID.
func (st *Store) GC(ctx context.Context, opts GCOptions) (GCResult, error) {
	var res GCResult
	err := st.update(ctx, func(t *txn) error {
		res = GCResult{}
		cutoff := t.now - opts.OlderThan.Milliseconds()
		var doomed []runID
		c := t.runs().Cursor()
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
		for _, id := range doomed {
			if err := t.purge(id); err != nil {
				return err
			}
			res.Records++
		}
		return nil
	})
	if err != nil {
		return GCResult{}, fmt.Errorf("track: gc: %w", err)
	}
	swept, err := storage.Sweep(ctx, st.blobs, storage.SweepOptions{Deadline: st.deadline(), Errors: errs, Logger: st.log, Locations: []string{st.path}})
	res.Blobs, res.Bytes = swept.Blobs, swept.Bytes
	if err != nil {
		return res, fmt.Errorf("track: gc: %d runs purged, blobs not collected: %w", res.Records, err)
	}
	st.log.LogAttrs(ctx, slog.LevelInfo, "track: gc", slog.Int("runs", res.Records), slog.Int("blobs", res.Blobs), slog.Int64("bytes", res.Bytes))
	return res, nil
}

// purge deletes every record of a run, its references to blobs
// included.
func (t *txn) purge(id runID) error {
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
		return forPrefix(t.tx.Bucket(b), id[:], func(k, v []byte) error {
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
		if err := t.tx.Bucket(d.b).Delete(d.key); err != nil {
			return err
		}
	}
	return nil
}
