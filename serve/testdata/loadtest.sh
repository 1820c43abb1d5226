#!/bin/sh
# Side-by-side load test of serve (see serve/README.md for the figures).
#
#   sh serve/testdata/loadtest.sh            (from the repository root)
#
# Runs, one server at a time on loopback, wrk with 32 connections and 2
# threads for $DURATION (10s) per case against:
#   cairn   the serve package following breast-cancer@champion in a
#           registry opened in Shared mode (serve/internal/loadtest serve);
#           once as is, and once while another process moves the alias
#           every second (loadtest roll: SetAlias then Rollback, in turn)
#   bare    a net/http handler that reads the body and writes a fixed answer
#   fastapi fastapi_app.py on uvicorn, one worker
# with a 1-row and a 100-row body. All of it holds /tmp/cairn-bench.lock.
set -eu
DURATION=${DURATION:-10s}
OUT=${OUT:-/tmp/cairn-loadtest}
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$OUT" && mkdir -p "$OUT"

exec 9>/tmp/cairn-bench.lock
flock 9

go build -o "$OUT/loadtest" "$HERE/../internal/loadtest"
/usr/bin/python3 "$HERE/export_sklearn.py" "$OUT"
"$OUT/loadtest" setup -db "$OUT/cairn.db" -model breast-cancer "$OUT/v1.json" "$OUT/v2.json"

echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

PID=
stop() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; PID=; }
trap 'stop' EXIT

wait_up() { # url
	i=0
	until curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @"$OUT/body1.json" "$1"; do
		i=$((i + 1)); [ $i -gt 100 ] && { echo "server did not start" >&2; exit 1; }
		sleep 0.1
	done
}

bench() { # name url body
	echo "== $1, $(basename "$3" .json)"
	BODY="$3" wrk -t2 -c32 -d"$DURATION" --latency -s "$HERE/post.lua" "$2" > "$OUT/$1-$(basename "$3" .json).txt"
	grep -E 'Requests/sec|Latency  |50%|90%|99%|Non-2xx|Socket errors|requests in' "$OUT/$1-$(basename "$3" .json).txt"
}

URL=/v1/models/breast-cancer:predict

"$OUT/loadtest" serve -db "$OUT/cairn.db" -addr 127.0.0.1:18080 2> "$OUT/cairn.log" & PID=$!
wait_up "http://127.0.0.1:18080$URL"
for b in body1 body100; do
	bench cairn "http://127.0.0.1:18080$URL" "$OUT/$b.json"
done
for b in body1 body100; do
	before=$(curl -s http://127.0.0.1:18080/metrics | grep '^cairn_serve_model_swaps_total')
	"$OUT/loadtest" roll -db "$OUT/cairn.db" -every 1s > "$OUT/roll-$b.txt" 2>&1 & RPID=$!
	bench cairn-rolling "http://127.0.0.1:18080$URL" "$OUT/$b.json"
	kill $RPID; wait $RPID || true
	after=$(curl -s http://127.0.0.1:18080/metrics | grep -E '^cairn_serve_model_(swaps|swap_failures)_total')
	echo "   $(cat "$OUT/roll-$b.txt"); swaps before: ${before##* }; after: $(echo "$after" | tr '\n' ' ')"
done
stop

"$OUT/loadtest" bare -addr 127.0.0.1:18081 & PID=$!
wait_up "http://127.0.0.1:18081$URL"
for b in body1 body100; do
	bench bare "http://127.0.0.1:18081$URL" "$OUT/$b.json"
done
stop

(cd "$HERE" && exec /usr/bin/python3 -m uvicorn fastapi_app:app --host 127.0.0.1 --port 18082 \
	--workers 1 --log-level warning --no-access-log) & PID=$!
wait_up "http://127.0.0.1:18082$URL"
for b in body1 body100; do
	bench fastapi "http://127.0.0.1:18082$URL" "$OUT/$b.json"
done
stop
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
