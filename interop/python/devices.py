"""People and device lists (PROTOCOL.md §18), written from the spec text.

Builds on sotto_ref (the §1–§10 reference): Reader, typed keys, identity
records, Ed25519, the sealed-state envelope and the safety-number
presentations.
"""

from __future__ import annotations

import sotto_ref as R
from sotto_ref import Reader, SottoError, u8, u32

KIND_DEVICE_LIST = 0x09
KIND_DEVICE_CERTIFICATE = 0x0A
KIND_SEALED_USER_IDENTITY = 0x0D
MAX_DEVICES = 16
LIST_LABEL = b"Sotto v1 device list"
CERT_LABEL = b"Sotto v1 device certificate"
USER_SN_LABEL = b"Sotto v1 user safety number"


def u64(n: int) -> bytes:
    return n.to_bytes(8, "big")


def read_u64(r: Reader) -> int:
    return int.from_bytes(r.take(8), "big")


# §18.1 ----------------------------------------------------------------------

class User:
    """A user identity: the Ed25519 seed US and the committed list."""

    def __init__(self, seed: bytes):
        self.seed = seed
        self.public = R.ed25519_public(seed)
        self.uk = R.enc_key(R.T_ED25519, self.public)
        self.entries: list[tuple[int, bytes, int]] = []  # (device_id, record, added_at)
        self.version = 0
        self.list_bytes: bytes | None = None

    def sign(self, label: bytes, body: bytes) -> bytes:
        return R.ed25519_sign(self.seed, label + body)

    # §18.4 owner: sign is pure, commit adopts.
    def sign_list(self, add: list[tuple[int, bytes]], remove: list[int], now: int) -> bytes:
        entries = list(self.entries)
        for device_id in remove:
            if not any(e[0] == device_id for e in entries):
                raise SottoError("INVALID_ARGUMENT")
            entries = [e for e in entries if e[0] != device_id]
        for device_id, record in add:
            if any(e[0] == device_id for e in entries):
                raise SottoError("INVALID_ARGUMENT")
            entries.append((device_id, record, now))
        entries.sort(key=lambda e: e[0])
        return encode_list(self, self.version + 1, entries)

    def commit(self, list_bytes: bytes) -> None:
        decoded = decode_list(list_bytes, self.uk)
        if decoded["version"] <= self.version:
            raise SottoError("ROLLBACK")
        self.entries = decoded["entries"]
        self.version = decoded["version"]
        self.list_bytes = list_bytes

    def certify(self, device_id: int) -> bytes:
        for did, record, _ in self.entries:
            if did == device_id:
                body = (u8(1) + u8(KIND_DEVICE_CERTIFICATE) + self.uk + u32(did) + record
                        + u64(self.version))
                return body + self.sign(CERT_LABEL, body)
        raise SottoError("INVALID_ARGUMENT")


def read_user_key(r: Reader) -> bytes:
    start = r.pos
    key = R.read_key(r, R.T_ED25519)
    R.ed25519_check_public(key)
    return r.data[start:r.pos]


# §18.2 ----------------------------------------------------------------------

def encode_list(user: User, version: int, entries) -> bytes:
    if len(entries) > MAX_DEVICES:
        raise SottoError("TOO_LARGE")
    body = u8(1) + u8(KIND_DEVICE_LIST) + user.uk + u64(version) + u8(len(entries))
    for device_id, record, added_at in entries:
        body += u32(device_id) + record + u64(added_at)
    return body + user.sign(LIST_LABEL, body)


