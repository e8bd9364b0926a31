"""Replay tests/vectors/sotto-v1-fanout.json through fanout.py (PROTOCOL.md §20),
and check on self-generated traffic what the vectors do not reach."""

from __future__ import annotations

import copy
import json
import os
import unittest

import devices as D
import fanout as F
import records as RC
import sotto_ref as S
from sotto_ref import SottoError

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("SOTTO_FANOUT_VECTORS",
                         os.path.join(HERE, "..", "..", "tests", "vectors", "sotto-v1-fanout.json"))
with open(VECTORS, encoding="utf-8") as fh:
    V = json.load(fh)

h = bytes.fromhex
KEY = h(V["storage_key"])
PEOPLE = ("alice", "bob")


def drawer(data: bytes):
    buf = {"pos": 0}

    def draw(n: int) -> bytes:
        out = data[buf["pos"]:buf["pos"] + n]
        if len(out) != n:
            raise SottoError("RANDOMNESS", "ran out of recorded randomness")
        buf["pos"] += n
        return out
    draw.rest = lambda: len(data) - buf["pos"]
    return draw


def split(name: str) -> tuple[str, int]:
    person, d = name.split("/")
    return person, int(d)


def user_key(person: str) -> bytes:
    return h(V["users"][person]["user_key"])


def device_address(name: str) -> bytes:
    person, d = split(name)
    return F.addr(user_key(person), d)


class World:
    """Every listed device of the vectors: its account and one contact per
    person (its own included) holding that person's first list, no record."""

    def __init__(self):
        self.me: dict[str, F.Me] = {}
        self.contacts: dict[str, dict[str, F.Contact]] = {}
        for name, dev in V["devices"].items():
            if name == "bob/3b":
                continue
            person, d = split(name)
            acc = RC.AccountState.unseal(KEY, h(dev["sealed_account"]))
            self.me[name] = F.Me(user_key(person), d, acc)
            self.contacts[name] = {
                p: F.Contact.from_list(h(V["users"][p]["lists"][0]), user_key(p))
                for p in PEOPLE}

    def account_bytes(self) -> dict[str, bytes]:
        return {n: m.account.serialize() for n, m in self.me.items()}


def step_send(test, world: World, st: dict):
    me = world.me[st["device"]]
    sender_person, _ = split(st["device"])
    own = world.contacts[st["device"]][sender_person]
    recipient = world.contacts[st["device"]][st["to"]]
    bundles = [(device_address(b["device"]), h(V["devices"][b["bundle_of"]]["bundle"]))
               for b in st["bundles"]]
    draw = drawer(h(st["random"]))
    out = F.send(me, own, recipient, bundles, h(st["plaintext"]), draw)
    test.assertEqual(draw.rest(), 0, "every recorded draw is used")
    test.assertEqual(len(out), len(st["deliveries"]))
    for got, want in zip(out, st["deliveries"]):
        test.assertEqual(got.address, device_address(want["device"]))
        test.assertEqual(got.outcome, want["outcome"])
        if want["outcome"] == "sent":
            test.assertEqual(got.new_session, want["new_session"])
            test.assertEqual(got.message.hex(), want["message"])
        else:
            test.assertIsNone(got.message)
        if want["outcome"] == "bundle_rejected":
            test.assertEqual(got.error, want["error"])
    test.assertEqual(own.encode().hex(), st["own_state"])
    test.assertEqual(recipient.encode().hex(), st["recipient_state"])
    return out


def step_receive(test, world: World, st: dict):
    me = world.me[st["device"]]
    contact = world.contacts[st["device"]][st["contact"]]
    before_contact, before_account = contact.encode(), me.account.serialize()
    if "error" in st:
        with test.assertRaises(SottoError) as cm:
            F.receive(me, contact, st["from"], h(st["message"]))
        test.assertEqual(cm.exception.name, st["error"])
        test.assertEqual(contact.encode(), before_contact)
        test.assertEqual(me.account.serialize(), before_account)
    else:
        got = F.receive(me, contact, st["from"], h(st["message"]))
        test.assertEqual(got["to"].hex(), st["to"])
        test.assertEqual(got["plaintext"].hex(), st["plaintext"])
        test.assertEqual(got["from"], F.addr(contact.user_key, st["from"]))
    test.assertEqual(contact.encode().hex(), st["state"])


