package track

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"
)

// Metric is one value of a metric: MLflow's (key, value, step, timestamp).
type Metric struct {
	Key   string
	Value float64 // any float64, NaN and infinities included
	Step  int64
	Time  time.Time // UTC, millisecond precision; zero when logging means now
}

func (m metricRec) metric(key string) Metric {
	return Metric{Key: key, Value: m.value, Step: m.step, Time: time.UnixMilli(m.time).UTC()}
}

// Input records a data set a run used, as MLflow's log_input does: a name
// and version (for example a dataset.Repo version), the content digest
// ("sha256:<hex>", or empty), where it came from, and the context in which
// it was used ("training", "validation", ...). Only Name is required.
// SourceType, Schema and Profile carry MLflow's fields of the same names
// (the kind of source, "local" or "s3" say; the schema and summary
// statistics as MLflow's JSON), for data sets logged by MLflow clients.
type Input struct {
	Name       string
	Version    string
	Digest     string
	Source     string
	Context    string
	SourceType string // at most 1000 bytes
	Schema     string // at most MaxInputSchemaLen bytes
	Profile    string // at most MaxInputProfileLen bytes
}

// Batch is a set of params, metrics and tags logged in one transaction by
// Run.Log: all of it is stored, or (on any error) none of it.
type Batch struct {
	Params  map[string]string
	Metrics []Metric
	Tags    map[string]string
}

// Log stores a batch in one transaction. Params are write-once: a param
// already logged with another value fails the whole batch with an error
// wrapping ErrParamConflict (the same value again is a no-op). Tags
// overwrite. Each metric value is appended to that metric's history and
// becomes its latest value if its step is larger (then its time, then its
// value), as in MLflow. Keys are 1 to MaxNameLen bytes, param values at
// most MaxParamLen and tag values at most MaxTagLen; no string may hold a
// NUL byte or invalid UTF-8 (else ErrInvalid). A deleted run refuses
// writes with ErrDeleted.
func (r *Run) Log(ctx context.Context, b Batch) error {
	if err := b.check(); err != nil {
		return fmt.Errorf("track: log to run %s: %w", r.id, err)
	}
	err := r.st.update(ctx, func(t *txn) error {
		rec, err := t.liveRun(r.id)
		if err != nil {
			return err
		}
		return t.logBatch(r.id, rec, b)
	})
	if err != nil {
		return fmt.Errorf("track: log to run %s: %w", r.id, err)
	}
	return nil
}

// LogParam logs one param (see Log).
func (r *Run) LogParam(ctx context.Context, key, value string) error {
	return r.Log(ctx, Batch{Params: map[string]string{key: value}})
}

// LogParams logs params in one transaction (see Log).
func (r *Run) LogParams(ctx context.Context, params map[string]string) error {
	return r.Log(ctx, Batch{Params: params})
}

// LogMetric logs one metric value at step, timestamped now (see Log).
func (r *Run) LogMetric(ctx context.Context, key string, value float64, step int64) error {
	return r.Log(ctx, Batch{Metrics: []Metric{{Key: key, Value: value, Step: step}}})
}

// LogMetrics logs several metrics at one step in one transaction (see
// Log), in key order.
func (r *Run) LogMetrics(ctx context.Context, metrics map[string]float64, step int64) error {
	b := Batch{Metrics: make([]Metric, 0, len(metrics))}
	for _, k := range slices.Sorted(maps.Keys(metrics)) {
		b.Metrics = append(b.Metrics, Metric{Key: k, Value: metrics[k], Step: step})
	}
	return r.Log(ctx, b)
}

// SetTag sets a tag, replacing any value it had (see Log).
func (r *Run) SetTag(ctx context.Context, key, value string) error {
	return r.Log(ctx, Batch{Tags: map[string]string{key: value}})
}

// DeleteTag removes a tag; removing a tag that is not set is a no-op.
func (r *Run) DeleteTag(ctx context.Context, key string) error {
	if err := checkKey("tag", key); err != nil {
		return err
	}
	err := r.st.update(ctx, func(t *txn) error {
		rec, err := t.liveRun(r.id)
		if err != nil {
			return err
		}
		k := runKey(r.id, key)
		old := t.tags().Get(k)
		if old == nil {
			return nil
		}
		if err := t.unindexStr(rec.exp, kindTag, key, r.id, string(old)); err != nil {
			return err
		}
		return t.tags().Delete(k)
	})
	if err != nil {
		return fmt.Errorf("track: delete tag of run %s: %w", r.id, err)
	}
	return nil
}

