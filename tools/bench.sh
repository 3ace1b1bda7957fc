#!/usr/bin/env bash
# Runs the add-on's benchmarks (tools/bench_*.py) against real PostgreSQL.
# Usage: tools/bench.sh [NAME [ARGS...]]
#   NAME: one benchmark (installed_base, bench_installed_base or
#         tools/bench_installed_base.py); default: all of them, in turn.
#   ARGS: passed to that benchmark (e.g. --serials 2000 --rounds 5 --profile).
# The benchmarks run in the database sm_bench (SM_BENCH_DB), a copy of the
# template database with the add-on installed/updated, and roll back all they
# do: they print a report and exit non-zero only on errors.
source "$(dirname "$0")/common.sh"
"$ROOT/tools/setup.sh"

eval "$("$ROOT/tools/pg.sh" start)"
cleanup() { if [ -n "${SM_PG_STARTED:-}" ]; then "$ROOT/tools/pg.sh" stop; fi; }
trap cleanup EXIT
source "$ROOT/tools/db.sh"

scripts=()
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  name="$(basename "${1%.py}")"
  name="bench_${name#bench_}"
  [ -f "$ROOT/tools/$name.py" ] || die "no benchmark tools/$name.py"
  scripts=("$ROOT/tools/$name.py")
  shift
else
  for script in "$ROOT"/tools/bench_*.py; do
    [ -f "$script" ] && scripts+=("$script")
  done
  [ ${#scripts[@]} -gt 0 ] || die "no tools/bench_*.py benchmark found"
fi

ensure_template
DB="${SM_BENCH_DB:-sm_bench}"
# the bench database is kept between runs, and rebuilt when the template changes
made_from="$(psql_cmd -tAc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$DB'")"
if [ -n "$made_from" ] && [ "$made_from" != "$TEMPLATE" ]; then
  log "dropping $DB: it was made from ${made_from}, not $TEMPLATE"
  drop_db "$DB"
fi
if ! db_exists "$DB"; then
  log "creating $DB from $TEMPLATE"
  clone_db "$DB"
  psql_cmd -c "COMMENT ON DATABASE $DB IS '$TEMPLATE'"
fi
state="$(psql -X -d "$DB" -tAc "SELECT state FROM ir_module_module WHERE name = '$ADDON_NAME'")"
if [ "$state" = installed ]; then mode=-u; else mode=-i; fi
log "$([ "$mode" = -u ] && echo updating || echo installing) $ADDON_NAME in $DB; log: $CACHE/bench-install.log"
odoo_cmd -d "$DB" "$mode" "$ADDON_NAME" --stop-after-init --log-level=warn \
  > "$CACHE/bench-install.log" 2>&1 || { tail -40 "$CACHE/bench-install.log" >&2; die "could not install $ADDON_NAME in $DB"; }

odoo_args=(--addons-path="$(addons_path)" --data-dir="$DATA_DIR" -d "$DB"
  --db_host="${PGHOST:-}" --db_port="${PGPORT:-}" --db_user="${PGUSER:-}"
  --db_password="${PGPASSWORD:-}" --max-cron-threads=0 --log-level=warn)
failed=()
for script in "${scripts[@]}"; do
  log "running ${script#"$ROOT"/}"
  "$PY" "$script" "$@" "${odoo_args[@]}" || failed+=("${script#"$ROOT"/}")
done
[ ${#failed[@]} -eq 0 ] || die "benchmark(s) failed: ${failed[*]}"
