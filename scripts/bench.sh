#!/usr/bin/env bash
# Runs every benchmark of Sotto and writes bench-results/latest.{json,md,svg}.
#
#   scripts/bench.sh           full run (about 15 minutes on 2 cores)
#   scripts/bench.sh --short   quick run for CI (a few minutes): fewer and
#                              shorter samples, reuses pkg/dist when present
#   scripts/bench.sh --publish full run, then copies the report to
#                              docs/BENCHMARKS.md, docs/benchmarks.json and
#                              benches/report/benchmarks.svg (to commit)
#                              (the report ends with the written-up
#                              sections benches/{analysis,wasmspeed,
#                              attachments,devices,groups}.md, so
#                              publishing keeps them)
#
# When bench-results/experiments.json exists (benches/experiments.sh), the
# report includes it.
#
# 1. native criterion benches of the sotto-bench crate (benches/): Sotto's
#    primitive layer, handshake steps, skipped keys, sealed state, and the
#    head-to-head with vodozemac (Olm) in the same run;
# 2. object sizes (the sotto-sizes binary);
# 3. the npm package (scripts/build-wasm.sh) and Sotto's primitive layer built
#    for wasm32 with the package's profile, benchmarked in Node against
#    @noble, libsodium-wrappers and node:crypto (benches/js), after
#    cross-checking their outputs; `sotto/attachments` against libsodium's
#    secretstream in Node and headless Chromium (bench-results/attachments-*.json);
# 4. the report (benches/report.py: tables + an SVG chart, no network).
#
# Fails when a benchmark or a cross-check fails, never because of a timing.
# Honours CARGO_TARGET_DIR. Needs what scripts/test-wasm.sh installs
# (wasm32 target, wasm-bindgen CLI, js-tests/node_modules for wasm-opt).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
root=$ROOT

mode=full
publish=no
for arg in "$@"; do
  case "$arg" in
    --short) mode=short ;;
    --publish) publish=yes ;;
    *) echo "usage: scripts/bench.sh [--short | --publish]" >&2; exit 2 ;;
  esac
done
if [ "$mode" = short ] && [ "$publish" = yes ]; then
  echo "bench: --publish needs a full run" >&2
  exit 2
fi
command="scripts/bench.sh${1:+ $1}"
started=$(date +%s)
say() { echo "=== bench: $* ($(( $(date +%s) - started ))s)"; }

results="$root/bench-results"
target_dir=$(cargo_target_dir)
mkdir -p "$results"
rm -rf "$results/criterion" "$results/js.json" "$results/sizes.json" "$results/package-sizes.json" \
  "$results"/attachments-*.json "$results"/groups-*.json "$results"/pq-ratchet-bytes*.json "$results"/pq-ratchet-js-*.json
export CRITERION_HOME="$results/criterion"

if [ "$mode" = short ]; then
  criterion_args=(--warm-up-time 0.2 --measurement-time 0.4 --sample-size 10 --noplot)
else
  criterion_args=(--warm-up-time 1 --measurement-time 4 --noplot)
fi

