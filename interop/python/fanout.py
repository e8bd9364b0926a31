"""Sending to a person (PROTOCOL.md §20), written from the text of §20 alone.

Its author read only PROTOCOL.md, `tests/vectors/sotto-v1-fanout.json`,
this directory's README and the Python modules it builds on; not the Rust
source, not the earlier `fanout.py` / `test_fanout.py` (deleted unread).

Building blocks:
- `sotto_ref` (§5 handshake, §6 ratchet, §7 messages, §9.1 envelope);
- `records` (§17: `SessionRecord` routing, promotion, encoding; the §9.3
  account state `AccountState` that the accept path needs);
- `devices` (§18: device lists, their decoding and the §18.4 import).

This module adds, with the section each part implements:
- `addr`, the device address (§20.1), and the session context it gives;
- `Contact`: a person's list and the records of its devices (§20.2), the
  import of a newer list that drops removed devices' records (§20.5), and
  the contact state and its sealing as kind 0x11 (§20.6);
- `send`: the fan-out (§20.3); `receive`: receiving (§20.4).

Every operation is transactional: it works on copies of the contact(s) and
of the account and commits them only on success.

Where §20 left a choice open, a comment marks it `GAP` with the resolution
taken (the same commit series fixes the wording of §20).
"""

from __future__ import annotations

import copy

import devices as D
import records as RC
import sotto_ref as S
from sotto_ref import Reader, SottoError, u8, u16, u32

# --------------------------------------------------------------------------
# §20.1, §20.2, §20.6, §11 bounds

USER_KEY_LEN = 33
MAX_DEVICES = D.MAX_DEVICES                          # 16 records at most (§20.2)
MAX_PAYLOAD_TEXT = S.MAX_PLAINTEXT - USER_KEY_LEN    # 1,048,543 bytes (§20.2)
CONTACT_FORMAT = 1
KIND_SEALED_CONTACT = 0x11
MAX_SEALED_CONTACT = 16 * 384 * 1024 + 4 * 1024      # 6,295,552 bytes (§20.6)
SEALED_HEADER = 2 + 24                               # version, kind, N
SEALED_MIN = SEALED_HEADER + 16                      # plus the tag: 42 bytes
SEALED_AD = b"Sotto v1 sealed state"


def addr(user_key: bytes, device_id: int) -> bytes:
    """§20.1: addr(UK, d) = UK (33) || u32(d), 37 bytes."""
    return user_key + u32(device_id)


def identity_key(record: bytes) -> bytes:
    """§3.2: the identity key IK is the first 66 bytes of an identity record.
    GAP (§20.3 "the bundle's identity is not IK_T", "a current session whose
    remote identity is IK_T", §20.4 step 3 "a remote identity other than the
    list's identity"): compared as 66-byte identity keys, as §17.3 does; the
    binding signature is deterministic (Ed25519), so comparing whole records
    would give the same answers."""
    return record[:66]


class Me:
    """The device a call runs on: `me = (UK_s, d_s)` (§20.3) and its account."""

    def __init__(self, user_key: bytes, device_id: int, account: RC.AccountState):
        self.user_key = user_key
        self.device_id = device_id
        self.account = account

    @property
    def address(self) -> bytes:
        return addr(self.user_key, self.device_id)


# --------------------------------------------------------------------------
# §20.2 Contact

