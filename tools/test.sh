#!/usr/bin/env bash
# Runs the add-on's whole test suite against real PostgreSQL.
# Usage: tools/test.sh [test-tags]   (default: /service_management)
# Prints Odoo's counts as its last line: "N passed, N failed".
source "$(dirname "$0")/common.sh"
"$ROOT/tools/setup.sh"

eval "$("$ROOT/tools/pg.sh" start)"
cleanup() { if [ -n "${SM_PG_STARTED:-}" ]; then "$ROOT/tools/pg.sh" stop; fi; }
trap cleanup EXIT

TAGS="${1:-/$ADDON_NAME}"
DATA_DIR="$CACHE/odoo-data"
LOG="$CACHE/test.log"
mkdir -p "$DATA_DIR"
odoo_cmd() {
  "$VENV/bin/odoo" --addons-path="$(addons_path)" --data-dir="$DATA_DIR" \
    --db_host="${PGHOST:-}" --db_port="${PGPORT:-}" --db_user="${PGUSER:-}" \
    --db_password="${PGPASSWORD:-}" --http-interface=127.0.0.1 \
    --http-port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" \
    --max-cron-threads=0 "$@"
}
psql_cmd() { psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }

# One template database per dependency set and Odoo version: a re-run spends its
# time on this add-on only.
key="$( { echo "$DEPENDS"; cat "$(odoo_src)/odoo/release.py"; "$PY" -m pip freeze 2>/dev/null | grep -i odoo-addon; } | sha256sum | cut -c1-10)"
TEMPLATE="sm_tpl_$key"
if [ -z "$(psql_cmd -tAc "SELECT 1 FROM pg_database WHERE datname = '$TEMPLATE'")" ]; then
  log "building template database $TEMPLATE ($DEPENDS); this takes a few minutes once"
  psql_cmd -c "DROP DATABASE IF EXISTS ${TEMPLATE}_tmp"
  rm -rf "$DATA_DIR/filestore/${TEMPLATE}_tmp"
  odoo_cmd -d "${TEMPLATE}_tmp" -i "$DEPENDS" --stop-after-init --log-level=warn \
    > "$CACHE/template.log" 2>&1 || { tail -40 "$CACHE/template.log" >&2; die "template build failed"; }
  psql_cmd -c "ALTER DATABASE ${TEMPLATE}_tmp RENAME TO $TEMPLATE"
  [ -d "$DATA_DIR/filestore/${TEMPLATE}_tmp" ] && mv "$DATA_DIR/filestore/${TEMPLATE}_tmp" "$DATA_DIR/filestore/$TEMPLATE"
fi

DB="sm_test_$$"
psql_cmd -c "CREATE DATABASE $DB TEMPLATE $TEMPLATE"
rm -rf "$DATA_DIR/filestore/$DB"
[ -d "$DATA_DIR/filestore/$TEMPLATE" ] && cp -r "$DATA_DIR/filestore/$TEMPLATE" "$DATA_DIR/filestore/$DB"
drop_db() {
  psql_cmd -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$DATA_DIR/filestore/$DB"
  cleanup
}
trap drop_db EXIT

log "installing $ADDON_NAME and running tests ($TAGS); log: $LOG"
set +e
odoo_cmd -d "$DB" -i "$ADDON_NAME" --test-enable --test-tags "$TAGS" \
  --stop-after-init --log-level="${SM_LOG_LEVEL:-test}" 2>&1 | tee "$LOG" | grep -E --line-buffered \
  -e " (ERROR|CRITICAL) " -e "tests when loading" -e " skipped " -e "^(FAIL|ERROR):" 
set -e
"$PY" "$ROOT/tools/test_summary.py" "$LOG"
