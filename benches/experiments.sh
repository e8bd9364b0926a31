#!/usr/bin/env bash
# Measures the changes proposed in docs/BENCHMARKS.md without making them:
# every variant is a build flag or a feature of the bench crate only, built
# into its own target directory. Not run by CI (about 20 minutes on 2 cores).
#
#   benches/experiments.sh [native] [wasm]      (default: both)
#
# Native (criterion, same filter for every variant):
#   shipped       the core as shipped (`--no-default-features`: no vodozemac
#                 in the build, so no precomputed tables)
#   poly-soft     shipped + RUSTFLAGS='--cfg poly1305_backend="soft"' (poly1305
#                 0.9's switch to its portable backend instead of runtime-detected AVX2)
#   tables        the build with vodozemac, whose curve25519-dalek
#                 `precomputed-tables` feature Cargo unifies into Sotto's
#                 (vodozemac measured in the same process: its reference)
#   soft+tables   both (vodozemac in the same process too)
# WebAssembly (Sotto's primitive layer, benches/src/wasm.rs, in Node, against
# libsodium-wrappers in the same process):
#   z             the npm package's profile (opt-level "z", wasm-opt -Oz)
#   o3            opt-level 3 and wasm-opt -O3
#   z-dalek64     --cfg curve25519_dalek_bits="64" (64-bit field arithmetic)
#   o3-dalek64    both
#   z-crypto-o3   opt-level "z" except opt-level 3 for the primitive crates
#                 (chacha20, poly1305, curve25519-dalek, sha2, ...) via
#                 profile package overrides (`cargo --config`)
#
# Writes bench-results/experiments.json (read by benches/report.py).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench-results/experiments"
mkdir -p "$out"
base_target=${CARGO_TARGET_DIR:-$root/target}
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(native wasm)
has() { [[ " ${parts[*]} " == *" $1 "* ]]; }

filter='^(cmp_|aead/(chacha20poly1305|xchacha20poly1305)/(seal|open)/64B|aead/chacha20poly1305/seal/1MiB|x25519/|ed25519/|sotto_handshake/|sotto_sealed/)'
crit_args=(--warm-up-time 0.5 --measurement-time 2 --noplot)

native() {
  local name=$1 target=$2 rustflags=$3 features=$4   # features: "" or --no-default-features
  echo "=== experiments: native $name"
  rm -rf "$out/native-$name"
  CARGO_TARGET_DIR=$target RUSTFLAGS=$rustflags CRITERION_HOME="$out/native-$name" \
    cargo bench -q -p sotto-bench $features \
    --bench vs_vodozemac --bench primitives --bench session -- "${crit_args[@]}" "$filter" \
    >"$out/native-$name.log" 2>&1 || { tail -30 "$out/native-$name.log"; exit 1; }
}

wasm_variant() {
  local name=$1 opt=$2 rustflags=$3 wasm_opt_level=$4
  shift 4 # the rest: extra cargo arguments
  local target="$root/target/bench-wasm-$name"
  echo "=== experiments: wasm $name"
  CARGO_TARGET_DIR=$target CARGO_PROFILE_WASM_RELEASE_OPT_LEVEL=$opt CARGO_PROFILE_WASM_RELEASE_STRIP=false \
    RUSTFLAGS="$rustflags" \
    cargo build -q -p sotto-bench --lib --target wasm32-unknown-unknown --profile wasm-release "$@"
  rm -rf "$out/wasm-$name"
  wasm-bindgen --target nodejs --out-dir "$out/wasm-$name" --out-name sotto_bench --no-typescript \
    "$target/wasm32-unknown-unknown/wasm-release/sotto_bench.wasm"
  "$root/js-tests/node_modules/.bin/wasm-opt" --enable-bulk-memory --enable-bulk-memory-opt \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-multivalue --enable-reference-types --enable-call-indirect-overlong \
    "$wasm_opt_level" --strip-debug --strip-producers \
    "$out/wasm-$name/sotto_bench_bg.wasm" -o "$out/wasm-$name/opt.wasm"
  mv "$out/wasm-$name/opt.wasm" "$out/wasm-$name/sotto_bench_bg.wasm"
}

if has native; then
  soft='--cfg poly1305_backend="soft"'
  native shipped "$base_target" "" --no-default-features
  native poly-soft "$root/target/bench-soft" "$soft" --no-default-features
  native tables "$base_target" "" ""
  native soft+tables "$root/target/bench-soft" "$soft" ""
fi

if has wasm; then
  dalek64='--cfg curve25519_dalek_bits="64"'
  wasm_variant z z "" -Oz
  wasm_variant o3 3 "" -O3
  wasm_variant z-dalek64 z "$dalek64" -Oz
  wasm_variant o3-dalek64 3 "$dalek64" -O3
  crypto_o3=()
  for crate in chacha20 poly1305 chacha20poly1305 universal-hash curve25519-dalek sha2 hmac hkdf; do
    crypto_o3+=(--config "profile.wasm-release.package.$crate.opt-level=3")
  done
  wasm_variant z-crypto-o3 z "" -Oz "${crypto_o3[@]}"
  echo "=== experiments: wasm measurements"
  (cd benches/js && node experiment.mjs "$out/wasm-z" "$out/wasm-o3" "$out/wasm-z-dalek64" "$out/wasm-o3-dalek64" "$out/wasm-z-crypto-o3") \
    >"$out/wasm.json"
fi

python3 benches/experiments_summary.py "$out" >"$root/bench-results/experiments.json"
echo "=== experiments: wrote bench-results/experiments.json"
