package track

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/internal/kv"

	"github.com/cairn-ml/cairn/internal/perr"
)

// Status is the state of a run. A run starts Running and ends Finished,
// Failed or Killed. The zero value is not a valid status.
type Status uint8

// The statuses of a run, as MLflow names them.
const (
	StatusRunning Status = iota + 1
	StatusFinished
	StatusFailed
	StatusKilled
)

var statusNames = [...]string{"", "RUNNING", "FINISHED", "FAILED", "KILLED"}

// String returns the status as MLflow writes it: "RUNNING", "FINISHED",
// "FAILED" or "KILLED".
func (s Status) String() string {
	if s.valid() {
		return statusNames[s]
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

func (s Status) valid() bool { return s >= StatusRunning && s <= StatusKilled }

// Terminal reports whether s ends a run (Finished, Failed or Killed).
func (s Status) Terminal() bool { return s >= StatusFinished && s <= StatusKilled }

// ParseStatus returns the status named s, in any case ("finished",
// "FINISHED"), or an error wrapping ErrInvalid.
func ParseStatus(s string) (Status, error) {
	for i, name := range statusNames[1:] {
		if strings.EqualFold(s, name) {
			return Status(i + 1), nil
		}
	}
	return 0, fmt.Errorf("%w: status %s", ErrInvalid, perr.Quote(s))
}

// RunOptions describes a run to start. The zero value starts an unnamed
// top-level run with the reproducibility tags.
type RunOptions struct {
	// Name is the run's display name; it may be empty and need not be
	// unique (at most MaxNameLen bytes).
	Name string
	// ParentID makes the run a child of the run with that id, which must
	// be in the same experiment (a tuning study's trials, say).
	ParentID string
	// Tags are set on the run when it starts.
	Tags map[string]string
	// Source names what produced the run (a program, a notebook); it is
	// the tag cairn.source.name. Empty means the base name of os.Args[0].
	Source string
	// NoAutoTags leaves out the reproducibility tags (see ReproTags);
	// Source is still recorded if given.
	NoAutoTags bool
	// Start is the run's start time, for a run recorded after the fact
	// (MLflow's create_run takes one); the zero value means now.
	Start time.Time
}

// Run is a handle for logging to one run. It holds no state besides the
// run's id: every method is one transaction on the Store, and a Run is
// safe for concurrent use by many goroutines (trials logging in parallel
// each hold their own child Run, or share one).
type Run struct {
	st  *Store
	id  runID
	exp uint64
}

// RunRecord is a snapshot of a run: its attributes and data as stored when
// it was read.
type RunRecord struct {
	ID           string // 32 lower-case hex characters (a UUIDv7)
	ExperimentID string
	Name         string
	ParentID     string // "" for a top-level run
	Status       Status
	Start        time.Time // UTC, millisecond precision
	End          time.Time // zero while the run has not ended
	Deleted      bool
	Params       map[string]string
	Tags         map[string]string
	Metrics      map[string]Metric // the latest value of each metric
	Inputs       []Input           // in the order logged
}

// StartRun creates a run in the experiment with status Running and returns
// a handle for logging to it. A deleted experiment takes no runs
// (ErrDeleted). The run gets the tags in opts.Tags, and,
// unless opts.NoAutoTags, the reproducibility tags of ReproTags (which
// opts.Tags can override). An unknown or deleted parent is an error
// wrapping ErrNotFound or ErrDeleted, a parent in another experiment one
// wrapping ErrInvalid.
func (e *Experiment) StartRun(ctx context.Context, opts RunOptions) (*Run, error) {
	return e.st.startRun(ctx, e.id, opts)
}

// StartChild starts a run nested under r, in r's experiment: the same as
// StartRun with opts.ParentID set to r's id.
func (r *Run) StartChild(ctx context.Context, opts RunOptions) (*Run, error) {
	opts.ParentID = r.id.String()
	return r.st.startRun(ctx, r.exp, opts)
}

func (st *Store) startRun(ctx context.Context, exp uint64, opts RunOptions) (*Run, error) {
	tags, err := st.startTags(opts)
	if err != nil {
		return nil, err
	}
	if err := checkText("run name", opts.Name, MaxNameLen, true); err != nil {
		return nil, err
	}
	if opts.ParentID != "" {
		if _, err := parseRunID(opts.ParentID); err != nil {
			return nil, err
		}
	}
	var id runID
	err = st.update(ctx, func(t *txn) error {
		id = newRunID(t.now)
		return t.createRun(exp, id, opts, tags)
	})
	if err != nil {
		return nil, fmt.Errorf("track: start run: %w", err)
	}
	return &Run{st: st, id: id, exp: exp}, nil
}

// startTags returns the tags a new run starts with.
func (st *Store) startTags(opts RunOptions) (map[string]string, error) {
	tags := map[string]string{}
	if !opts.NoAutoTags {
		maps.Copy(tags, st.reproTags())
	}
	if opts.Source != "" {
		tags[TagSourceName] = opts.Source
	} else if !opts.NoAutoTags {
		tags[TagSourceName] = defaultSource()
	}
	maps.Copy(tags, opts.Tags)
	for k, v := range tags {
		if err := checkTag(k, v); err != nil {
			return nil, err
		}
	}
	return tags, nil
}

// createRun writes a new run and its start tags; the arguments are
// checked.
func (t *txn) createRun(exp uint64, id runID, opts RunOptions, tags map[string]string) error {
	x, err := t.expRec(exp)
	if err != nil {
		return err
	}
	if x.deleted {
		return fmt.Errorf("experiment %d: %w", exp, ErrDeleted)
	}
	if opts.ParentID != "" {
		pid, _ := parseRunID(opts.ParentID)
		parent, err := t.run(pid)
		if err != nil {
			return fmt.Errorf("parent: %w", err)
		}
		if parent.deleted {
			return fmt.Errorf("parent %s: %w", opts.ParentID, ErrDeleted)
		}
		if parent.exp != exp {
			return fmt.Errorf("%w: parent %s is in experiment %d, not %d", ErrInvalid, opts.ParentID, parent.exp, exp)
		}
	}
	if t.runs().Get(id[:]) != nil {
		return fmt.Errorf("%w: run id %s already exists", ErrInvalid, id)
	}
	x.runs++
	if err := t.exps().Put(u64(exp), x.encode()); err != nil {
		return err
	}
	rec := runRec{exp: exp, name: opts.Name, parent: opts.ParentID, status: StatusRunning, start: t.now, owner: t.st.owner()}
	if !opts.Start.IsZero() {
		rec.start = opts.Start.UnixMilli()
	}
	if err := t.putRun(id, rec); err != nil {
		return err
	}
	if err := t.indexNum(exp, kindAttr, attrStart, id, intKey(rec.start)); err != nil {
		return err
	}
	if err := t.indexStr(exp, kindAttr, attrStatus, id, rec.status.String()); err != nil {
		return err
	}
	if err := t.indexStr(exp, kindAttr, attrName, id, rec.name); err != nil {
		return err
	}
	if rec.parent != "" {
		if err := t.indexStr(exp, kindAttr, attrParent, id, rec.parent); err != nil {
			return err
		}
	}
	return t.logBatch(id, rec, Batch{Tags: tags})
}

// newRunID returns a UUIDv7: 48 bits of Unix milliseconds, then random
// bits, so ids sort by creation time (to the millisecond) and new keys land
// at the end of the run buckets.
func newRunID(ms int64) runID {
	var id runID
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(ms))
	copy(id[:6], ts[2:])
	rand.Read(id[6:])
	id[6] = 0x70 | id[6]&0x0f // version 7
	id[8] = 0x80 | id[8]&0x3f // RFC 9562 variant
	return id
}

func (t *txn) putRun(id runID, rec runRec) error { return t.runs().Put(id[:], rec.encode()) }

// run returns the stored attributes of run id, or ErrNotFound.
func (t *txn) run(id runID) (runRec, error) {
	v := t.runs().Get(id[:])
	if v == nil {
		return runRec{}, fmt.Errorf("%w: run %s", ErrNotFound, id)
	}
	return decodeRun(v)
}

// liveRun returns run id's attributes, or an error if it does not exist or
// is deleted.
func (t *txn) liveRun(id runID) (runRec, error) {
	rec, err := t.run(id)
	if err == nil && rec.deleted {
		err = fmt.Errorf("run %s: %w", id, ErrDeleted)
	}
	return rec, err
}

// Run returns a handle for logging to the existing run with id, for
// example to resume it in a new process. It fails with an error wrapping
// ErrInvalid for a malformed id or ErrNotFound for an unknown one.
func (st *Store) Run(ctx context.Context, id string) (*Run, error) {
	rid, err := parseRunID(id)
	if err != nil {
		return nil, err
	}
	var rec runRec
	if err := st.view(ctx, func(t *txn) error {
		rec, err = t.run(rid)
		return err
	}); err != nil {
		return nil, err
	}
	return &Run{st: st, id: rid, exp: rec.exp}, nil
}

// ID returns the run's id.
func (r *Run) ID() string { return r.id.String() }

// ExperimentID returns the id of the run's experiment.
func (r *Run) ExperimentID() string { return strconv.FormatUint(r.exp, 10) }

// End sets the run's status to status, which must be terminal (Finished,
// Failed or Killed, else ErrInvalid), and its end time to now. Ending a
// run again overwrites both. Logging to an ended run is still allowed, as
// in MLflow.
func (r *Run) End(ctx context.Context, status Status) error {
	if !status.Terminal() {
		return fmt.Errorf("%w: %v is not a terminal status", ErrInvalid, status)
	}
	err := r.st.update(ctx, func(t *txn) error {
		rec, err := t.liveRun(r.id)
		if err != nil {
			return err
		}
		return t.setRun(r.id, rec, func(n *runRec) { n.status, n.end = status, t.now })
	})
	if err != nil {
		return fmt.Errorf("track: end run %s: %w", r.id, err)
	}
	return nil
}

// SetName renames the run.
func (r *Run) SetName(ctx context.Context, name string) error {
	if err := checkText("run name", name, MaxNameLen, true); err != nil {
		return err
	}
	err := r.st.update(ctx, func(t *txn) error {
		rec, err := t.liveRun(r.id)
		if err != nil {
			return err
		}
		return t.setRun(r.id, rec, func(n *runRec) { n.name = name })
	})
	if err != nil {
		return fmt.Errorf("track: rename run %s: %w", r.id, err)
	}
	return nil
}

// setRun applies change to a copy of rec, stores it and updates the
// attribute index.
func (t *txn) setRun(id runID, rec runRec, change func(*runRec)) error {
	n := rec
	change(&n)
	if err := t.putRun(id, n); err != nil {
		return err
	}
	if n.status != rec.status {
		if err := t.unindexStr(rec.exp, kindAttr, attrStatus, id, rec.status.String()); err != nil {
			return err
		}
		if err := t.indexStr(rec.exp, kindAttr, attrStatus, id, n.status.String()); err != nil {
			return err
		}
	}
	if n.end != rec.end {
		if rec.end != 0 {
			if err := t.unindexNum(rec.exp, kindAttr, attrEnd, id, intKey(rec.end)); err != nil {
				return err
			}
		}
		if err := t.indexNum(rec.exp, kindAttr, attrEnd, id, intKey(n.end)); err != nil {
			return err
		}
	}
	if n.name != rec.name {
		if err := t.unindexStr(rec.exp, kindAttr, attrName, id, rec.name); err != nil {
			return err
		}
		if err := t.indexStr(rec.exp, kindAttr, attrName, id, n.name); err != nil {
			return err
		}
	}
	return nil
}

// Record returns a snapshot of the run.
func (r *Run) Record(ctx context.Context) (RunRecord, error) {
	return r.st.RunRecord(ctx, r.id.String())
}

// RunRecord returns a snapshot of the run with id, or an error wrapping
// ErrNotFound. Deleted runs are returned too, with Deleted set.
func (st *Store) RunRecord(ctx context.Context, id string) (RunRecord, error) {
	rid, err := parseRunID(id)
	if err != nil {
		return RunRecord{}, err
	}
	var out RunRecord
	err = st.view(ctx, func(t *txn) error {
		rec, err := t.run(rid)
		if err != nil {
			return err
		}
		out, err = t.record(rid, rec)
		return err
	})
	return out, err
}

// record reads everything stored about a run.
func (t *txn) record(id runID, rec runRec) (RunRecord, error) {
	out := RunRecord{
		ID: id.String(), ExperimentID: strconv.FormatUint(rec.exp, 10),
		Name: rec.name, ParentID: rec.parent, Status: rec.status,
		Start: time.UnixMilli(rec.start).UTC(), Deleted: rec.deleted,
		Params: map[string]string{}, Tags: map[string]string{}, Metrics: map[string]Metric{},
	}
	if rec.end != 0 {
		out.End = time.UnixMilli(rec.end).UTC()
	}
	prefix := id[:]
	forPrefix(t.params(), prefix, func(k, v []byte) error {
		out.Params[string(k[16:])] = string(v)
		return nil
	})
	forPrefix(t.tags(), prefix, func(k, v []byte) error {
		out.Tags[string(k[16:])] = string(v)
		return nil
	})
	err := forPrefix(t.metrics(), prefix, func(k, v []byte) error {
		m, err := decodeMetric(v)
		if err != nil {
			return err
		}
		key := string(k[16:])
		out.Metrics[key] = m.metric(key)
		return nil
	})
	if err != nil {
		return out, err
	}
	err = forPrefix(t.inputs(), prefix, func(_, v []byte) error {
		in, err := decodeInput(v)
		out.Inputs = append(out.Inputs, in)
		return err
	})
	return out, err
}

// forPrefix calls fn for each key of b that starts with prefix, in order,
// and stops at the first error.
func forPrefix(b kv.Bucket, prefix []byte, fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}
