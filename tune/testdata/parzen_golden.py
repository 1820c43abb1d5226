#!/usr/bin/python3
"""Golden values of Optuna 3.1's Parzen estimator for tune's parzen_test.go.

    /usr/bin/python3 tune/testdata/parzen_golden.py > tune/testdata/parzen_golden.json
"""
import json

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution as C
from optuna.distributions import FloatDistribution as F
from optuna.distributions import IntDistribution as I
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_weights

assert optuna.__version__ == "3.1.0", optuna.__version__


def dist_json(d):
    if isinstance(d, C):
        return {"kind": "categorical", "choices": list(d.choices)}
    return {"kind": "float" if isinstance(d, F) else "int", "low": d.low, "high": d.high,
            "step": d.step or 0, "log": d.log}


CASES = [
    ("float", {"x": F(-5, 10)}, {"x": [1.0, 2.5, -3.0, 7.0, 2.5]}, {"x": [-5, 0, 2.5, 9.9]}, False),
    ("float one obs", {"x": F(0, 1)}, {"x": [0.3]}, {"x": [0, 0.3, 1]}, False),
    ("float log", {"x": F(1e-4, 1, log=True)}, {"x": [1e-3, 0.5, 0.01, 2e-4]},
     {"x": [1e-4, 0.003, 0.9]}, False),
    ("float step", {"x": F(0, 1, step=0.1)}, {"x": [0.1, 0.5, 0.5, 0.9]}, {"x": [0.0, 0.5, 1.0]}, False),
    ("int", {"n": I(1, 10)}, {"n": [1, 3, 3, 8, 10]}, {"n": [1, 2, 3, 10]}, False),
    ("int step", {"n": I(0, 100, step=5)}, {"n": [5, 50, 95]}, {"n": [0, 50, 100]}, False),
    ("int log", {"n": I(1, 64, log=True)}, {"n": [1, 8, 9, 64]}, {"n": [1, 8, 33]}, False),
    ("categorical", {"c": C(["a", "b", "c", "d"])}, {"c": [0, 1, 1, 3]}, {"c": [0, 1, 2, 3]}, False),
    ("prior only", {"x": F(-1, 1)}, {"x": []}, {"x": [-1, 0, 0.5]}, False),
    ("ramp weights", {"x": F(0, 1)}, {"x": list(np.linspace(0.02, 0.98, 30) ** 2)},
     {"x": [0.0, 0.1, 0.7]}, False),
    ("multivariate", {"x": F(-5, 10), "lr": F(1e-4, 1, log=True), "c": C(["p", "q", "r"]), "n": I(1, 20)},
     {"x": [1.0, 2.0, -4.0, 6.0, 9.0, 0.0], "lr": [1e-3, 0.1, 0.5, 1e-4, 0.02, 0.3],
      "c": [0, 2, 1, 1, 0, 2], "n": [1, 5, 20, 7, 7, 13]},
     {"x": [0.0, 5.0, -5.0], "lr": [0.01, 0.5, 1e-4], "c": [0, 1, 2], "n": [1, 7, 20]}, True),
]

out = []
for name, space, obs, points, multivariate in CASES:
    params = _ParzenEstimatorParameters(
        consider_prior=True, prior_weight=1.0, consider_magic_clip=True,
        consider_endpoints=False, weights=default_weights, multivariate=multivariate)
    pe = _ParzenEstimator({k: np.asarray(v, dtype=float) for k, v in obs.items()}, space, params)
    case = {"name": name, "multivariate": multivariate,
            "space": {k: dist_json(d) for k, d in space.items()},
            "obs": obs, "points": points, "weights": pe._weights.tolist(),
            "mus": {}, "sigmas": {}, "cat": {}}
    for k, d in space.items():
        if isinstance(d, C):
            case["cat"][k] = pe._categorical_weights[k].tolist()
        else:
            case["mus"][k] = pe._mus[k].tolist()
            case["sigmas"][k] = pe._sigmas[k].tolist()
    pts = {k: np.asarray(v, dtype=int if isinstance(space[k], C) else float) for k, v in points.items()}
    case["logpdf"] = pe.log_pdf(pts).tolist()
    out.append(case)
print(json.dumps(out, indent=1))
