#!/usr/bin/env bash
# The official MCP conformance suite and the MCP Inspector CLI against the
# real `teetrack serve` (and `teetrack mcp` for the Inspector):
#   - @modelcontextprotocol/conformance 0.1.16, its active server suite;
#   - the 0.2 line with the 2026-07-28 requirements (--requirements 2026-07-28);
#   - the Inspector CLI listing tools (with --strict) and calling one, over
#     HTTP with a bearer token and over stdio.
# Every failure the suites may report is listed, with its reason, in
# expected-failures-*.yml; the suites fail this script on any other failure
# and on a listed one that passes.
#
#   server/tests/conformance/run.sh        (TEETRACK_BIN overrides the build;
#                                           CONFORMANCE_RESULTS=DIR keeps each check's JSON)
#
# Needs only npm (any Node): Node 22, which the suites need, is an npm package
# pinned in package.json, installed with everything else into node_modules.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
cd "$HERE"

step() { printf '\n--> %s\n' "$*" >&2; }

# Reinstall only when the lock file changed since the last install.
stamp=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.teetrack-lock 2>/dev/null)" != "$stamp" ]; then
    step "npm ci (conformance suites, Inspector, Node 22)"
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
    echo "$stamp" > node_modules/.teetrack-lock
fi
export PATH="$HERE/node_modules/node/bin:$PATH"
node --version | grep -q '^v22\.' || { echo "node_modules/node is not Node 22" >&2; exit 1; }

if [ -z "${TEETRACK_BIN:-}" ]; then
    # The conformance fixtures (test-only tools, prompts and resources the
    # suites call by name) exist only with this feature, never in a product build.
    cargo build --locked -p teetrack --features conformance --manifest-path "$REPO/Cargo.toml"
    TEETRACK_BIN=${CARGO_TARGET_DIR:-$REPO/target}/debug/teetrack
fi
# A build with the fixtures serves them only when asked to (scripts/test's
# binary is the test build's, which carries them dormant).
export TEETRACK_CONFORMANCE_FIXTURES=1

WORK=$(mktemp -d)
PIDS=()
PG_DB=
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
    if [ -n "$PG_DB" ]; then
        psql "${TEETRACK_TEST_POSTGRES%/}/postgres" -qAtc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null || true
    fi
}
trap cleanup EXIT

RESULTS=${CONFORMANCE_RESULTS:-$WORK}
# A SQLite file; with TEETRACK_TEST_POSTGRES (scripts/test's PostgreSQL
# pass), a fresh database on that server.
if [ -n "${TEETRACK_TEST_POSTGRES:-}" ]; then
    PG_DB=teetrack_conformance_$$
    psql "${TEETRACK_TEST_POSTGRES%/}/postgres" -qAtc "CREATE DATABASE $PG_DB" >/dev/null
    export TEETRACK_DATABASE_URL=${TEETRACK_TEST_POSTGRES%/}/$PG_DB
else
    export TEETRACK_DATABASE_URL=$WORK/teetrack.db
fi
"$TEETRACK_BIN" users add conformance@example.com --name Conformance >/dev/null
"$TEETRACK_BIN" users set-tier conformance@example.com business >/dev/null
TOKEN=$("$TEETRACK_BIN" tokens create conformance@example.com --name conformance 2>/dev/null)

