#!/usr/bin/env bash
# `make screenshots`: starts the demo (as `make run` does, database
# service_demo unless SM_DB says otherwise) on a free port, saves the
# screenshots of tools/screenshots.py under static/description/, stops it.
# Never part of `make test`; CI takes them only when asked (SM_SCREENSHOTS=1).
source "$(dirname "$0")/common.sh"
SM_SYSDEPS_FOR=test "$ROOT/tools/setup.sh"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log_file="$CACHE/screenshots-server.log"
SM_HTTP_PORT="$port" setsid "$ROOT/tools/run.sh" --max-cron-threads=0 > "$log_file" 2>&1 &
server=$!
stop() { kill -- -"$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
trap stop EXIT

log "starting the demo on port $port (log: $log_file)"
for _ in $(seq 1 900); do
  curl -fs "http://127.0.0.1:$port/web/webclient/version_info" -H 'Content-Type: application/json' \
    -d '{}' >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { tail -30 "$log_file" >&2; die "the demo server stopped"; }
  sleep 1
done
"$PY" "$ROOT/tools/screenshots.py" --base "http://127.0.0.1:$port" --db "${SM_DB:-service_demo}" "$@"
