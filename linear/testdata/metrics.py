#!/usr/bin/python3
"""Regenerates metrics.json: scikit-learn 1.2.1's metrics on fixed labels.

Run with Debian's python:  /usr/bin/python3 metrics.py
"""
import json

import numpy as np
import sklearn
from sklearn import metrics


def case(name, y, p, k):
    pred = p.argmax(axis=1)
    avgs = ["binary"] if k == 2 else ["macro", "weighted", "micro"]
    out = {"name": name, "y": y.tolist(), "proba": p.tolist(), "pred": pred.tolist(),
           "accuracy": metrics.accuracy_score(y, pred),
           "confusion": metrics.confusion_matrix(y, pred, labels=list(range(k))).tolist(),
           "log_loss": metrics.log_loss(y, p, labels=list(range(k)))}
    for a in avgs + (["macro", "weighted", "micro"] if k == 2 else []):
        out[f"precision_{a}"] = metrics.precision_score(y, pred, average=a, zero_division=0)
        out[f"recall_{a}"] = metrics.recall_score(y, pred, average=a, zero_division=0)
        out[f"f1_{a}"] = metrics.f1_score(y, pred, average=a, zero_division=0)
    if k == 2:
        out["roc_auc_binary"] = metrics.roc_auc_score(y, p[:, 1])
    else:
        for a in ["macro", "weighted"]:
            out[f"roc_auc_{a}"] = metrics.roc_auc_score(y, p, multi_class="ovr", average=a)
    return out


def main():
    rng = np.random.RandomState(7)
    cases = []
    for name, n, k in [("binary", 60, 2), ("three", 90, 3), ("five", 120, 5)]:
        y = rng.randint(0, k, size=n)
        logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y]
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        p = np.round(p, 3)  # ties in the scores
        p = p / p.sum(axis=1, keepdims=True)
        cases.append(case(name, y, p, k))
    with open("metrics.json", "w") as f:
        json.dump({"sklearn": sklearn.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
