"""Independent reference implementation of the Sotto v1 protocol in Python.

Written from docs/PROTOCOL.md alone (section numbers in comments refer to it).
Primitives come from `cryptography` (X25519, Ed25519, HKDF, HMAC, SHA-2),
`pynacl` (XChaCha20-Poly1305) and `kyber-py` (ML-KEM-768); this module only
composes them.

Randomness is always passed in explicitly (a `draw(n)` callable), in the order
of §13, so every operation can be replayed from recorded inputs.
"""

from __future__ import annotations

import copy
import hashlib
import hmac as _hmac

import nacl.bindings as _nacl
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from kyber_py.ml_kem import ML_KEM_768

# --------------------------------------------------------------------------
# §12 Errors

ERROR_CODES = {
    "TRUNCATED": 1, "TRAILING_BYTES": 2, "UNSUPPORTED_VERSION": 3,
    "WRONG_OBJECT_TYPE": 4, "MALFORMED": 5, "INVALID_KEY": 6,
    "NON_CONTRIBUTORY": 7, "BAD_SIGNATURE": 8, "DECRYPTION_FAILED": 9,
    "DUPLICATE_MESSAGE": 10, "TOO_FAR_AHEAD": 11, "UNKNOWN_PREKEY": 12,
    "SESSION_MISMATCH": 13, "TOO_LARGE": 14, "INVALID_PADDING": 15,
    "UNSEAL_FAILED": 16, "RANDOMNESS": 17, "LIMIT_EXCEEDED": 18,
    "INVALID_ARGUMENT": 19, "PREKEY_EXHAUSTED": 20, "STALE_SESSION": 21,
    "INTERNAL": 22, "IDENTITY_MISMATCH": 23, "ROLLBACK": 24, "EXPIRED": 25,
    "DIGEST_MISMATCH": 26, "LINK_FAILED": 27, "UNKNOWN_DEVICE": 28,
    "UNKNOWN_SENDER_CHAIN": 29,
    "EPOCH_MISMATCH": 30,
    "KEM_MISMATCH": 31,
}


class SottoError(Exception):
    def __init__(self, name: str, detail: str = ""):
        super().__init__(f"{name}{': ' + detail if detail else ''}")
        self.name = name
        self.code = ERROR_CODES[name]


# --------------------------------------------------------------------------
# §1 Conventions

VERSION = 1
KIND_BUNDLE, KIND_PREKEY_MSG, KIND_MSG = 0x01, 0x02, 0x03
KIND_SEALED_ACCOUNT, KIND_SEALED_SESSION, KIND_QR = 0x04, 0x05, 0x06


def u8(n: int) -> bytes:
    return n.to_bytes(1, "big")


def u16(n: int) -> bytes:
    return n.to_bytes(2, "big")


def u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def flag(b: bool) -> bytes:
    return b"\x01" if b else b"\x00"


class Reader:
    """Sequential decoder: TRUNCATED when input runs out, TRAILING_BYTES at end."""

    def __init__(self, data: bytes):
        self.data, self.pos = bytes(data), 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise SottoError("TRUNCATED")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int.from_bytes(self.take(2), "big")

    def u32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def flag(self) -> bool:
        b = self.u8()
        if b > 1:
            raise SottoError("MALFORMED", "flag")
        return b == 1

    def rest(self) -> bytes:
        return self.take(len(self.data) - self.pos)

    def end(self) -> None:
        if self.pos != len(self.data):
            raise SottoError("TRAILING_BYTES")


def check_version_kind(r: Reader, kind: int) -> None:
    """§7.4: version checked first, then kind."""
    if r.u8() != VERSION:
        raise SottoError("UNSUPPORTED_VERSION")
    if r.u8() != kind:
        raise SottoError("WRONG_OBJECT_TYPE")


# --------------------------------------------------------------------------
# §2 Primitives

def x25519_dh(k: bytes, u: bytes) -> bytes:
    try:
        out = x25519.X25519PrivateKey.from_private_bytes(k).exchange(
            x25519.X25519PublicKey.from_public_bytes(u))
    except ValueError:  # OpenSSL refuses an all-zero shared secret
        raise SottoError("NON_CONTRIBUTORY") from None
    if out == bytes(32):  # belt and braces
        raise SottoError("NON_CONTRIBUTORY")
    return out


def x25519_base(k: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization as s
    return x25519.X25519PrivateKey.from_private_bytes(k).public_key().public_bytes(
        s.Encoding.Raw, s.PublicFormat.Raw)


def ed25519_public(seed: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization as s
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        s.Encoding.Raw, s.PublicFormat.Raw)


def ed25519_sign(seed: bytes, msg: bytes) -> bytes:
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed).sign(msg)


# Validation of Ed25519 encodings (not a primitive: point *checks* only, the
# signature arithmetic itself is OpenSSL's).
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = (-121665 * pow(121666, -1, _P)) % _P
# Encodings (sign bit masked) of the small-order points, canonical and not
# (the list used by libsodium): y = 0, 1, p-1, p, p+1 and the two order-8 y.
_SMALL_ORDER = {bytes.fromhex(h) for h in (
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
)}


