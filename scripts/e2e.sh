#!/usr/bin/env bash
# End-to-end tests: a real slapd, a fresh SQLite database, the built server,
# and Playwright driving Debian's Chromium with JavaScript on and off.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
port="${E2E_PORT:-3100}"
ldap_port="${E2E_LDAP_PORT:-3391}"
work="$(mktemp -d)"
ldap_dir="$work/ldap"
server_pid=""

cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  "$root/scripts/ldap.sh" stop --dir "$ldap_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$root/scripts/ldap.sh" start --dir "$ldap_dir" --port "$ldap_port"

bin="$target/debug/servicedesk"
[ -x "$bin" ] || { echo "e2e: $bin not built (run 'cargo leptos build --split')" >&2; exit 1; }
(
  cd "$work"
  LEPTOS_OUTPUT_NAME=servicedesk LEPTOS_SITE_ROOT="$target/site" LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_RELOAD_PORT=$((port + 1)) LEPTOS_ENV=PROD \
  DATABASE_URL="sqlite://$work/e2e.db?mode=rwc" SD_DATA_DIR="$work/data" \
  SD_LDAP_URL="ldap://127.0.0.1:$ldap_port" RUST_LOG=warn \
  SD_CLOCK_START="${E2E_CLOCK_START:-2025-12-12T11:00:00+03:00}" \
  exec "$bin"
) > "$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/login" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/server.log" >&2; exit 1; fi
  sleep 0.2
done

cd "$root/end2end"
status=0
BASE_URL="http://127.0.0.1:$port" npx playwright test ${E2E_ARGS:-} || status=$?
# Pages the shell did not give their Content-Security-Policy (see server/src/security.rs).
grep "page without its policy" "$work/server.log" >&2 || true
if [ "$status" -ne 0 ]; then
  echo "--- server log ---" >&2
  tail -50 "$work/server.log" >&2
fi
exit "$status"
