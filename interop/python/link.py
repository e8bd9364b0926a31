"""Linking a new device (PROTOCOL.md §19), written from the spec text."""

from __future__ import annotations

import devices as D
import sotto_ref as R
from sotto_ref import Reader, SottoError, u8, u16, u32

KIND_OFFER, KIND_RESPONSE = 0x0B, 0x0C
MAX_TTL = 600
MAX_CONTACTS = 1024
MAX_NAME = 64
MAX_RESPONSE = 128 * 1024


def make_offer(identity_record: bytes, now: int, ttl: int, e: bytes, kem_seed: bytes,
               secret: bytes) -> dict:
    """§19.1, on the new device."""
    if not 1 <= ttl <= MAX_TTL:
        raise SottoError("INVALID_ARGUMENT")
    ek, dk = R.mlkem_keygen(kem_seed)
    expires_at = now + ttl
    qr = (u8(1) + u8(KIND_OFFER) + R.enc_key(R.T_X25519, R.x25519_base(e))
          + R.enc_key(R.T_MLKEM, ek) + secret + D.u64(expires_at) + identity_record)
    return {"qr": qr, "e": e, "dk": dk, "secret": secret, "expires_at": expires_at,
            "identity_record": identity_record, "used": False}


def scan_offer(qr: bytes, now: int) -> dict:
    """§19.1, decoding on the primary."""
    r = Reader(qr)
    R.check_version_kind(r, KIND_OFFER)
    E = R.read_key(r, R.T_X25519)
    EK = R.read_key(r, R.T_MLKEM)  # includes the modulus check
    s = r.take(16)
    expires_at = D.read_u64(r)
    ident = R.read_identity_record(r)
    r.end()
    if now > expires_at:
        raise SottoError("EXPIRED")
    return {"qr": qr, "E": E, "EK": EK, "secret": s, "expires_at": expires_at,
            "identity_record": ident.record}


def transcript(qr: bytes, p_x: bytes, ct: bytes) -> bytes:
    return R.sha256(b"Sotto v1 link transcript" + qr + R.enc_key(R.T_X25519, p_x) + ct)


def keys(dh: bytes, ss: bytes, s: bytes, th: bytes) -> tuple[bytes, str]:
    okm = R.hkdf(s, b"\xff" * 32 + dh + ss, b"Sotto v1 link" + th, 64)
    code = int.from_bytes(okm[32:40], "big") % 1_000_000
    return okm[:32], f"{code:06d}"


def encode_contact(c: dict) -> bytes:
    name = c["name"].encode("utf-8")
    if len(name) > MAX_NAME:
        raise SottoError("TOO_LARGE")
    return c["user_key"] + R.flag(c["verified"]) + u8(len(name)) + name


def respond(offer: dict, user: D.User, device_id: int, contacts: list[dict], now: int,
            p: bytes, m: bytes) -> dict:
    """§19.2, on the primary (pure for `user`)."""
    if now > offer["expires_at"]:
        raise SottoError("EXPIRED")
    list_bytes = user.sign_list([(device_id, offer["identity_record"])], [], now)
    new_version = user.version + 1
    cert_body = (u8(1) + u8(D.KIND_DEVICE_CERTIFICATE) + user.uk + u32(device_id)
                 + offer["identity_record"] + D.u64(new_version))
    certificate = cert_body + user.sign(D.CERT_LABEL, cert_body)
    if len(contacts) > MAX_CONTACTS:
        raise SottoError("TOO_LARGE")
    payload = (u32(device_id) + user.uk + u16(len(list_bytes)) + list_bytes + certificate
               + u16(len(contacts)) + b"".join(encode_contact(c) for c in contacts))
    p_x = R.x25519_base(p)
    dh = R.x25519_dh(p, offer["E"])
    ct, ss = R.mlkem_encaps(offer["EK"], m)
    th = transcript(offer["qr"], p_x, ct)
    key, code = keys(dh, ss, offer["secret"], th)
    body = R.aead_seal(key, bytes(24), b"Sotto v1 link response" + th, payload)
    response = u8(1) + u8(KIND_RESPONSE) + R.enc_key(R.T_X25519, p_x) + ct + body
    if len(response) > MAX_RESPONSE:
        raise SottoError("TOO_LARGE")
    return {"response": response, "code": code, "device_list": list_bytes,
            "certificate": certificate}


def complete(offer: dict, response: bytes, now: int) -> dict:
    """§19.3, on the new device. Marks the offer used only on success."""
    if offer["used"]:
        raise SottoError("LINK_FAILED")
    if now > offer["expires_at"]:
        raise SottoError("EXPIRED")
    if len(response) > MAX_RESPONSE:
        raise SottoError("TOO_LARGE")
    r = Reader(response)
    R.check_version_kind(r, KIND_RESPONSE)
    p_x = R.read_key(r, R.T_X25519)
    ct = r.take(1088)
    sealed = r.rest()
    if len(sealed) < 16:
        raise SottoError("TRUNCATED")
    try:
        dh = R.x25519_dh(offer["e"], p_x)
    except SottoError:
        raise SottoError("LINK_FAILED") from None
    ss = R.mlkem_decaps(offer["dk"], ct)
    th = transcript(offer["qr"], p_x, ct)
    key, code = keys(dh, ss, offer["secret"], th)
    try:
        payload = R.aead_open(key, bytes(24), b"Sotto v1 link response" + th, sealed)
    except SottoError:
        raise SottoError("LINK_FAILED") from None
    pr = Reader(payload)
    device_id = pr.u32()
    uk = D.read_user_key(pr)
    list_bytes = pr.take(pr.u16())
    device_list = D.decode_list(list_bytes, uk)
    cert_bytes = pr.take(241)
    certificate = D.decode_certificate(cert_bytes, uk)
    count = pr.u16()
    if count > MAX_CONTACTS:
        raise SottoError("TOO_LARGE")
    contacts = []
    for _ in range(count):
        ck = D.read_user_key(pr)
        verified = pr.flag()
        n = pr.u8()
        if n > MAX_NAME:
            raise SottoError("TOO_LARGE")
        try:
            name = pr.take(n).decode("utf-8")
        except UnicodeDecodeError:
            raise SottoError("MALFORMED") from None
        contacts.append({"user_key": ck, "verified": verified, "name": name})
    pr.end()
    entry = [e for e in device_list["entries"] if e[0] == device_id]
    if not entry or entry[0][1] != offer["identity_record"]:
        raise SottoError("IDENTITY_MISMATCH")
    if (certificate["device_id"] != device_id
            or certificate["identity_record"] != offer["identity_record"]
            or certificate["list_version"] != device_list["version"]):
        raise SottoError("IDENTITY_MISMATCH")
    offer["used"] = True
    return {"user_key": uk, "device_id": device_id, "device_list": list_bytes,
            "certificate": cert_bytes, "contacts": contacts, "code": code}
