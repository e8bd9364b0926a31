#!/usr/bin/env bash
# CI: runs the benchmarks in short mode and prints the report's tables.
# Fails when a benchmark errors or a cross-check fails; never on timings
# (targets are reported as met/missed, not asserted).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The written-up sections of docs/BENCHMARKS.md must match benches/*.md, from
# which `scripts/bench.sh --publish` rebuilds them.
python3 benches/report.py --check-docs docs/BENCHMARKS.md
bash scripts/bench.sh --short
echo
cat bench-results/latest.md
