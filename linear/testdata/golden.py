#!/usr/bin/python3
"""Regenerates golden.json: reference fits from scikit-learn 1.2.1.

Run with Debian's python (it has sklearn 1.2.1), from this folder:
    /usr/bin/python3 golden.py > /dev/null   (about 3 minutes)
The Go tests read golden.json; Python is never needed to run them.

For every case every scikit-learn solver that minimises exactly our
objective (see DESIGN.md) is run at tol 1e-10, the objective each reaches is
computed in our units,

    penalty(W) + C * sum_i w_i * logloss_i   (no penalty: sum_i w_i * logloss_i)

and the best one is kept as the reference. liblinear penalises the
intercept, so it is only used without an intercept.
"""
import json
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

warnings.simplefilter("ignore", ConvergenceWarning)
warnings.simplefilter("ignore", UserWarning)


def synth(n, d, k, seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d) + rng.normal(size=d)
    W = rng.normal(size=(k, d))
    logits = X @ W.T + rng.gumbel(size=(n, k)) * 2.0
    y = logits.argmax(axis=1)
    return np.round(X, 6), y


def data_sets():
    bc = load_breast_cancer()
    iris = load_iris()
    Xb, yb = synth(300, 8, 2, 1)
    Xm, ym = synth(300, 6, 3, 2)
    return {
        "bc": (bc.data, bc.target),
        "iris": (iris.data, iris.target),
        "synth2": (Xb, yb),
        "synth3": (Xm, ym),
    }


def weights(n):
    return 0.5 + (np.arange(n) % 5) / 4.0


CASES = []


def case(name, data, penalty="l2", C=1.0, l1_ratio=None, std=False, sw=False, balanced=False, intercept=True):
    CASES.append(dict(name=name, data=data, penalty=penalty, C=C, l1_ratio=l1_ratio, std=std,
                      sw=sw, balanced=balanced, fit_intercept=intercept))


# L2, binary and multinomial, C from 1e-3 to 1e3, raw and standardised.
for C in [1e-3, 1e-1, 1.0, 1e3]:
    case(f"l2/bc-std/C={C:g}", "bc", C=C, std=True)
for C in [1e-3, 1.0]:
    case(f"l2/bc-raw/C={C:g}", "bc", C=C)
for C in [1e-3, 1.0, 1e3]:
    case(f"l2/iris/C={C:g}", "iris", C=C)
case("l2/synth2/weights", "synth2", sw=True)
case("l2/synth2/balanced", "synth2", balanced=True, C=0.1)
case("l2/synth2/no-intercept", "synth2", intercept=False, C=10.0)
case("l2/synth3/weights+balanced", "synth3", sw=True, balanced=True)
case("l2/synth3/std", "synth3", std=True, C=0.01)
# No penalty (non-separable data: unique optimum).
case("none/synth2", "synth2", penalty=None)
case("none/synth2/weights", "synth2", penalty=None, sw=True)
case("none/synth3", "synth3", penalty=None)
# L1.
for C in [1e-2, 1.0, 1e2]:
    case(f"l1/bc-std/C={C:g}", "bc", penalty="l1", C=C, std=True)
case("l1/bc-raw/no-intercept/C=1e-3", "bc", penalty="l1", C=1e-3, intercept=False)
case("l1/synth2/C=0.05", "synth2", penalty="l1", C=0.05)
case("l1/synth2/balanced", "synth2", penalty="l1", C=0.02, balanced=True)
case("l1/iris/C=1", "iris", penalty="l1", C=1.0)
case("l1/synth3/weights", "synth3", penalty="l1", C=0.1, sw=True, std=True)
# Elastic net.
case("en/bc-std/C=0.1/r=0.5", "bc", penalty="elasticnet", C=0.1, l1_ratio=0.5, std=True)
case("en/bc-std/C=10/r=0.2", "bc", penalty="elasticnet", C=10.0, l1_ratio=0.2, std=True)
case("en/iris/C=1/r=0.3", "iris", penalty="elasticnet", C=1.0, l1_ratio=0.3)
case("en/synth2/weights/r=0.7", "synth2", penalty="elasticnet", C=0.1, l1_ratio=0.7, sw=True)


