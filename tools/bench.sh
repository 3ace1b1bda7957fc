#!/usr/bin/env bash
# Runs the add-on's benchmarks (tools/bench_*.py) against real PostgreSQL.
# Usage: tools/bench.sh [NAME [ARGS...]]
#   NAME: one benchmark (installed_base, bench_installed_base or
#         tools/bench_installed_base.py); default: all of them, in turn.
#   ARGS: passed to that benchmark (e.g. --serials 2000 --rounds 5 --profile).
# The benchmarks run in the database sm_bench (SM_BENCH_DB), a copy of the
# template database with the add-on installed/updated, and roll back all they
# do: they print a report and exit non-zero only on errors. A benchmark that
# compares with an OCA add-on (BENCH_EXTRA below: bench_invoicing and OCA
# contract) runs in its own database, sm_bench_<name>, the only place where
# that add-on is installed.
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

# Benchmarks that compare the add-on with an OCA add-on that is NOT one of its
# dependencies run in their own database, sm_bench_<name>, with that add-on
# installed there only: pip --no-deps --target .cache/bench-addons/<script>
# (never into .venv, whose odoo-addon-* packages key the template database),
# added to the addons path of that benchmark only.
#   script -> "modules to install there|pip requirement"
declare -A BENCH_EXTRA=(
  [bench_invoicing]="contract|odoo-addon-contract==19.0.*"
)

# bench_addons SCRIPT REQUIREMENT: installs REQUIREMENT once, prints its addons dir
bench_addons() {
  local dir="$CACHE/bench-addons/$1"
  if [ "$(cat "$dir/.requirement" 2>/dev/null)" != "$2" ]; then
    log "installing $2 into $dir (for this benchmark only)"
    rm -rf "$dir"
    "$PY" -m pip install -q --no-deps --target "$dir" "$2" || die "could not install $2"
    echo "$2" > "$dir/.requirement"
  fi
  printf '%s\n' "$dir/odoo/addons"
}

# prepare_db DB MODULES ADDONS_PATH: DB, a copy of the template kept between
# runs (rebuilt when the template changes), with MODULES installed and the
# add-on updated
declare -A prepared=()
prepare_db() {
  local db="$1" modules="$2" paths="$3" made_from module state update=1
  local install=() args=()
  [ -n "${prepared[$db]:-}" ] && return 0
  made_from="$(psql_cmd -tAc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$db'")"
  if [ -n "$made_from" ] && [ "$made_from" != "$TEMPLATE" ]; then
    log "dropping $db: it was made from ${made_from}, not $TEMPLATE"
    drop_db "$db"
  fi
  if ! db_exists "$db"; then
    log "creating $db from $TEMPLATE"
    clone_db "$db"
    psql_cmd -c "COMMENT ON DATABASE $db IS '$TEMPLATE'"
  fi
  for module in ${modules//,/ }; do
    state="$(psql -X -d "$db" -tAc "SELECT state FROM ir_module_module WHERE name = '$module'")"
    if [ "$state" != installed ]; then
      install+=("$module")
      [ "$module" != "$ADDON_NAME" ] || update=
    fi
  done
  [ ${#install[@]} -eq 0 ] || args+=(-i "$(IFS=,; echo "${install[*]}")")
  [ -z "$update" ] || args+=(-u "$ADDON_NAME")
  local log_file="$CACHE/bench-install.log"
  [ "$db" = "$DB" ] || log_file="$CACHE/bench-install-$db.log"
  log "${args[*]} in $db; log: $log_file"
  odoo_cmd -d "$db" "${args[@]}" --addons-path="$paths" --stop-after-init \
    --log-level=warn > "$log_file" 2>&1 || { tail -40 "$log_file" >&2; die "could not install $modules in $db"; }
  prepared[$db]=1
}

failed=()
for script in "${scripts[@]}"; do
  name="$(basename "$script" .py)"
  db="$DB" modules="$ADDON_NAME" paths="$(addons_path)"
  if [ -n "${BENCH_EXTRA[$name]:-}" ]; then
    db="${DB}_${name#bench_}"
    modules="$modules,${BENCH_EXTRA[$name]%%|*}"
    paths="$paths,$(bench_addons "$name" "${BENCH_EXTRA[$name]#*|}")"
  fi
  prepare_db "$db" "$modules" "$paths"
  log "running ${script#"$ROOT"/} in $db"
  "$PY" "$script" "$@" --addons-path="$paths" --data-dir="$DATA_DIR" -d "$db" \
    --db_host="${PGHOST:-}" --db_port="${PGPORT:-}" --db_user="${PGUSER:-}" \
    --db_password="${PGPASSWORD:-}" --http-interface=127.0.0.1 --max-cron-threads=0 \
    --log-level=warn || failed+=("${script#"$ROOT"/}")
done
[ ${#failed[@]} -eq 0 ] || die "benchmark(s) failed: ${failed[*]}"
