#!/usr/bin/env bash
# vodozemac (Olm) 0.11.1 in WebAssembly for the JavaScript bench of ratchet
# version 2 (pqratchet-cases.js): builds benches/js/pqratchet-olm (a crate
# and workspace of its own, `OlmPair`) and writes the wasm-bindgen modules
# to bench-results/wasm-olm/{node,web}, where pqratchet-node.mjs and
# pqratchet-chromium.mjs find them. Outside Sotto's workspace so that
# vodozemac's features reach neither Sotto nor the primitive layer of
# bench-results/wasm-prims. Its release profile is opt-level 3 with fat LTO
# (vodozemac's speed as an application would build it). Not run by CI
# (scripts/bench.sh): one fat-LTO build. Honours CARGO_TARGET_DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
out="$root/bench-results/wasm-olm"
cargo build -q --locked --manifest-path benches/js/pqratchet-olm/Cargo.toml --lib \
  --target wasm32-unknown-unknown --release
rm -rf "$out"
for t in node web; do
  flavour=$t
  if [ "$t" = node ]; then flavour=nodejs; fi
  wasm-bindgen --target "$flavour" --out-dir "$out/$t" --out-name sotto_bench --no-typescript \
    "$target/wasm32-unknown-unknown/release/sotto_bench_olm.wasm"
done
echo "pqratchet-olm: $out/{node,web}"
