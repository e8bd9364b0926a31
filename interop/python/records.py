"""Session records (PROTOCOL.md §17), written from the specification text.

A record holds the current session with one peer device and at most four
archived ones (§17.1); `decrypt` routes a message to one of them or creates
a session from a prekey message (§17.2) and applies the rule of §17.3 for
which session becomes current. Sessions are `sotto_ref.Session`.
"""

from __future__ import annotations

import copy

import sotto_ref as S
from sotto_ref import Reader, SottoError

MAX_ARCHIVED_SESSIONS = 4
MAX_SEALED_RECORD = 384 * 1024  # §17.4
KIND_SEALED_RECORD = 0x08
RECORD_FORMAT = 1


def _identity_key(session: S.Session) -> bytes:
    return session.remote_record[:66]  # IK of the 130-byte identity record


class Record:
    def __init__(self, sessions: list[S.Session] | None = None):
        sessions = list(sessions or [])
        self.current: S.Session | None = sessions[0] if sessions else None
        self.archived: list[S.Session] = sessions[1:]  # newest first

    def sessions(self) -> list[S.Session]:
        return ([self.current] if self.current is not None else []) + self.archived

    # ---- §17.4
    def serialize(self) -> bytes:
        out = [S.u8(RECORD_FORMAT), S.u8(0), S.u8(len(self.sessions()))]
        for s in self.sessions():
            state = s.serialize()
            out += [S.u32(len(state)), state]
        return b"".join(out)

    @classmethod
    def deserialize(cls, data: bytes) -> "Record":
        r = Reader(data)
        if r.u8() != RECORD_FORMAT:
            raise SottoError("UNSUPPORTED_VERSION", "record format")
        if r.u8() != 0:
            raise SottoError("MALFORMED", "record flags")
        count = r.u8()
        if count > 1 + MAX_ARCHIVED_SESSIONS:
            raise SottoError("TOO_LARGE", "sessions")
        sessions = []
        for _ in range(count):
            length = r.u32()
            s = S.Session.deserialize(r.take(length))
            if any(o.session_id == s.session_id for o in sessions):
                raise SottoError("MALFORMED", "two sessions with one id")
            sessions.append(s)
        r.end()
        return cls(sessions)

    # ---- §17.1, §17.3
    def _archive(self, s: S.Session) -> None:
        self.archived.insert(0, s)
        del self.archived[MAX_ARCHIVED_SESSIONS:]

    def _make_current(self, s: S.Session) -> None:
        if self.current is not None:
            self._archive(self.current)
        self.current = s

    def _may_replace_current(self, candidate: S.Session) -> bool:
        c = self.current
        if (c is not None and c.role == S.ROLE_INITIATOR and c.awaiting_reply
                and _identity_key(c) == _identity_key(candidate)):
            return candidate.session_id < c.session_id  # bytes compare lexicographically
        return True

    def initiate(self, session: S.Session) -> None:
        self._make_current(session)

    def encrypt(self, plaintext: bytes, draw) -> bytes:
        if self.current is None:
            raise SottoError("INVALID_ARGUMENT", "empty record")
        return self.current.encrypt(plaintext, draw)

    # ---- §17.2
    def decrypt(self, account: S.Account, data: bytes, local_id: bytes, remote_id: bytes) -> bytes:
        if len(data) < 2:
            raise SottoError("TRUNCATED")
        if data[0] != S.VERSION:
            raise SottoError("UNSUPPORTED_VERSION")
        if data[1] == S.KIND_PREKEY_MSG:
            f = S.decode_prekey_message(data)
            sid = S.session_id_of(f["header"])
            for s in self.sessions():
                if s.session_id == sid:
                    return self._decrypt_in(s, data)
            new, plaintext = S.accept(account, data, local_id, remote_id)  # commits only on success
            if self._may_replace_current(new):
                self._make_current(new)
            else:
                self._archive(new)
            return plaintext
        if data[1] != S.KIND_MSG:
            raise SottoError("WRONG_OBJECT_TYPE")
        nonce, eh, _ = S.decode_message(data)
        for s in self.sessions():
            keys = ([s.recv.hk] if s.recv is not None else []) + [s.NHKr] \
                + [c.hk for c in reversed(s.retired)]
            for hk in keys:
                try:
                    S.aead_open(hk, nonce, s.ad_hash + b"\x01\x03", eh)
                except SottoError:
                    continue
                return self._decrypt_in(s, data)
        raise SottoError("DECRYPTION_FAILED", "no session's header key opens it")

    def _decrypt_in(self, s: S.Session, data: bytes) -> bytes:
        if s is self.current:
            return s.decrypt(data)  # transactional itself
        promote = self._may_replace_current(s)  # decided before the commit
        plaintext = s.decrypt(data)
        if promote:
            self.archived.remove(s)
            self._make_current(s)
        return plaintext


def seal_record(storage_key: bytes, record: Record, nonce: bytes) -> bytes:
    head = S.u8(S.VERSION) + S.u8(KIND_SEALED_RECORD)
    out = head + nonce + S.aead_seal(storage_key, nonce, b"Sotto v1 sealed state" + head,
                                     record.serialize())
    if len(out) > MAX_SEALED_RECORD:
        raise SottoError("TOO_LARGE")
    return out


def unseal_record(storage_key: bytes, sealed: bytes) -> Record:
    """§17.4: the §9.1 checks in order, with the record's own size bound."""
    if len(sealed) > MAX_SEALED_RECORD:
        raise SottoError("TOO_LARGE")
    if len(sealed) < 42:
        raise SottoError("TRUNCATED")
    r = Reader(sealed)
    S.check_version_kind(r, KIND_SEALED_RECORD)
    nonce = r.take(24)
    try:
        state = S.aead_open(storage_key, nonce, b"Sotto v1 sealed state" + sealed[:2], r.rest())
    except SottoError:
        raise SottoError("UNSEAL_FAILED") from None
    return Record.deserialize(state)


def account_from_state(state: bytes) -> S.Account:
    """§9.3 format 2 -> the private prekeys `sotto_ref.accept` needs."""
    r = Reader(state)
    if r.u8() != 2:
        raise SottoError("UNSUPPORTED_VERSION", "account format")
    account = S.Account(S.Identity(r.take(32), r.take(32)))
    r.u32()  # next prekey id
    for _ in range(r.u16()):
        pid, _published, private = r.u32(), r.flag(), r.take(32)
        account.signed_prekeys[pid] = private
        account.accepted_base_keys[pid] = [r.take(32) for _ in range(r.u16())]
    for _ in range(r.u16()):
        pid, _published, private = r.u32(), r.flag(), r.take(32)
        account.one_time_prekeys[pid] = private
    for kind in (S.KEM_LAST_RESORT, S.KEM_ONE_TIME):
        for _ in range(r.u16()):
            pid, _published, seed = r.u32(), r.flag(), r.take(64)
            account.kem_prekeys[(kind, pid)] = seed
    r.end()
    return account


def copy_record(record: Record) -> Record:
    return copy.deepcopy(record)
