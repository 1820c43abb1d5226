// Package tune is define-by-run hyperparameter search: a study runs trials
// of an objective that asks each trial for its parameters as it goes, and a
// sampler learns from the finished trials where to look next.
//
// # Studies and trials
//
// A [Study] is made with [NewStudy] from a [StudyConfig] (direction,
// sampler, pruner, workers, storage, callbacks). [Study.Optimize] runs an
// [Objective] n times; [Study.Best] returns the best complete trial.
//
// The objective receives a [*Trial] and asks it for values: [Trial.Float],
// [Trial.FloatLog], [Trial.FloatStep], [Trial.Int], [Trial.IntStep],
// [Trial.IntLog] and [Trial.Choice]. Since parameters are asked for as the
// objective runs, the search space may be conditional: a parameter asked
// for in one branch only exists in the trials that took that branch.
// Asking the same name twice in a trial returns the same value.
package tune
