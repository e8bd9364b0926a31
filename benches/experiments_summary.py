#!/usr/bin/env python3
"""Summarises benches/experiments.sh: JSON with a `markdown` list for the report."""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from report import criterion_results, fmt_rate, fmt_ratio, fmt_time  # noqa: E402

out = Path(sys.argv[1])
result = {"native": {}, "wasm": {}, "markdown": []}
md = result["markdown"]

variants = [v for v in ["shipped", "poly-soft", "tables", "soft+tables"] if (out / f"native-{v}").is_dir()]
if variants:
    crit = {v: criterion_results(out / f"native-{v}") for v in variants}
    result["native"] = crit
    md.append("### Native build variants\n")
    md.append("Same filter of benchmarks for each variant; every run includes vodozemac, so the ratios compare across variants. "
              "`shipped`: Sotto as shipped (no vodozemac in the build); `poly-soft`: `RUSTFLAGS='--cfg poly1305_backend=\"soft\"'`; "
              "`tables`: the build with vodozemac, whose curve25519-dalek `precomputed-tables` feature Cargo unifies into Sotto's. "
              "Ratios of `shipped` and `poly-soft` use the `tables` run's vodozemac time.\n")
    md.append("| benchmark | " + " | ".join(variants) + " |")
    md.append("|---|" + "---:|" * len(variants))
    names = sorted(set().union(*[set(c) for c in crit.values()]))
    for name in names:
        md.append(f"| {name} | " + " | ".join(fmt_time(crit[v].get(name, {}).get("median_ns")) for v in variants) + " |")
    for group in ["cmp_handshake", "cmp_pingpong_100B", "cmp_burst_100B", "cmp_persist"]:
        cells = []
        for v in variants:
            s = crit[v].get(f"{group}/sotto", {}).get("median_ns")
            # Variants without vodozemac in the build use the `tables` run's
            # vodozemac figure (vodozemac always has its tables).
            o = crit[v].get(f"{group}/vodozemac", crit.get("tables", {}).get(f"{group}/vodozemac", {})).get("median_ns")
            cells.append(fmt_ratio(s / o if s and o else None))
        md.append(f"| **{group} Sotto/vodozemac** | " + " | ".join(cells) + " |")
    md.append("")

wasm = None
try:
    wasm = json.loads((out / "wasm.json").read_text())
except (FileNotFoundError, json.JSONDecodeError):
    pass
if wasm:
    result["wasm"] = wasm
    sizes = {}
    for name in wasm:
        f = out / name / "sotto_bench_bg.wasm"
        if f.exists():
            import gzip
            data = f.read_bytes()
            sizes[name] = (len(data), len(gzip.compress(data, 9, mtime=0)))
    result["wasm_sizes"] = sizes
    sod = wasm.get("libsodium", {})
    cols = [k for k in wasm if k != "libsodium"]
    md.append("### WebAssembly build variants (primitive layer, Node, libsodium-wrappers in the same process)\n")
    md.append("`wasm-z`: the npm package's profile (opt-level z, wasm-opt -Oz); `wasm-o3`: opt-level 3, wasm-opt -O3; "
              "`dalek64`: `--cfg curve25519_dalek_bits=\"64\"`; `wasm-z-crypto-o3`: opt-level z except opt-level 3 for the primitive crates "
              "(chacha20, poly1305, chacha20poly1305, universal-hash, curve25519-dalek, sha2, hmac, hkdf) through "
              "`[profile.wasm-release.package.<crate>] opt-level = 3`. Cells: ops/s (rate relative to libsodium).\n")
    md.append("| benchmark | libsodium | " + " | ".join(cols) + " |")
    md.append("|---|---:|" + "---:|" * len(cols))
    keys = sorted(set().union(*[set(wasm[c]) for c in cols]))
    for k in keys:
        cells = []
        for c in cols:
            v = wasm[c].get(k)
            rel = f" ({v / sod[k]:.2f}×)" if v and sod.get(k) else ""
            cells.append(fmt_rate(v) + rel)
        md.append(f"| {k} | {fmt_rate(sod.get(k))} | " + " | ".join(cells) + " |")
    md.append("| module size (bytes, gzip -9) | | " + " | ".join(
        f"{sizes[c][0]} / {sizes[c][1]}" if c in sizes else "–" for c in cols) + " |")
    md.append("")

print(json.dumps(result, indent=2))
