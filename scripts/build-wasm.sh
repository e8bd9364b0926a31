#!/usr/bin/env bash
# Builds the npm package `sotto` into pkg/dist (git-ignored) from the Rust
# crate bindings/wasm:
#
#   cargo build (profile wasm-release) -> wasm-bindgen (web + nodejs targets)
#   -> wasm-opt -Oz (npm binaryen) -> pkg/dist/{web,node} + type declarations
#
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen-cli at exactly the
# version of the wasm-bindgen crate in Cargo.lock, and `npm ci` in js-tests/
# (for wasm-opt). scripts/test-wasm.sh installs all of them. Works offline.
# Honours CARGO_TARGET_DIR. The output is reproducible: paths are remapped, and
# the script prints the SHA-256 of every file it writes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
root=$ROOT

want=$(lock_version wasm-bindgen)
have=$(tool_version "wasm-bindgen --version")
if [ "$want" != "$have" ]; then
  echo "build-wasm: wasm-bindgen CLI is '${have:-missing}', Cargo.lock has $want;" >&2
  echo "  install it with: cargo install wasm-bindgen-cli --version $want   (without --locked)" >&2
  exit 1
fi
wasm_opt="$root/js-tests/node_modules/.bin/wasm-opt"
if [ ! -x "$wasm_opt" ]; then
  echo "build-wasm: $wasm_opt missing; run: (cd js-tests && npm ci)" >&2
  exit 1
fi

target_dir=$(cargo_target_dir)

# Remap build paths so that the .wasm does not depend on where the sources
# live (panic locations are embedded even with panic=abort).
cargo_home=${CARGO_HOME:-$HOME/.cargo}
export RUSTFLAGS="--remap-path-prefix=$root=/sotto --remap-path-prefix=$cargo_home=/cargo ${SOTTO_WASM_RUSTFLAGS:-}"
# strip=false (env override of the workspace profile) keeps the target_features
# section that wasm-bindgen reads; wasm-opt strips names and debug info below.
CARGO_PROFILE_WASM_RELEASE_STRIP=false cargo build -p sotto-wasm --target wasm32-unknown-unknown --profile wasm-release
input="$target_dir/wasm32-unknown-unknown/wasm-release/sotto_wasm.wasm"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in web nodejs; do
  wasm-bindgen --target "$target" --out-dir "$work/$target" --out-name sotto_wasm \
    --no-typescript "$input"
  wasm_opt_size "$work/$target/sotto_wasm_bg.wasm" "$work/$target/opt.wasm"
  mv "$work/$target/opt.wasm" "$work/$target/sotto_wasm_bg.wasm"
done

dist="$root/pkg/dist"
rm -rf "$dist"
mkdir -p "$dist/web" "$dist/node"
src="$root/pkg/src"

# Web build (browsers and bundlers): ES modules.
cp "$work/web/sotto_wasm.js" "$work/web/sotto_wasm_bg.wasm" "$dist/web/"
cp "$src/api.js" "$dist/web/api.js"
cp "$src/web.js" "$dist/web/index.js"

# Node build: CommonJS (loads the .wasm synchronously) plus an ESM facade.
cp "$work/nodejs/sotto_wasm.js" "$work/nodejs/sotto_wasm_bg.wasm" "$dist/node/"
printf '{\n  "type": "commonjs"\n}\n' >"$dist/node/package.json"
if grep -nE '^(import|export) ' "$src/api.js" | grep -v '^[0-9]*:export function bind(' >/dev/null; then
  echo "build-wasm: pkg/src/api.js must have exactly one export (function bind)" >&2
  exit 1
fi
{
  echo "'use strict';"
  sed 's/^export function bind(/function bind(/' "$src/api.js"
  echo 'module.exports = { bind };'
} >"$dist/node/api.js"
cp "$src/node.cjs" "$dist/node/index.js"
cp "$src/node.mjs" "$dist/node/index.mjs"

# Type declarations: the same text for import (ESM) and require (CJS).
cp "$src/sotto.d.ts" "$dist/sotto.d.ts"
cp "$src/sotto.d.ts" "$dist/sotto.d.cts"

echo
echo "build-wasm: wrote $dist"
(cd "$dist" && find . -type f | LC_ALL=C sort | xargs sha256sum)
echo
printf '%-28s %10s %10s\n' file bytes gzip-9
for f in web/sotto_wasm_bg.wasm web/sotto_wasm.js web/api.js web/index.js node/sotto_wasm_bg.wasm node/sotto_wasm.js; do
  printf '%-28s %10d %10d\n' "$f" "$(wc -c <"$dist/$f")" "$(gzip -9 -n -c "$dist/$f" | wc -c)"
done