class Contact:
    """A person's last accepted device list and at most one session record per
    listed device, by device id. Only records that hold a session are kept."""

    def __init__(self, held_list: dict, records: dict[int, RC.SessionRecord] | None = None):
        self.list = held_list                 # devices.decode_list result
        self.records: dict[int, RC.SessionRecord] = dict(records or {})

    @classmethod
    def from_list(cls, list_bytes: bytes, expected_user_key: bytes | None = None) -> "Contact":
        """A contact holding a person's first list and no record (§20.7)."""
        return cls(D.decode_list(list_bytes, expected_user_key))

    @property
    def user_key(self) -> bytes:
        return self.list["user_key"]

    def device_ids(self) -> list[int]:
        """The listed device ids, ascending (§18.2 keeps them so)."""
        return [e[0] for e in self.list["entries"]]

    def identity_record(self, device_id: int) -> bytes | None:
        for did, record, _ in self.list["entries"]:
            if did == device_id:
                return record
        return None

    def address(self, device_id: int) -> bytes:
        return addr(self.user_key, device_id)

    # ---- §20.5
    def update(self, list_bytes: bytes) -> dict:
        """Import a newer list (§18.4: BAD_SIGNATURE, ROLLBACK, ... and nothing
        changes); on success drop (not archive) the records of `removed`.
        Returns the change {"added": [...], "removed": [...]}."""
        new, change = D.update(self.list, list_bytes)
        self.list = new
        for did in change["removed"]:
            self.records.pop(did, None)
        return change

    # ---- §20.6 contact state
    def encode(self) -> bytes:
        lb = self.list["bytes"]
        ids = sorted(d for d, r in self.records.items() if r.current is not None or r.archived)
        out = [u8(CONTACT_FORMAT), u16(len(lb)), lb, u8(len(ids))]
        for did in ids:
            st = self.records[did].encode()
            out += [u32(did), u32(len(st)), st]
        return b"".join(out)

    @classmethod
    def decode(cls, data: bytes) -> "Contact":
        r = Reader(data)
        if r.u8() != CONTACT_FORMAT:
            raise SottoError("UNSUPPORTED_VERSION", "contact format")
        n = r.u16()
        # §18.2 from exactly `len` bytes, the user key taken as found.
        held = D.decode_list(r.take(n), None)
        count = r.u8()
        if count > MAX_DEVICES:
            raise SottoError("TOO_LARGE", "records in a contact")
        listed = {e[0] for e in held["entries"]}
        recs: dict[int, RC.SessionRecord] = {}
        previous = None
        for _ in range(count):
            did = r.u32()
            n = r.u32()
            rec = RC.SessionRecord.decode(r.take(n))     # TRUNCATED if past the end
            if previous is not None and did <= previous:
                raise SottoError("MALFORMED", "record device ids not ascending")
            if did not in listed:
                raise SottoError("MALFORMED", "record of an unlisted device")
            if rec.current is None and not rec.archived:
                raise SottoError("MALFORMED", "record without a session")
            recs[did] = rec
            previous = did
        r.end()
        return cls(held, recs)

    # ---- §20.6 sealing, kind 0x11
    def seal(self, storage_key: bytes, nonce: bytes) -> bytes:
        head = u8(S.VERSION) + u8(KIND_SEALED_CONTACT)
        out = head + nonce + S.aead_seal(storage_key, nonce, SEALED_AD + head, self.encode())
        if len(out) > MAX_SEALED_CONTACT:
            raise SottoError("TOO_LARGE", "sealed contact")
        return out

    @classmethod
    def unseal(cls, storage_key: bytes, sealed: bytes) -> "Contact":
        return cls.decode(unseal_contact_state(storage_key, sealed))


def unseal_contact_state(storage_key: bytes, sealed: bytes) -> bytes:
    """§20.6 / §9.1: the checks of §9.1 in their order, with the 6,295,552-byte bound."""
    if len(sealed) > MAX_SEALED_CONTACT:
        raise SottoError("TOO_LARGE", "sealed contact")
    if len(sealed) < SEALED_MIN:
        raise SottoError("TRUNCATED", "sealed contact")
    if sealed[0] != S.VERSION:
        raise SottoError("UNSUPPORTED_VERSION")
    if sealed[1] != KIND_SEALED_CONTACT:
        raise SottoError("WRONG_OBJECT_TYPE")
    nonce = sealed[2:SEALED_HEADER]
    try:
        return S.aead_open(storage_key, nonce, SEALED_AD + sealed[:2], sealed[SEALED_HEADER:])
    except SottoError:
        raise SottoError("UNSEAL_FAILED") from None


