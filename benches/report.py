#!/usr/bin/env python3
"""Collects one benchmark run into JSON, a Markdown report and an SVG chart.

    python3 benches/report.py --results DIR --criterion DIR --mode full|short \
        --command "scripts/bench.sh" [--svg-link PATH]

Inputs (all produced by scripts/bench.sh in DIR): criterion's estimates under
--criterion, sizes.json (the sotto-sizes binary), js.json (benches/js),
machine.json, package-sizes.json. Outputs: DIR/latest.json, DIR/latest.md,
DIR/latest.svg. Only the standard library: no plotting packages, no network.
"""

import argparse
import json
import os
import re
import sys
from pathlib import Path


def load(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def criterion_results(root):
    """Every benchmark's median and 95% interval, in nanoseconds."""
    out = {}
    for bench_json in Path(root).rglob("new/benchmark.json"):
        meta = load(bench_json)
        est = load(bench_json.parent / "estimates.json")
        if not meta or not est:
            continue
        median = est["median"]
        out[meta["full_id"]] = {
            "median_ns": median["point_estimate"],
            "ci95_ns": [
                median["confidence_interval"]["lower_bound"],
                median["confidence_interval"]["upper_bound"],
            ],
            "mean_ns": est["mean"]["point_estimate"],
        }
    return dict(sorted(out.items()))


def fmt_time(ns):
    if ns is None:
        return "–"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def fmt_rate(v):
    if v is None:
        return "–"
    if v >= 1e6:
        return f"{v / 1e6:.2f} M/s"
    if v >= 1e3:
        return f"{v / 1e3:.1f} k/s"
    return f"{v:.0f}/s"


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}×"


NATIVE_COMPARISONS = [
    # (criterion group, label, target ratio or None, what the target says)
    ("cmp_handshake", "Handshake (Sotto: verify bundle + initiate + first message + accept; Olm: outbound + first message + inbound)", 1.0, "PQ hybrid handshake no slower than vodozemac's classical one"),
    ("cmp_pingpong_100B", "100 B ping-pong, encrypt + decrypt per message (DH ratchet step every message)", 0.8, "≤ 0.8× vodozemac"),
    ("cmp_burst_100B", "100 B one-way burst, encrypt + decrypt per message", 0.25, "≤ 0.25× vodozemac"),
    ("cmp_persist", "Persist a session (Sotto seal + unseal; Olm pickle + encrypt + decrypt + unpickle)", None, None),
    ("cmp_group_100B", "100 B group message, encrypt + decrypt (Sotto sender keys, signed, ChaCha20-Poly1305; Megolm outbound + inbound)", 1.0, "group message faster than vodozemac's Megolm"),
]


def native_section(shipped, vs):
    """`shipped`: Sotto built without vodozemac (as shipped); `vs`: the build
    with vodozemac, where Sotto's curve25519-dalek has precomputed tables too."""
    rows = []
    for group, label, target, target_text in NATIVE_COMPARISONS:
        s = shipped.get(f"{group}/sotto", {}).get("median_ns")
        st = vs.get(f"{group}/sotto", {}).get("median_ns")
        v = vs.get(f"{group}/vodozemac", {}).get("median_ns")
        su = shipped.get(f"{group}/sotto_userspace_rng", {}).get("median_ns")
        ratio = s / v if s and v else None
        rows.append({
            "group": group,
            "label": label,
            "sotto_ns": s,
            "sotto_userspace_rng_ns": su,
            "sotto_with_precomputed_tables_same_binary_ns": st,
            "vodozemac_ns": v,
            "ratio": ratio,
            "ratio_userspace_rng": su / v if su and v else None,
            "ratio_same_binary": st / v if st and v else None,
            "target_ratio": target,
            "target": target_text,
            "met": None if target is None or ratio is None else ratio <= target,
        })
    return rows


JS_TARGETS = [
    ("chacha20poly1305_seal", "64B", "WASM ChaCha20-Poly1305 seal 64 B ≥ libsodium-wrappers"),
    ("chacha20poly1305_seal", "1MiB", "WASM ChaCha20-Poly1305 seal 1 MiB ≥ libsodium-wrappers"),
    ("x25519", "diffie_hellman", "WASM X25519 ≥ libsodium-wrappers"),
]


