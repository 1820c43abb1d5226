#!/usr/bin/python3
"""Optuna's TPESampler (defaults) on the problems of tune/internal/testfunc.

Prints the best value after 50 and 100 trials, mean and median over seeds,
in the format of `go run ./tune/internal/compare`. Run with Debian's python,
which has optuna 3.1:

    /usr/bin/python3 tune/testdata/compare_optuna.py --seeds 30
"""
import argparse
import math
import statistics
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin_f(x1, x2):
    a, b, c = 1.0, 5.1 / (4 * math.pi**2), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    u = x2 - b * x1 * x1 + c * x1 - r
    return a * u * u + s * (1 - t) * math.cos(x1) + s


def branin(trial):
    return branin_f(trial.suggest_float("x1", -5, 10), trial.suggest_float("x2", 0, 15))


H_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
       [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
       [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
H_ALPHA = [1, 1.2, 3, 3.2]
NAMES = ["x0", "x1", "x2", "x3", "x4", "x5"]


def hartmann6(trial):
    x = [trial.suggest_float(n, 0, 1) for n in NAMES]
    total = 0.0
    for i in range(4):
        inner = sum(H_A[i][j] * (x[j] - H_P[i][j] * 1e-4) ** 2 for j in range(6))
        total += H_ALPHA[i] * math.exp(-inner)
    return -total


def rosenbrock5(trial):
    x = [trial.suggest_float(n, -5, 10) for n in NAMES[:5]]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(4))


def mixed(trial):
    x1 = trial.suggest_float("x1", -5, 10)
    x2 = trial.suggest_float("x2", 0, 15)
    lr = trial.suggest_float("lr", 1e-4, 1, log=True)
    n = trial.suggest_int("n", 1, 64, log=True)
    c = trial.suggest_categorical("c", ["a", "b", "c", "d"])
    offset = {"a": 2, "b": 0, "c": 1, "d": 3}[c]
    l = math.log10(lr) + 2
    k = math.log2(n) - 3
    return branin_f(x1, x2) + l * l + k * k / 4 + offset


PROBLEMS = [("branin", branin), ("hartmann6", hartmann6),
            ("rosenbrock5", rosenbrock5), ("mixed", mixed)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--seed0", type=int, default=0)
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--problems", default="")
    args = ap.parse_args()
    checkpoints = [50, args.trials] if args.trials > 50 else [args.trials]
    head = "%-12s %-10s" % ("problem", "sampler")
    for c in checkpoints:
        head += " %11s %8s %11s" % ("mean@%d" % c, "(se)", "median@%d" % c)
    print(head + " %8s" % "s/study", flush=True)
    wanted = args.problems.split(",") if args.problems else None
    for name, f in PROBLEMS:
        if wanted and name not in wanted:
            continue
        best = [[] for _ in checkpoints]
        start = time.time()
        for seed in range(args.seed0, args.seed0 + args.seeds):
            study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
            study.optimize(f, n_trials=args.trials)
            run = math.inf
            for t in study.trials:
                if t.state == optuna.trial.TrialState.COMPLETE:
                    run = min(run, t.value)
                for i, c in enumerate(checkpoints):
                    if t.number == c - 1:
                        best[i].append(run)
        elapsed = (time.time() - start) / args.seeds
        line = "%-12s %-10s" % (name, "optuna-tpe")
        for b in best:
            se = statistics.stdev(b) / math.sqrt(len(b))
            line += " %11.5g %8s %11.5g" % (statistics.mean(b), "(%.3g)" % se, statistics.median(b))
        print(line + " %8.3f" % elapsed, flush=True)


if __name__ == "__main__":
    main()
