#!/usr/bin/env python3
"""Markdown tables from benches/wasmspeed.sh results (issue 14).

    python3 benches/wasmspeed_report.py RESULT.json [RESULT.json ...]

Each RESULT.json is the output of `benches/wasmspeed.sh node|chromium`; the
variants' sizes are read from bench-results/wasmspeed/VARIANT/sizes.json.
Cells: the variant's rate relative to the reference library measured in the
same run (interleaved rounds), with the rate itself in a second table.
"""
import json
import os
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
out_dir = os.path.join(root, "bench-results", "wasmspeed")


def rate(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M/s"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k/s"
    return f"{x:.0f}/s"


def table(result, title):
    rows = result["rows"]
    refs = {"libsodium", "noble", "single"}
    variants = [k for k in rows[0]["ops_per_sec"] if k not in refs]
    lines = [f"#### {title} ({result['env']})", ""]
    lines.append("| benchmark | reference | " + " | ".join(variants) + " |")
    lines.append("|---|---:|" + "---:|" * len(variants))
    for r in rows:
        ops = r["ops_per_sec"]
        ref = r.get("reference")
        name = f"{r['group']}/{r['name']}"
        if ref:
            cells = [f"{ops[v] / ops[ref]:.2f}× ({rate(ops[v])})" for v in variants]
            lines.append(f"| {name} | {ref} {rate(ops[ref])} | " + " | ".join(cells) + " |")
        else:
            cells = [rate(ops[v]) for v in variants]
            lines.append(f"| {name} | – | " + " | ".join(cells) + " |")
    sizes = []
    for v in variants:
        p = os.path.join(out_dir, v, "sizes.json")
        if os.path.exists(p):
            s = json.load(open(p))
            sizes.append(f"{s['web_total']['bytes']} / {s['web_total']['gzip']}")
        else:
            sizes.append("?")
    lines.append("| package web total (bytes / gzip -9) | | " + " | ".join(sizes) + " |")
    return "\n".join(lines) + "\n"


def variants_table(names):
    lines = ["| variant | build | package .wasm (bytes / gzip) | web total (bytes / gzip) |",
             "|---|---|---:|---:|"]
    for v in names:
        p = os.path.join(out_dir, v, "sizes.json")
        if not os.path.exists(p):
            continue
        s = json.load(open(p))
        lines.append(f"| {v} | `{s['how']}` | {s['package_wasm']['bytes']} / {s['package_wasm']['gzip']} "
                     f"| {s['web_total']['bytes']} / {s['web_total']['gzip']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--sizes":
        print(variants_table(sys.argv[2:]))
        sys.exit(0)
    for path in sys.argv[1:]:
        print(table(json.load(open(path)), os.path.basename(path)))
