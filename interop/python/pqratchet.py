"""Ratchet version 2, the post-quantum KEM ratchet (PROTOCOL.md §22).

Written from the text of PROTOCOL.md §22 alone (with the §4, §5, §6, §7, §9
and §12 it builds on, through `sotto_ref.py`). Its author did not read the
Rust source, nor the earlier `pqratchet.py` / `test_pqratchet.py` (deleted
unread before this one was written). Points where §22 did not say enough are
marked `GAP` and listed in README.md.

Randomness is passed in as a `draw(n)` callable, in the order of §22.9.
"""

from __future__ import annotations

import copy

import sotto_ref as R
from sotto_ref import SottoError, u8, u32, flag, Reader

KIND_MSG_V2 = 0x12
KIND_BUNDLE_V2 = 0x13
CAP_PQ_RATCHET = 0x01

EK_LEN, CT_LEN = 1184, 1088
CHUNK = 50
FIELD_LEN = 56
KEY_CHUNKS, CT_CHUNKS = 24, 22            # ceil(1184 / 50), ceil(1088 / 50)
HEADER_V2_LEN = 40 + FIELD_LEN            # 96
PREFIX_V2_LEN = 2 + 24 + HEADER_V2_LEN + 16   # 138
U32_MAX = 2**32 - 1

# KEM field types (§22.3)
F_IDLE, F_KEY, F_CT, F_MARKER = 0x00, 0x01, 0x02, 0x03
FIELD_NAMES = {F_IDLE: "idle", F_KEY: "key chunk", F_CT: "ciphertext chunk", F_MARKER: "mix marker"}

# phases (§22.5)
P_KEYPAIR_DUE, P_OWNER, P_MIX_DUE, P_AWAIT_KEY, P_ENCAPS_DUE, P_SENDING_CT = range(6)


# --------------------------------------------------------------------------
# §22.2 Bundle with capabilities (kind 0x13)

def encode_bundle_v2(bundle_v1: bytes, capabilities: int = CAP_PQ_RATCHET) -> bytes:
    """0x01 || 0x13 || u8(capabilities) || (the §4.2 bundle after its first two bytes)."""
    assert bundle_v1[:2] == bytes([R.VERSION, R.KIND_BUNDLE])
    return bytes([R.VERSION, KIND_BUNDLE_V2, capabilities]) + bundle_v1[2:]


def without_capabilities(bundle_v2: bytes) -> bytes:
    """The §4.2 form of the same prekeys."""
    return bytes([R.VERSION, R.KIND_BUNDLE]) + bundle_v2[3:]


def decode_bundle_any(data: bytes):
    """A bundle of kind 0x01 (§4.2) or 0x13 (§22.2) -> (capabilities, decoded §4.2 bundle).

    Version first, then kind, then the capability byte (any value: reserved bits
    are kept as they are and ignored), then the rest exactly as §4.2."""
    r = Reader(data)
    if r.u8() != R.VERSION:
        raise SottoError("UNSUPPORTED_VERSION")
    kind = r.u8()
    if kind == R.KIND_BUNDLE:
        return 0, R.decode_bundle(data)
    if kind != KIND_BUNDLE_V2:
        raise SottoError("WRONG_OBJECT_TYPE")
    caps = r.u8()
    return caps, R.decode_bundle(without_capabilities(data))


# --------------------------------------------------------------------------
# §22.3 KEM field

def encode_field(ftype: int, epoch: int = 0, index: int = 0, data: bytes = b"") -> bytes:
    return u8(ftype) + u32(epoch) + u8(index) + data + bytes(CHUNK - len(data))


def chunk_of(obj: bytes, index: int) -> bytes:
    return obj[CHUNK * index:min(CHUNK * index + CHUNK, len(obj))]


