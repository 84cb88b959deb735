#!/usr/bin/env bash
# Builds Nephometer's polyglot example transformers:
#
#   $TARGET/polyglot/python-scale.wasm   from python-scale/app.py (componentize-py)
#   $TARGET/polyglot/js-scale.wasm       from js-scale/scale.js   (componentize-js)
#
# where $TARGET is $CARGO_TARGET_DIR, or target/ at the repository root.
# Installs the pinned tools first: componentize-py into a venv under
# $TARGET/polyglot/venv (from PyPI), componentize-js under
# $TARGET/polyglot/node (from npm, with the committed package-lock.json).
# Idempotent: tools and components are rebuilt only when their inputs change.
# Prints the two component paths on stdout (progress goes to stderr).
#
# Needs: python3 (3.11+) with venv, node 20+ with npm, flock, sha256sum.
set -euo pipefail

COMPONENTIZE_PY_VERSION=0.25.1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$PWD/$target ;; esac
out=$target/polyglot
mkdir -p "$out"

# One build at a time (test processes may call this concurrently).
exec 9>"$out/.lock"
flock 9

say() { echo "polyglot: $*" >&2; }

# The digest of the named files (relative to the repository root) and of extra words.
digest() {
    (cd "$root" && sha256sum "$@" && echo "$COMPONENTIZE_PY_VERSION") | sha256sum | cut -d' ' -f1
}

# --- tools -----------------------------------------------------------------

venv=$out/venv
if [ "$("$venv/bin/componentize-py" --version 2>/dev/null)" != "componentize-py $COMPONENTIZE_PY_VERSION" ]; then
    say "installing componentize-py $COMPONENTIZE_PY_VERSION into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "componentize-py==$COMPONENTIZE_PY_VERSION" >&2
fi

node=$out/node
node_stamp=$(digest guests/polyglot/package.json guests/polyglot/package-lock.json)
if [ "$(cat "$node/.stamp" 2>/dev/null)" != "$node_stamp" ]; then
    say "installing componentize-js into $node"
    rm -rf "$node"
    mkdir -p "$node"
    cp "$here/package.json" "$here/package-lock.json" "$node/"
    # `npm install` with the lockfile, not `npm ci`: the lockfile npm writes
    # leaves out some other platforms' optional binaries, which `npm ci` rejects.
    (cd "$node" && npm install --no-audit --no-fund --loglevel=error >&2)
    echo "$node_stamp" >"$node/.stamp"
fi

# --- components ------------------------------------------------------------

wit=(wit/exports.wit wit/host.wit wit/types.wit wit/worlds.wit)

# build NAME STAMP COMMAND...: runs COMMAND (which writes $out/NAME.wasm.partial)
# unless $out/NAME.wasm was built from the same inputs.
build() {
    local name=$1 stamp=$2
    shift 2
    if [ -f "$out/$name.wasm" ] && [ "$(cat "$out/$name.stamp" 2>/dev/null)" = "$stamp" ]; then
        say "$name is up to date"
        return
    fi
    say "building $name"
    rm -f "$out/$name.wasm.partial"
    "$@"
    mv "$out/$name.wasm.partial" "$out/$name.wasm"
    echo "$stamp" >"$out/$name.stamp"
}

# Built from a copy, so that the __pycache__ componentize-py writes stays out
# of the source tree. --stub-wasi: componentize-py's runtime imports
# wasi:filesystem and wasi:sockets, which the sandbox never grants; stubbed,
# every WASI import traps if used.
python_scale() {
    rm -rf "$out/python-scale-src"
    mkdir -p "$out/python-scale-src"
    cp "$here/python-scale/app.py" "$out/python-scale-src/"
    "$venv/bin/componentize-py" -d "$root/wit" -w transformer componentize --stub-wasi \
        -p "$out/python-scale-src" app -o "$out/python-scale.wasm.partial" >&2
}
build python-scale \
    "$(digest "${wit[@]}" guests/polyglot/build.sh guests/polyglot/python-scale/app.py)" \
    python_scale

build js-scale \
    "$(digest "${wit[@]}" guests/polyglot/build.sh guests/polyglot/package-lock.json \
        guests/polyglot/js-scale/scale.js guests/polyglot/js-scale/build.mjs)" \
    env POLYGLOT_NODE_MODULES="$node/node_modules" \
    node "$here/js-scale/build.mjs" "$root/wit" "$out/js-scale.wasm.partial"

echo "$out/python-scale.wasm"
echo "$out/js-scale.wasm"
