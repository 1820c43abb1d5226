package tune

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"slices"
	"sync"
	"time"
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
// study with the TPE sampler (seed 0), no pruner, one trial at a time, in
// memory.
type StudyConfig struct {
	// Name appears in log records; it is optional.
	Name string
	// Direction is Minimize (the zero value) or Maximize.
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
	// Storage keeps the trials; nil means a new MemoryStorage. A study
	// opened on a storage that holds trials resumes after them.
	Storage Storage
	// Callbacks are called after each trial, in order.
	Callbacks []Callback
	// Logger receives a record per trial at Debug level and warnings
	// (sampler fallbacks, storage trouble); nil discards them.
	Logger *slog.Logger
	// Now is the clock for trial start and end times; nil means time.Now.
	Now func() time.Time
}

// Study is a hyperparameter search: a direction, a sampler, a pruner and the
// trials so far. Make one with NewStudy; run trials with Optimize, or with
// Ask and Tell. A Study is safe for concurrent use.
type Study struct {
	cfg     StudyConfig
	sampler Sampler
	log     *slog.Logger
	now     func() time.Time
	err     error

	// startMu serialises the start of trials: the view of each trial and
	// its joint sample are fixed in number order.
	startMu sync.Mutex
	// cbMu serialises callbacks.
	cbMu sync.Mutex

	mu     sync.Mutex
	trials []FrozenTrial // index = number; running trials hold their start record
	live   map[int]*Trial
	starts map[int]FrozenTrial // parameters each trial had when it started
	queue  []Params
	// space caches the search space of a prefix of the trials (used
	// under startMu).
	space spaceCache
}

// NewStudy returns a study configured by cfg. If the configuration is bad or
// its storage cannot be read, the study is unusable: Err returns the
// problem and Optimize, Ask and Enqueue return it too. A study opened on a
// storage that holds trials continues their numbering; trials the storage
// holds as running are marked Failed with ErrInterrupted.
func NewStudy(cfg StudyConfig) *Study {
	s := &Study{cfg: cfg, live: make(map[int]*Trial), starts: make(map[int]FrozenTrial)}
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
	}
	if s.err == nil {
		s.err = s.load()
	}
	return s
}

// load reads the trials of the storage.
func (s *Study) load() error {
	trials, err := s.cfg.Storage.Load()
	if err != nil {
		return fmt.Errorf("tune: load study: %w", err)
	}
	slices.SortFunc(trials, func(a, b FrozenTrial) int { return a.Number - b.Number })
	for i := range trials {
		if trials[i].Number != i {
			return fmt.Errorf("%w: trial numbers are not 0..%d (found %d at %d)", ErrCorrupt, len(trials)-1, trials[i].Number, i)
		}
		if trials[i].State == Running {
			ft := trials[i].clone()
			ft.State, ft.Err, ft.Value = Failed, ErrInterrupted, math.NaN()
			if ft.End.IsZero() {
				ft.End = s.now()
			}
			if err := s.cfg.Storage.Save(ft); err != nil {
				return fmt.Errorf("tune: load study: %w", err)
			}
			trials[i] = ft
		}
	}
	s.trials = trials
	return nil
}

// Err returns why the study cannot be used (a bad configuration, an
// unreadable storage), or nil.
func (s *Study) Err() error { return s.err }

// Direction returns the study's direction.
func (s *Study) Direction() Direction { return s.cfg.Direction }

// Enqueue queues fixed parameter values for the next trial to start: when
// its objective asks for one of these names, it gets the value given here
// instead of a sampled one (a value outside the requested range is a bad
// request). Values are float64 (or any integer or float type) for Float and
// Int parameters and string for Choice parameters. Queued trials are taken
// in order, before any sampled trial, and are not stored: a study that
// is resumed starts with an empty queue.
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
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, q)
	return nil
}

// Ask starts a trial for an objective evaluated by the caller, who ends it
// with Tell. The trial learns from every trial finished so far; the running
// ones are shown to the sampler as they stand. ctx is the trial's Context.
// A trial that is never told stays running.
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

// startTrial reserves the next number, fixes the trial's view and draws its
// joint sample. Trials whose numbers are in hide are shown to the sampler
// as running with the parameters they started with, whether or not they
// have finished; that is what makes Optimize reproducible.
func (s *Study) startTrial(ctx context.Context, hide map[int]bool) (*Trial, error) {
	s.startMu.Lock()
	defer s.startMu.Unlock()

	s.mu.Lock()
	num := len(s.trials)
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
	var fixed Params
	if len(s.queue) > 0 {
		fixed, s.queue = s.queue[0], s.queue[1:]
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
		start:        s.now(),
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

	s.mu.Lock()
	s.trials = append(s.trials, rec)
	s.live[num] = t
	s.starts[num] = rec
	s.mu.Unlock()
	if err := s.cfg.Storage.Save(rec); err != nil {
		s.mu.Lock()
		s.trials = s.trials[:num]
		delete(s.live, num)
		delete(s.starts, num)
		s.mu.Unlock()
		return nil, fmt.Errorf("tune: start trial %d: %w", num, err)
	}
	return t, nil
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

	s.log.LogAttrs(t.ctx, slog.LevelDebug, "tune: trial finished",
		slog.String("study", s.cfg.Name), slog.Int("trial", ft.Number),
		slog.String("state", ft.State.String()), slog.Float64("value", ft.Value),
		slog.Any("params", map[string]any(ft.Params)), slog.Any("err", ft.Err))

	var err error
	if serr := s.cfg.Storage.Save(ft); serr != nil {
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