def ed25519_small_order(enc: bytes) -> bool:
    return enc[:31] + bytes([enc[31] & 0x7F]) in _SMALL_ORDER


def ed25519_decodes(enc: bytes) -> bool:
    """RFC 8032 §5.1.3 decoding succeeds (y < p, x exists, no -0)."""
    y = int.from_bytes(enc, "little") & ((1 << 255) - 1)
    sign = enc[31] >> 7
    if y >= _P:
        return False
    x2 = (y * y - 1) * pow(_D * y * y + 1, -1, _P) % _P
    if x2 == 0:
        return sign == 0
    return pow(x2, (_P - 1) // 2, _P) == 1  # quadratic residue


def ed25519_check_public(pk: bytes) -> None:
    if len(pk) != 32 or not ed25519_decodes(pk) or ed25519_small_order(pk):
        raise SottoError("INVALID_KEY", "Ed25519 public key")


def ed25519_verify(pk: bytes, msg: bytes, sig: bytes) -> None:
    """§2 strict verification; raises BAD_SIGNATURE."""
    ed25519_check_public(pk)
    if len(sig) != 64 or int.from_bytes(sig[32:], "little") >= _L \
            or ed25519_small_order(sig[:32]):
        raise SottoError("BAD_SIGNATURE")
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(pk).verify(sig, msg)
    except InvalidSignature:
        raise SottoError("BAD_SIGNATURE") from None


def mlkem_keygen(seed: bytes) -> tuple[bytes, bytes]:
    """KeyGen_internal(d, z) from the 64-byte seed d || z -> (ek, dk)."""
    assert len(seed) == 64
    return ML_KEM_768._keygen_internal(seed[:32], seed[32:])


def mlkem_check_ek(ek: bytes) -> None:
    """FIPS 203 §7.2 modulus check: every 12-bit coefficient < q."""
    if len(ek) != 1184:
        raise SottoError("INVALID_KEY", "ML-KEM ek length")
    body = ek[:1152]
    for i in range(0, 1152, 3):
        b0, b1, b2 = body[i], body[i + 1], body[i + 2]
        if (b0 | (b1 & 0x0F) << 8) >= 3329 or (b1 >> 4 | b2 << 4) >= 3329:
            raise SottoError("INVALID_KEY", "ML-KEM modulus check")


def mlkem_encaps(ek: bytes, m: bytes) -> tuple[bytes, bytes]:
    """Encaps_internal(ek, m) -> (CT, SS)."""
    mlkem_check_ek(ek)
    ss, ct = ML_KEM_768._encaps_internal(ek, m)
    return ct, ss


def mlkem_decaps(dk: bytes, ct: bytes) -> bytes:
    return ML_KEM_768.decaps(dk, ct)


def hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def hmac256(key: bytes, data: bytes) -> bytes:
    return _hmac.new(key, data, hashlib.sha256).digest()


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def sha512(data: bytes) -> bytes:
    return hashlib.sha512(data).digest()


def aead_seal(key: bytes, nonce: bytes, ad: bytes, pt: bytes) -> bytes:
    return _nacl.crypto_aead_xchacha20poly1305_ietf_encrypt(pt, ad, nonce, key)


def aead_open(key: bytes, nonce: bytes, ad: bytes, ct: bytes) -> bytes:
    if len(ct) < 16:
        raise SottoError("DECRYPTION_FAILED")
    try:
        return _nacl.crypto_aead_xchacha20poly1305_ietf_decrypt(ct, ad, nonce, key)
    except Exception:
        raise SottoError("DECRYPTION_FAILED") from None


# --------------------------------------------------------------------------
# §3 Keys and encodings

T_X25519, T_ED25519, T_MLKEM = 0x01, 0x02, 0x03
_KEY_LEN = {T_X25519: 32, T_ED25519: 32, T_MLKEM: 1184}


def enc_key(t: int, key: bytes) -> bytes:
    assert len(key) == _KEY_LEN[t]
    return u8(t) + key


def read_key(r: Reader, t: int) -> bytes:
    if r.u8() != t:
        raise SottoError("INVALID_KEY", "type byte")
    key = r.take(_KEY_LEN[t])
    if t == T_MLKEM:
        mlkem_check_ek(key)
    return key


class Identity:
    """§3.2: IS (Ed25519 seed) and IX (X25519 private)."""

    def __init__(self, signing_seed: bytes, agreement_private: bytes):
        self.signing_seed = signing_seed
        self.agreement_private = agreement_private
        self.signing_public = ed25519_public(signing_seed)
        self.agreement_public = x25519_base(agreement_private)

    @property
    def key(self) -> bytes:  # IK, 66 bytes
        return enc_key(T_ED25519, self.signing_public) + enc_key(T_X25519, self.agreement_public)

    @property
    def record(self) -> bytes:  # 130 bytes
        binding = ed25519_sign(self.signing_seed, b"Sotto v1 identity binding"
                               + enc_key(T_X25519, self.agreement_public))
        return self.key + binding

    def sign(self, msg: bytes) -> bytes:
        return ed25519_sign(self.signing_seed, msg)


class PublicIdentity:
    def __init__(self, signing_public: bytes, agreement_public: bytes, record: bytes):
        self.signing_public = signing_public
        self.agreement_public = agreement_public
        self.record = record
        self.key = record[:66]


def read_identity_record(r: Reader) -> PublicIdentity:
    start = r.pos
    is_pub = read_key(r, T_ED25519)
    ed25519_check_public(is_pub)
    ix_pub = read_key(r, T_X25519)
    binding = r.take(64)
    ed25519_verify(is_pub, b"Sotto v1 identity binding" + enc_key(T_X25519, ix_pub), binding)
    return PublicIdentity(is_pub, ix_pub, r.data[start:r.pos])


def decode_identity_record(b: bytes) -> PublicIdentity:
    r = Reader(b)
    ident = read_identity_record(r)
    r.end()
    return ident


# --------------------------------------------------------------------------
# §4 Prekeys and bundles

KEM_LAST_RESORT, KEM_ONE_TIME = 0x01, 0x02


def signed_prekey(ident: Identity, pid: int, private: bytes) -> bytes:
    body = u32(pid) + enc_key(T_X25519, x25519_base(private))
    return body + ident.sign(b"Sotto v1 signed prekey" + body)


def kem_prekey(ident: Identity, pid: int, kind: int, seed: bytes) -> bytes:
    ek, _ = mlkem_keygen(seed)
    body = u32(pid) + u8(kind) + enc_key(T_MLKEM, ek)
    return body + ident.sign(b"Sotto v1 kem prekey" + body)


def one_time_prekey(pid: int, private: bytes) -> bytes:
    return u32(pid) + enc_key(T_X25519, x25519_base(private))


def encode_bundle(record: bytes, spk: bytes, kpk: bytes, opk: bytes | None) -> bytes:
    return (u8(VERSION) + u8(KIND_BUNDLE) + record + spk + kpk
            + flag(opk is not None) + (opk or b""))


class Bundle:
    pass


def decode_bundle(data: bytes) -> Bundle:
    """§4.2 with every check."""
    r = Reader(data)
    check_version_kind(r, KIND_BUNDLE)
    b = Bundle()
    b.identity = read_identity_record(r)
    sig_key = b.identity.signing_public
    # signed prekey
    start = r.pos
    b.spk_id = r.u32()
    b.spk = read_key(r, T_X25519)
    ed25519_verify(sig_key, b"Sotto v1 signed prekey" + r.data[start:r.pos], r.take(64))
    # ML-KEM prekey
    start = r.pos
    b.kem_id = r.u32()
    b.kem_kind = r.u8()
    if b.kem_kind not in (KEM_LAST_RESORT, KEM_ONE_TIME):
        raise SottoError("MALFORMED", "kem kind")
    b.kem_ek = read_key(r, T_MLKEM)
    ed25519_verify(sig_key, b"Sotto v1 kem prekey" + r.data[start:r.pos], r.take(64))
    # optional one-time prekey
    if r.flag():
        b.opk_id = r.u32()
        b.opk = read_key(r, T_X25519)
    else:
        b.opk_id = b.opk = None
    r.end()
    return b


class Account:
    """The minimum of §4 needed to accept sessions: private prekeys by id."""

    def __init__(self, identity: Identity):
        self.identity = identity
        self.signed_prekeys: dict[int, bytes] = {}
        self.kem_prekeys: dict[tuple[int, int], bytes] = {}  # (kind, id) -> seed
        self.one_time_prekeys: dict[int, bytes] = {}
        # §4.3: per signed prekey id, the base keys of every prekey message
        # it accepted; the list goes when the signed prekey goes.
        self.accepted_base_keys: dict[int, list[bytes]] = {}

    def delete_signed_prekey(self, pid: int) -> None:
        del self.signed_prekeys[pid]
        self.accepted_base_keys.pop(pid, None)


MAX_SESSIONS_PER_SIGNED_PREKEY = 1000  # §4.3, §11


# --------------------------------------------------------------------------
# §5 Handshake

def ad_hash(ik_a: bytes, ik_b: bytes, initiator_id: bytes, responder_id: bytes) -> bytes:
    for i in (initiator_id, responder_id):
        if not 1 <= len(i) <= 1024:
            raise SottoError("INVALID_ARGUMENT")
    return sha256(b"Sotto v1 associated data" + ik_a + ik_b
                  + u16(len(initiator_id)) + initiator_id
                  + u16(len(responder_id)) + responder_id)


def transcript_hash(ek_a_pub, spk, opk, kem_ek, ct) -> bytes:
    return sha256(b"Sotto v1 handshake transcript" + enc_key(T_X25519, ek_a_pub)
                  + enc_key(T_X25519, spk) + (enc_key(T_X25519, opk) if opk else b"")
                  + enc_key(T_MLKEM, kem_ek) + ct)


def handshake_keys(dhs: list[bytes], ss: bytes, adh: bytes, th: bytes):
    ikm = b"\xff" * 32 + b"".join(dhs) + ss
    okm = hkdf(bytes(32), ikm, b"Sotto v1 PQXDH X25519 ML-KEM-768" + adh + th, 96)
    return okm[:32], okm[32:64], okm[64:]  # RK0, HK_A, NHK_B


def encode_prekey_header(record, ek_a_pub, spk_id, kem_id, kem_kind, opk_id, ct) -> bytes:
    return (u8(VERSION) + u8(KIND_PREKEY_MSG) + record + enc_key(T_X25519, ek_a_pub)
            + u32(spk_id) + u32(kem_id) + u8(kem_kind)
            + flag(opk_id is not None) + (u32(opk_id) if opk_id is not None else b"")
            + ct)


def session_id_of(prekey_header: bytes) -> bytes:
    return sha256(b"Sotto v1 session id" + prekey_header)


def initiate(identity: Identity, bundle_bytes: bytes, local_id: bytes, remote_id: bytes,
             draw) -> "Session":
    """§5.3 Session::initiate. Intermediates are kept in `session.handshake_info`."""
    b = decode_bundle(bundle_bytes)
    adh = ad_hash(identity.key, b.identity.key, local_id, remote_id)
    ek_priv = draw(32)
    m = draw(32)
    ek_pub = x25519_base(ek_priv)
    dhs = [x25519_dh(identity.agreement_private, b.spk),
           x25519_dh(ek_priv, b.identity.agreement_public),
           x25519_dh(ek_priv, b.spk)]
    if b.opk is not None:
        dhs.append(x25519_dh(ek_priv, b.opk))
    ct, ss = mlkem_encaps(b.kem_ek, m)
    th = transcript_hash(ek_pub, b.spk, b.opk, b.kem_ek, ct)
    rk0, hk_a, nhk_b = handshake_keys(dhs, ss, adh, th)
    header = encode_prekey_header(identity.record, ek_pub, b.spk_id, b.kem_id,
                                  b.kem_kind, b.opk_id, ct)
    s = Session()
    s.role, s.padding = ROLE_INITIATOR, True
    s.session_id, s.ad_hash = session_id_of(header), adh
    s.local_record, s.remote_record = identity.record, b.identity.record
    s.handshake = dict(ek_a_pub=ek_pub, spk_id=b.spk_id, kem_id=b.kem_id,
                       kem_kind=b.kem_kind, opk_id=b.opk_id, ct=ct)
    # §6.3 initiator
    s.DHs = draw(32)
    s.RK, s.CKs, s.NHKs = kdf_rk(rk0, x25519_dh(s.DHs, b.spk))
    s.DHr, s.Ns, s.PN, s.HKs, s.NHKr = b.spk, 0, 0, hk_a, nhk_b
    s.handshake_info = dict(dh=dhs, ad_hash=adh, transcript_hash=th, root_key=rk0,
                            hk_a=hk_a, nhk_b=nhk_b, ct=ct, ss=ss, base_key_public=ek_pub)
    return s


def decode_prekey_message(data: bytes) -> dict:
    """§7.3 -> fields, with the header bytes and embedded message."""
    r = Reader(data)
    check_version_kind(r, KIND_PREKEY_MSG)
    f = {"identity": read_identity_record(r), "ek_a_pub": read_key(r, T_X25519),
         "spk_id": r.u32(), "kem_id": r.u32(), "kem_kind": r.u8()}
    if f["kem_kind"] not in (KEM_LAST_RESORT, KEM_ONE_TIME):
        raise SottoError("MALFORMED", "kem kind")
    f["opk_id"] = r.u32() if r.flag() else None
    f["ct"] = r.take(1088)
    f["header"] = data[:r.pos]
    f["message"] = r.rest()
    decode_message(f["message"])  # framing checks
    return f


def accept(account: Account, data: bytes, local_id: bytes, remote_id: bytes):
    """§5.3 Session::accept -> (session, plaintext). Account changes only on success."""
    f = decode_prekey_message(data)
    # §5.3 step 2: the signed prekey, then its list of accepted base keys
    if f["spk_id"] not in account.signed_prekeys:
        raise SottoError("UNKNOWN_PREKEY", "signed prekey")
    spk_priv = account.signed_prekeys[f["spk_id"]]
    accepted = account.accepted_base_keys.get(f["spk_id"], [])
    if f["ek_a_pub"] in accepted:
        raise SottoError("DUPLICATE_MESSAGE", "base key already accepted by this signed prekey")
    if len(accepted) >= MAX_SESSIONS_PER_SIGNED_PREKEY:
        raise SottoError("PREKEY_EXHAUSTED")
    try:
        kem_seed = account.kem_prekeys[(f["kem_kind"], f["kem_id"])]
        opk_priv = account.one_time_prekeys[f["opk_id"]] if f["opk_id"] is not None else None
    except KeyError:
        raise SottoError("UNKNOWN_PREKEY") from None
    ida = f["identity"]
    adh = ad_hash(ida.key, account.identity.key, remote_id, local_id)
    ek = f["ek_a_pub"]
    dhs = [x25519_dh(spk_priv, ida.agreement_public),
           x25519_dh(account.identity.agreement_private, ek),
           x25519_dh(spk_priv, ek)]
    opk_pub = None
    if opk_priv is not None:
        dhs.append(x25519_dh(opk_priv, ek))
        opk_pub = x25519_base(opk_priv)
    kem_ek, kem_dk = mlkem_keygen(kem_seed)
    ss = mlkem_decaps(kem_dk, f["ct"])
    th = transcript_hash(ek, x25519_base(spk_priv), opk_pub, kem_ek, f["ct"])
    rk0, hk_a, nhk_b = handshake_keys(dhs, ss, adh, th)
    s = Session()
    s.role, s.padding = ROLE_RESPONDER, True
    s.session_id, s.ad_hash = session_id_of(f["header"]), adh
    s.local_record, s.remote_record = account.identity.record, ida.record
    s.handshake = None
    # §6.3 responder
    s.DHs, s.RK, s.NHKs, s.NHKr = spk_priv, rk0, nhk_b, hk_a
    s.DHr = s.CKs = s.HKs = None
    s.Ns, s.PN = 0, 0
    s.handshake_info = dict(dh=dhs, ad_hash=adh, transcript_hash=th, root_key=rk0,
                            hk_a=hk_a, nhk_b=nhk_b, ct=f["ct"], ss=ss)
    pt = s.decrypt(data)
    # step 5: commit the account
    if opk_priv is not None:
        del account.one_time_prekeys[f["opk_id"]]
    if f["kem_kind"] == KEM_ONE_TIME:
        del account.kem_prekeys[(f["kem_kind"], f["kem_id"])]
    account.accepted_base_keys.setdefault(f["spk_id"], []).append(ek)
    return s, pt


# --------------------------------------------------------------------------
# §6 Double Ratchet

MAX_SKIP, MAX_STORED, MAX_RETIRED = 1000, 2000, 5
MAX_PLAINTEXT = 1 << 20
ROLE_INITIATOR, ROLE_RESPONDER = 0, 1


def kdf_rk(rk: bytes, dh_out: bytes):
    okm = hkdf(rk, dh_out, b"Sotto v1 ratchet", 96)
    return okm[:32], okm[32:64], okm[64:]


def kdf_ck(ck: bytes):
    """-> (next chain key, message key)."""
    return hmac256(ck, b"\x02"), hmac256(ck, b"\x01")


class Chain:
    """A receiving chain: header key, chain key (None once retired), next index,
    skipped keys [(index, mk)] in increasing index order."""

    def __init__(self, hk, ck=None, n=0, skipped=None):
        self.hk, self.ck, self.n = hk, ck, n
        self.skipped: list[tuple[int, bytes]] = skipped or []


def derive_skipped(ck: bytes, start: int, stop: int):
    keys = []
    for i in range(start, stop):
        ck, mk = kdf_ck(ck)
        keys.append((i, mk))
    return ck, keys


class Session:
    """§6.2 state plus the §9.2 identity fields."""

    def __init__(self):
        self.recv: Chain | None = None      # current receiving chain
        self.retired: list[Chain] = []      # oldest first
        self.pending = False
        self.last = {}                      # keys used by the last operation (for tests)

    @property
    def awaiting_reply(self) -> bool:
        return self.role == ROLE_INITIATOR and self.handshake is not None

    def prekey_header(self) -> bytes:
        h = self.handshake
        return encode_prekey_header(self.local_record, h["ek_a_pub"], h["spk_id"], h["kem_id"],
                                    h["kem_kind"], h["opk_id"], h["ct"])

    # ---- §6.4
    def encrypt(self, plaintext: bytes, draw) -> bytes:
        if len(plaintext) > MAX_PLAINTEXT:
            raise SottoError("TOO_LARGE")
        if self.HKs is None:
            raise SottoError("INVALID_ARGUMENT", "responder cannot send yet")
        step = self.pending
        if step:
            dhs_new = draw(32)
            rk_new, ck, nhks_new = kdf_rk(self.RK, x25519_dh(dhs_new, self.DHr))
            pn, n, dhs = (self.Ns if self.CKs is not None else 0), 0, dhs_new
        else:
            ck, n, pn, dhs = self.CKs, self.Ns, self.PN, self.DHs
        ck_next, mk = kdf_ck(ck)
        if n == 2**32 - 1:
            raise SottoError("LIMIT_EXCEEDED")
        header = x25519_base(dhs) + u32(pn) + u32(n)
        nonce = draw(24)
        padded = pad(plaintext, self.padding)
        eh = aead_seal(self.HKs, nonce, self.ad_hash + b"\x01\x03", header)
        prefix = u8(VERSION) + u8(KIND_MSG) + nonce + eh
        message = prefix + aead_seal(mk, nonce, self.ad_hash + prefix, padded)
        if step:
            self.DHs, self.RK, self.NHKs, self.PN, self.pending = dhs, rk_new, nhks_new, pn, False
        self.CKs, self.Ns = ck_next, n + 1
        self.last = dict(header=header, mk=mk, padded=padded)
        if self.awaiting_reply:
            return self.prekey_header() + message
        return message

    # ---- §6.5
    def decrypt(self, data: bytes) -> bytes:
        if len(data) >= 2 and data[0] == VERSION and data[1] == KIND_PREKEY_MSG:
            f = decode_prekey_message(data)
            if self.role != ROLE_RESPONDER or session_id_of(f["header"]) != self.session_id:
                raise SottoError("SESSION_MISMATCH")
            data = f["message"]
        nonce, eh, eb = decode_message(data)
        prefix = data[:82]
        ad_h = self.ad_hash + b"\x01\x03"
        # route
        candidates = []
        if self.recv is not None:
            candidates.append(("a", self.recv.hk, None))
        candidates.append(("b", self.NHKr, None))
        for idx in range(len(self.retired) - 1, -1, -1):
            candidates.append(("c", self.retired[idx].hk, idx))
        for case, hk, idx in candidates:
            try:
                header = aead_open(hk, nonce, ad_h, eh)
                break
            except SottoError:
                continue
        else:
            raise SottoError("DECRYPTION_FAILED", "no header key")
        if len(header) != 40:
            raise SottoError("MALFORMED", "header length")
        dh, pn, n = header[:32], int.from_bytes(header[32:36], "big"), int.from_bytes(header[36:], "big")

        new = copy.deepcopy(self)  # transactional: mutate a copy, commit at the end
        new.last = dict(header=header, case=case)
        if case == "a":
            ch = new.recv
            if dh != new.DHr:
                # §6.5 step 4: a peer restored from before a ratchet step.
                raise SottoError("STALE_SESSION", "ratchet key of current chain")
            if n < ch.n:
                mk, new.last["skipped_key_used"] = new._take_from(ch, n), True
            else:
                mk = new._advance(ch, n)
        elif case == "b":
            if new.recv is not None and pn > new.recv.n:
                if pn - new.recv.n > MAX_SKIP:
                    raise SottoError("TOO_FAR_AHEAD")
                new.recv.ck, keys = derive_skipped(new.recv.ck, new.recv.n, pn)
                new.recv.skipped += keys
                new.recv.n = pn
            rk, ck, nhkr = kdf_rk(new.RK, x25519_dh(new.DHs, dh))
            chain = Chain(new.NHKr, ck, 0)
            mk = new._advance(chain, n)
            if new.recv is not None:
                new.recv.ck = None
                new.retired.append(new.recv)
                new.retired = new.retired[-MAX_RETIRED:]
            new.recv = chain
            new.NHKr, new.DHr, new.RK, new.HKs, new.pending = nhkr, dh, rk, new.NHKs, True
            new.last["root_key"] = rk
        else:
            mk, new.last["skipped_key_used"] = new._take_from(new.retired[idx], n), True
        padded = aead_open(mk, nonce, self.ad_hash + prefix, eb)
        plaintext = unpad(padded)
        new._evict()
        if new.awaiting_reply:
            new.handshake = None
        used = new.last.get("skipped_key_used", False)
        new.last.update(mk=mk, chain_key=None if used else new.recv.ck,
                        skipped_key_used=used)
        self.__dict__.update(new.__dict__)  # commit
        return plaintext

    @staticmethod
    def _take_from(chain: Chain, n: int) -> bytes:
        for j, (i, mk) in enumerate(chain.skipped):
            if i == n:
                del chain.skipped[j]
                return mk
        raise SottoError("DUPLICATE_MESSAGE")

    @staticmethod
    def _advance(chain: Chain, n: int) -> bytes:
        if n - chain.n > MAX_SKIP:
            raise SottoError("TOO_FAR_AHEAD")
        ck, keys = derive_skipped(chain.ck, chain.n, n)
        chain.ck, mk = kdf_ck(ck)
        chain.skipped += keys
        chain.n = n + 1
        return mk

    def _chains_oldest_first(self) -> list[Chain]:
        return self.retired + ([self.recv] if self.recv is not None else [])

    def _evict(self) -> None:
        """§6.6: keep at most 2000 skipped keys, oldest chain's first."""
        excess = sum(len(c.skipped) for c in self._chains_oldest_first()) - MAX_STORED
        for c in self._chains_oldest_first():
            if excess <= 0:
                break
            k = min(excess, len(c.skipped))
            del c.skipped[:k]
            excess -= k

    # ---- §9.2
    def serialize(self) -> bytes:
        def skipped(c: Chain) -> bytes:
            return u16(len(c.skipped)) + b"".join(u32(i) + mk for i, mk in c.skipped)
        out = [u8(1), u8(self.role), u8(1 if self.padding else 0), self.session_id,
               self.ad_hash, self.local_record, self.remote_record, self.RK, self.DHs,
               flag(self.DHr is not None), self.DHr or b"",
               flag(self.CKs is not None),
               (self.CKs + u32(self.Ns)) if self.CKs is not None else b"",
               u32(self.PN), flag(self.HKs is not None), self.HKs or b"", self.NHKs,
               flag(self.recv is not None)]
        if self.recv is not None:
            out += [self.recv.hk, self.recv.ck, u32(self.recv.n), skipped(self.recv)]
        out += [self.NHKr, u8(len(self.retired))]
        out += [c.hk + skipped(c) for c in self.retired]
        out += [flag(self.pending), flag(self.handshake is not None)]
        if self.handshake is not None:
            h = self.handshake
            out += [enc_key(T_X25519, h["ek_a_pub"]), u32(h["spk_id"]), u32(h["kem_id"]),
                    u8(h["kem_kind"]), flag(h["opk_id"] is not None),
                    u32(h["opk_id"]) if h["opk_id"] is not None else b"", h["ct"]]
        return b"".join(out)

    @classmethod
    def deserialize(cls, data: bytes) -> "Session":
        r = Reader(data)
        s = cls()
        if r.u8() != 1:
            raise SottoError("UNSUPPORTED_VERSION", "session format")
        s.role = r.u8()
        pad_b = r.u8()
        if s.role > 1 or pad_b > 1:
            raise SottoError("MALFORMED")
        s.padding = pad_b == 1
        s.session_id, s.ad_hash = r.take(32), r.take(32)
        s.local_record = read_identity_record(r).record
        s.remote_record = read_identity_record(r).record
        s.RK, s.DHs = r.take(32), r.take(32)
        s.DHr = r.take(32) if r.flag() else None
        if r.flag():
            s.CKs, s.Ns = r.take(32), r.u32()
        else:
            s.CKs, s.Ns = None, 0
        s.PN = r.u32()
        s.HKs = r.take(32) if r.flag() else None
        s.NHKs = r.take(32)
        budget = [MAX_STORED]

        def skipped() -> list:
            count = r.u16()
            if count > budget[0]:
                raise SottoError("TOO_LARGE", "skipped keys")
            budget[0] -= count
            return [(r.u32(), r.take(32)) for _ in range(count)]
        if r.flag():
            hk, ck, n = r.take(32), r.take(32), r.u32()
            s.recv = Chain(hk, ck, n, skipped())
        s.NHKr = r.take(32)
        count = r.u8()
        if count > MAX_RETIRED:
            raise SottoError("TOO_LARGE", "retired chains")
        for _ in range(count):
            hk = r.take(32)
            s.retired.append(Chain(hk, None, 0, skipped()))
        s.pending = r.flag()
        if r.flag():
            h = {"ek_a_pub": read_key(r, T_X25519), "spk_id": r.u32(), "kem_id": r.u32(),
                 "kem_kind": r.u8()}
            if h["kem_kind"] not in (KEM_LAST_RESORT, KEM_ONE_TIME):
                raise SottoError("MALFORMED", "kem kind")
            h["opk_id"] = r.u32() if r.flag() else None
            h["ct"] = r.take(1088)
            s.handshake = h
        else:
            s.handshake = None
        r.end()
        if (s.pending and s.DHr is None) or (s.handshake is not None and s.role != ROLE_INITIATOR):
            raise SottoError("MALFORMED")
        return s


# --------------------------------------------------------------------------
# §7 Messages

def padme(length: int) -> int:
    if length <= 32:
        return 32
    e = length.bit_length() - 1
    s = e.bit_length()  # floor(log2 E) + 1
    m = (1 << (e - s)) - 1
    return (length + m) & ~m


MAX_BODY = padme(MAX_PLAINTEXT + 1) + 16


def decode_message(data: bytes):
    """§7.2 framing -> (N, EH, EB)."""
    r = Reader(data)
    check_version_kind(r, KIND_MSG)
    if len(data) < 82 + 16:
        raise SottoError("TRUNCATED")
    nonce, eh = r.take(24), r.take(56)
    eb = r.rest()
    if len(eb) > MAX_BODY:
        raise SottoError("TOO_LARGE")
    return nonce, eh, eb


# --------------------------------------------------------------------------
# §8 Padding

def pad(pt: bytes, padme_on: bool = True) -> bytes:
    n = len(pt) + 1
    total = padme(n) if padme_on else n
    return pt + b"\x80" + bytes(total - n)


def unpad(padded: bytes) -> bytes:
    stripped = padded.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise SottoError("INVALID_PADDING")
    return stripped[:-1]


# --------------------------------------------------------------------------
# §9.1 Sealed state

MAX_SEALED = 256 * 1024


def seal(storage_key: bytes, kind: int, state: bytes, nonce: bytes) -> bytes:
    head = u8(VERSION) + u8(kind)
    out = head + nonce + aead_seal(storage_key, nonce, b"Sotto v1 sealed state" + head, state)
    if len(out) > MAX_SEALED:
        raise SottoError("TOO_LARGE")
    return out


def unseal(storage_key: bytes, kind: int, sealed: bytes) -> bytes:
    if len(sealed) > MAX_SEALED:
        raise SottoError("TOO_LARGE")
    r = Reader(sealed)
    check_version_kind(r, kind)
    nonce = r.take(24)
    try:
        return aead_open(storage_key, nonce, b"Sotto v1 sealed state" + sealed[:2], r.rest())
    except SottoError:
        raise SottoError("UNSEAL_FAILED") from None


# --------------------------------------------------------------------------
# §10 Safety numbers

EMOJI = [
    ("\U0001F436", "dog"), ("\U0001F431", "cat"), ("\U0001F981", "lion"),
    ("\U0001F434", "horse"), ("\U0001F984", "unicorn"), ("\U0001F437", "pig"),
    ("\U0001F418", "elephant"), ("\U0001F430", "rabbit"), ("\U0001F43C", "panda"),
    ("\U0001F413", "rooster"), ("\U0001F427", "penguin"), ("\U0001F422", "turtle"),
    ("\U0001F41F", "fish"), ("\U0001F419", "octopus"), ("\U0001F98B", "butterfly"),
    ("\U0001F337", "tulip"), ("\U0001F333", "tree"), ("\U0001F335", "cactus"),
    ("\U0001F344", "mushroom"), ("\U0001F30F", "globe"), ("\U0001F319", "moon"),
    ("\U0001F308", "rainbow"), ("\U0001F525", "fire"), ("\U0001F34C", "banana"),
    ("\U0001F34E", "apple"), ("\U0001F353", "strawberry"), ("\U0001F33D", "corn"),
    ("\U0001F355", "pizza"), ("\U0001F382", "cake"), ("\U0001F49C", "heart"),
    ("\U0001F600", "smiley"), ("\U0001F916", "robot"), ("\U0001F3A9", "hat"),
    ("\U0001F453", "glasses"), ("\U0001F527", "wrench"), ("\U0001F385", "santa"),
    ("\U0001F44D", "thumbs up"), ("\u231B", "hourglass"), ("\u23F0", "alarm clock"),
    ("\U0001F381", "gift"), ("\U0001F4A1", "light bulb"), ("\U0001F4D5", "book"),
    ("\U0001F4CC", "pin"), ("\U0001F4CE", "paperclip"), ("\U0001F512", "lock"),
    ("\U0001F511", "key"), ("\U0001F528", "hammer"), ("\U0001F4DE", "telephone"),
    ("\U0001F3C1", "flag"), ("\U0001F682", "train"), ("\U0001F6B2", "bicycle"),
    ("\U0001F680", "rocket"), ("\U0001F3C6", "trophy"), ("\u26BD", "ball"),
    ("\U0001F3B8", "guitar"), ("\U0001F3BA", "trumpet"), ("\U0001F514", "bell"),
    ("\u2693", "anchor"), ("\U0001F3A7", "headphones"), ("\U0001F4C1", "folder"),
    ("\U0001F4F7", "camera"), ("\U0001F41D", "bee"), ("\U0001F347", "grapes"),
    ("\U0001F33B", "sunflower"),
]


def fingerprint(ik: bytes) -> bytes:
    h = sha512(b"Sotto v1 safety number" + ik)
    for _ in range(5200):
        h = sha512(h + ik)
    return h


def fingerprint_digits(fp: bytes) -> str:
    return "".join(f"{int.from_bytes(fp[5 * j:5 * j + 5], 'big') % 100000:05d}" for j in range(6))


def safety_number(ik_local: bytes, ik_remote: bytes) -> dict:
    fl, fr = fingerprint(ik_local), fingerprint(ik_remote)
    digits = "".join(sorted([fingerprint_digits(fl), fingerprint_digits(fr)]))
    lo, hi = sorted([fl[:32], fr[:32]])
    e = int.from_bytes(sha256(b"Sotto v1 safety emoji" + lo + hi)[:8], "big")
    indexes = [(e >> (64 - 6 * (i + 1))) & 0x3F for i in range(10)]
    return {
        "digits": digits,
        "display": " ".join(digits[i:i + 5] for i in range(0, 60, 5)),
        "emoji_indexes": indexes,
        "emoji": [EMOJI[i][0] for i in indexes],
        "emoji_names": [EMOJI[i][1] for i in indexes],
        "qr_payload": u8(VERSION) + u8(KIND_QR) + fl[:32] + fr[:32],
        "local_fingerprint": fl,
        "remote_fingerprint": fr,
    }


def qr_accepts(own: dict, scanned: bytes) -> bool:
    if len(scanned) != 66 or scanned[:2] != u8(VERSION) + u8(KIND_QR):
        return False
    return (_hmac.compare_digest(scanned[2:34], own["remote_fingerprint"][:32])
            and _hmac.compare_digest(scanned[34:66], own["local_fingerprint"][:32]))
