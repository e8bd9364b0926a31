"""Session records (PROTOCOL.md §17), written from the text of §17 alone.

Built on `sotto_ref` (§5 handshake, §6 ratchet, §7 messages, §9.1 envelope,
§9.2 session state), which was itself written from the specification. This
module adds, with the section each part implements:

- `AccountState`: the §9.3 account state, format 2 (parse and serialize),
  wrapping a `sotto_ref.Account` so that §17.2 step 2 can run the responder
  procedure of §5.3 on an account read from a sealed account;
- `SessionRecord`: the record of §17.1 (current session, archived sessions
  newest first, at most 4), routing of §17.2, the current-session rule of
  §17.3, and the record state and its sealing (kind 0x08) of §17.4.

Every operation is transactional (§17.2): it works on copies of the record
and of the account and commits both only on success.

Where §17 left a choice open, the comment marks it `GAP` with the
resolution taken (the report of this rewrite lists them).
"""

from __future__ import annotations

import copy

import sotto_ref as S
from sotto_ref import Reader, SottoError, u8, u16, u32, flag

# --------------------------------------------------------------------------
# §17.1, §17.4, §11 bounds

MAX_ARCHIVED_SESSIONS = 4
MAX_RECORD_SESSIONS = 1 + MAX_ARCHIVED_SESSIONS      # count 0 to 5
RECORD_FORMAT = 1
KIND_SEALED_RECORD = 0x08
MAX_SEALED_RECORD = 384 * 1024                      # 393,216 bytes
SEALED_HEADER = 2 + 24                              # version, kind, N
SEALED_MIN = SEALED_HEADER + 16                     # plus the tag: 42 bytes
SEALED_AD = b"Sotto v1 sealed state"


# --------------------------------------------------------------------------
# §9.3 Account state, format 2

ACCOUNT_FORMAT = 2
KIND_SEALED_ACCOUNT = 0x04


