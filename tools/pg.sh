#!/usr/bin/env bash
# PostgreSQL for the dev/test scripts.
#   tools/pg.sh start   -> prints the PG* settings to eval (server from PG* vars,
#                          or a private cluster under .cache/pg started on a free
#                          loopback port)
#   tools/pg.sh stop    -> stops the private cluster (no-op for an external server)
source "$(dirname "$0")/common.sh"

PGDATA_DIR="$CACHE/pg/data"
PGRUN_DIR="$CACHE/pg/run"

external() { [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}${PGPASSWORD:-}${PGDATABASE:-}" ]; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_bin() {
  local dir
  for dir in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { printf '%s\n' "$dir"; return; }
  done
  die "PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL 15 or set PG* variables"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  if external; then
    printf 'export SM_PG_EXTERNAL=1\n'
    return
  fi
  local bin port
  bin="$(pg_bin)"
  mkdir -p "$CACHE/pg"
  if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    log "initialising a private PostgreSQL cluster in $PGDATA_DIR"
    mkdir -p "$PGDATA_DIR" "$PGRUN_DIR"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$CACHE/pg" && chmod o+x "$ROOT" "$CACHE"
    as_pg "$bin/initdb" -D "$PGDATA_DIR" -U odoo --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  local started=""
  if as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
    port="$(cat "$CACHE/pg/port")"
  else
    started=1
    port="$(free_port)"
    echo "$port" > "$CACHE/pg/port"
    as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" -l "$CACHE/pg/server.log" -w -t 60 \
      -o "-p $port -k $PGRUN_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null || { tail -20 "$CACHE/pg/server.log" >&2; die "PostgreSQL did not start"; }
  fi
  # SM_PG_STARTED: this caller started the server, so it stops it when done
  # (a server already running for another command is left alone).
  printf 'export PGHOST=127.0.0.1 PGPORT=%s PGUSER=odoo SM_PG_STARTED=%s\n' "$port" "$started"
}

stop() {
  external && return 0
  [ -f "$PGDATA_DIR/PG_VERSION" ] || return 0
  # another command (a test run, `make run`) still uses the cluster: leave it up
  local busy
  busy="$(psql -X -h 127.0.0.1 -p "$(cat "$CACHE/pg/port" 2>/dev/null)" -U odoo -d postgres -tAc \
    "SELECT count(*) FROM pg_stat_activity WHERE datname IS NOT NULL AND datname <> 'postgres'" 2>/dev/null || echo 0)"
  [ "${busy:-0}" -gt 0 ] && return 0
  as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
