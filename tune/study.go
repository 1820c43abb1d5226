package tune

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cairn-ml/cairn/internal/kv"
	"github.com/cairn-ml/cairn/internal/perr"
)

// Objective is the function a study minimises or maximises. It asks the
// trial for parameters, evaluates them and returns the value. Returning an
// error wrapping ErrPruned ends the trial pruned; any other error, a panic
// or a NaN ends it failed; the study goes on either way.
type Objective func(*Trial) (float64, error)

// Callback is called after each trial ends, with its record. Callbacks of a
// study are never called concurrently. An error from a callback stops
// Optimize (no new trial starts, running trials finish) and Optimize returns
// it, unless it wraps ErrStop, which stops Optimize without an error.
type Callback func(FrozenTrial) error

// StudyConfig configures a study. The zero value is usable: a minimising
// study named "default" with the TPE sampler (seed 0), no pruner, one trial
// at a time, in memory.
type StudyConfig struct {
	// Name identifies the study in its Storage: studies opened with the
	// same name on one Storage (by one process or several) are one study.
	// Empty means "default". At most 255 bytes of UTF-8, no NUL.
	Name string
	// Direction is Minimize (the zero value) or Maximize. A study stored
	// already keeps its direction: opening it with the other one is
	// ErrBadConfig.
	Direction Direction
	// Sampler chooses parameters; nil means NewTPE(0).
	Sampler Sampler
	// Pruner decides ShouldPrune; nil means never prune.
	Pruner Pruner
	// Workers is how many objectives Optimize runs at once, each in its
	// own goroutine; 0 means 1, at most MaxWorkers.
	Workers int
	// Async lets a trial start as soon as a worker is free and learn from
	// every trial finished by then. Trials then depend on timing and are no
	// longer reproducible, but no worker waits for a slow trial. The default
	// (false) fixes what each trial sees; see "Parallel trials" in the
	// package documentation.
	Async bool
	// Storage keeps the trials; nil means a new memory storage
	// (NewMemoryStorage). A study opened on a storage that holds its
	// trials resumes after them.
	Storage Storage
	// Heartbeat is how often a running trial tells a shared storage (a
	// file other processes may open) that its worker is alive. A trial
	// whose worker has been silent for four heartbeats is marked Failed
	// with ErrInterrupted by the next worker that starts a trial. Zero
	// means 10 s; a negative value sends none and never marks a trial.
	// Ignored for a memory storage.
	Heartbeat time.Duration
	// Callbacks are called after each trial, in order.
	Callbacks []Callback
	// Logger receives a record per trial at Debug level and warnings
	// (sampler fallbacks, storage trouble); nil discards them.
	Logger *slog.Logger
	// Now is the clock for trial start and end times; nil means time.Now.
	Now func() time.Time
}

// Study is a hyperparameter search: a direction, a sampler, a pruner and the
// trials so far. Make one with OpenStudy (or NewStudy); run trials with
// Optimize, or with Ask and Tell. A Study is safe for concurrent use.
type Study struct {
	cfg     StudyConfig
	name    string
	st      *records
	sampler Sampler
	log     *slog.Logger
	now     func() time.Time
	err     error
	owner   string        // this worker, in trial records
	beat    time.Duration // heartbeat interval; 0 when none are sent

	// startMu serialises the start of trials: the view of each trial and
	// its joint sample are fixed in number order.
	startMu sync.Mutex
	// cbMu serialises callbacks.
	cbMu sync.Mutex

	mu     sync.Mutex
	trials []FrozenTrial // index = number; running trials hold their start record
	live   map[int]*Trial
	starts map[int]FrozenTrial // parameters each trial had when it started
	queue  []Params            // enqueued on a storage that is not shared
	// space caches the search space of a prefix of the trials (used
	// under startMu).
	space spaceCache
	// beatStop is closed to stop the heartbeat goroutine (nil when it is
	// not running); beatDone is closed when it has stopped.
	beatStop, beatDone chan struct{}
}

