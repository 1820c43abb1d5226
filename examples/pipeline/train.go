package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-ml/cairn/linear"
	"github.com/cairn-ml/cairn/registry"
	"github.com/cairn-ml/cairn/track"
	"github.com/cairn-ml/cairn/tune"
)

// The model and the search, as the seed pipeline has them.
const (
	cvFolds   = 5
	tuneSeed  = 42
	cLow      = 1e-4
	cHigh     = 1e2
	runSource = "examples/pipeline"
)

var solverChoices = []string{"lbfgs", "newton", "cd"}

// modelSettings is the part of a linear.Config that changes what is
// fitted, as it enters a cache key.
type modelSettings struct {
	C           float64 `json:"C"`
	Penalty     string  `json:"penalty"`
	Solver      string  `json:"solver"`
	Tol         float64 `json:"tol"`
	MaxIter     int     `json:"max_iter"`
	Standardize bool    `json:"standardize"`
	Inputs      bool    `json:"inputs,omitempty"` // the preprocessing of raw inputs (see baseConfig)
}

func settingsOf(cfg linear.Config) modelSettings {
	return modelSettings{C: cfg.C, Penalty: cfg.Penalty.String(), Solver: cfg.Solver.String(),
		Tol: cfg.Tol, MaxIter: cfg.MaxIter, Standardize: cfg.Standardize, Inputs: cfg.Inputs != nil}
}

// stageSettings is everything a stage's result depends on besides the
// code: the data version, the split, the model and, for tuning, the
// search. Its JSON and the code identity make the cache key.
type stageSettings struct {
	Stage        string        `json:"stage"`
	Data         string        `json:"data"`
	Target       string        `json:"target,omitempty"`
	Positive     string        `json:"positive,omitempty"`
	TestFraction float64       `json:"test_fraction"`
	SplitSeed    uint64        `json:"split_seed"`
	Model        modelSettings `json:"model"`
	Trials       int           `json:"trials,omitempty"`
	Folds        int           `json:"folds,omitempty"`
	Sampler      string        `json:"sampler,omitempty"`
	Seed         uint64        `json:"seed,omitempty"`
	CLow         float64       `json:"c_low,omitempty"`
	CHigh        float64       `json:"c_high,omitempty"`
	Solvers      []string      `json:"solvers,omitempty"`
}

// cacheKey is the hex SHA-256 of the settings and the code identity, or ""
// when the code is unknown: then nothing is cached.
func cacheKey(s stageSettings, code string) string {
	if code == "" {
		return ""
	}
	b, err := json.Marshal(s)
	if err != nil {
		return ""
	}
	h := sha256.New()
	h.Write([]byte("cairn.examples.pipeline/1\n"))
	h.Write(b)
	h.Write([]byte("\n" + code))
	return hex.EncodeToString(h.Sum(nil))
}

// result is what a stage produced (or found cached): a run, a registered
// version and the model's scores on the test split.
type result struct {
	stage   string
	runID   string
	version registry.Version
	created bool // a new version was registered
	model   *linear.Model
	test    linear.Report
	cached  bool
	// For tuning: the best trial and its cross-validated F1.
	bestTrial int
	bestCV    float64
}

// experiment returns the pipeline's experiment.
func (a *app) experiment(ctx context.Context) (*track.Experiment, error) {
	return a.store.Experiment(ctx, a.source().model)
}