def parse_field(b: bytes):
    """Strict parse of the 56-byte field -> (type, epoch, index, data); MALFORMED otherwise."""
    assert len(b) == FIELD_LEN
    t, epoch, index, data = b[0], int.from_bytes(b[1:5], "big"), b[5], b[6:]
    if t > F_MARKER:
        raise SottoError("MALFORMED", "KEM field type")
    if t == F_IDLE and any(b[1:]):
        raise SottoError("MALFORMED", "idle field with a non-zero byte")
    if t == F_MARKER and (index != 0 or any(data)):
        raise SottoError("MALFORMED", "mix marker with a non-zero index or data")
    if t in (F_KEY, F_CT):
        total, count = (EK_LEN, KEY_CHUNKS) if t == F_KEY else (CT_LEN, CT_CHUNKS)
        if index >= count:
            raise SottoError("MALFORMED", "chunk index")
        used = min(CHUNK, total - CHUNK * index)
        if any(data[used:]):
            raise SottoError("MALFORMED", "non-zero padding after the object's end")
        data = data[:used]
    return t, epoch, index, data


# --------------------------------------------------------------------------
# §22.4 KDFs

def kem_transcript_hash(epoch: int, ek: bytes, ct: bytes) -> bytes:
    return R.sha256(b"Sotto v2 KEM transcript" + u32(epoch) + ek + ct)


def kdf_rk2(rk: bytes, dh_out: bytes, mix=None):
    if mix is None:
        okm = R.hkdf(rk, dh_out, b"Sotto v2 ratchet" + b"\x00", 96)
    else:
        e, ss, th = mix
        okm = R.hkdf(rk, dh_out + ss, b"Sotto v2 ratchet" + b"\x01" + u32(e) + th, 96)
    return okm[:32], okm[32:64], okm[64:]


# --------------------------------------------------------------------------
# §22.5 KEM state

class Kem:
    """E, phase, marker and the per-phase fields of §22.5."""

    def __init__(self, phase: int):
        self.E = 0
        self.phase = phase
        self.marker: int | None = None
        self.seed = self.ek = self.dk = self.ct = self.ss = self.th = None
        self.sent = 0
        self.peer_started = False
        self.chunks: dict[int, bytes] = {}   # chunks received (phase 1: ct, phase 3: ek)

    def reset_chunks(self):
        self.chunks = {}

    def assembled(self, total: int, count: int) -> bytes:
        """The object so far, missing chunks as zero bytes."""
        out = bytearray(total)
        for i, d in self.chunks.items():
            out[CHUNK * i:CHUNK * i + len(d)] = d
        return bytes(out)

    def received_bits(self) -> int:
        return sum(1 << i for i in self.chunks)


# --------------------------------------------------------------------------
# Messages of kind 0x12 (§22.3)

def decode_message_v2(data: bytes):
    """§22.3 framing (the checks of §7.2 with the version-2 lengths) -> (N, EH, EB)."""
    r = Reader(data)
    R.check_version_kind(r, KIND_MSG_V2)
    if len(data) < PREFIX_V2_LEN + 16:
        raise SottoError("TRUNCATED")
    nonce, eh = r.take(24), r.take(HEADER_V2_LEN + 16)
    eb = r.rest()
    if len(eb) > R.MAX_BODY:
        raise SottoError("TOO_LARGE")
    return nonce, eh, eb


def decode_prekey_message_any(data: bytes) -> dict:
    """§7.3 with an embedded message of kind 0x03 or 0x12 (§22.2 "Responder")."""
    r = Reader(data)
    R.check_version_kind(r, R.KIND_PREKEY_MSG)
    f = {"identity": R.read_identity_record(r), "ek_a_pub": R.read_key(r, R.T_X25519),
         "spk_id": r.u32(), "kem_id": r.u32(), "kem_kind": r.u8()}
    if f["kem_kind"] not in (R.KEM_LAST_RESORT, R.KEM_ONE_TIME):
        raise SottoError("MALFORMED", "kem kind")
    f["opk_id"] = r.u32() if r.flag() else None
    f["ct"] = r.take(1088)
    f["header"] = data[:r.pos]
    f["message"] = r.rest()
    # GAP (§22.2 / §7.3): which kinds the embedded message may have. Version
    # first, then: 0x03 -> a version-1 message, 0x12 -> version 2, anything
    # else WRONG_OBJECT_TYPE.
    m = f["message"]
    if len(m) >= 2 and m[0] == R.VERSION and m[1] == KIND_MSG_V2:
        decode_message_v2(m)
        f["version"] = 2
    else:
        R.decode_message(m)
        f["version"] = 1
    return f


