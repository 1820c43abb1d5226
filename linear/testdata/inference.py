#!/usr/bin/python3
"""Regenerates inference.json: statsmodels 0.13.5 Logit on the same data.

Run with Debian's python:  /usr/bin/python3 inference.py
Cases: the synthetic binary set of golden.py (raw), and three breast-cancer
columns (mean radius, mean texture, mean smoothness), with an intercept.
"""
import json

import numpy as np
import statsmodels
import statsmodels.api as sm
from sklearn.datasets import load_breast_cancer

from golden import synth


def fit(X, y, names):
    res = sm.Logit(y, sm.add_constant(X, prepend=False)).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
    ci = res.conf_int(0.05)
    return dict(names=names + ["intercept"], coef=res.params.tolist(), stderr=res.bse.tolist(),
                z=res.tvalues.tolist(), p=res.pvalues.tolist(), lower=ci[:, 0].tolist(),
                upper=ci[:, 1].tolist(), llf=float(res.llf))


def main():
    out = {"statsmodels": statsmodels.__version__, "cases": []}
    X, y = synth(300, 8, 2, 1)
    out["cases"].append({"name": "synth2", "data": "synth2", "cols": list(range(8)),
                         **fit(X, y, [f"x{j}" for j in range(8)])})
    bc = load_breast_cancer()
    cols = [0, 1, 4]
    out["cases"].append({"name": "bc-3", "data": "bc", "cols": cols,
                         **fit(bc.data[:, cols], bc.target, [bc.feature_names[j] for j in cols])})
    with open("inference.json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
