#!/usr/bin/env bash
# Builds every plugin component (docs/plugins.md) in one cargo invocation and copies them to
# target/plugins/NAME.wasm, checking that each is a component (not a core module).
#   plugins/build.sh            # from anywhere
# Output: one line per plugin: path, size, its first 8 bytes and what they say (exit 1 when
# one is not a component).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
build="$repo/target/plugins-build"
out="$repo/target/plugins"

# crate name (cargo names the file with `_`) → published name
plugins=(
    drop-test-clients
    company-attribute
    hostile-loop
    hostile-memory
    hostile-trap
    hostile-garbage
    hostile-wrong-version
)

cd "$here"
cargo build --release --target wasm32-wasip2 --target-dir "$build" ${CARGO_BUILD_FLAGS:-}

mkdir -p "$out"
status=0
for name in "${plugins[@]}"; do
    src="$build/wasm32-wasip2/release/${name//-/_}.wasm"
    dst="$out/$name.wasm"
    cp "$src" "$dst"
    # 00 61 73 6d = "\0asm"; then version 0x0d + layer 1 for a component, 1 + layer 0 for a
    # core module.
    header="$(od -An -tx1 -N8 "$dst" | xargs)"
    magic="${header// /}"
    case "$magic" in
        0061736d0d000100) kind="component" ;;
        0061736d01000000) kind="CORE MODULE (not a component)"; status=1 ;;
        *) kind="UNKNOWN header $magic"; status=1 ;;
    esac
    printf '%s  %8d bytes  [%s] %s\n' "$dst" "$(stat -c %s "$dst")" "$header" "$kind"
done
exit "$status"
