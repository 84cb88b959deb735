#!/usr/bin/env bash
# Installs the real producer the notification tests use: oslo.messaging's
# Notifier (rabbit driver, kombu) from PyPI, pinned in requirements.txt, into
# target/amqp-venv. Idempotent: does nothing when the venv already matches.
# Prints the venv's python path.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${AMQP_VENV:-$root/target/amqp-venv}"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
exec 9>"$root/target/.amqp-venv.lock"
flock 9
if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
    echo "$want" > "$stamp"
fi
echo "$venv/bin/python"