def decode_list(data: bytes, expected_uk: bytes | None) -> dict:
    r = Reader(data)
    R.check_version_kind(r, KIND_DEVICE_LIST)
    uk = read_user_key(r)
    if expected_uk is not None and uk != expected_uk:
        raise SottoError("IDENTITY_MISMATCH")
    version = read_u64(r)
    count = r.u8()
    if count > MAX_DEVICES:
        raise SottoError("TOO_LARGE")
    entries = []
    for _ in range(count):
        device_id = r.u32()
        ident = R.read_identity_record(r)
        entries.append((device_id, ident.record, read_u64(r)))
    signature = r.take(64)
    r.end()
    if version < 1:
        raise SottoError("MALFORMED", "version 0")
    for i in range(1, len(entries)):
        if entries[i - 1][0] >= entries[i][0]:
            raise SottoError("MALFORMED", "device ids not strictly ascending")
    signing_keys = [e[1][1:33] for e in entries]
    if len(set(signing_keys)) != len(signing_keys):
        raise SottoError("MALFORMED", "identity listed twice")
    R.ed25519_verify(uk[1:], LIST_LABEL + data[:-64], signature)
    return {"user_key": uk, "version": version, "entries": entries, "bytes": bytes(data)}


def change(old_entries, new_entries) -> dict:
    key = lambda e: (e[0], e[1])  # noqa: E731 (device_id, identity record)
    old = {key(e) for e in old_entries}
    new = {key(e) for e in new_entries}
    return {
        "added": [e[0] for e in new_entries if key(e) not in old],
        "removed": [e[0] for e in old_entries if key(e) not in new],
    }


# §18.4 contacts
def update(held: dict, new_bytes: bytes) -> tuple[dict, dict]:
    new = decode_list(new_bytes, held["user_key"])
    if new["version"] < held["version"]:
        raise SottoError("ROLLBACK")
    if new["version"] == held["version"]:
        if new_bytes != held["bytes"]:
            raise SottoError("ROLLBACK")
        return new, {"added": [], "removed": []}
    return new, change(held["entries"], new["entries"])


# §18.3 ----------------------------------------------------------------------

def decode_certificate(data: bytes, expected_uk: bytes) -> dict:
    r = Reader(data)
    R.check_version_kind(r, KIND_DEVICE_CERTIFICATE)
    uk = read_user_key(r)
    if uk != expected_uk:
        raise SottoError("IDENTITY_MISMATCH")
    device_id = r.u32()
    ident = R.read_identity_record(r)
    list_version = read_u64(r)
    signature = r.take(64)
    r.end()
    if list_version < 1:
        raise SottoError("MALFORMED")
    R.ed25519_verify(uk[1:], CERT_LABEL + data[:-64], signature)
    return {"device_id": device_id, "identity_record": ident.record, "list_version": list_version}


# §18.5 ----------------------------------------------------------------------

def user_fingerprint(uk: bytes) -> bytes:
    h = R.sha512(USER_SN_LABEL + uk)
    for _ in range(5200):
        h = R.sha512(h + uk)
    return h


def user_safety_number(uk_local: bytes, uk_remote: bytes) -> dict:
    """§10's presentations over the two user fingerprints."""
    fl, fr = user_fingerprint(uk_local), user_fingerprint(uk_remote)
    digits = "".join(sorted([R.fingerprint_digits(fl), R.fingerprint_digits(fr)]))
    lo, hi = sorted([fl[:32], fr[:32]])
    e = int.from_bytes(R.sha256(b"Sotto v1 safety emoji" + lo + hi)[:8], "big")
    return {
        "digits": digits,
        "emoji_indexes": [(e >> (64 - 6 * (i + 1))) & 0x3F for i in range(10)],
        "local_fingerprint": fl,
        "remote_fingerprint": fr,
    }


# §18.6 ----------------------------------------------------------------------

def user_state(user: User) -> bytes:
    state = u8(1) + user.seed
    if user.list_bytes is None:
        return state + R.flag(False)
    return state + R.flag(True) + R.u16(len(user.list_bytes)) + user.list_bytes


def seal_user(user: User, storage_key: bytes, nonce: bytes) -> bytes:
    return R.seal(storage_key, KIND_SEALED_USER_IDENTITY, user_state(user), nonce)


def unseal_user(storage_key: bytes, sealed: bytes) -> User:
    r = Reader(R.unseal(storage_key, KIND_SEALED_USER_IDENTITY, sealed))
    if r.u8() != 1:
        raise SottoError("UNSUPPORTED_VERSION")
    user = User(r.take(32))
    if r.flag():
        user.commit(r.take(r.u16()))
    r.end()
    return user