# ---------------------------------------------------------------- machine
{
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
  python3 - "$cpu" <<'EOF'
import json, os, platform, subprocess, sys, datetime
def run(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return None
mem = None
try:
    with open("/proc/meminfo") as f:
        kb = int(f.readline().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
except Exception:
    pass
flags = ""
try:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                fl = line.split(":", 1)[1].split()
                flags = " ".join(x for x in ["sse2", "avx2", "avx512f", "bmi2", "adx"] if x in fl)
                break
except Exception:
    pass
print(json.dumps({
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "git_commit": run("git", "rev-parse", "--short", "HEAD"),
    "cpu": f"{sys.argv[1]} (flags: {flags})",
    "cores": os.cpu_count(),
    "memory": mem,
    "kernel": platform.release(),
    "rustc": run("rustc", "--version"),
    "node": run("node", "--version"),
}, indent=2))
EOF
} >"$results/machine.json"

# ----------------------------------------------------------------- native
# Two builds: Sotto as shipped (no vodozemac in the build, see
# benches/Cargo.toml), and the head-to-head build with vodozemac.
say "building the native benches and the sizes binary"
cargo build -q -p sotto-bench --profile bench --benches --no-default-features
cargo build -q -p sotto-bench --profile bench --bench vs_vodozemac --bench groups --bench pq_ratchet --bins
log="$results/native.log"
: >"$log"
run_native() {
  local home=$1; shift
  if ! CRITERION_HOME="$CRITERION_HOME/$home" cargo bench -p sotto-bench "$@" -- "${criterion_args[@]}" >>"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "bench: a native benchmark failed (full log: $log)" >&2
    exit 1
  fi
}
say "native benches ($mode): Sotto vs vodozemac, same binary"
run_native with-vodozemac --bench vs_vodozemac --bench groups --bench pq_ratchet
say "native benches ($mode): Sotto as shipped"
run_native shipped --no-default-features --bench vs_vodozemac --bench groups --bench pq_ratchet
run_native shipped --no-default-features --bench primitives --bench session --bench fanout
grep -E '^[A-Za-z0-9_]+/.*time:|^ +time:|^[A-Za-z0-9_]+/[^ ]+$' "$log" | sed 's/^ */  /' || true
found=$(find "$CRITERION_HOME" -path '*/new/estimates.json' | wc -l)
# cargo bench fails when a benchmark panics; also check that every timed
# benchmark left its estimates (48 in this version).
expected=$(grep -c 'time:' "$log" || true)
if [ "$found" -lt "$expected" ] || [ "$found" -lt 40 ]; then
  echo "bench: only $found of $expected native benchmarks produced results" >&2
  exit 1
fi
say "native: $found benchmarks"

say "sizes"
"$target_dir/release/sotto-sizes" >"$results/sizes.json"

# ------------------------------------------------------------------- wasm
if [ "$mode" = full ] || [ ! -f pkg/dist/node/sotto_wasm_bg.wasm ]; then
  say "building the npm package"
  bash scripts/build-wasm.sh >/dev/null
fi
say "building Sotto's primitive layer for wasm32 (profile wasm-release-speed, as the main module)"
cargo_home=${CARGO_HOME:-$HOME/.cargo}
RUSTFLAGS="--remap-path-prefix=$root=/sotto --remap-path-prefix=$cargo_home=/cargo -C target-feature=+simd128" \
  CARGO_PROFILE_WASM_RELEASE_STRIP=false CARGO_PROFILE_WASM_RELEASE_SPEED_STRIP=false \
  cargo build -q -p sotto-bench --lib --target wasm32-unknown-unknown --profile wasm-release-speed
prims="$results/wasm-prims"
rm -rf "$prims"
wasm-bindgen --target nodejs --out-dir "$prims" --out-name sotto_bench --no-typescript \
  "$target_dir/wasm32-unknown-unknown/wasm-release-speed/sotto_bench.wasm"
# The same wasm-opt invocation as scripts/build-wasm.sh.
wasm_opt_size "$prims/sotto_bench_bg.wasm" "$prims/opt.wasm"
mv "$prims/opt.wasm" "$prims/sotto_bench_bg.wasm"

# Package sizes: every shipped file raw and gzipped, and the npm tarball.
python3 - "$root/pkg" >"$results/package-sizes.json" <<'EOF'
import gzip, json, os, subprocess, sys
pkg = sys.argv[1]
files = []
for d in ["dist/web", "dist/node"]:
    for name in sorted(os.listdir(os.path.join(pkg, d))):
        path = os.path.join(pkg, d, name)
        data = open(path, "rb").read()
        files.append({"file": f"{d}/{name}", "bytes": len(data),
                      "gzip": len(gzip.compress(data, compresslevel=9, mtime=0))})
out = {"files": files}
try:
    pack = json.loads(subprocess.run(["npm", "pack", "--dry-run", "--json"], cwd=pkg,
                                     capture_output=True, text=True, check=True).stdout)
    out["tarball_bytes"] = pack[0]["size"]
    out["unpacked_bytes"] = pack[0]["unpackedSize"]
except Exception as e:
    out["npm_pack_error"] = str(e)
print(json.dumps(out, indent=2))
EOF

# --------------------------------------------------------------------- js
say "JavaScript benches ($mode)"
(
  cd benches/js
  if [ ! -d node_modules/@noble/ciphers ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund >/dev/null
  fi
  js_args=(--out "$results/js.json")
  if [ "$mode" = short ]; then js_args+=(--short); fi
  SOTTO_PRIMS="$prims" node bench.mjs "${js_args[@]}"
  # sotto/attachments against libsodium's secretstream, 1 MiB and 64 MiB
  # (issue 13): Node, and headless Chromium when it is installed.
  att_args=()
  if [ "$mode" = short ]; then att_args+=(--short); fi
  node attachments-node.mjs "${att_args[@]}" >"$results/attachments-node.json"
  if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && [ -d "$root/js-tests/node_modules/playwright-core" ]; then
    node attachments-chromium.mjs "${att_args[@]}" >"$results/attachments-chromium.json"
  else
    echo "bench: no Chromium (or js-tests/node_modules): attachments measured in Node only"
  fi
  # sotto/groups: a 100-byte group message encrypted and decrypted (the
  # native cmp_group_100B) through the npm package, Node and Chromium.
  node groups-node.mjs "${att_args[@]}" >"$results/groups-node.json"
  if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && [ -d "$root/js-tests/node_modules/playwright-core" ]; then
    node groups-chromium.mjs "${att_args[@]}" >"$results/groups-chromium.json"
  fi
  # Ratchet version 2 against version 1 (PROTOCOL.md §22) through the npm
  # package: 100-byte messages alternating every 3 (the native
  # pq_alternate3_100B), Node and Chromium; full runs add vodozemac's Olm
  # built to WebAssembly (one fat-LTO build, so not in --short/CI runs).
  if [ "$mode" != short ]; then bash pqratchet-olm.sh; fi
  node pqratchet-node.mjs "${att_args[@]}" >"$results/pq-ratchet-js-node.json"
  if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && [ -d "$root/js-tests/node_modules/playwright-core" ]; then
    node pqratchet-chromium.mjs "${att_args[@]}" >"$results/pq-ratchet-js-chromium.json"
  fi
)

# ----------------------------------------------------------------- report
say "report"
python3 benches/report.py --results "$results" --criterion "$CRITERION_HOME" \
  --mode "$mode" --command "$command" >/dev/null
say "wrote $results/latest.json, latest.md, latest.svg"
if [ "$publish" = yes ]; then
  mkdir -p benches/report
  python3 benches/report.py --results "$results" --criterion "$CRITERION_HOME" \
    --mode "$mode" --command "$command" --svg-link ../benches/report/benchmarks.svg >/dev/null
  cp "$results/latest.md" docs/BENCHMARKS.md
  cp "$results/latest.json" docs/benchmarks.json
  cp "$results/latest.svg" benches/report/benchmarks.svg
  # bench-results/latest.md keeps its own link.
  python3 benches/report.py --results "$results" --criterion "$CRITERION_HOME" \
    --mode "$mode" --command "$command" >/dev/null
  say "published docs/BENCHMARKS.md, docs/benchmarks.json, benches/report/benchmarks.svg"
fi
