package track

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"github.com/cairn-ml/cairn/internal/perr"
)

// ExperimentOptions describes an experiment for CreateExperiment.
type ExperimentOptions struct {
	// Tags are set on the experiment when it is created: keys of 1 to
	// MaxNameLen bytes, values at most MaxTagLen.
	Tags map[string]string
}

// CreateExperiment creates an experiment called name, as MLflow's
// create_experiment does: unlike Experiment, a name already taken (by a
// deleted experiment too) is an error wrapping ErrExists. Names follow
// the rules of Experiment.
func (st *Store) CreateExperiment(ctx context.Context, name string, opts ExperimentOptions) (*Experiment, error) {
	if err := checkText("experiment name", name, MaxExperimentLen, false); err != nil {
		return nil, err
	}
	for k, v := range opts.Tags {
		if err := checkTag(k, v); err != nil {
			return nil, err
		}
	}
	var exp *Experiment
	err := st.update(ctx, func(t *txn) error {
		if t.expNames().Get([]byte(name)) != nil {
			return fmt.Errorf("%w: experiment %s", ErrExists, perr.Quote(name))
		}
		id, err := t.exps().NextSequence()
		if err != nil {
			return err
		}
		rec := expRec{name: name, created: t.now}
		if err := t.exps().Put(u64(id), rec.encode()); err != nil {
			return err
		}
		if err := t.expNames().Put([]byte(name), u64(id)); err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(opts.Tags)) {
			if err := t.expTags().Put(expTagKey(id, k), []byte(opts.Tags[k])); err != nil {
				return err
			}
		}
		exp = t.public(id, rec)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("track: create experiment: %w", err)
	}
	return exp, nil
}

// ExperimentByName returns the experiment called name, deleted or not,
// or an error wrapping ErrNotFound; it creates nothing.
func (st *Store) ExperimentByName(ctx context.Context, name string) (*Experiment, error) {
	if err := checkText("experiment name", name, MaxExperimentLen, false); err != nil {
		return nil, err
	}
	var exp *Experiment
	err := st.view(ctx, func(t *txn) error {
		v := t.expNames().Get([]byte(name))
		if v == nil {
			return fmt.Errorf("%w: experiment %s", ErrNotFound, perr.Quote(name))
		}
		var err error
		exp, err = t.experiment(binary.BigEndian.Uint64(v))
		return err
	})
	return exp, err
}

func expTagKey(id uint64, key string) []byte { return append(u64(id), key...) }

// editExperiment runs change on experiment id's record in one
// transaction and stores it with its update time set.
func (st *Store) editExperiment(ctx context.Context, what, id string, change func(t *txn, n uint64, x *expRec) error) error {
	n, err := parseExpID(id)
	if err != nil {
		return err
	}
	err = st.update(ctx, func(t *txn) error {
		x, err := t.expRec(n)
		if err != nil {
			return err
		}
		if err := change(t, n, &x); err != nil {
			return err
		}
		x.updated = t.now
		return t.exps().Put(u64(n), x.encode())
	})
	if err != nil {
		return fmt.Errorf("track: %s experiment %s: %w", what, id, err)
	}
	return nil
}

// RenameExperiment gives experiment id a new name, which must follow the
// rules of Experiment and not be taken (ErrExists). A deleted experiment
// cannot be renamed (ErrDeleted), as in MLflow. Renaming to the current
// name changes nothing but the update time.
func (st *Store) RenameExperiment(ctx context.Context, id, name string) error {
	if err := checkText("experiment name", name, MaxExperimentLen, false); err != nil {
		return err
	}
	return st.editExperiment(ctx, "rename", id, func(t *txn, n uint64, x *expRec) error {
		if x.deleted {
			return fmt.Errorf("experiment %s: %w", id, ErrDeleted)
		}
		if x.name == name {
			return nil
		}
		if t.expNames().Get([]byte(name)) != nil {
			return fmt.Errorf("%w: experiment %s", ErrExists, perr.Quote(name))
		}
		if err := t.expNames().Delete([]byte(x.name)); err != nil {
			return err
		}
		x.name = name
		return t.expNames().Put([]byte(name), u64(n))
	})
}

