#!/bin/sh
# Differential check of nepho-jsonpath against the Python libraries.
# Needs python3 with: pip install jsonpath-rw==1.4.0 jsonpath-rw-ext==1.2.2 pyyaml
# (in a virtualenv outside the repository); PYTHON names that interpreter.
set -e
PY=${PYTHON:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)
export JSONPATH_WORK=${JSONPATH_WORK:-/tmp/jpwork}
mkdir -p "$JSONPATH_WORK"
cd "$HERE"
"$PY" corpus.py
"$PY" fuzzparse.py 20000 1 > "$JSONPATH_WORK/fuzz.json"
"$PY" fuzzeval.py 40000 1 > "$JSONPATH_WORK/eval.json" 2>/dev/null
"$PY" edge.py > /dev/null 2>&1
"$PY" regex_edge.py > /dev/null 2>&1
[ "$1" = "--regenerate" ] && "$PY" make_data.py
cd "$HERE/../../.."
T="cargo test -q -p nepho-jsonpath --target x86_64-unknown-linux-gnu"
JSONPATH_DIFF_PARSE="$JSONPATH_WORK/fuzz.json" $T differential_parse -- --ignored --nocapture | grep cases
for f in eval edge regex; do
  JSONPATH_DIFF_EVAL="$JSONPATH_WORK/$f.json" $T differential_eval -- --ignored --nocapture | grep -E "cases|MISMATCH|py:|rs:"
done
