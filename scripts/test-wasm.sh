#!/usr/bin/env bash
# The WebAssembly bindings and the npm package `sotto`:
#   1. installs what is missing (rustup target, wasm-bindgen-cli at the
#      Cargo.lock version, npm packages of js-tests/, Chromium);
#   2. rustfmt and clippy of bindings/wasm;
#   3. builds the package (scripts/build-wasm.sh);
#   4. enforces the size budget (gzipped .wasm + JS of the web build <= 100 KB, see below;
#      also checked by js-tests/size.test.mjs), and sotto/attachments',
#      sotto/groups', sotto/devices' and sotto/multidevice's own;
#   5. runs every JS test (js-tests/: Node, headless Chromium, npm pack + Vite,
#      the README quickstart, the web demo) and prints the counts.
# Honours CARGO_TARGET_DIR. Set SOTTO_UPDATE_SCREENSHOT=1 to refresh
# docs/web-demo.png from the demo test.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

step() { echo "--- [wasm] $* ($(date -u +%H:%M:%S))"; }

step "tools"
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target list --installed | grep -qx wasm32-unknown-unknown
# wasm-bindgen-cli at the Cargo.lock version. Without --locked: a locked
# dependency of the CLI is not served by the registry here.
ensure_cargo_tool wasm-bindgen-cli "$(lock_version wasm-bindgen)" "wasm-bindgen --version"
command -v node >/dev/null || apt_install nodejs npm
# Exact versions from js-tests/package-lock.json (binaryen's wasm-opt among them).
(cd js-tests && npm ci --no-audit --no-fund --loglevel=error)
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  apt_install chromium chromium-driver
fi
# Emoji glyphs for the demo screenshot (the tests do not depend on it).
if ! fc-list 2>/dev/null | grep -qi 'Noto Color Emoji'; then
  apt_install fonts-noto-color-emoji >/dev/null 2>&1 ||
    echo "test-wasm: fonts-noto-color-emoji not installed; the screenshot will show boxes for emoji"
fi
# Debian's Chromium cannot be pinned: print what runs the browser tests.
chromium_package=$(dpkg-query -W -f='${Version}' chromium 2>/dev/null || echo "not from Debian")
echo "$(wasm-bindgen --version), wasm-opt $("$ROOT/js-tests/node_modules/.bin/wasm-opt" --version | awk '{ print $3 }'), node $(node --version), npm $(npm --version)"
echo "chromium: $("$chromium" --version 2>/dev/null | head -1) (package $chromium_package)"
if [ "$chromium_package" != "$SOTTO_CHROMIUM_TESTED" ]; then
  echo "test-wasm: note: the browser tests last passed with chromium $SOTTO_CHROMIUM_TESTED (scripts/versions.env)"
fi

step "rustfmt and clippy (bindings/wasm, bindings/wasm-attachments)"
cargo fmt -p sotto-wasm -p sotto-wasm-attachments -- --check
cargo clippy -p sotto-wasm -p sotto-wasm-attachments --target wasm32-unknown-unknown -- -D warnings
# sotto/multidevice: bindings/wasm with session records and contacts.
cargo clippy -p sotto-wasm --target wasm32-unknown-unknown --features contact -- -D warnings
cargo fmt -p sotto-wasm-groups -p sotto-wasm-devices -- --check
cargo clippy -p sotto-wasm-groups -p sotto-wasm-devices --target wasm32-unknown-unknown -- -D warnings

step "unit tests of bindings/wasm (native: the main build's nonce pool)"
cargo test -q -p sotto-wasm --lib

step "build the package"
bash scripts/build-wasm.sh | tail -n 8

step "size budget"
# Issue 14: at most 100 KB gzipped (the .wasm and the JavaScript a browser
# loads). The AEAD/HMAC/HKDF kernels are compiled at opt-level 3 in their own
# crate (sotto-kernels) and the protocol code at "s" (Cargo.toml,
# wasm-release profile), which keeps the speed build under it.
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

# `sotto/attachments` is a module of its own with its own budget (also
# checked by js-tests/attachments.test.mjs): 32.4 KB when set.
att_budget=34000
att_total=0
for f in sotto_attachments_bg.wasm sotto_attachments.js core.js index.js; do
  att_total=$((att_total + $(gzip -9 -n -c "pkg/dist/attachments/web/$f" | wc -c)))
done
printf '%-26s %9s %9d   (budget %d)\n' 'attachments gzipped' '' "$att_total" "$att_budget"
if [ "$att_total" -gt "$att_budget" ]; then
  echo "test-wasm: sotto/attachments is $att_total bytes gzipped, over the $att_budget-byte budget" >&2
  exit 1
fi

# `sotto/groups` and `sotto/devices`: modules of their own, each with its
# own budget (also checked by js-tests/groups.test.mjs and
# devices.test.mjs). Groups 62.0 KB when set (Ed25519 chain signatures,
# XChaCha20-Poly1305, HKDF); devices 78.8 KB (linking needs the account's
# ML-KEM-768 and X25519 besides Ed25519 for lists).
for sub_budget in groups:64000 devices:81000; do
  sub=${sub_budget%%:*}
  sub_max=${sub_budget##*:}
  sub_total=0
  for f in "sotto_${sub}_bg.wasm" "sotto_$sub.js" core.js index.js; do
    sub_total=$((sub_total + $(gzip -9 -n -c "pkg/dist/$sub/web/$f" | wc -c)))
  done
  printf '%-26s %9s %9d   (budget %d)\n' "$sub gzipped" '' "$sub_total" "$sub_max"
  if [ "$sub_total" -gt "$sub_max" ]; then
    echo "test-wasm: sotto/$sub is $sub_total bytes gzipped, over the $sub_max-byte budget" >&2
    exit 1
  fi
done

# `sotto/multidevice`: the main entry's module with session records and
# contacts (bindings/wasm, features `records` and `contact`) and its
# JavaScript (the main api.js, records.js), with its own budget (also
# checked by js-tests/multidevice.test.mjs): 120,744 B when set (records
# +6.8 KB and contacts +12.3 KB of .wasm over the main module). It replaces
# `sotto` in an app that sends to people; the main entry keeps its 100 KB.
md_budget=124000
md_total=0
for f in sotto_wasm_bg.wasm sotto_wasm.js api.js records.js index.js; do
  md_total=$((md_total + $(gzip -9 -n -c "pkg/dist/multidevice/web/$f" | wc -c)))
done
printf '%-26s %9s %9d   (budget %d)\n' 'multidevice gzipped' '' "$md_total" "$md_budget"
if [ "$md_total" -gt "$md_budget" ]; then
  echo "test-wasm: sotto/multidevice is $md_total bytes gzipped, over the $md_budget-byte budget" >&2
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