# --------------------------------------------------------------------------
# §22.2 Initiate and accept

def initiate(identity: R.Identity, bundle_bytes: bytes, local_id: bytes, remote_id: bytes, draw):
    """Session::initiate with a bundle of kind 0x01 or 0x13: version 2 iff bit 0x01 is set."""
    caps, _ = decode_bundle_any(bundle_bytes)
    v1_form = bundle_bytes if bundle_bytes[1] == R.KIND_BUNDLE else without_capabilities(bundle_bytes)
    # §5 is unchanged, and so are the draws (§22.9): run it as version 1 ...
    s1 = R.initiate(identity, v1_form, local_id, remote_id, draw)
    if not caps & CAP_PQ_RATCHET:
        return s1
    # ... and redo §6.3 with KDF_RK2 (no secret): the root step is the only change.
    s = SessionV2()
    s.__dict__.update(s1.__dict__)
    info = s1.handshake_info
    b = R.decode_bundle(v1_form)
    s.RK, s.CKs, s.NHKs = kdf_rk2(info["root_key"], R.x25519_dh(s.DHs, b.spk))
    s.kem = Kem(P_KEYPAIR_DUE)
    return s


def accept(account: R.Account, data: bytes, local_id: bytes, remote_id: bytes):
    """§5.3 Session::accept: the embedded message's kind decides the version (§22.2).
    -> (session, plaintext); the account changes only on success."""
    f = decode_prekey_message_any(data)
    if f["version"] == 1:
        return R.accept(account, data, local_id, remote_id)
    if f["spk_id"] not in account.signed_prekeys:
        raise SottoError("UNKNOWN_PREKEY", "signed prekey")
    spk_priv = account.signed_prekeys[f["spk_id"]]
    accepted = account.accepted_base_keys.get(f["spk_id"], [])
    if f["ek_a_pub"] in accepted:
        raise SottoError("DUPLICATE_MESSAGE")
    if len(accepted) >= R.MAX_SESSIONS_PER_SIGNED_PREKEY:
        raise SottoError("PREKEY_EXHAUSTED")
    try:
        kem_seed = account.kem_prekeys[(f["kem_kind"], f["kem_id"])]
        opk_priv = account.one_time_prekeys[f["opk_id"]] if f["opk_id"] is not None else None
    except KeyError:
        raise SottoError("UNKNOWN_PREKEY") from None
    ida = f["identity"]
    adh = R.ad_hash(ida.key, account.identity.key, remote_id, local_id)
    ek = f["ek_a_pub"]
    dhs = [R.x25519_dh(spk_priv, ida.agreement_public),
           R.x25519_dh(account.identity.agreement_private, ek),
           R.x25519_dh(spk_priv, ek)]
    opk_pub = None
    if opk_priv is not None:
        dhs.append(R.x25519_dh(opk_priv, ek))
        opk_pub = R.x25519_base(opk_priv)
    kem_ek, kem_dk = R.mlkem_keygen(kem_seed)
    ss = R.mlkem_decaps(kem_dk, f["ct"])
    th = R.transcript_hash(ek, R.x25519_base(spk_priv), opk_pub, kem_ek, f["ct"])
    rk0, hk_a, nhk_b = R.handshake_keys(dhs, ss, adh, th)
    s = SessionV2()
    s.role, s.padding = R.ROLE_RESPONDER, True
    s.session_id, s.ad_hash = R.session_id_of(f["header"]), adh
    s.local_record, s.remote_record = account.identity.record, ida.record
    s.handshake = None
    s.DHs, s.RK, s.NHKs, s.NHKr = spk_priv, rk0, nhk_b, hk_a
    s.DHr = s.CKs = s.HKs = None
    s.Ns, s.PN = 0, 0
    s.kem = Kem(P_AWAIT_KEY)
    s.handshake_info = dict(root_key=rk0, hk_a=hk_a, nhk_b=nhk_b)
    pt = s.decrypt(data)
    if opk_priv is not None:
        del account.one_time_prekeys[f["opk_id"]]
    if f["kem_kind"] == R.KEM_ONE_TIME:
        del account.kem_prekeys[(f["kem_kind"], f["kem_id"])]
    account.accepted_base_keys.setdefault(f["spk_id"], []).append(ek)
    return s, pt