def step_update(test, world: World, st: dict):
    contact = world.contacts[st["device"]][st["contact"]]
    before = contact.encode()
    if "error" in st:
        with test.assertRaises(SottoError) as cm:
            contact.update(h(st["list"]))
        test.assertEqual(cm.exception.name, st["error"])
        test.assertEqual(contact.encode(), before)
    else:
        change = contact.update(h(st["list"]))
        test.assertEqual(change["added"], st["added"])
        test.assertEqual(change["removed"], st["removed"])
    test.assertEqual(contact.encode().hex(), st["state"])


STEPS = {"send": step_send, "receive": step_receive, "update": step_update}


def replay(test) -> World:
    world = World()
    for i, st in enumerate(V["steps"]):
        with test.subTest(step=i, op=st["op"]):
            STEPS[st["op"]](test, world, st)
    return world


class FanoutVectors(unittest.TestCase):
    def test_users_and_devices(self):
        for p in PEOPLE:
            lists = [h(x) for x in V["users"][p]["lists"]]
            held = D.decode_list(lists[0], user_key(p))
            for i, lb in enumerate(lists):
                dec = D.decode_list(lb, user_key(p))
                self.assertEqual(dec["version"], i + 1)
            for later in lists[1:]:
                held, _ = D.update(held, later)
        # Alice has devices 1 and 2; Bob 1, 2, 3, then a list that removes 3, adds 4.
        ids = lambda lb: [e[0] for e in D.decode_list(h(lb), None)["entries"]]  # noqa: E731
        self.assertEqual(ids(V["users"]["alice"]["lists"][0]), [1, 2])
        self.assertEqual(ids(V["users"]["bob"]["lists"][0]), [1, 2, 3])
        self.assertEqual(ids(V["users"]["bob"]["lists"][1]), [1, 2, 4])
        for name, dev in V["devices"].items():
            acc_state = S.unseal(KEY, RC.KIND_SEALED_ACCOUNT, h(dev["sealed_account"]))
            acc = RC.AccountState.parse(acc_state)
            self.assertEqual(acc.serialize(), acc_state)
            # The bundle (§4.2, without one-time prekey) from the account.
            self.assertEqual(acc.bundle().hex(), dev["bundle"], name)
            # Each listed device is listed with its account's identity;
            # bob/3b (the reinstall) has device 3's id but another identity.
            person, d = split(name.replace("3b", "3"))
            listed = {}
            for lb in V["users"][person]["lists"]:
                for did, rec, _ in D.decode_list(h(lb), None)["entries"]:
                    listed[did] = rec
            if name == "bob/3b":
                self.assertNotEqual(listed[3][:66], acc.account.identity.key)
            else:
                self.assertEqual(listed[d], acc.account.identity.record)

    def test_addresses(self):
        a = device_address("bob/3")
        self.assertEqual(len(a), 37)
        self.assertEqual(a, user_key("bob") + b"\x00\x00\x00\x03")

    def test_steps(self):
        replay(self)

    def test_messages_name_their_context(self):
        """Every session of the vectors binds the §20.1 addresses: the
        responder's ad_hash with (initiator, responder) addresses."""
        world = replay(self)
        for name, contacts in world.contacts.items():
            me = world.me[name]
            for contact in contacts.values():
                for did, rec in contact.records.items():
                    for s in rec.sessions():
                        local, remote = me.address, contact.address(did)
                        ini, res = (local, remote) if s.role == S.ROLE_INITIATOR else (remote, local)
                        ik_local = s.local_record[:66]
                        ik_remote = s.remote_record[:66]
                        ik_a, ik_b = ((ik_local, ik_remote) if s.role == S.ROLE_INITIATOR
                                      else (ik_remote, ik_local))
                        self.assertEqual(S.ad_hash(ik_a, ik_b, ini, res), s.ad_hash)

    def test_sealed_contact(self):
        sc = V["sealed_contact"]
        state, nonce, sealed = h(sc["state"]), h(sc["nonce"]), h(sc["sealed"])
        world = replay(self)
        contact = world.contacts[sc["device"]][sc["contact"]]
        self.assertEqual(contact.encode(), state)
        self.assertEqual(contact.seal(KEY, nonce), sealed)
        self.assertEqual(sealed[2:26], nonce)
        self.assertEqual(F.unseal_contact_state(KEY, sealed), state)
        again = F.Contact.unseal(KEY, sealed)
        self.assertEqual(again.encode(), state)
        self.assertEqual(again.seal(KEY, nonce), sealed)

    def test_invalid_states(self):
        for case in V["invalid_states"]:
            with self.subTest(case=case["name"]):
                with self.assertRaises(SottoError) as cm:
                    F.Contact.decode(h(case["state"]))
                self.assertEqual(cm.exception.name, case["error"])

    def test_failed_send_changes_nothing(self):
        """Errors of every check of §20.3, in their order, on the vectors'
        first send; and a generator that fails on the last draw."""
        world = World()
        st = V["steps"][0]
        me = world.me[st["device"]]
        own = world.contacts[st["device"]]["alice"]
        bob = world.contacts[st["device"]]["bob"]
        bundles = [(device_address(b["device"]), h(V["devices"][b["bundle_of"]]["bundle"]))
                   for b in st["bundles"]]
        rnd = h(st["random"])
        before = (own.encode(), bob.encode(), me.account.serialize())

        def check(error, *args, draw=None):
            with self.assertRaises(SottoError) as cm:
                F.send(*args, draw or drawer(rnd))
            self.assertEqual(cm.exception.name, error)
            self.assertEqual((own.encode(), bob.encode(), me.account.serialize()), before)

        pt = b"hi"
        # 1. to oneself; own contact of another person.
        check("INVALID_ARGUMENT", me, own, own, [], pt)
        check("INVALID_ARGUMENT", me, bob, bob, [], pt)
        # 2. a device not in its list, or another identity under its id.
        other = F.Me(me.user_key, 7, me.account)
        check("UNKNOWN_DEVICE", other, own, bob, [], pt)
        impostor = F.Me(me.user_key, 2, me.account)
        check("UNKNOWN_DEVICE", impostor, own, bob, [], pt)
        # 2 before 3.
        check("UNKNOWN_DEVICE", other, own, bob, [], b"x" * (F.MAX_PAYLOAD_TEXT + 1))
        # 3. the plaintext bound: 1,048,543 bytes pass the check, one more fails.
        check("TOO_LARGE", me, own, bob, bundles, b"x" * (F.MAX_PAYLOAD_TEXT + 1))
        # 3 before 4.
        check("TOO_LARGE", me, own, bob, [(b"nowhere", bundles[0][1])],
              b"x" * (F.MAX_PAYLOAD_TEXT + 1))
        # 4. a bundle for a device that is not a target (the sender itself,
        # a device of no list, a malformed address); two bundles for one.
        check("UNKNOWN_DEVICE", me, own, bob, bundles + [(me.address, bundles[0][1])], pt)
        check("UNKNOWN_DEVICE", me, own, bob, [(F.addr(user_key("bob"), 9), bundles[0][1])], pt)
        check("UNKNOWN_DEVICE", me, own, bob, [(b"bob/1", bundles[0][1])], pt)
        check("INVALID_ARGUMENT", me, own, bob, bundles + [bundles[0]], pt)
        # RANDOMNESS at the very last draw: the whole call fails, no record.
        check("RANDOMNESS", me, own, bob, bundles, h(st["plaintext"]), draw=drawer(rnd[:-1]))
        # And then the vectors' call goes through as recorded.
        step_send(self, world, st)

    def test_receive_checks_in_order(self):
        """§20.4 step 1 before routing; step 3 before step 4."""
        world = replay(self)
        me = world.me["alice/1"]
        own = world.contacts["alice/1"]["alice"]
        bob = world.contacts["alice/1"]["bob"]
        msg = h(V["steps"][9]["message"])
        for contact, frm in ((own, 1), (own, 9), (bob, 9), (bob, 3)):
            before = contact.encode()
            with self.assertRaises(SottoError) as cm:
                F.receive(me, contact, frm, b"garbage")
            self.assertEqual(cm.exception.name, "UNKNOWN_DEVICE")
            self.assertEqual(contact.encode(), before)
        # A listed device with a message not for its session: routing's error.
        with self.assertRaises(SottoError) as cm:
            F.receive(me, bob, 1, msg)
        self.assertEqual(cm.exception.name, "DECRYPTION_FAILED")
        with self.assertRaises(SottoError) as cm:
            F.receive(me, bob, 1, b"\x01")
        self.assertEqual(cm.exception.name, "TRUNCATED")