# --------------------------------------------------------------------------
# §20.3 Sending (fan-out)

SENT, NEEDS_BUNDLE, BUNDLE_REJECTED = "sent", "needs_bundle", "bundle_rejected"


class Delivery:
    """One target's outcome: its address, the person and device id, the
    outcome, and for `sent` the message and whether a session was created."""

    def __init__(self, address: bytes, user_key: bytes, device_id: int, outcome: str,
                 message: bytes | None = None, new_session: bool = False,
                 error: str | None = None):
        self.address, self.user_key, self.device_id = address, user_key, device_id
        self.outcome, self.message, self.new_session, self.error = (
            outcome, message, new_session, error)

    def __repr__(self) -> str:
        return f"Delivery({self.address.hex()[-8:]}, {self.outcome})"


def targets(me: Me, own: Contact, recipient: Contact) -> list[tuple[Contact, int]]:
    """Every device of `recipient`'s list, then every device of `own`'s list
    except d_s, each list in ascending device id."""
    return ([(recipient, d) for d in sorted(recipient.device_ids())]
            + [(own, d) for d in sorted(own.device_ids()) if d != me.device_id])


def send(me: Me, own: Contact, recipient: Contact, bundles: list[tuple[bytes, bytes]],
         plaintext: bytes, draw) -> list[Delivery]:
    """§20.3 `send(account, me, own, recipient, bundles, plaintext)`.

    `bundles` is a list of (address, bundle bytes); §20.3 takes bundles
    "decoded and verified", so decoding them is the caller's step and comes
    first here (their §4.2 errors). `draw(n)` returns n random bytes or
    raises SottoError("RANDOMNESS"). On any error nothing changes (neither
    contact, nor the account, which sending does not change anyway)."""
    decoded = [(a, b, S.decode_bundle(b)) for a, b in bundles]

    # Check 1.
    if own.user_key != me.user_key or recipient.user_key == me.user_key:
        raise SottoError("INVALID_ARGUMENT", "not a fan-out to another person")
    # Check 2.
    own_record = own.identity_record(me.device_id)
    if own_record is None or identity_key(own_record) != me.account.account.identity.key:
        raise SottoError("UNKNOWN_DEVICE", "this device is not in its person's list")
    # Check 3.
    if len(plaintext) > MAX_PAYLOAD_TEXT:
        raise SottoError("TOO_LARGE", "payload")
    # Check 4. GAP: "every bundle's address is a target (UNKNOWN_DEVICE), and
    # no two bundles have one address (INVALID_ARGUMENT)" does not say which
    # error wins when both occur; taken as two passes in the order written:
    # first every address is a target, then no address twice.
    tgts = targets(me, own, recipient)
    target_addresses = [c.address(d) for c, d in tgts]
    for a, _, _ in decoded:
        if a not in target_addresses:
            raise SottoError("UNKNOWN_DEVICE", "bundle for a device that is not a target")
    seen = set()
    for a, _, _ in decoded:
        if a in seen:
            raise SottoError("INVALID_ARGUMENT", "two bundles for one address")
        seen.add(a)
    by_address = {a: (b, dec) for a, b, dec in decoded}

    payload = recipient.user_key + plaintext
    # Plan every target on copies; commit only when all are planned.
    new_own, new_recipient = copy.deepcopy(own), copy.deepcopy(recipient)
    planned = {id(own): new_own, id(recipient): new_recipient}
    identity = me.account.account.identity
    out: list[Delivery] = []
    for contact, d in tgts:
        c = planned[id(contact)]
        target_address = c.address(d)
        ik_t = identity_key(c.identity_record(d))
        rec = c.records.get(d)
        base = dict(address=target_address, user_key=c.user_key, device_id=d)
        # Step 1.
        if rec is not None and rec.current is not None and \
                identity_key(rec.current.remote_record) == ik_t:
            message = rec.encrypt(payload, draw)
            out.append(Delivery(outcome=SENT, message=message, new_session=False, **base))
            continue
        # Step 2.
        if target_address in by_address:
            bundle_bytes, dec = by_address[target_address]
            if dec.identity.key != ik_t:
                out.append(Delivery(outcome=BUNDLE_REJECTED, error="UNKNOWN_DEVICE", **base))
                continue
            rec = copy.deepcopy(rec) if rec is not None else RC.SessionRecord()
            rec.initiate(identity, bundle_bytes, me.address, target_address, draw)
            message = rec.encrypt(payload, draw)
            c.records[d] = rec
            out.append(Delivery(outcome=SENT, message=message, new_session=True, **base))
            continue
        # Step 3.
        out.append(Delivery(outcome=NEEDS_BUNDLE, **base))
    # Commit.
    own.__dict__.update(new_own.__dict__)
    recipient.__dict__.update(new_recipient.__dict__)
    return out