# --------------------------------------------------------------------------
# The version-2 session (§22.5, §22.6, §22.8)

class SessionV2(R.Session):
    uses_pq_ratchet = True

    # ---- §22.6 Encrypting
    def encrypt(self, plaintext: bytes, draw) -> bytes:
        if len(plaintext) > R.MAX_PLAINTEXT:
            raise SottoError("TOO_LARGE")
        if self.HKs is None:
            raise SottoError("INVALID_ARGUMENT", "responder cannot send yet")
        kem = copy.deepcopy(self.kem)          # computed aside, committed with step 6
        step = self.pending
        mixed = None
        if step:                                # §6.4 step 1 and §22.6 step 1
            dhs_new = draw(32)
            dh_out = R.x25519_dh(dhs_new, self.DHr)
            kem.marker = None
            if kem.phase == P_MIX_DUE:
                if kem.E == U32_MAX:
                    raise SottoError("LIMIT_EXCEEDED", "KEM epoch")
                mixed = (kem.E, kem.ss, kem.th)
                rk_new, ck, nhks_new = kdf_rk2(self.RK, dh_out, mixed)
                kem.marker = kem.E
                kem.E += 1
                kem.phase = P_AWAIT_KEY
                kem.ss = kem.th = kem.seed = kem.ek = kem.dk = kem.ct = None
                kem.reset_chunks()
            else:
                rk_new, ck, nhks_new = kdf_rk2(self.RK, dh_out)
            pn, n, dhs = (self.Ns if self.CKs is not None else 0), 0, dhs_new
        else:
            ck, n, pn, dhs = self.CKs, self.Ns, self.PN, self.DHs
        ck_next, mk = R.kdf_ck(ck)
        if n == U32_MAX:
            raise SottoError("LIMIT_EXCEEDED")
        # §22.6 step 2: key generation or encapsulation
        if kem.phase == P_KEYPAIR_DUE:
            kem.seed = draw(64)
            kem.ek, kem.dk = R.mlkem_keygen(kem.seed)
            kem.phase, kem.sent, kem.peer_started = P_OWNER, 0, False
            kem.reset_chunks()
        elif kem.phase == P_ENCAPS_DUE:
            m = draw(32)
            kem.ct, kem.ss = R.mlkem_encaps(kem.ek, m)
            kem.th = kem_transcript_hash(kem.E, kem.ek, kem.ct)
            kem.phase, kem.sent = P_SENDING_CT, 0
        # step 3: the field
        if kem.marker is not None:
            field = encode_field(F_MARKER, kem.marker)
        elif kem.phase == P_OWNER and not kem.peer_started:
            i = kem.sent % KEY_CHUNKS
            field = encode_field(F_KEY, kem.E, i, chunk_of(kem.ek, i))
            kem.sent = (kem.sent + 1) & U32_MAX
        elif kem.phase == P_SENDING_CT:
            i = kem.sent % CT_CHUNKS
            field = encode_field(F_CT, kem.E, i, chunk_of(kem.ct, i))
            kem.sent = (kem.sent + 1) & U32_MAX
        else:
            field = encode_field(F_IDLE)
        # step 4: nonce and the message of §22.3
        header = R.x25519_base(dhs) + u32(pn) + u32(n) + field
        nonce = draw(24)
        padded = R.pad(plaintext, self.padding)
        eh = R.aead_seal(self.HKs, nonce, self.ad_hash + bytes([R.VERSION, KIND_MSG_V2]), header)
        prefix = bytes([R.VERSION, KIND_MSG_V2]) + nonce + eh
        message = prefix + R.aead_seal(mk, nonce, self.ad_hash + prefix, padded)
        hks_used = self.HKs
        if step:
            self.DHs, self.RK, self.NHKs, self.PN, self.pending = dhs, rk_new, nhks_new, pn, False
        self.CKs, self.Ns = ck_next, n + 1
        self.kem = kem
        self.last = dict(header=header, field=field, mk=mk, padded=padded, hk=hks_used,
                         root_step=step, mix=mixed)
        if self.awaiting_reply:
            return self.prekey_header() + message
        return message

    # ---- §22.6 Decrypting
    def decrypt(self, data: bytes) -> bytes:
        if len(data) >= 2 and data[0] == R.VERSION and data[1] == R.KIND_PREKEY_MSG:
            f = decode_prekey_message_any(data)
            if self.role != R.ROLE_RESPONDER or R.session_id_of(f["header"]) != self.session_id:
                raise SottoError("SESSION_MISMATCH")
            data = f["message"]
        # step 1: a normal message of the other version (version checked first, §7.4)
        if len(data) >= 2 and data[0] == R.VERSION and data[1] == R.KIND_MSG:
            raise SottoError("WRONG_OBJECT_TYPE", "version-1 message in a version-2 session")
        nonce, eh, eb = decode_message_v2(data)
        prefix = data[:PREFIX_V2_LEN]
        ad_h = self.ad_hash + bytes([R.VERSION, KIND_MSG_V2])
        candidates = []
        if self.recv is not None:
            candidates.append(("a", self.recv.hk, None))
        candidates.append(("b", self.NHKr, None))
        for idx in range(len(self.retired) - 1, -1, -1):
            candidates.append(("c", self.retired[idx].hk, idx))
        for case, hk, idx in candidates:
            try:
                header = R.aead_open(hk, nonce, ad_h, eh)
                break
            except SottoError:
                continue
        else:
            raise SottoError("DECRYPTION_FAILED", "no header key")
        if len(header) != HEADER_V2_LEN:
            raise SottoError("MALFORMED", "header length")
        dh, pn, n = header[:32], int.from_bytes(header[32:36], "big"), int.from_bytes(header[36:40], "big")
        ftype, fepoch, findex, fdata = parse_field(header[40:])

        new = copy.deepcopy(self)
        kem = new.kem
        new.last = dict(header=header, case=case, field=(ftype, fepoch, findex), mix=None)
        if case == "a":
            ch = new.recv
            if dh != new.DHr:
                raise SottoError("STALE_SESSION", "ratchet key of current chain")
            if n < ch.n:
                mk, new.last["skipped_key_used"] = new._take_from(ch, n), True
            else:
                mk = new._advance(ch, n)
        elif case == "b":
            # §22.6 decrypting step 3: a marker is checked as soon as the
            # header routes to a new chain, before every check of §6.5 case (b).
            if ftype == F_MARKER:
                if kem.phase != P_SENDING_CT or fepoch != kem.E:
                    raise SottoError("KEM_MISMATCH")
                if kem.E == U32_MAX:
                    raise SottoError("LIMIT_EXCEEDED", "KEM epoch")
            if new.recv is not None and pn > new.recv.n:
                if pn - new.recv.n > R.MAX_SKIP:
                    raise SottoError("TOO_FAR_AHEAD")
                new.recv.ck, keys = R.derive_skipped(new.recv.ck, new.recv.n, pn)
                new.recv.skipped += keys
                new.recv.n = pn
            dh_out = R.x25519_dh(new.DHs, dh)
            if ftype == F_MARKER:
                mixed = (kem.E, kem.ss, kem.th)
                rk, ck, nhkr = kdf_rk2(new.RK, dh_out, mixed)
                new.last["mix"] = mixed
                kem.E += 1
                kem.phase = P_KEYPAIR_DUE
                kem.ct = kem.ss = kem.th = kem.ek = None
                kem.sent = 0
            else:
                rk, ck, nhkr = kdf_rk2(new.RK, dh_out)
            chain = R.Chain(new.NHKr, ck, 0)
            mk = new._advance(chain, n)
            if new.recv is not None:
                new.recv.ck = None
                new.retired.append(new.recv)
                new.retired = new.retired[-R.MAX_RETIRED:]
            new.recv = chain
            new.NHKr, new.DHr, new.RK, new.HKs, new.pending = nhkr, dh, rk, new.NHKs, True
            new.last["root_key"] = rk
        else:
            mk, new.last["skipped_key_used"] = new._take_from(new.retired[idx], n), True
        padded = R.aead_open(mk, nonce, self.ad_hash + prefix, eb)
        plaintext = R.unpad(padded)
        # step 4: the field's chunk, from every authenticated message
        if ftype == F_KEY and fepoch == kem.E and kem.phase == P_AWAIT_KEY:
            if findex not in kem.chunks:
                kem.chunks[findex] = fdata
                if len(kem.chunks) == KEY_CHUNKS:
                    ek = kem.assembled(EK_LEN, KEY_CHUNKS)
                    R.mlkem_check_ek(ek)        # INVALID_KEY: the whole call fails, nothing changes
                    kem.ek, kem.phase = ek, P_ENCAPS_DUE
                    kem.reset_chunks()
        elif ftype == F_CT and fepoch == kem.E and kem.phase == P_OWNER:
            kem.peer_started = True
            if findex not in kem.chunks:
                kem.chunks[findex] = fdata
                if len(kem.chunks) == CT_CHUNKS:
                    ct = kem.assembled(CT_LEN, CT_CHUNKS)
                    kem.ss = R.mlkem_decaps(kem.dk, ct)
                    kem.ct = ct
                    kem.th = kem_transcript_hash(kem.E, kem.ek, ct)
                    kem.phase = P_MIX_DUE
                    kem.seed = kem.dk = None
                    kem.reset_chunks()
        new._evict()
        if new.awaiting_reply:
            new.handshake = None
        used = new.last.get("skipped_key_used", False)
        new.last.update(mk=mk, chain_key=None if used else new.recv.ck, skipped_key_used=used)
        self.__dict__.update(new.__dict__)
        return plaintext

    # ---- §22.8 Sealed session, format 2
    def serialize(self) -> bytes:
        v1 = R.Session.serialize(self)
        assert v1[0] == 1
        return b"\x02" + v1[1:] + self.serialize_kem()

    def serialize_kem(self) -> bytes:
        k = self.kem
        out = u32(k.E) + flag(k.marker is not None) + (u32(k.marker) if k.marker is not None else b"")
        out += u8(k.phase)
        if k.phase == P_OWNER:
            out += (k.seed + u32(k.sent) + flag(k.peer_started) + u32(k.received_bits())
                    + k.assembled(CT_LEN, CT_CHUNKS))
        elif k.phase == P_MIX_DUE:
            out += k.ss + k.th
        elif k.phase == P_AWAIT_KEY:
            out += u32(k.received_bits()) + k.assembled(EK_LEN, KEY_CHUNKS)
        elif k.phase == P_ENCAPS_DUE:
            out += k.ek
        elif k.phase == P_SENDING_CT:
            out += k.ct + k.ss + k.th + u32(k.sent)
        return out

    @classmethod
    def deserialize(cls, data: bytes) -> "SessionV2":
        r = Reader(data)
        if r.u8() != 2:
            raise SottoError("UNSUPPORTED_VERSION", "session format")
        s = cls()
        read_v1_fields(r, s)
        s.kem = read_kem_state(r)
        r.end()
        if (s.pending and s.DHr is None) or (s.handshake is not None and s.role != R.ROLE_INITIATOR):
            raise SottoError("MALFORMED")
        return s