// lookup finds the newest finished run of a stage with the cache key and
// checks what it recorded: the model version must read back whole (the
// registry hashes the bytes), decode, and score on the test split what
// the run logged. It returns nil and the reason when the run cannot be
// reused (or "" when there is none).
func (a *app) lookup(ctx context.Context, exp *track.Experiment, key string, d *data) (*result, string, error) {
	recs, _, err := a.store.SearchRuns(ctx, track.SearchOptions{
		ExperimentIDs: []string{exp.ID},
		Filter:        fmt.Sprintf("tags.`%s` = '%s' AND attributes.status = 'FINISHED'", tagCache, key),
		OrderBy:       []string{"attributes.start_time DESC"},
		Limit:         1,
	})
	if err != nil || len(recs) == 0 {
		return nil, "", err
	}
	rec := recs[0]
	short := rec.ID
	ref := rec.Tags[tagVersion]
	v, b, err := a.reg.Load(ctx, a.source().model, ref)
	if err != nil {
		return nil, fmt.Sprintf("the model (v%s) of run %s cannot be read back (%v)", ref, short, err), nil
	}
	if v.Digest != rec.Tags[tagDigest] {
		return nil, fmt.Sprintf("v%s is not the model run %s registered", ref, short), nil
	}
	m, err := linear.Unmarshal(b)
	if err != nil {
		return nil, fmt.Sprintf("the model v%s does not decode (%v)", ref, err), nil
	}
	rep, err := linear.Evaluate(m, d.test.X, d.test.Y)
	if err != nil {
		return nil, fmt.Sprintf("the model v%s does not score (%v)", ref, err), nil
	}
	if got := rec.Metrics["test_f1"]; got.Value != rep.F1 {
		return nil, fmt.Sprintf("v%s scores F1 %.4f, not the %.4f run %s recorded", ref, rep.F1, got.Value, short), nil
	}
	r := &result{stage: rec.Tags[tagStage], runID: rec.ID, version: v, model: m, test: rep, cached: true}
	if s, ok := rec.Tags[tagBestTrial]; ok {
		r.bestTrial, _ = strconv.Atoi(s)
		r.bestCV = rec.Metrics["best_cv_f1"].Value
	}
	return r, "", nil
}

// cached looks the stage up unless force is set or caching is off, and
// says what it found.
func (a *app) cached(ctx context.Context, exp *track.Experiment, stage, label, key string, d *data, force bool) (*result, error) {
	switch {
	case force:
		return nil, nil
	case key == "":
		a.printf("%-9s the code's revision is unknown, so nothing is cached\n", label)
		return nil, nil
	}
	r, why, err := a.lookup(ctx, exp, key, d)
	if err != nil {
		return nil, err
	}
	if why != "" {
		a.printf("%-9s cached run found, but %s: training again\n", label, why)
	}
	if r == nil && why == "" {
		a.notCached(ctx, exp, stage, label, d)
	}
	return r, nil
}

// notCached says why a stage that ran on this data before is not cached
// when that is because its code differs: a `go build` binary and `go run`
// build different executables (see codeIdentity), which surprises.
func (a *app) notCached(ctx context.Context, exp *track.Experiment, stage, label string, d *data) {
	recs, _, err := a.store.SearchRuns(ctx, track.SearchOptions{
		ExperimentIDs: []string{exp.ID},
		Filter: fmt.Sprintf("tags.`%s` = '%s' AND tags.`%s` = '%s' AND attributes.status = 'FINISHED'",
			tagStage, stage, tagDataID, d.version.Digest),
		OrderBy: []string{"attributes.start_time DESC"},
		Limit:   1,
	})
	if err != nil || len(recs) == 0 {
		return
	}
	if other := recs[0].Tags[tagCode]; other != a.env.code() {
		a.printf("%-9s not cached: run %s on this data ran other code (%s; this is %s)\n",
			label, recs[0].ID, shortCode(other), shortCode(a.env.code()))
	}
}

// shortCode shortens a code identity's hash for a message.
func shortCode(c string) string {
	if i := strings.LastIndexByte(c, ':'); i >= 0 && len(c)-i > 13 {
		return c[:i+13]
	}
	return orDash(c)
}

