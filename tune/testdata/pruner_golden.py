#!/usr/bin/python3
"""Golden pruning decisions of Optuna 3.1's pruners for tune's pruner_test.go.

Random learning curves are replayed one trial at a time through ask/tell;
for each pruner the step at which each trial was pruned (-1: completed) is
recorded.

    /usr/bin/python3 tune/testdata/pruner_golden.py > tune/testdata/pruner_golden.json
"""
import json

import numpy as np
import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
rng = np.random.RandomState(7)
N_TRIALS, N_STEPS = 40, 20
curves = []
for _ in range(N_TRIALS):
    a, b, tau = rng.uniform(0, 1), rng.uniform(0.5, 2), rng.uniform(2, 8)
    noise = rng.normal(0, 0.02, N_STEPS)
    curves.append([float(a + b * np.exp(-s / tau) + noise[s]) for s in range(N_STEPS)])

PRUNERS = {
    "median": lambda: optuna.pruners.MedianPruner(),
    "median-warmup": lambda: optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=4, interval_steps=3),
    "percentile25": lambda: optuna.pruners.PercentilePruner(25.0),
    "sha": lambda: optuna.pruners.SuccessiveHalvingPruner(),
    "sha-rf2": lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=2, reduction_factor=2),
    "sha-bootstrap": lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=1, bootstrap_count=2),
}

out = {"curves": curves, "pruned_at": {}}
for direction in ["minimize", "maximize"]:
    sign = 1 if direction == "minimize" else -1
    for name, make in PRUNERS.items():
        study = optuna.create_study(direction=direction, pruner=make())
        pruned = []
        for curve in curves:
            trial = study.ask()
            at = -1
            for step, value in enumerate(curve):
                trial.report(sign * value, step)
                if trial.should_prune():
                    at = step
                    break
            if at >= 0:
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            else:
                study.tell(trial, sign * curve[-1])
            pruned.append(at)
        out["pruned_at"][direction + "/" + name] = pruned
print(json.dumps(out))
