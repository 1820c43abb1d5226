"""Summarise loadtest.sh's wrk outputs: the median over rounds of each
case's requests/s and latency percentiles, the non-2xx responses and socket
errors summed, and the ratios the issue asks about.

    /usr/bin/python3 serve/testdata/summary.py OUT
"""
import glob
import os
import re
import statistics
import sys

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    return float(m.group(1)) * UNITS[m.group(2)]


def parse(path):
    out = {"non2xx": 0, "sockerr": 0, "moves": None, "failed": 0}
    for line in open(path):
        line = line.strip()
        if line.startswith("Requests/sec:"):
            out["rps"] = float(line.split()[1])
        elif re.match(r"^(50|90|99)%", line):
            p, v = line.split()
            out["p" + p.rstrip("%")] = ms(v)
        elif line.startswith("Non-2xx"):
            out["non2xx"] += int(line.split()[-1])
        elif line.startswith("Socket errors"):
            out["sockerr"] += sum(int(x) for x in re.findall(r"\d+", line))
        elif line.startswith("load "):
            out["load"] = float(line.split()[1])
        elif line.startswith("roll:"):
            m = re.findall(r"\d+", line)
            out["moves"], out["failed"] = int(m[0]), int(m[1])
    return out


def main(out):
    runs = {}
    for path in sorted(glob.glob(os.path.join(out, "*-body*-*.txt"))):
        name = os.path.basename(path)[:-4]
        if name.startswith("roll-"):
            continue
        target, body, _ = name.rsplit("-", 2)
        runs.setdefault((target, body), []).append(parse(path))
    med = {}
    print("%-14s %-8s %10s %9s %9s %9s %7s %s" % ("case", "body", "req/s", "p50 ms", "p90 ms", "p99 ms", "non-2xx", "rounds (req/s; load avg)"))
    for (target, body), rs in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        m = {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50", "p90", "p99")}
        med[(target, body)] = m
        extra = " ".join("%.0f;%.1f" % (r["rps"], r.get("load", 0)) for r in rs)
        moves = [r for r in rs if r["moves"] is not None]
        if moves:
            extra += "  alias moves %d, failed %d" % (sum(r["moves"] for r in moves), sum(r["failed"] for r in moves))
        print("%-14s %-8s %10.0f %9.3f %9.3f %9.3f %7d %s" % (target, body, m["rps"], m["p50"], m["p90"], m["p99"],
                                                           sum(r["non2xx"] + r["sockerr"] for r in rs), extra))
    for body in ("body1", "body100"):
        c, b, f = med.get(("cairn", body)), med.get(("bare", body)), med.get(("fastapi", body))
        r = med.get(("cairn-rolling", body))
        if c and b and f:
            print("%s: cairn / fastapi = %.1fx, cairn / bare = %.0f%%; rolling: %.1fx, %.0f%%" % (
                body, c["rps"] / f["rps"], 100 * c["rps"] / b["rps"], r["rps"] / f["rps"], 100 * r["rps"] / b["rps"]))


if __name__ == "__main__":
    main(sys.argv[1])
