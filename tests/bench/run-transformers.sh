#!/usr/bin/env bash
# Transformers (issue 4): the rate_of_change cpu → cpu_util sink (Rocky's
# shipped cpu_sink) in Ceilometer 11.1.0 and in Nephometer, on the same seeded
# 100,000 polled cpu samples, one core each (taskset -c 0).
#
# Idempotent.  Installs Ceilometer 11.1.0 from PyPI into target/bench/ceilo11
# (once; the exact dependency set of tests/bench/ceilometer/requirements-11.1.0.lock.txt),
# generates the polled stream (2,000 telemetry.polling notifications × 50
# samples, seed 7; sha256 checked), converts it with Ceilometer's own endpoint
# code into the samples its pipeline receives (the Rust bench's input), runs
# Ceilometer's benchmark (TelemetryIpc.sample per notification → pipeline →
# rate_of_change → no-op publisher; JSON decoding excluded), writes every
# sample Ceilometer published (untimed second pass), then runs Nephometer's
# benchmark against them and prints both rates and the ratio.
#
#   tests/bench/run-transformers.sh
#   RUNS=3 tests/bench/run-transformers.sh     # Ceilometer timed RUNS times, median reported
#   SKIP_RUST=1 tests/bench/run-transformers.sh
#
# Files in target/bench/:
#   polling_cpu_100k.jsonl                  the notification stream (Ceilometer's input)
#   MANIFEST.polling.json                   its counts and sha256
#   polling_cpu_100k.samples.jsonl          one sample.as_dict() per line, in the order
#                                           TelemetryIpc feeds them to the pipeline
#   polling_cpu_100k.batches.json           samples per pipeline call (the pipeline is
#                                           flushed after each); here 2,000 × 50
#   ceilometer_rate_of_change.run<N>.json   Ceilometer's result per run (samples_per_s, …)
#   ceilometer_rate_of_change.json          the median run
#   ceilometer_rate_of_change.out.jsonl     every published sample, in publication order
#   ceilometer_rate_of_change.log           Ceilometer's log (its INFO/WARNING go to stdout)
# What Ceilometer's output looks like exactly (float repr, capped int 100,
# timestamps, ids): tests/bench/ceilometer/TRANSFORMERS.md.
# Measure on an otherwise idle machine: on 2 cores a build on the other core
# still slows the pinned one.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/bench
here=tests/bench/ceilometer
mkdir -p "$out"
RUNS=${RUNS:-1}

# ------------------------------------------------------------ Ceilometer 11.1.0
venv="$out/ceilo11"
lock="$here/requirements-11.1.0.lock.txt"
want_venv="$(sha256sum "$lock" | cut -d' ' -f1) ceilometer==11.1.0 oslo.utils<6"
if [[ ! -x "$venv/bin/python" || "$(cat "$venv/.nephometer-installed" 2>/dev/null)" != "$want_venv" ]]; then
    echo "== installing Ceilometer 11.1.0 into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    # oslo.utils<6: 11.1.0 imports oslo_utils.fnmatch, removed in oslo.utils 6.0.0
    "$venv/bin/pip" install -q -r "$lock" ceilometer==11.1.0 "oslo.utils<6"
    echo "$want_venv" > "$venv/.nephometer-installed"
fi
py="$venv/bin/python"

# ------------------------------------------------------------ input
stream="$out/polling_cpu_100k.jsonl"
stream_sha=1506bd842a813b4f1865c8b6d346366539e58ca2e652334209a83818deb13269  # seed 7, 1000 instances
samples="$out/polling_cpu_100k.samples.jsonl"
batches="$out/polling_cpu_100k.batches.json"
sha() { sha256sum "$1" | cut -d' ' -f1; }
if [[ ! -s "$stream" ]] || [[ "$(sha "$stream")" != "$stream_sha" ]]; then
    echo "== generating $stream"
    "$py" "$here/gen_polling_stream.py" --seed 7 --instances 1000 --meters cpu --out-dir "$out" \
        > "$out/gen_polling_stream.log" 2>&1 || { tail -20 "$out/gen_polling_stream.log"; exit 1; }
    got="$(sha "$stream")"
    if [[ "$got" != "$stream_sha" ]]; then
        echo "INPUT MISMATCH: $stream sha256 $got != $stream_sha" >&2
        exit 1
    fi
    rm -f "$samples" "$batches"
