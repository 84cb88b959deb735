#!/usr/bin/env bash
# Drives the real python-ceilometerclient 2.9.0 against `nephometer run`:
# a virtualenv (created once, under target/), an agent with the REST API on
# a free port, a tokens file and a pipeline publishing to database://; then
# checks.py runs the client's commands and checks their exit codes and the
# values they print. Once over SQLite, once over a fresh PostgreSQL
# database (created with psql, dropped afterwards). Exits non-zero on any
# failure.
#
#   tests/ceilometerclient/run.sh            # builds nephometer (cargo --locked) first
#   NEPHOMETER=path/to/nephometer tests/ceilometerclient/run.sh
#   CEILOMETERCLIENT_BACKENDS=sqlite ...     # one backend only (sqlite or postgres)
#   NEPHO_TEST_POSTGRES=postgresql://user@host:port   # the PostgreSQL server
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
pg_server="${NEPHO_TEST_POSTGRES:-postgresql://postgres@127.0.0.1:5432}"
pg_database=""
stop_agent() {
    if [ -n "$agent_pid" ]; then
        kill "$agent_pid" 2>/dev/null || true
        wait "$agent_pid" 2>/dev/null || true
        agent_pid=""
    fi
}
drop_database() {
    if [ -n "$pg_database" ]; then
        psql "$pg_server/postgres" -qc "DROP DATABASE IF EXISTS $pg_database WITH (FORCE)" >/dev/null || true
        pg_database=""
    fi
}
cleanup() {
    stop_agent
    drop_database
    rm -rf "$work"
}
trap cleanup EXIT

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

# Starts the agent over database URL $2 (label $1) and runs the checks.
run_against() {
    local label="$1" connection="$2" port endpoint status
    port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    cat > "$work/nephometer.toml" <<CONFIG
cache_dir = "cache"

[pipeline]
samples = "pipeline.yaml"

[database]
connection = "$connection"

[publisher]
telemetry_secret = "ceilometerclient-test-secret"

[api]
listen = "127.0.0.1:$port"
tokens = "tokens.toml"
CONFIG
    RUST_LOG="${RUST_LOG:-info}" "$NEPHOMETER" run --config "$work/nephometer.toml" >"$work/agent-$label.log" 2>&1 &
    agent_pid=$!
    endpoint="http://127.0.0.1:$port"
    for _ in $(seq 1 120); do
        if "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('$endpoint/', timeout=1)" 2>/dev/null; then
            break
        fi
        if ! kill -0 "$agent_pid" 2>/dev/null; then
            echo "$label: nephometer run exited:" >&2
            cat "$work/agent-$label.log" >&2
            return 1
        fi
        sleep 0.5
    done
    echo "== python-ceilometerclient 2.9.0 against nephometer run over $label"
    status=0
    PYTHONWARNINGS=ignore "$venv/bin/python" "$here/checks.py" "$venv/bin/ceilometer" "$endpoint" || status=$?
    if [ "$status" -ne 0 ]; then
        echo "--- $label agent log ---" >&2
        tail -n 50 "$work/agent-$label.log" >&2
    fi
    stop_agent
    return "$status"
}

failed=0
backends="${CEILOMETERCLIENT_BACKENDS:-sqlite postgres}"
for backend in $backends; do
    case "$backend" in
        sqlite)
            run_against sqlite "sqlite:///$work/metering.db" || failed=1
            ;;
        postgres)
            if ! command -v psql >/dev/null; then
                echo "postgres: psql is needed to create the test database" >&2
                failed=1
                continue
            fi
            pg_database="nepho_client_$$"
            psql "$pg_server/postgres" -qc "CREATE DATABASE $pg_database" >/dev/null
            run_against postgres "$pg_server/$pg_database" || failed=1
            drop_database
            ;;
        *)
            echo "unknown backend $backend (sqlite or postgres)" >&2
            failed=1
            ;;
    esac
done
exit "$failed"
