#!/usr/bin/env bash
# Instruction counts (valgrind --tool=callgrind) of the workloads of
# benches/src/bin/profile.rs: repeatable on a noisy machine, unlike times.
#
#   benches/profile.sh            counts per operation for every workload
#   callgrind_annotate --inclusive=yes bench-results/callgrind/<workload>.out
#                                 the inclusive profile of one workload
#
# Caveat: valgrind hides SHA-NI from CPUID, so sha2 runs its portable code
# under callgrind (natively it uses SHA-NI on this machine); and instruction
# counts do not show micro-architectural costs (e.g. the AVX2 Poly1305
# backend's fixed cost): benches/experiments.sh measures those in time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench-results/callgrind"
mkdir -p "$out"
target=${CARGO_TARGET_DIR:-$root/target}/profile
export CARGO_PROFILE_BENCH_DEBUG=line-tables-only
# Sotto as shipped (no vodozemac in the build) and the build with vodozemac
# (where Sotto's curve25519-dalek gets precomputed tables too).
CARGO_TARGET_DIR="$target/shipped" cargo build -q -p sotto-bench --profile bench --bin sotto-profile --no-default-features
CARGO_TARGET_DIR="$target/with-vodozemac" cargo build -q -p sotto-bench --profile bench --bin sotto-profile

count() { # binary workload iterations name
  valgrind --tool=callgrind --toggle-collect='*measured*' --callgrind-out-file="$out/$4.out" \
    "$1" "$2" "$3" 2>&1 | awk -v n="$3" -v w="$4" '/Collected/ { printf "| %s | %d | %.0f |\n", w, n, $4 / n }'
}
echo "| workload | iterations | instructions per operation |"
echo "|---|---:|---:|"
shipped="$target/shipped/release/sotto-profile"
with="$target/with-vodozemac/release/sotto-profile"
count "$shipped" sotto-burst 2000 sotto-burst
count "$with" olm-burst 2000 olm-burst
count "$shipped" sotto-pingpong 100 sotto-pingpong
count "$with" sotto-pingpong 100 sotto-pingpong-tables
count "$with" olm-pingpong 100 olm-pingpong
count "$shipped" sotto-handshake 50 sotto-handshake
count "$with" sotto-handshake 50 sotto-handshake-tables
count "$with" olm-handshake 50 olm-handshake
count "$shipped" sotto-unseal 200 sotto-unseal
count "$with" olm-unpickle 200 olm-unpickle
