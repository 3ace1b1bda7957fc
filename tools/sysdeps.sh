#!/usr/bin/env bash
# Checks the system packages `make run` and `make test` need before pip runs,
# so a fresh machine gets one clear sentence instead of a compiler error from
# pip twenty lines later.
#   tools/sysdeps.sh        -> what `make run` needs
#   tools/sysdeps.sh test   -> the same, plus Chromium (for the tours)
# Missing packages are installed with apt-get when running as root or with
# password-less sudo (after saying so); otherwise the script stops with the
# exact command to run. SM_SKIP_SYSDEPS=1 skips the check (for machines where
# the libraries live somewhere unusual).
source "$(dirname "$0")/common.sh"

[ -n "${SM_SKIP_SYSDEPS:-}" ] && exit 0

missing=()   # Debian/Ubuntu package names
reasons=()   # what each one is for

need() { missing+=("$1"); reasons+=("$2"); }

py_include="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null || true)"

python3 -c 'import venv, ensurepip' >/dev/null 2>&1 ||
  need python3-venv "the virtualenv in .venv"
[ -n "$py_include" ] && [ -f "$py_include/Python.h" ] ||
  need python3-dev "building psycopg2 and python-ldap"
command -v gcc >/dev/null 2>&1 || need build-essential "compiling psycopg2 and python-ldap (a C compiler)"
command -v pg_config >/dev/null 2>&1 || [ -f /usr/include/postgresql/libpq-fe.h ] ||
  need libpq-dev "psycopg2 (Odoo's PostgreSQL driver)"
[ -f /usr/include/ldap.h ] || need libldap2-dev "python-ldap (in Odoo's requirements)"
[ -f /usr/include/sasl/sasl.h ] || need libsasl2-dev "python-ldap (in Odoo's requirements)"

# A PostgreSQL server, unless PG* variables point to one elsewhere.
if [ -z "${PGHOST:-}${PGPORT:-}${PGUSER:-}${PGPASSWORD:-}${PGDATABASE:-}" ]; then
  found=""
  for dir in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && found=1
  done
  [ -n "$found" ] || need postgresql "the database server (PostgreSQL 13 or later)"
fi

if [ "${1:-}" = test ]; then
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ||
    command -v google-chrome >/dev/null 2>&1 || need chromium "the browser tours of make test"
fi

[ ${#missing[@]} -eq 0 ] && exit 0

for i in "${!missing[@]}"; do
  log "missing ${missing[$i]}: needed for ${reasons[$i]}"
done
cmd="apt-get install -y ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  die "install the equivalent of these Debian packages with your system's package manager, then re-run: ${missing[*]}"
fi
if [ "$(id -u)" = 0 ]; then
  log "installing them now: apt-get update && $cmd"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive $cmd -qq >/dev/null ||
    die "apt-get could not install them; run: $cmd"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  log "installing them now with sudo: sudo apt-get update && sudo $cmd"
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive $cmd -qq >/dev/null ||
    die "apt-get could not install them; run: sudo $cmd"
else
  die "run this first, then re-run the same make command: sudo apt-get update && sudo $cmd"
fi
