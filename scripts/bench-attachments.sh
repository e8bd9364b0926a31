#!/usr/bin/env bash
# Attachment throughput (PROTOCOL.md §16), native, against OpenSSL:
#   1. Sotto's criterion bench `attachment` (benches/benches/attachments.rs):
#      1 MiB and 64 MiB in 64 KiB chunks, encrypt and decrypt (AEAD per
#      chunk + SHA-256 digest of the ciphertext), as every build gets it
#      (the workspace sets no flags; src/primitives/aead.rs picks the
#      Poly1305 per call); with --with-soft also with the former workspace
#      flag `--cfg poly1305_backend="soft"` (portable Poly1305 everywhere);
#   2. the same construction with OpenSSL through node:crypto (64 KiB
#      ChaCha20-Poly1305 chunks + SHA-256 of the ciphertext, 64 MiB);
#   3. `openssl speed -evp chacha20-poly1305` at 64 KiB, seal and open
#      (the bare AEAD, no digest).
# Prints MB/s (10^6 bytes/s) and Sotto/OpenSSL ratios. Timings are not
# asserted. Usage: scripts/bench-attachments.sh [--quick] [--with-soft]
#
# scripts/bench-attachments.sh --memory-gib instead streams 1 GiB through
# the npm package's attachment streams in Node and headless Chromium
# (js-tests/attachments-memory.test.mjs with SOTTO_ATTACHMENT_MIB=1024;
# needs pkg/dist built by scripts/build-wasm.sh and js-tests/node_modules)
# and prints the measured wasm memory, RSS and JS heap figures.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
TARGET="${CARGO_TARGET_DIR:-target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
MEASURE=6
WITH_SOFT=0
for arg in "$@"; do
    case "$arg" in
    --quick) MEASURE=2 ;;
    --with-soft) WITH_SOFT=1 ;;
    --memory-gib)
        cd js-tests
        SOTTO_ATTACHMENT_MIB=1024 exec node --test --test-reporter=spec attachments-memory.test.mjs
        ;;
    *) echo "usage: $0 [--quick] [--with-soft] | --memory-gib" >&2; exit 2 ;;
    esac
done
OUT="$(mktemp -d)"

run_bench() { # $1 = label, $2 = target dir; env passed through
    echo "== criterion: attachment ($1)" >&2
    (cd benches && CARGO_TARGET_DIR="$2" cargo bench -q -p sotto-bench --no-default-features \
        --bench attachments -- --warm-up-time 1 --measurement-time "$MEASURE" >&2)
    python3 - "$2/criterion/attachment" "$1" >>"$OUT/rows" <<'PY'
import json, os, sys
root, label = sys.argv[1], sys.argv[2]
sizes = {"1MiB": 1 << 20, "64MiB": 64 << 20}
for op in ("encrypt", "decrypt"):
    for size, n in sizes.items():
        est = json.load(open(os.path.join(root, op, size, "new", "estimates.json")))
        ns = est["mean"]["point_estimate"]
        print(f"sotto ({label})\t{op}\t{size}\t{n / ns * 1e3:.0f}")
PY
}

run_bench "default build" "$TARGET"
if [ "$WITH_SOFT" = 1 ]; then
    RUSTFLAGS='--cfg poly1305_backend="soft"' run_bench "former flag: portable Poly1305" "$TARGET-poly-soft"
fi

echo "== node:crypto (OpenSSL $(node -p 'process.versions.openssl')), same construction" >&2
node - >>"$OUT/rows" <<'JS'
const crypto = require("node:crypto");
const CS = 65536, key = Buffer.alloc(32, 7);
function nonce(i, last) { const n = Buffer.alloc(12); n.writeBigUInt64BE(BigInt(i), 3); n[11] = last ? 1 : 0; return n; }
function encrypt(pt) {
  const count = Math.max(1, Math.ceil(pt.length / CS)), out = Buffer.allocUnsafe(pt.length + 16 * count);
  const h = crypto.createHash("sha256"); let o = 0;
  for (let i = 0; i < count; i++) {
    const c = crypto.createCipheriv("chacha20-poly1305", key, nonce(i, i === count - 1), { authTagLength: 16 });
    const body = c.update(pt.subarray(i * CS, (i + 1) * CS)); c.final();
    body.copy(out, o); o += body.length; c.getAuthTag().copy(out, o); o += 16;
  }
  h.update(out); h.digest(); return out;
}
function decrypt(ct, n) {
  const count = Math.max(1, Math.ceil(n / CS)), h = crypto.createHash("sha256"); let o = 0, total = 0;
  h.update(ct);
  for (let i = 0; i < count; i++) {
    const len = Math.min(CS, n - i * CS);
    const d = crypto.createDecipheriv("chacha20-poly1305", key, nonce(i, i === count - 1), { authTagLength: 16 });
    d.setAuthTag(ct.subarray(o + len, o + len + 16));
    total += d.update(ct.subarray(o, o + len)).length; d.final(); o += len + 16;
  }
  h.digest(); return total;
}
for (const [label, n] of [["1MiB", 1 << 20], ["64MiB", 64 << 20]]) {
  const pt = Buffer.alloc(n, 0xa5), ct = encrypt(pt);
  for (const [op, f] of [["encrypt", () => encrypt(pt)], ["decrypt", () => decrypt(ct, n)]]) {
    f(); let runs = 0; const t0 = process.hrtime.bigint();
    while (process.hrtime.bigint() - t0 < 2_000_000_000n) { f(); runs++; }
    const ns = Number(process.hrtime.bigint() - t0) / runs;
    console.log(`openssl via node:crypto\t${op}\t${label}\t${(n / ns * 1e3).toFixed(0)}`);
  }
}
JS

echo "== openssl speed -evp chacha20-poly1305 (bare AEAD, 64 KiB, seal and open)" >&2
for op in encrypt decrypt; do
    flag=""; [ "$op" = decrypt ] && flag="-decrypt"
    KBS=$(openssl speed -evp chacha20-poly1305 $flag -bytes 65536 -seconds 3 2>/dev/null | awk '/^ChaCha20-Poly1305/ {print $2}')
    python3 -c "import sys; print(f'openssl speed (bare AEAD)\t{sys.argv[2]}\t64KiB\t{float(sys.argv[1].rstrip(\"k\")) * 1000 / 1e6:.0f}')" "$KBS" "$op" >>"$OUT/rows"
done

python3 - "$OUT/rows" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
node = {(op, size): int(v) for who, op, size, v in rows if who.startswith("openssl via")}
speed = {op: int(v) for who, op, size, v in rows if who.startswith("openssl speed")}
print("| implementation | operation | size | MB/s | vs OpenSSL via node:crypto, same construction | vs `openssl speed`, bare AEAD |")
print("|---|---|---|---|---|---|")
for who, op, size, v in rows:
    ref, bare = node.get((op, size)), speed.get(op)
    sotto = who.startswith("sotto")
    ratio = f"{int(v) / ref:.2f}x" if ref and sotto else ""
    ratio_bare = f"{int(v) / bare:.2f}x" if bare and sotto else ""
    print(f"| {who} | {op} | {size} | {v} | {ratio} | {ratio_bare} |")
PY
rm -rf "$OUT"
