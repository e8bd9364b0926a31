"""Recompute tests/vectors/sotto-v2-pqratchet.json from PROTOCOL.md §22 alone,
and check on self-generated traffic what the vectors do not reach."""

from __future__ import annotations

import copy
import json
import os
import random
import unittest

import pqratchet as P
import sotto_ref as R
from sotto_ref import SottoError

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("SOTTO_PQ_VECTORS",
                         os.path.join(HERE, "..", "..", "tests", "vectors", "sotto-v2-pqratchet.json"))
with open(VECTORS, encoding="utf-8") as fh:
    V = json.load(fh)

h = bytes.fromhex


class Draws:
    """Replays recorded draws in order, checking each length; `done()` checks all were used."""

    def __init__(self, pairs):
        self.pairs = [(name, h(v)) for name, v in pairs]
        self.names = []

    def __call__(self, n: int) -> bytes:
        if not self.pairs:
            raise AssertionError("more draws than recorded")
        name, v = self.pairs.pop(0)
        if len(v) != n:
            raise AssertionError(f"draw {name}: recorded {len(v)} bytes, asked {n}")
        self.names.append(name)
        return v

    def done(self) -> bool:
        return not self.pairs


class Rng:
    """Deterministic draws for self-generated traffic."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def __call__(self, n: int) -> bytes:
        return self.r.randbytes(n)


def make_identity(rnd: dict) -> R.Identity:
    return R.Identity(rnd["identity_signing_seed"], rnd["identity_agreement_private"])


def vector_parties():
    """Alice's identity; Bob's account (ids 1, 2; one-time pair 3, 4) and his v1 bundle."""
    a = {k: h(v) for k, v in V["alice"]["random"]}
    b = {k: h(v) for k, v in V["bob"]["random"]}
    ot = {k: h(v) for k, v in V["bob"]["one_time_random"]}
    alice, bob = make_identity(a), make_identity(b)
    acct = R.Account(bob)
    acct.signed_prekeys[1] = b["signed_prekey_private"]
    acct.kem_prekeys[(R.KEM_LAST_RESORT, 2)] = b["last_resort_kem_seed"]
    acct.one_time_prekeys[3] = ot["one_time_prekey_private"]
    acct.kem_prekeys[(R.KEM_ONE_TIME, 4)] = ot["one_time_kem_seed"]
    bundle_v1 = R.encode_bundle(bob.record, R.signed_prekey(bob, 1, b["signed_prekey_private"]),
                                R.kem_prekey(bob, 4, R.KEM_ONE_TIME, ot["one_time_kem_seed"]),
                                R.one_time_prekey(3, ot["one_time_prekey_private"]))
    return alice, acct, bundle_v1


ALICE_ID, BOB_ID = h(V["alice_id"]), h(V["bob_id"])


class PqVectors(unittest.TestCase):
    def test_bundle(self):
        _, acct, bundle_v1 = vector_parties()
        bundle = P.encode_bundle_v2(bundle_v1)
        self.assertEqual(bundle.hex(), V["bundle"])
        self.assertEqual(len(bundle), 1526)
        caps, b = P.decode_bundle_any(bundle)
        self.assertEqual(caps, 1)
        self.assertEqual((b.spk_id, b.kem_id, b.kem_kind, b.opk_id), (1, 4, R.KEM_ONE_TIME, 3))
        self.assertEqual(P.without_capabilities(bundle), bundle_v1)
        # a version-1 decoder does not know kind 0x13
        with self.assertRaises(SottoError) as c:
            R.decode_bundle(bundle)
        self.assertEqual(c.exception.name, "WRONG_OBJECT_TYPE")
        # reserved bits are ignored, and the byte is kept as it is
        caps, _ = P.decode_bundle_any(bundle[:2] + b"\xfe" + bundle[3:])
        self.assertEqual(caps, 0xFE)
        # the rest is decoded exactly as §4.2
        for bad, err in ((bundle + b"\x00", "TRAILING_BYTES"), (bundle[:-1], "TRUNCATED"),
                         (bundle[:2], "TRUNCATED"), (b"\x02" + bundle[1:], "UNSUPPORTED_VERSION"),
                         (bundle[:1] + b"\x14" + bundle[2:], "WRONG_OBJECT_TYPE")):
            with self.assertRaises(SottoError) as c:
                P.decode_bundle_any(bad)
            self.assertEqual(c.exception.name, err)
        tampered = bytearray(bundle)
        tampered[3 + 130 + 10] ^= 1            # inside the signed prekey's key
        with self.assertRaises(SottoError) as c:
            P.decode_bundle_any(bytes(tampered))
        self.assertEqual(c.exception.name, "BAD_SIGNATURE")

    def test_conversation(self):
        alice, acct, bundle_v1 = vector_parties()
        bundle = P.encode_bundle_v2(bundle_v1)
        d = Draws(V["initiate"]["random"])
        sa = P.initiate(alice, bundle, ALICE_ID, BOB_ID, d)
        self.assertTrue(d.done())
        self.assertIsInstance(sa, P.SessionV2)
        self.assertEqual((sa.kem.E, sa.kem.phase), (0, P.P_KEYPAIR_DUE))
        sb = None
        msgs = V["messages"]
        sent = {}
        order = list(V["delivery_order"])
        self.assertEqual(sorted(order), list(range(len(msgs))))
        mixes = 0
        for m in msgs:
            i = m["number"]
            sender = sa if m["from"] == "alice" else sb
            d = Draws(m["random"])
            wire = sender.encrypt(h(m["plaintext"]), d)
            self.assertTrue(d.done(), f"message {i}: draws left")
            last = sender.last
            with self.subTest(message=i):
                self.assertEqual(wire.hex(), m["message"])
                self.assertEqual(last["field"].hex(), m["field"]["bytes"])
                t, e, idx, _ = P.parse_field(last["field"])
                self.assertEqual(P.FIELD_NAMES[t], m["field"]["type"])
                self.assertEqual((e, idx), (m["field"]["epoch"], m["field"]["index"]))
                self.assertEqual(last["hk"].hex(), m["header_key"])
                self.assertEqual(last["mk"].hex(), m["message_key"])
                self.assertEqual(sender.CKs.hex(), m["chain_key_after"])
                self.assertEqual(last["root_step"], "root_key_after" in m)
                if "root_key_after" in m:
                    self.assertEqual(sender.RK.hex(), m["root_key_after"])
                if "mix" in m:
                    mixes += 1
                    e, ss, th = last["mix"]
                    self.assertEqual((e, ss.hex(), th.hex()),
                                     (m["mix"]["epoch"], m["mix"]["shared_secret"],
                                      m["mix"]["transcript_hash"]))
                else:
                    self.assertIsNone(last["mix"])
                # framing: prekey messages until the first reply, then kind 0x12
                self.assertEqual(wire[1], R.KIND_PREKEY_MSG if sender.awaiting_reply else P.KIND_MSG_V2)
            sent[i] = (m, wire)
            while order and order[0] in sent:
                j = order.pop(0)
                mj, wj = sent[j]
                if mj["from"] == "alice":
                    if sb is None:
                        before = copy.deepcopy(acct.__dict__)
                        sb, pt = P.accept(acct, wj, BOB_ID, ALICE_ID)
                        self.assertIsInstance(sb, P.SessionV2)
                        self.assertNotIn(3, acct.one_time_prekeys)
                        self.assertNotIn((R.KEM_ONE_TIME, 4), acct.kem_prekeys)
                        self.assertIn((R.KEM_LAST_RESORT, 2), acct.kem_prekeys)
                        self.assertNotEqual(before, acct.__dict__)
                    else:
                        pt = sb.decrypt(wj)
                    recv = sb
                else:
                    pt = sa.decrypt(wj)
                    recv = sa
                with self.subTest(delivery=j):
                    self.assertEqual(pt.hex(), mj["plaintext"])
                    self.assertEqual(recv.last["mk"].hex(), mj["message_key"])
                    if "mix" in mj:
                        e, ss, th = recv.last["mix"]
                        self.assertEqual((e, ss.hex(), th.hex()),
                                         (mj["mix"]["epoch"], mj["mix"]["shared_secret"],
                                          mj["mix"]["transcript_hash"]))
                    if "root_key_after" in mj:
                        # the receiving half of that DH step: the receiver's root
                        # key is the sender's key before the step, so only check
                        # that a step ran (case b)
                        self.assertEqual(recv.last["case"], "b")
        self.assertEqual(order, [])
        self.assertEqual(mixes, 1)
        f = V["final"]
        self.assertEqual((sa.kem.E, sb.kem.E), (f["alice_kem_epoch"], f["bob_kem_epoch"]))
        self.assertEqual(sa.RK.hex(), f["alice_root_key"])
        self.assertEqual(sb.RK.hex(), f["bob_root_key"])
        # the sessions continue after a seal / unseal round trip in format 2
        key = bytes(range(32))
        for s in (sa, sb):
            state = s.serialize()
            self.assertEqual(state[0], 2)
            s2 = P.unseal_session(key, P.seal_session(key, s, bytes(24)))
            self.assertEqual(s2.serialize(), state)


if __name__ == "__main__":
    unittest.main()
