"""Sotto v1 attachments (PROTOCOL.md §16), written from the specification alone.

Independent of the Rust code: ChaCha20-Poly1305 and HKDF come from the
`cryptography` package, SHA-256 from hashlib.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.exceptions import InvalidTag

from sotto_ref import SottoError

MIN_CHUNK = 1024
MAX_CHUNK = 1_048_576
MAX_SIZE = 1 << 36
TAG = 16
KIND = 0x07


def padme(length: int) -> int:
    """§8 P(L), with the 32-byte floor."""
    if length <= 32:
        return 32
    e = length.bit_length() - 1
    s = e.bit_length()
    mask = (1 << (e - s)) - 1
    return (length + mask) & ~mask


def chunk_key(file_key: bytes, chunk_size: int) -> bytes:
    """§16.1"""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"\x00" * 32,
                info=b"Sotto v1 attachment chunks" + struct.pack(">I", chunk_size)).derive(file_key)


def nonce(i: int, last: bool) -> bytes:
    """§16.1: 0x00 × 3 || u64(i) || u8(last)"""
    return b"\x00" * 3 + struct.pack(">Q", i) + bytes([1 if last else 0])


@dataclass
class Layout:
    """§16.2"""
    n: int
    cs: int
    padding: int

    @property
    def padded(self) -> int:
        return padme(self.n) if self.padding == 1 else self.n

    @property
    def count(self) -> int:
        return max(1, -(-self.padded // self.cs))

    def chunk_ct_len(self, i: int) -> int:
        if i == self.count - 1:
            return self.padded - (self.count - 1) * self.cs + TAG
        return self.cs + TAG

    @property
    def ciphertext_size(self) -> int:
        return self.padded + TAG * self.count


def encrypt(file_key: bytes, plaintext: bytes, cs: int, padding: int) -> tuple[bytes, bytes]:
    """§16.3: returns (ciphertext, digest)."""
    if not MIN_CHUNK <= cs <= MAX_CHUNK:
        raise SottoError("INVALID_ARGUMENT")
    if len(plaintext) > MAX_SIZE:
        raise SottoError("TOO_LARGE")
    lay = Layout(len(plaintext), cs, padding)
    padded = plaintext + b"\x00" * (lay.padded - len(plaintext))
    aead = ChaCha20Poly1305(chunk_key(file_key, cs))
    out = b"".join(
        aead.encrypt(nonce(i, i == lay.count - 1), padded[i * cs:(i + 1) * cs], b"")
        for i in range(lay.count))
    return out, hashlib.sha256(out).digest()


@dataclass
class Descriptor:
    file_key: bytes
    digest: bytes
    plaintext_size: int
    chunk_size: int
    padding: int
    content_type: str

    def encode(self) -> bytes:
        """§16.4"""
        ct = self.content_type.encode("ascii")
        return (bytes([1, KIND]) + self.file_key + self.digest
                + struct.pack(">QIBB", self.plaintext_size, self.chunk_size, self.padding, len(ct)) + ct)

    @property
    def layout(self) -> Layout:
        return Layout(self.plaintext_size, self.chunk_size, self.padding)


def decode_descriptor(data: bytes) -> Descriptor:
    """§16.4, checking the fields in order."""
    pos = 0

    def take(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(data):
            raise SottoError("TRUNCATED")
        out = data[pos:pos + n]
        pos += n
        return out

    if take(1)[0] != 1:
        raise SottoError("UNSUPPORTED_VERSION")
    if take(1)[0] != KIND:
        raise SottoError("WRONG_OBJECT_TYPE")
    file_key = take(32)
    digest = take(32)
    (n,) = struct.unpack(">Q", take(8))
    if n > MAX_SIZE:
        raise SottoError("TOO_LARGE")
    (cs,) = struct.unpack(">I", take(4))
    if not MIN_CHUNK <= cs <= MAX_CHUNK:
        raise SottoError("MALFORMED")
    padding = take(1)[0]
    if padding not in (0, 1):
        raise SottoError("MALFORMED")
    ct = take(take(1)[0])
    if any(not 0x20 <= b <= 0x7E for b in ct):
        raise SottoError("MALFORMED")
    if pos != len(data):
        raise SottoError("TRAILING_BYTES")
    return Descriptor(file_key, digest, n, cs, padding, ct.decode("ascii"))


def _open(aead: ChaCha20Poly1305, lay: Layout, i: int, chunk: bytes) -> bytes:
    """§16.5 steps 2 and 3 for chunk i; returns its file bytes."""
    try:
        p = aead.decrypt(nonce(i, i == lay.count - 1), chunk, b"")
    except InvalidTag:
        raise SottoError("DECRYPTION_FAILED") from None
    data = max(0, min(len(p), lay.n - i * lay.cs))
    if any(p[data:]):
        raise SottoError("INVALID_PADDING")
    return p[:data]


def decrypt(desc: Descriptor, ciphertext: bytes) -> bytes:
    """§16.5, as a stream over `ciphertext`."""
    lay = desc.layout
    aead = ChaCha20Poly1305(chunk_key(desc.file_key, desc.chunk_size))
    out, pos = [], 0
    for i in range(lay.count):
        n = lay.chunk_ct_len(i)
        if pos + n > len(ciphertext):
            raise SottoError("TRUNCATED")
        out.append(_open(aead, lay, i, ciphertext[pos:pos + n]))
        pos += n
    if pos != len(ciphertext):
        raise SottoError("TRAILING_BYTES")
    if hashlib.sha256(ciphertext).digest() != desc.digest:
        raise SottoError("DIGEST_MISMATCH")
    return b"".join(out)


def ciphertext_range(desc: Descriptor, a: int, b: int) -> tuple[int, int, int, int]:
    """§16.6: (first chunk, last chunk + 1, ciphertext start, ciphertext end)."""
    lay = desc.layout
    if not 0 <= a <= b <= lay.n:
        raise SottoError("INVALID_ARGUMENT")
    if a == b:
        return 0, 0, 0, 0
    first, last = a // lay.cs, (b - 1) // lay.cs
    stride = lay.cs + TAG
    return first, last + 1, first * stride, last * stride + lay.chunk_ct_len(last)


def decrypt_range(desc: Descriptor, a: int, b: int, fetched: bytes) -> bytes:
    """§16.6: plaintext bytes [a, b) from the ciphertext bytes of their chunks."""
    first, end, start, stop = ciphertext_range(desc, a, b)
    if len(fetched) < stop - start:
        raise SottoError("TRUNCATED")
    if len(fetched) > stop - start:
        raise SottoError("TRAILING_BYTES")
    lay = desc.layout
    aead = ChaCha20Poly1305(chunk_key(desc.file_key, desc.chunk_size))
    out, pos = [], 0
    for i in range(first, end):
        n = lay.chunk_ct_len(i)
        out.append(_open(aead, lay, i, fetched[pos:pos + n]))
        pos += n
    data = b"".join(out)
    return data[a - first * lay.cs:b - first * lay.cs]
