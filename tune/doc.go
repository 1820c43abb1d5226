// Package tune is define-by-run hyperparameter search: a study runs trials
// of an objective that asks each trial for its parameters as it goes, and a
// sampler learns from the finished trials where to look next. It does what
// Optuna does for Python, in-process, with no service behind it.
//
// # Studies and trials
//
// A [Study] is made with [OpenStudy] (or [NewStudy]) from a [StudyConfig]: a [Direction]
// (Minimize, the zero value, or Maximize), a [Sampler], a [Pruner], the
// number of Workers, a [Storage] and [Callback]s; the zero value is a
// minimising study with the TPE sampler, in memory. [Study.Optimize] runs an
// [Objective] n times and [Study.Best] returns the best complete trial.
//
// The objective receives a [*Trial] and asks it for values:
// [Trial.Float], [Trial.FloatLog], [Trial.FloatStep], [Trial.Int],
// [Trial.IntStep], [Trial.IntLog] and [Trial.Choice] (or [Trial.Suggest]
// with any [Distribution]). Because parameters are asked for as the
// objective runs, the search space may be conditional: a parameter asked
// for in one branch exists only in the trials that took it. Asking for the
// same name again in a trial returns the same value.
//
// Every trial has a number (0, 1, ... in the order trials start), its
// parameters and their distributions, a value, a [TrialState] (Running, then
// Complete, Pruned or Failed), start and end times, the intermediate values
// it reported and user attributes ([Trial.SetUserAttr]). Finished trials
// are [FrozenTrial] records: [Study.Trials] returns them all,
// [Study.History] the optimisation history (value and best so far per
// trial) and [Importance] how much each parameter matters, as data for
// plots elsewhere.
//
// # Bad requests
//
// Float and the others return only a value, so a request that cannot be
// served (lo > hi, a log range starting at 0, no choices, a name asked
// again with another range) is not returned as an error: the trial returns a
// placeholder (lo, or the first choice), records a *[ParamError] wrapping
// [ErrBadParam] or [ErrParamConflict], and ends Failed with it whatever the
// objective returns. [Trial.Err] reports it at once, for an objective that
// wants to stop early; [Trial.Suggest] returns it directly. Nothing panics.
//
// # Failures
//
// An objective that returns an error, panics (a *[PanicError] wrapping
// [ErrPanic], with the stack) or returns NaN ([ErrBadValue]) ends its trial
// Failed and the study goes on. Returning an error that wraps [ErrPruned]
// ends it Pruned. When the context of Optimize is done, no trial starts;
// running objectives see it through [Trial.Context], Optimize waits for
// them and returns an error wrapping ctx.Err(). No goroutine outlives
// Optimize.
//
// # Samplers
//
// [NewRandom] draws parameters uniformly (on a log scale for log ranges).
//
// [NewTPE] is the default: the Tree-structured Parzen Estimator with
// Optuna 3.1's defaults and bandwidth rules (10 random start-up trials, 24
// candidates, univariate Parzen estimators with a prior, magic clip, log
// and categorical spaces; checked against Optuna's own estimator in the
// tests). [NewTPEWith] takes a [TPEConfig]: a multivariate option (one joint
// estimator over the search space, as in BOHB), the prior, the number of
// candidates, gamma and weights.
//
// [NewGP] is Gaussian-process Bayesian optimisation for small budgets, where
// each trial is expensive: a Matern 5/2 kernel with one length scale per
// parameter (ARD), hyperparameters fitted by marginal likelihood (with
// Optuna's weak priors), values warped towards normal (Yeo-Johnson, as in
// HEBO), and the log of expected improvement maximised over the mixed space
// (random candidates, then gradient ascent on the numeric parameters with
// each categorical one tried at every choice; integers are rounded and the
// rounded points compared). When no point promises more than a sliver of
// improvement, it asks for a real improvement instead, which moves it out
// of a local minimum it is sure of. [NewGPWith] takes a [GPConfig].
//
// Samplers implement the one-method [Sampler] interface, and
// [JointSampler] to choose the parameters of the search space together when
// a trial starts. They see the study only through a [View] (the finished
// trials a trial may learn from and the trials still running) and must be
// deterministic: the samplers of this package derive their random numbers
// from their seed, the trial number and the parameter name, so a seeded
// study run one trial at a time gives the same trials every time.
//
// # Pruning
//
// An objective calls [Trial.Report] with an intermediate value at each step
// (an epoch, say) and asks [Trial.ShouldPrune]; when it says so, the
// objective returns an error wrapping ErrPruned. [MedianPruner] and
// [PercentilePruner] compare with what complete trials reported at the same
// step; [SuccessiveHalving] is asynchronous successive halving. All follow
// Optuna's definitions and defaults (the tests replay learning curves
// through Optuna's pruners and ours), with one difference documented on
// SuccessiveHalving.
//
// # Parallel trials
//
// With Workers = N above 1, Optimize runs up to N objectives at once, each
// in its own goroutine. Trials started together must not all try the same
// point, so samplers see the running trials: TPE counts them among the worst
// trials (the constant liar) and the GP adds them at their predicted value
// (the kriging believer).
//
// By default the run is reproducible, which Optuna's n_jobs is not: trial k
// starts only once trials 0 to k-N have ended, its sampler sees exactly
// those (and the trials of earlier calls), and it sees trials k-N+1 to k-1
// as running with the parameters they were given when they started.
// Pruners get the same view. So with a seed, N workers and a deterministic
// objective, Optimize gives the same trials every time, whatever the
// timing. The price: a free worker may wait for a slow trial (trial k waits
// for trial k-N even when later ones have ended), each trial learns from N-1
// trials fewer than it could (the random start-up lasts N-1 trials longer),
// and parameters asked for only in some branches are not shown to the liar.
// StudyConfig.Async drops the waiting: a trial starts as soon as a worker is
// free and learns from whatever has ended, like Optuna's n_jobs; the trials
// then depend on timing.
//
// # Ask and tell, enqueue, callbacks
//
// [Study.Ask] starts a trial for an objective evaluated elsewhere and
// [Study.Tell] ends it. [Study.Enqueue] queues fixed parameter values for
// the next trial, to start from a known-good configuration. Callbacks run
// after each trial with its [FrozenTrial], one at a time (a pipeline logs
// each trial as a tracked run this way); a callback's error stops Optimize,
// [ErrStop] stops it without an error.
//
// # Storage
//
// A study keeps its trials in a [Storage], under StudyConfig.Name. The
// default is a storage in memory ([NewMemoryStorage]). [OpenStorage] opens
// one on a records store of the storage core: a bbolt file, which may be
// the one track's runs and the registry's models live in, or a PostgreSQL
// database. A study opened
// on it again ([OpenStudy], with the same name) resumes after the trials
// it holds, and several processes may run one study at once: each trial
// number is reserved in the storage, so numbers are unique and dense,
// every worker's sampler sees the trials the others have finished (and
// their running ones, to the constant liar) when it starts a trial, and an
// enqueued entry ([Study.Enqueue]) is taken by exactly one trial. A worker
// sends a heartbeat for its running trials (StudyConfig.Heartbeat); one
// that has been silent for four heartbeats (its process died) has its
// trials marked Failed with [ErrInterrupted] by the next worker that
// starts a trial, never merely because another worker opened the study.
// A trial's error keeps its sentinel (ErrPruned, ErrPanic...) through the
// storage by a stored code. [WriteTrials] and [ReadTrials] export and read
// trials as JSON lines; the decoders check every record (fuzzed).
//
// Which engine: a bbolt file is one machine's, and the right choice for
// one machine however many processes tune on it (no server, the fastest
// commits). A team that tunes one study from several machines, as
// Optuna's RDB storage does, passes a PostgreSQL location instead,
// "postgres://user:password@host:5432/db?schema=cairn": the same code and
// the same guarantees, trials numbered in serializable transactions that
// are retried on conflict.
//
// # Errors
//
// Errors are wrapped with %w and carry the package's sentinels
// (ErrInvalid, of which ErrBadParam and ErrBadConfig are kinds,
// ErrParamConflict, ErrPruned, ErrPanic, ErrBadValue, ErrInterrupted,
// ErrStop, ErrTrialDone, ErrNoTrials, ErrCorrupt, ErrNotFound, ErrLocked,
// ErrClosed), to be checked with errors.Is. [OpenStudy] returns a bad
// StudyConfig or an unreadable storage as its error; a study made with
// [NewStudy] is unusable then: [Study.Err] says why, and Optimize, Ask and
// Enqueue return it.
//
// # Performance
//
// TPE chooses a trial's parameters in 0.3 to 0.65 ms at 1,000 trials, and
// finds the same best values as Optuna 3.1's TPE within the noise of 50
// seeds; the GP sampler is clearly better at 50 trials. A trial on a file
// storage adds two or three fsynced commits (a few milliseconds). With 4
// workers on one study in PostgreSQL a trial costs about 1 to 2 ms of
// storage, 4 to 11 times less than Optuna's RDB storage on the same
// server. The tables, their history and the commands are in the package's
// README.md:
//
//	go test -run '^$' -bench . ./tune/
package tune
