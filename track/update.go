package track

import (
	"context"
	"fmt"
	"time"
)

// RunUpdate says what Run.Update changes; the zero value changes
// nothing.
type RunUpdate struct {
	// Name, if not nil, renames the run (at most MaxNameLen bytes).
	Name *string
	// Status, if not zero, sets the run's status: any status, Running
	// included, as MLflow's update_run allows.
	Status Status
	// End, if not zero, sets the run's end time.
	End time.Time
}

// Update changes a run's name, status and end time in one transaction,
// as MLflow's update_run does, and returns the run as stored after it.
// Unlike End, it takes any status and leaves the end time alone unless
// given one. A deleted run refuses it (ErrDeleted).
func (r *Run) Update(ctx context.Context, u RunUpdate) (RunRecord, error) {
	if u.Name != nil {
		if err := checkText("run name", *u.Name, MaxNameLen, true); err != nil {
			return RunRecord{}, err
		}
	}
	if u.Status != 0 && !u.Status.valid() {
		return RunRecord{}, fmt.Errorf("%w: status %d", ErrInvalid, u.Status)
	}
	var out RunRecord
	err := r.st.update(ctx, func(t *txn) error {
		rec, err := t.liveRun(r.id)
		if err != nil {
			return err
		}
		err = t.setRun(r.id, rec, func(n *runRec) {
			if u.Name != nil {
				n.name = *u.Name
			}
			if u.Status != 0 {
				n.status = u.Status
			}
			if !u.End.IsZero() {
				n.end = u.End.UnixMilli()
			}
		})
		if err != nil {
			return err
		}
		rec, err = t.run(r.id)
		if err != nil {
			return err
		}
		out, err = t.record(r.id, rec)
		return err
	})
	if err != nil {
		return RunRecord{}, fmt.Errorf("track: update run %s: %w", r.id, err)
	}
	return out, nil
}