// maxStudyName bounds study names.
const maxStudyName = 255

// OpenStudy returns the study cfg describes, reading the trials its
// storage holds for it (a study opened again resumes after them). A bad
// configuration is an error wrapping ErrBadConfig; an unreadable storage
// one wrapping its sentinel (ErrCorrupt, ErrLocked, ...).
func OpenStudy(ctx context.Context, cfg StudyConfig) (*Study, error) {
	s := newStudy(cfg)
	if s.err == nil {
		s.err = s.load(ctx)
	}
	if s.err != nil {
		return nil, s.err
	}
	return s, nil
}

// NewStudy is OpenStudy without a context or an error, for the common case
// of a study in memory: if the configuration is bad or its storage cannot
// be read, the study is unusable, Err returns the problem and Optimize,
// Ask and Enqueue return it too. Prefer OpenStudy, which returns the error
// at once.
func NewStudy(cfg StudyConfig) *Study {
	s := newStudy(cfg)
	if s.err == nil {
		s.err = s.load(context.Background())
	}
	return s
}

func newStudy(cfg StudyConfig) *Study {
	s := &Study{cfg: cfg, name: cfg.Name, live: make(map[int]*Trial), starts: make(map[int]FrozenTrial)}
	if s.name == "" {
		s.name = "default"
	}
	s.sampler = cfg.Sampler
	if s.sampler == nil {
		s.sampler = NewTPE(0)
	}
	s.log = cfg.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.now = cfg.Now
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.Storage == nil {
		s.cfg.Storage = NewMemoryStorage()
	}
	if s.cfg.Workers == 0 {
		s.cfg.Workers = 1
	}
	switch {
	case cfg.Direction != Minimize && cfg.Direction != Maximize:
		s.err = fmt.Errorf("%w: direction %v", ErrBadConfig, cfg.Direction)
	case cfg.Workers < 0 || cfg.Workers > MaxWorkers:
		s.err = fmt.Errorf("%w: %d workers", ErrBadConfig, cfg.Workers)
	case slices.ContainsFunc(cfg.Callbacks, func(cb Callback) bool { return cb == nil }):
		s.err = fmt.Errorf("%w: nil callback", ErrBadConfig)
	case len(s.name) > maxStudyName || !utf8.ValidString(s.name) || strings.IndexByte(s.name, 0) >= 0:
		s.err = fmt.Errorf("%w: study name %q", ErrBadConfig, perr.Clip(s.name))
	}
	if s.err != nil {
		return s
	}
	s.st = s.cfg.Storage.records()
	if s.st.shared && cfg.Heartbeat >= 0 {
		s.beat = cfg.Heartbeat
		if s.beat == 0 {
			s.beat = 10 * time.Second
		}
	}
	s.owner = workerID()
	return s
}

// workerID names this worker in the trial records of a shared storage:
// host, process and a random part (a study opened twice in one process
// is two workers).
func workerID() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%x", perr.Clip(host), os.Getpid(), b)
}

// staleAfter is how long a running trial's worker may stay silent.
func (s *Study) staleAfter() time.Duration { return 4 * s.beat }

// load creates the study in its storage or reads the trials it holds.
// Trials that were running when the process that ran them died are marked
// Failed with ErrInterrupted: in a shared storage once their heartbeat is
// older than the timeout (another worker may still be running them); in a
// storage only this process uses, at once.
func (s *Study) load(ctx context.Context) error {
	var trials []FrozenTrial
	err := s.st.update(ctx, func(tx kv.Tx) error {
		trials = nil
		studies := tx.Bucket(bucketStudies)
		v := studies.Get([]byte(s.name))
		if v == nil {
			return studies.Put([]byte(s.name), studyRec{direction: s.cfg.Direction, created: s.now().UnixNano()}.encode())
		}
		rec, err := decodeStudy(v)
		if err != nil {
			return err
		}
		if rec.direction != s.cfg.Direction {
			return fmt.Errorf("%w: study %q is stored as %v, not %v", ErrBadConfig, s.name, rec.direction, s.cfg.Direction)
		}
		all, err := trialsFrom(tx, s.name, 0)
		if err != nil {
			return err
		}
		if uint64(len(all)) != rec.next {
			return fmt.Errorf("%w: study %q holds %d trials, numbered up to %d", ErrCorrupt, s.name, len(all), rec.next)
		}
		trials, err = s.markStale(tx, all, !s.st.shared)
		return err
	})
	if err != nil {
		return fmt.Errorf("tune: open study %s: %w", s.name, err)
	}
	s.trials = trials
	return nil
}

