package ui_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-ml/cairn/track"
)

// project is a small recorded project: a baseline run with metric
// histories, a data set and an artifact; a tuning parent with trial
// children; a tuned run; and an experiment full of markup in its names.
type project struct {
	st       *track.Store
	expID    string // "breast-cancer"
	evilExp  string // the experiment named with markup
	baseline string
	parent   string
	trials   []string
	tuned    string
	evil     string // the run whose name, tags, params and metrics hold markup
}

const digest = "sha256:eb8639ccbc46ae1b3599a7aea876e3ed4a6e5fe2e5ebcd5b850f78e81506c901"

const evilText = `<script>alert("x")</script>`

func newProject(t testing.TB) *project {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	st, err := track.OpenWith(filepath.Join(t.TempDir(), "cairn.db"), track.Options{
		Now: func() time.Time { now = now.Add(1500 * time.Millisecond); return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := &project{st: st}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	exp, err := st.Experiment(ctx, "breast-cancer")
	must(err)
	p.expID = exp.ID
	start := func(e *track.Experiment, name string) *track.Run {
		r, err := e.StartRun(ctx, track.RunOptions{Name: name, Source: "uitest", NoAutoTags: true})
		must(err)
		return r
	}

	base := start(exp, "baseline")
	p.baseline = base.ID()
	must(base.LogParams(ctx, map[string]string{"C": "1", "solver": "lbfgs", "penalty": "l2"}))
	for step := range 12 {
		must(base.Log(ctx, track.Batch{Metrics: []track.Metric{
			{Key: "loss", Value: 0.7*math.Exp(-0.35*float64(step)) + 0.08, Step: int64(step)},
			{Key: "train_accuracy", Value: 0.9 + 0.08*(1-math.Exp(-0.5*float64(step))), Step: int64(step)},
		}}))
	}
	must(base.LogMetrics(ctx, map[string]float64{"f1": 0.962, "accuracy": 0.956, "roc_auc": 0.991}, 12))
	must(base.LogInput(ctx, track.Input{Name: "wdbc", Version: "v1", Digest: digest, Context: "training", Source: "dataset.BreastCancer"}))
	_, err = base.LogArtifact(ctx, "model/coef.json", strings.NewReader(`{"coef":[0.1,0.2]}`))
	must(err)
	must(base.SetTag(ctx, "stage", "baseline"))
	must(base.End(ctx, track.StatusFinished))

	par := start(exp, "tuning")
	p.parent = par.ID()
	must(par.Log(ctx, track.Batch{
		Params: map[string]string{"sampler": "tpe", "trials": "12"},
		Tags:   map[string]string{track.TagTuneObjective: "cv_f1", track.TagTuneDirection: "maximize"},
	}))
	solvers := []string{"lbfgs", "newton", "cd"}
	for k := range 12 {
		trial, err := par.StartChild(ctx, track.RunOptions{Name: fmt.Sprintf("trial %d", k), NoAutoTags: true,
			Tags: map[string]string{track.TagTuneTrial: fmt.Sprint(k)}})
		must(err)
		p.trials = append(p.trials, trial.ID())
		logC := -4 + 6*float64((k*7)%12)/11 // spread over [-4, 2]
		c := math.Pow(10, logC)
		// cv_f1 peaks near C = 10^0.5 and hardly depends on the solver.
		f1 := 0.985 - 0.01*(logC-0.5)*(logC-0.5) + 0.0005*float64(k%3)
		if k == 5 {
			f1 = 0.999 // the best value, but the trial fails: it must not count
		}
		must(trial.Log(ctx, track.Batch{
			Params:  map[string]string{"C": fmt.Sprintf("%.4g", c), "solver": solvers[k%3]},
			Metrics: []track.Metric{{Key: "cv_f1", Value: f1}, {Key: "fit_seconds", Value: 0.01 + 0.001*float64(k)}},
		}))
		status := track.StatusFinished
		if k == 5 {
			status = track.StatusFailed
		}
		must(trial.End(ctx, status))
	}
	must(par.End(ctx, track.StatusFinished))

	tuned := start(exp, "tuned")
	p.tuned = tuned.ID()
	must(tuned.LogParams(ctx, map[string]string{"C": "3.162", "solver": "newton", "penalty": "l2"}))
	for step := range 8 {
		must(tuned.LogMetric(ctx, "loss", 0.6*math.Exp(-0.6*float64(step))+0.05, int64(step)))
	}
	must(tuned.LogMetrics(ctx, map[string]float64{"f1": 0.986, "accuracy": 0.982, "roc_auc": 0.997}, 12))
	must(tuned.LogInput(ctx, track.Input{Name: "wdbc", Version: "v1", Digest: digest, Context: "training"}))
	must(tuned.End(ctx, track.StatusFinished))

	evilExp, err := st.Experiment(ctx, "<b>"+evilText+"</b>")
	must(err)
	p.evilExp = evilExp.ID
	evil := start(evilExp, evilText)
	p.evil = evil.ID()
	must(evil.Log(ctx, track.Batch{
		Params:  map[string]string{evilText: evilText, "url": "javascript:alert(1)"},
		Metrics: []track.Metric{{Key: "</svg>" + evilText, Value: 1}, {Key: "</svg>" + evilText, Value: 2, Step: 1}},
		Tags:    map[string]string{"note": evilText},
	}))
	must(evil.LogInput(ctx, track.Input{Name: evilText, Digest: digest, Source: evilText}))
	_, err = evil.LogArtifact(ctx, "a<b>/"+"x&y.html", strings.NewReader(evilText))
	must(err)
	must(evil.End(ctx, track.StatusKilled))
	return p
}

func trackRunOptions() track.RunOptions { return track.RunOptions{NoAutoTags: true} }

func nan() float64 { return math.NaN() }

func inf(sign int) float64 { return math.Inf(sign) }
