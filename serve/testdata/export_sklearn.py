"""Export scikit-learn models and request bodies for serve's load test.

    /usr/bin/python3 serve/testdata/export_sklearn.py OUT

fits StandardScaler + LogisticRegression (C=1, then C=0.1) on the
breast-cancer data, as fastapi_app.py does, and writes them in linear's
model format (cairn.linear.logistic v1) as OUT/v1.json and OUT/v2.json, so
that the cairn server serves exactly the coefficients FastAPI serves. It
also writes the request bodies OUT/body1.json and OUT/body100.json
({"instances": [...]}, the first 1 and 100 rows of the data) and
OUT/proba1.json, sklearn's probabilities for the first row.
"""
import json
import os
import sys

from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

CLASSES = ["malignant", "benign"]


def fit(c):
    data = load_breast_cancer()
    return data, make_pipeline(StandardScaler(), LogisticRegression(C=c)).fit(data.data, data.target)


def cairn_json(data, pipe, c):
    scaler, lr = pipe.named_steps["standardscaler"], pipe.named_steps["logisticregression"]
    return {
        "format": "cairn.linear.logistic", "version": 1,
        "classes": CLASSES, "features": [str(f) for f in data.feature_names],
        "scaler": {"mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist()},
        "coef": lr.coef_.tolist(), "intercept": lr.intercept_.tolist(),
        "training": {"solver": "lbfgs", "penalty": "l2", "C": c, "l1_ratio": 0, "tol": lr.tol,
                     "max_iter": lr.max_iter, "fit_intercept": True, "standardized": True,
                     "rows": int(data.data.shape[0]), "weight_sum": float(data.data.shape[0]),
                     "iterations": int(lr.n_iter_[0]), "evaluations": 0, "objective": 0,
                     "violation": 0, "converged": True},
    }


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, c in (("v1.json", 1.0), ("v2.json", 0.1)):
        data, pipe = fit(c)
        with open(os.path.join(out, name), "w") as f:
            json.dump(cairn_json(data, pipe, c), f)
    data, pipe = fit(1.0)
    for n in (1, 100):
        with open(os.path.join(out, "body%d.json" % n), "w") as f:
            json.dump({"instances": data.data[:n].tolist()}, f)
    with open(os.path.join(out, "proba1.json"), "w") as f:
        json.dump(pipe.predict_proba(data.data[:1]).tolist(), f)


if __name__ == "__main__":
    main(sys.argv[1])
