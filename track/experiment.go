package track

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/cairn-ml/cairn/internal/perr"
)

// Experiment is a named group of runs, as in MLflow. Get one with
// Store.Experiment; the value is a snapshot of the stored experiment plus
// a handle for starting runs in it, and is safe for concurrent use.
type Experiment struct {
	ID      string    // decimal, "1", "2", ... in order of creation
	Name    string    // unique in the Store
	Created time.Time // UTC, millisecond precision
	// Updated is when it was last renamed, deleted or restored (Created
	// until then).
	Updated time.Time
	// Deleted is set by DeleteExperiment: no run may start in it.
	Deleted bool
	Tags    map[string]string // nil when there are none

	st *Store
	id uint64
}

// Experiment returns the experiment called name, creating it if there is
// none. Names are compared byte for byte; they must be valid UTF-8 without
// NUL, 1 to MaxExperimentLen bytes (else ErrInvalid).
func (st *Store) Experiment(ctx context.Context, name string) (*Experiment, error) {
	if err := checkText("experiment name", name, MaxExperimentLen, false); err != nil {
		return nil, err
	}
	var exp *Experiment
	find := func(t *txn) error {
		v := t.expNames().Get([]byte(name))
		if v == nil {
			return nil
		}
		var err error
		exp, err = t.experiment(binary.BigEndian.Uint64(v))
		return err
	}
	if err := st.view(ctx, find); err != nil || exp != nil {
		return exp, err
	}
	err := st.update(ctx, func(t *txn) error {
		if err := find(t); err != nil || exp != nil {
			return err
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
		exp = t.public(id, rec)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("track: experiment %q: %w", name, err)
	}
	return exp, nil
}

// ExperimentByID returns the experiment with the given id, or an error
// wrapping ErrNotFound.
func (st *Store) ExperimentByID(ctx context.Context, id string) (*Experiment, error) {
	n, err := parseExpID(id)
	if err != nil {
		return nil, err
	}
	var exp *Experiment
	err = st.view(ctx, func(t *txn) error {
		exp, err = t.experiment(n)
		return err
	})
	return exp, err
}

// Experiments returns every experiment, in order of creation.
func (st *Store) Experiments(ctx context.Context) ([]*Experiment, error) {
	var out []*Experiment
	err := st.view(ctx, func(t *txn) error {
		return forPrefix(t.exps(), nil, func(k, v []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("%w: experiment key %x", ErrCorrupt, k)
			}
			rec, err := decodeExperiment(v)
			if err != nil {
				return err
			}
			out = append(out, t.public(binary.BigEndian.Uint64(k), rec))
			return nil
		})
	})
	return out, err
}

// public returns the experiment with its tags.
func (t *txn) public(id uint64, rec expRec) *Experiment {
	e := &Experiment{
		ID: strconv.FormatUint(id, 10), Name: rec.name,
		Created: time.UnixMilli(rec.created).UTC(), Updated: time.UnixMilli(rec.created).UTC(),
		Deleted: rec.deleted, st: t.st, id: id,
	}
	if rec.updated != 0 {
		e.Updated = time.UnixMilli(rec.updated).UTC()
	}
	forPrefix(t.expTags(), u64(id), func(k, v []byte) error {
		if e.Tags == nil {
			e.Tags = map[string]string{}
		}
		e.Tags[string(k[8:])] = string(v)
		return nil
	})
	return e
}

func (t *txn) experiment(id uint64) (*Experiment, error) {
	rec, err := t.expRec(id)
	if err != nil {
		return nil, err
	}
	return t.public(id, rec), nil
}

func (t *txn) expRec(id uint64) (expRec, error) {
	v := t.exps().Get(u64(id))
	if v == nil {
		return expRec{}, fmt.Errorf("%w: experiment %d", ErrNotFound, id)
	}
	return decodeExperiment(v)
}

func parseExpID(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 || strconv.FormatUint(n, 10) != s {
		return 0, fmt.Errorf("%w: experiment id %s", ErrInvalid, perr.Quote(s))
	}
	return n, nil
}
