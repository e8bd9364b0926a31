"""Replay tests/vectors/sotto-v1-records.json through records.py (PROTOCOL.md §17),
and check the rules of §17 the vectors do not reach on self-generated traffic."""

from __future__ import annotations

import copy
import json
import os
import random
import unittest

import records as RC
import sotto_ref as R
from sotto_ref import SottoError

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("SOTTO_RECORDS_VECTORS",
                         os.path.join(HERE, "..", "..", "tests", "vectors", "sotto-v1-records.json"))
with open(VECTORS, encoding="utf-8") as fh:
    V = json.load(fh)

h = bytes.fromhex
KEY = h(V["storage_key"])
# §17.5 says `context` holds "each side's identifier" but not which side is
# which; side 0 is alice and side 1 bob, checked in test_initial against the
# ad_hash of each side's own initiation (§5.1).
NAMES = ("alice", "bob")
IDS = tuple(h(V["context"][n]) for n in NAMES)


def context(side: int) -> tuple[bytes, bytes]:
    """(local_id, remote_id) of `side`."""
    return IDS[side], IDS[1 - side]


def drawer(data: bytes):
    buf = {"pos": 0}

    def draw(n: int) -> bytes:
        out = data[buf["pos"]:buf["pos"] + n]
        assert len(out) == n, "ran out of recorded randomness"
        buf["pos"] += n
        return out
    draw.rest = lambda: len(data) - buf["pos"]
    return draw


def load_sides():
    sides = []
    for side in V["initial"]:
        acc = RC.AccountState.unseal(KEY, h(side["sealed_account"]))
        rec = RC.SessionRecord.unseal(KEY, h(side["sealed_record"]))
        sides.append((acc, rec))
    return sides


