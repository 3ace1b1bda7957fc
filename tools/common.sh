# Shared settings for the dev/test scripts. Sourced, never run.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
ADDON_NAME=service_management
ADDONS_LINK_DIR="$CACHE/addons"
ODOO_NIGHTLY_URL="${ODOO_NIGHTLY_URL:-https://nightly.odoo.com/19.0/nightly/src/odoo_19.0.latest.tar.gz}"
# Odoo modules the add-on needs: the template database is keyed on this list.
DEPENDS="sale_stock,account,hr_hourly_cost,portal,web_timeline,base_geolocalize,web_leaflet_lib"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

mkdir -p "$CACHE"

# The Odoo source tree: ODOO_SRC, else /opt/odoo19 when it holds one, else the
# nightly archive unpacked by setup.sh.
if [ -z "${ODOO_SRC:-}" ] && [ -f /opt/odoo19/odoo/release.py ]; then
  export ODOO_SRC=/opt/odoo19
fi
odoo_src() {
  if [ -n "${ODOO_SRC:-}" ]; then
    [ -f "$ODOO_SRC/odoo/release.py" ] || die "ODOO_SRC=$ODOO_SRC is not an Odoo source tree (no odoo/release.py)"
    printf '%s\n' "$ODOO_SRC"
  else
    printf '%s\n' "$CACHE/odoo-src"
  fi
}

addons_path() {
  local src site
  src="$(odoo_src)"
  site="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  local paths="$ADDONS_LINK_DIR"
  [ -d "$src/addons" ] && paths="$paths,$src/addons"
  paths="$paths,$src/odoo/addons"
  # OCA add-ons installed by pip (web_timeline, web_leaflet_lib) land in site-packages/odoo/addons.
  [ -d "$site/odoo/addons" ] && paths="$paths,$site/odoo/addons"
  printf '%s\n' "$paths"
}
