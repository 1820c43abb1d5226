#!/usr/bin/env bash
# Sourced by .ci/run after servers.sh: builds the serving image
# (examples/pipeline/Containerfile, FROM scratch) with Debian's podman, records a model in
# a fresh schema of the CI database and prefix of the CI bucket from the
# host, runs the image against them and asks it for a prediction.
set -euo pipefail

if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends podman runc
fi
# This machine kind has cgroups in hybrid mode (crun refuses them) and no
# CAP_SYS_RESOURCE (no rlimit above the current one): runc, cgroupfs and
# limits no higher than this shell's.
nofile=$(ulimit -Hn); [ "$nofile" -gt 65536 ] && nofile=65536
podman_run=(podman --runtime runc --cgroup-manager cgroupfs run --rm --network host
  --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=4096:4096")

work=$(mktemp -d /tmp/cairn-container.XXXXXX)
cid=""
stop_container() {
  [ -n "$cid" ] && podman --runtime runc stop -t 5 "$cid" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap 'stop_container; stop_servers' EXIT

mkdir -p "$work/image/work"
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$work/image/pipeline" ./examples/pipeline
if ldd "$work/image/pipeline" >/dev/null 2>&1; then echo "pipeline is not a static binary"; exit 1; fi
cp /etc/ssl/certs/ca-certificates.crt "$work/image/"
podman build -q -f examples/pipeline/Containerfile -t cairn-serve "$work/image" >/dev/null
echo "image: $(podman image ls cairn-serve --format '{{.Size}}')"

# A shared store of its own: a fresh schema and bucket prefix.
suffix=$(date +%s%N)
store="${CAIRN_TEST_POSTGRES/\?/?schema=container_$suffix&}"
blobs="${CAIRN_TEST_S3/\?/\/container-$suffix?}"
"$work/image/pipeline" -dir "$work/host" -store "$store" -blobs "$blobs" run -trials 3 >/dev/null

port=$(free_port)
cid=$("${podman_run[@]}" -d -e CAIRN_STORE="$store" -e CAIRN_BLOBS="$blobs" \
  -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_REGION -e AWS_EC2_METADATA_DISABLED \
  cairn-serve serve -addr "127.0.0.1:$port")
if ! wait_port "$port"; then podman logs "$cid"; exit 1; fi
body='{"instances": [[17.99,10.38,122.8,1001,0.1184,0.2776,0.3001,0.1471,0.2419,0.07871,1.095,0.9053,8.589,153.4,0.006399,0.04904,0.05373,0.01587,0.03003,0.006193,25.38,17.33,184.6,2019,0.1622,0.6656,0.7119,0.2654,0.4601,0.1189]]}'
answer=$(curl -sS --max-time 10 -D "$work/headers" "http://127.0.0.1:$port/v1/models/breast-cancer:predict" -d "$body")
echo "the container answered: $answer ($(grep -i '^model-version' "$work/headers" | tr -d '\r'))"
case "$answer" in
  *'"predictions"'*malignant*) ;;
  *) echo "no prediction of malignant from the container"; podman logs "$cid"; exit 1 ;;
esac
