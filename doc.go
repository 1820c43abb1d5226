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
// Add the module to a program with
//
//	go get github.com/cairn-ml/cairn@latest
//
// The program in examples/pipeline joins the packages into one
// breast-cancer pipeline. Run it from any folder (outside a module, Go
// fetches the module at its latest version; it writes its data under
// ./cairn-data) with
//
//	go run github.com/cairn-ml/cairn/examples/pipeline@latest
//
// or, in a clone of the repository, with go run ./examples/pipeline. (Without
// the @version, go run finds the package only inside a module that requires
// cairn.)
package cairn
