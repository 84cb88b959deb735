#!/usr/bin/env bash
# Drives the real python-ceilometerclient 2.9.0 against `nephometer run`:
# a virtualenv (created once, under target/), an agent with SQLite, the
# REST API on a free port, a tokens file and a pipeline publishing to
# database://; then checks.py runs the client's commands and checks their
# exit codes and the values they print. Exits non-zero on any failure.
#
#   tests/ceilometerclient/run.sh            # builds nephometer (cargo --locked) first
#   NEPHOMETER=path/to/nephometer tests/ceilometerclient/run.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${CEILOMETERCLIENT_VENV:-$root/target/ceilometerclient-venv}"

# The virtualenv, idempotently.
if ! "$venv/bin/python" -c 'import ceilometerclient, sys; from importlib.metadata import version; sys.exit(version("python-ceilometerclient") != "2.9.0")' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'python-ceilometerclient==2.9.0'
fi

if [ -z "${NEPHOMETER:-}" ]; then
    (cd "$root" && cargo build --locked --quiet -p nepho-cli)
    NEPHOMETER="$root/target/debug/nephometer"
fi

work="$(mktemp -d)"
agent_pid=""
cleanup() {
    if [ -n "$agent_pid" ]; then
        kill "$agent_pid" 2>/dev/null || true
        wait "$agent_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

cat > "$work/tokens.toml" <<'TOKENS'
[tokens.client-admin-token]
user_id = "admin-user"
project_id = "admin-project"
roles = ["admin"]

[tokens.client-alice-token]
user_id = "alice"
project_id = "project-a"
roles = ["member"]

[tokens.client-bob-token]
user_id = "bob"
project_id = "project-b"
roles = ["member"]
TOKENS

cat > "$work/pipeline.yaml" <<'PIPELINE'
sources:
  - name: everything
    meters: ["*"]
    sinks: [store]
sinks:
  - name: store
    publishers: ["database://"]
PIPELINE

cat > "$work/nephometer.toml" <<CONFIG
cache_dir = "cache"

[pipeline]
samples = "pipeline.yaml"

[database]
connection = "sqlite:///$work/metering.db"

[publisher]
telemetry_secret = "ceilometerclient-test-secret"

[api]
listen = "127.0.0.1:$port"
tokens = "tokens.toml"
CONFIG

RUST_LOG="${RUST_LOG:-info}" "$NEPHOMETER" run --config "$work/nephometer.toml" >"$work/agent.log" 2>&1 &
agent_pid=$!

endpoint="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
    if "$venv/bin/python" -c "import urllib.request, sys; urllib.request.urlopen('$endpoint/', timeout=1)" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$agent_pid" 2>/dev/null; then
        echo "nephometer run exited:" >&2
        cat "$work/agent.log" >&2
        exit 1
    fi
    sleep 0.5
done

status=0
PYTHONWARNINGS=ignore "$venv/bin/python" "$here/checks.py" "$venv/bin/ceilometer" "$endpoint" || status=$?
if [ "$status" -ne 0 ]; then
    echo "--- agent log ---" >&2
    tail -n 50 "$work/agent.log" >&2
fi
exit "$status"