def objective(c, W, b, X, y, w, k):
    Z = X @ W.T + b
    if k == 2:
        z = Z[:, 0]
        loss = np.logaddexp(0, z) - y * z
    else:
        m = Z.max(axis=1, keepdims=True)
        lse = (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))[:, 0]
        loss = lse - Z[np.arange(len(y)), y]
    data = float((w * loss).sum())
    if c["penalty"] is None:
        return data
    r = {"l2": 0.0, "l1": 1.0, "elasticnet": c["l1_ratio"]}[c["penalty"]]
    pen = (1 - r) / 2 * float((W * W).sum()) + r * float(np.abs(W).sum())
    return pen + c["C"] * data


def solvers(c, k):
    p = c["penalty"]
    if p in ("l2", None):
        s = ["lbfgs", "newton-cg", "sag", "saga"]
        if k == 2:
            s.append("newton-cholesky")
        if p == "l2" and not c["fit_intercept"] and k == 2:
            s.append("liblinear")
        return s
    if p == "l1":
        s = ["saga"]
        if not c["fit_intercept"] and k == 2:
            s.append("liblinear")
        return s
    return ["saga"]


def run(c, X, y):
    n = len(y)
    k = int(y.max()) + 1
    sw = weights(n) if c["sw"] else np.ones(n)
    cw = np.ones(k)
    if c["balanced"]:
        cw = n / (k * np.bincount(y))
    w = sw * cw[y]
    if c["std"]:
        X = StandardScaler().fit_transform(X)
    best = None
    tried = {}
    for s in solvers(c, k):
        slow = s in ("sag", "saga")
        m = LogisticRegression(penalty=c["penalty"], C=c["C"], l1_ratio=c["l1_ratio"], solver=s, random_state=0,
                               tol=1e-10, max_iter=20000 if slow else 10000,
                               fit_intercept=c["fit_intercept"],
                               class_weight="balanced" if c["balanced"] else None)
        if s == "liblinear":
            m.set_params(max_iter=100000)
        m.max_iter_used = m.max_iter
        m.fit(X, y, sample_weight=sw if c["sw"] else None)
        W = m.coef_
        b = m.intercept_ if c["fit_intercept"] else np.zeros(W.shape[0])
        obj = objective(c, W, b, X, y, w, k)
        tried[s] = obj
        if best is None or obj < best[0]:
            best = (obj, s, m, W, b)
    obj, s, m, W, b = best
    rows = list(range(0, n, max(1, n // 25)))[:25]
    b = np.array(b, dtype=float)
    if k > 2:
        b = b - b.mean()
    # The reference is trusted to 1e-4 in the coefficients when its solver
    # stopped on its tolerance before max_iter, or when two solvers reached
    # the same objective to 1e-10.
    n_iter = int(np.max(m.n_iter_))
    objs = sorted(tried.values())
    agree = len(objs) > 1 and objs[1] - objs[0] <= 1e-10 * abs(objs[0])
    converged = n_iter < m.max_iter_used or agree
    return dict(objective=obj, solver=s, n_iter=n_iter, converged=converged, tried=tried,
                coef=W.tolist(), intercept=b.tolist(), proba_rows=rows,
                proba=m.predict_proba(X[rows]).tolist())


def main():
    sets = data_sets()
    out = {"sklearn": sklearn.__version__, "data": {}, "cases": []}
    for name, (X, y) in sets.items():
        if name == "bc":
            out["data"][name] = {"source": "dataset.BreastCancer", "sum": float(X.sum())}
        else:
            out["data"][name] = {"X": X.tolist(), "y": y.tolist()}
    for c in CASES:
        X, y = sets[c["data"]]
        r = run(c, X.astype(float), y)
        print(f'{c["name"]:40s} {r["solver"]:16s} obj={r["objective"]:.12g} iters={r["n_iter"]}', flush=True)
        out["cases"].append({**c, **r})
    with open("golden.json", "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