class AccountState:
    """§9.3 format 2 around a `sotto_ref.Account`.

    `account` holds what §5.3 needs (private prekeys by identifier, the
    accepted base keys of each signed prekey); the published flags, the
    identifier counter and the order of the lists are kept here so that the
    state serializes back byte for byte. Python dicts keep insertion order,
    and §5.3 only ever deletes one-time keys and appends base keys, so the
    order of §9.3 (current last) is preserved.
    """

    def __init__(self, account: S.Account, next_prekey_id: int,
                 published: dict[tuple[str, int], bool], last_resort: list[int]):
        self.account = account
        self.next_prekey_id = next_prekey_id
        self.published = published          # ("spk"|"opk"|"lr"|"kem", id) -> flag
        self.last_resort = last_resort      # last-resort ids in list order

    @classmethod
    def parse(cls, data: bytes) -> "AccountState":
        r = Reader(data)
        fmt = r.u8()
        if fmt != ACCOUNT_FORMAT:
            # Format 1 (§9.3, "still read") is not needed by the vectors and
            # not implemented here.
            raise SottoError("UNSUPPORTED_VERSION", "account format")
        ident = S.Identity(r.take(32), r.take(32))
        next_id = r.u32()
        acc = S.Account(ident)
        published: dict[tuple[str, int], bool] = {}

        def count(limit: int) -> int:
            n = r.u16()
            if n > limit:
                raise SottoError("TOO_LARGE", "account list")
            return n

        n_spk = count(3)
        for _ in range(n_spk):
            pid, pub = r.u32(), r.flag()
            acc.signed_prekeys[pid] = r.take(32)
            published[("spk", pid)] = pub
            acc.accepted_base_keys[pid] = [r.take(32) for _ in range(count(1000))]
        for _ in range(count(100)):
            pid, pub = r.u32(), r.flag()
            acc.one_time_prekeys[pid] = r.take(32)
            published[("opk", pid)] = pub
        last_resort = []
        n_lr = count(3)
        for _ in range(n_lr):
            pid, pub = r.u32(), r.flag()
            acc.kem_prekeys[(S.KEM_LAST_RESORT, pid)] = r.take(64)
            published[("lr", pid)] = pub
            last_resort.append(pid)
        for _ in range(count(100)):
            pid, pub = r.u32(), r.flag()
            acc.kem_prekeys[(S.KEM_ONE_TIME, pid)] = r.take(64)
            published[("kem", pid)] = pub
        r.end()
        if n_spk == 0 or n_lr == 0:
            raise SottoError("MALFORMED", "empty signed-prekey or last-resort list")
        return cls(acc, next_id, published, last_resort)

    def serialize(self) -> bytes:
        a = self.account
        out = [u8(ACCOUNT_FORMAT), a.identity.signing_seed, a.identity.agreement_private,
               u32(self.next_prekey_id), u16(len(a.signed_prekeys))]
        for pid, priv in a.signed_prekeys.items():
            keys = a.accepted_base_keys.get(pid, [])
            out += [u32(pid), flag(self.published[("spk", pid)]), priv, u16(len(keys))] + keys
        out.append(u16(len(a.one_time_prekeys)))
        for pid, priv in a.one_time_prekeys.items():
            out += [u32(pid), flag(self.published[("opk", pid)]), priv]
        lr = [pid for pid in self.last_resort if (S.KEM_LAST_RESORT, pid) in a.kem_prekeys]
        out.append(u16(len(lr)))
        for pid in lr:
            out += [u32(pid), flag(self.published[("lr", pid)]),
                    a.kem_prekeys[(S.KEM_LAST_RESORT, pid)]]
        ot = [pid for (kind, pid) in a.kem_prekeys if kind == S.KEM_ONE_TIME]
        out.append(u16(len(ot)))
        for pid in ot:
            out += [u32(pid), flag(self.published[("kem", pid)]),
                    a.kem_prekeys[(S.KEM_ONE_TIME, pid)]]
        return b"".join(out)

    @classmethod
    def unseal(cls, storage_key: bytes, sealed: bytes) -> "AccountState":
        return cls.parse(S.unseal(storage_key, KIND_SEALED_ACCOUNT, sealed))

    # Bundles, for self-generated traffic in the tests (§4.2): the current
    # signed prekey, the oldest one-time ML-KEM prekey if asked and held,
    # else the current last-resort one, and the oldest one-time X25519
    # prekey if asked and held. (Publication bookkeeping is not modelled.)
    def bundle(self, with_one_time: bool = False) -> bytes:
        a = self.account
        ident = a.identity
        spk_id = list(a.signed_prekeys)[-1]
        kem_kind, kem_id = S.KEM_LAST_RESORT, self.last_resort[-1]
        one_time_kem = [pid for (kind, pid) in a.kem_prekeys if kind == S.KEM_ONE_TIME]
        if with_one_time and one_time_kem:
            kem_kind, kem_id = S.KEM_ONE_TIME, min(one_time_kem)
        opk = None
        if with_one_time and a.one_time_prekeys:
            oid = min(a.one_time_prekeys)
            opk = S.one_time_prekey(oid, a.one_time_prekeys[oid])
        return S.encode_bundle(
            ident.record,
            S.signed_prekey(ident, spk_id, a.signed_prekeys[spk_id]),
            S.kem_prekey(ident, kem_id, kem_kind, a.kem_prekeys[(kem_kind, kem_id)]),
            opk)

    def generate_one_time(self, k: int, draw) -> None:
        """§13: k × (X25519 private, ML-KEM seed), identifiers interleaved.
        (The 100-key eviction of §4.3 is not modelled: k stays small.)"""
        pairs = [(draw(32), draw(64)) for _ in range(k)]
        for x_priv, seed in pairs:
            xid, kid = self.next_prekey_id, self.next_prekey_id + 1
            self.next_prekey_id += 2
            self.account.one_time_prekeys[xid] = x_priv
            self.published[("opk", xid)] = False
            self.account.kem_prekeys[(S.KEM_ONE_TIME, kid)] = seed
            self.published[("kem", kid)] = False

    @classmethod
    def create(cls, draw) -> "AccountState":
        """A new account from the draws of §13 (IS seed, IX private, signed
        prekey private, last-resort seed), identifiers 1 and 2 (§4.1)."""
        acc = S.Account(S.Identity(draw(32), draw(32)))
        acc.signed_prekeys[1] = draw(32)
        acc.accepted_base_keys[1] = []
        acc.kem_prekeys[(S.KEM_LAST_RESORT, 2)] = draw(64)
        return cls(acc, 3, {("spk", 1): False, ("lr", 2): False}, [2])


# --------------------------------------------------------------------------
# §17 Session records

def _remote_identity_key(s: S.Session) -> bytes:
    # §3.2: the identity key is the first 66 bytes of the identity record.
    # GAP (§17.3 "the same remote identity"): compared as identity keys; the
    # binding signature is deterministic, so comparing records is equivalent.
    return s.remote_record[:66]


