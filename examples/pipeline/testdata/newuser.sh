#!/usr/bin/env bash
# Records the "Tried as a new user" section of examples/pipeline/README.md
# (issue 16): a broken stdout, a killed process, data that changes and
# changes back, command-line mistakes, the hints under another GOCACHE and
# from another folder, and a built binary beside go run. Run from the
# repository root; it uses ./cairn-data (removed first) and writes the
# transcript to stdout. /tmp/pipeline in the transcript is a binary built
# into a temporary folder.
set -uo pipefail
P="go run ./examples/pipeline"
rm -rf cairn-data examples/pipeline/cairn-data
go build -o /dev/null ./examples/pipeline # so that go run starts at once
bin=$(mktemp -d)/pipeline
go build -o "$bin" ./examples/pipeline
trap 'rm -rf "$(dirname "$bin")"' EXIT
trim() { sed 's/ *$//'; }
show() { echo "\$ $P $*" | trim; eval "$P $*" 2>&1 | trim; echo; }

echo '$ go run ./examples/pipeline | head -8'
$P | head -8 | trim
echo
show runs

echo '$ cp cairn-data/data/breast-cancer.csv /tmp/bc.csv; sed -i '"'"'$d'"'"' cairn-data/data/breast-cancer.csv   # drop the last row'
cp cairn-data/data/breast-cancer.csv /tmp/bc.csv
sed -i '$d' cairn-data/data/breast-cancer.csv
echo "\$ $P | grep -E '^(data|champion) '"
$P | grep -E '^(data|champion) ' | trim
echo
echo '$ cp /tmp/bc.csv cairn-data/data/breast-cancer.csv   # and back'
cp /tmp/bc.csv cairn-data/data/breast-cancer.csv
echo "\$ $P | grep -E '^(data|baseline|tuning|champion) '"
$P | grep -E '^(data|baseline|tuning|champion) ' | trim
echo
show models

echo "\$ $P runs -filter 'metrics.cv_f1 >'"
$P runs -filter 'metrics.cv_f1 >' 2>&1 | head -1 | trim
echo "  ... (the usage of runs)"
echo "\$ /tmp/pipeline runs -filter 'metrics.cv_f1 >' 2>/dev/null; echo exit \$?"
"$bin" runs -filter 'metrics.cv_f1 >' 2>/dev/null; echo "exit $?"
echo
echo "\$ $P rollback -to 0"
$P rollback -to 0 2>&1 | head -1 | trim
echo "  ... (the usage of rollback)"
echo
show rollback -to 1
echo "\$ $P models | tail -5"
$P models | tail -5 | trim
echo

echo '$ GOCACHE=$(mktemp -d) go run ./examples/pipeline | tail -3'
cache=$(mktemp -d)
GOCACHE=$cache $P | tail -3 | trim
GOCACHE=$cache go clean -cache; rm -rf "$cache"
echo
echo '$ cd examples/pipeline && go run . -dir ../../cairn-data | tail -3'
(cd examples/pipeline && go run . -dir ../../cairn-data | tail -3 | trim)
echo
echo '$ go build -o /tmp/pipeline ./examples/pipeline && /tmp/pipeline | grep -E "cached|trained"'
"$bin" 2>&1 | grep -E "cached|trained" | trim
echo '$ /tmp/pipeline | grep -E "cached|/tmp/pipeline"'
"$bin" 2>&1 | grep -E "cached|$bin" | sed "s#$bin#/tmp/pipeline#g" | trim
echo

echo '$ /tmp/pipeline tune -trials 100000 & sleep 1; kill -9 $!   # killed while it tunes: no chance to end its runs'
out=$(mktemp)
"$bin" tune -trials 100000 >"$out" 2>&1 &
pid=$!
for _ in $(seq 200); do grep -q "trial  3" "$out" && break; sleep 0.05; done
{ kill -9 $pid; wait $pid; } 2>/dev/null
rm -f "$out"
echo
show runs -all -filter "\"attributes.status != 'FINISHED'\""
