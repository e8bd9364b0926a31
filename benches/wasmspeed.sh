#!/usr/bin/env bash
# Issue 14 (WebAssembly speed under a 100 KB gzip budget): builds variants of
# the WebAssembly build and measures them against libsodium-wrappers (and
# @noble/post-quantum for ML-KEM) in the same process, in Node and in
# headless Chromium. Not run by CI (each variant is two fat-LTO builds).
#
#   benches/wasmspeed.sh build VARIANT...     build variants into bench-results/wasmspeed/
#   benches/wasmspeed.sh node [--short] VARIANT...      measure them in Node (JSON on stdout)
#   benches/wasmspeed.sh chromium [--short] VARIANT...  the same in headless Chromium
#   python3 benches/wasmspeed_report.py RESULT.json     markdown tables (benches/wasmspeed.md)
#
# A variant is: profile package overrides (opt-level per crate, on top of the
# workspace's `wasm-release-speed` profile, the main module's: `wasm-release`
# plus curve25519-dalek at 3 and the final crate at "z"), extra RUSTFLAGS,
# and the wasm-opt level. For each variant the script builds
#   prims-node, prims-web  Sotto's primitive layer (benches/src/wasm.rs)
#   dist/{web,node}        the npm package, laid out as scripts/build-wasm.sh does
# with the same wasm-bindgen and wasm-opt invocations as build-wasm.sh.
# Note: the package overrides of the workspace profile (Cargo.toml:
# sotto-kernels, chacha20, poly1305, sha2, curve25519-dalek at 3, sotto-wasm and
# sotto-bench at "z") apply underneath every variant unless a token sets those
# crates (so `curve` and `finalz` are no-ops since 2026-12-03's round, and
# `curves` + `final=s` is the previous shipped profile). The variants in docs/BENCHMARKS.md other than
# `shipped`-equivalent ones were built before those overrides existed (the
# profile was opt-level "z" for every crate). Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench-results/wasmspeed"
target=${CARGO_TARGET_DIR:-$root/target}
# The main module's profile (scripts/build-wasm.sh builds `sotto` with it).
profile=wasm-release-speed

# Crates whose code is the primitives: the AEAD, the curve, the hashes, the KEM.
crypto=(chacha20 poly1305 chacha20poly1305 universal-hash cipher inout aead
  curve25519-dalek ed25519-dalek sha2 hmac hkdf digest block-buffer
  ml-kem module-lattice sha3 keccak)