// markStale marks Failed (ErrInterrupted) the running trials of others
// whose worker is silent, or every running trial that is not this
// study's own if all is set, and returns trials with them updated.
func (s *Study) markStale(tx kv.Tx, trials []FrozenTrial, all bool) ([]FrozenTrial, error) {
	if !all && s.beat == 0 {
		return trials, nil
	}
	var now time.Time // read once, and only if a trial is running
	var out []FrozenTrial
	b := tx.Bucket(bucketTrials)
	for i, t := range trials {
		if t.State != Running || s.live[t.Number] != nil {
			continue
		}
		v := b.Get(trialKey(s.name, t.Number))
		if v == nil {
			return nil, fmt.Errorf("%w: trial %d of study %q is missing", ErrCorrupt, t.Number, s.name)
		}
		rec, err := decodeStored(v)
		if err != nil {
			return nil, err
		}
		if now.IsZero() {
			now = s.now()
		}
		silent := now.Sub(time.Unix(0, rec.heartbeat))
		if !all && (s.beat == 0 || silent < s.staleAfter()) {
			continue
		}
		rec.ft = rec.ft.clone()
		rec.ft.State, rec.ft.Value = Failed, math.NaN()
		rec.ft.Err = &storedErrorT{msg: fmt.Sprintf("%v: no heartbeat from worker %s for %v", ErrInterrupted, rec.owner, silent.Round(time.Millisecond)), sentinel: ErrInterrupted, code: codeStale}
		if rec.ft.End.IsZero() {
			rec.ft.End = now
		}
		rec.owner = ""
		enc, err := rec.encode()
		if err != nil {
			return nil, err
		}
		if err := b.Put(trialKey(s.name, t.Number), enc); err != nil {
			return nil, err
		}
		if out == nil {
			out = slices.Clone(trials)
		}
		out[i] = rec.ft
		s.log.Warn("tune: trial interrupted", slog.String("study", s.name), slog.Int("trial", t.Number), slog.String("worker", rec.owner))
	}
	if out == nil {
		return trials, nil
	}
	return out, nil
}

// Err returns why the study cannot be used (a bad configuration, an
// unreadable storage), or nil.
func (s *Study) Err() error { return s.err }

// Direction returns the study's direction.
func (s *Study) Direction() Direction { return s.cfg.Direction }

// Name returns the study's name in its storage.
func (s *Study) Name() string { return s.name }

// Enqueue queues fixed parameter values for a trial to come: when its
// objective asks for one of these names, it gets the value given here
// instead of a sampled one (a value outside the requested range is a bad
// request). Values are float64 (or any integer or float type) for Float and
// Int parameters and string for Choice parameters. Queued trials are taken
// in order, before any sampled trial. The queue is kept in the storage:
// with a shared storage, the next trial any worker starts takes the next
// queued values, and each queued entry is taken once.
func (s *Study) Enqueue(p Params) error {
	if s.err != nil {
		return s.err
	}
	q := make(Params, len(p))
	for name, v := range p {
		switch v.(type) {
		case string, float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
			q[name] = v
		default:
			return &ParamError{Name: name, Detail: fmt.Sprintf("enqueued value of type %T", v), Err: ErrBadParam}
		}
	}
	err := s.st.update(context.Background(), func(tx kv.Tx) error {
		studies := tx.Bucket(bucketStudies)
		rec, err := decodeStudy(studies.Get([]byte(s.name)))
		if err != nil {
			return err
		}
		rec.queued++
		if err := studies.Put([]byte(s.name), rec.encode()); err != nil {
			return err
		}
		return tx.Bucket(bucketQueue).Put(trialKey(s.name, int(rec.queued)), encodeQueued(q))
	})
	if err != nil {
		return fmt.Errorf("tune: enqueue: %w", err)
	}
	return nil
}

