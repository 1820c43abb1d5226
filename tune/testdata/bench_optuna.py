#!/usr/bin/python3
"""Time per trial of Optuna 3.1's TPESampler (defaults) when n trials are
complete, on the spaces of tune's BenchmarkTPE: the time of study.ask with
every parameter of the space, median of repeated asks.

    /usr/bin/python3 tune/testdata/bench_optuna.py
"""
import math
import statistics
import time

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution as C
from optuna.distributions import FloatDistribution as F
from optuna.distributions import IntDistribution as I

optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACES = {
    "2d": {"x1": F(-5, 10), "x2": F(0, 15)},
    "mixed5": {"x1": F(-5, 10), "x2": F(0, 15), "lr": F(1e-4, 1, log=True),
               "n": I(1, 64, log=True), "c": C(["a", "b", "c", "d"])},
    "6d": {f"x{i}": F(0, 1) for i in range(6)},
}


def main():
    rng = np.random.RandomState(0)
    print("%-8s %7s %10s" % ("space", "n", "ms/trial"))
    for name, space in SPACES.items():
        for n in [100, 1000, 10000]:
            study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
            trials = []
            for _ in range(n):
                params = {}
                for k, d in space.items():
                    if isinstance(d, C):
                        params[k] = d.choices[rng.randint(len(d.choices))]
                    elif isinstance(d, I):
                        params[k] = int(round(math.exp(rng.uniform(math.log(d.low), math.log(d.high)))))
                    elif d.log:
                        params[k] = float(math.exp(rng.uniform(math.log(d.low), math.log(d.high))))
                    else:
                        params[k] = float(rng.uniform(d.low, d.high))
                value = sum(math.sin(3 * rng.uniform()) for _ in space)
                trials.append(optuna.trial.create_trial(params=params, distributions=space, value=value))
            study.add_trials(trials)
            reps = 20 if n < 10000 else 5
            times = []
            for _ in range(reps):
                t0 = time.perf_counter()
                study.ask(fixed_distributions=space)
                times.append(time.perf_counter() - t0)
            print("%-8s %7d %10.2f" % (name, n, 1000 * statistics.median(times)), flush=True)


if __name__ == "__main__":
    main()
