#!/usr/bin/env bash
# Starts Odoo with the add-on installed with demo data on http://127.0.0.1:8069,
# next to what a service company has with it: the Sales app (sale_management)
# and, for the demo company in Bologna, Italian accounting (l10n_it),
# so the demo's contract products can be sold from quotations.
source "$(dirname "$0")/common.sh"
"$ROOT/tools/setup.sh"

eval "$("$ROOT/tools/pg.sh" start)"
cleanup() { if [ -n "${SM_PG_STARTED:-}" ]; then "$ROOT/tools/pg.sh" stop; fi; }
trap cleanup EXIT

DB="${SM_DB:-service_demo}"
PORT="${SM_HTTP_PORT:-8069}"
args=(--addons-path="$(addons_path)" --data-dir="$CACHE/odoo-data"
  --db_host="${PGHOST:-}" --db_port="${PGPORT:-}" --db_user="${PGUSER:-}"
  --db_password="${PGPASSWORD:-}" -d "$DB" --db-filter="^$DB\$"
  --http-interface=127.0.0.1 --http-port="$PORT")
if [ -z "$(psql -X -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
  log "creating database $DB with demo data (a few minutes, once)"
  "$VENV/bin/odoo" "${args[@]}" -i "$ADDON_NAME,${SM_RUN_EXTRA:-sale_management,l10n_it}" --with-demo --stop-after-init --log-level=warn
else
  "$VENV/bin/odoo" "${args[@]}" -u "$ADDON_NAME" --stop-after-init --log-level=warn
fi
log "Odoo is serving http://127.0.0.1:$PORT  (login: admin, password: admin)"
exec "$VENV/bin/odoo" "${args[@]}" "$@"
