# Databases for the dev/test/bench scripts. Sourced after common.sh, with the
# PG* variables of `tools/pg.sh start` already exported; never run.
#   odoo_cmd ARGS...      the venv's odoo with the add-ons path, data dir, PG
#                         settings, a free HTTP port and no cron threads
#   psql_cmd ARGS...      psql on the maintenance database, stopping on errors
#   ensure_template       sets TEMPLATE=sm_tpl_<key>, a database holding the
#                         add-on's Odoo dependencies (DEPENDS), built once per
#                         dependency set and Odoo version (a few minutes)
#   clone_db DB           creates DB (and its filestore) as a copy of TEMPLATE
#   drop_db DB            drops DB and its filestore
# shellcheck shell=bash

DATA_DIR="$CACHE/odoo-data"
mkdir -p "$DATA_DIR"

odoo_cmd() {
  "$VENV/bin/odoo" --addons-path="$(addons_path)" --data-dir="$DATA_DIR" \
    --db_host="${PGHOST:-}" --db_port="${PGPORT:-}" --db_user="${PGUSER:-}" \
    --db_password="${PGPASSWORD:-}" --http-interface=127.0.0.1 \
    --http-port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" \
    --max-cron-threads=0 "$@"
}

psql_cmd() { psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }

db_exists() { [ -n "$(psql_cmd -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" ]; }

# One template database per dependency set and Odoo version: a re-run spends its
# time on this add-on only. Concurrent scripts wait for the one building it.
ensure_template() {
  local key
  key="$( { echo "$DEPENDS"; cat "$(odoo_src)/odoo/release.py"; "$PY" -m pip freeze 2>/dev/null | grep -i odoo-addon; } | sha256sum | cut -c1-10)"
  TEMPLATE="sm_tpl_$key"
  db_exists "$TEMPLATE" && return 0
  exec {lock_fd}>"$CACHE/template.lock"
  flock "$lock_fd"
  if ! db_exists "$TEMPLATE"; then
    log "building template database $TEMPLATE ($DEPENDS); this takes a few minutes once"
    psql_cmd -c "DROP DATABASE IF EXISTS ${TEMPLATE}_tmp"
    rm -rf "$DATA_DIR/filestore/${TEMPLATE}_tmp"
    odoo_cmd -d "${TEMPLATE}_tmp" -i "$DEPENDS" --stop-after-init --log-level=warn \
      > "$CACHE/template.log" 2>&1 || { tail -40 "$CACHE/template.log" >&2; die "template build failed"; }
    psql_cmd -c "ALTER DATABASE ${TEMPLATE}_tmp RENAME TO $TEMPLATE"
    if [ -d "$DATA_DIR/filestore/${TEMPLATE}_tmp" ]; then
      mv "$DATA_DIR/filestore/${TEMPLATE}_tmp" "$DATA_DIR/filestore/$TEMPLATE"
    fi
  fi
  exec {lock_fd}>&-
}

clone_db() {
  local db="$1"
  psql_cmd -c "CREATE DATABASE $db TEMPLATE $TEMPLATE"
  rm -rf "$DATA_DIR/filestore/$db"
  if [ -d "$DATA_DIR/filestore/$TEMPLATE" ]; then
    cp -r "$DATA_DIR/filestore/$TEMPLATE" "$DATA_DIR/filestore/$db"
  fi
}

drop_db() {
  psql_cmd -c "DROP DATABASE IF EXISTS $1" >/dev/null 2>&1 || true
  rm -rf "${DATA_DIR:?}/filestore/$1"
}
