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
# WORKDIR (default: a new temporary folder) needs ~2.3 GiB; it is kept, so
# a second run skips generating the trees. Results go to WORKDIR/*.md.
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

# Objects already stored for the re-hash and re-commit runs.
rm -rf "$work/repo-stored" "$work/repo-small-stored" "$work"/repo-small-new-*
"$bin" commit "$work/repo-stored" mixed "$work/mixed"
"$bin" commit "$work/repo-small-stored" small "$work/small"

hyperfine --warmup 1 --runs 5 --export-markdown "$work/mixed.md" \
  -p true -p true -p true -p "rm -rf $work/repo-new && sync" -p true \
  -n 'sha256sum, 1 process' "find $work/mixed -type f -print0 | xargs -0 sha256sum >/dev/null" \
  -n 'sha256sum, 2 processes' "find $work/mixed -type f -print0 | xargs -0 -P2 -n 32 sha256sum >/dev/null" \
  -n 'Commit, objects stored, no hash cache (re-hash)' "$bin commit -nocache $work/repo-stored mixed $work/mixed 2>/dev/null" \
  -n 'Commit into an empty repository (hash + store + fsync)' "$bin commit $work/repo-new mixed $work/mixed 2>/dev/null" \
  -n 'Commit of the unchanged tree (hash cache)' "$bin commit $work/repo-stored mixed $work/mixed 2>/dev/null"

# Each first commit of the small tree goes to a new folder: removing the
# previous one would slow the next one down (ext4 skips recently freed
# inodes when it allocates, at a cost, for a while after mass deletions).
hyperfine --warmup 1 --runs 5 --export-markdown "$work/small.md" \
  -p true -p sync -p true \
  -n 'sha256sum, 1 process' "find $work/small -type f -print0 | xargs -0 sha256sum >/dev/null" \
  -n 'Commit into an empty repository' "$bin commit $work/repo-small-new-\$(date +%s%N) small $work/small 2>/dev/null" \
  -n 'Commit of the unchanged tree (hash cache)' "$bin commit $work/repo-small-stored small $work/small 2>/dev/null"
rm -rf "$work"/repo-small-new-*
cat "$work/mixed.md" "$work/small.md"
