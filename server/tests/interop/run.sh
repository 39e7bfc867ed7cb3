#!/usr/bin/env bash
# The Python interop tests: builds `teetrack`, makes a venv with the official
# MCP client if there is none, and runs pytest against the binary.
#   server/tests/interop/run.sh [pytest args...]
# VENV (default: <repo>/.venv) and TEETRACK_BIN (default: the debug build)
# override the defaults.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
VENV=${VENV:-$REPO/.venv}

if [ -z "${TEETRACK_BIN:-}" ]; then
  cargo build --locked -p teetrack --manifest-path "$REPO/Cargo.toml"
  export TEETRACK_BIN=${CARGO_TARGET_DIR:-$REPO/target}/debug/teetrack
fi
if ! "$VENV/bin/python" -c 'import mcp, pytest, anyio, agents, jsonschema' 2>/dev/null; then
  printf '\n--> making %s: the MCP Python SDK, the Agents SDK, pytest (pip)\n' "$VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet -r "$HERE/requirements.txt"
fi
cd "$HERE"
# No .pytest_cache left in the tree; pytest's temp dirs go to $TMPDIR.
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
