#!/usr/bin/python3
"""Golden splits for SklearnStratifiedSplit (dataset/sklearn_test.go).

Run with Debian's python3 (python3-sklearn):

    /usr/bin/python3 dataset/testdata/sklearn_split.py > dataset/testdata/sklearn_split.json

Each case gives labels y, a test fraction and a seed, and the train and
test index arrays that scikit-learn's train_test_split returns for
stratify=y, random_state=seed.
"""
import json

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

cases = []


def add(name, y, frac, seed):
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=frac, stratify=y, random_state=seed)
    cases.append({"name": name, "y": [int(v) for v in y], "test_fraction": frac, "seed": seed,
                  "train": [int(v) for v in tr], "test": [int(v) for v in te]})


_, bc = load_breast_cancer(return_X_y=True)
add("breast cancer 0.2 seed 42", bc, 0.2, 42)
add("breast cancer 0.25 seed 0", bc, 0.25, 0)
add("breast cancer 0.3 seed 2024", bc, 0.3, 2024)
# Three classes with tied remainders, so _approximate_mode draws at random.
add("three tied classes", [0] * 10 + [1] * 10 + [2] * 10, 0.5, 7)
add("three tied classes seed 1", [2, 0, 1] * 7, 0.3, 1)
rng = np.random.RandomState(5)
add("five classes, gaps in labels", list(rng.choice([0, 3, 4, 9, 12], size=200)), 0.15, 123)
add("two rows each", [0, 0, 1, 1], 0.5, 3)
print(json.dumps({"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases}))
