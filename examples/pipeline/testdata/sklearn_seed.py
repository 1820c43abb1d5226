#!/usr/bin/python3
"""The Python seed's models on the pipeline's split, for comparison with
the summary `go run ./examples/pipeline` prints (examples/pipeline/README.md).

    /usr/bin/python3 examples/pipeline/testdata/sklearn_seed.py

Debian's python3-sklearn. The split is train_test_split(test_size=0.2,
stratify=y, random_state=42), the rows dataset.SklearnStratifiedSplit
picks; the models are StandardScaler + LogisticRegression at the C of the
pipeline's baseline (1) and tuned model (0.1459, trial 3 of the TPE study).
"""
import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

X, y = load_breast_cancer(return_X_y=True)
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)
print(f"scikit-learn {sklearn.__version__}: train {len(ytr)}, test {len(yte)}")
print("model     C       test accuracy  test F1 (benign)  test ROC AUC")
for name, C in [("baseline", 1.0), ("tuned", 0.1459)]:
    m = make_pipeline(StandardScaler(), LogisticRegression(C=C)).fit(Xtr, ytr)
    p = m.predict(Xte)
    auc = roc_auc_score(yte, m.predict_proba(Xte)[:, 1])
    print(f"{name:9s} {C:<7g} {accuracy_score(yte, p):<14.4f} {f1_score(yte, p):<17.4f} {auc:.4f}")
