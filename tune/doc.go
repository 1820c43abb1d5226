// Package tune is define-by-run hyperparameter search: a study runs trials
// of an objective that asks each trial for its parameters as it goes, and a
// sampler learns from the finished trials where to look next. It does what
// Optuna does for Python, in-process, with no service behind it.
//
// # Studies and trials
//
// A [Study] is made with [NewStudy] from a [StudyConfig]: a [Direction]
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
// A study keeps its trials in a [Storage], a two-method interface (Load and
// Save). [MemoryStorage] is the default. [FileStorage] ([OpenFileStorage])
// keeps them in a file of JSON lines, appended and synced as trials start
// and end; a study made on it later resumes after the trials it holds (a
// trial that was running when its process died is marked Failed with
// [ErrInterrupted]), and [FileStorage.Compact] rewrites the file atomically.
// [ReadTrials] reads such a file. The decoder checks every record (fuzzed).
//
// # Errors
//
// Errors are wrapped with %w and carry the package's sentinels (ErrBadParam,
// ErrParamConflict, ErrPruned, ErrPanic, ErrBadValue, ErrInterrupted,
// ErrBadConfig, ErrStop, ErrTrialDone, ErrNoTrials, ErrCorrupt), to be
// checked with errors.Is. A bad StudyConfig or an unreadable storage makes
// the study unusable: [Study.Err] says why, and Optimize, Ask and Enqueue
// return it.
//
// # Performance
//
// Quality, side by side with Optuna 3.1.0 (Debian's python3-optuna) on
// this machine (2 cores, Go 1.26.8): the best value after 50 and 100
// trials, mean (standard error of the mean) and median over 50 seeds
// (0-49), one trial at a time; lower is better. The problems are in
// tune/internal/testfunc and, identically, in the Python script: Branin
// (2-D, minimum 0.397887), Hartmann-6 (minimum -3.32237), Rosenbrock-5 on
// [-5, 10]^5 (minimum 0) and "mixed", Branin plus penalties on a log-scaled
// float, a log-scaled integer and a 4-way categorical (minimum 0.397887).
// optuna-tpe is optuna.samplers.TPESampler(seed=s) with its defaults; tpe is
// NewTPE(s), gp NewGP(s), tpe-mv TPEConfig.Multivariate, tpe-norm
// TPEConfig.NormalizeKernels. s/study is the wall time of a whole 100-trial
// study (measured while other jobs shared the machine: indicative only).
//
//	problem      sampler        mean@50     (se)   median@50    mean@100     (se)  median@100  s/study
//	branin       optuna-tpe     0.64167 (0.0338)     0.55619     0.43384 (0.00456)     0.42583    0.318
//	branin       tpe            0.64454  (0.031)     0.55425     0.46274 (0.00979)     0.44855    0.011
//	branin       tpe-mv         0.72513 (0.0469)     0.62826     0.52662 (0.0155)     0.51189    0.010
//	branin       tpe-norm       0.76198 (0.0472)     0.66545     0.48217 (0.0158)     0.42867    0.013
//	branin       gp              0.4001 (0.00031)     0.39955     0.39978 (0.000256)      0.3993    2.171
//	branin       random          1.4255  (0.114)      1.3098     0.90479 (0.0623)     0.83224    0.002
//	hartmann6    optuna-tpe     -2.6059  (0.067)      -2.728     -3.0263 (0.0448)     -3.0875    0.959
//	hartmann6    tpe            -2.5933 (0.0543)     -2.6376     -3.0593  (0.021)     -3.0825    0.023
//	hartmann6    tpe-mv         -2.9222  (0.034)     -2.9659     -3.0987 (0.0135)     -3.1176    0.014
//	hartmann6    tpe-norm       -2.5305 (0.0523)     -2.5444     -2.9979 (0.0236)     -3.0244    0.023
//	hartmann6    gp             -3.2132 (0.0384)     -3.3185     -3.2872 (0.00761)     -3.3203    2.004
//	hartmann6    random         -1.7001 (0.0638)      -1.672     -2.0196 (0.0619)     -1.9776    0.001
//	rosenbrock5  optuna-tpe      1120.3    (158)      774.13      256.33   (33.7)      162.94    0.835
//	rosenbrock5  tpe               1082    (163)      717.97      236.88   (33.9)      150.34    0.027
//	rosenbrock5  tpe-mv          584.08   (78.7)      467.72      229.39   (31.3)       175.4    0.017
//	rosenbrock5  tpe-norm        1735.8    (188)      1450.4      497.52   (52.5)      373.79    0.025
//	rosenbrock5  gp               202.9   (27.9)      149.44      51.918   (6.23)      36.027    1.511
//	rosenbrock5  random          9310.6 (1.19e+03)      7137.5      5172.8    (513)      4256.8    0.002
//	mixed        optuna-tpe      2.5934  (0.181)      2.1305      1.3912 (0.0979)      1.2818    0.701
//	mixed        tpe             2.5861  (0.183)      2.3401      1.4367  (0.109)      1.2698    0.018
//	mixed        tpe-mv          2.8728  (0.202)      2.7615      1.6389  (0.135)      1.4498    0.012
//	mixed        tpe-norm        2.7248  (0.168)      2.6287      1.6206  (0.123)      1.5022    0.019
//	mixed        gp             0.53963 (0.0988)     0.40282     0.49445 (0.0947)     0.39956    1.826
//	mixed        random          4.3711  (0.233)      4.2802      3.7866  (0.198)       3.766    0.001
//
// Reading it:
//   - Our TPE is Optuna 3.1's algorithm (its Parzen estimators are checked
//     against Optuna's to 1e-9 in the tests), so the two should differ by
//     noise only, and they do: within about one standard error everywhere
//     but Branin at 100 trials (0.463 +- 0.010 against 0.434 +- 0.005). On
//     seeds 100-199 that cell is 0.446 +- 0.004 for ours and 0.447 +- 0.005
//     for Optuna's, so the gap is the seeds, not the sampler. Where the
//     aim was "no worse than Optuna's TPE", the honest statement is "the
//     same, to within the noise of 50 seeds"; ours spends 29 to 42 times
//     less time per study.
//   - The GP is clearly better at 50 trials on all four problems: Branin
//     0.400 against 0.642, Hartmann-6 -3.21 against -2.61, Rosenbrock-5 203
//     against 1120, mixed 0.54 against 2.59 (its median, 0.403, is at the
//     minimum; 3 of the 50 seeds stop at a local minimum on the boundary,
//     lr at its lower bound or x1 at 10). It costs about 2 s of sampling
//     per 100-trial study, nothing for an objective that trains a model.
//   - Normalised kernels (Optuna's later fix, optuna#5110) do worse here on
//     Branin, Hartmann-6 and Rosenbrock-5, which is why the default keeps
//     Optuna 3.1's behaviour. The multivariate TPE helps on Hartmann-6 and
//     Rosenbrock-5 and not on Branin or the mixed space.
//
// Commands (each under the bench lock, one after the other):
//
//	go run ./tune/internal/compare -seeds 50 -trials 100 -samplers random,tpe,tpe-mv,tpe-norm,gp
//	/usr/bin/python3 tune/testdata/compare_optuna.py --seeds 50 --trials 100
//	go run ./tune/internal/compare -seeds 100 -seed0 100 -samplers tpe -problems branin
//	/usr/bin/python3 tune/testdata/compare_optuna.py --seeds 100 --seed0 100 --problems branin
//
// Speed: the time a sampler takes to choose every parameter of a new trial
// when n trials are complete (ms/trial: BenchmarkTPE best of five runs of
// 30 iterations; BenchmarkGP one run of 10, measured earlier; the machine
// was shared with other jobs, so these are upper bounds), against Optuna
// 3.1's TPESampler asking the same spaces (testdata/bench_optuna.py, median of 20 asks,
// measured earlier). Spaces: 2d is two floats, mixed5 the mixed problem's
// five parameters, 6d six floats. In brackets, the TPE of commit 47c3de3
// (before the changes described below) measured the same day with the
// same command, best of two runs; it had measured 0.65, 1.8 and 1.8 ms at
// n = 1,000 on a quieter day.
//
//	space   n        tpe   (before)   tpe-mv  (before)   optuna-tpe
//	2d      100     0.08     (0.20)     0.08    (0.22)          4.3
//	2d      1000    0.30     (0.90)     0.49    (0.67)         36.5
//	2d      10000   3.1      (9.5)      5.0     (7.4)         355
//	mixed5  100     0.19     (0.18)     0.12    (0.16)          8.3
//	mixed5  1000    0.57     (1.96)     1.09    (1.34)         24.8
//	mixed5  10000   6.4     (20.7)     11.9    (18.1)        1342
//	6d      100     0.16     (0.24)     0.18    (0.20)         14.3
//	6d      1000    0.65     (2.86)     1.27    (2.13)         45.6
//	6d      10000   8.0     (32.2)     12.4    (14.2)        4104
//
//	space   n=50   n=100   n=300   (gp)
//	2d       8.7    23.5     248
//	mixed5  10.2    39.8     338
//	6d       9.3    31.3     235
//
// The aim of under 1 ms per trial at 1,000 trials is met by the default
// TPE on all three spaces: 0.30 ms in two dimensions, 0.57 ms for the five
// mixed parameters and 0.65 ms for six floats, 0.1 to 0.15 ms per parameter,
// 40 to 120 times faster than Optuna's. It is not met by the multivariate
// TPE on the 5- and 6-parameter spaces (1.1 and 1.3 ms), which weighs each
// candidate against every kernel of its joint estimator. From 1,000 trials
// on, time grows about linearly in n (10 to 12 times from 1,000 to
// 10,000; 3 to 4 times from 100 to 1,000, where fixed costs weigh more):
// the bandwidths are clipped below at a hundredth of the range, so the
// kernels near a candidate are a fixed share of n. The GP fits an n x n
// kernel matrix and grows like n^3 for large n (about n^2.3 between 100
// and 300 here): 9-10 ms per trial at 50 trials, 23-40 ms at 100 and
// 235-340 ms at 300; it is meant for budgets of tens to a few hundred
// expensive trials. The whole study adds little to the sampler:
// BenchmarkOptimize runs a 1,000-trial study at 0.019 ms per trial with
// the random sampler and 0.45 ms with TPE (averaged over the study; 0.64
// ms before, the same day).
//
// The TPE samples exactly what it sampled before, bit for bit; it does
// less work to get there. It keeps the best Gamma(n) trials instead of
// sorting them all; reads the parameter values of each trial once and
// keeps them for the next view of the same trial list (a study's views
// share its finished trials; BenchmarkTPE asks with one view, as a study
// with one worker sees one more trial each time); bucket-sorts the kernel
// centres; computes the density at a candidate once per distinct value
// and, in one dimension, only from the kernels close enough to come
// within 40 nats of the largest term (the others are left out of the sum
// anyway), summed in the same order; and ranks the candidates with a
// fast exponential (relative error under 1e-14), scoring exactly only
// those within the error bound of the best, so that the exact best is
// chosen. equiv_test.go checks each step against the direct computation,
// and the quality table above is the same to the last digit.
//
//	flock /tmp/cairn-bench.lock go test -run '^$' -bench 'TPE|Optimize' -benchtime 30x -count 5 ./tune/
//	flock /tmp/cairn-bench.lock go test -run '^$' -bench GP -benchtime 10x ./tune/
//	flock /tmp/cairn-bench.lock /usr/bin/python3 tune/testdata/bench_optuna.py
//
// and, for the bracketed figures, in a copy of the old package:
//
//	git archive 47c3de3 go.mod go.sum tune | tar -x -C /tmp/old && cd /tmp/old
//	flock /tmp/cairn-bench.lock go test -run '^$' -bench 'TPE|Optimize' -benchtime 30x -count 2 ./tune/
package tune
