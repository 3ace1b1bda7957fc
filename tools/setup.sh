#!/usr/bin/env bash
# Idempotent set-up shared by `make run` and `make test`: virtualenv, Odoo from
# ODOO_SRC (or the official nightly archive), the add-on's Python dependencies,
# and the checkout linked as an addons folder named service_management.
source "$(dirname "$0")/common.sh"

# System packages first (tools/sysdeps.sh explains what is missing and how to
# install it); `make test` also needs Chromium.
"$ROOT/tools/sysdeps.sh" ${SM_SYSDEPS_FOR:-}

SRC="$(odoo_src)"
if [ -z "${ODOO_SRC:-}" ] && [ ! -f "$SRC/odoo/release.py" ]; then
  log "ODOO_SRC is unset: downloading the Odoo 19.0 nightly source archive"
  rm -rf "$SRC.tmp" && mkdir -p "$SRC.tmp"
  if ! curl -fsSL "$ODOO_NIGHTLY_URL" | tar -xz -C "$SRC.tmp" --strip-components=1; then
    rm -rf "$SRC.tmp"
    die "could not download $ODOO_NIGHTLY_URL; set ODOO_SRC to a local Odoo 19.0 source tree"
  fi
  mv "$SRC.tmp" "$SRC"
fi
grep -q "^version_info = (19, 0" "$SRC/odoo/release.py" || die "$SRC is not Odoo 19.0"

[ -x "$PY" ] || { log "creating $VENV"; python3 -m venv "$VENV"; }

# Re-install only when an input changed.
stamp="$VENV/.setup-stamp"
want="$( { echo "$SRC"; cat "$SRC/requirements.txt" "$ROOT/tools/requirements-dev.txt"; } | sha256sum | cut -c1-16)"
want_addon="$( { echo "$want"; cat "$ROOT/pyproject.toml" "$ROOT/__manifest__.py"; } | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing Odoo and the add-on's dependencies into $VENV"
  "$PY" -m pip install -q --upgrade "pip<26" "setuptools<81" wheel
  # Odoo's pinned requirements, minus lines for add-ons that are not Odoo's own.
  grep -v -i -E "flutter" "$SRC/requirements.txt" > "$CACHE/odoo-requirements.txt"
  "$PY" -m pip install -q -r "$CACHE/odoo-requirements.txt"
  "$PY" -m pip install -q --no-deps -e "$SRC"
  "$PY" -m pip install -q -r "$ROOT/tools/requirements-dev.txt"
  echo "$want" > "$stamp"
fi

mkdir -p "$ADDONS_LINK_DIR"
ln -sfn "$ROOT" "$ADDONS_LINK_DIR/$ADDON_NAME"
# The add-on's own Python dependencies, as whool derives them from the manifest
# (--no-deps: Odoo's pinned requirements are already in place).
dep_stamp="$VENV/.addon-stamp"
if [ "$(cat "$dep_stamp" 2>/dev/null)" != "$want_addon" ]; then
  "$PY" "$ROOT/tools/addon_requirements.py" "$ADDONS_LINK_DIR/$ADDON_NAME" > "$CACHE/addon-requirements.txt"
  if [ -s "$CACHE/addon-requirements.txt" ]; then
    "$PY" -m pip install -q --no-deps -r "$CACHE/addon-requirements.txt"
  fi
  echo "$want_addon" > "$dep_stamp"
fi
log "ready: $("$PY" -c 'import odoo.release as r; print("Odoo", r.version)')"