def _unanswered_initiation(s: S.Session) -> bool:
    """§17.3: role initiator and no message of the peer decrypted yet, i.e.
    the session still carries its handshake fields (§9.2, §6.5 step 8)."""
    return s.role == S.ROLE_INITIATOR and s.handshake is not None


def _header_opens(s: S.Session, nonce: bytes, eh: bytes) -> bool:
    """§17.2 step 3: does one of the session's header keys, in the order of
    §6.5 step 3 (HKr, NHKr, retired newest first), open the header?"""
    keys = []
    if s.recv is not None:
        keys.append(s.recv.hk)
    keys.append(s.NHKr)
    keys += [c.hk for c in reversed(s.retired)]
    ad = s.ad_hash + b"\x01\x03"
    for hk in keys:
        try:
            S.aead_open(hk, nonce, ad, eh)
            return True
        except SottoError:
            continue
    return False


class SessionRecord:
    """§17.1: `current` (or None: an empty record) and `archived`, newest
    first, at most MAX_ARCHIVED_SESSIONS."""

    def __init__(self, current: S.Session | None = None,
                 archived: list[S.Session] | None = None):
        self.current = current
        self.archived: list[S.Session] = list(archived or [])

    def sessions(self) -> list[S.Session]:
        """Current first, then archived newest first (the order of §17.2 and
        of the encoding, §17.4)."""
        return ([self.current] if self.current is not None else []) + self.archived

    @property
    def current_session_id(self) -> bytes | None:
        return self.current.session_id if self.current is not None else None

    # ---- §17.1 archiving
    def _archive(self, s: S.Session) -> None:
        """Put `s` first among the archived sessions; a fifth drops the oldest."""
        self.archived.insert(0, s)
        del self.archived[MAX_ARCHIVED_SESSIONS:]

    # ---- §17.3
    def _admit(self, s: S.Session, is_new: bool) -> None:
        """Apply §17.3 to session `s`, which just decrypted a message; `s` is
        the current session, an archived one (`is_new` false) or a session just
        created by §17.2 step 2 (`is_new` true)."""
        c = self.current
        if c is s:
            return  # "A message decrypted in the current session changes nothing."
        if c is None:
            # GAP: §17.3 assumes a current session C. An empty record (the
            # only record without a current session, §17.1/§17.4) makes the
            # new session current.
            self.current = s
            return
        if _unanswered_initiation(c) and _remote_identity_key(s) == _remote_identity_key(c):
            # The tie-break: 32-byte strings as unsigned bytes, lexicographic
            # (Python compares bytes exactly so).
            becomes_current = s.session_id < c.session_id
        else:
            becomes_current = True
        if becomes_current:
            if not is_new:
                self.archived.remove(s)    # leaves its place: the count does not grow
            self._archive(c)
            self.current = s
        elif is_new:
            # "otherwise S is archived (a new one)". GAP: §17.1 says where a
            # session archived because another became current goes (first);
            # for a new session that is archived directly, first (newest) is
            # taken as well, dropping the oldest if a fifth results.
            self._archive(s)
        # else: an archived one "stays where it is".

    # ---- §17.2
    def decrypt(self, account: AccountState, message: bytes,
                local_id: bytes, remote_id: bytes) -> bytes:
        """§17.2 `decrypt(account, message, context)`; on error neither the
        record nor the account changes."""
        rec = copy.deepcopy(self)
        acc = copy.deepcopy(account)
        plaintext = rec._decrypt(acc, message, local_id, remote_id)
        self.__dict__.update(rec.__dict__)       # commit both
        account.__dict__.update(acc.__dict__)
        return plaintext

    def _decrypt(self, account: AccountState, message: bytes,
                 local_id: bytes, remote_id: bytes) -> bytes:
        # Step 1: the kind byte, after the version (§7.4: version first).
        # GAP: §17.2 names only kinds 0x02 and 0x03; any other object is
        # reported as §7.4 implies (UNSUPPORTED_VERSION, then
        # WRONG_OBJECT_TYPE; TRUNCATED when the two bytes are missing).
        r = Reader(message)
        if r.u8() != S.VERSION:
            raise SottoError("UNSUPPORTED_VERSION")
        kind = r.u8()
        if kind == S.KIND_PREKEY_MSG:
            # Step 2.
            f = S.decode_prekey_message(message)
            sid = S.session_id_of(f["header"])
            for s in self.sessions():
                if s.session_id == sid:
                    plaintext = s.decrypt(message)   # §6.5; SESSION_MISMATCH if ours
                    self._admit(s, is_new=False)
                    return plaintext
            # The responder procedure of §5.3, no expected identity.
            s, plaintext = S.accept(account.account, message, local_id, remote_id)
            self._admit(s, is_new=True)
            return plaintext
        if kind == S.KIND_MSG:
            # Step 3.
            nonce, eh, _ = S.decode_message(message)
            for s in self.sessions():
                if _header_opens(s, nonce, eh):
                    plaintext = s.decrypt(message)   # its error, if any, is the result
                    self._admit(s, is_new=False)
                    return plaintext
            raise SottoError("DECRYPTION_FAILED", "no header key of any session")
        raise SottoError("WRONG_OBJECT_TYPE")

    # ---- encrypting and initiating (§17.3, last paragraphs)
    def encrypt(self, plaintext: bytes, draw) -> bytes:
        if self.current is None:
            raise SottoError("INVALID_ARGUMENT", "empty record")
        s = copy.deepcopy(self.current)
        out = s.encrypt(plaintext, draw)
        self.current = s
        return out

    def initiate(self, identity: S.Identity, bundle: bytes, local_id: bytes,
                 remote_id: bytes, draw) -> S.Session:
        """`initiate(bundle)`: the new session becomes current, the previous
        one is archived."""
        s = S.initiate(identity, bundle, local_id, remote_id, draw)
        if any(x.session_id == s.session_id for x in self.sessions()):
            raise SottoError("INTERNAL", "session id already in the record")
        if self.current is not None:
            self._archive(self.current)
        self.current = s
        return s

    # ---- §17.4 record state
    def encode(self) -> bytes:
        ss = self.sessions()
        out = [u8(RECORD_FORMAT), u8(0), u8(len(ss))]
        for s in ss:
            st = s.serialize()
            out += [u32(len(st)), st]
        return b"".join(out)

    @classmethod
    def decode(cls, data: bytes) -> "SessionRecord":
        r = Reader(data)
        if r.u8() != RECORD_FORMAT:
            raise SottoError("UNSUPPORTED_VERSION", "record format")
        if r.u8() != 0:
            raise SottoError("MALFORMED", "record flags")
        count = r.u8()
        if count > MAX_RECORD_SESSIONS:
            raise SottoError("TOO_LARGE", "sessions in a record")
        sessions: list[S.Session] = []
        for _ in range(count):
            n = r.u32()
            body = r.take(n)                 # TRUNCATED if len runs past the end
            # The §9.2 decoder sees exactly `len` bytes: TRUNCATED if the
            # state needs more, TRAILING_BYTES if it leaves some.
            s = S.Session.deserialize(body)
            # GAP: where the duplicate check falls relative to the errors of
            # later sessions and to TRAILING_BYTES is not stated; it is made
            # as each session is decoded (the order of the sentences of
            # §17.4: duplicates before trailing bytes).
            if any(x.session_id == s.session_id for x in sessions):
                raise SottoError("MALFORMED", "two sessions with one session id")
            sessions.append(s)
        r.end()
        return cls(sessions[0], sessions[1:]) if sessions else cls()

    # ---- §17.4 sealing, kind 0x08
    def seal(self, storage_key: bytes, nonce: bytes) -> bytes:
        head = u8(S.VERSION) + u8(KIND_SEALED_RECORD)
        out = head + nonce + S.aead_seal(storage_key, nonce, SEALED_AD + head, self.encode())
        if len(out) > MAX_SEALED_RECORD:
            raise SottoError("TOO_LARGE", "sealed record")
        return out

    @classmethod
    def unseal(cls, storage_key: bytes, sealed: bytes) -> "SessionRecord":
        return cls.decode(unseal_record_state(storage_key, sealed))


def unseal_record_state(storage_key: bytes, sealed: bytes) -> bytes:
    """§17.4 / §9.1: the checks of §9.1 in their order, with the 384 KiB bound."""
    if len(sealed) > MAX_SEALED_RECORD:
        raise SottoError("TOO_LARGE", "sealed record")
    if len(sealed) < SEALED_MIN:
        raise SottoError("TRUNCATED", "sealed record")
    if sealed[0] != S.VERSION:
        raise SottoError("UNSUPPORTED_VERSION")
    if sealed[1] != KIND_SEALED_RECORD:
        raise SottoError("WRONG_OBJECT_TYPE")
    nonce = sealed[2:SEALED_HEADER]
    try:
        return S.aead_open(storage_key, nonce, SEALED_AD + sealed[:2], sealed[SEALED_HEADER:])
    except SottoError:
        raise SottoError("UNSEAL_FAILED") from None