// Ask starts a trial for an objective evaluated by the caller, who ends it
// with Tell. The trial learns from every trial finished so far; the running
// ones are shown to the sampler as they stand. ctx is the trial's Context.
// A trial that is never told stays running (in a shared storage, until
// another worker finds its heartbeats stopped: the study sends them from a
// goroutine that ends with the last Tell, or Close).
func (s *Study) Ask(ctx context.Context) (*Trial, error) {
	if s.err != nil {
		return nil, s.err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("tune: ask: %w", err)
	}
	return s.startTrial(ctx, nil)
}

// Tell ends trial t, started by Ask, with the objective's value and error:
// err nil means Complete (NaN means Failed with ErrBadValue), an error
// wrapping ErrPruned means Pruned, any other error means Failed. It stores
// the trial, calls the callbacks and returns the record, with the storage's
// or a callback's error if any. A trial can be told once (ErrTrialDone).
func (s *Study) Tell(t *Trial, value float64, err error) (FrozenTrial, error) {
	if t == nil || t.study != s {
		return FrozenTrial{}, fmt.Errorf("tune: tell: %w", ErrTrialDone)
	}
	return s.finishTrial(t, value, err)
}

// Close stops the heartbeats of trials started with Ask and not yet told
// (they stay running in the storage, and another worker will mark them
// interrupted). It does not close the Storage. Close is idempotent.
func (s *Study) Close() error {
	s.mu.Lock()
	stop, done := s.beatStop, s.beatDone
	s.beatStop = nil
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	return nil
}

// sync reads, in tx, the trials of others that this study has not seen:
// the ones numbered from len(s.trials) on, and the ones it holds as
// running but does not run itself (they may have ended). It marks stale
// ones Failed, and returns the study's trials updated (a new slice if
// any changed).
func (s *Study) sync(tx kv.Tx, mine []FrozenTrial) ([]FrozenTrial, error) {
	fresh, err := trialsFrom(tx, s.name, len(mine))
	if err != nil {
		return nil, err
	}
	out := mine
	cloned := false
	if p, ok := tx.Bucket(bucketTrials).(kv.Prefetcher); ok {
		// One round trip for the running trials of others, not one each.
		var keys [][]byte
		for i, t := range mine {
			if t.State == Running && s.live[t.Number] == nil {
				keys = append(keys, trialKey(s.name, i))
			}
		}
		if len(keys) > 1 {
			p.Prefetch(keys)
		}
	}
	for i, t := range mine {
		if t.State != Running || s.live[t.Number] != nil {
			continue
		}
		v := tx.Bucket(bucketTrials).Get(trialKey(s.name, i))
		if v == nil {
			return nil, fmt.Errorf("%w: trial %d of study %q is missing", ErrCorrupt, i, s.name)
		}
		rec, err := decodeStored(v)
		if err != nil {
			return nil, err
		}
		if rec.ft.State != Running || len(rec.ft.Params) != len(t.Params) {
			if !cloned {
				out, cloned = slices.Clone(mine), true
			}
			out[i] = rec.ft
		}
	}
	if len(fresh) > 0 {
		if !cloned {
			out = slices.Clone(mine)
		}
		out = append(out, fresh...)
	}
	return s.markStale(tx, out, false)
}

