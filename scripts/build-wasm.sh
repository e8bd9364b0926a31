#!/usr/bin/env bash
# Builds the npm package `sotto` into pkg/dist (git-ignored) from the Rust
# crate bindings/wasm:
#
#   cargo build (profiles wasm-release-speed, wasm-release) -> wasm-bindgen (web + nodejs targets)
#   -> wasm-opt -Oz --converge (npm binaryen) -> pkg/dist/{web,node} + type declarations
#   (the web build's JavaScript minified: scripts/minify.mjs)
#
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen-cli at exactly the
# version of the wasm-bindgen crate in Cargo.lock, and `npm ci` in js-tests/
# (for wasm-opt, and rolldown's minifier for the web build's JavaScript). scripts/test-wasm.sh installs all of them. Works offline.
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
# simd128: WebAssembly SIMD (all current browsers; Node >= 16.4), see the
# wasm-release profile in Cargo.toml.
export RUSTFLAGS="--remap-path-prefix=$root=/sotto --remap-path-prefix=$cargo_home=/cargo -C target-feature=+simd128 ${SOTTO_WASM_RUSTFLAGS:-}"
# strip=false (env override of the workspace profile) keeps the target_features
# section that wasm-bindgen reads; wasm-opt strips names and debug info below.
# The main module: profile wasm-release-speed (wasm-release plus
# curve25519-dalek at 3; Cargo.toml). The other modules: wasm-release.
export CARGO_PROFILE_WASM_RELEASE_SPEED_STRIP=false
CARGO_PROFILE_WASM_RELEASE_STRIP=false cargo build -p sotto-wasm --target wasm32-unknown-unknown --profile wasm-release-speed
input="$target_dir/wasm32-unknown-unknown/wasm-release-speed/sotto_wasm.wasm"

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

# Web build (browsers and bundlers): ES modules. Whole-line `//` comments are
# left out of the shipped JavaScript (about 3 KB of the 100 KB gzip budget);
# exact because neither file has a multi-line string or template literal.
strip_comments() {
  if ! awk '{ if (gsub(/`/, "`") % 2) bad = 1 } END { exit bad }' "$1"; then
    echo "build-wasm: $1 has a multi-line template literal; cannot strip comments" >&2
    exit 1
  fi
  grep -v '^[[:space:]]*//' "$1"
}
cp "$work/web/sotto_wasm.js" "$work/web/sotto_wasm_bg.wasm" "$dist/web/"
strip_comments "$src/api.js" >"$dist/web/api.js"
strip_comments "$src/web.js" >"$dist/web/index.js"
# Minified (locals renamed, whitespace out; exported, property, function and
# class names kept): about 4.7 KB of the 100 KB gzip budget (issue 14). The
# Node build below stays readable.
node "$root/scripts/minify.mjs" "$dist/web/sotto_wasm.js" "$dist/web/api.js" "$dist/web/index.js"

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

# `sotto/attachments`: its own module (bindings/wasm-attachments), built the
# same way, so that the chat module above is unchanged by it.
CARGO_PROFILE_WASM_RELEASE_STRIP=false cargo build -p sotto-wasm-attachments --target wasm32-unknown-unknown --profile wasm-release
input="$target_dir/wasm32-unknown-unknown/wasm-release/sotto_wasm_attachments.wasm"
for target in web nodejs; do
  wasm-bindgen --target "$target" --out-dir "$work/att-$target" --out-name sotto_attachments \
    --no-typescript --weak-refs "$input"
  wasm_opt_size "$work/att-$target/sotto_attachments_bg.wasm" "$work/att-$target/opt.wasm"
  mv "$work/att-$target/opt.wasm" "$work/att-$target/sotto_attachments_bg.wasm"
done
mkdir -p "$dist/attachments/web" "$dist/attachments/node"
cp "$work/att-web/sotto_attachments.js" "$work/att-web/sotto_attachments_bg.wasm" "$dist/attachments/web/"
strip_comments "$src/attachments.js" >"$dist/attachments/web/core.js"
strip_comments "$src/attachments-web.js" >"$dist/attachments/web/index.js"
cp "$work/att-nodejs/sotto_attachments.js" "$work/att-nodejs/sotto_attachments_bg.wasm" "$dist/attachments/node/"
printf '{\n  "type": "commonjs"\n}\n' >"$dist/attachments/node/package.json"
{
  echo "'use strict';"
  sed 's/^export function bind(/function bind(/' "$src/attachments.js"
  echo 'module.exports = { bind };'
} >"$dist/attachments/node/core.js"
cp "$src/attachments-node.cjs" "$dist/attachments/node/index.js"
cp "$src/attachments-node.mjs" "$dist/attachments/node/index.mjs"
cp "$src/attachments.d.ts" "$dist/attachments.d.ts"
cp "$src/attachments.d.ts" "$dist/attachments.d.cts"