// LogInput records data sets the run used, in one transaction. An input
// equal in every field to one already logged is not stored twice.
func (r *Run) LogInput(ctx context.Context, inputs ...Input) error {
	for _, in := range inputs {
		if err := in.check(); err != nil {
			return fmt.Errorf("track: log input to run %s: %w", r.id, err)
		}
	}
	err := r.st.update(ctx, func(t *txn) error {
		if _, err := t.liveRun(r.id); err != nil {
			return err
		}
		var have []Input
		err := forPrefix(t.inputs(), r.id[:], func(_, v []byte) error {
			in, err := decodeInput(v)
			have = append(have, in)
			return err
		})
		if err != nil {
			return err
		}
		for _, in := range inputs {
			if slices.Contains(have, in) {
				continue
			}
			seq, err := t.inputs().NextSequence()
			if err != nil {
				return err
			}
			if err := t.inputs().Put(append(runKey(r.id, ""), u64(seq)...), in.encode()); err != nil {
				return err
			}
			have = append(have, in)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("track: log input to run %s: %w", r.id, err)
	}
	return nil
}

func (b Batch) check() error {
	for k, v := range b.Params {
		if err := checkParam(k, v); err != nil {
			return err
		}
	}
	for k, v := range b.Tags {
		if err := checkTag(k, v); err != nil {
			return err
		}
	}
	for _, m := range b.Metrics {
		if err := checkKey("metric", m.Key); err != nil {
			return err
		}
	}
	return nil
}

// logBatch writes a checked batch to a live run.
func (t *txn) logBatch(id runID, rec runRec, b Batch) error {
	t.prefetchBatch(id, b) // a no-op where reads are not round trips
	for _, k := range slices.Sorted(maps.Keys(b.Params)) {
		v := b.Params[k]
		key := runKey(id, k)
		if old := t.params().Get(key); old != nil {
			if string(old) != v {
				return fmt.Errorf("%w: %q is %q, not %q", ErrParamConflict, k, old, v)
			}
			continue
		}
		if err := t.params().Put(key, []byte(v)); err != nil {
			return err
		}
		if err := t.indexStr(rec.exp, kindParam, k, id, v); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(b.Tags)) {
		v := b.Tags[k]
		key := runKey(id, k)
		if old := t.tags().Get(key); old != nil {
			if string(old) == v {
				continue
			}
			if err := t.unindexStr(rec.exp, kindTag, k, id, string(old)); err != nil {
				return err
			}
		}
		if err := t.tags().Put(key, []byte(v)); err != nil {
			return err
		}
		if err := t.indexStr(rec.exp, kindTag, k, id, v); err != nil {
			return err
		}
	}
	if len(b.Metrics) == 0 {
		return nil
	}
	seq, err := t.historySeq(id)
	if err != nil {
		return err
	}
	for _, m := range b.Metrics {
		seq++
		if err := t.logMetric(id, rec.exp, m, seq); err != nil {
			return err
		}
	}
	return t.history().Put(id[:], u64(seq))
}

// historySeq returns the last number given to a value in run id's metric
// history. Each run numbers its own history, from a counter kept under
// the run's id in track/history, so that loggers of different runs never
// write the same record (on PostgreSQL a sequence shared by every run is
// one row that concurrent loggers queue and retry on). A run logged to
// before the counters were kept goes on from the bucket's sequence, which
// numbered every run's history then, so its values stay in order.
func (t *txn) historySeq(id runID) (uint64, error) {
	v := t.history().Get(id[:])
	switch {
	case v == nil:
		return t.history().Sequence(), nil
	case len(v) != 8:
		return 0, fmt.Errorf("%w: history counter of run %s is %d bytes", ErrCorrupt, id, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

func (t *txn) logMetric(id runID, exp uint64, m Metric, seq uint64) error {
	mr := metricRec{value: m.Value, time: t.now, step: m.Step}
	if !m.Time.IsZero() {
		mr.time = m.Time.UnixMilli()
	}
	if math.IsNaN(mr.value) {
		mr.value = math.NaN() // one NaN, whatever the payload
	}
	enc := mr.encode()
	if err := t.history().Put(append(historyPrefix(id, m.Key), u64(seq)...), enc); err != nil {
		return err
	}
	key := runKey(id, m.Key)
	if v := t.metrics().Get(key); v != nil {
		old, err := decodeMetric(v)
		if err != nil {
			return err
		}
		if !mr.newer(old) {
			return nil
		}
		if err := t.unindexNum(exp, kindMetric, m.Key, id, floatKey(old.value)); err != nil {
			return err
		}
	}
	if err := t.metrics().Put(key, enc); err != nil {
		return err
	}
	return t.indexNum(exp, kindMetric, m.Key, id, floatKey(mr.value))
}

// MetricHistory returns every value logged for the metric key of run id,
// in the order logged (an empty slice if the run has no such metric).
func (st *Store) MetricHistory(ctx context.Context, id, key string) ([]Metric, error) {
	rid, err := parseRunID(id)
	if err != nil {
		return nil, err
	}
	if err := checkKey("metric", key); err != nil {
		return nil, err
	}
	out := []Metric{}
	err = st.view(ctx, func(t *txn) error {
		if _, err := t.run(rid); err != nil {
			return err
		}
		return forPrefix(t.history(), historyPrefix(rid, key), func(_, v []byte) error {
			m, err := decodeMetric(v)
			out = append(out, m.metric(key))
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("track: metric history of run %s: %w", id, err)
	}
	return out, nil
}