// startTrial reserves the next number, fixes the trial's view and draws its
// joint sample. Trials whose numbers are in hide are shown to the sampler
// as running with the parameters they started with, whether or not they
// have finished; that is what makes Optimize reproducible.
func (s *Study) startTrial(ctx context.Context, hide map[int]bool) (*Trial, error) {
	s.startMu.Lock()
	defer s.startMu.Unlock()

	// Reserve a number, see what other workers did, take a queued entry,
	// and record the trial as running: one transaction.
	start := s.now()
	s.mu.Lock()
	mine := s.trials
	s.mu.Unlock()
	var (
		num    int
		synced []FrozenTrial
		fixed  Params
	)
	err := s.st.update(ctx, func(tx kv.Tx) error {
		num, synced, fixed = 0, nil, nil
		studies := tx.Bucket(bucketStudies)
		rec, err := decodeStudy(studies.Get([]byte(s.name)))
		if err != nil {
			return err
		}
		s.mu.Lock()
		synced, err = s.sync(tx, mine)
		s.mu.Unlock()
		if err != nil {
			return err
		}
		if uint64(len(synced)) != rec.next {
			return fmt.Errorf("%w: study %q holds %d trials, numbered up to %d", ErrCorrupt, s.name, len(synced), rec.next)
		}
		q := tx.Bucket(bucketQueue)
		prefix := studyPrefix(s.name)
		if k, v := q.Cursor().Seek(prefix); k != nil && len(k) == len(prefix)+8 && string(k[:len(prefix)]) == string(prefix) {
			if fixed, err = decodeQueued(v); err != nil {
				return err
			}
			if err := q.Delete(k); err != nil {
				return err
			}
		}
		num = int(rec.next)
		rec.next++
		if err := studies.Put([]byte(s.name), rec.encode()); err != nil {
			return err
		}
		placeholder := storedTrial{ft: FrozenTrial{Number: num, State: Running, Value: math.NaN(), Start: start},
			owner: s.owner, heartbeat: start.UnixNano()}
		enc, err := placeholder.encode()
		if err != nil {
			return err
		}
		return tx.Bucket(bucketTrials).Put(trialKey(s.name, num), enc)
	})
	if err != nil {
		return nil, fmt.Errorf("tune: start trial: %w", err)
	}

	s.mu.Lock()
	s.trials = synced
	view := &View{Direction: s.cfg.Direction}
	// Finished trials never change: the view shares the longest finished
	// prefix of the trial list, capped so that appends copy it.
	p := 0
	for p < num && s.trials[p].State.Finished() && !hide[p] {
		p++
	}
	view.Trials = s.trials[:p:p]
	prefix := p
	var live []*Trial
	for j := p; j < num; j++ {
		ft := s.trials[j]
		switch {
		case hide[j]:
			view.Running = append(view.Running, s.starts[j])
		case ft.State.Finished():
			view.Trials = append(view.Trials, ft)
		default:
			if lt := s.live[j]; lt != nil {
				live = append(live, lt)
			} else {
				view.Running = append(view.Running, ft)
			}
		}
	}
	s.mu.Unlock()
	for _, lt := range live {
		view.Running = append(view.Running, lt.Frozen())
	}
	slices.SortFunc(view.Running, func(a, b FrozenTrial) int { return a.Number - b.Number })

	t := &Trial{
		study:        s,
		number:       num,
		ctx:          ctx,
		view:         view,
		start:        start,
		fixed:        fixed,
		params:       make(map[string]float64),
		dists:        make(map[string]Distribution),
		intermediate: make(map[int]float64),
		attrs:        make(map[string]string),
	}
	t.space, t.joint = s.sampleJoint(ctx, view, num, prefix)

	// The start record: what the constant liar may know of this trial.
	rec := FrozenTrial{Number: num, State: Running, Value: math.NaN(), Start: t.start,
		Params: make(Params), Distributions: make(map[string]Distribution)}
	for name, d := range t.space {
		x, ok := t.joint[name]
		if v, isFixed := fixed[name]; isFixed {
			x, ok = d.Internal(v)
		}
		if ok && d.Contains(x) {
			rec.Params[name] = d.External(x)
			rec.Distributions[name] = d
		}
	}
	if s.st.shared && len(rec.Params) > 0 {
		// Other workers' samplers see the parameters this trial runs with.
		if err := s.put(ctx, storedTrial{ft: rec, owner: s.owner, heartbeat: s.now().UnixNano()}); err != nil {
			s.abandon(num)
			return nil, fmt.Errorf("tune: start trial %d: %w", num, err)
		}
	}

	s.mu.Lock()
	s.trials = append(s.trials, rec)
	s.live[num] = t
	s.starts[num] = rec
	s.startBeats()
	s.mu.Unlock()
	return t, nil
}

