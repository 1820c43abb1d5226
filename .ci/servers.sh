# Sourced by .ci/run: starts the shared engines' real servers for the tests
# and exports their locations; stop_servers (run at exit) stops them.
#
#   PostgreSQL 15  two clusters on 127.0.0.1: the tests' server
#                  (CAIRN_TEST_POSTGRES) and one that a fault test may
#                  restart (CAIRN_TEST_POSTGRES_FAULT, restarted by the
#                  command in CAIRN_TEST_POSTGRES_RESTART)
#   versitygw      S3 on 127.0.0.1 over a posix folder, bucket cairn-test
#                  (CAIRN_TEST_S3, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)
#
# Debian's postgresql is installed if initdb is missing; versitygw is built
# from the Go module proxy once and kept in the Go bin folder.

VERSITYGW_VERSION=v1.8.0

servers_dir=$(mktemp -d /tmp/cairn-servers.XXXXXX)
chmod 755 "$servers_dir"
servers_pids=()

stop_servers() {
  for d in "$servers_dir"/pg-*; do
    [ -f "$d/data/postmaster.pid" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d/data" -m immediate stop >/dev/null 2>&1 || true
  done
  for p in "${servers_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$servers_dir"
}

# free_port prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}

# wait_port waits up to 20 s for something to listen on a port.
wait_port() {
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1"; return 1
}

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
id postgres >/dev/null  # Debian's package makes the user initdb runs as

# start_pg NAME: a cluster with password authentication on 127.0.0.1;
# prints its URL.
start_pg() {
  local d="$servers_dir/pg-$1" port
  port=$(free_port)
  mkdir -p "$d/sock" && echo "cairn-ci-pw" > "$d/pw" && chown -R postgres "$d"
  runuser -u postgres -- "$PGBIN/initdb" -D "$d/data" -U postgres --pwfile="$d/pw" \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$d/initdb.log" 2>&1 || { cat "$d/initdb.log"; return 1; }
  local opts="-c listen_addresses=127.0.0.1 -p $port -k $d/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400"
  echo "$opts" > "$d/opts"
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d/data" -l "$d/log" -o "$opts" -w start >/dev/null || { cat "$d/log"; return 1; }
  echo "postgres://postgres:cairn-ci-pw@127.0.0.1:$port/postgres?sslmode=disable"
}

CAIRN_TEST_POSTGRES=$(start_pg main)
CAIRN_TEST_POSTGRES_FAULT=$(start_pg fault)
CAIRN_TEST_POSTGRES_RESTART="runuser -u postgres -- $PGBIN/pg_ctl -D $servers_dir/pg-fault/data -l $servers_dir/pg-fault/log -o '$(cat "$servers_dir/pg-fault/opts")' -m fast -w restart"
export CAIRN_TEST_POSTGRES CAIRN_TEST_POSTGRES_FAULT CAIRN_TEST_POSTGRES_RESTART

gobin=$(go env GOBIN); [ -n "$gobin" ] || gobin=$(go env GOPATH)/bin
vgw="$gobin/versitygw"
if [ ! -x "$vgw" ]; then
  echo "building versitygw $VERSITYGW_VERSION (once; kept in $gobin)"
  (cd "$servers_dir" && GOFLAGS=-buildvcs=false go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION")
fi
s3port=$(free_port)
mkdir -p "$servers_dir/s3/cairn-test"
export AWS_ACCESS_KEY_ID=cairnci AWS_SECRET_ACCESS_KEY=cairn-ci-secret-key AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
ROOT_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID ROOT_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
  "$vgw" --port "127.0.0.1:$s3port" posix "$servers_dir/s3" >"$servers_dir/versitygw.log" 2>&1 &
servers_pids+=($!)
wait_port "$s3port" || { cat "$servers_dir/versitygw.log"; exit 1; }
export CAIRN_TEST_S3="s3://cairn-test?endpoint=http://127.0.0.1:$s3port&region=us-east-1"
echo "PostgreSQL: ${CAIRN_TEST_POSTGRES/cairn-ci-pw/xxxxx}; S3: $CAIRN_TEST_S3"
