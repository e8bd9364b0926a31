#!/usr/bin/env bash
# Issue 14 (WebAssembly speed under a 100 KB gzip budget): builds variants of
# the WebAssembly build and measures them against libsodium-wrappers (and
# @noble/post-quantum for ML-KEM) in the same process, in Node and in
# headless Chromium. Not run by CI (each variant is two fat-LTO builds).
#
#   benches/wasmspeed.sh build VARIANT...     build variants into bench-results/wasmspeed/
#   benches/wasmspeed.sh node VARIANT...      measure them in Node (JSON on stdout)
#   benches/wasmspeed.sh chromium VARIANT...  measure them in headless Chromium
#   benches/wasmspeed.sh list                 the variants
#
# A variant is: profile package overrides (opt-level per crate, on top of the
# workspace's `wasm-release` profile), extra RUSTFLAGS, and the wasm-opt
# level. For each variant the script builds
#   prims/{node,web}  Sotto's primitive layer (benches/src/wasm.rs)
#   dist/{web,node}   the npm package, laid out as scripts/build-wasm.sh does
# with the same wasm-bindgen and wasm-opt invocations as build-wasm.sh.
# Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench-results/wasmspeed"
target=${CARGO_TARGET_DIR:-$root/target}

# Crates whose code is the primitives: the AEAD, the curve, the hashes, the KEM.
crypto=(chacha20 poly1305 chacha20poly1305 universal-hash cipher inout aead
  curve25519-dalek ed25519-dalek sha2 hmac hkdf digest block-buffer
  ml-kem module-lattice sha3 keccak)

# variant NAME -> sets: overrides (array of crate=level), rustflags, wasmopt
variant() {
  overrides=()
  rustflags=""
  wasmopt=-Oz
  base=""
  local c
  case "$1" in
    z) ;;                                    # as shipped before issue 14
    o3) base=3 wasmopt=-O3 ;;               # everything at opt-level 3
    o3-simd) base=3 wasmopt=-O3 rustflags="-C target-feature=+simd128" ;;
    o3-dalek64) base=3 wasmopt=-O3 rustflags='--cfg curve25519_dalek_bits="64"' ;;
    mix | mix-simd | mix-o3 | mix-oz | mix-s)
      # The primitive crates, sotto (where the AEAD's generics are
      # instantiated) and the final crate (whose opt-level drives the fat-LTO
      # pipeline) at 3; everything else (wasm-bindgen, js-sys, ...) at "z".
      for c in "${crypto[@]}" sotto sotto-wasm sotto-bench; do overrides+=("$c=3"); done
      case "$1" in
        mix) wasmopt=-O3 ;;
        mix-simd) wasmopt=-O3 rustflags="-C target-feature=+simd128" ;;
        mix-o3) wasmopt=-O3 ;;
        mix-oz) wasmopt=-Oz ;;
        mix-s) wasmopt=-Os ;;
      esac ;;
    crypto3-sotto-s)
      # Primitive crates at 3, sotto and the final crate at "s".
      for c in "${crypto[@]}"; do overrides+=("$c=3"); done
      for c in sotto sotto-wasm sotto-bench; do overrides+=("$c=s"); done
      wasmopt=-O3 ;;
    crypto3-final3)
      # Primitive crates and the final crate at 3, sotto at "z".
      for c in "${crypto[@]}" sotto-wasm sotto-bench; do overrides+=("$c=3"); done
      wasmopt=-O3 ;;
    shipped) ;;                              # the workspace profile as committed
    *) echo "wasmspeed: unknown variant $1" >&2; exit 2 ;;
  esac
}
all_variants="z o3 o3-simd o3-dalek64 mix mix-simd mix-oz mix-s crypto3-sotto-s crypto3-final3 shipped"

features=(--enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-multivalue --enable-reference-types
  --enable-call-indirect-overlong)

