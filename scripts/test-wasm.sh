#!/usr/bin/env bash
# The WebAssembly bindings and the npm package `sotto`:
#   1. installs what is missing (rustup target, wasm-bindgen-cli at the
#      Cargo.lock version, npm packages of js-tests/, Chromium);
#   2. rustfmt and clippy of bindings/wasm;
#   3. builds the package (scripts/build-wasm.sh);
#   4. enforces the size budget (gzipped .wasm + JS of the web build <= 100 KB,
#      also checked by js-tests/size.test.mjs);
#   5. runs every JS test (js-tests/: Node, headless Chromium, npm pack + Vite,
#      the README quickstart, the web demo) and prints the counts.
# Honours CARGO_TARGET_DIR. Set SOTTO_UPDATE_SCREENSHOT=1 to refresh
# docs/web-demo.png from the demo test.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { echo "--- [wasm] $* ($(date -u +%H:%M:%S))"; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "test-wasm: need root for: $*" >&2
    return 1
  fi
}

step "tools"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target list --installed | grep -qx wasm32-unknown-unknown
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$want" != "$have" ]; then
  # Without --locked: a locked dependency of the CLI is not served by the registry here.
  cargo install wasm-bindgen-cli --version "$want"
fi
command -v node >/dev/null || as_root apt-get install -y nodejs npm
(cd js-tests && npm ci --no-audit --no-fund --loglevel=error)
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
fi
# Emoji glyphs for the demo screenshot (the tests do not depend on it).
if ! fc-list 2>/dev/null | grep -qi 'Noto Color Emoji'; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-noto-color-emoji >/dev/null 2>&1 ||
    echo "test-wasm: fonts-noto-color-emoji not installed; the screenshot will show boxes for emoji"
fi

step "rustfmt and clippy (bindings/wasm)"
cargo fmt -p sotto-wasm -- --check
cargo clippy -p sotto-wasm --target wasm32-unknown-unknown -- -D warnings

step "build the package"
bash scripts/build-wasm.sh | tail -n 8

step "size budget"
budget=100000
total=0
printf '%-26s %9s %9s\n' 'web build file' bytes gzip-9
for f in sotto_wasm_bg.wasm sotto_wasm.js api.js index.js; do
  raw=$(wc -c <"pkg/dist/web/$f")
  gz=$(gzip -9 -n -c "pkg/dist/web/$f" | wc -c)
  total=$((total + gz))
  printf '%-26s %9d %9d\n' "$f" "$raw" "$gz"
done
printf '%-26s %9s %9d   (budget %d)\n' 'total gzipped' '' "$total" "$budget"
if [ "$total" -gt "$budget" ]; then
  echo "test-wasm: the web build is $total bytes gzipped, over the $budget-byte budget" >&2
  exit 1
fi

step "JS tests"
tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
set +e
(cd js-tests && node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  ./*.test.mjs ./*.test.cjs)
status=$?
set -e
echo "test-wasm: JS tests: $(grep -E '^# (tests|pass|fail|skipped|cancelled) ' "$tap" | sed 's/^# //' | paste -sd, - | sed 's/,/, /g')"
exit "$status"
