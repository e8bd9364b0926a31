"""Sotto v1 groups (PROTOCOL.md §21), written from the specification alone.

ChaCha20-Poly1305 (RFC 8439) comes from `cryptography`; HMAC, Ed25519 and
the strict key checks from sotto_ref (§2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from sotto_ref import (Reader, SottoError, check_version_kind, ed25519_check_public,
                       ed25519_public, ed25519_sign, ed25519_verify, hmac256, u8, u32)

KIND_MESSAGE, KIND_DISTRIBUTION, KIND_SEALED_GROUP = 0x0E, 0x0F, 0x10
MAX_ADDR = 64
MAX_SKIP = 1000
MAX_SKIPPED = 2000
MAX_CHAINS_PER_SENDER = 3
MAX_PLAINTEXT = 1 << 20
TAG, SIG = 16, 64


def padme(length: int) -> int:
    """§8 P(L), with the 32-byte floor."""
    if length <= 32:
        return 32
    e = length.bit_length() - 1
    s = e.bit_length()
    mask = (1 << (e - s)) - 1
    return (length + mask) & ~mask


MAX_BODY = padme(MAX_PLAINTEXT + 1) + TAG


def pad(pt: bytes, padme_on: bool = True) -> bytes:
    n = len(pt) + 1
    target = padme(n) if padme_on else n
    return pt + b"\x80" + b"\x00" * (target - n)


def unpad(padded: bytes) -> bytes:
    stripped = padded.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise SottoError("INVALID_PADDING")
    return stripped[:-1]


def step(ck: bytes) -> tuple[bytes, bytes]:
    """§21.3: (MK_i, CK_{i+1})."""
    return hmac256(ck, b"Sotto v1 group message key"), hmac256(ck, b"Sotto v1 group chain key")


def addr(a: bytes) -> bytes:
    return u8(len(a)) + a


def read_addr(r: Reader) -> bytes:
    n = r.u8()
    if n == 0:
        raise SottoError("MALFORMED", "empty address")
    if n > MAX_ADDR:
        raise SottoError("TOO_LARGE", "address")
    return r.take(n)


@dataclass
class Distribution:
    group_id: bytes
    epoch: int
    sender: bytes
    chain: int
    index: int
    ck: bytes
    hk: bytes
    sk_public: bytes

    def encode(self) -> bytes:
        """§21.4"""
        return (bytes([1, KIND_DISTRIBUTION]) + self.group_id + u32(self.epoch) + addr(self.sender)
                + u32(self.chain) + u32(self.index) + self.ck + self.hk + self.sk_public)

    @staticmethod
    def decode(b: bytes) -> "Distribution":
        r = Reader(b)
        check_version_kind(r, KIND_DISTRIBUTION)
        d = Distribution(r.take(16), r.u32(), read_addr(r), r.u32(), r.u32(), r.take(32), r.take(32), r.take(32))
        r.end()
        ed25519_check_public(d.sk_public)
        return d


@dataclass
class Parsed:
    group_id: bytes
    epoch: int
    sender: bytes
    chain: int
    nonce: bytes
    masked: bytes
    prefix: bytes
    body: bytes
    signature: bytes


def parse_message(b: bytes) -> Parsed:
    """§21.5 framing checks, in order."""
    r = Reader(b)
    check_version_kind(r, KIND_MESSAGE)
    gid, epoch, sender, chain = r.take(16), r.u32(), read_addr(r), r.u32()
    nonce, masked = r.take(12), r.take(4)
    prefix_len = r.pos
    rest = len(b) - prefix_len
    if rest < TAG + SIG:
        raise SottoError("TRUNCATED")
    body_len = rest - SIG
    if body_len > MAX_BODY:
        raise SottoError("TOO_LARGE")
    return Parsed(gid, epoch, sender, chain, nonce, masked, b[:prefix_len],
                  b[prefix_len:prefix_len + body_len], b[prefix_len + body_len:])


def mask(hk: bytes, nonce: bytes) -> bytes:
    return hmac256(hk, nonce)[:4]


def xor4(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b))


@dataclass
class Sending:
    chain: int
    index: int
    ck: bytes
    hk: bytes
    seed: bytes
    created_at: int


@dataclass
class Receiving:
    sender: bytes
    epoch: int
    chain: int
    next: int
    ck: bytes
    hk: bytes
    sk_public: bytes
    skipped: dict = field(default_factory=dict)


class Group:
    """§21.6-§21.8 state machine (one device)."""

    def __init__(self, group_id: bytes, own: bytes, members: list[bytes], epoch: int,
                 max_messages: int, max_age: int, now: int, draws: list[bytes]):
        self.group_id, self.own, self.epoch = group_id, own, epoch
        self.max_messages, self.max_age = max_messages, max_age
        self.members = sorted(members)
        self.receiving: dict[tuple, Receiving] = {}
        self.sending = self._new_chain(0, now, draws)

    @staticmethod
    def _new_chain(number: int, now: int, draws: list[bytes]) -> Sending:
        # §21.2: CK_0, HK, SK seed, 32 bytes each, in this order.
        ck, hk, seed = draws.pop(0), draws.pop(0), draws.pop(0)
        assert len(ck) == len(hk) == len(seed) == 32
        return Sending(number, 0, ck, hk, seed, now)

    def distribution(self) -> Distribution:
        s = self.sending
        return Distribution(self.group_id, self.epoch, self.own, s.chain, s.index, s.ck, s.hk,
                            ed25519_public(s.seed))

    def receive_distribution(self, b: bytes, frm: bytes) -> None:
        d = Distribution.decode(b)
        if d.group_id != self.group_id:
            raise SottoError("SESSION_MISMATCH")
        if d.sender != frm or d.sender == self.own:
            raise SottoError("IDENTITY_MISMATCH")
        if d.sender not in self.members or d.epoch + 1 < self.epoch:
            raise SottoError("EPOCH_MISMATCH")
        key = (d.sender, d.epoch, d.chain)
        if key in self.receiving:
            if self.receiving[key].sk_public != d.sk_public:
                raise SottoError("DUPLICATE_MESSAGE")
            return
        mine = sorted(k for k in self.receiving if k[0] == d.sender)
        if len(mine) >= MAX_CHAINS_PER_SENDER and all(k[1:] > key[1:] for k in mine):
            raise SottoError("EPOCH_MISMATCH")
        self.receiving[key] = Receiving(d.sender, d.epoch, d.chain, d.index, d.ck, d.hk, d.sk_public)
        if len(mine) >= MAX_CHAINS_PER_SENDER:
            del self.receiving[mine[0]]

    def rotation_due(self, now: int) -> bool:
        s = self.sending
        return s.index >= self.max_messages or s.index == 2**32 - 1 or now - s.created_at >= self.max_age

    def encrypt(self, pt: bytes, now: int, draws: list[bytes]) -> tuple[bytes, Distribution | None]:
        rotated = None
        if self.rotation_due(now):
            self.sending = self._new_chain(self.sending.chain + 1, now, draws)
            rotated = self.distribution()
        nonce = draws.pop(0)
        assert len(nonce) == 12
        s = self.sending
        mk, next_ck = step(s.ck)
        prefix = (bytes([1, KIND_MESSAGE]) + self.group_id + u32(self.epoch) + addr(self.own)
                  + u32(s.chain) + nonce + xor4(u32(s.index), mask(s.hk, nonce)))
        ad = b"Sotto v1 group message" + prefix + u32(s.index)
        body = ChaCha20Poly1305(mk).encrypt(nonce, pad(pt), ad)
        sig = ed25519_sign(s.seed, b"Sotto v1 group signature" + prefix + body)
        s.ck, s.index = next_ck, s.index + 1
        return prefix + body + sig, rotated

    def remove(self, removed: list[bytes], now: int, draws: list[bytes]) -> Distribution:
        for d in removed:
            if d not in self.members:
                raise SottoError("INVALID_ARGUMENT")
        self.epoch += 1
        self.members = [m for m in self.members if m not in removed]
        self.receiving = {k: c for k, c in self.receiving.items()
                          if k[0] not in removed and k[1] + 1 >= self.epoch}
        self.sending = self._new_chain(self.sending.chain + 1, now, draws)
        return self.distribution()

    def decrypt(self, b: bytes) -> tuple[bytes, bytes]:
        """§21.6; the state changes only on success."""
        p = parse_message(b)
        if p.group_id != self.group_id:
            raise SottoError("SESSION_MISMATCH")
        c = self.receiving.get((p.sender, p.epoch, p.chain))
        if c is None:
            if p.epoch + 1 < self.epoch:
                raise SottoError("EPOCH_MISMATCH")
            raise SottoError("UNKNOWN_SENDER_CHAIN")
        ed25519_verify(c.sk_public, b"Sotto v1 group signature" + p.prefix + p.body, p.signature)
        i = int.from_bytes(xor4(p.masked, mask(c.hk, p.nonce)), "big")
        ad = b"Sotto v1 group message" + p.prefix + u32(i)

        def open_with(mk: bytes) -> bytes:
            try:
                return unpad(ChaCha20Poly1305(mk).decrypt(p.nonce, p.body, ad))
            except InvalidTag:
                raise SottoError("DECRYPTION_FAILED") from None

        if i < c.next:
            if i not in c.skipped:
                raise SottoError("DUPLICATE_MESSAGE")
            pt = open_with(c.skipped[i])
            del c.skipped[i]
            return p.sender, pt
        if i - c.next > MAX_SKIP:
            raise SottoError("TOO_FAR_AHEAD")
        ck, new = c.ck, {}
        for j in range(c.next, i):
            mk, ck = step(ck)
            new[j] = mk
        mk, ck = step(ck)
        pt = open_with(mk)
        c.skipped.update(new)
        c.ck, c.next = ck, i + 1
        self._evict()
        return p.sender, pt

    def _evict(self) -> None:
        """§21.6 bounds: drop the lowest index of the largest list (first in key order)."""
        while sum(len(c.skipped) for c in self.receiving.values()) > MAX_SKIPPED:
            largest = None
            for k in sorted(self.receiving):
                c = self.receiving[k]
                if largest is None or len(c.skipped) > len(largest.skipped):
                    largest = c
            del largest.skipped[min(largest.skipped)]