// startRun starts a top-level run of a stage with the data inputs logged.
func (a *app) startRun(ctx context.Context, exp *track.Experiment, name, stage, key string, d *data, params map[string]string, tags map[string]string) (*track.Run, error) {
	all := map[string]string{
		tagStage:   stage,
		tagCode:    a.env.code(),
		tagDataVer: d.version.String(),
		tagDataID:  d.version.Digest,
	}
	if all[tagCode] == "" {
		delete(all, tagCode)
	}
	for k, v := range tags {
		all[k] = v
	}
	run, err := exp.StartRun(ctx, track.RunOptions{Name: name, Tags: all, Source: runSource})
	if err != nil {
		return nil, err
	}
	ds := a.source().name
	inputs := []track.Input{
		{Name: ds, Version: "v" + strconv.Itoa(d.version.Number), Digest: d.version.Digest, Source: "datasets", Context: "training"},
		{Name: ds, Version: "v" + strconv.Itoa(d.version.Number), Digest: d.version.Digest, Source: "datasets", Context: "test"},
	}
	if err := run.LogInput(ctx, inputs...); err != nil {
		return nil, a.fail(run, err)
	}
	if err := run.LogParams(ctx, params); err != nil {
		return nil, a.fail(run, err)
	}
	return run, nil
}

// fail ends run as failed (killed when ctx was cancelled) and returns err.
func (a *app) fail(run *track.Run, err error) error {
	status := track.StatusFailed
	if errors.Is(err, context.Canceled) {
		status = track.StatusKilled
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.env.timeout)
	defer cancel()
	if e := run.SetTag(ctx, "cairn.pipeline.error", truncate(err.Error(), 1000)); e != nil {
		return errors.Join(err, e)
	}
	if e := run.End(ctx, status); e != nil {
		return errors.Join(err, e)
	}
	return err
}

// finish scores m on the test split, logs it and the model as artifacts,
// registers it and ends the run: the common end of both stages.
func (a *app) finish(ctx context.Context, run *track.Run, stage, key string, d *data, m *linear.Model, metrics []track.Metric, tags map[string]string) (*result, error) {
	rep, err := linear.Evaluate(m, d.test.X, d.test.Y)
	if err != nil {
		return nil, a.fail(run, err)
	}
	b, err := linear.Marshal(m)
	if err != nil {
		return nil, a.fail(run, err)
	}
	if _, err := run.LogArtifact(ctx, "model/model.json", bytes.NewReader(b)); err != nil {
		return nil, a.fail(run, err)
	}
	testMetrics := map[string]float64{
		"test_accuracy": rep.Accuracy,
		"test_f1":       rep.F1,
		"test_roc_auc":  rep.ROCAUC,
	}
	vtags := map[string]string{"stage": stage, verTarget: d.all.Target}
	if d.positive != "" {
		vtags[verPositive] = d.positive
	}
	if d.example != "" {
		vtags[verExample] = d.example
	}
	v, created, err := a.reg.Register(ctx, a.source().model, bytes.NewReader(b), registry.RegisterOptions{
		Format:        linear.FormatName,
		RunID:         run.ID(),
		DatasetDigest: d.version.Digest,
		Metrics:       testMetrics,
		Tags:          vtags,
		Description:   describe(stage, m),
	})
	if err != nil {
		return nil, a.fail(run, err)
	}
	for k, x := range testMetrics {
		metrics = append(metrics, track.Metric{Key: k, Value: x})
	}
	s := m.Summary()
	metrics = append(metrics,
		track.Metric{Key: "train_iterations", Value: float64(s.Iterations)},
		track.Metric{Key: "test_log_loss", Value: rep.LogLoss})
	all := map[string]string{
		tagVersion: strconv.Itoa(v.Number),
		tagDigest:  v.Digest,
	}
	for k, x := range tags {
		all[k] = x
	}
	if key != "" {
		all[tagCache] = key
	}
	if err := run.Log(ctx, track.Batch{Metrics: metrics, Tags: all}); err != nil {
		return nil, a.fail(run, err)
	}
	if err := run.End(ctx, track.StatusFinished); err != nil {
		return nil, err
	}
	return &result{stage: stage, runID: run.ID(), version: v, created: created, model: m, test: rep}, nil
}