def read_v1_fields(r: Reader, s: R.Session) -> None:
    """Every §9.2 field after the format byte."""
    s.role = r.u8()
    pad_b = r.u8()
    if s.role > 1 or pad_b > 1:
        raise SottoError("MALFORMED")
    s.padding = pad_b == 1
    s.session_id, s.ad_hash = r.take(32), r.take(32)
    s.local_record = R.read_identity_record(r).record
    s.remote_record = R.read_identity_record(r).record
    s.RK, s.DHs = r.take(32), r.take(32)
    s.DHr = r.take(32) if r.flag() else None
    if r.flag():
        s.CKs, s.Ns = r.take(32), r.u32()
    else:
        s.CKs, s.Ns = None, 0
    s.PN = r.u32()
    s.HKs = r.take(32) if r.flag() else None
    s.NHKs = r.take(32)
    budget = [R.MAX_STORED]

    def skipped() -> list:
        count = r.u16()
        if count > budget[0]:
            raise SottoError("TOO_LARGE", "skipped keys")
        budget[0] -= count
        return [(r.u32(), r.take(32)) for _ in range(count)]
    if r.flag():
        hk, ck, n = r.take(32), r.take(32), r.u32()
        s.recv = R.Chain(hk, ck, n, skipped())
    s.NHKr = r.take(32)
    count = r.u8()
    if count > R.MAX_RETIRED:
        raise SottoError("TOO_LARGE", "retired chains")
    for _ in range(count):
        hk = r.take(32)
        s.retired.append(R.Chain(hk, None, 0, skipped()))
    s.pending = r.flag()
    if r.flag():
        h = {"ek_a_pub": R.read_key(r, R.T_X25519), "spk_id": r.u32(), "kem_id": r.u32(),
             "kem_kind": r.u8()}
        if h["kem_kind"] not in (R.KEM_LAST_RESORT, R.KEM_ONE_TIME):
            raise SottoError("MALFORMED", "kem kind")
        h["opk_id"] = r.u32() if r.flag() else None
        h["ct"] = r.take(1088)
        s.handshake = h
    else:
        s.handshake = None