def js_lookup(js, group, name):
    for row in (js or {}).get("rows", []):
        if row["group"] == group and row["name"] == name:
            return row["ops_per_sec"]
    return {}


def targets(native_rows, js, sizes):
    out = []
    for r in native_rows:
        if r["target"]:
            out.append({
                "target": f"Native: {r['target']} ({r['group']})",
                "measured": fmt_ratio(r["ratio"]),
                "met": r["met"],
            })
    sealed = (sizes or {}).get("sotto", {}).get("sealed_session_bytes_established")
    out.append({
        "target": "Sealed session ≤ 1 KB (established session)",
        "measured": f"{sealed} B" if sealed else "–",
        "met": None if sealed is None else sealed <= 1024,
    })
    for group, name, text in JS_TARGETS:
        ops = js_lookup(js, group, name)
        s, l = ops.get("sotto"), ops.get("libsodium")
        out.append({
            "target": text,
            "measured": f"{s / l:.2f}× libsodium's rate" if s and l else "–",
            "met": None if not (s and l) else s >= l,
        })
    burst = js_lookup(js, "sotto_session_100B", "burst_encrypt_decrypt").get("sotto")
    out.append({
        "target": "WASM: Sotto session ≥ 100,000 encrypt+decrypt per second (100 B burst)",
        "measured": fmt_rate(burst),
        "met": None if burst is None else burst >= 100_000,
    })
    return out


