#!/usr/bin/env bash
# Notifications → samples: Ceilometer 27.0.0 and Nephometer on the same
# seeded 100,000-notification stream, in the same run, on one core each.
#
# Installs Ceilometer 27.0.0 from PyPI into target/bench/ceilo27 (once),
# generates the stream, runs Ceilometer's own benchmark (pure conversion and
# the streaming endpoint path with JSON decoding), writes Ceilometer's
# per-meter counts and volume sums, then runs Nephometer's benchmark, which
# fails unless its counts and sums are identical.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/bench
mkdir -p "$out"
venv="$out/ceilo27"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q ceilometer==27.0.0
fi
stream="$out/notifications_100k.jsonl"
[[ -s "$stream" ]] || python3 tests/bench/ceilometer/gen_notification_stream.py --count 100000 --seed 42 --out "$stream"
meters="$("$venv/bin/python" -c 'import ceilometer, os; print(os.path.join(os.path.dirname(ceilometer.__file__), "data/meters.d/meters.yaml"))')"

echo "== Ceilometer 27.0.0, convert (preloaded dicts; JSON decoding excluded)"
taskset -c 0 "$venv/bin/python" tests/bench/ceilometer/bench_notifications.py --mode convert \
    --input "$stream" --json-out "$out/ceilometer_convert.json" --verify-out "$out/ceilometer_verify.json" | tail -1
echo "== Ceilometer 27.0.0, stream (JSON decoding and the endpoint path included)"
taskset -c 0 "$venv/bin/python" tests/bench/ceilometer/bench_notifications.py --mode stream \
    --input "$stream" --json-out "$out/ceilometer_stream.json" | tail -1
echo "== Nephometer"
cargo bench -q -p nepho-tests --bench meters --no-run
taskset -c 0 cargo bench -q -p nepho-tests --bench meters -- "$PWD/$stream" "$(realpath "$meters")" "$PWD/$out/ceilometer_verify.json"
