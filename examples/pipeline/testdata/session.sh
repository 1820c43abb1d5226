#!/usr/bin/env bash
# Records the session shown in examples/pipeline/README.md: a fresh work
# folder, two runs, the runs, serve with a prediction before and after a
# rollback made from another process, the models and the lineage.
# Run from the repository root; it uses ./cairn-data (removed first) and
# port 8000, and writes the transcript to stdout (the server's to stderr).
set -euo pipefail
P="go run ./examples/pipeline"
rm -rf cairn-data
go build -o /dev/null ./examples/pipeline # so that go run starts at once
show() { echo "\$ go run ./examples/pipeline $*" | sed 's/ *$//'; eval "$P $*" | sed 's/ *$//'; echo; }
show
show
show runs
show runs -all -n 4 -filter "\"metrics.cv_f1 > 0.98\""
out=$(mktemp)
# go run does not pass a signal sent to it alone on to the program: start
# the server in a process group of its own and signal the group.
setsid $P serve >"$out" &
pid=$!
trap 'kill -INT -- -$pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q "Ctrl-C stops" "$out" && break; sleep 0.1; done
echo '$ go run ./examples/pipeline serve'; sed 's/ *$//' "$out"; echo
curl=$(grep "curl -s" "$out" | sed 's/^ *//')
echo "\$ $curl"; eval "$curl"; echo
show rollback
sleep 0.3
echo "\$ $curl"; eval "$curl"; echo; echo
kill -INT -- -$pid; wait $pid || true
show models
show lineage
