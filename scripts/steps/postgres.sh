#!/usr/bin/env bash
# PostgreSQL for the collector's tests: Debian's server, a throw-away cluster on loopback.
#
#   bash scripts/steps/postgres.sh install   # apt: postgresql (idempotent)
#   eval "$(bash scripts/steps/postgres.sh start)"   # exports FRONTLINE_TEST_POSTGRES_URL
#   bash scripts/steps/postgres.sh stop
#
# `start` makes a fresh cluster (initdb) in a temporary directory owned by the `postgres`
# account (initdb refuses root), listening on 127.0.0.1 on a free port with no Unix socket
# outside that directory, creates the database `frontline_test` and prints
# `export FRONTLINE_TEST_POSTGRES_URL=...` (trust authentication: loopback only, data thrown
# away at `stop`). The cluster's directory is remembered in build/postgres.dir.
# Tests run with fsync off (speed, nothing to keep); FRONTLINE_PG_DURABLE=1 keeps PostgreSQL's
# durable defaults (fsync, synchronous_commit), as the load benchmark does.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="$ROOT/build/postgres.dir"
PG_USER=postgres

pg_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [[ -x "$dir/initdb" ]] && { echo "$dir"; return 0; }
    done
    return 1
}

as_pg() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "${1:-}" in
install)
    if pg_bin >/dev/null; then
        echo "postgresql: installed ($(pg_bin))"
        exit 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends postgresql >/dev/null ||
        { apt-get -o DPkg::Lock::Timeout=600 update >/dev/null &&
          apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends postgresql >/dev/null; }
    pg_bin >/dev/null || { echo "postgresql: install failed" >&2; exit 1; }
    echo "postgresql: installed ($(pg_bin))"
    ;;
start)
    BIN="$(pg_bin)" || { echo "postgresql is not installed: run 'bash scripts/steps/postgres.sh install'" >&2; exit 1; }
    if [[ "$(id -u)" == 0 ]] && ! id "$PG_USER" >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin "$PG_USER"
    fi
    mkdir -p "$ROOT/build"
    DIR="$(mktemp -d /tmp/frontline-pg.XXXXXX)"
    chmod 755 "$DIR"
    [[ "$(id -u)" == 0 ]] && chown "$PG_USER" "$DIR"
    PORT="$(free_port)"
    as_pg "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1 ||
        { cat "$DIR/initdb.log" >&2; exit 1; }
    # Loopback only, socket inside the cluster directory, sized for a test run, not durable.
    cat >>"$DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 200
shared_buffers = 128MB
CONF
    if [[ "${FRONTLINE_PG_DURABLE:-0}" != 1 ]]; then
        printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' >>"$DIR/data/postgresql.conf"
    fi
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >/dev/null ||
        { cat "$DIR/server.log" >&2; exit 1; }
    as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres frontline_test
    echo "$DIR" >"$STATE"
    echo "export FRONTLINE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PORT/frontline_test"
    ;;
stop)
    [[ -f "$STATE" ]] || exit 0
    DIR="$(cat "$STATE")"
    if [[ -d "$DIR/data" ]]; then
        BIN="$(pg_bin)"
        as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
        rm -rf "$DIR"
    fi
    rm -f "$STATE"
    ;;
*)
    echo "usage: $0 install|start|stop" >&2
    exit 2
    ;;
esac
