"""Ratchet version 2, the post-quantum KEM ratchet, from PROTOCOL.md §22 alone.

Builds on the version-1 reference (`sotto_ref`, §1-§9): the handshake, the
chain KDF, padding and the skipped-key machinery are unchanged (§22); this
module adds the bundle capability (§22.2), the kind-0x12 message and its KEM
field (§22.3), KDF_RK2 (§22.4), the KEM state (§22.5) and its procedures
(§22.6).
"""

from __future__ import annotations

import copy

import sotto_ref as S
from sotto_ref import SottoError, Reader, u8, u32

KIND_MSG_V2, KIND_BUNDLE_V2 = 0x12, 0x13
CAP_PQ_RATCHET = 0x01
CHUNK, FIELD_LEN = 50, 56
EK_LEN, CT_LEN = 1184, 1088
EK_CHUNKS, CT_CHUNKS = 24, 22
PREFIX_V2 = 138

# §22.5 phases
KEYGEN_DUE, OWNER, MIX_DUE, AWAITING_EK, ENCAPS_DUE, SENDING_CT = range(6)


# --------------------------------------------------------------------------
# §22.2 bundle

def decode_bundle_v2(data: bytes):
    """-> (capabilities, §4.2 bundle). Kind 0x13: caps byte then the §4.2 fields."""
    if len(data) < 3:
        raise SottoError("TRUNCATED")
    if data[0] != S.VERSION:
        raise SottoError("UNSUPPORTED_VERSION")
    if data[1] != KIND_BUNDLE_V2:
        raise SottoError("WRONG_OBJECT_TYPE")
    caps = data[2]
    return caps, S.decode_bundle(bytes([S.VERSION, S.KIND_BUNDLE]) + data[3:])


def encode_bundle_v2(caps: int, v1_bundle: bytes) -> bytes:
    return bytes([S.VERSION, KIND_BUNDLE_V2, caps]) + v1_bundle[2:]


# --------------------------------------------------------------------------
# §22.3 field

def chunk(obj: bytes, index: int) -> bytes:
    return obj[CHUNK * index:CHUNK * index + CHUNK].ljust(CHUNK, b"\x00")


def encode_field(kind: int, epoch: int = 0, index: int = 0, data: bytes = bytes(CHUNK)) -> bytes:
    return u8(kind) + u32(epoch) + u8(index) + data


def decode_field(b: bytes):
    """-> (type, epoch, index, data) with every §22.3 check."""
    if len(b) != FIELD_LEN:
        raise SottoError("MALFORMED", "field length")
    kind, epoch, index, data = b[0], int.from_bytes(b[1:5], "big"), b[5], b[6:]
    zero = data == bytes(CHUNK)
    if kind == 0 and epoch == 0 and index == 0 and zero:
        return 0, 0, 0, data
    if kind == 3 and index == 0 and zero:
        return 3, epoch, 0, data
    if kind in (1, 2):
        length, count = (EK_LEN, EK_CHUNKS) if kind == 1 else (CT_LEN, CT_CHUNKS)
        if index >= count:
            raise SottoError("MALFORMED", "chunk index")
        used = min(CHUNK, length - CHUNK * index)
        if any(data[used:]):
            raise SottoError("MALFORMED", "chunk padding")
        return kind, epoch, index, data
    raise SottoError("MALFORMED", "field")


# --------------------------------------------------------------------------
# §22.4 KDFs

def transcript(epoch: int, ek: bytes, ct: bytes) -> bytes:
    return S.sha256(b"Sotto v2 KEM transcript" + u32(epoch) + ek + ct)


def kdf_rk2(rk: bytes, dh_out: bytes, mix=None):
    if mix is None:
        okm = S.hkdf(rk, dh_out, b"Sotto v2 ratchet\x00", 96)
    else:
        epoch, ss, th = mix
        okm = S.hkdf(rk, dh_out + ss, b"Sotto v2 ratchet\x01" + u32(epoch) + th, 96)
    return okm[:32], okm[32:64], okm[64:]


# --------------------------------------------------------------------------
# §22.5 state

