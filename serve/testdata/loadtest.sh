#!/bin/sh
# Side-by-side load test of serve (the figures are in serve/README.md).
#
#   sh serve/testdata/loadtest.sh            (from the repository root)
#
# Starts three servers on loopback, all serving the same scikit-learn
# LogisticRegression (StandardScaler + C=1) on the breast-cancer data:
#   cairn    serve following breast-cancer@champion in a registry opened in
#            Shared mode (serve/internal/loadtest serve), on :18080
#   bare     a net/http handler that reads the body and writes a fixed
#            answer, on :18081
#   fastapi  fastapi_app.py on uvicorn, one worker, on :18082
# then runs wrk (2 threads, 32 connections, $DURATION each) against each in
# turn, for a 1-row and a 100-row body, $ROUNDS rounds, interleaved so that
# load from other work on the machine falls on all of them alike. The case
# cairn-rolling is cairn while another process moves the alias every second
# (loadtest roll: SetAlias, then Rollback, in turn). summary.py prints the
# median of the rounds. All of it holds /tmp/cairn-bench.lock.
set -eu
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-/tmp/cairn-loadtest}
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$OUT" && mkdir -p "$OUT"

exec 9>/tmp/cairn-bench.lock
flock 9

go build -o "$OUT/loadtest" "$HERE/../internal/loadtest"
/usr/bin/python3 "$HERE/export_sklearn.py" "$OUT"
"$OUT/loadtest" setup -db "$OUT/cairn.db" -model breast-cancer "$OUT/v1.json" "$OUT/v2.json"

PIDS=
trap 'kill $PIDS 2>/dev/null; wait 2>/dev/null' EXIT
"$OUT/loadtest" serve -db "$OUT/cairn.db" -addr 127.0.0.1:18080 2> "$OUT/cairn.log" & PIDS="$PIDS $!"
"$OUT/loadtest" bare -addr 127.0.0.1:18081 & PIDS="$PIDS $!"
(cd "$HERE" && exec /usr/bin/python3 -m uvicorn fastapi_app:app --host 127.0.0.1 --port 18082 \
	--workers 1 --log-level warning --no-access-log) & PIDS="$PIDS $!"

URL=/v1/models/breast-cancer:predict
for port in 18080 18081 18082; do
	i=0
	until curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @"$OUT/body1.json" "http://127.0.0.1:$port$URL"; do
		i=$((i + 1)); [ $i -gt 200 ] && { echo "server on $port did not start" >&2; exit 1; }
		sleep 0.1
	done
done

echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for r in $(seq "$ROUNDS"); do
	for b in body1 body100; do
		for t in cairn cairn-rolling bare fastapi; do
			case $t in
			cairn*) port=18080 ;; bare) port=18081 ;; fastapi) port=18082 ;;
			esac
			f="$OUT/$t-$b-$r.txt"
			if [ $t = cairn-rolling ]; then
				"$OUT/loadtest" roll -db "$OUT/cairn.db" -every 1s > "$OUT/roll-$b-$r.txt" 2>&1 & RPID=$!
			fi
			echo "load $(cut -d' ' -f1 /proc/loadavg)" > "$f"
			BODY="$OUT/$b.json" wrk -t2 -c32 -d"$DURATION" --latency -s "$HERE/post.lua" "http://127.0.0.1:$port$URL" >> "$f"
			if [ $t = cairn-rolling ]; then
				kill $RPID; wait $RPID || true
				cat "$OUT/roll-$b-$r.txt" >> "$f"
			fi
			printf '%-14s %-8s round %s: %s\n' $t $b $r "$(grep -E 'Requests/sec' "$f" | tr -s ' ')"
		done
	done
done
curl -s http://127.0.0.1:18080/metrics | grep -E '^cairn_serve_model_(version|swaps_total|swap_failures_total)|code="[^2]' || true
/usr/bin/python3 "$HERE/summary.py" "$OUT"
