#!/usr/bin/env bash
# Side by side: sha256sum and dataset's Commit on the same trees, with
# hyperfine. The trees are the ones the Go benchmarks use (package
# dataset/internal/benchtree, fixed seed): 1 GiB in ~350 files of 256 B to
# 32 MiB, and 20,000 files of 16 B to 16 KiB. Both sides read from the page
# cache (hyperfine's warm-up run fills it). Run from anywhere, under the
# bench lock on a shared machine:
#
#   flock /tmp/cairn-bench.lock dataset/testdata/bench_sha256sum.sh [WORKDIR]
#
# TREES=small (or TREES=mixed) runs one half only, each about 1.5 to 3
# minutes on the development machine.
#
# WORKDIR (default: a new temporary folder) needs ~2.3 GiB; it is kept, so
# a second run skips generating the trees. Results go to WORKDIR/*.md, and
# the median of each command on the small tree (SMALL_RUNS runs, 10 by
# default) is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-$(mktemp -d /tmp/cairn-bench-XXXXXX)}
mkdir -p "$work"
bin="$work/dsbench"
go build -o "$bin" ./dataset/internal/dsbench
[ -d "$work/mixed" ] || "$bin" gen mixed "$work/mixed"
[ -d "$work/small" ] || "$bin" gen small "$work/small"
sleep 2.1 # let the files age past the hash cache's 2 s window
echo "machine: $(nproc) cores, $(go version), load: $(cut -d' ' -f1-3 /proc/loadavg)"

# Repositories of an earlier run are removed at the end, not now: ext4
# skips inodes freed in the last minute (longer while their inode table
# is not written back) when it allocates, which slows the creation of
# many files for a while after a mass deletion. For the same reason, let
# a minute pass after anything deleted many files before running this.
mkdir -p "$work/old"
for d in "$work/repo-stored" "$work/repo-small-stored" "$work"/repo-small-new-*; do
  [ ! -e "$d" ] || mv "$d" "$work/old/$(basename "$d")-$(date +%s%N)"
done
trap 'rm -rf "$work/old" "$work"/repo-small-new-*' EXIT

# Objects already stored for the re-hash and re-commit runs.
trees=${TREES:-mixed small}
if [[ " $trees " == *" mixed "* ]]; then
"$bin" commit "$work/repo-stored" mixed "$work/mixed"
hyperfine --warmup 1 --runs 5 --export-markdown "$work/mixed.md" \
  -p true -p true -p true -p "rm -rf $work/repo-new && sync" -p true \
  -n 'sha256sum, 1 process' "find $work/mixed -type f -print0 | xargs -0 sha256sum >/dev/null" \
  -n 'sha256sum, 2 processes' "find $work/mixed -type f -print0 | xargs -0 -P2 -n 32 sha256sum >/dev/null" \
  -n 'Commit, objects stored, no hash cache (re-hash)' "$bin commit -nocache $work/repo-stored mixed $work/mixed 2>/dev/null" \
  -n 'Commit into an empty repository (hash + store + fsync)' "$bin commit $work/repo-new mixed $work/mixed 2>/dev/null" \
  -n 'Commit of the unchanged tree (hash cache)' "$bin commit $work/repo-stored mixed $work/mixed 2>/dev/null"

cat "$work/mixed.md"
fi
[[ " $trees " == *" small "* ]] || exit 0

"$bin" commit "$work/repo-small-stored" small "$work/small"
# Each first commit of the small tree goes to a new folder: removing the
# previous one would slow the next one down (see above).
hyperfine --warmup 1 --runs "${SMALL_RUNS:-10}" --export-markdown "$work/small.md" --export-json "$work/small.json" \
  -p true -p sync -p true \
  -n 'sha256sum, 1 process' "find $work/small -type f -print0 | xargs -0 sha256sum >/dev/null" \
  -n 'Commit into an empty repository' "$bin commit $work/repo-small-new-\$(date +%s%N) small $work/small 2>/dev/null" \
  -n 'Commit of the unchanged tree (hash cache)' "$bin commit $work/repo-small-stored small $work/small 2>/dev/null"
cat "$work/small.md"
# Median and range of each command on the small tree.
/usr/bin/python3 - "$work/small.json" <<'PY'
import json, statistics, sys
for r in json.load(open(sys.argv[1]))["results"]:
    t = r["times"]
    print(f"{r['command'][:60]:60}  median {statistics.median(t):.3f} s  min {min(t):.3f}  max {max(t):.3f}  ({len(t)} runs)")
PY
