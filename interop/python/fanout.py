"""Sending to a person (PROTOCOL.md §20), written from the specification text.

A contact is a person's device list (§18) and one session record (§17,
`records.SessionRecord`) per listed device. `send` is the fan-out of §20.3,
`Contact.decrypt` receiving (§20.4), `Contact.update` a list change (§20.5),
and `serialize` / `deserialize` / `seal` / `unseal` the sealed contact of
§20.6.
"""

from __future__ import annotations

import copy

import devices as D
import records as R
import sotto_ref as S
from sotto_ref import Reader, SottoError

KIND_SEALED_CONTACT = 0x11
CONTACT_FORMAT = 1
MAX_DEVICES = 16
MAX_SEALED_CONTACT = 16 * 384 * 1024 + 4096  # 6,295,552 bytes
MAX_FANOUT_PLAINTEXT = (1 << 20) - 33


def addr(uk: bytes, device_id: int) -> bytes:
    """§20.1: UK (33) || u32(device_id)."""
    return uk + S.u32(device_id)


def _ik(identity_record: bytes) -> bytes:
    return identity_record[:66]


class Contact:
    def __init__(self, device_list: dict, records: dict | None = None):
        self.list = device_list          # devices.decode_list(...)
        self.records: dict[int, R.SessionRecord] = dict(records or {})

    @property
    def uk(self) -> bytes:
        return self.list["user_key"]

    def entry(self, device_id: int):
        for e in self.list["entries"]:
            if e[0] == device_id:
                return e
        return None

    # ---- §20.6
    def serialize(self) -> bytes:
        lb = self.list["bytes"]
        ids = sorted(i for i, r in self.records.items() if r.current is not None)
        out = [S.u8(CONTACT_FORMAT), S.u16(len(lb)), lb, S.u8(len(ids))]
        for i in ids:
            state = self.records[i].encode()
            out += [S.u32(i), S.u32(len(state)), state]
        return b"".join(out)

    @classmethod
    def deserialize(cls, data: bytes) -> "Contact":
        r = Reader(data)
        if r.u8() != CONTACT_FORMAT:
            raise SottoError("UNSUPPORTED_VERSION", "contact format")
        device_list = D.decode_list(r.take(r.u16()), None)
        count = r.u8()
        if count > MAX_DEVICES:
            raise SottoError("TOO_LARGE", "records")
        records: dict[int, R.SessionRecord] = {}
        last = -1
        for _ in range(count):
            device_id = r.u32()
            record = R.SessionRecord.decode(r.take(r.u32()))
            listed = any(e[0] == device_id for e in device_list["entries"])
            if device_id <= last or not listed or record.current is None:
                raise SottoError("MALFORMED", "record order, unlisted device or empty record")
            last = device_id
            records[device_id] = record
        r.end()
        return cls(device_list, records)

    # ---- §20.5
    def update(self, new_bytes: bytes) -> dict:
        new_list, change = D.update(self.list, new_bytes)  # raises, nothing changed
        for device_id in change["removed"]:
            self.records.pop(device_id, None)
        self.list = new_list
        return change

    # ---- §20.4
    def decrypt(self, account: R.AccountState, me: tuple[bytes, int], from_id: int, data: bytes):
        """Returns (account after, UK_to, plaintext); raises with nothing changed."""
        own = self.uk == me[0]
        if own and from_id == me[1]:
            raise SottoError("UNKNOWN_DEVICE", "own device")
        entry = self.entry(from_id)
        if entry is None:
            raise SottoError("UNKNOWN_DEVICE", "not listed")
        record = self.records.get(from_id) or R.SessionRecord()
        sid = _routed_session_id(record, data)
        record2, account2 = copy.deepcopy(record), copy.deepcopy(account)
        payload = record2.decrypt(account2, data, addr(*me), addr(self.uk, from_id))
        session = next(s for s in record2.sessions() if s.session_id == sid)
        if _ik(session.remote_record) != _ik(entry[1]):
            raise SottoError("UNKNOWN_DEVICE", "identity differs from the list's")
        if len(payload) < 33:
            raise SottoError("MALFORMED", "payload")
        to = payload[:33]
        try:
            D.read_user_key(Reader(to))
        except SottoError:
            raise SottoError("MALFORMED", "addressee") from None
        if (to == me[0]) == own:
            raise SottoError("MALFORMED", "addressee")
        self.records[from_id] = record2
        return account2, to, payload[33:]