class Kem:
    def __init__(self, initiator: bool):
        self.E = 0
        self.marker = None
        self.phase = KEYGEN_DUE if initiator else AWAITING_EK
        self.chunks: dict[int, bytes] = {}   # received chunks of the current object
        self.ek = self.dk = self.ct = self.ss = self.th = None
        self.sent = 0
        self.peer_started = False

    def assembled(self, length: int, count: int) -> bytes | None:
        if len(self.chunks) < count:
            return None
        return b"".join(self.chunks[i] for i in range(count))[:length]


class PqSession(S.Session):
    """A version-2 session: §6 with KDF_RK2, kind 0x12 and the KEM ratchet."""

    # ---- §22.6 encrypting
    def encrypt(self, plaintext: bytes, draw) -> bytes:
        if len(plaintext) > S.MAX_PLAINTEXT:
            raise SottoError("TOO_LARGE")
        kem = copy.deepcopy(self.kem)
        step = self.pending
        mix = None
        if step:
            dhs_new = draw(32)
            kem.marker = None
            if kem.phase == MIX_DUE:
                mix = (kem.E, kem.ss, kem.th)
                kem.marker, kem.E = kem.E, kem.E + 1
                kem.phase, kem.chunks, kem.ss, kem.th, kem.dk, kem.ek = AWAITING_EK, {}, None, None, None, None
            rk_new, ck, nhks_new = kdf_rk2(self.RK, S.x25519_dh(dhs_new, self.DHr), mix)
            pn, n, dhs = (self.Ns if self.CKs is not None else 0), 0, dhs_new
        else:
            ck, n, pn, dhs = self.CKs, self.Ns, self.PN, self.DHs
        if kem.phase == KEYGEN_DUE:
            kem.ek, kem.dk = S.mlkem_keygen(draw(64))
            kem.phase, kem.sent, kem.chunks, kem.peer_started = OWNER, 0, {}, False
        elif kem.phase == ENCAPS_DUE:
            kem.ct, kem.ss = S.mlkem_encaps(kem.ek, draw(32))
            kem.th = transcript(kem.E, kem.ek, kem.ct)
            kem.phase, kem.sent = SENDING_CT, 0
        if kem.marker is not None:
            field = encode_field(3, kem.marker)
        elif kem.phase == OWNER and not kem.peer_started:
            i = kem.sent % EK_CHUNKS
            kem.sent = (kem.sent + 1) % 2**32
            field = encode_field(1, kem.E, i, chunk(kem.ek, i))
        elif kem.phase == SENDING_CT:
            i = kem.sent % CT_CHUNKS
            kem.sent = (kem.sent + 1) % 2**32
            field = encode_field(2, kem.E, i, chunk(kem.ct, i))
        else:
            field = encode_field(0)
        ck_next, mk = S.kdf_ck(ck)
        if n == 2**32 - 1:
            raise SottoError("LIMIT_EXCEEDED")
        header = S.x25519_base(dhs) + u32(pn) + u32(n) + field
        nonce = draw(24)
        padded = S.pad(plaintext, self.padding)
        eh = S.aead_seal(self.HKs, nonce, self.ad_hash + bytes([S.VERSION, KIND_MSG_V2]), header)
        prefix = bytes([S.VERSION, KIND_MSG_V2]) + nonce + eh
        message = prefix + S.aead_seal(mk, nonce, self.ad_hash + prefix, padded)
        if step:
            self.DHs, self.RK, self.NHKs, self.PN, self.pending = dhs, rk_new, nhks_new, pn, False
        self.CKs, self.Ns, self.kem = ck_next, n + 1, kem
        self.last = dict(header=header, mk=mk, field=field, ck=ck_next,
                         root_key=rk_new if step else None, mix=mix)
        if self.awaiting_reply:
            return self.prekey_header() + message
        return message

    # ---- §22.6 decrypting
    def decrypt(self, data: bytes) -> bytes:
        if len(data) >= 2 and data[0] == S.VERSION and data[1] == S.KIND_PREKEY_MSG:
            f = decode_prekey_message_v2(data)
            if self.role != S.ROLE_RESPONDER or S.session_id_of(f["header"]) != self.session_id:
                raise SottoError("SESSION_MISMATCH")
            data = f["message"]
        nonce, eh, eb = decode_message_v2(data)
        prefix = data[:PREFIX_V2]
        ad_h = self.ad_hash + bytes([S.VERSION, KIND_MSG_V2])
        candidates = []
        if self.recv is not None:
            candidates.append(("a", self.recv.hk, None))
        candidates.append(("b", self.NHKr, None))
        for idx in range(len(self.retired) - 1, -1, -1):
            candidates.append(("c", self.retired[idx].hk, idx))
        for case, hk, idx in candidates:
            try:
                header = S.aead_open(hk, nonce, ad_h, eh)
                break
            except SottoError:
                continue
        else:
            raise SottoError("DECRYPTION_FAILED", "no header key")
        if len(header) != 96:
            raise SottoError("MALFORMED", "header length")
        dh, pn, n = header[:32], int.from_bytes(header[32:36], "big"), int.from_bytes(header[36:40], "big")
        ftype, fepoch, findex, fdata = decode_field(header[40:])

        new = copy.deepcopy(self)
        mixed = False
        if case == "a":
            ch = new.recv
            if dh != new.DHr:
                raise SottoError("STALE_SESSION")
            mk = new._take_from(ch, n) if n < ch.n else new._advance(ch, n)
        elif case == "b":
            mix = None
            if ftype == 3:
                if new.kem.phase == SENDING_CT and fepoch == new.kem.E:
                    mix = (new.kem.E, new.kem.ss, new.kem.th)
                else:
                    raise SottoError("KEM_MISMATCH")
            if new.recv is not None and pn > new.recv.n:
                if pn - new.recv.n > S.MAX_SKIP:
                    raise SottoError("TOO_FAR_AHEAD")
                new.recv.ck, keys = S.derive_skipped(new.recv.ck, new.recv.n, pn)
                new.recv.skipped += keys
                new.recv.n = pn
            rk, ck, nhkr = kdf_rk2(new.RK, S.x25519_dh(new.DHs, dh), mix)
            chain = S.Chain(new.NHKr, ck, 0)
            mk = new._advance(chain, n)
            if new.recv is not None:
                new.recv.ck = None
                new.retired.append(new.recv)
                new.retired = new.retired[-S.MAX_RETIRED:]
            new.recv = chain
            new.NHKr, new.DHr, new.RK, new.HKs, new.pending = nhkr, dh, rk, new.NHKs, True
            mixed = mix is not None
        else:
            mk = new._take_from(new.retired[idx], n)
        plaintext = S.unpad(S.aead_open(mk, nonce, self.ad_hash + prefix, eb))
        # KEM state, only once the body authenticated
        kem = new.kem
        if mixed:
            kem.E, kem.phase = kem.E + 1, KEYGEN_DUE
            kem.ct = kem.ss = kem.th = kem.ek = None
        elif ftype == 1 and kem.phase == AWAITING_EK and fepoch == kem.E:
            kem.chunks.setdefault(findex, fdata)
            ek = kem.assembled(EK_LEN, EK_CHUNKS)
            if ek is not None:
                S.mlkem_check_ek(ek)
                kem.ek, kem.chunks, kem.phase = ek, {}, ENCAPS_DUE
        elif ftype == 2 and kem.phase == OWNER and fepoch == kem.E:
            kem.peer_started = True
            kem.chunks.setdefault(findex, fdata)
            ct = kem.assembled(CT_LEN, CT_CHUNKS)
            if ct is not None:
                kem.ss = S.mlkem_decaps(kem.dk, ct)
                kem.th = transcript(kem.E, kem.ek, ct)
                kem.phase, kem.chunks, kem.dk = MIX_DUE, {}, None
        new._evict()
        if new.awaiting_reply:
            new.handshake = None
        self.__dict__.update(new.__dict__)
        return plaintext