# variant NAME -> sets: base (opt-level of every crate, empty: the workspace
# profile), overrides (crate=level), rustflags, wasmopt. NAME is a list of
# tokens joined by "+", e.g. "z+hot+simd+wO3":
#   z | s | o3    base opt-level of every crate (default: the workspace profile)
#   hot           opt-level 3 for the hot primitive crates: chacha20, poly1305,
#                 sha2, curve25519-dalek
#   poly          opt-level 3 for poly1305
#   cp            opt-level 3 for chacha20 and poly1305
#   aead          opt-level 3 for chacha20, poly1305, sha2 (not the curve)
#   crypto        opt-level 3 for every primitive crate (the list above)
#   sotto3 sotto2 sottos  opt-level 3 / 2 / "s" for the sotto crate (where the AEAD's
#                 generic code was instantiated before sotto-kernels; ml-kem's still is)
#   curve         opt-level 3 for curve25519-dalek (X25519, Ed25519 arithmetic;
#                 not in the workspace profile since ratchet v2: over the budget)
#   curves        opt-level "s" for curve25519-dalek
#   ed            opt-level 3 for ed25519-dalek
#   kerns         opt-level "s" for sotto-kernels (the concrete AEAD/HMAC/HKDF
#                 calls, at 3 in the workspace profile)
#   final3        opt-level 3 for the final crate (sotto-wasm, sotto-bench),
#                 whose opt-level drives the fat-LTO pipeline
#   simd          -C target-feature=+simd128
#   dalek64       --cfg curve25519_dalek_bits="64"
#   wOz wOs wO2 wO3 wasm-opt level (default -Oz, as build-wasm.sh)
#   conv          wasm-opt --converge --zero-filled-memory (the module defines
#                 its memory, so it is zero-filled by the spec)
#   shipped       the workspace profile and build-wasm.sh's wasm-opt level
#   CRATE=LEVEL   opt-level LEVEL (0-3, s, z) for one crate, e.g. ml-kem=z
#   finalz        opt-level "z" for the final crate (sotto-wasm, sotto-bench)
#   final=s       opt-level "s" for the final crate
#   glue=z        opt-level "z" for wasm-bindgen, js-sys and the binding crate
#   lean          opt-level "z" for the crates that are not hot: sotto, the
#                 binding crates, ed25519-dalek, wasm-bindgen/js-sys, serde-free
#                 glue (every crate not at 3 and not ML-KEM's)
#   wstrip        wasm-opt --strip-target-features in addition (no effect on
#                 the shipped module's bytes other than the section)
variant() {
  overrides=()
  rustflags=""
  wasmopt=-Oz
  wasmopt_extra=()
  base=""
  local c tok
  local IFS=+
  for tok in $1; do
    case "$tok" in
      shipped) # the workspace profile with scripts/build-wasm.sh's flags (keep in sync)
        rustflags+=" -C target-feature=+simd128"
        wasmopt_extra+=(--converge --zero-filled-memory) ;;
      z) base=z ;;
      s) base=s ;;
      o3) base=3 ;;
      hot) for c in chacha20 poly1305 sha2 curve25519-dalek; do overrides+=("$c=3"); done ;;
      poly) overrides+=("poly1305=3") ;;
      cp) overrides+=("chacha20=3" "poly1305=3") ;;
      aead) for c in chacha20 poly1305 sha2; do overrides+=("$c=3"); done ;;
      crypto) for c in "${crypto[@]}"; do overrides+=("$c=3"); done ;;
      sotto3) overrides+=("sotto=3") ;;
      curve) overrides+=("curve25519-dalek=3") ;;
      curves) overrides+=("curve25519-dalek=s") ;;
      ed) overrides+=("ed25519-dalek=3") ;;
      kerns) overrides+=("sotto-kernels=s") ;;
      sottos) overrides+=("sotto=s") ;;
      sotto2) overrides+=("sotto=2") ;;
      final3) overrides+=("sotto-wasm=3" "sotto-bench=3") ;;
      finalz) overrides+=("sotto-wasm=z" "sotto-bench=z") ;;
      final=s) overrides+=("sotto-wasm=s" "sotto-bench=s") ;;
      glue=z) for c in wasm-bindgen js-sys sotto-wasm sotto-bench; do overrides+=("$c=z"); done ;;
      lean) for c in sotto sotto-wasm sotto-bench ed25519-dalek wasm-bindgen js-sys \
          zeroize subtle getrandom rand_core signature; do overrides+=("$c=z"); done ;;
      wstrip) wasmopt_extra+=(--strip-target-features) ;;
      *=?) overrides+=("$tok") ;;
      simd) rustflags+=" -C target-feature=+simd128" ;;
      dalek64) rustflags+=' --cfg curve25519_dalek_bits="64"' ;;
      conv) wasmopt_extra+=(--converge --zero-filled-memory) ;;
      wOz | wOs | wO2 | wO3) wasmopt=-${tok#w} ;;
      *) echo "wasmspeed: unknown variant token $tok" >&2; exit 2 ;;
    esac
  done
}

features=(--enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-multivalue --enable-reference-types
  --enable-call-indirect-overlong)