// put writes a trial record owned by this study, unless another worker
// has ended the trial meanwhile (a finished record is kept, unless it is
// a stale mark, which the real end replaces).
func (s *Study) put(ctx context.Context, st storedTrial) error {
	enc, err := st.encode()
	if err != nil {
		return err
	}
	return s.st.update(ctx, func(tx kv.Tx) error {
		b := tx.Bucket(bucketTrials)
		key := trialKey(s.name, st.ft.Number)
		if v := b.Get(key); v != nil {
			old, err := decodeStored(v)
			if err != nil {
				return err
			}
			var se *storedErrorT
			stale := errors.As(old.ft.Err, &se) && se.code == codeStale
			if old.ft.State != Running && !stale {
				return fmt.Errorf("%w: trial %d was ended by another worker", ErrTrialDone, st.ft.Number)
			}
		}
		return b.Put(key, enc)
	})
}

// abandon marks a trial this study could not start as failed, as far as
// the storage lets it.
func (s *Study) abandon(num int) {
	ft := FrozenTrial{Number: num, State: Failed, Value: math.NaN(), Start: s.now(), End: s.now(),
		Err: &storedErrorT{msg: ErrInterrupted.Error() + ": the trial could not start", sentinel: ErrInterrupted, code: codeInterrupted}}
	s.put(context.Background(), storedTrial{ft: ft})
	s.mu.Lock()
	if num == len(s.trials) {
		s.trials = append(s.trials, ft)
	}
	s.mu.Unlock()
}

// startBeats starts the heartbeat goroutine if the storage is shared and
// it is not running. Under s.mu.
func (s *Study) startBeats() {
	if s.beat <= 0 || s.beatStop != nil {
		return
	}
	stop, done := make(chan struct{}), make(chan struct{})
	s.beatStop, s.beatDone = stop, done
	go s.beats(stop, done)
}

