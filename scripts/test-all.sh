#!/usr/bin/env bash
# Runs every test of Sotto. On a fresh machine it installs what it needs, at
# the versions pinned in scripts/versions.env and rust-toolchain.toml
# (rustup targets, wasm-bindgen-cli, npm packages, Chromium, cbindgen, ...):
# each section's script installs its own prerequisites and skips what is
# already present.
#
#   scripts/test-all.sh            everything
#   scripts/test-all.sh core wasm  only the named sections
set -euo pipefail
. "$(dirname "$0")/lib.sh"

sections=("$@")
if [ ${#sections[@]} -eq 0 ]; then
  sections=(core interop c wasm hardening bench)
fi

started=$(date +%s)
for section in "${sections[@]}"; do
  echo
  echo "=== [$section] $(date -u +%H:%M:%S) ==="
  t0=$(date +%s)
  bash "scripts/test-$section.sh"
  echo "=== [$section] passed in $(( $(date +%s) - t0 ))s ==="
done
echo
echo "All sections passed (${sections[*]}) in $(( $(date +%s) - started ))s."
# A failing section stops the script above (set -e), so reaching here means
# every section passed; each section printed its own test counts.
echo "sections: ${#sections[@]} passed, 0 failed"