# --------------------------------------------------------------------------
# §20.4 Receiving

def valid_user_key(uk: bytes) -> bool:
    """§18.1: type byte 0x02, canonical, not of small order."""
    try:
        r = Reader(uk)
        key = S.read_key(r, S.T_ED25519)
        r.end()
        S.ed25519_check_public(key)
        return True
    except SottoError:
        return False


def _decrypting_identity(rec: RC.SessionRecord, message: bytes) -> bytes | None:
    """Which held session §17.2 would decrypt a normal message in (its remote
    identity record), found before decrypting; None if none (then §17.2
    fails with DECRYPTION_FAILED)."""
    nonce, eh, _ = S.decode_message(message)
    for s in rec.sessions():
        if RC._header_opens(s, nonce, eh):
            return s.remote_record
    return None


def receive(me: Me, contact: Contact, from_id: int, message: bytes) -> dict:
    """§20.4 `decrypt(account, me, from, message)` on `contact`.

    Returns {"from": sender's address, "to": UK_to, "plaintext": ...}.
    On any error neither the contact nor the account changes."""
    own = contact.user_key == me.user_key
    # Step 1.
    listed = contact.identity_record(from_id)
    if listed is None or (own and from_id == me.device_id):
        raise SottoError("UNKNOWN_DEVICE", "sender not in the list")
    # Step 2: §17.2 on copies (an empty record if none), context of §20.1.
    rec = copy.deepcopy(contact.records.get(from_id)) or RC.SessionRecord()
    acc = copy.deepcopy(me.account)
    local_id, remote_id = me.address, contact.address(from_id)
    held_identity = None
    if len(message) >= 2 and message[0] == S.VERSION and message[1] == S.KIND_MSG:
        try:
            held_identity = _decrypting_identity(rec, message)
        except SottoError:
            pass                              # the framing error is §17.2's to report
    plaintext = rec.decrypt(acc, message, local_id, remote_id)
    # Step 3: the remote identity of the session that decrypted it.
    if message[1] == S.KIND_PREKEY_MSG:
        sid = S.session_id_of(S.decode_prekey_message(message)["header"])
        remote = next(s.remote_record for s in rec.sessions() if s.session_id == sid)
    else:
        remote = held_identity
    if remote is None or identity_key(remote) != identity_key(listed):
        raise SottoError("UNKNOWN_DEVICE", "session identity differs from the list's")
    # Step 4.
    if len(plaintext) < USER_KEY_LEN:
        raise SottoError("MALFORMED", "payload shorter than a user key")
    uk_to, text = plaintext[:USER_KEY_LEN], plaintext[USER_KEY_LEN:]
    if not valid_user_key(uk_to):
        raise SottoError("MALFORMED", "payload names no valid user key")
    if (not own and uk_to != me.user_key) or (own and uk_to == me.user_key):
        raise SottoError("MALFORMED", "payload addressed to another person")
    # Step 5: commit.
    contact.records[from_id] = rec
    me.account.__dict__.update(acc.__dict__)
    return {"from": remote_id, "to": uk_to, "plaintext": text}
