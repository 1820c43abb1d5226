#!/usr/bin/python3
"""Times pandas' read_csv and scikit-learn's ColumnTransformer on the table
of BenchmarkReadEncode1M (bench_tabular_test.go), side by side with it.

    CAIRN_BENCH_TABLE=/tmp/table1m.csv go test -run '^$' -bench ReadEncode1M -benchtime 3x ./linear/
    /usr/bin/python3 linear/testdata/bench_tabular.py /tmp/table1m.csv

The first command writes the file (1,000,000 rows, 10 numeric and 5 text
columns, 5% missing) if it is not there. This script reads it with
read_csv's defaults and fits and applies the same preprocessing: numbers
mean-imputed and standardised, text most-frequent-imputed and one-hot
encoded (dense output, as cairn's), with Debian's scikit-learn 1.2.1 and
pandas 1.5.3. It prints the time of each step, best of 3 runs.
"""
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

path = sys.argv[1]
best = {}
for run in range(3):
    t0 = time.perf_counter()
    df = pd.read_csv(path)
    t1 = time.perf_counter()
    X = df.drop(columns=["y"])
    num = [c for c in X.columns if X[c].dtype.kind in "if"]
    cat = [c for c in X.columns if X[c].dtype == object]
    ct = ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="mean")), ("scale", StandardScaler())]), num),
        ("cat", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                          ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False))]), cat),
    ])
    Z = ct.fit_transform(X)
    t2 = time.perf_counter()
    assert Z.shape == (1_000_000, 88), Z.shape
    for k, v in (("read_csv", t1 - t0), ("fit_transform", t2 - t1), ("total", t2 - t0)):
        best[k] = min(best.get(k, v), v)
    print(f"run {run}: read_csv {t1 - t0:.2f} s, fit_transform {t2 - t1:.2f} s, total {t2 - t0:.2f} s", flush=True)
print("best: " + ", ".join(f"{k} {v:.2f} s" for k, v in best.items()))
