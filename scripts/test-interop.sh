#!/usr/bin/env bash
# Independent Python implementation of Sotto v1 (interop/python), checked
# against tests/vectors/sotto-v1.json and tests/vectors/sotto-v1-rules.json
# (test_vectors.py, test_rules.py). Needs python3 (>= 3.9) with pip; PyPI.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV="$(cargo_target_dir)/interop-venv"
REQ="$ROOT/interop/python/requirements.txt"
PYTHON="${PYTHON:-python3}"

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    PY="$VENV/bin/python"
elif "$PYTHON" -m venv "$VENV" >/dev/null 2>&1 && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    PY="$VENV/bin/python"
else
    # No working venv module (e.g. Debian without python3-venv): install the
    # pinned packages into a private directory with the system pip instead.
    echo "python3 -m venv unavailable; installing into $VENV/site with pip --target" >&2
    rm -rf "$VENV"
    mkdir -p "$VENV/site"
    PY="$PYTHON"
    export PYTHONPATH="$VENV/site${PYTHONPATH:+:$PYTHONPATH}"
fi

echo "== installing pinned requirements into $VENV"
if [ "$PY" = "$PYTHON" ]; then
    "$PY" -m pip install --disable-pip-version-check --quiet --target "$VENV/site" -r "$REQ"
else
    "$PY" -m pip install --disable-pip-version-check --quiet -r "$REQ"
fi

echo "== running interop/python test suite"
cd "$ROOT/interop/python"
"$PY" run_tests.py