def decode_message_v2(data: bytes):
    r = Reader(data)
    if r.u8() != S.VERSION:
        raise SottoError("UNSUPPORTED_VERSION")
    if r.u8() != KIND_MSG_V2:
        raise SottoError("WRONG_OBJECT_TYPE")
    if len(data) < PREFIX_V2 + 16:
        raise SottoError("TRUNCATED")
    nonce, eh = r.take(24), r.take(112)
    eb = r.rest()
    if len(eb) > S.MAX_BODY:
        raise SottoError("TOO_LARGE")
    return nonce, eh, eb


def decode_prekey_message_v2(data: bytes) -> dict:
    """§7.3 with an embedded message of kind 0x12 (§22.2)."""
    r = Reader(data)
    S.check_version_kind(r, S.KIND_PREKEY_MSG)
    f = {"identity": S.read_identity_record(r), "ek_a_pub": S.read_key(r, S.T_X25519),
         "spk_id": r.u32(), "kem_id": r.u32(), "kem_kind": r.u8()}
    if f["kem_kind"] not in (S.KEM_LAST_RESORT, S.KEM_ONE_TIME):
        raise SottoError("MALFORMED", "kem kind")
    f["opk_id"] = r.u32() if r.flag() else None
    f["ct"] = r.take(1088)
    f["header"] = data[:r.pos]
    f["message"] = r.rest()
    decode_message_v2(f["message"])
    return f


