"""The FastAPI peer of serve's load test: the same model and the same
request and response shapes as cairn's POST /v1/models/{name}:predict.

    cd serve/testdata && /usr/bin/python3 -m uvicorn fastapi_app:app \
        --host 127.0.0.1 --port 18082 --workers 1 --log-level warning --no-access-log

One worker, an async handler, pydantic (1.10) validation of the request
(30 floats per instance, 1 to 1000 instances). The response is a plain dict
(no response_model), which is FastAPI's faster path. uvloop and httptools
are not installed here, so uvicorn runs asyncio with h11.
"""
from typing import List

import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel, conlist
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

CLASSES = ["malignant", "benign"]
MODEL_NAME, MODEL_VERSION = "breast-cancer", "1"

_data = load_breast_cancer()
model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0)).fit(_data.data, _data.target)

app = FastAPI(title="breast-cancer")


class PredictRequest(BaseModel):
    instances: conlist(conlist(float, min_items=30, max_items=30), min_items=1, max_items=1000)


@app.post("/v1/models/{name}:predict")
async def predict(name: str, req: PredictRequest):
    proba = model.predict_proba(np.asarray(req.instances, dtype=np.float64))
    labels = proba.argmax(axis=1)
    return {
        "model_name": MODEL_NAME,
        "model_version": MODEL_VERSION,
        "predictions": [CLASSES[i] for i in labels],
        "labels": labels.tolist(),
        "classes": CLASSES,
        "probabilities": proba.tolist(),
    }
