#!/usr/bin/python3
"""scikit-learn 1.2.1 side of the linear benchmarks (bench_test.go).

Run under the bench lock, right before or after the Go benchmarks:
    flock /tmp/cairn-bench.lock /usr/bin/python3 testdata/bench_sklearn.py [bc] [100k] [1m] [--fast]

--fast runs only the L2 solvers that are fastest here (lbfgs, newton-cholesky),
so that a paired run stays short.

Same data (the breast-cancer set standardised; the synthetic sets built
from the same splitmix64 stream as bench_test.go's synthetic), same
objective (C=1), same tol (1e-4) and max_iter (1000). Each line is the best
wall time (and the least CPU time, all threads) of several fits, the iterations, and the objective reached in
the units of DESIGN.md (penalty + C * sum logloss). liblinear penalises the
intercept, so its objective is a different one (marked *).
"""
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

warnings.simplefilter("ignore", ConvergenceWarning)


def uniforms(seed, count):
    """count outputs of splitmix64 seeded with seed, as float64 in [0, 1)."""
    with np.errstate(over="ignore"):
        k = np.arange(1, count + 1, dtype=np.uint64)
        z = np.uint64(seed) + k * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def synthetic(n, d, seed=42):
    u = uniforms(seed, n * (d + 1)).reshape(n, d + 1)
    X = (2 * u[:, :d] - 1) * (1 + np.arange(d) % 5).astype(np.float64)
    X = np.ascontiguousarray(X)
    w = ((np.arange(d) % 7) - 3) / (3 * np.sqrt(d) / 2)
    score = np.zeros(n)
    for j in range(d):  # the Go order of summation
        score += w[j] * X[:, j]
    y = (score + 4 * (u[:, d] - 0.5) > 0).astype(np.int64)
    return X, y


def objective(m, X, y, penalty):
    z = X @ m.coef_[0] + m.intercept_[0]
    data = float((np.logaddexp(0, z) - y * z).sum())
    W = m.coef_
    pen = 0.5 * float((W * W).sum()) if penalty == "l2" else float(np.abs(W).sum())
    return pen + data


def bench(name, X, y, penalty, solvers, repeats):
    print(f"# {name}: {X.shape[0]}x{X.shape[1]}, positives {int(y.sum())}, penalty {penalty}", flush=True)
    for s in solvers:
        best = float("inf")
        cpu = float("inf")
        for r in range(repeats):
            m = LogisticRegression(penalty=penalty, C=1.0, solver=s, tol=1e-4, max_iter=1000, random_state=0)
            c0 = time.process_time()
            t0 = time.perf_counter()
            m.fit(X, y)
            t = time.perf_counter() - t0
            cpu = min(cpu, time.process_time() - c0)
            best = min(best, t)
            if t > 5:
                break
        mark = "*" if s == "liblinear" else " "
        print(f"{name:14s} {penalty} {s:16s} {best*1e3:10.2f} ms  cpu {cpu*1e3:10.2f} ms  iters {int(np.max(m.n_iter_)):5d}  objective {objective(m, X, y, penalty):.10g}{mark}", flush=True)


def main():
    args = sys.argv[1:]
    fast = "--fast" in args
    which = [a for a in args if a != "--fast"] or ["bc", "100k", "1m"]
    l2 = ["lbfgs", "newton-cg", "newton-cholesky", "sag", "saga", "liblinear"]
    l1 = ["saga", "liblinear"]
    if fast:
        l2, l1 = ["lbfgs", "newton-cholesky"], []
    if "bc" in which:
        bc = load_breast_cancer()
        X = StandardScaler().fit_transform(bc.data)
        bench("breast-cancer", X, bc.target, "l2", l2, 50)
        bench("breast-cancer", X, bc.target, "l1", l1, 50)
    if "100k" in which:
        X, y = synthetic(100_000, 100)
        bench("100kx100", X, y, "l2", l2, 5)
        bench("100kx100", X, y, "l1", l1, 3)
    if "1m" in which:
        X, y = synthetic(1_000_000, 50)
        bench("1Mx50", X, y, "l2", l2, 3)
        bench("1Mx50", X, y, "l1", l1, 2)


if __name__ == "__main__":
    main()