# --------------------------------------------------------------------------
# Self-generated traffic

def counter_draw(seed: int):
    state = {"i": seed}

    def draw(n: int) -> bytes:
        out = b""
        while len(out) < n:
            state["i"] += 1
            out += S.sha256(b"fanout test" + state["i"].to_bytes(8, "big"))
        return out[:n]
    return draw


class Person:
    def __init__(self, seed: int, n_devices: int, draw):
        self.user = D.User(draw(32))
        self.accounts = {d: RC.AccountState.create(draw) for d in range(1, n_devices + 1)}
        lb = self.user.sign_list([(d, a.account.identity.record) for d, a in self.accounts.items()],
                                 [], 1000)
        self.user.commit(lb)

    @property
    def uk(self) -> bytes:
        return self.user.uk

    def me(self, d: int) -> F.Me:
        return F.Me(self.uk, d, self.accounts[d])

    def bundle(self, d: int) -> tuple[bytes, bytes]:
        return F.addr(self.uk, d), self.accounts[d].bundle()


class Generated(unittest.TestCase):
    def setUp(self):
        self.draw = counter_draw(1)
        self.alice = Person(1, 2, self.draw)
        self.bob = Person(2, 2, self.draw)
        people = {"alice": self.alice, "bob": self.bob}
        # contacts[(person, device)][of person]
        self.contacts = {(p, d): {q: F.Contact.from_list(people[q].user.list_bytes)
                                  for q in people}
                         for p in people for d in people[p].accounts}
        self.people = people

    def c(self, p, d, q) -> F.Contact:
        return self.contacts[(p, d)][q]

    def send(self, p, d, q, text, bundles=None):
        P = self.people[p]
        if bundles is None:
            bundles = [self.people[x].bundle(e) for x in (q, p)
                       for e in self.people[x].accounts if (x, e) != (p, d)]
        return F.send(P.me(d), self.c(p, d, p), self.c(p, d, q), bundles, text, self.draw)

    def recv(self, p, d, q, frm, msg):
        return F.receive(self.people[p].me(d), self.c(p, d, q), frm, msg)

    def test_round_trip_and_copies(self):
        out = self.send("alice", 1, "bob", b"hello")
        self.assertEqual([(x.user_key, x.device_id) for x in out],
                         [(self.bob.uk, 1), (self.bob.uk, 2), (self.alice.uk, 2)])
        for x in out:
            self.assertEqual(x.outcome, "sent")
            self.assertTrue(x.new_session)
        got = self.recv("bob", 1, "alice", 1, out[0].message)
        self.assertEqual((got["to"], got["plaintext"]), (self.bob.uk, b"hello"))
        got = self.recv("alice", 2, "alice", 1, out[2].message)
        self.assertEqual((got["to"], got["plaintext"]), (self.bob.uk, b"hello"))
        # Bob answers: his session with alice/1 answers hers, a normal message.
        back = self.send("bob", 1, "alice", b"hi", bundles=[self.alice.bundle(2), self.bob.bundle(2)])
        self.assertEqual(back[0].message[1], S.KIND_MSG)
        self.assertFalse(back[0].new_session)
        got = self.recv("alice", 1, "bob", 1, back[0].message)
        self.assertEqual(got["plaintext"], b"hi")
        # Now every message alice/1 sends to bob/1 is a normal one.
        again = self.send("alice", 1, "bob", b"again", bundles=[])
        self.assertEqual(again[0].message[1], S.KIND_MSG)
        self.assertEqual(self.recv("bob", 1, "alice", 1, again[0].message)["plaintext"], b"again")

    def test_largest_payload(self):
        text = b"z" * F.MAX_PAYLOAD_TEXT
        out = self.send("alice", 1, "bob", text, bundles=[self.bob.bundle(1)])
        self.assertEqual([x.outcome for x in out], ["sent", "needs_bundle", "needs_bundle"])
        self.assertEqual(self.recv("bob", 1, "alice", 1, out[0].message)["plaintext"], text)

    def test_own_contact_payload_rules(self):
        """§20.4 step 4 on the own contact: UK_to must not be our own key; and
        on another person's contact it must be. Built with hand-made payloads
        through the records directly (a fan-out never makes them)."""
        out = self.send("alice", 1, "bob", b"x")
        self.recv("alice", 2, "alice", 1, out[2].message)
        self.recv("bob", 1, "alice", 1, out[0].message)
        self.recv("bob", 2, "alice", 1, out[1].message)
        # alice/1 now holds sessions with alice/2, bob/1 and bob/2.
        own = self.c("alice", 1, "alice")
        rec_bob = self.c("alice", 1, "bob").records[1]

        def raw(rec, payload):
            return rec.encrypt(payload, self.draw)

        cases = [
            (own, 2, "alice", self.alice.uk + b"to myself", "MALFORMED"),
            (self.c("alice", 1, "bob"), 1, "bob", self.alice.uk, "MALFORMED"),   # to the sender
            (self.c("alice", 1, "bob"), 1, "bob", b"short", "MALFORMED"),
            (self.c("alice", 1, "bob"), 1, "bob", b"\x03" + self.bob.uk[1:] + b"!", "MALFORMED"),
            (self.c("alice", 1, "bob"), 1, "bob", b"\x02" + b"\x00" * 32 + b"!", "MALFORMED"),
        ]
        for contact, d, person, payload, error in cases:
            with self.subTest(payload=payload[:8]):
                rec = contact.records[d]
                msg = raw(rec, payload)
                # The receiving side is the peer device: it sees alice/1 as `from`.
                recv_contact = self.c(person, d, "alice")
                before = recv_contact.encode()
                before_acc = self.people[person].accounts[d].serialize()
                with self.assertRaises(SottoError) as cm:
                    self.recv(person, d, "alice", 1, msg)
                self.assertEqual(cm.exception.name, error)
                self.assertEqual(recv_contact.encode(), before)
                self.assertEqual(self.people[person].accounts[d].serialize(), before_acc)
        # Empty plaintext after a valid UK_to is fine.
        msg = raw(rec_bob, self.bob.uk)
        got = self.recv("bob", 1, "alice", 1, msg)
        self.assertEqual((got["to"], got["plaintext"]), (self.bob.uk, b""))

    def test_update_drops_records_and_reinstall(self):
        """§20.5: a removed device's record is dropped (not archived), its late
        messages fail UNKNOWN_DEVICE; a reinstall (same id, new identity) is in
        added and removed, needs its new bundle, and its old bundle is rejected."""
        out = self.send("alice", 1, "bob", b"one")
        self.recv("bob", 2, "alice", 1, out[1].message)
        late = self.send("bob", 2, "alice", b"late", bundles=[])
        self.assertEqual(late[0].outcome, "sent")
        old_bundle = self.bob.bundle(2)
        # A prekey message of the old installation in flight: a session it
        # initiated with alice/1 that alice/1 never saw.
        old_identity = self.bob.accounts[2].account.identity
        side = RC.SessionRecord()
        side.initiate(old_identity, self.alice.accounts[1].bundle(), F.addr(self.bob.uk, 2),
                      F.addr(self.alice.uk, 1), self.draw)
        late_prekey = side.encrypt(self.alice.uk + b"late prekey", self.draw)
        # Bob reinstalls device 2.
        new_acc = RC.AccountState.create(self.draw)
        lb = self.bob.user.sign_list([(2, new_acc.account.identity.record)], [2], 2000)
        self.bob.user.commit(lb)
        self.bob.accounts[2] = new_acc
        # The new installation starts with fresh contacts, holding the lists
        # it was linked with (its own: the old one, not yet the new list).
        self.contacts[("bob", 2)] = {q: F.Contact.from_list(self.c("bob", 1, q).list["bytes"])
                                     for q in self.people}
        contact = self.c("alice", 1, "bob")
        self.assertIn(2, contact.records)
        change = contact.update(lb)
        self.assertEqual(change, {"added": [2], "removed": [2]})
        self.assertNotIn(2, contact.records)
        # The old installation's late (normal) message: device 2 is still
        # listed (with its new identity), so step 1 passes; its record was
        # dropped, so routing in an empty record fails (DECRYPTION_FAILED).
        with self.assertRaises(SottoError) as cm:
            self.recv("alice", 1, "bob", 2, late[0].message)
        self.assertEqual(cm.exception.name, "DECRYPTION_FAILED")
        # Its prekey message is accepted by the responder procedure, then
        # refused at §20.4 step 3 (another identity than the list's); and
        # nothing changed, the account's base keys included.
        before = (contact.encode(), self.alice.accounts[1].serialize())
        with self.assertRaises(SottoError) as cm:
            self.recv("alice", 1, "bob", 2, late_prekey)
        self.assertEqual(cm.exception.name, "UNKNOWN_DEVICE")
        self.assertEqual((contact.encode(), self.alice.accounts[1].serialize()), before)
        # Sending: the old bundle is rejected, no bundle needs one, the new works.
        res = self.send("alice", 1, "bob", b"two", bundles=[old_bundle])
        self.assertEqual([(x.device_id, x.outcome) for x in res],
                         [(1, "sent"), (2, "bundle_rejected"), (2, "sent")])
        self.assertEqual(res[1].error, "UNKNOWN_DEVICE")
        res = self.send("alice", 1, "bob", b"three", bundles=[])
        self.assertEqual(res[1].outcome, "needs_bundle")
        res = self.send("alice", 1, "bob", b"four", bundles=[self.bob.bundle(2)])
        self.assertEqual((res[1].outcome, res[1].new_session), ("sent", True))
        got = self.recv("bob", 2, "alice", 1, res[1].message)
        self.assertEqual(got["plaintext"], b"four")
        # The new installation imports its own list (else §20.3 check 2 refuses
        # it: its own contact names the old identity for device 2).
        with self.assertRaises(SottoError) as cm:
            self.send("bob", 2, "alice", b"new me", bundles=[self.alice.bundle(2)])
        self.assertEqual(cm.exception.name, "UNKNOWN_DEVICE")
        self.c("bob", 2, "bob").update(lb)
        # Its message to a device that has not imported the list yet:
        # UNKNOWN_DEVICE, nothing changes; after the import, accepted.
        reply = self.send("bob", 2, "alice", b"new me", bundles=[self.alice.bundle(2)])
        stale = self.c("alice", 2, "bob")
        before = stale.encode()
        with self.assertRaises(SottoError) as cm:
            self.recv("alice", 2, "bob", 2, reply[1].message)
        self.assertEqual(cm.exception.name, "UNKNOWN_DEVICE")
        self.assertEqual(stale.encode(), before)
        stale.update(lb)
        self.assertEqual(self.recv("alice", 2, "bob", 2, reply[1].message)["plaintext"], b"new me")

    def test_sender_removed_stops_sending(self):
        lb = self.alice.user.sign_list([], [2], 3000)
        self.alice.user.commit(lb)
        own = self.c("alice", 2, "alice")
        own.update(lb)
        before = (own.encode(), self.c("alice", 2, "bob").encode())
        with self.assertRaises(SottoError) as cm:
            self.send("alice", 2, "bob", b"x", bundles=[])
        self.assertEqual(cm.exception.name, "UNKNOWN_DEVICE")
        self.assertEqual((own.encode(), self.c("alice", 2, "bob").encode()), before)

    def test_existing_session_with_other_identity_is_not_used(self):
        """§20.3 step 1 requires the current session's remote identity to be the
        list's: a record whose current session is with another identity falls
        to step 2 (a new session; the old one archived) or step 3."""
        out = self.send("alice", 1, "bob", b"x", bundles=[self.bob.bundle(1)])
        contact = self.c("alice", 1, "bob")
        rec = contact.records[1]
        # Put an unrelated session (with bob/2's identity) as current for bob/1.
        stranger = RC.SessionRecord()
        stranger.initiate(self.alice.accounts[1].account.identity, self.bob.accounts[2].bundle(),
                          b"a", b"b", self.draw)
        rec.archived.insert(0, rec.current)
        rec.current = stranger.current
        res = self.send("alice", 1, "bob", b"y", bundles=[])
        self.assertEqual(res[0].outcome, "needs_bundle")
        res = self.send("alice", 1, "bob", b"z", bundles=[self.bob.bundle(1)])
        self.assertEqual((res[0].outcome, res[0].new_session), ("sent", True))
        self.assertEqual(rec.__class__, RC.SessionRecord)
        rec = contact.records[1]
        self.assertEqual(rec.current.remote_record, self.bob.accounts[1].account.identity.record)
        self.assertEqual(rec.archived[0].remote_record, self.bob.accounts[2].account.identity.record)
        self.assertEqual(self.recv("bob", 1, "alice", 1, res[0].message)["plaintext"], b"z")
        del out

    def test_planning_failure_commits_nothing(self):
        """LIMIT_EXCEEDED in one target fails the whole call; earlier targets'
        new sessions are not kept."""
        self.send("alice", 1, "bob", b"x")
        contact = self.c("alice", 1, "bob")
        contact.records[2].current.Ns = 2**32 - 1     # bob/2's chain at its limit
        before = (contact.encode(), self.c("alice", 1, "alice").encode())
        with self.assertRaises(SottoError) as cm:
            self.send("alice", 1, "bob", b"y", bundles=[])
        self.assertEqual(cm.exception.name, "LIMIT_EXCEEDED")
        self.assertEqual((contact.encode(), self.c("alice", 1, "alice").encode()), before)

    def test_small_order_prekey_fails_the_call(self):
        """An error of a target's initiate other than a bundle of another
        identity (here NON_CONTRIBUTORY: a signed prekey of small order)
        fails the whole call; the targets planned before it keep nothing."""
        self.send("alice", 1, "bob", b"x", bundles=[])
        acc = self.bob.accounts[2]
        ident = acc.account.identity
        body = S.u32(1) + S.enc_key(S.T_X25519, b"\x00" * 32)         # the point 0
        spk = body + ident.sign(b"Sotto v1 signed prekey" + body)
        kem = S.kem_prekey(ident, 2, S.KEM_LAST_RESORT,
                           acc.account.kem_prekeys[(S.KEM_LAST_RESORT, 2)])
        bad = S.encode_bundle(ident.record, spk, kem, None)
        S.decode_bundle(bad)                                            # verifies
        contact, own = self.c("alice", 1, "bob"), self.c("alice", 1, "alice")
        before = (contact.encode(), own.encode())
        with self.assertRaises(SottoError) as cm:
            self.send("alice", 1, "bob", b"y",
                      bundles=[self.bob.bundle(1), (F.addr(self.bob.uk, 2), bad)])
        self.assertEqual(cm.exception.name, "NON_CONTRIBUTORY")
        self.assertEqual((contact.encode(), own.encode()), before)

    def test_sealed_contact_bounds(self):
        # 16 devices, each with a record: the contact seals and unseals.
        big = Person(3, 16, self.draw)
        contact = F.Contact.from_list(big.user.list_bytes)
        self.assertEqual(len(big.user.list_bytes), 2380)
        me = self.alice.me(1)
        own = self.c("alice", 1, "alice")
        out = F.send(me, own, contact, [big.bundle(d) for d in big.accounts], b"x", self.draw)
        self.assertEqual(sum(x.outcome == "sent" for x in out), 16)
        self.assertEqual(len(contact.records), 16)
        nonce = self.draw(24)
        sealed = contact.seal(KEY, nonce)
        self.assertEqual(F.Contact.unseal(KEY, sealed).encode(), contact.encode())
        # §9.1 checks in order, with the 6,295,552-byte bound.
        def err(b, key=KEY):
            with self.assertRaises(SottoError) as cm:
                F.unseal_contact_state(key, b)
            return cm.exception.name
        self.assertEqual(F.MAX_SEALED_CONTACT, 6_295_552)
        self.assertEqual(err(b"\x00" * (F.MAX_SEALED_CONTACT + 1)), "TOO_LARGE")
        self.assertEqual(err(sealed[:41]), "TRUNCATED")
        self.assertEqual(err(b"\x02" + sealed[1:]), "UNSUPPORTED_VERSION")
        self.assertEqual(err(sealed[:1] + b"\x08" + sealed[2:]), "WRONG_OBJECT_TYPE")
        self.assertEqual(err(sealed, key=b"\x21" * 32), "UNSEAL_FAILED")
        self.assertEqual(err(sealed[:-1] + bytes([sealed[-1] ^ 1])), "UNSEAL_FAILED")
        # A state of exactly the bound is not refused for its size: it fails later.
        self.assertEqual(err(sealed[:26] + b"\x00" * (F.MAX_SEALED_CONTACT - 26)), "UNSEAL_FAILED")
        # The kind is authenticated: another envelope kind does not open as 0x11.
        rec_sealed = contact.records[1].seal(KEY, nonce)
        self.assertEqual(err(rec_sealed), "WRONG_OBJECT_TYPE")

    def test_contact_state_decoding_order(self):
        self.send("alice", 1, "bob", b"x")
        contact = self.c("alice", 1, "bob")
        state = contact.encode()
        lb = contact.list["bytes"]
        off = 3 + len(lb)

        def err(b):
            with self.assertRaises(SottoError) as cm:
                F.Contact.decode(b)
            return cm.exception.name
        self.assertEqual(F.Contact.decode(state).encode(), state)
        self.assertEqual(err(b""), "TRUNCATED")
        self.assertEqual(err(b"\x00" + state[1:]), "UNSUPPORTED_VERSION")
        self.assertEqual(err(state[:off - 5]), "TRUNCATED")            # inside the list
        self.assertEqual(err(state[:off]), "TRUNCATED")                # no count
        # The list's len one too short: the list decoder sees a truncated list.
        short = state[:1] + S.u16(len(lb) - 1) + state[3:]
        self.assertEqual(err(short), "TRUNCATED")
        self.assertEqual(err(state + b"\x00"), "TRAILING_BYTES")
        self.assertEqual(err(state[:off] + b"\x11"), "TOO_LARGE")      # before any record
        self.assertEqual(err(state[:-1]), "TRUNCATED")
        # A record state that itself errs: its error (§17.4).
        rec_off = off + 1
        first_len = int.from_bytes(state[rec_off + 4:rec_off + 8], "big")
        bad = bytearray(state)
        bad[rec_off + 8] = 2                                           # record format 2
        self.assertEqual(err(bytes(bad)), "UNSUPPORTED_VERSION")
        # A record that needs fewer bytes than its len: TRAILING_BYTES (its own).
        longer = (state[:rec_off + 4] + S.u32(first_len + 1)
                  + state[rec_off + 8:rec_off + 8 + first_len] + b"\x00"
                  + state[rec_off + 8 + first_len:])
        self.assertEqual(err(longer), "TRAILING_BYTES")
        # An empty record (count 0) of a listed device.
        empty = RC.SessionRecord().encode()
        with_empty = (state[:off] + b"\x01" + S.u32(1) + S.u32(len(empty)) + empty)
        self.assertEqual(err(with_empty), "MALFORMED")
        # The record's own error comes before the device-id checks.
        self.assertEqual(err(state[:off] + b"\x01" + S.u32(99) + S.u32(3) + b"\x02\x00\x00"),
                         "UNSUPPORTED_VERSION")


if __name__ == "__main__":
    unittest.main()
