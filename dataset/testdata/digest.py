#!/usr/bin/env python3
"""Independent implementation of dataset.Digest's canonical encoding.

Computes the digest of data/breast_cancer.csv (0 = malignant, 1 = benign)
so that TestDigestBreastCancerPinned checks the Go code against a second
implementation. Run from dataset/: python3 testdata/digest.py
"""
import csv, hashlib, math, struct

with open("data/breast_cancer.csv", newline="") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
features = header[:-1]
classes = ["malignant", "benign"]
h = hashlib.sha256()
h.update(b"cairn.dataset.v1\n")

def u64(v):
    h.update(struct.pack("<Q", v))

def strings(ss):
    u64(len(ss))
    for s in ss:
        b = s.encode()
        u64(len(b))
        h.update(b)

strings(features)
strings(classes)
u64(len(body))
u64(len(features))
for r in body:
    for v in r[:-1]:
        x = float(v)
        h.update(struct.pack("<Q", 0x7FF8000000000001) if math.isnan(x) else struct.pack("<d", x))
for r in body:
    h.update(struct.pack("<q", classes.index(r[-1])))
print("sha256:" + h.hexdigest())
