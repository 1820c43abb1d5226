#!/usr/bin/python3
"""Writes credit_small.csv, the small table of the pipeline's tests: every
20th row of credit_data (../../../linear/testdata/credit_data.csv, the data
set of the R package modeldata 1.1.0, MIT; see credit_data.LICENSE there)
and every row with a missing text cell, in their order, 14 columns (the
target Status: good/bad; text: Home, Marital, Records, Job; the rest
numbers). The missing cells are written with the markers pandas' read_csv
takes for missing, in turn: "", NA, NaN, N/A, null, None is left out as
pandas 1.5 reads it as text. Deterministic:

    /usr/bin/python3 make_credit_small.py
"""
import csv

MARKERS = ["", "NA", "NaN", "N/A", "null"]

with open("../../../linear/testdata/credit_data.csv", newline="") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
text = [header.index(c) for c in ("Home", "Marital", "Job")]
keep = [r for i, r in enumerate(body) if i % 20 == 0 or any(r[j] == "" for j in text)]
n = 0
with open("credit_small.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(header)
    for r in keep:
        out = []
        for v in r:
            if v == "":
                v = MARKERS[n % len(MARKERS)]
                n += 1
            out.append(v)
        w.writerow(out)
print(f"credit_small.csv: {len(keep)} rows, {n} missing cells")