// DeleteExperiment marks experiment id deleted, and with it every run of
// it that is not deleted yet, as MLflow's delete_experiment does: its
// runs leave searches (until SearchOptions.View asks for them) and no run
// may start in it. GC purges those runs like any deleted run; the
// experiment itself, with its name, stays until RestoreExperiment.
// Deleting a deleted experiment is a no-op.
func (st *Store) DeleteExperiment(ctx context.Context, id string) error {
	return st.editExperiment(ctx, "delete", id, func(t *txn, n uint64, x *expRec) error {
		if x.deleted {
			return nil
		}
		x.deleted, x.deletedAt = true, t.now
		return t.eachRunOf(n, func(rid runID, rec runRec) error {
			if rec.deleted {
				return nil
			}
			rec.deleted, rec.deletedAt = true, t.now
			return t.putRun(rid, rec)
		})
	})
}

// RestoreExperiment undoes DeleteExperiment: the experiment, and the runs
// that were deleted with it (not those deleted before), are active again.
// Runs GC has purged since are gone. Restoring an experiment that is not
// deleted is a no-op.
func (st *Store) RestoreExperiment(ctx context.Context, id string) error {
	return st.editExperiment(ctx, "restore", id, func(t *txn, n uint64, x *expRec) error {
		if !x.deleted {
			return nil
		}
		at := x.deletedAt
		x.deleted, x.deletedAt = false, 0
		return t.eachRunOf(n, func(rid runID, rec runRec) error {
			if !rec.deleted || rec.deletedAt != at {
				return nil
			}
			rec.deleted, rec.deletedAt = false, 0
			return t.putRun(rid, rec)
		})
	})
}

// eachRunOf calls fn for every run of experiment exp, found through the
// start-time index (which holds every run, deleted ones included). fn may
// rewrite the run's record.
func (t *txn) eachRunOf(exp uint64, fn func(runID, runRec) error) error {
	prefix := indexPrefix(exp, kindAttr, attrStart)
	var ids []runID
	c := t.index().Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var id runID
		copy(id[:], k[len(k)-16:])
		ids = append(ids, id)
	}
	for _, id := range ids {
		rec, err := t.run(id)
		if err != nil {
			return err
		}
		if err := fn(id, rec); err != nil {
			return err
		}
	}
	return nil
}

// SetExperimentTag sets a tag on experiment id, replacing any value it
// had. Keys are 1 to MaxNameLen bytes, values at most MaxTagLen.
func (st *Store) SetExperimentTag(ctx context.Context, id, key, value string) error {
	if err := checkTag(key, value); err != nil {
		return err
	}
	return st.editTag(ctx, "set tag of", id, func(t *txn, n uint64) error {
		return t.expTags().Put(expTagKey(n, key), []byte(value))
	})
}

// DeleteExperimentTag removes a tag from experiment id; removing a tag
// that is not set is a no-op.
func (st *Store) DeleteExperimentTag(ctx context.Context, id, key string) error {
	if err := checkKey("tag", key); err != nil {
		return err
	}
	return st.editTag(ctx, "delete tag of", id, func(t *txn, n uint64) error {
		return t.expTags().Delete(expTagKey(n, key))
	})
}

func (st *Store) editTag(ctx context.Context, what, id string, change func(*txn, uint64) error) error {
	n, err := parseExpID(id)
	if err != nil {
		return err
	}
	err = st.update(ctx, func(t *txn) error {
		if _, err := t.expRec(n); err != nil {
			return err
		}
		return change(t, n)
	})
	if err != nil {
		return fmt.Errorf("track: %s experiment %s: %w", what, id, err)
	}
	return nil
}
