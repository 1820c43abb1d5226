// Package cairn is an embeddable Go library for the whole life of a
// classifier: version the data by content hash, train logistic regression,
// tune it with Bayesian-style search, track every run, register model
// versions with aliases and rollback, and serve the chosen version over
// HTTP. Everything runs in-process on embedded storage (bbolt and a
// content-addressed folder): no Docker and no servers to start.
//
// This package holds only documentation. The work is done by small
// packages, each useful alone:
//
//   - dataset: data sets in memory, CSV, the embedded breast-cancer set,
//     stratified splits, digests, and a content-addressed version
//     repository (what DVC does)
//   - linear: logistic regression that gives scikit-learn's answers
//   - tune: define-by-run hyperparameter search (what Optuna does)
//   - track: experiments, runs, params, metrics and artifacts on bbolt
//     (what MLflow Tracking does)
//   - registry: model versions, aliases, lineage and rollback (what the
//     MLflow Model Registry does)
//   - serve: an HTTP inference server that follows a registry alias live
//
// The program in examples/pipeline joins them into one breast-cancer
// pipeline; run it with
//
//	go run github.com/cairn-ml/cairn/examples/pipeline
package cairn
