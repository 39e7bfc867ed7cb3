#!/usr/bin/env bash
# Real MCP clients nobody here wrote, against the real `teetrack` binary over
# stdio and HTTP: the TypeScript SDK's Client (npm @modelcontextprotocol/sdk,
# pinned in package.json, its default output-schema validation on), in
# ts_sdk.test.mjs. (The OpenAI Agents SDK runs with the Python interop suite:
# server/tests/interop/test_agents.py.)
#
#   server/tests/clients/run.sh        (TEETRACK_BIN overrides the build)
#
# Needs only npm (any Node): Node 22 is an npm package pinned in package.json,
# installed with the SDK into node_modules.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
cd "$HERE"

# Reinstall only when the lock file changed since the last install.
stamp=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.teetrack-lock 2>/dev/null)" != "$stamp" ]; then
    printf '\n--> npm ci (TypeScript SDK, Node 22)\n' >&2
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
    echo "$stamp" > node_modules/.teetrack-lock
fi
export PATH="$HERE/node_modules/node/bin:$PATH"
node --version | grep -q '^v22\.' || { echo "node_modules/node is not Node 22" >&2; exit 1; }

if [ -z "${TEETRACK_BIN:-}" ]; then
    cargo build --locked -p teetrack --manifest-path "$REPO/Cargo.toml"
    TEETRACK_BIN=${CARGO_TARGET_DIR:-$REPO/target}/debug/teetrack
fi
export TEETRACK_BIN
exec node --test ts_sdk.test.mjs