build() {
  local name=$1
  variant "$name"
  local args=() o lvl
  if [ -n "$base" ]; then
    lvl=$base
    [[ "$lvl" =~ ^[0-9]$ ]] || lvl="\"$lvl\""
    args+=(--config "profile.$profile.opt-level=$lvl")
  fi
  for o in "${overrides[@]+"${overrides[@]}"}"; do
    lvl=${o#*=}
    [[ "$lvl" =~ ^[0-9]$ ]] || lvl="\"$lvl\""
    args+=(--config "profile.$profile.package.${o%%=*}.opt-level=$lvl")
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
  local crates=(sotto-bench sotto-wasm)
  # WASMSPEED_PKG_ONLY=1: the package only (sizes while exploring; no speed runs).
  [ -n "${WASMSPEED_PKG_ONLY:-}" ] && crates=(sotto-wasm)
  for crate in "${crates[@]}"; do
    CARGO_PROFILE_WASM_RELEASE_STRIP=false CARGO_PROFILE_WASM_RELEASE_SPEED_STRIP=false cargo build -q -p "$crate" \
      --target wasm32-unknown-unknown --profile "$profile" "${args[@]+"${args[@]}"}" --lib
    wasm="$target/wasm32-unknown-unknown/$profile/${crate//-/_}.wasm"
    [ -n "${WASMSPEED_CARGO_ONLY:-}" ] && continue # warm the cargo cache only
    cp "$wasm" "$dir/${crate//-/_}.names.wasm" # with names, for benches/wasm_funcsizes.py
    for t in web nodejs; do
      local o_dir="$dir/$crate-$t"
      wasm-bindgen --target "$t" --out-dir "$o_dir" --out-name "${crate//-/_}" --no-typescript "$wasm"
      "$root/js-tests/node_modules/.bin/wasm-opt" "${features[@]}" "${simd_feature[@]+"${simd_feature[@]}"}" \
        "$wasmopt" "${wasmopt_extra[@]+"${wasmopt_extra[@]}"}" --strip-debug --strip-producers \
        "$o_dir/${crate//-/_}_bg.wasm" -o "$o_dir/opt.wasm"
      mv "$o_dir/opt.wasm" "$o_dir/${crate//-/_}_bg.wasm"
    done
  done
  unset RUSTFLAGS
  [ -n "${WASMSPEED_CARGO_ONLY:-}" ] && return
  # Primitive layer.
  if [ -z "${WASMSPEED_PKG_ONLY:-}" ]; then
    mv "$dir/sotto-bench-nodejs" "$dir/prims-node"
    mv "$dir/sotto-bench-web" "$dir/prims-web"
  fi
  # The package, as scripts/build-wasm.sh lays it out.
  local src="$root/pkg/src" dist="$dir/dist"
  mkdir -p "$dist/web" "$dist/node"
  cp "$dir/sotto-wasm-web/sotto_wasm.js" "$dir/sotto-wasm-web/sotto_wasm_bg.wasm" "$dist/web/"
  # Whole-line comments left out and minified, as scripts/build-wasm.sh does.
  grep -v '^[[:space:]]*//' "$src/api.js" >"$dist/web/api.js"
  grep -v '^[[:space:]]*//' "$src/web.js" >"$dist/web/index.js"
  node "$root/scripts/minify.mjs" "$dist/web/sotto_wasm.js" "$dist/web/api.js" "$dist/web/index.js"
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
  python3 - "$dir" "$name" "${args[*]:-} $rustflags wasm-opt $wasmopt ${wasmopt_extra[*]:-}" >"$dir/sizes.json" <<'EOF'
import json, os, subprocess, sys
d, name, how = sys.argv[1:4]
def size(p):
    # gzip -9 -n, as scripts/test-wasm.sh and js-tests/size.test.mjs count.
    gz = subprocess.run(["gzip", "-9", "-n", "-c", p], capture_output=True, check=True).stdout
    return os.path.getsize(p), len(gz)
web = [size(os.path.join(d, "dist/web", f)) for f in ["sotto_wasm_bg.wasm", "sotto_wasm.js", "api.js", "index.js"]]
print(json.dumps({
    "variant": name, "how": how.strip(),
    "package_wasm": dict(zip(["bytes", "gzip"], web[0])),
    "web_total": {"bytes": sum(w[0] for w in web), "gzip": sum(w[1] for w in web)},
    "prims_wasm": dict(zip(["bytes", "gzip"], size(os.path.join(d, "prims-node/sotto_bench_bg.wasm"))))
    if os.path.exists(os.path.join(d, "prims-node")) else None,
}))
EOF
  cat "$dir/sizes.json" >&2
}

cmd=${1:-}
shift || true
case "$cmd" in
  build) for v in "$@"; do build "$v"; done ;;
  node | chromium)
    runner_args=()
    for a in "$@"; do
      if [[ "$a" == --* ]]; then runner_args+=("$a"); else runner_args+=("$out/$a"); fi
    done
    (cd benches/js && node "speed-$cmd.mjs" "${runner_args[@]}") ;;
  *) sed -n '2,18p' "$0" >&2; exit 2 ;;
esac
