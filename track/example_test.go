package track_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-ml/cairn/track"
)

// Log a run: params, metrics step by step, the data set it used, an
// artifact, and a child run per tuning trial.
func ExampleExperiment_StartRun() {
	dir, err := os.MkdirTemp("", "track-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	st, err := track.Open(filepath.Join(dir, "cairn.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	exp, err := st.Experiment(ctx, "breast-cancer")
	if err != nil {
		log.Fatal(err)
	}
	run, err := exp.StartRun(ctx, track.RunOptions{Name: "baseline", Source: "example"})
	if err != nil {
		log.Fatal(err)
	}
	if err := run.LogParams(ctx, map[string]string{"C": "1", "solver": "lbfgs"}); err != nil {
		log.Fatal(err)
	}
	for step, loss := range []float64{0.69, 0.21, 0.12} {
		if err := run.LogMetric(ctx, "loss", loss, int64(step)); err != nil {
			log.Fatal(err)
		}
	}
	err = run.LogInput(ctx, track.Input{
		Name: "wdbc", Version: "v1", Context: "training",
		Digest: "sha256:eb8639ccbc46ae1b3599a7aea876e3ed4a6e5fe2e5ebcd5b850f78e81506c901",
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := run.LogArtifact(ctx, "model.json", strings.NewReader(`{"coef":[0.1,0.2]}`)); err != nil {
		log.Fatal(err)
	}
	// A trial of a tuning study is a child run.
	trial, err := run.StartChild(ctx, track.RunOptions{Name: "trial 0"})
	if err != nil {
		log.Fatal(err)
	}
	if err := trial.End(ctx, track.StatusFinished); err != nil {
		log.Fatal(err)
	}
	if err := run.End(ctx, track.StatusFinished); err != nil {
		log.Fatal(err)
	}

	rec, err := run.Record(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Name, rec.Status, rec.Params)
	fmt.Println("latest loss:", rec.Metrics["loss"].Value, "at step", rec.Metrics["loss"].Step)
	fmt.Println("source:", rec.Tags[track.TagSourceName], "data:", rec.Inputs[0].Name, rec.Inputs[0].Version)
	hist, err := st.MetricHistory(ctx, run.ID(), "loss")
	if err != nil {
		log.Fatal(err)
	}
	var values []float64
	for _, m := range hist {
		values = append(values, m.Value)
	}
	fmt.Println(values)
	model, err := st.ReadArtifact(ctx, run.ID(), "model.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(model))
	child, err := trial.Record(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(child.Name, "is a child of the baseline:", child.ParentID == run.ID())
	// Output:
	// baseline FINISHED map[C:1 solver:lbfgs]
	// latest loss: 0.12 at step 2
	// source: example data: wdbc v1
	// [0.69 0.21 0.12]
	// {"coef":[0.1,0.2]}
	// trial 0 is a child of the baseline: true
}

// Search runs with MLflow's filter grammar (plus OR and parentheses),
// order them, and page through the results.
func ExampleStore_SearchRuns() {
	dir, err := os.MkdirTemp("", "track-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := track.Open(filepath.Join(dir, "cairn.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	exp, err := st.Experiment(ctx, "tuning")
	if err != nil {
		log.Fatal(err)
	}
	trials := []struct {
		solver, stage string
		f1            float64
	}{
		{"lbfgs", "prod", 0.97}, {"newton", "prod", 0.96}, {"lbfgs", "dev", 0.98},
		{"cd", "prod", 0.91}, {"lbfgs", "prod", 0.95}, {"newton", "prod", 0.99},
	}
	for i, tr := range trials {
		run, err := exp.StartRun(ctx, track.RunOptions{Name: fmt.Sprint("trial-", i), Tags: map[string]string{"stage": tr.stage}})
		if err != nil {
			log.Fatal(err)
		}
		err = run.Log(ctx, track.Batch{
			Params:  map[string]string{"solver": tr.solver},
			Metrics: []track.Metric{{Key: "f1", Value: tr.f1}},
		})
		if err != nil {
			log.Fatal(err)
		}
		if err := run.End(ctx, track.StatusFinished); err != nil {
			log.Fatal(err)
		}
	}

	opts := track.SearchOptions{
		ExperimentIDs: []string{exp.ID},
		Filter:        "metrics.f1 > 0.95 AND (params.solver = 'lbfgs' OR params.solver = 'newton') AND tags.stage != 'dev'",
		OrderBy:       []string{"metrics.f1 DESC"},
		Limit:         2,
	}
	for page := 1; ; page++ {
		runs, next, err := st.SearchRuns(ctx, opts)
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range runs {
			fmt.Println(page, r.Name, r.Params["solver"], r.Metrics["f1"].Value)
		}
		if next == "" {
			break
		}
		opts.PageToken = next
	}

	_, _, err = st.SearchRuns(ctx, track.SearchOptions{Filter: "metrics.f1 > 0.9 AND params.solver = lbfgs"})
	fmt.Println(err)
	// Output:
	// 1 trial-5 newton 0.99
	// 1 trial-0 lbfgs 0.97
	// 2 trial-1 newton 0.96
	// column 38 of "metrics.f1 > 0.9 AND params.solver = lbfgs": track: bad query: params.solver holds strings: expected a quoted value such as 'x', found "lbfgs"
}