# `sotto/groups` and `sotto/devices`: modules of their own
# (bindings/wasm-groups, bindings/wasm-devices), built the same way; each
# core.js is pkg/src/kit.js (shared helpers) followed by the entry's file.
for sub in groups devices; do
  CARGO_PROFILE_WASM_RELEASE_STRIP=false cargo build -p "sotto-wasm-$sub" --target wasm32-unknown-unknown --profile wasm-release
  input="$target_dir/wasm32-unknown-unknown/wasm-release/sotto_wasm_$sub.wasm"
  for target in web nodejs; do
    wasm-bindgen --target "$target" --out-dir "$work/$sub-$target" --out-name "sotto_$sub" \
      --no-typescript --weak-refs "$input"
    wasm_opt_size "$work/$sub-$target/sotto_${sub}_bg.wasm" "$work/$sub-$target/opt.wasm"
    mv "$work/$sub-$target/opt.wasm" "$work/$sub-$target/sotto_${sub}_bg.wasm"
  done
  mkdir -p "$dist/$sub/web" "$dist/$sub/node"
  cp "$work/$sub-web/sotto_$sub.js" "$work/$sub-web/sotto_${sub}_bg.wasm" "$dist/$sub/web/"
  { strip_comments "$src/kit.js"; strip_comments "$src/$sub.js"; } >"$dist/$sub/web/core.js"
  strip_comments "$src/$sub-web.js" >"$dist/$sub/web/index.js"
  cp "$work/$sub-nodejs/sotto_$sub.js" "$work/$sub-nodejs/sotto_${sub}_bg.wasm" "$dist/$sub/node/"
  printf '{\n  "type": "commonjs"\n}\n' >"$dist/$sub/node/package.json"
  {
    echo "'use strict';"
    cat "$src/kit.js"
    sed 's/^export function bind(/function bind(/' "$src/$sub.js"
    echo 'module.exports = { bind };'
  } >"$dist/$sub/node/core.js"
  cp "$src/$sub-node.cjs" "$dist/$sub/node/index.js"
  cp "$src/$sub-node.mjs" "$dist/$sub/node/index.mjs"
  cp "$src/$sub.d.ts" "$dist/$sub.d.ts"
  cp "$src/$sub.d.ts" "$dist/$sub.d.cts"
done

# `sotto/multidevice`: the main entry plus session records and sending to a
# person (PROTOCOL.md §17, §20), one module built from bindings/wasm with the
# features `records` and `contact` (records and contacts take the main
# entry's accounts and sessions, so they must live in the same module). Its
# api.js is the main entry's; records.js adds the classes through bind's
# third argument; index.js is the main web.js, binding with it and exporting
# the added names. The main module above is unchanged by it.
CARGO_PROFILE_WASM_RELEASE_STRIP=false cargo build -p sotto-wasm --features contact --target wasm32-unknown-unknown --profile wasm-release-speed
input="$target_dir/wasm32-unknown-unknown/wasm-release-speed/sotto_wasm.wasm"
for target in web nodejs; do
  wasm-bindgen --target "$target" --out-dir "$work/md-$target" --out-name sotto_wasm \
    --no-typescript "$input"
  wasm_opt_size "$work/md-$target/sotto_wasm_bg.wasm" "$work/md-$target/opt.wasm"
  mv "$work/md-$target/opt.wasm" "$work/md-$target/sotto_wasm_bg.wasm"
done
if grep -nE '^(import|export) ' "$src/records.js" | grep -v '^[0-9]*:export function extend(' >/dev/null; then
  echo "build-wasm: pkg/src/records.js must have exactly one export (function extend)" >&2
  exit 1
fi
md="$dist/multidevice"
mkdir -p "$md/web" "$md/node"
cp "$work/md-web/sotto_wasm.js" "$work/md-web/sotto_wasm_bg.wasm" "$md/web/"
strip_comments "$src/api.js" >"$md/web/api.js"
strip_comments "$src/records.js" >"$md/web/records.js"
bind_line='const api = bind(glue, () => ready);'
if [ "$(grep -cxF "$bind_line" "$src/web.js")" != 1 ]; then
  echo "build-wasm: pkg/src/web.js must have the line '$bind_line' exactly once (sotto/multidevice derives its entry from it)" >&2
  exit 1
fi
{
  echo "import { extend } from './records.js';"
  strip_comments "$src/web.js" | sed "s/^const api = bind(glue, () => ready);\$/const api = bind(glue, () => ready, extend);/"
  echo 'export const { SessionRecord, Contact, sendToPerson } = api;'
} >"$md/web/index.js"
node "$root/scripts/minify.mjs" "$md/web/sotto_wasm.js" "$md/web/api.js" "$md/web/records.js" "$md/web/index.js"
cp "$work/md-nodejs/sotto_wasm.js" "$work/md-nodejs/sotto_wasm_bg.wasm" "$md/node/"
printf '{\n  "type": "commonjs"\n}\n' >"$md/node/package.json"
cp "$dist/node/api.js" "$md/node/api.js"
{
  echo "'use strict';"
  sed 's/^export function extend(/function extend(/' "$src/records.js"
  echo 'module.exports = { extend };'
} >"$md/node/records.js"
cp "$src/multidevice-node.cjs" "$md/node/index.js"
cp "$src/multidevice-node.mjs" "$md/node/index.mjs"
cp "$src/multidevice.d.ts" "$dist/multidevice.d.ts"
sed "s|'./sotto.js'|'./sotto.cjs'|" "$src/multidevice.d.ts" >"$dist/multidevice.d.cts"

echo
echo "build-wasm: wrote $dist"
(cd "$dist" && find . -type f | LC_ALL=C sort | xargs sha256sum)
echo
printf '%-42s %10s %10s\n' file bytes gzip-9
for f in web/sotto_wasm_bg.wasm web/sotto_wasm.js web/api.js web/index.js node/sotto_wasm_bg.wasm node/sotto_wasm.js \
  attachments/web/sotto_attachments_bg.wasm attachments/web/sotto_attachments.js attachments/web/core.js attachments/web/index.js \
  groups/web/sotto_groups_bg.wasm groups/web/sotto_groups.js groups/web/core.js groups/web/index.js \
  devices/web/sotto_devices_bg.wasm devices/web/sotto_devices.js devices/web/core.js devices/web/index.js \
  multidevice/web/sotto_wasm_bg.wasm multidevice/web/sotto_wasm.js multidevice/web/api.js multidevice/web/records.js \
  multidevice/web/index.js; do
  printf '%-42s %10d %10d\n' "$f" "$(wc -c <"$dist/$f")" "$(gzip -9 -n -c "$dist/$f" | wc -c)"
done