class RecordVectors(unittest.TestCase):
    def test_initial(self):
        for i, side in enumerate(V["initial"]):
            state = h(side["record_state"])
            sealed = h(side["sealed_record"])
            self.assertEqual(RC.unseal_record_state(KEY, sealed), state)
            rec = RC.SessionRecord.decode(state)
            self.assertEqual(rec.encode(), state)
            # Resealing with the nonce in the sealed bytes gives them back.
            self.assertEqual(rec.seal(KEY, sealed[2:26]), sealed)
            # The account: §9.3 format 2 parses and serializes back.
            sealed_acc = h(side["sealed_account"])
            acc_state = R.unseal(KEY, RC.KIND_SEALED_ACCOUNT, sealed_acc)
            acc = RC.AccountState.parse(acc_state)
            self.assertEqual(acc.serialize(), acc_state)
            self.assertEqual(R.seal(KEY, RC.KIND_SEALED_ACCOUNT, acc_state, sealed_acc[2:26]),
                             sealed_acc)
            # "taken after both sides initiated": one session, our own, unanswered.
            self.assertEqual(len(rec.sessions()), 1)
            s = rec.current
            self.assertEqual(s.role, R.ROLE_INITIATOR)
            self.assertIsNotNone(s.handshake)
            self.assertEqual(s.local_record, acc.account.identity.record)
            local, remote = context(i)
            self.assertEqual(s.ad_hash, R.ad_hash(s.local_record[:66], s.remote_record[:66],
                                                  local, remote))
            # The session id is that of the prekey header it sends (§5.4).
            self.assertEqual(s.session_id, R.session_id_of(s.prekey_header()))
        # The two records hold each other's identity.
        sides = load_sides()
        self.assertEqual(sides[0][1].current.remote_record, sides[1][0].account.identity.record)
        self.assertEqual(sides[1][1].current.remote_record, sides[0][0].account.identity.record)

    def test_steps(self):
        sides = load_sides()
        for i, step in enumerate(V["steps"]):
            with self.subTest(step=i, op=step["op"]):
                if step["op"] == "send":
                    acc, rec = sides[step["from"]]
                    draw = drawer(h(step["random"]))
                    msg = rec.encrypt(h(step["plaintext"]), draw)
                    self.assertEqual(draw.rest(), 0, "every recorded draw used")
                    self.assertEqual(msg.hex(), step["message"])
                    self.assertEqual(rec.encode().hex(), step["record_state"])
                    continue
                self.assertEqual(step["op"], "receive")
                side = step["to"]
                acc, rec = sides[side]
                before = (rec.encode(), acc.serialize())
                local, remote = context(side)
                if "error" in step:
                    with self.assertRaises(SottoError) as cm:
                        rec.decrypt(acc, h(step["message"]), local, remote)
                    self.assertEqual(cm.exception.name, step["error"])
                    # A failed step changes nothing, record nor account.
                    self.assertEqual((rec.encode(), acc.serialize()), before)
                else:
                    pt = rec.decrypt(acc, h(step["message"]), local, remote)
                    self.assertEqual(pt.hex(), step["plaintext"])
                self.assertEqual(rec.encode().hex(), step["record_state"])
                self.assertEqual(rec.current_session_id.hex(), step["current"])
                # The state decodes and re-encodes to itself.
                self.assertEqual(RC.SessionRecord.decode(rec.encode()).encode(), rec.encode())

    def test_steps_expected_shape(self):
        """What the steps show of §17.2 and §17.3, checked on the final state:
        both sides converged on the smaller session id, the larger one is
        archived on both sides, and the accept path consumed nothing it
        should not have."""
        sids = [RC.SessionRecord.decode(h(s["record_state"])).current.session_id
                for s in V["initial"]]
        smaller, larger = sorted(sids)
        finals = {}
        for step in V["steps"]:
            who = step.get("from", step.get("to"))
            finals[who] = RC.SessionRecord.decode(h(step["record_state"]))
        for side in (0, 1):
            ids = [s.session_id for s in finals[side].sessions()]
            self.assertEqual(ids, [smaller, larger])
            self.assertFalse(RC._unanswered_initiation(finals[side].current))

    def test_invalid_states(self):
        for case in V["invalid_states"]:
            with self.subTest(case["name"]):
                with self.assertRaises(SottoError) as cm:
                    RC.SessionRecord.decode(h(case["state"]))
                self.assertEqual(cm.exception.name, case["error"])

    def test_empty_record(self):
        empty = h(V["empty_record_state"])
        rec = RC.SessionRecord.decode(empty)
        self.assertIsNone(rec.current)
        self.assertEqual(rec.sessions(), [])
        self.assertEqual(RC.SessionRecord().encode(), empty)
        with self.assertRaises(SottoError) as cm:
            rec.encrypt(b"x", drawer(bytes(24)))
        self.assertEqual(cm.exception.name, "INVALID_ARGUMENT")
        # A normal message: no session, so no header key opens it.
        normal = next(h(s["message"]) for s in V["steps"]
                      if s["op"] == "send" and h(s["message"])[1] == R.KIND_MSG)
        acc, _ = load_sides()[0]
        with self.assertRaises(SottoError) as cm:
            rec.decrypt(acc, normal, *context(0))
        self.assertEqual(cm.exception.name, "DECRYPTION_FAILED")
        self.assertEqual(rec.encode(), empty)

    def test_sealed_record_checks(self):
        """§17.4: the checks of §9.1 in order, with the 384 KiB bound."""
        sealed = h(V["initial"][0]["sealed_record"])

        def err(data, key=KEY):
            with self.assertRaises(SottoError) as cm:
                RC.SessionRecord.unseal(key, data)
            return cm.exception.name
        self.assertEqual(err(sealed[:41]), "TRUNCATED")
        self.assertEqual(err(b"\x02" + sealed[1:]), "UNSUPPORTED_VERSION")
        self.assertEqual(err(sealed[:1] + b"\x05" + sealed[2:]), "WRONG_OBJECT_TYPE")
        self.assertEqual(err(sealed, bytes(32)), "UNSEAL_FAILED")
        self.assertEqual(err(sealed[:-1] + bytes([sealed[-1] ^ 1])), "UNSEAL_FAILED")
        # Size first: 384 KiB + 1 of garbage with a wrong version is TOO_LARGE.
        self.assertEqual(err(b"\x02" * (RC.MAX_SEALED_RECORD + 1)), "TOO_LARGE")
        # Exactly 384 KiB passes the size check (and fails authentication).
        self.assertEqual(err(sealed[:26] + bytes(RC.MAX_SEALED_RECORD - 26)), "UNSEAL_FAILED")
        # A sealed session (kind 0x05) is not a record, and vice versa.
        s = RC.SessionRecord.decode(h(V["initial"][0]["record_state"])).current
        sealed_session = R.seal(KEY, R.KIND_SEALED_SESSION, s.serialize(), bytes(24))
        self.assertEqual(err(sealed_session), "WRONG_OBJECT_TYPE")
        with self.assertRaises(SottoError) as cm:
            R.unseal(KEY, R.KIND_SEALED_SESSION, sealed)
        self.assertEqual(cm.exception.name, "WRONG_OBJECT_TYPE")
        # An authenticated but invalid record state is the decoder's error.
        for case in V["invalid_states"]:
            nonce = bytes(range(24))
            head = bytes([1, RC.KIND_SEALED_RECORD])
            bad = head + nonce + R.aead_seal(KEY, nonce, RC.SEALED_AD + head, h(case["state"]))
            self.assertEqual(err(bad), case["error"], case["name"])

    def test_largest_record_seals(self):
        """§17.4: five sessions each holding 2000 skipped keys are larger than
        the 256 KiB of §9.1 but seal and unseal as a record."""
        base = RC.SessionRecord.decode(h(V["steps"][-1]["record_state"])).current
        sessions = []
        for k in range(5):
            s = copy.deepcopy(base)
            s.session_id = bytes([k]) * 32
            s.recv.skipped = [(i, bytes([k, i % 256]) * 16) for i in range(2000)]
            sessions.append(s)
        rec = RC.SessionRecord(sessions[0], sessions[1:])
        sealed = rec.seal(KEY, bytes(24))
        self.assertGreater(len(sealed), R.MAX_SEALED)
        self.assertLessEqual(len(sealed), RC.MAX_SEALED_RECORD)
        self.assertEqual(RC.SessionRecord.unseal(KEY, sealed).encode(), rec.encode())
        # §9.2 budget: 2001 keys in one session is refused inside the record.
        sessions[0].recv.skipped.append((2000, bytes(32)))
        with self.assertRaises(SottoError) as cm:
            RC.SessionRecord.decode(RC.SessionRecord(sessions[0], []).encode())
        self.assertEqual(cm.exception.name, "TOO_LARGE")

    def test_record_state_framing(self):
        state = h(V["steps"][-1]["record_state"])
        rec = RC.SessionRecord.decode(state)

        def err(data):
            with self.assertRaises(SottoError) as cm:
                RC.SessionRecord.decode(data)
            return cm.exception.name
        self.assertEqual(err(b""), "TRUNCATED")
        self.assertEqual(err(state[:2]), "TRUNCATED")
        self.assertEqual(err(state[:5]), "TRUNCATED")  # inside the length
        self.assertEqual(err(state[:-1]), "TRUNCATED")  # len past the end
        # A len one byte too long: the session state decoder sees a trailing byte.
        n = int.from_bytes(state[3:7], "big")
        self.assertEqual(err(state[:3] + (n + 1).to_bytes(4, "big") + state[7:] + b"\x00"),
                         "TRAILING_BYTES")
        # A len one byte too short: the session state is truncated.
        self.assertEqual(err(state[:3] + (n - 1).to_bytes(4, "big") + state[7:]), "TRUNCATED")
        self.assertEqual(state[2], 2)
        self.assertEqual(err(state[:2] + b"\x03" + state[3:]), "TRUNCATED")  # count 3, two sessions
        for flags in (1, 2, 0x80, 0xFF):
            self.assertEqual(err(state[:1] + bytes([flags]) + state[2:]), "MALFORMED")
        for count in (6, 7, 255):
            self.assertEqual(err(state[:2] + bytes([count])), "TOO_LARGE")
        self.assertEqual(len(rec.sessions()), 2)
        # Two sessions with one id, then a third that is not even decoded,
        # or trailing bytes: the duplicate is reported (checked as each
        # session is decoded).
        first = state[3:7 + n]
        dup = b"\x01\x00\x02" + first + first
        self.assertEqual(err(dup), "MALFORMED")
        self.assertEqual(err(dup + b"\x00"), "MALFORMED")
        self.assertEqual(err(b"\x01\x00\x03" + first + first + b"\x00\x00\x00\x09"), "MALFORMED")