# --------------------------------------------------------------------------
# §22.2 initiator and responder

def initiate(identity: S.Identity, bundle_v2: bytes, local_id: bytes, remote_id: bytes, draw) -> PqSession:
    caps, b = decode_bundle_v2(bundle_v2)
    if not caps & CAP_PQ_RATCHET:
        raise SottoError("INVALID_ARGUMENT", "bundle without the capability: use version 1")
    v1 = S.initiate(identity, bytes([S.VERSION, S.KIND_BUNDLE]) + bundle_v2[3:], local_id, remote_id, draw)
    s = PqSession()
    s.__dict__.update(v1.__dict__)
    # §22.4: KDF_RK2 at the initiator's initialisation (§6.3)
    rk0 = v1.handshake_info["root_key"]
    s.RK, s.CKs, s.NHKs = kdf_rk2(rk0, S.x25519_dh(s.DHs, b.spk))
    s.kem = Kem(initiator=True)
    return s


def accept(account: S.Account, data: bytes, local_id: bytes, remote_id: bytes):
    """§5.3 for a prekey message whose embedded message is of kind 0x12."""
    f = decode_prekey_message_v2(data)
    if f["spk_id"] not in account.signed_prekeys:
        raise SottoError("UNKNOWN_PREKEY", "signed prekey")
    spk_priv = account.signed_prekeys[f["spk_id"]]
    accepted = account.accepted_base_keys.get(f["spk_id"], [])
    if f["ek_a_pub"] in accepted:
        raise SottoError("DUPLICATE_MESSAGE")
    try:
        kem_seed = account.kem_prekeys[(f["kem_kind"], f["kem_id"])]
        opk_priv = account.one_time_prekeys[f["opk_id"]] if f["opk_id"] is not None else None
    except KeyError:
        raise SottoError("UNKNOWN_PREKEY") from None
    ida = f["identity"]
    adh = S.ad_hash(ida.key, account.identity.key, remote_id, local_id)
    ek = f["ek_a_pub"]
    dhs = [S.x25519_dh(spk_priv, ida.agreement_public),
           S.x25519_dh(account.identity.agreement_private, ek),
           S.x25519_dh(spk_priv, ek)]
    opk_pub = None
    if opk_priv is not None:
        dhs.append(S.x25519_dh(opk_priv, ek))
        opk_pub = S.x25519_base(opk_priv)
    kem_ek, kem_dk = S.mlkem_keygen(kem_seed)
    ss = S.mlkem_decaps(kem_dk, f["ct"])
    th = S.transcript_hash(ek, S.x25519_base(spk_priv), opk_pub, kem_ek, f["ct"])
    rk0, hk_a, nhk_b = S.handshake_keys(dhs, ss, adh, th)
    s = PqSession()
    s.role, s.padding = S.ROLE_RESPONDER, True
    s.session_id, s.ad_hash = S.session_id_of(f["header"]), adh
    s.local_record, s.remote_record = account.identity.record, ida.record
    s.handshake = None
    s.DHs, s.RK, s.NHKs, s.NHKr = spk_priv, rk0, nhk_b, hk_a
    s.DHr = s.CKs = s.HKs = None
    s.Ns, s.PN = 0, 0
    s.kem = Kem(initiator=False)
    pt = s.decrypt(data)
    if opk_priv is not None:
        del account.one_time_prekeys[f["opk_id"]]
    if f["kem_kind"] == S.KEM_ONE_TIME:
        del account.kem_prekeys[(f["kem_kind"], f["kem_id"])]
    account.accepted_base_keys.setdefault(f["spk_id"], []).append(ek)
    return s, pt
