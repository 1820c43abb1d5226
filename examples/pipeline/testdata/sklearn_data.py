#!/usr/bin/python3
"""The baseline of `pipeline -data PATH -target COLUMN [-positive LABEL]`
in scikit-learn, on the same files, for sklearn_data.json, which the Go
tests (tabular_test.go) compare with the pipeline's own scores. Python is
never needed to run the tests.

    cd examples/pipeline/testdata && /usr/bin/python3 sklearn_data.py > sklearn_data.json

Debian's python3-sklearn (scikit-learn 1.2.1) and python3-pandas (1.5.3).
Each case reads the file with pandas' read_csv defaults, splits it with
train_test_split(test_size=0.2, stratify=y, random_state=42) on the raw
labels (which scikit-learn sorts, as LabelEncoder does), and fits
scikit-learn's common recipe on the training rows: a ColumnTransformer of
SimpleImputer(mean) + StandardScaler for the numeric columns and
SimpleImputer(most_frequent) + OneHotEncoder(handle_unknown="ignore") for
the text ones, then LogisticRegression() with its defaults. It scores the
test rows: accuracy, F1 of the positive label (the second of the sorted
labels unless the case names one) or macro F1 for more than two classes,
and ROC AUC (one-vs-rest macro for more than two classes).
"""
import json
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.simplefilter("ignore")

# name: (file, target, positive or None, the pipeline's -data argument)
CASES = {
    "penguins": ("../../../dataset/data/penguins.csv", "species", None, "penguins"),
    "credit-small": ("credit_small.csv", "Status", None, "testdata/credit_small.csv"),
    "credit-small-bad": ("credit_small.csv", "Status", "bad", "testdata/credit_small.csv"),
    "credit": ("../../../linear/testdata/credit_data.csv", "Status", "bad", "linear/testdata/credit_data.csv"),
}


def case(path, target, positive):
    df = pd.read_csv(path)
    y = df.pop(target)
    num = [c for c in df.columns if df[c].dtype.kind in "if"]
    txt = [c for c in df.columns if c not in num]
    Xtr, Xte, ytr, yte = train_test_split(df, y, test_size=0.2, stratify=y, random_state=42)
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), num),
        ("txt", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), txt),
    ])
    model = Pipeline([("pre", pre), ("lr", LogisticRegression())]).fit(Xtr, ytr)
    classes = [str(c) for c in model.classes_]
    pred = model.predict(Xte)
    proba = model.predict_proba(Xte)
    out = {
        "rows": len(df), "train": len(ytr), "test": len(yte), "classes": classes,
        "train_counts": [int((ytr == c).sum()) for c in model.classes_],
        "test_counts": [int((yte == c).sum()) for c in model.classes_],
        "missing": int(df.isna().sum().sum()), "text_columns": txt,
        "accuracy": accuracy_score(yte, pred),
    }
    if len(classes) == 2:
        pos = positive if positive is not None else model.classes_[1]
        k = list(model.classes_).index(pos)
        out["positive"] = str(pos)
        out["f1"] = f1_score(yte, pred, pos_label=pos)
        out["roc_auc"] = roc_auc_score(yte == pos, proba[:, k])
    else:
        out["f1"] = f1_score(yte, pred, average="macro")
        out["roc_auc"] = roc_auc_score(yte, proba, multi_class="ovr", average="macro")
    return out


res = {"sklearn": sklearn.__version__, "pandas": pd.__version__, "cases": {}}
for name, (path, target, positive, arg) in CASES.items():
    r = case(path, target, positive)
    r["data"], r["target"] = arg, target
    if positive is not None:
        r["positive_flag"] = positive
    res["cases"][name] = r
print(json.dumps(res, indent=1))