# The suites send bursts far above a person's pace: no rate limit here (the
# limit itself is covered by the Rust HTTP tests).
"$TEETRACK_BIN" serve --listen 127.0.0.1:0 --rate-limit 1000000 --rate-burst 1000000 2>"$WORK/serve.log" &
PIDS+=($!)
for _ in $(seq 100); do grep -q 'serving MCP at' "$WORK/serve.log" && break; sleep 0.1; done
URL=$(sed -n 's/^teetrack: serving MCP at //p' "$WORK/serve.log" | head -1)
[ -n "$URL" ] || { cat "$WORK/serve.log" >&2; exit 1; }
PORT=${URL##*:}; PORT=${PORT%%/*}

# The suites cannot send a token: a proxy adds it and forwards the rest as is.
TEETRACK_MCP_TOKEN=$TOKEN node auth-proxy.mjs "$PORT" >"$WORK/proxy.port" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/proxy.port" ] && break; sleep 0.1; done
SUITE_URL="http://localhost:$(cat "$WORK/proxy.port")/api/mcp"

# The suites colour their verdict whatever the terminal: plain text into a
# log or a pipe, or with NO_COLOR.
plain() {
    if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then cat; else sed -u 's/\x1b\[[0-9;]*m//g'; fi
}

# After each suite: what it scored, and where the expected failures are explained.
scored() { # version what expected-failures-file
    local listed counts
    listed=$(grep -c '^ *- ' "$3" || true)
    counts=$(sed -n 's/^Total: //p' "$WORK/suite-$1.log" | tail -n 1)
    printf '\nconformance %s scored %s.\n  Its checks: %s.\n' "$1" "$2" "${counts:-no total printed}" >&2
    printf '  Scored and expected to fail: %s scenario(s), each with its reason, in\n' "$listed" >&2
    printf '  server/tests/conformance/%s; this script fails on any other scored\n' "$3" >&2
    printf '  failure, and on any listed one that starts to pass.\n' >&2
}

# The failing scenarios a requirement set runs but does not score, with the
# set's own reason (extension: optional; pending: the suite's reference
# server cannot pass it yet; added-after-release).
unscored() { # suite-log requirements-yaml
    python3 - "$1" "$2" <<'EOF' >&2
import re, sys
log, req = (open(p).read() for p in sys.argv[1:])
reasons = dict(re.findall(r"- scenario: (\S+)\n\s+leg: server\n\s+reason: (\S+)", req))
failed = re.findall(r"^✗ (\S+):", log, re.M)
unscored = [(f, reasons[f]) for f in failed if f in reasons]
if unscored:
    print(f"  Not scored, and failing: {len(unscored)} scenario(s) the set lists under not_scored:")
    for name, reason in unscored:
        print(f"    {name} ({reason})")
    print(f"  (the reasons: server/tests/conformance/{sys.argv[2]}, its not_scored list)")
EOF
}

status=0
step "conformance 0.1.16, active suite, against $SUITE_URL"
node node_modules/conformance-0.1/dist/index.js server --url "$SUITE_URL" \
    --expected-failures expected-failures-0.1.yml -o "$RESULTS/results-0.1" 2>&1 |
    plain | tee "$WORK/suite-0.1.log" || status=1
scored 0.1 "every scenario of its active server suite" expected-failures-0.1.yml

step "conformance 0.2 ($(node -p 'require("./node_modules/conformance-0.2/package.json").version')), 2026-07-28 requirements"
node node_modules/conformance-0.2/dist/index.js server --url "$SUITE_URL" --requirements 2026-07-28 \
    --expected-failures expected-failures-2026-07-28.yml -o "$RESULTS/results-0.2" 2>&1 |
    plain | tee "$WORK/suite-0.2.log" || status=1
scored 0.2 "the server scenarios its 2026-07-28 requirement set scores; its counts
  include the ones the set runs but does not score" expected-failures-2026-07-28.yml
unscored "$WORK/suite-0.2.log" node_modules/conformance-0.2/requirements/2026-07-28.yaml

inspector() { node node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js --cli "$@"; }

# Lists with --strict (exit 6 on an error-severity schema portability
# problem) and calls get_context, which must answer as the token's user.
check_inspector() {
    local transport=$1; shift
    step "Inspector CLI over $transport: tools/list --strict, tools/call get_context"
    inspector "$@" --method tools/list --strict >"$WORK/list.json" 2>"$WORK/list.err" \
        || { cat "$WORK/list.err" >&2; status=1; return; }
    local tools
    tools=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).tools.length)' "$WORK/list.json")
    echo "listed $tools tools, --strict clean" >&2
    inspector "$@" --method tools/call --tool-name get_context >"$WORK/call.json" 2>"$WORK/call.err" \
        || { cat "$WORK/call.err" >&2; status=1; return; }
    node -e '
        const r = JSON.parse(require("fs").readFileSync(process.argv[1]));
        if (r.isError !== false || r.structuredContent.user.email !== "conformance@example.com") {
            console.error("unexpected get_context result:", JSON.stringify(r)); process.exit(1);
        }' "$WORK/call.json" || status=1
}
check_inspector "Streamable HTTP" "$URL" --transport http --header "Authorization: Bearer $TOKEN"
# The Inspector passes a spawned server only the variables it is given.
check_inspector stdio -e "TEETRACK_MCP_TOKEN=$TOKEN" -e "TEETRACK_DATABASE_URL=$TEETRACK_DATABASE_URL" \
    -e TEETRACK_CONFORMANCE_FIXTURES=1 "$TEETRACK_BIN" mcp

exit $status
