#!/usr/bin/env bash
# Screenshots of the OAuth sign-in and consent page in headless Chromium, at
# desktop and phone width, into target/oauth-screenshots/ (gitignored).
#   server/tests/oauth/screenshots.sh
# TEETRACK_BIN (default: the debug build) and CHROMIUM (default: chromium)
# override the defaults; scripts/need-chromium finds (or, as root, installs) it.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=${CARGO_TARGET_DIR:-$REPO/target}/oauth-screenshots
CHROMIUM=$("$REPO/scripts/need-chromium")
if [ -z "${TEETRACK_BIN:-}" ]; then
  cargo build --locked -p teetrack --manifest-path "$REPO/Cargo.toml"
  TEETRACK_BIN=${CARGO_TARGET_DIR:-$REPO/target}/debug/teetrack
fi
WORK=$(mktemp -d)
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
export TEETRACK_DATABASE_URL=$WORK/teetrack.db HOME=$WORK
"$TEETRACK_BIN" users add ada@example.com --name Ada >/dev/null
"$TEETRACK_BIN" serve --listen 127.0.0.1:0 2>"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 100); do grep -q "serving MCP at" "$WORK/serve.log" && break; sleep 0.1; done
BASE=$(sed -n 's|^teetrack: serving MCP at \(.*\)/api/mcp$|\1|p' "$WORK/serve.log")
[ -n "$BASE" ] || { cat "$WORK/serve.log" >&2; exit 1; }
CLIENT_ID=$(curl -sf "$BASE/oauth/register" -H 'content-type: application/json' \
  -d '{"client_name":"Claude","redirect_uris":["https://claude.ai/api/mcp/auth_callback"]}' |
  sed -n 's/.*"client_id":"\([^"]*\)".*/\1/p')
# A real S256 challenge's shape (43 characters); the page never checks it.
AUTHORIZE="$BASE/oauth/authorize?response_type=code&client_id=$CLIENT_ID&redirect_uri=https%3A%2F%2Fclaude.ai%2Fapi%2Fmcp%2Fauth_callback&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=xyz"
mkdir -p "$OUT"
shot() { # name width height url
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$WORK/chromium" \
    --screenshot="$OUT/$1.png" --window-size="$2,$3" "$4" >/dev/null 2>&1
  [ -s "$OUT/$1.png" ] || { echo "no screenshot $1" >&2; exit 1; }
}
shot consent-desktop 1280 900 "$AUTHORIZE"
shot consent-phone 390 1000 "$AUTHORIZE"
shot refused-phone 390 600 "${AUTHORIZE/redirect_uri=https/redirect_uri=http}"
echo "screenshots in $OUT" >&2