def _read_chunks(r: Reader, total: int, count: int) -> dict:
    # §22.8: `received` is checked as soon as it is read, before the object.
    bits = r.u32()
    if bits >> count:
        raise SottoError("MALFORMED", "received bit at or above the chunk count")
    if bits == (1 << count) - 1:
        raise SottoError("MALFORMED", "complete chunk set")
    obj = r.take(total)
    chunks = {}
    for i in range(count):
        piece = chunk_of(obj, i)
        if bits >> i & 1:
            chunks[i] = piece
        elif any(piece):
            raise SottoError("MALFORMED", "non-zero bytes in a missing chunk")
    return chunks


def read_kem_state(r: Reader) -> Kem:
    E = r.u32()
    marker = r.u32() if r.flag() else None
    phase = r.u8()
    if phase > P_SENDING_CT:
        raise SottoError("MALFORMED", "KEM phase")
    k = Kem(phase)
    k.E, k.marker = E, marker
    if phase == P_OWNER:
        k.seed = r.take(64)
        k.sent = r.u32()
        k.peer_started = r.flag()
        k.chunks = _read_chunks(r, CT_LEN, CT_CHUNKS)
        k.ek, k.dk = R.mlkem_keygen(k.seed)
    elif phase == P_MIX_DUE:
        k.ss, k.th = r.take(32), r.take(32)
    elif phase == P_AWAIT_KEY:
        k.chunks = _read_chunks(r, EK_LEN, KEY_CHUNKS)
    elif phase == P_ENCAPS_DUE:
        k.ek = r.take(EK_LEN)
        R.mlkem_check_ek(k.ek)
    elif phase == P_SENDING_CT:
        k.ct, k.ss, k.th, k.sent = r.take(CT_LEN), r.take(32), r.take(32), r.u32()
    return k


def deserialize_session(state: bytes) -> R.Session:
    """§22.8: format 1 -> a version-1 session (§9.2), format 2 -> version 2;
    any other format byte UNSUPPORTED_VERSION."""
    if state[:1] == b"\x02":
        return SessionV2.deserialize(state)
    return R.Session.deserialize(state)


def seal_session(storage_key: bytes, s: R.Session, nonce: bytes) -> bytes:
    return R.seal(storage_key, R.KIND_SEALED_SESSION, s.serialize(), nonce)


def unseal_session(storage_key: bytes, sealed: bytes) -> R.Session:
    """Format 1 -> a version-1 session, format 2 -> version 2 (§22.8)."""
    return deserialize_session(R.unseal(storage_key, R.KIND_SEALED_SESSION, sealed))