def svg_chart(bars, title):
    """Horizontal bars of Sotto/peer time ratios on a log scale (1 = parity)."""
    import math

    width, left, right, row_h, top = 900, 360, 40, 26, 50
    height = top + row_h * len(bars) + 50
    lo, hi = 0.05, 20.0
    span = math.log10(hi) - math.log10(lo)
    plot_w = width - left - right

    def x(v):
        v = min(max(v, lo), hi)
        return left + plot_w * (math.log10(v) - math.log10(lo)) / span

    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">{esc(title)}</text>',
        f'<text x="{width / 2}" y="38" text-anchor="middle" fill="#555">time ratio Sotto / peer (log scale): left of 1 = Sotto faster</text>',
    ]
    for tick in [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20]:
        tx = x(tick)
        parts.append(f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{top + row_h * len(bars)}" '
                     f'stroke="{"#333" if tick == 1 else "#ddd"}" stroke-width="{2 if tick == 1 else 1}"/>')
        parts.append(f'<text x="{tx:.1f}" y="{top + row_h * len(bars) + 16}" text-anchor="middle" fill="#333">{tick:g}</text>')
    for i, (label, ratio, target) in enumerate(bars):
        y = top + i * row_h
        parts.append(f'<text x="{left - 8}" y="{y + row_h * 0.65:.1f}" text-anchor="end">{esc(label)}</text>')
        if ratio is None:
            continue
        x0, x1 = x(1), x(ratio)
        color = "#2e7d32" if ratio <= 1 else "#c62828"
        parts.append(f'<rect x="{min(x0, x1):.1f}" y="{y + 4}" width="{abs(x1 - x0):.1f}" height="{row_h - 8}" fill="{color}"/>')
        anchor_x = max(x0, x1) + 4
        parts.append(f'<text x="{anchor_x:.1f}" y="{y + row_h * 0.65:.1f}" fill="#000">{ratio:.2f}</text>')
        if target:
            tx = x(target)
            parts.append(f'<line x1="{tx:.1f}" y1="{y + 1}" x2="{tx:.1f}" y2="{y + row_h - 1}" stroke="#1565c0" stroke-width="3"/>')
    parts.append(f'<text x="{left}" y="{height - 10}" fill="#1565c0">blue tick: target ratio</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def inverse_time_ratio(ops, peer):
    """Time ratio from rates: Sotto time / peer time = peer rate / Sotto rate."""
    s, p = ops.get("sotto"), ops.get(peer)
    return p / s if s and p else None


# The written-up sections the report ends with, in this order: the analysis,
# issue 14's WebAssembly speed/size rounds (benches/wasmspeed.sh, hand-run),
# then the attachment, many-device and group measurements. They live next to
# this script, not only in docs/BENCHMARKS.md, so that `scripts/bench.sh
# --publish` (which replaces that file with this report) keeps them: edit
# these files and copy them into the docs (`--check-docs` checks that).
WRITTEN_UP = ("analysis.md", "wasmspeed.md", "attachments.md", "devices.md", "groups.md")


def written_up():
    """The written-up sections, joined as the report joins them."""
    here = Path(__file__).parent
    return "\n".join((here / n).read_text() for n in WRITTEN_UP if (here / n).exists()) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check-docs", metavar="PATH",
                    help="only check that PATH ends with the written-up sections")
    ap.add_argument("--results")
    ap.add_argument("--criterion")
    ap.add_argument("--mode", default="full")
    ap.add_argument("--command", default="scripts/bench.sh")
    ap.add_argument("--svg-link", default="latest.svg")
    a = ap.parse_args()
    if a.check_docs:
        if not Path(a.check_docs).read_text().endswith(written_up()):
            return f"{a.check_docs}: its written-up sections differ from benches/{{{','.join(WRITTEN_UP)}}}"
        print(f"{a.check_docs}: written-up sections match benches/*.md")
        return 0
    if not (a.results and a.criterion):
        ap.error("--results and --criterion are required")
    res = Path(a.results)

    crit = criterion_results(Path(a.criterion) / "shipped")
    crit_vs = criterion_results(Path(a.criterion) / "with-vodozemac")
    sizes = load(res / "sizes.json", {})
    js = load(res / "js.json", {})
    machine = load(res / "machine.json", {})
    package = load(res / "package-sizes.json", {})
    experiments = load(res / "experiments.json", None)
    groups_js = {env: load(res / f"groups-{env}.json", None) for env in ("node", "chromium")}
    pq_js = {env: load(res / f"pq-ratchet-js-{env}.json", None) for env in ("node", "chromium")}
    native_rows = native_section(crit, crit_vs)
    tgts = targets(native_rows, js, sizes)

    data = {
        "command": a.command,
        "mode": a.mode,
        "machine": machine,
        "native": {"criterion_sotto_as_shipped": crit, "criterion_with_vodozemac": crit_vs,
                   "comparisons": native_rows},
        "js": js,
        "sizes": {"native": sizes, "npm_package": package},
        "targets": tgts,
        "groups_js": groups_js,
        "pq_ratchet_js": pq_js,
    }
    if experiments:
        data["experiments"] = experiments
    (res / "latest.json").write_text(json.dumps(data, indent=2) + "\n")

    # ---- chart
    bars = []
    for r in native_rows:
        short = {"cmp_handshake": "native handshake", "cmp_pingpong_100B": "native ping-pong 100 B",
                 "cmp_burst_100B": "native burst 100 B", "cmp_persist": "native persist session",
                 "cmp_group_100B": "native group message 100 B"}[r["group"]]
        bars.append((f"{short} vs vodozemac", r["ratio"], r["target_ratio"]))
    for group, name, label in [
        ("chacha20poly1305_seal", "64B", "wasm ChaCha20-Poly1305 64 B"),
        ("chacha20poly1305_seal", "1KiB", "wasm ChaCha20-Poly1305 1 KiB"),
        ("chacha20poly1305_seal", "1MiB", "wasm ChaCha20-Poly1305 1 MiB"),
        ("xchacha20poly1305_seal", "64B", "wasm XChaCha20-Poly1305 64 B"),
        ("x25519", "diffie_hellman", "wasm X25519"),
        ("ed25519", "sign_100B", "wasm Ed25519 sign"),
        ("ed25519", "verify_100B", "wasm Ed25519 verify"),
        ("hkdf_sha256", "32B_ikm_96B_out", "wasm HKDF-SHA256"),
    ]:
        ops = js_lookup(js, group, name)
        for peer, target in [("libsodium", 1.0), ("noble", None)]:
            r = inverse_time_ratio(ops, peer)
            if r is not None:
                bars.append((f"{label} vs {peer}", r, target))
    (res / "latest.svg").write_text(svg_chart(bars, f"Sotto vs peers ({a.mode} run, {machine.get('date', '')})"))

    # ---- markdown
    L = []
    L.append("# Sotto benchmarks\n")
    L.append(f"- Command: `{a.command}` ({a.mode} mode)")
    for k in ["date", "git_commit", "cpu", "cores", "memory", "kernel", "rustc", "node"]:
        if machine.get(k):
            L.append(f"- {k.replace('_', ' ').capitalize()}: {machine[k]}")
    L.append("- The machine is shared and noisy: compare the two libraries of one row (same run), not absolute times across runs.")
    L.append("- Native: criterion medians; JavaScript: median of several timed rounds (ops/s).")
    L.append("")
    L.append(f"![ratios]({a.svg_link})\n")

    L.append("## Targets\n")
    L.append("| target | measured | met? |")
    L.append("|---|---|---|")
    for t in tgts:
        met = "–" if t["met"] is None else ("**met**" if t["met"] else "**missed**")
        L.append(f"| {t['target']} | {t['measured']} | {met} |")
    L.append("")

    L.append("## Native: Sotto vs vodozemac (100-byte messages)\n")
    L.append("| benchmark | Sotto (as shipped) | vodozemac | **Sotto / vodozemac** | Sotto with a userspace RNG | Sotto in vodozemac's binary (precomputed tables) | target |")
    L.append("|---|---:|---:|---:|---:|---:|---|")
    for r in native_rows:
        su = f"{fmt_time(r['sotto_userspace_rng_ns'])} ({fmt_ratio(r['ratio_userspace_rng'])})" if r["sotto_userspace_rng_ns"] else "–"
        st = f"{fmt_time(r['sotto_with_precomputed_tables_same_binary_ns'])} ({fmt_ratio(r['ratio_same_binary'])})" if r["sotto_with_precomputed_tables_same_binary_ns"] else "–"
        L.append(f"| {r['label']} | {fmt_time(r['sotto_ns'])} | {fmt_time(r['vodozemac_ns'])} | **{fmt_ratio(r['ratio'])}** | {su} | {st} | {r['target'] or '–'} |")
    L.append("")
    L.append("Account creation is excluded for both libraries. **Sotto (as shipped)** is measured in a build without vodozemac "
             "(`cargo bench -p sotto-bench --no-default-features`), because vodozemac turns on curve25519-dalek's "
             "`precomputed-tables` feature and Cargo unifies features: in the binary that contains vodozemac, Sotto's "
             "X25519 and Ed25519 get the tables too. That build's Sotto figures are in the last column, timed in the same "
             "process as vodozemac (the fairest same-run ratio, and what Sotto would gain from the feature). "
             "\"Userspace RNG\": the same Sotto code with a seeded ChaCha20Rng instead of `OsRng` (one getrandom "
             "syscall per request); vodozemac uses rand's thread-local userspace RNG.\n")

    pq = load(res / "pq-ratchet-bytes.json", None) or load(res / "pq-ratchet-bytes-shipped.json", None)
    if pq or any(k.startswith("pq_alternate3_100B/") for k in crit):
        L.append("## Post-quantum ratchet (PROTOCOL.md §22)\n")
        L.append("100-byte messages, one iteration = one message (encrypt + decrypt), the direction "
                 "changing every 3 messages (`benches/benches/pq_ratchet.rs`). Version 2 amortises its ML-KEM-768 "
                 "key generations, encapsulations and decapsulations over the messages.\n")
        L.append("| per message | Sotto v1 | Sotto v2 (KEM ratchet) | vodozemac |")
        L.append("|---|---:|---:|---:|")
        t = lambda d, n: fmt_time(d.get(f"pq_alternate3_100B/{n}", {}).get("median_ns"))
        L.append(f"| time (as shipped) | {t(crit, 'sotto_v1')} | {t(crit, 'sotto_v2')} | {t(crit_vs, 'vodozemac')} |")
        for row in (pq or {}).get("rows", []):
            olm = row.get("vodozemac_bytes")
            L.append(f"| bytes, alternating every {row['alternate_every']} | {row['sotto_v1_bytes']:.1f} | "
                     f"{row['sotto_v2_bytes']:.1f} (+{row['extra_bytes_v2']:.1f}) | "
                     f"{'n/a' if olm is None else f'{olm:.1f}'} |")
        L.append("")

    L.append("## Native: Sotto alone\n")
    L.append("| benchmark | median | 95% interval |")
    L.append("|---|---:|---|")
    for name, v in crit.items():
        if name.startswith("cmp_"):
            continue
        L.append(f"| {name} | {fmt_time(v['median_ns'])} | {fmt_time(v['ci95_ns'][0])} – {fmt_time(v['ci95_ns'][1])} |")
    L.append("")

    if js:
        L.append("## JavaScript (Node " + js.get("versions", {}).get("node", "?") + ")\n")
        L.append("Sotto primitives: Sotto's primitive layer compiled to WebAssembly with the npm package's profile "
                 "(`wasm-release`, opt-level z, wasm-opt -Oz) by `benches/src/wasm.rs`, because the npm package does not "
                 "export primitives. Sessions: the `sotto` npm package itself.\n")
        libs = ["sotto", "libsodium", "noble", "node"]
        L.append("| benchmark | " + " | ".join(libs) + " | Sotto time / libsodium | Sotto time / noble | Sotto time / node |")
        L.append("|---|" + "---:|" * (len(libs) + 3))
        for row in js.get("rows", []):
            ops = row["ops_per_sec"]
            cells = [fmt_rate(ops.get(lib)) for lib in libs]
            ratios = [fmt_ratio(inverse_time_ratio(ops, p)) for p in ["libsodium", "noble", "node"]]
            L.append(f"| {row['group']}/{row['name']} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
        L.append("")
        L.append("Cross-checks before timing (identical outputs on identical inputs): " +
                 "; ".join(f"{c['what']}: {', '.join(c['libs'])}" for c in js.get("checks", [])) + ".\n")
        for note in js.get("notes", []):
            L.append(f"- {note}")
        L.append("- Versions: " + ", ".join(f"{k} {v}" for k, v in js.get("versions", {}).items()))
        L.append("")

    L.append("## Sizes\n")
    s = sizes.get("sotto", {})
    v = sizes.get("vodozemac", {})
    L.append("| object | Sotto | vodozemac (Olm) |")
    L.append("|---|---:|---:|")
    L.append(f"| Prekey bundle / published keys for one session | {s.get('bundle_bytes_with_one_time_prekey')} B (with one-time prekey; {s.get('bundle_bytes_without_one_time_prekey')} B without) | {v.get('published_keys_bytes_identity_ed25519_otk_signature')} B raw (Curve25519 + Ed25519 identity, one-time key, signature) |")
    L.append(f"| Prekey (first) message, 100 B plaintext | {s.get('prekey_message_bytes')} B | {v.get('prekey_message_bytes')} B |")
    L.append(f"| Normal message, 100 B plaintext | {s.get('message_bytes')} B (Padmé pads to {s.get('message_padded_plaintext_bytes')} B) | {v.get('message_bytes')} B ({v.get('message_base64_chars')} chars base64 in Matrix) |")
    L.append(f"| Per-message overhead at 100 B | {s.get('message_overhead_bytes')} B (padding off: {s.get('message_overhead_bytes_padding_none')} B) | {v.get('message_overhead_bytes')} B |")
    L.append(f"| Session at rest, established | sealed {s.get('sealed_session_bytes_established')} B (serialized {s.get('serialized_session_bytes_established')} B + {s.get('sealed_overhead_bytes')} B) | encrypted pickle {v.get('pickle_encrypted_base64_chars_established')} chars base64 (JSON pickle {v.get('pickle_json_bytes_established')} B) |")
    L.append(f"| Session at rest after 20 ping-pong messages | sealed {s.get('sealed_session_bytes_after_20_pingpong')} B | encrypted pickle {v.get('pickle_encrypted_base64_chars_after_20_pingpong')} chars (JSON {v.get('pickle_json_bytes_after_20_pingpong')} B) |")
    L.append(f"| Session at rest holding 1000 skipped keys | sealed {s.get('sealed_session_bytes_with_1000_skipped_keys')} B | encrypted pickle {v.get('pickle_encrypted_base64_chars_with_1000_skipped_keys')} chars |")
    L.append(f"| Initiator before the first reply (carries the handshake) | sealed {s.get('sealed_session_bytes_initiator_awaiting_reply')} B | – |")
    L.append(f"| Sealed account (1 one-time prekey) | {s.get('sealed_account_bytes_with_1_one_time_prekey')} B | – |")
    L.append("")
    g = sizes.get("groups")
    if g:
        L.append(f"Groups (PROTOCOL.md §21; device addresses of {g.get('device_address_bytes')} B):\n")
        L.append("| object | Sotto | vodozemac (Megolm) |")
        L.append("|---|---:|---:|")
        L.append(f"| Group message, 100 B plaintext | {g.get('group_message_bytes_100B')} B (overhead {g.get('group_message_overhead_bytes')} B) | {g.get('megolm_message_bytes_100B')} B (overhead {g.get('megolm_message_overhead_bytes')} B) |")
        L.append(f"| Chain distribution / session key | {g.get('distribution_bytes')} B ({g.get('distribution_in_pairwise_message_bytes')} B in its pairwise message) | {g.get('megolm_session_key_bytes')} B |")
        L.append("")
        L.append("| member devices | sealed state | removal: bytes sent per remaining device | removal: bytes sent in total | add one member: bytes per member / total |")
        L.append("|---:|---:|---:|---:|---:|")
        for n, row in g.get("by_member_devices", {}).items():
            L.append(f"| {n} | {row['sealed_state_bytes']} B | {row['removal_bytes_sent_per_device']} B | {row['removal_bytes_sent_total']} B | {row['add_member_bytes_sent_per_member']} B / {row['add_member_bytes_sent_total']} B |")
        L.append("")
    f = sizes.get("fanout")
    if f:
        L.append("Sending to a person (PROTOCOL.md §20.3; `benches/benches/fanout.rs`, established sessions): "
                 "bytes uploaded and time to reach `n` devices, the full body through each session (Sotto) "
                 "against the body once under a random key and the 64-byte key and digest through each session:\n")
        L.append("| body | devices | full: bytes | full: time | key-wrap: bytes | key-wrap: time |")
        L.append("|---|---:|---:|---:|---:|---:|")
        for body, rows in f.items():
            for n, row in sorted(rows.items(), key=lambda kv: int(kv[0])):
                full_t = crit.get(f"fanout_full/{body}/{n}", {}).get("median_ns")
                wrap_t = crit.get(f"fanout_keywrap/{body}/{n}", {}).get("median_ns")
                L.append(f"| {body} | {n} | {row['full_bytes']} B | {fmt_time(full_t)} | "
                         f"{row['keywrap_bytes']} B | {fmt_time(wrap_t)} |")
        L.append("")
    if package:
        L.append("npm package `sotto` (pkg/dist, built by scripts/build-wasm.sh):\n")
        L.append("| file | bytes | gzip -9 |")
        L.append("|---|---:|---:|")
        for f in package.get("files", []):
            L.append(f"| {f['file']} | {f['bytes']} | {f['gzip']} |")
        if package.get("tarball_bytes"):
            L.append(f"| `npm pack` tarball (both builds) | {package['tarball_bytes']} | (already gzipped) |")
        if package.get("unpacked_bytes"):
            L.append(f"| unpacked package | {package['unpacked_bytes']} | |")
        L.append("")

    if experiments:
        L.append("## Experiments (profiles and proposed changes)\n")
        # experiments.json may carry the date and commit of its run, when it
        # is kept from an earlier report rather than run with this one.
        when = (f"on {experiments['date']} at commit {experiments['commit']}, kept from an earlier report: "
                "the analysis below says what changed since"
                if "date" in experiments and "commit" in experiments
                else "on the same machine and day: native variants just before the main run, WebAssembly variants just after")
        L.append(f"Produced by `benches/experiments.sh` (a separate run {when}; "
                 "not part of `scripts/bench.sh` or CI). Each variant is a build flag or a feature of the bench crate only; "
                 "the core is unchanged.\n")
        for e in experiments.get("markdown", []):
            L.append(e)
        L.append("")

    # Ratchet version 2 against version 1 through the npm package
    # (benches/js/pqratchet-*.mjs).
    if any(pq_js.values()):
        L.append("## Post-quantum ratchet through the npm package\n")
        L.append("The native `pq_alternate3_100B` case through the npm package's main entry (WebAssembly): 100-byte "
                 "messages, the direction changing every 3 messages, one operation = one encrypt and its decrypt, "
                 "Padmé padding; a version-1 session against a version-2 one (`account.prekeyBundle({ pqRatchet: true })`), "
                 "their rounds interleaved, median round of whole KEM epochs, in Node and in headless Chromium "
                 "(`benches/js/pqratchet-node.mjs`, `pqratchet-chromium.mjs`).\n")
        L.append("| runtime | session | ops/s | µs/op | bytes/message | KEM epochs in the run |")
        L.append("|---|---|---:|---:|---:|---:|")
        for env, r in pq_js.items():
            for row in (r or {}).get("rows", []):
                epochs = row.get("kem_epochs")
                L.append(f"| {env} | {row['name']} | {row['ops_per_s']} | {row['us_per_op']} | "
                         f"{row['bytes_per_message']} | {'n/a' if epochs is None else epochs} |")
        L.append("")

    # sotto/groups through the npm package (benches/js/groups-*.mjs).
    group_js = [(env, load(res / f"groups-{env}.json", None)) for env in ("node", "chromium")]
    if any(r for _, r in group_js):
        L.append("## Group messages through the npm package\n")
        L.append("`sotto/groups` (its own WebAssembly module): one 100-byte group message encrypted by its sender "
                 "and decrypted by one member, rotation off, Padmé padding (the native `cmp_group_100B`), "
                 "in Node and in headless Chromium (`benches/js/groups-node.mjs`, `groups-chromium.mjs`).\n")
        L.append("| runtime | operation | ops/s | µs/op |")
        L.append("|---|---|---:|---:|")
        for env, r in group_js:
            for row in (r or {}).get("rows", []):
                L.append(f"| {env} | {row['name']} | {row['ops_per_s']} | {row['us_per_op']} |")
        L.append("")

    # sotto/attachments through the npm package (benches/js/attachments-*.mjs).
    attach_js = [(env, load(res / f"attachments-{env}.json", None)) for env in ("node", "chromium")]
    if any(r for _, r in attach_js):
        L.append("## Attachments through the npm package\n")
        L.append("`sotto/attachments` streams (64 KiB chunks, SHA-256 digest of the ciphertext) against "
                 "libsodium-wrappers-sumo's `crypto_secretstream_xchacha20poly1305`, bare and with an incremental "
                 "SHA-256 of its ciphertext (the same work), timed in turn after a warm-up, medians "
                 "(`benches/js/attachments-node.mjs`, `attachments-chromium.mjs`; PROTOCOL.md §16). The goal is "
                 "≥ 1.0× doing the same work; why not bare: benches/attachments.md.\n")
        L.append("| runtime | size | op | Sotto MB/s | secretstream MB/s | ratio | secretstream + SHA-256 MB/s "
                 "| ratio, same work | repetitions |")
        L.append("|---|---|---|---:|---:|---:|---:|---:|---:|")
        for env, r in attach_js:
            # Chromium reports its user agent; its version is what matters.
            agent = (r or {}).get("env", env)
            chrome = re.search(r"Chrome/(\d+)", agent)
            runtime = f"Chromium {chrome.group(1)}" if chrome else agent
            for row in (r or {}).get("rows", []):
                L.append(f"| {runtime} | {row['size']} | {row['op']} | {row['sotto_mbs']} | "
                         f"{row['sodium_mbs']} | {row['ratio']}× | {row['sodium_sha256_mbs']} | "
                         f"{row['ratio_same_work']}× | {row['reps']} |")
        L.append("")

    L.append(written_up().removesuffix("\n"))

    (res / "latest.md").write_text("\n".join(L) + "\n")
    print((res / "latest.md").read_text())


if __name__ == "__main__":
    sys.exit(main())
