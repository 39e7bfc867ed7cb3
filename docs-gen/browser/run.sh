#!/usr/bin/env bash
# The tool reference (docs/) in a real headless browser: Debian's chromium
# driven by playwright-core. Gets chromium from scripts/need-chromium (apt,
# announced, only as root) and the npm packages (npm ci) when missing, serves the repository's docs/ at
# http://127.0.0.1:PORT/docs/, and runs test.mjs: every page loads without a
# console error, every internal link resolves, the search works, nothing is
# wider than a phone; screenshots land in docs-gen/browser/out/ (gitignored).
#   docs-gen/browser/run.sh
# CHROMIUM overrides the browser (default /usr/bin/chromium).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT="$HERE/out"
CHROMIUM=$("$REPO/scripts/need-chromium")
export CHROMIUM
if [ ! -d "$HERE/node_modules/playwright-core" ]; then
  echo "installing playwright-core (npm ci)" >&2
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi

mkdir -p "$OUT"
# Serve only the site, under /docs/ as `teetrack serve` does.
ROOT=$(mktemp -d)
ln -s "$REPO/docs" "$ROOT/docs"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$ROOT" >"$OUT/http.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; rm -rf "$ROOT"' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/docs/index.html')" 2>/dev/null && break
  sleep 0.1
done

node "$HERE/test.mjs" "http://127.0.0.1:$PORT/docs/" "$REPO/docs" "$OUT"