// beats renews the heartbeat of this study's running trials every
// interval, until stop is closed.
func (s *Study) beats(stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(s.beat)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		s.mu.Lock()
		nums := make([]int, 0, len(s.live))
		for n := range s.live {
			nums = append(nums, n)
		}
		s.mu.Unlock()
		now := s.now().UnixNano()
		err := s.st.update(context.Background(), func(tx kv.Tx) error {
			b := tx.Bucket(bucketTrials)
			for _, n := range nums {
				v := b.Get(trialKey(s.name, n))
				if v == nil {
					continue
				}
				rec, err := decodeStored(v)
				if err != nil {
					return err
				}
				if rec.ft.State != Running || rec.owner != s.owner {
					continue
				}
				rec.heartbeat = now
				enc, err := rec.encode()
				if err != nil {
					return err
				}
				if err := b.Put(trialKey(s.name, n), enc); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			s.log.Warn("tune: heartbeat", slog.String("study", s.name), slog.Any("err", err))
		}
	}
}

// stopBeats stops the heartbeat goroutine once no trial of this study
// runs, and waits for it. It must not be called under s.mu.
func (s *Study) stopBeats() {
	s.mu.Lock()
	if len(s.live) > 0 || s.beatStop == nil {
		s.mu.Unlock()
		return
	}
	stop, done := s.beatStop, s.beatDone
	s.beatStop = nil
	s.mu.Unlock()
	close(stop)
	<-done
}

// sampleJoint returns the search space of view and the values chosen for it
// when trial num starts.
func (s *Study) sampleJoint(ctx context.Context, view *View, num, prefix int) (map[string]Distribution, map[string]float64) {
	space := s.space.extend(view.Trials[:prefix])
	if len(view.Trials) > prefix {
		space = searchSpace(view)
	}
	if len(space) == 0 {
		return nil, nil
	}
	joint, err := func() (joint map[string]float64, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = &PanicError{Value: r, Stack: debug.Stack()}
			}
		}()
		if js, ok := s.sampler.(JointSampler); ok {
			return js.SampleJoint(view, num, space)
		}
		joint = make(map[string]float64, len(space))
		for _, name := range sortedNames(space) {
			x, err := s.sampler.Sample(view, num, name, space[name])
			if err != nil {
				return nil, err
			}
			joint[name] = x
		}
		return joint, nil
	}()
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "tune: joint sampling failed; sampling parameters one by one",
			slog.String("study", s.cfg.Name), slog.Int("trial", num), slog.Any("err", err))
		return nil, nil
	}
	return space, joint
}

// finishTrial ends t and records it.
func (s *Study) finishTrial(t *Trial, value float64, objErr error) (FrozenTrial, error) {
	ft, ok := t.finish(value, objErr, s.now())
	if !ok {
		return FrozenTrial{}, fmt.Errorf("tune: trial %d: %w", t.number, ErrTrialDone)
	}
	s.mu.Lock()
	s.trials[ft.Number] = ft
	delete(s.live, ft.Number)
	s.mu.Unlock()
	s.stopBeats()

	s.log.LogAttrs(t.ctx, slog.LevelDebug, "tune: trial finished",
		slog.String("study", s.name), slog.Int("trial", ft.Number),
		slog.String("state", ft.State.String()), slog.Float64("value", ft.Value),
		slog.Any("params", map[string]any(ft.Params)), slog.Any("err", ft.Err))

	var err error
	ctx := context.WithoutCancel(t.ctx) // a trial that ran is recorded even if its context ended
	if serr := s.put(ctx, storedTrial{ft: ft}); serr != nil {
		err = fmt.Errorf("tune: save trial %d: %w", ft.Number, serr)
	}
	s.cbMu.Lock()
	defer s.cbMu.Unlock()
	for _, cb := range s.cfg.Callbacks {
		if cerr := safeCallback(cb, ft); cerr != nil {
			err = errors.Join(err, cerr)
			break
		}
	}
	return ft, err
}

func safeCallback(cb Callback, ft FrozenTrial) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("tune: callback: %w", &PanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	return cb(ft)
}

// Best returns the best complete trial (the first one, on ties). With no
// complete trial it returns a record with Number -1, Value NaN and no
// parameters.
func (s *Study) Best() FrozenTrial {
	s.mu.Lock()
	defer s.mu.Unlock()
	best := FrozenTrial{Number: -1, Value: math.NaN(), State: Failed}
	for i := range s.trials {
		t := &s.trials[i]
		if t.State == Complete && (best.Number < 0 || s.cfg.Direction.better(t.Value, best.Value)) {
			best = *t
		}
	}
	return best
}

// Trials returns the records of all trials, in number order; running trials
// show the parameters they have so far.
func (s *Study) Trials() []FrozenTrial {
	s.mu.Lock()
	out := slices.Clone(s.trials)
	live := make([]*Trial, 0, len(s.live))
	for _, t := range s.live {
		live = append(live, t)
	}
	s.mu.Unlock()
	for _, t := range live {
		if ft := t.Frozen(); ft.Number < len(out) && out[ft.Number].State == Running {
			out[ft.Number] = ft
		}
	}
	return out
}
