#!/usr/bin/env bash
# Runs the add-on's whole test suite against real PostgreSQL.
# Usage: tools/test.sh [test-tags]   (default: /service_management)
# Prints Odoo's counts as its last line: "N passed, N failed".
source "$(dirname "$0")/common.sh"
SM_SYSDEPS_FOR=test "$ROOT/tools/setup.sh"

eval "$("$ROOT/tools/pg.sh" start)"
cleanup() { if [ -n "${SM_PG_STARTED:-}" ]; then "$ROOT/tools/pg.sh" stop; fi; }
trap cleanup EXIT

source "$ROOT/tools/db.sh"

TAGS="${1:-/$ADDON_NAME}"
# one log per run (runs may overlap); the last one is copied to test.log
LOG="$CACHE/test-$$.log"
ensure_template
DB="sm_test_$$"
clone_db "$DB"
trap 'drop_db "$DB"; cleanup' EXIT

log "installing $ADDON_NAME and running tests ($TAGS); log: $LOG"
set +e
odoo_cmd -d "$DB" -i "$ADDON_NAME" --test-enable --test-tags "$TAGS" \
  --stop-after-init --log-level="${SM_LOG_LEVEL:-test}" 2>&1 | tee "$LOG" | grep -E --line-buffered \
  -e " (ERROR|CRITICAL) " -e "tests when loading" -e " skipped " -e "^(FAIL|ERROR):" 
set -e
cp "$LOG" "$CACHE/test.log"
"$PY" "$ROOT/tools/test_summary.py" "$LOG"
