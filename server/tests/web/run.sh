#!/usr/bin/env bash
# The web app and the MCP Apps views in a real browser: Debian's chromium
# (scripts/need-chromium) driven by playwright-core, against `teetrack serve`
# on a fresh database with two users. Screenshots of every page at desktop
# and phone width, and of the views inside the ext-apps AppBridge host, land
# in target/web-screenshots/.
#   server/tests/web/run.sh
# TEETRACK_BIN (default: the debug build) and CHROMIUM override the defaults.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
OUT=${CARGO_TARGET_DIR:-$REPO/target}/web-screenshots
CHROMIUM=$("$REPO/scripts/need-chromium")
export CHROMIUM
if [ ! -d "$HERE/node_modules/playwright-core" ] || [ ! -d "$HERE/node_modules/@modelcontextprotocol/ext-apps" ]; then
  echo "installing playwright-core, axe-core, the MCP SDK and ext-apps, esbuild (npm ci)" >&2
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ -z "${TEETRACK_BIN:-}" ]; then
  cargo build --locked -p teetrack --manifest-path "$REPO/Cargo.toml"
  TEETRACK_BIN=${CARGO_TARGET_DIR:-$REPO/target}/debug/teetrack
fi
export TEETRACK_BIN
WORK=$(mktemp -d)
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
export TEETRACK_DATABASE_URL=$WORK/teetrack.db
"$TEETRACK_BIN" users add ada@example.com --name Ada >/dev/null
"$TEETRACK_BIN" users set-tier ada@example.com pro >/dev/null
echo 'ada-passphrase-1' | "$TEETRACK_BIN" users set-password ada@example.com >/dev/null
"$TEETRACK_BIN" users add bob@example.com --name Bob >/dev/null
echo 'bob-passphrase-2' | "$TEETRACK_BIN" users set-password bob@example.com >/dev/null
"$TEETRACK_BIN" serve --listen 127.0.0.1:0 2>"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 100); do grep -q "serving MCP at" "$WORK/serve.log" && break; sleep 0.1; done
BASE=$(sed -n 's|^teetrack: serving MCP at \(.*\)/api/mcp$|\1|p' "$WORK/serve.log")
[ -n "$BASE" ] || { cat "$WORK/serve.log" >&2; exit 1; }
# The test host: the ext-apps AppBridge, bundled for the browser.
"$HERE/node_modules/.bin/esbuild" "$HERE/host.mjs" --bundle --format=iife --log-level=warning \
  --outfile="$WORK/host.js"
mkdir -p "$OUT"
echo "web app at $BASE; screenshots into $OUT" >&2
node "$HERE/test.mjs" "$BASE" "$OUT" "$WORK"