// Tags of a registered version besides "stage": what its test scores
// mean, and a row to try it with.
const (
	verTarget   = "target"        // the column it predicts
	verPositive = "positive"      // the class its test F1 is of; absent for macro F1
	verExample  = "input_example" // one row as a client sends it (MLflow's input example)
)

// describe is a version's description.
func describe(stage string, m *linear.Model) string {
	s := m.Summary()
	return fmt.Sprintf("%s: logistic regression, %v penalty, C=%.4g, solver %v, %s", stage, s.Penalty, s.C, s.Solver, preprocessing(m))
}

// preprocessing says what the model does to its inputs.
func preprocessing(m *linear.Model) string {
	in := m.Inputs()
	if in == nil {
		if m.Summary().Standardized {
			return "standardised features"
		}
		return "raw features"
	}
	num, cat := 0, 0
	for _, x := range in {
		if x.Kind == linear.Categorical {
			cat++
		} else {
			num++
		}
	}
	return fmt.Sprintf("%d numeric inputs mean-imputed and standardised, %d text inputs most-frequent-imputed and one-hot encoded", num, cat)
}

// baseline trains the baseline (default settings), or reuses a cached one.
func (a *app) baseline(ctx context.Context, exp *track.Experiment, d *data, force bool) (*result, error) {
	cfg := d.base
	key := cacheKey(stageSettings{Stage: "baseline", Data: d.version.Digest, Target: d.all.Target, Positive: d.positive,
		TestFraction: testFraction, SplitSeed: splitSeed, Model: settingsOf(cfg)}, a.env.code())
	if r, err := a.cached(ctx, exp, "baseline", "baseline", key, d, force); err != nil || r != nil {
		if r != nil {
			a.printf("baseline  cached: run %s with the same data, settings and code; model v%d read back and checked (test F1 %.4f)\n",
				r.runID, r.version.Number, r.test.F1)
		}
		return r, err
	}
	run, err := a.startRun(ctx, exp, "baseline", "baseline", key, d, splitParams(d), nil)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	m, err := linear.Fit(ctx, d.train.X, d.train.Y, cfg)
	if err != nil {
		return nil, a.fail(run, err)
	}
	took := time.Since(start)
	a.warn(m)
	if err := run.LogParams(ctx, modelParams(m)); err != nil {
		return nil, a.fail(run, err)
	}
	r, err := a.finish(ctx, run, "baseline", key, d, m, []track.Metric{{Key: "fit_ms", Value: float64(took.Microseconds()) / 1000}}, nil)
	if err != nil {
		return nil, err
	}
	a.printf("baseline  trained in %v (%v, C=1): test F1 %.4f -> %s\n", took.Round(time.Microsecond*100), m.Summary().Solver, r.test.F1, a.registered(r))
	return r, nil
}

// splitParams are the params of the data split and the scoring.
func splitParams(d *data) map[string]string {
	p := map[string]string{
		"test_size":  strconv.FormatFloat(testFraction, 'g', -1, 64),
		"split_seed": strconv.Itoa(splitSeed),
		"target":     d.all.Target,
	}
	if d.positive != "" {
		p["positive"] = d.positive
	}
	return p
}

// modelParams are the params of a fitted model, from its summary: the
// values the fit used, defaults and Auto resolved by linear itself.
func modelParams(m *linear.Model) map[string]string {
	s := m.Summary()
	p := map[string]string{
		"C":           strconv.FormatFloat(s.C, 'g', -1, 64),
		"penalty":     s.Penalty.String(),
		"solver":      s.Solver.String(),
		"tol":         strconv.FormatFloat(s.Tol, 'g', -1, 64),
		"max_iter":    strconv.Itoa(s.MaxIter),
		"standardize": strconv.FormatBool(s.Standardized),
	}
	if m.Inputs() != nil {
		delete(p, "standardize")
		p["preprocessing"] = preprocessing(m)
	}
	return p
}

