#!/usr/bin/python3
"""Regenerates tabular.json: preprocessing + logistic regression on real
tables with text columns and missing values, from scikit-learn 1.2.1 and
pandas 1.5.3 (Debian's python3-sklearn and python3-pandas).

Run with Debian's python, from this folder:
    /usr/bin/python3 tabular.py > tabular.json
The Go tests (tabular_golden_test.go) read tabular.json; Python is never
needed to run them.

Each case reads a table with pandas' read_csv defaults, splits it with
train_test_split(test_size=0.2, stratify=y, random_state=42), and fits on
the training rows a Pipeline of a ColumnTransformer (per column: a
SimpleImputer, then a StandardScaler for numbers or a OneHotEncoder for
text) and a LogisticRegression at tol 1e-10 (the best of its solvers). The columns are given to the
ColumnTransformer numeric ones first, then text ones, each in table order:
the order of cairn's features. It records the fitted preprocessing, the
transformed test rows (all of them) and training rows (column sums and
sums of squares), the coefficients, and the probabilities of the test rows.

The tables:
  penguins     ../../dataset/data/penguins.csv (palmerpenguins, CC0)
  credit       credit_data.csv: credit_data of the R package modeldata 1.1.0
               (MIT), as Debian's r-cran-modeldata ships it, written by
               R's write.csv(credit_data, na="", row.names=FALSE)
"""
import json
import sys
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.simplefilter("ignore")

TABLES = {
    "penguins": ("../../dataset/data/penguins.csv", "species"),
    "credit": ("credit_data.csv", "Status"),
}


def objective(model, X, y, C):
    """0.5*||W||^2 + C * sum_i logloss_i, the objective cairn and
    scikit-learn minimise."""
    P = model.predict_proba(X)
    W = model.named_steps["lr"].coef_
    return float(0.5 * (W ** 2).sum() - C * np.log(P[np.arange(len(y)), y]).sum())


def case(name, table, num_impute="mean", cat_impute="most_frequent", fill=None, fill_text=None,
         no_scale=(), min_frequency=None, max_categories=None, unknown="ignore", C=1.0,
         per_column=None):
    """per_column maps a column name to a dict overriding the settings."""
    path, target = TABLES[table]
    df = pd.read_csv(path)
    y_text = df[target].astype(str)
    X = df.drop(columns=[target])
    classes = sorted(y_text.unique())
    y = np.array([classes.index(v) for v in y_text])
    idx = np.arange(len(df))
    train, test = train_test_split(idx, test_size=0.2, stratify=y, random_state=42)

    num = [c for c in X.columns if X[c].dtype.kind in "if"]
    cat = [c for c in X.columns if X[c].dtype == object]
    settings = {}
    steps = []
    for c in num + cat:
        s = dict(impute=num_impute if c in num else cat_impute,
                 fill=fill, fill_text=fill_text, no_scale=c in no_scale,
                 min_frequency=min_frequency, max_categories=max_categories, unknown=unknown)
        s.update((per_column or {}).get(c, {}))
        settings[c] = s
        if c in num:
            imp = SimpleImputer(strategy=s["impute"], fill_value=s["fill"])
            pipe = [("impute", imp)] + ([] if s["no_scale"] else [("scale", StandardScaler())])
        else:
            imp = SimpleImputer(strategy=s["impute"], fill_value=s["fill_text"])
            enc = OneHotEncoder(handle_unknown=s["unknown"], sparse_output=False,
                                min_frequency=s["min_frequency"], max_categories=s["max_categories"])
            pipe = [("impute", imp), ("onehot", enc)]
        steps.append((c, Pipeline(pipe), [c]))
    ct = ColumnTransformer(steps)
    # Every solver that minimises the same objective, at tol 1e-10; the
    # one that reaches the lowest objective is the reference (lbfgs alone
    # stops on scipy's relative-reduction test some 1e-5 from the optimum
    # here).
    best = None
    solvers = ["lbfgs", "newton-cg"] + (["newton-cholesky"] if len(classes) == 2 else [])
    for solver in solvers:
        lr = LogisticRegression(C=C, tol=1e-10, max_iter=100000, solver=solver)
        model = Pipeline([("prep", ct), ("lr", lr)]).fit(X.iloc[train], y[train])
        obj = objective(model, X.iloc[train], y[train], C)
        if best is None or obj < best[0]:
            best = (obj, solver, model)
    obj, solver, model = best
    ct, lr = model.named_steps["prep"], model.named_steps["lr"]

    inputs = []
    for c in num + cat:
        pipe = ct.named_transformers_[c]
        imp = pipe.named_steps["impute"]
        d = {"name": c, "kind": "numeric" if c in num else "categorical", "settings": settings[c]}
        if c in num:
            d["fill"] = float(imp.statistics_[0])
            if "scale" in pipe.named_steps:
                sc = pipe.named_steps["scale"]
                d["mean"], d["scale"] = float(sc.mean_[0]), float(sc.scale_[0])
        else:
            d["fill_text"] = str(imp.statistics_[0])
            enc = pipe.named_steps["onehot"]
            d["categories"] = [str(v) for v in enc.categories_[0]]
            inf = enc.infrequent_categories_[0] if hasattr(enc, "infrequent_categories_") else None
            d["infrequent"] = None if inf is None else [str(v) for v in inf]
            d["features"] = [str(v) for v in enc.get_feature_names_out([c])]
        inputs.append(d)

    Ztr = ct.transform(X.iloc[train])
    Zte = ct.transform(X.iloc[test])
    P = model.predict_proba(X.iloc[test])
    return {
        "name": name, "table": table, "target": target, "C": C, "classes": classes,
        "train": train.tolist(), "test": test.tolist(),
        "inputs": inputs,
        "train_sum": Ztr.sum(axis=0).tolist(), "train_sumsq": (Ztr ** 2).sum(axis=0).tolist(),
        "test_Z": Zte.tolist(),
        "solver": solver, "objective": obj,
        "coef": lr.coef_.tolist(), "intercept": lr.intercept_.tolist(), "n_iter": int(lr.n_iter_[0]),
        "proba": P.tolist(),
    }


CASES = [
    case("penguins default", "penguins"),
    case("penguins median, constant, no scale", "penguins", num_impute="median", cat_impute="constant",
         no_scale=("year",), per_column={"body_mass_g": {"impute": "most_frequent"}}),
    case("penguins rare islands grouped, C 0.1", "penguins", min_frequency=60, C=0.1,
         per_column={"sex": {"min_frequency": None, "unknown": "ignore"}}),
    case("credit default", "credit"),
    case("credit infrequent and constant", "credit",
         per_column={"Home": {"min_frequency": 0.05, "unknown": "infrequent_if_exist"},
                     "Marital": {"max_categories": 3},
                     "Job": {"impute": "constant", "fill_text": "unknown"},
                     "Income": {"impute": "constant", "fill": -1.0},
                     "Assets": {"impute": "median"}}),
]

json.dump({"sklearn": sklearn.__version__, "pandas": pd.__version__, "cases": CASES}, sys.stdout)
