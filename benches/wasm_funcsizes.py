#!/usr/bin/env python3
"""Code size per crate and the largest functions of a .wasm with a name section
(the `*.names.wasm` that benches/wasmspeed.sh keeps): `wasm_funcsizes.py FILE [N]`."""
import sys, re, collections
data = open(sys.argv[1], 'rb').read()
def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1
        r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i
i = 8; nimports = 0; bodies = []; names = {}
while i < len(data):
    sid = data[i]; i += 1
    size, i = leb(data, i); end = i + size
    if sid == 2:
        n, j = leb(data, i)
        for _ in range(n):
            l, j = leb(data, j); j += l
            l, j = leb(data, j); j += l
            kind = data[j]; j += 1
            if kind == 0: _, j = leb(data, j); nimports += 1
            elif kind == 1: j += 1; fl, j = leb(data, j); _, j = leb(data, j); j = leb(data, j)[1] if fl & 1 else j
            elif kind == 2: fl, j = leb(data, j); _, j = leb(data, j); j = leb(data, j)[1] if fl & 1 else j
            elif kind == 3: j += 2
            elif kind == 4: j += 1; _, j = leb(data, j)
    elif sid == 10:
        n, j = leb(data, i)
        for _ in range(n):
            l, j = leb(data, j); bodies.append(l); j += l
    elif sid == 0:
        l, j = leb(data, i); nm = data[j:j+l]; j += l
        if nm == b'name':
            while j < end:
                sub = data[j]; j += 1
                sl, j = leb(data, j); se = j + sl
                if sub == 1:
                    n, j = leb(data, j)
                    for _ in range(n):
                        idx, j = leb(data, j); l, j = leb(data, j)
                        names[idx] = data[j:j+l].decode('utf8', 'replace'); j += l
                j = se
    i = end
def crate(n):
    m = re.match(r'_?ZN?\d*([a-z0-9_]+)', n) 
    for c in ['curve25519_dalek','ed25519_dalek','ml_kem','module_lattice','chacha20poly1305','chacha20','poly1305','sha2','sha3','keccak','hmac','hkdf','sotto_wasm','sotto_bench','sotto','wasm_bindgen','js_sys','core','alloc','std','dlmalloc','hybrid_array','getrandom','zeroize','subtle','universal_hash','cipher','digest']:
        if c in n: return c
    return 'other'
tot = collections.Counter(); per = []
for k, l in enumerate(bodies):
    n = names.get(nimports + k, '?'); tot[crate(n)] += l; per.append((l, n))
print('total code', sum(bodies))
for c, l in tot.most_common(): print(f'{l:8d} {c}')
per.sort(reverse=True)
for l, n in per[:int(sys.argv[2]) if len(sys.argv) > 2 else 25]: print(f'{l:8d} {n[:150]}')