func (a *app) warn(m *linear.Model) {
	if w := m.Warning(); w != nil {
		a.printf("          warning: %v\n", w)
	}
}

func (a *app) registered(r *result) string {
	if r.created {
		return fmt.Sprintf("registered %s v%d", a.source().model, r.version.Number)
	}
	return fmt.Sprintf("same bytes as %s v%d, already registered", a.source().model, r.version.Number)
}

// tuneStage runs the TPE study (each trial a child run of the "tuned"
// run), refits the best configuration on the training split and registers
// it, or reuses a cached study.
func (a *app) tuneStage(ctx context.Context, exp *track.Experiment, d *data, trials int, force bool) (*result, error) {
	base := d.base
	key := cacheKey(stageSettings{Stage: "tune", Data: d.version.Digest, Target: d.all.Target, Positive: d.positive,
		TestFraction: testFraction, SplitSeed: splitSeed,
		Model: settingsOf(base), Trials: trials, Folds: cvFolds, Sampler: "tpe", Seed: tuneSeed, CLow: cLow, CHigh: cHigh,
		Solvers: solverChoices}, a.env.code())
	if r, err := a.cached(ctx, exp, "tune", "tuning", key, d, force); err != nil || r != nil {
		if r != nil {
			a.printf("tuning    cached: run %s with the same data, settings and code (best trial %d, CV F1 %.4f); model v%d read back and checked (test F1 %.4f)\n",
				r.runID, r.bestTrial, r.bestCV, r.version.Number, r.test.F1)
		}
		return r, err
	}
	for k, n := range d.train.ClassCounts() {
		if n < cvFolds {
			return nil, fmt.Errorf("tuning: the class %q has %d training rows; %d-fold cross-validation needs %d", d.all.Classes[k], n, cvFolds, cvFolds)
		}
	}
	params := map[string]string{
		"trials":  strconv.Itoa(trials),
		"folds":   strconv.Itoa(cvFolds),
		"sampler": "tpe",
		"seed":    strconv.Itoa(tuneSeed),
		"space":   fmt.Sprintf("C: log-uniform [%g, %g]; solver: %v", cLow, cHigh, solverChoices),
	}
	maps.Copy(params, splitParams(d))
	parent, err := a.startRun(ctx, exp, "tuned", "tune", key, d, params, map[string]string{
		track.TagTuneObjective: "cv_f1",
		track.TagTuneDirection: "maximize",
	})
	if err != nil {
		return nil, err
	}
	// The study is stored beside the runs under a name made of the
	// stage's settings and code (not the number of trials): every process
	// that tunes the same thing, on this machine or another sharing the
	// -store database, adds its trials to one study, and each refits the
	// best of them all.
	studyKey := cacheKey(stageSettings{Stage: "tune", Data: d.version.Digest, Target: d.all.Target, Positive: d.positive,
		TestFraction: testFraction, SplitSeed: splitSeed,
		Model: settingsOf(base), Folds: cvFolds, Sampler: "tpe", Seed: tuneSeed, CLow: cLow, CHigh: cHigh,
		Solvers: solverChoices}, a.env.code())
	storage, err := a.openStudies(studyKey)
	if err != nil {
		return nil, a.fail(parent, err)
	}
	defer storage.Close()
	studyName := a.source().model
	if studyKey != "" {
		studyName += " " + studyKey[:16]
	}
	best := math.Inf(-1)
	study, err := tune.OpenStudy(ctx, tune.StudyConfig{
		Name:      studyName,
		Direction: tune.Maximize,
		Sampler:   tune.NewTPE(tuneSeed),
		Storage:   storage,
		Now:       a.env.now,
		Callbacks: []tune.Callback{func(t tune.FrozenTrial) error {
			if t.State != tune.Complete {
				a.printf("  trial %2d  %v: %v\n", t.Number, t.State, t.Err)
				return nil
			}
			best = math.Max(best, t.Value)
			a.printf("  trial %2d  C=%-10.4g solver=%-6s  CV F1 %.4f  best %.4f\n",
				t.Number, t.Params.Float("C"), t.Params.String("solver"), t.Value, best)
			return nil
		}},
	})
	if err != nil {
		return nil, a.fail(parent, err)
	}
	defer study.Close()
	there := ""
	if n := len(study.Trials()); n > 0 {
		there = fmt.Sprintf(" (%d trials there already)", n)
	}
	a.printf("tuning    %d TPE trials over C (log %g..%g) and the solver, each scored by %d-fold CV F1 on the training split, into study %q%s\n",
		trials, cLow, cHigh, cvFolds, studyName, there)
	objective := func(t *tune.Trial) (float64, error) {
		c := t.FloatLog("C", cLow, cHigh)
		solverName := t.Choice("solver", solverChoices...)
		if err := t.Err(); err != nil {
			return 0, err
		}
		solver, err := linear.ParseSolver(solverName)
		if err != nil {
			return 0, err
		}
		ctx := t.Context()
		child, err := parent.StartChild(ctx, track.RunOptions{
			Name:       fmt.Sprintf("trial-%d", t.Number()),
			Tags:       map[string]string{track.TagTuneTrial: strconv.Itoa(t.Number()), tagStage: "trial"},
			Source:     runSource,
			NoAutoTags: true,
		})
		if err != nil {
			return 0, err
		}
		cfg := base
		cfg.C, cfg.Solver = c, solver
		if err := child.LogParams(ctx, map[string]string{
			"C": strconv.FormatFloat(c, 'g', -1, 64), "solver": solverName,
		}); err != nil {
			return 0, a.fail(child, err)
		}
		cv, err := linear.CrossValidate(ctx, d.train.X, d.train.Y, cfg, cvFolds, tuneSeed)
		if err != nil {
			return 0, a.fail(child, err)
		}
		metrics := []track.Metric{
			{Key: "cv_f1", Value: cv.Mean.F1},
			{Key: "cv_accuracy", Value: cv.Mean.Accuracy},
			{Key: "cv_roc_auc", Value: cv.Mean.ROCAUC},
		}
		for i, f := range cv.Folds {
			metrics = append(metrics, track.Metric{Key: "fold_f1", Value: f.F1, Step: int64(i)})
		}
		if err := child.Log(ctx, track.Batch{Metrics: metrics}); err != nil {
			return 0, a.fail(child, err)
		}
		if err := child.End(ctx, track.StatusFinished); err != nil {
			return 0, err
		}
		return cv.Mean.F1, nil
	}
	if err := study.Optimize(ctx, objective, trials); err != nil {
		return nil, a.fail(parent, err)
	}
	bt := study.Best()
	if bt.State != tune.Complete {
		return nil, a.fail(parent, fmt.Errorf("tuning: no trial completed"))
	}
	cfg := base
	cfg.C = bt.Params.Float("C")
	if cfg.Solver, err = linear.ParseSolver(bt.Params.String("solver")); err != nil {
		return nil, a.fail(parent, err)
	}
	m, err := linear.Fit(ctx, d.train.X, d.train.Y, cfg)
	if err != nil {
		return nil, a.fail(parent, err)
	}
	a.warn(m)
	if err := parent.LogParams(ctx, modelParams(m)); err != nil {
		return nil, a.fail(parent, err)
	}
	r, err := a.finish(ctx, parent, "tune", key, d, m,
		[]track.Metric{{Key: "best_cv_f1", Value: bt.Value}},
		map[string]string{tagBestTrial: strconv.Itoa(bt.Number)})
	if err != nil {
		return nil, err
	}
	r.bestTrial, r.bestCV = bt.Number, bt.Value
	a.printf("tuned     best trial %d (C=%.4g, solver %s, CV F1 %.4f) refitted on the training split: test F1 %.4f -> %s\n",
		bt.Number, cfg.C, cfg.Solver, bt.Value, r.test.F1, a.registered(r))
	return r, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
