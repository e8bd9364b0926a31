#!/usr/bin/env bash
# CI: runs the benchmarks in short mode and prints the report's tables.
# Fails when a benchmark errors or a cross-check fails; never on timings
# (targets are reported as met/missed, not asserted).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bash scripts/bench.sh --short
echo
cat bench-results/latest.md