def _routed_session_id(record: R.SessionRecord, data: bytes) -> bytes | None:
    """§17.2: the id of the session a message goes to (None: a new session,
    whose id is the prekey header's, or no session opens it)."""
    if len(data) >= 2 and data[0] == S.VERSION and data[1] == S.KIND_PREKEY_MSG:
        return S.session_id_of(S.decode_prekey_message(data)["header"])
    try:
        nonce, eh, _ = S.decode_message(data)
    except SottoError:
        return None
    for s in record.sessions():
        if R._header_opens(s, nonce, eh):
            return s.session_id
    return None


def send(identity: S.Identity, me: tuple[bytes, int], own: Contact, recipient: Contact,
         bundles: dict, plaintext: bytes, draw):
    """§20.3. `bundles` maps (UK, device id) to bundle bytes. Returns the
    deliveries and the two contacts after; raises with nothing changed."""
    if own.uk != me[0] or recipient.uk == me[0]:
        raise SottoError("INVALID_ARGUMENT")
    mine = own.entry(me[1])
    if mine is None or _ik(mine[1]) != identity.key:
        raise SottoError("UNKNOWN_DEVICE", "this device is not in its own list")
    if len(plaintext) > MAX_FANOUT_PLAINTEXT:
        raise SottoError("TOO_LARGE")
    targets = [(recipient, e) for e in recipient.list["entries"]] + \
        [(own, e) for e in own.list["entries"] if e[0] != me[1]]
    for (uk, device_id) in bundles:
        if not any(c.uk == uk and e[0] == device_id for c, e in targets):
            raise SottoError("UNKNOWN_DEVICE", "bundle of a device that is not a target")
    payload = recipient.uk + plaintext
    new = {id(own): copy.deepcopy(own), id(recipient): copy.deepcopy(recipient)}
    deliveries = []
    for contact, (device_id, record_bytes, _) in targets:
        c = new[id(contact)]
        to = (c.uk, device_id)
        record = c.records.get(device_id)
        current = record.current if record is not None else None
        if current is not None and _ik(current.remote_record) == _ik(record_bytes):
            deliveries.append((to, "sent", False, current.encrypt(payload, draw)))
            continue
        if to not in bundles:
            deliveries.append((to, "needs_bundle", None, None))
            continue
        bundle = S.decode_bundle(bundles[to])
        if bundle.identity.key != _ik(record_bytes):
            deliveries.append((to, "bundle_rejected", "UNKNOWN_DEVICE", None))
            continue
        record = c.records.setdefault(device_id, R.SessionRecord())
        session = record.initiate(identity, bundles[to], addr(*me), addr(*to), draw)
        deliveries.append((to, "sent", True, session.encrypt(payload, draw)))
    return deliveries, new[id(own)], new[id(recipient)]


def seal(storage_key: bytes, contact: Contact, nonce: bytes) -> bytes:
    head = S.u8(S.VERSION) + S.u8(KIND_SEALED_CONTACT)
    out = head + nonce + S.aead_seal(storage_key, nonce, b"Sotto v1 sealed state" + head,
                                     contact.serialize())
    if len(out) > MAX_SEALED_CONTACT:
        raise SottoError("TOO_LARGE")
    return out


def unseal(storage_key: bytes, sealed: bytes) -> Contact:
    if len(sealed) > MAX_SEALED_CONTACT:
        raise SottoError("TOO_LARGE")
    if len(sealed) < 42:
        raise SottoError("TRUNCATED")
    r = Reader(sealed)
    S.check_version_kind(r, KIND_SEALED_CONTACT)
    nonce = r.take(24)
    try:
        state = S.aead_open(storage_key, nonce, b"Sotto v1 sealed state" + sealed[:2], r.rest())
    except SottoError:
        raise SottoError("UNSEAL_FAILED") from None
    return Contact.deserialize(state)
