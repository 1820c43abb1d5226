// Package track records experiments and runs on one bbolt file, with
// MLflow Tracking's model: experiments hold runs; a run has a name, a
// status, start and end times, write-once params, mutable tags, metrics
// with their full history, the data sets it used and content-addressed
// artifacts; runs nest (a tuning study's parent run, a child per trial).
//
// # Basics
//
// [Open] opens (or creates) the database; [Store.Experiment] gets or
// creates an experiment by name; [Experiment.StartRun] starts a run and
// returns a [*Run] handle to log to it; [Run.End] ends it.
//
//	st, err := track.Open("cairn-data/cairn.db")
//	exp, err := st.Experiment(ctx, "breast-cancer")
//	run, err := exp.StartRun(ctx, track.RunOptions{Name: "baseline"})
//	err = run.LogParams(ctx, map[string]string{"C": "1", "solver": "lbfgs"})
//	err = run.LogMetric(ctx, "f1", 0.97, 0)
//	err = run.End(ctx, track.StatusFinished)
//
// Every method is one bbolt transaction; [Run.Log] stores a [Batch] of
// params, metrics and tags in one. Store and Run are safe for concurrent
// use.
package track