# --------------------------------------------------------------------------
# Self-generated traffic: the rules of §17.1-§17.3 the vectors do not reach.

class Peer:
    def __init__(self, name: bytes, rng: random.Random):
        self.name, self.rng = name, rng
        self.acc = RC.AccountState.create(self.draw)
        self.rec = RC.SessionRecord()

    def draw(self, n: int) -> bytes:
        return self.rng.randbytes(n)

    @property
    def identity(self):
        return self.acc.account.identity

    def initiate(self, other: "Peer") -> R.Session:
        return self.rec.initiate(self.identity, other.acc.bundle(), self.name, other.name,
                                 self.draw)

    def send(self, pt: bytes) -> bytes:
        return self.rec.encrypt(pt, self.draw)

    def recv(self, other: "Peer", msg: bytes) -> bytes:
        return self.rec.decrypt(self.acc, msg, self.name, other.name)

    def ids(self) -> list[bytes]:
        return [s.session_id for s in self.rec.sessions()]


def error_of(fn, *args) -> str:
    try:
        fn(*args)
    except SottoError as e:
        return e.name
    raise AssertionError("no error")


class RecordRules(unittest.TestCase):
    def setUp(self):
        rng = random.Random(17)
        self.a = Peer(b"alice", rng)
        self.b = Peer(b"bob", rng)

    def test_archive_bound(self):
        a, b = self.a, self.b
        first, late_prekey, normals = [], None, []
        for k in range(6):
            a.initiate(b)
            m1 = a.send(b"first %d" % k)
            if k == 0:
                late_prekey = a.send(b"late prekey")
            if k == 1:
                held = a.send(b"held in 1")
            self.assertEqual(b.recv(a, m1), b"first %d" % k)
            first.append(m1)
            # Bob (responder, not an unanswered initiation) makes each new
            # session current.
            self.assertEqual(b.rec.current_session_id, a.rec.current_session_id)
            if k == 0:
                a.recv(b, b.send(b"answer"))           # answers session 0
                normals.append(a.send(b"late normal"))
        self.assertEqual(len(a.rec.archived), RC.MAX_ARCHIVED_SESSIONS)
        self.assertEqual(len(b.rec.archived), RC.MAX_ARCHIVED_SESSIONS)
        self.assertEqual(a.ids(), b.ids())
        # Session 0 was dropped on both sides: its late messages fail.
        state = (b.rec.encode(), b.acc.serialize())
        self.assertEqual(error_of(b.recv, a, normals[0]), "DECRYPTION_FAILED")
        # A late prekey message takes the accept path; its base key is remembered.
        self.assertEqual(error_of(b.recv, a, late_prekey), "DUPLICATE_MESSAGE")
        self.assertEqual((b.rec.encode(), b.acc.serialize()), state)
        # Replays of the first message of the oldest kept session (session 1)
        # are duplicates in it, and change nothing.
        sid = a.ids()
        self.assertEqual(error_of(b.recv, a, first[1]), "DUPLICATE_MESSAGE")
        self.assertEqual((b.rec.encode(), b.acc.serialize()), state)
        # A held message of session 1 (a prekey message: Alice never heard
        # back in it) is routed by session id and promotes it; the count of
        # archived sessions stays 4.
        self.assertEqual(b.recv(a, held), b"held in 1")
        self.assertEqual(b.ids(), [sid[4], sid[0], sid[1], sid[2], sid[3]])
        # Bob now sends in session 1: a normal message that Alice finds by
        # header trial in her oldest archived session, which becomes current.
        self.assertEqual(a.recv(b, b.send(b"back in 1")), b"back in 1")
        self.assertEqual(a.ids(), [sid[4], sid[0], sid[1], sid[2], sid[3]])
        self.assertEqual(b.recv(a, a.send(b"ok")), b"ok")

    def test_failed_accept_changes_nothing(self):
        """§17.2 / §5.3: a first message that fails consumes no one-time
        prekey; the good one consumes both and records its base key."""
        a, b = self.a, self.b
        b.acc.generate_one_time(2, b.draw)
        self.assertEqual(sorted(b.acc.account.one_time_prekeys), [3, 5])
        a.rec.initiate(a.identity, b.acc.bundle(with_one_time=True), a.name, b.name, a.draw)
        self.assertEqual(a.rec.current.handshake["opk_id"], 3)
        self.assertEqual(a.rec.current.handshake["kem_id"], 4)
        self.assertEqual(a.rec.current.handshake["kem_kind"], R.KEM_ONE_TIME)
        m = a.send(b"first")
        before = (b.rec.encode(), b.acc.serialize())
        for bad in (m[:-1] + bytes([m[-1] ^ 1]),                  # body
                    m[:1300] + bytes([m[1300] ^ 1]) + m[1301:]):  # encrypted header
            self.assertEqual(error_of(b.recv, a, bad), "DECRYPTION_FAILED")
            self.assertEqual((b.rec.encode(), b.acc.serialize()), before)
        self.assertEqual(b.recv(a, m), b"first")
        acc = b.acc.account
        self.assertEqual(sorted(acc.one_time_prekeys), [5])
        self.assertEqual(sorted(k for k in acc.kem_prekeys), [(1, 2), (2, 6)])
        self.assertEqual(len(acc.accepted_base_keys[1]), 1)
        # The account state round-trips (§9.3) and a replay is refused.
        self.assertEqual(RC.AccountState.parse(b.acc.serialize()).serialize(), b.acc.serialize())
        self.assertEqual(error_of(b.recv, a, m), "DUPLICATE_MESSAGE")

    def test_header_trial_and_promotion(self):
        a, b = self.a, self.b
        sent = []
        for k in range(3):
            a.initiate(b)
            b.recv(a, a.send(b"hello %d" % k))
            a.recv(b, b.send(b"ack %d" % k))
            sent.append(a.send(b"later %d" % k))      # normal messages, held back
        sid = a.ids()[::-1]                           # sid[k]: session k
        self.assertEqual(b.ids(), [sid[2], sid[1], sid[0]])
        # A message of the oldest archived session is found by header trial
        # and makes it current; the previous current is archived first.
        self.assertEqual(b.recv(a, sent[0]), b"later 0")
        self.assertEqual(b.ids(), [sid[0], sid[2], sid[1]])
        self.assertEqual(b.recv(a, sent[1]), b"later 1")
        self.assertEqual(b.ids(), [sid[1], sid[0], sid[2]])
        self.assertEqual(b.recv(a, sent[2]), b"later 2")
        self.assertEqual(b.ids(), [sid[2], sid[1], sid[0]])
        # One of the current session changes nothing in the order.
        m = a.send(b"again")
        self.assertEqual(b.recv(a, m), b"again")
        self.assertEqual(b.ids(), [sid[2], sid[1], sid[0]])
        # Errors are the session's: a replay in the current session.
        state = b.rec.encode()
        self.assertEqual(error_of(b.recv, a, m), "DUPLICATE_MESSAGE")
        self.assertEqual(error_of(b.recv, a, sent[0]), "DUPLICATE_MESSAGE")
        self.assertEqual(b.rec.encode(), state)
        # A message of one of our own sessions sent back to us: our own
        # prekey message is SESSION_MISMATCH (we initiated it).
        a.initiate(b)
        own = a.send(b"mine")
        state = a.rec.encode()
        self.assertEqual(error_of(a.recv, b, own), "SESSION_MISMATCH")
        self.assertEqual(a.rec.encode(), state)

    def test_kinds(self):
        a, b = self.a, self.b
        a.initiate(b)
        m = a.send(b"x")
        self.assertEqual(error_of(b.recv, a, b""), "TRUNCATED")
        self.assertEqual(error_of(b.recv, a, b"\x01"), "TRUNCATED")
        self.assertEqual(error_of(b.recv, a, b"\x02" + m[1:]), "UNSUPPORTED_VERSION")
        self.assertEqual(error_of(b.recv, a, b"\x01\x04" + m[2:]), "WRONG_OBJECT_TYPE")
        self.assertEqual(error_of(b.recv, a, m[:1300]), "TRUNCATED")
        self.assertEqual(b.rec.sessions(), [])
        self.assertEqual(b.recv(a, m), b"x")

    def test_convergence_simple(self):
        """§17.3 *Convergence*, the order described in the text."""
        a, b = self.a, self.b
        sa, sb = a.initiate(b), b.initiate(a)
        small, large = (a, b) if sa.session_id < sb.session_id else (b, a)
        s_small, s_large = sorted([sa.session_id, sb.session_id])
        m_small = small.send(b"from small")
        m_large = large.send(b"from large")
        self.assertEqual(large.recv(small, m_small), b"from small")
        self.assertEqual(large.rec.current_session_id, s_small)    # switched
        self.assertEqual(large.ids(), [s_small, s_large])
        self.assertEqual(small.recv(large, m_large), b"from large")
        self.assertEqual(small.rec.current_session_id, s_small)    # kept, archived B
        self.assertEqual(small.ids(), [s_small, s_large])
        reply = large.send(b"reply in small")
        self.assertEqual(reply[1], R.KIND_MSG)
        self.assertEqual(small.recv(large, reply), b"reply in small")
        self.assertEqual(small.ids(), [s_small, s_large])
        both = small.send(b"both in small")
        self.assertEqual(large.recv(small, both), b"both in small")
        self.assertEqual(large.rec.current_session_id, s_small)

    def test_convergence_late_message_of_larger(self):
        """A message of B arriving after A was answered makes B current again,
        and the reply in B does the same on the other side."""
        a, b = self.a, self.b
        sa, sb = a.initiate(b), b.initiate(a)
        small, large = (a, b) if sa.session_id < sb.session_id else (b, a)
        s_small, s_large = sorted([sa.session_id, sb.session_id])
        m_small = small.send(b"s1")
        m_large_1 = large.send(b"l1")
        m_large_2 = large.send(b"l2")
        large.recv(small, m_small)
        small.recv(large, m_large_1)
        small.recv(large, large.send(b"answer in small"))
        self.assertEqual(small.rec.current_session_id, s_small)
        self.assertFalse(RC._unanswered_initiation(small.rec.current))
        # The late message of B: B becomes current on `small`.
        self.assertEqual(small.recv(large, m_large_2), b"l2")
        self.assertEqual(small.ids(), [s_large, s_small])
        reply = small.send(b"in B")          # a normal message of B
        self.assertEqual(reply[1], R.KIND_MSG)
        self.assertEqual(large.recv(small, reply), b"in B")
        self.assertEqual(large.ids(), [s_large, s_small])
        self.assertEqual(small.recv(large, large.send(b"ok")), b"ok")
        self.assertEqual(small.rec.current_session_id, large.rec.current_session_id)

    def test_identity_condition(self):
        """A reinstalled peer's session wins over our unanswered initiation to
        its old installation, whatever the session ids."""
        rng = random.Random(5)
        orders = set()
        for trial in range(8):
            a = Peer(b"alice", rng)
            old_b = Peer(b"bob", rng)
            a.initiate(old_b)
            mine = a.rec.current_session_id
            new_b = Peer(b"bob", rng)          # a new identity, same name
            new_b.initiate(a)
            m = new_b.send(b"reinstalled")
            self.assertEqual(a.recv(new_b, m), b"reinstalled")
            self.assertEqual(a.ids(), [new_b.rec.current_session_id, mine], trial)
            # The same peer, on the other hand: the tie-break decides.
            b2 = Peer(b"bob", rng)
            a2 = Peer(b"alice", rng)
            x, y = a2.initiate(b2).session_id, b2.initiate(a2).session_id
            a2.recv(b2, b2.send(b"hi"))
            self.assertEqual(a2.rec.current_session_id, min(x, y))
            self.assertEqual(a2.ids(), [min(x, y), max(x, y)])
            orders.add(new_b.rec.current_session_id < mine)
        self.assertEqual(orders, {True, False}, "both orders of the ids were tried")

    def test_lost_tie_break_is_archived_first(self):
        """A new session that loses the tie-break is archived as the newest
        (GAP in §17.3, resolved: first among the archived)."""
        rng = random.Random(9)
        for _ in range(20):
            a, b = Peer(b"alice", rng), Peer(b"bob", rng)
            c = Peer(b"carol", rng)
            # An older archived session with carol's identity.
            a.initiate(c)
            c.recv(a, a.send(b"c"))
            sa = a.initiate(b).session_id
            sb = b.initiate(a).session_id
            if sb < sa:
                continue
            a.recv(b, b.send(b"b"))
            self.assertEqual(a.ids()[:2], [sa, sb])
            self.assertEqual(len(a.ids()), 3)
            return
        self.fail("no schedule with the right ordering")

    def test_convergence_random_schedules(self):
        """Property: for random interleavings of a simultaneous initiation,
        every message decrypts exactly once and, once both sides have sent
        and received a reply, they share one current session."""
        for seed in range(12):
            rng = random.Random(1000 + seed)
            a, b = Peer(b"alice", rng), Peer(b"bob", rng)
            a.initiate(b)
            b.initiate(a)
            queues = {0: [], 1: []}       # messages in flight to 0 / to 1
            peers = (a, b)
            delivered = []
            counter = 0
            for _ in range(40):
                who = rng.randrange(2)
                if rng.random() < 0.5:
                    pt = b"%d:%d" % (who, counter)
                    counter += 1
                    queues[1 - who].append((pt, peers[who].send(pt)))
                elif queues[who]:
                    # Out of order delivery within the queue.
                    pt, m = queues[who].pop(rng.randrange(len(queues[who])))
                    self.assertEqual(peers[who].recv(peers[1 - who], m), pt, seed)
                    delivered.append(pt)
            # Drain, then a round trip in each direction.
            for who in (0, 1):
                while queues[who]:
                    pt, m = queues[who].pop(0)
                    self.assertEqual(peers[who].recv(peers[1 - who], m), pt, seed)
            for _ in range(2):
                self.assertEqual(b.recv(a, a.send(b"ping")), b"ping")
                self.assertEqual(a.recv(b, b.send(b"pong")), b"pong")
            self.assertEqual(a.rec.current_session_id, b.rec.current_session_id, seed)
            for p in peers:
                self.assertLessEqual(len(p.rec.archived), RC.MAX_ARCHIVED_SESSIONS)
                self.assertEqual(RC.SessionRecord.decode(p.rec.encode()).encode(),
                                 p.rec.encode())


if __name__ == "__main__":
    unittest.main()