build() {
  local name=$1
  variant "$name"
  local args=() o lvl
  if [ -n "$base" ]; then args+=(--config "profile.wasm-release.opt-level=$base"); fi
  for o in "${overrides[@]+"${overrides[@]}"}"; do
    lvl=${o#*=}
    [[ "$lvl" =~ ^[0-9]$ ]] || lvl="\"$lvl\""
    args+=(--config "profile.wasm-release.package.${o%%=*}.opt-level=$lvl")
  done
  local simd_feature=()
  [[ "$rustflags" == *simd128* ]] && simd_feature=(--enable-simd)
  local dir="$out/$name"
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "=== wasmspeed: build $name (${args[*]:-workspace profile} $rustflags, wasm-opt $wasmopt)" >&2
  local cargo_home=${CARGO_HOME:-$HOME/.cargo}
  export RUSTFLAGS="--remap-path-prefix=$root=/sotto --remap-path-prefix=$cargo_home=/cargo $rustflags"
  local crate wasm t
  for crate in sotto-bench sotto-wasm; do
    CARGO_PROFILE_WASM_RELEASE_STRIP=false cargo build -q -p "$crate" \
      --target wasm32-unknown-unknown --profile wasm-release "${args[@]+"${args[@]}"}" --lib
    wasm="$target/wasm32-unknown-unknown/wasm-release/${crate//-/_}.wasm"
    [ -n "${WASMSPEED_CARGO_ONLY:-}" ] && continue # warm the cargo cache only
    for t in web nodejs; do
      local o_dir="$dir/$crate-$t"
      wasm-bindgen --target "$t" --out-dir "$o_dir" --out-name "${crate//-/_}" --no-typescript "$wasm"
      "$root/js-tests/node_modules/.bin/wasm-opt" "${features[@]}" "${simd_feature[@]+"${simd_feature[@]}"}" \
        "$wasmopt" --strip-debug --strip-producers \
        "$o_dir/${crate//-/_}_bg.wasm" -o "$o_dir/opt.wasm"
      mv "$o_dir/opt.wasm" "$o_dir/${crate//-/_}_bg.wasm"
    done
  done
  unset RUSTFLAGS
  [ -n "${WASMSPEED_CARGO_ONLY:-}" ] && return
  # Primitive layer.
  mv "$dir/sotto-bench-nodejs" "$dir/prims-node"
  mv "$dir/sotto-bench-web" "$dir/prims-web"
  # The package, as scripts/build-wasm.sh lays it out.
  local src="$root/pkg/src" dist="$dir/dist"
  mkdir -p "$dist/web" "$dist/node"
  cp "$dir/sotto-wasm-web/sotto_wasm.js" "$dir/sotto-wasm-web/sotto_wasm_bg.wasm" "$dist/web/"
  cp "$src/api.js" "$dist/web/api.js"
  cp "$src/web.js" "$dist/web/index.js"
  cp "$dir/sotto-wasm-nodejs/sotto_wasm.js" "$dir/sotto-wasm-nodejs/sotto_wasm_bg.wasm" "$dist/node/"
  printf '{\n  "type": "commonjs"\n}\n' >"$dist/node/package.json"
  {
    echo "'use strict';"
    sed 's/^export function bind(/function bind(/' "$src/api.js"
    echo 'module.exports = { bind };'
  } >"$dist/node/api.js"
  cp "$src/node.cjs" "$dist/node/index.js"
  rm -rf "$dir/sotto-wasm-web" "$dir/sotto-wasm-nodejs"
  # Sizes: the package's web total (what test-wasm.sh budgets) and the
  # primitive layer's module.
  python3 - "$dir" "$name" "${args[*]:-} $rustflags wasm-opt $wasmopt" >"$dir/sizes.json" <<'EOF'
import gzip, json, os, sys
d, name, how = sys.argv[1:4]
def size(p):
    b = open(p, "rb").read()
    return len(b), len(gzip.compress(b, compresslevel=9, mtime=0))
web = [size(os.path.join(d, "dist/web", f)) for f in ["sotto_wasm_bg.wasm", "sotto_wasm.js", "api.js", "index.js"]]
print(json.dumps({
    "variant": name, "how": how.strip(),
    "package_wasm": dict(zip(["bytes", "gzip"], web[0])),
    "web_total": {"bytes": sum(w[0] for w in web), "gzip": sum(w[1] for w in web)},
    "prims_wasm": dict(zip(["bytes", "gzip"], size(os.path.join(d, "prims-node/sotto_bench_bg.wasm")))),
}))
EOF
  cat "$dir/sizes.json" >&2
}

cmd=${1:-}
shift || true
case "$cmd" in
  list) echo "$all_variants" ;;
  build) for v in "$@"; do build "$v"; done ;;
  node) (cd benches/js && node speed-node.mjs "${@/#/$out/}") ;;
  chromium) (cd benches/js && node speed-chromium.mjs "${@/#/$out/}") ;;
  *) sed -n '2,18p' "$0" >&2; exit 2 ;;
esac
