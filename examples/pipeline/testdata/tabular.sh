#!/usr/bin/env bash
# Records the tabular sessions of examples/pipeline/README.md (issue 17):
# the embedded Palmer penguins end to end (run, serve, a prediction from a
# raw record with missing values, the models), then a CSV of the reader's
# own: credit_data from the R package modeldata (linear/testdata), bad
# loans as the positive class. Run from the repository root; it uses
# ./cairn-data (removed first) and port 8000, and writes the transcript to
# stdout (the servers' logs to stderr).
set -euo pipefail
P="go run ./examples/pipeline"
rm -rf cairn-data
go build -o /dev/null ./examples/pipeline # so that go run starts at once
trim() { sed 's/ *$//'; }
show() { echo "\$ $P $*" | trim; eval "$P $*" | trim; echo; }
out=$(mktemp)
pid=
stop() {
  if [ -n "$pid" ]; then kill -INT -- -"$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  pid=
}
trap 'stop; rm -f "$out"' EXIT
# serve ARGS: start the server in a process group of its own (go run does
# not pass on a signal sent to it alone), print its banner.
serve() {
  setsid $P "$@" serve >"$out" &
  pid=$!
  for _ in $(seq 100); do grep -q "Ctrl-C stops" "$out" && break; sleep 0.1; done
  echo "\$ $P $* serve"; trim <"$out"; echo
}
post() { echo "\$ curl -s $1 -H 'Content-Type: application/json' -d '$2'"; curl -s "$1" -H 'Content-Type: application/json' -d "$2"; echo; echo; }

show -data penguins
serve -data penguins
curl=$(grep "curl -s" "$out" | sed 's/^ *//')
echo "\$ $curl"; eval "$curl"; echo; echo
post http://127.0.0.1:8000/v1/models/penguins:predict '{"instances": [{"island": "Dream", "bill_length_mm": 49.1, "bill_depth_mm": null, "flipper_length_mm": 196, "body_mass_g": null, "sex": null, "year": 2009}]}'
post http://127.0.0.1:8000/v1/models/penguins:predict '{"instances": [{"island": "Dream", "bill_length_mm": 49.1}]}'
stop
show -data penguins models

show -data linear/testdata/credit_data.csv -target Status -positive bad
serve -data linear/testdata/credit_data.csv -target Status -positive bad
post http://127.0.0.1:8000/invocations '{"dataframe_records": [{"Seniority": 1, "Home": "rent", "Time": 60, "Age": 23, "Marital": "single", "Records": "yes", "Job": "partime", "Expenses": 45, "Income": null, "Assets": 0, "Debt": 0, "Amount": 1200, "Price": 1300}, {"Seniority": 15, "Home": "owner", "Time": 36, "Age": 45, "Marital": "married", "Records": "no", "Job": "fixed", "Expenses": 60, "Income": 200, "Assets": 5000, "Debt": 0, "Amount": 800, "Price": 1500}]}'
stop
show -data linear/testdata/credit_data.csv -target Status -positive bad lineage