fi
echo "input ok: $stream (sha256 $stream_sha)"
if [[ ! -s "$samples" || ! -s "$batches" || "$stream" -nt "$samples" ]]; then
    echo "== converting to pipeline input samples: $samples"
    "$py" "$here/polling_to_samples.py" --input "$stream" --out "$samples" --batches "$batches" \
        > "$out/polling_to_samples.log" 2>&1 || { tail -20 "$out/polling_to_samples.log"; exit 1; }
    tail -n1 "$out/polling_to_samples.log"
fi
echo "samples: $samples ($(wc -l < "$samples") lines, sha256 $(sha "$samples")); batches: $batches"

# ------------------------------------------------------------ Ceilometer run
expect="$out/ceilometer_rate_of_change.out.jsonl"
log="$out/ceilometer_rate_of_change.log"
: > "$log"
echo "== Ceilometer 11.1.0, rate_of_change (preloaded dicts; JSON decoding excluded), taskset -c 0, $RUNS run(s)"
for i in $(seq 1 "$RUNS"); do
    dump=()
    [[ $i == 1 ]] && dump=(--dump-out "$expect")   # untimed second pass, first run only
    taskset -c 0 "$py" "$here/bench_transformers.py" \
        --pipeline "$here/pipelines/rate_of_change.yaml" --input "$stream" \
        --json-out "$out/ceilometer_rate_of_change.run$i.json" "${dump[@]}" \
        >> "$log" 2>&1 || { tail -20 "$log"; exit 1; }
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("   run %s: %s samples in/s, %s out/s, %s out samples, %.3f s timed" % (sys.argv[2], format(round(r["samples_per_s"]), ","), format(round(r["samples_out_per_s"]), ","), format(r["samples_out"], ","), r["elapsed_s"]))' \
        "$out/ceilometer_rate_of_change.run$i.json" "$i"
done
python3 - "$out" "$RUNS" <<'EOF'
import json, sys, shutil
out, runs = sys.argv[1], int(sys.argv[2])
rs = [json.load(open('%s/ceilometer_rate_of_change.run%d.json' % (out, i))) for i in range(1, runs + 1)]
rs_sorted = sorted(rs, key=lambda r: r['samples_per_s'])
med = rs_sorted[len(rs_sorted) // 2]
med['runs_samples_per_s'] = [r['samples_per_s'] for r in rs]
first = rs[0]
for k in ('dump_out', 'dump_samples'):
    if k in first:
        med[k] = first[k]
json.dump(med, open('%s/ceilometer_rate_of_change.json' % out, 'w'))
print('Ceilometer median: %s samples in/s (%s out/s); published %s samples -> %s'
      % (format(round(med['samples_per_s']), ','), format(round(med['samples_out_per_s']), ','),
         format(med['samples_out'], ','), first.get('dump_out')))
EOF

# ------------------------------------------------------------ Nephometer run
# >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>
# PLACEHOLDER - Rust side, to be filled in with tests/benches/transformers.rs.
# Contract assumed here: reads --input (one sample dict per line), flushes
# after each batch of --batches, fails unless its published samples equal
# --expect (all fields except the fresh uuid `id`), and writes a JSON object
# with at least "samples_per_s" (samples entering the pipeline per second of
# the timed region) to --json-out.  cargo runs benches with the package
# directory as cwd, hence the absolute paths.
rust_json="$out/nephometer_rate_of_change.json"
rm -f "$rust_json"
if [[ -z "${SKIP_RUST:-}" && -f tests/benches/transformers.rs ]]; then
    echo "== Nephometer"
    cargo bench -q -p nepho-tests --bench transformers --no-run
    taskset -c 0 cargo bench -q -p nepho-tests --bench transformers -- \
        --input "$PWD/$samples" --batches "$PWD/$batches" --expect "$PWD/$expect" \
        --json-out "$PWD/$rust_json"
else
    echo "== Nephometer: skipped (SKIP_RUST set or tests/benches/transformers.rs not there yet)"
fi
# <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<

# ------------------------------------------------------------ summary
python3 - "$out/ceilometer_rate_of_change.json" "$rust_json" <<'EOF'
import json, os, sys
c = json.load(open(sys.argv[1]))['samples_per_s']
print('== rate_of_change, samples in/s (one core)')
print('   Ceilometer 11.1.0: %12s' % format(round(c), ','))
if os.path.exists(sys.argv[2]):
    r = json.load(open(sys.argv[2]))['samples_per_s']
    print('   Nephometer:        %12s' % format(round(r), ','))
    print('   ratio:             %12.1fx  (goal: 50x)' % (r / c))
else:
    print('   Nephometer:        (no result)')
EOF
