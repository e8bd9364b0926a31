"""Recompute tests/vectors/sotto-v1.json with the independent Python implementation.

Run from this directory:  python -m unittest -v test_vectors
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import unittest

import sotto_ref as S

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("SOTTO_VECTORS",
                         os.path.join(HERE, "..", "..", "tests", "vectors", "sotto-v1.json"))

with open(VECTORS, encoding="utf-8") as fh:
    V = json.load(fh)


def H(x):
    return None if x is None else bytes.fromhex(x)


class Draws:
    """Replays recorded random inputs in order; fails if more or other lengths are drawn."""

    def __init__(self, *values: bytes):
        self.values = list(values)

    def __call__(self, n: int) -> bytes:
        if not self.values:
            raise AssertionError(f"unexpected draw of {n} bytes")
        v = self.values.pop(0)
        if len(v) != n:
            raise AssertionError(f"draw of {n} bytes, recorded value has {len(v)}")
        return v

    def done(self) -> bool:
        return not self.values


ALICE_ID = H(V["context"]["alice_id"])
BOB_ID = H(V["context"]["bob_id"])
AR = V["alice"]["random"]
BR = V["bob"]["account"]["random"]
OR = V["bob"]["one_time_prekeys"]["random"]


def alice_identity() -> S.Identity:
    return S.Identity(H(AR["identity_signing_seed"]), H(AR["identity_agreement_private"]))


def bob_identity() -> S.Identity:
    return S.Identity(H(BR["identity_signing_seed"]), H(BR["identity_agreement_private"]))


# Identifier assignment (§4.1, §13): one counter from 1; create account assigns
# the signed prekey (1) and the last-resort ML-KEM prekey (2); one one-time
# pair then gets X25519 (3) and ML-KEM (4).
SPK_ID, LR_ID, OPK_ID, OTK_ID = 1, 2, 3, 4


def bob_account() -> S.Account:
    acc = S.Account(bob_identity())
    acc.signed_prekeys[SPK_ID] = H(BR["signed_prekey_private"])
    acc.kem_prekeys[(S.KEM_LAST_RESORT, LR_ID)] = H(BR["last_resort_kem_seed"])
    acc.one_time_prekeys[OPK_ID] = H(OR["one_time_prekey_private"])
    acc.kem_prekeys[(S.KEM_ONE_TIME, OTK_ID)] = H(OR["one_time_kem_seed"])
    return acc


def bob_bundle(with_opk: bool) -> bytes:
    b = bob_identity()
    spk = S.signed_prekey(b, SPK_ID, H(BR["signed_prekey_private"]))
    if with_opk:
        kpk = S.kem_prekey(b, OTK_ID, S.KEM_ONE_TIME, H(OR["one_time_kem_seed"]))
        opk = S.one_time_prekey(OPK_ID, H(OR["one_time_prekey_private"]))
    else:
        kpk = S.kem_prekey(b, LR_ID, S.KEM_LAST_RESORT, H(BR["last_resort_kem_seed"]))
        opk = None
    return S.encode_bundle(b.record, spk, kpk, opk)


# --------------------------------------------------------------------------

class TestPrimitives(unittest.TestCase):
    def test_x25519_rejects_all_zero_output(self):
        with self.assertRaises(S.SottoError) as cm:
            S.x25519_dh(bytes(range(32)), bytes(32))  # u = 0 is of low order
        self.assertEqual(cm.exception.name, "NON_CONTRIBUTORY")
        with self.assertRaises(S.SottoError):
            S.x25519_dh(bytes(range(32)), (1).to_bytes(32, "little"))

    def test_x25519_masks_top_bit_of_u(self):
        u = bytearray(S.x25519_base(bytes(range(1, 33))))
        plain = S.x25519_dh(bytes(range(32)), bytes(u))
        u[31] |= 0x80
        self.assertEqual(S.x25519_dh(bytes(range(32)), bytes(u)), plain)

    def test_mlkem_implicit_rejection(self):
        hv = V["handshake_with_one_time_prekey"]
        _, dk = S.mlkem_keygen(H(OR["one_time_kem_seed"]))
        ct = H(hv["kem_ciphertext"])
        self.assertEqual(S.mlkem_decaps(dk, ct).hex(), hv["kem_shared_secret"])
        bad = S.mlkem_decaps(dk, ct[:-1] + bytes([ct[-1] ^ 1]))
        self.assertEqual(len(bad), 32)
        self.assertNotEqual(bad.hex(), hv["kem_shared_secret"])

    def test_padme_examples(self):
        # §8 examples
        for L, P in [(1, 32), (33, 36), (101, 104), (1000, 1024), (1025, 1088)]:
            self.assertEqual(S.padme(L), P, L)

    def test_padding_roundtrip_and_rejects(self):
        for n in (0, 1, 31, 32, 100, 1000):
            self.assertEqual(S.unpad(S.pad(b"x" * n)), b"x" * n)
        for bad in (bytes(32), b"abc" + bytes(29), b"\x80\x01" + bytes(30)):
            with self.assertRaises(S.SottoError):
                S.unpad(bad)

    def test_message_overhead(self):
        # §7.2: a 100-byte plaintext becomes a 202-byte message
        self.assertEqual(82 + S.padme(101) + 16, 202)


class TestKeysAndBundles(unittest.TestCase):
    def test_alice_identity_key_and_record(self):
        a = alice_identity()
        self.assertEqual(a.key.hex(), V["alice"]["identity_key"])
        self.assertEqual(a.record.hex(), V["alice"]["identity_record"])
        S.decode_identity_record(a.record)

    def test_bob_identity_key_and_record(self):
        b = bob_identity()
        self.assertEqual(b.key.hex(), V["bob"]["account"]["identity_key"])
        self.assertEqual(b.record.hex(), V["bob"]["account"]["identity_record"])
        S.decode_identity_record(b.record)

    def test_identity_record_bad_binding_rejected(self):
        rec = bytearray(bob_identity().record)
        rec[-1] ^= 1
        with self.assertRaises(S.SottoError) as cm:
            S.decode_identity_record(bytes(rec))
        self.assertEqual(cm.exception.name, "BAD_SIGNATURE")
        # a small-order signing key is refused
        rec = bytearray(bob_identity().record)
        rec[1:33] = bytes.fromhex("01" + "00" * 31)
        with self.assertRaises(S.SottoError) as cm:
            S.decode_identity_record(bytes(rec))
        self.assertEqual(cm.exception.name, "INVALID_KEY")

    def test_alice_signed_prekey(self):
        self.assertEqual(S.signed_prekey(alice_identity(), SPK_ID,
                                         H(AR["signed_prekey_private"])).hex(),
                         V["alice"]["signed_prekey"])

    def test_alice_last_resort_kem_prekey(self):
        self.assertEqual(S.kem_prekey(alice_identity(), LR_ID, S.KEM_LAST_RESORT,
                                      H(AR["last_resort_kem_seed"])).hex(),
                         V["alice"]["last_resort_kem_prekey"])

    def test_bob_signed_prekey(self):
        self.assertEqual(S.signed_prekey(bob_identity(), SPK_ID,
                                         H(BR["signed_prekey_private"])).hex(),
                         V["bob"]["account"]["signed_prekey"])

    def test_bob_last_resort_kem_prekey(self):
        self.assertEqual(S.kem_prekey(bob_identity(), LR_ID, S.KEM_LAST_RESORT,
                                      H(BR["last_resort_kem_seed"])).hex(),
                         V["bob"]["account"]["last_resort_kem_prekey"])

    def test_bob_one_time_prekey(self):
        self.assertEqual(S.one_time_prekey(OPK_ID, H(OR["one_time_prekey_private"])).hex(),
                         V["bob"]["one_time_prekeys"]["one_time_prekey"])

    def test_bob_one_time_kem_prekey(self):
        self.assertEqual(S.kem_prekey(bob_identity(), OTK_ID, S.KEM_ONE_TIME,
                                      H(OR["one_time_kem_seed"])).hex(),
                         V["bob"]["one_time_prekeys"]["one_time_kem_prekey"])

    def test_bundle_with_one_time_prekey(self):
        b = bob_bundle(True)
        self.assertEqual(len(b), 1525)
        self.assertEqual(b.hex(), V["bob"]["bundle_with_one_time_prekey"])
        self.assertEqual(b.hex(), V["handshake_with_one_time_prekey"]["bundle"])
        d = S.decode_bundle(b)
        self.assertEqual((d.spk_id, d.kem_id, d.kem_kind, d.opk_id),
                         (SPK_ID, OTK_ID, S.KEM_ONE_TIME, OPK_ID))

    def test_bundle_without_one_time_prekey(self):
        b = bob_bundle(False)
        self.assertEqual(len(b), 1488)
        self.assertEqual(b.hex(), V["bob"]["bundle_without_one_time_prekey"])
        self.assertEqual(b.hex(), V["handshake_without_one_time_prekey"]["bundle"])
        d = S.decode_bundle(b)
        self.assertEqual((d.spk_id, d.kem_id, d.kem_kind, d.opk_id),
                         (SPK_ID, LR_ID, S.KEM_LAST_RESORT, None))

    def test_bundle_rejections(self):
        good = bob_bundle(True)
        cases = {
            "TRAILING_BYTES": good + b"\x00",
            "TRUNCATED": good[:-1],
            "UNSUPPORTED_VERSION": b"\x02" + good[1:],
            "WRONG_OBJECT_TYPE": good[:1] + b"\x02" + good[2:],
        }
        spk_sig = bytearray(good)
        spk_sig[2 + 130 + 40] ^= 1            # inside the signed-prekey signature
        cases["BAD_SIGNATURE"] = bytes(spk_sig)
        kem_kind = bytearray(good)
        kem_kind[2 + 130 + 101 + 4] = 0x03    # kem kind byte
        cases["MALFORMED"] = bytes(kem_kind)
        bad_flag = bytearray(good[:-37])
        bad_flag[-1] = 2
        cases["MALFORMED "] = bytes(bad_flag)
        for name, data in cases.items():
            with self.assertRaises(S.SottoError, msg=name) as cm:
                S.decode_bundle(data)
            self.assertEqual(cm.exception.name, name.strip())

    def test_mlkem_modulus_check(self):
        ek = bytearray(S.mlkem_keygen(H(BR["last_resort_kem_seed"]))[0])
        S.mlkem_check_ek(bytes(ek))
        ek[0], ek[1] = 0xFF, ek[1] | 0x0F     # first coefficient 4095 >= q
        with self.assertRaises(S.SottoError) as cm:
            S.mlkem_check_ek(bytes(ek))
        self.assertEqual(cm.exception.name, "INVALID_KEY")


# --------------------------------------------------------------------------

def _handshake_test(name: str, with_opk: bool):
    hv = V[name]
    rnd = hv["random"]

    def draws_for_initiate():
        return Draws(H(rnd["base_key_private"]), H(rnd["kem_encapsulation_randomness"]),
                     H(rnd["initiator_ratchet_private"]))

    if with_opk:  # its first message is the conversation's message 0
        m0 = V["conversation"]["messages"][0]
        first_pt, first_nonce = H(m0["plaintext"]), H(m0["random"]["nonce"])
    else:
        first_pt = H(hv["first_message_plaintext"])
        first_nonce = H(hv["first_message_random"]["nonce"])

    class T(unittest.TestCase):
        def _initiate(self):
            d = draws_for_initiate()
            s = S.initiate(alice_identity(), H(hv["bundle"]), ALICE_ID, BOB_ID, d)
            self.assertTrue(d.done())
            return s

        def _check(self, info, initiator: bool):
            dh = info["dh"]
            self.assertEqual(dh[0].hex(), hv["dh1"])
            self.assertEqual(dh[1].hex(), hv["dh2"])
            self.assertEqual(dh[2].hex(), hv["dh3"])
            self.assertEqual(dh[3].hex() if len(dh) == 4 else None, hv["dh4"])
            self.assertEqual(info["ct"].hex(), hv["kem_ciphertext"])
            self.assertEqual(info["ss"].hex(), hv["kem_shared_secret"])
            self.assertEqual(info["ad_hash"].hex(), hv["ad_hash"])
            self.assertEqual(info["transcript_hash"].hex(), hv["transcript_hash"])
            self.assertEqual(info["root_key"].hex(), hv["root_key"])
            self.assertEqual(info["hk_a"].hex(), hv["initiator_header_key"])
            self.assertEqual(info["nhk_b"].hex(), hv["responder_header_key"])
            if initiator:
                self.assertEqual(info["base_key_public"].hex(), hv["base_key_public"])

        def test_initiator_intermediates(self):
            s = self._initiate()
            self._check(s.handshake_info, True)
            self.assertEqual(s.session_id.hex(), hv["session_id"])

        def test_initiator_first_message(self):
            s = self._initiate()
            msg = s.encrypt(first_pt, Draws(first_nonce))
            self.assertEqual(msg.hex(), hv["first_message"])
            header_len = 1267 if with_opk else 1263
            self.assertEqual(S.session_id_of(msg[:header_len]).hex(), hv["session_id"])

        def test_responder_accepts_first_message(self):
            acc = bob_account()
            s, pt = S.accept(acc, H(hv["first_message"]), BOB_ID, ALICE_ID)
            self.assertEqual(pt, first_pt)
            self._check(s.handshake_info, False)
            self.assertEqual(s.session_id.hex(), hv["session_id"])
            # §5.3 step 5: one-time keys used are deleted, last resort kept
            self.assertEqual(OPK_ID in acc.one_time_prekeys, not with_opk)
            self.assertEqual((S.KEM_ONE_TIME, OTK_ID) in acc.kem_prekeys, not with_opk)
            self.assertIn((S.KEM_LAST_RESORT, LR_ID), acc.kem_prekeys)
            # §4.3: the same first message cannot create a second session
            with self.assertRaises(S.SottoError) as cm:
                S.accept(acc, H(hv["first_message"]), BOB_ID, ALICE_ID)
            self.assertEqual(cm.exception.name, "DUPLICATE_MESSAGE")

        def test_responder_rejects_misbound_context(self):
            acc = bob_account()
            with self.assertRaises(S.SottoError) as cm:
                S.accept(acc, H(hv["first_message"]), b"mallory", ALICE_ID)
            self.assertEqual(cm.exception.name, "DECRYPTION_FAILED")
            self.assertIn(OPK_ID, acc.one_time_prekeys)   # account unchanged
            self.assertEqual(acc.accepted_base_keys, {})

    T.__name__ = T.__qualname__ = "TestHandshake_" + name
    return T


TestHandshakeWithOneTimePrekey = _handshake_test("handshake_with_one_time_prekey", True)
TestHandshakeWithoutOneTimePrekey = _handshake_test("handshake_without_one_time_prekey", False)


# --------------------------------------------------------------------------
# Conversation: run conversation.schedule once, then check every output.

CONV = V["conversation"]
MSGS = CONV["messages"]


class Conversation:
    """Both sides of the vector conversation, driven by the schedule."""

    def __init__(self):
        hs = V["handshake_with_one_time_prekey"]["random"]
        self.alice = S.initiate(alice_identity(), H(V["bob"]["bundle_with_one_time_prekey"]),
                                ALICE_ID, BOB_ID,
                                Draws(H(hs["base_key_private"]),
                                      H(hs["kem_encapsulation_randomness"]),
                                      H(hs["initiator_ratchet_private"])))
        self.bob_account = bob_account()
        self.bob = None
        self.sent = {}       # i -> (bytes, sender snapshot)
        self.received = {}   # i -> (plaintext, receiver snapshot)
        self.sealed_state = None
        self.bob_after_seal = None
        for step in CONV["schedule"]:
            if step["action"] == "send":
                self.send(step["message"])
            elif step["action"] == "deliver":
                self.deliver(step["message"])
            elif step["action"] == "seal_bob":
                self.sealed_state = self.bob.serialize()
            else:
                raise AssertionError(step)

    def send(self, i):
        m = MSGS[i]
        s = self.alice if m["from"] == "alice" else self.bob
        r = m["random"]
        draws = Draws(*([H(r["ratchet_private"])] if "ratchet_private" in r else []),
                      H(r["nonce"]))
        out = s.encrypt(H(m["plaintext"]), draws)
        assert draws.done(), f"message {i}: recorded draws not consumed"
        self.sent[i] = (out, dict(s.last, root_key=s.RK, chain_key=s.CKs))

    def deliver(self, i):
        m = MSGS[i]
        data = self.sent[i][0]
        if m["from"] == "alice":
            if self.bob is None:
                self.bob, pt = S.accept(self.bob_account, data, BOB_ID, ALICE_ID)
            else:
                pt = self.bob.decrypt(data)
            s = self.bob
        else:
            s = self.alice
            pt = s.decrypt(data)
        self.received[i] = (pt, dict(s.last))


_conv = None


def conversation() -> Conversation:
    global _conv
    if _conv is None:
        _conv = Conversation()
    return _conv


class TestConversation(unittest.TestCase):
    def test_schedule_consistent(self):
        deliveries = [s["message"] for s in CONV["schedule"] if s["action"] == "deliver"]
        self.assertEqual(deliveries, CONV["delivery_order"])
        c = conversation()
        self.assertEqual(sorted(c.received), list(range(len(MSGS))))


def _send_test(i):
    m = MSGS[i]

    def test(self):
        out, snap = conversation().sent[i]
        self.assertEqual(snap["header"].hex(), m["header"]["bytes"])
        self.assertEqual(snap["header"][:32].hex(), m["header"]["ratchet_key"])
        self.assertEqual(int.from_bytes(snap["header"][32:36], "big"),
                         m["header"]["previous_chain_length"])
        self.assertEqual(int.from_bytes(snap["header"][36:], "big"), m["header"]["index"])
        self.assertEqual(snap["padded"].hex(), m["padded_plaintext"])
        self.assertEqual(snap["mk"].hex(), m["sender"]["message_key"])
        self.assertEqual(snap["chain_key"].hex(), m["sender"]["chain_key"])
        self.assertEqual(snap["root_key"].hex(), m["sender"]["root_key"])
        self.assertEqual(out.hex(), m["message"])
        is_prekey = out[1] == S.KIND_PREKEY_MSG
        self.assertEqual("prekey" if is_prekey else "normal", m["message_type"])
        body = out[-(82 + len(m["body_ciphertext"]) // 2):]
        self.assertEqual(body[26:82].hex(), m["header_ciphertext"])
        self.assertEqual(body[82:].hex(), m["body_ciphertext"])
    return test


def _deliver_test(i):
    m = MSGS[i]

    def test(self):
        pt, snap = conversation().received[i]
        self.assertEqual(pt.hex(), m["plaintext"])
        self.assertEqual(snap["mk"].hex(), m["receiver"]["message_key"])
        rk = snap.get("root_key")
        self.assertEqual(rk.hex() if rk else None, m["receiver"]["root_key"])
        # chain_key is null exactly when a stored skipped key was used
        self.assertEqual(snap["skipped_key_used"], m["receiver"]["chain_key"] is None)
        ck = snap["chain_key"]
        self.assertEqual(ck.hex() if ck else None, m["receiver"]["chain_key"])
    return test


for _i in range(len(MSGS)):
    setattr(TestConversation, f"test_message_{_i:02d}_send", _send_test(_i))
    setattr(TestConversation, f"test_message_{_i:02d}_deliver", _deliver_test(_i))


class TestNegative(unittest.TestCase):
    """Replay and tamper checks against fresh copies of the conversation's sessions."""

    def _bob_after_first_two(self):
        c = conversation()
        acc = bob_account()
        bob, _ = S.accept(acc, c.sent[1][0], BOB_ID, ALICE_ID)
        return bob

    def test_tampered_body_fails_and_state_unchanged(self):
        bob = self._bob_after_first_two()
        before = bob.serialize()
        msg = bytearray(conversation().sent[0][0])
        msg[-1] ^= 0x01
        with self.assertRaises(S.SottoError) as cm:
            bob.decrypt(bytes(msg))
        self.assertEqual(cm.exception.name, "DECRYPTION_FAILED")
        self.assertEqual(bob.serialize(), before)
        self.assertEqual(bob.decrypt(conversation().sent[0][0]), H(MSGS[0]["plaintext"]))

    def test_tampered_header_ciphertext_fails(self):
        bob = self._bob_after_first_two()
        msg = bytearray(conversation().sent[0][0])
        msg[1267 + 30] ^= 0x01                # inside EH of the embedded message
        with self.assertRaises(S.SottoError) as cm:
            bob.decrypt(bytes(msg))
        self.assertEqual(cm.exception.name, "DECRYPTION_FAILED")

    def test_tampered_prekey_header_is_session_mismatch(self):
        bob = self._bob_after_first_two()
        msg = bytearray(conversation().sent[0][0])
        msg[1267 - 1] ^= 0x01                 # last byte of CT
        with self.assertRaises(S.SottoError) as cm:
            bob.decrypt(bytes(msg))
        self.assertEqual(cm.exception.name, "SESSION_MISMATCH")

    def test_replay_is_duplicate(self):
        bob = self._bob_after_first_two()
        with self.assertRaises(S.SottoError) as cm:
            bob.decrypt(conversation().sent[1][0])      # current chain, n < Nr
        self.assertEqual(cm.exception.name, "DUPLICATE_MESSAGE")
        bob.decrypt(conversation().sent[0][0])          # skipped key, used once
        with self.assertRaises(S.SottoError) as cm:
            bob.decrypt(conversation().sent[0][0])
        self.assertEqual(cm.exception.name, "DUPLICATE_MESSAGE")

    def test_replay_of_old_chain_message_after_conversation(self):
        # message 18 was delivered last among Alice's chain; replay to the final Bob
        c = conversation()
        for i in (16, 18, 22):
            with self.assertRaises(S.SottoError) as cm:
                c.bob.decrypt(c.sent[i][0])
            self.assertEqual(cm.exception.name, "DUPLICATE_MESSAGE", i)

    def test_prekey_message_to_initiator_is_session_mismatch(self):
        c = conversation()
        with self.assertRaises(S.SottoError) as cm:
            c.alice.decrypt(c.sent[0][0])
        self.assertEqual(cm.exception.name, "SESSION_MISMATCH")

    def test_message_framing_rejections(self):
        m = conversation().sent[5][0]
        for name, data in {"UNSUPPORTED_VERSION": b"\x02" + m[1:],
                           "WRONG_OBJECT_TYPE": m[:1] + b"\x04" + m[2:],
                           "TRUNCATED": m[:97]}.items():
            with self.assertRaises(S.SottoError) as cm:
                S.decode_message(data)
            self.assertEqual(cm.exception.name, name)


class TestBounds(unittest.TestCase):
    """§6.5/§6.6 bounds on copies of the final conversation state (self-generated
    messages with fresh randomness; these are consistency checks, not vectors)."""

    def setUp(self):
        c = conversation()
        self.alice, self.bob = copy.deepcopy(c.alice), copy.deepcopy(c.bob)

    @staticmethod
    def burst(sender, k):
        return [sender.encrypt(b"m%d" % i, os.urandom) for i in range(k)]

    def test_too_far_ahead_is_transactional(self):
        msgs = self.burst(self.alice, 1002)
        before = self.bob.serialize()
        with self.assertRaises(S.SottoError) as cm:
            self.bob.decrypt(msgs[1001])         # skips 1001 keys in the new chain
        self.assertEqual(cm.exception.name, "TOO_FAR_AHEAD")
        self.assertEqual(self.bob.serialize(), before)
        self.assertEqual(self.bob.decrypt(msgs[1000]), b"m1000")   # skips exactly 1000
        self.assertEqual(self.bob.decrypt(msgs[3]), b"m3")

    def test_eviction_oldest_chain_first(self):
        first = self.burst(self.alice, 1001)
        self.assertEqual(self.bob.decrypt(first[1000]), b"m1000")   # 1000 stored
        for _ in range(2):                       # two more chains of 1000 skipped keys
            self.alice.decrypt(self.bob.encrypt(b"ack", os.urandom))
            chain = self.burst(self.alice, 1001)
            self.assertEqual(self.bob.decrypt(chain[1000]), b"m1000")
        stored = sum(len(c.skipped) for c in self.bob._chains_oldest_first())
        self.assertEqual(stored, 2000)
        # the oldest chain's keys went first: its header still opens -> duplicate
        with self.assertRaises(S.SottoError) as cm:
            self.bob.decrypt(first[0])
        self.assertEqual(cm.exception.name, "DUPLICATE_MESSAGE")
        self.assertEqual(self.bob.decrypt(chain[0]), b"m0")
        roundtrip = S.Session.deserialize(self.bob.serialize())
        self.assertEqual(roundtrip.serialize(), self.bob.serialize())

    def test_retired_chains_bounded(self):
        late = self.burst(self.alice, 2)         # keep msg 0 of this chain for later
        self.bob.decrypt(late[1])
        for _ in range(6):                       # six more DH steps on Bob's side
            self.alice.decrypt(self.bob.encrypt(b"x", os.urandom))
            self.bob.decrypt(self.alice.encrypt(b"y", os.urandom))
        self.assertEqual(len(self.bob.retired), 5)
        with self.assertRaises(S.SottoError) as cm:
            self.bob.decrypt(late[0])            # its chain was forgotten
        self.assertEqual(cm.exception.name, "DECRYPTION_FAILED")


# --------------------------------------------------------------------------

class TestSafetyNumber(unittest.TestCase):
    SN = V["safety_number"]

    def setUp(self):
        self.a = S.safety_number(alice_identity().key, bob_identity().key)
        self.b = S.safety_number(bob_identity().key, alice_identity().key)

    def test_identities(self):
        self.assertEqual(alice_identity().record.hex(), self.SN["alice_identity"])
        self.assertEqual(bob_identity().record.hex(), self.SN["bob_identity"])

    def test_fingerprints(self):
        self.assertEqual(self.a["local_fingerprint"].hex(), self.SN["alice_fingerprint"])
        self.assertEqual(self.a["remote_fingerprint"].hex(), self.SN["bob_fingerprint"])

    def test_digits_and_display(self):
        for s in (self.a, self.b):
            self.assertEqual(s["digits"], self.SN["digits"])
            self.assertEqual(s["display"], self.SN["display"])

    def test_emoji(self):
        for s in (self.a, self.b):
            self.assertEqual(s["emoji_indexes"], self.SN["emoji_indexes"])
            self.assertEqual(s["emoji"], self.SN["emoji"])
            self.assertEqual(s["emoji_names"], self.SN["emoji_names"])

    def test_qr_payloads(self):
        self.assertEqual(self.a["qr_payload"].hex(), self.SN["qr_payload_alice"])
        self.assertEqual(self.b["qr_payload"].hex(), self.SN["qr_payload_bob"])
        self.assertTrue(S.qr_accepts(self.a, self.b["qr_payload"]))
        self.assertTrue(S.qr_accepts(self.b, self.a["qr_payload"]))
        self.assertFalse(S.qr_accepts(self.a, self.a["qr_payload"]))


class TestSealedSession(unittest.TestCase):
    SV = V["sealed_session"]

    def test_seal_point_matches_schedule(self):
        deliveries = 0
        for step in CONV["schedule"]:
            if step["action"] == "deliver":
                deliveries += 1
            if step["action"] == "seal_bob":
                break
        self.assertEqual(deliveries, self.SV["after_delivery_step"])

    def test_our_bob_state_serializes_to_vector(self):
        self.assertEqual(conversation().sealed_state.hex(), self.SV["serialized"])

    def test_unseal(self):
        pt = S.unseal(H(self.SV["storage_key"]), S.KIND_SEALED_SESSION, H(self.SV["sealed"]))
        self.assertEqual(pt.hex(), self.SV["serialized"])

    def test_reseal_with_recorded_nonce(self):
        out = S.seal(H(self.SV["storage_key"]), S.KIND_SEALED_SESSION,
                     H(self.SV["serialized"]), H(self.SV["random"]["nonce"]))
        self.assertEqual(out.hex(), self.SV["sealed"])

    def test_unseal_failures(self):
        sealed = H(self.SV["sealed"])
        with self.assertRaises(S.SottoError) as cm:
            S.unseal(bytes(32), S.KIND_SEALED_SESSION, sealed)
        self.assertEqual(cm.exception.name, "UNSEAL_FAILED")
        with self.assertRaises(S.SottoError) as cm:
            S.unseal(H(self.SV["storage_key"]), S.KIND_SEALED_ACCOUNT, sealed)
        self.assertEqual(cm.exception.name, "WRONG_OBJECT_TYPE")
        relabelled = sealed[:1] + b"\x04" + sealed[2:]
        with self.assertRaises(S.SottoError) as cm:
            S.unseal(H(self.SV["storage_key"]), S.KIND_SEALED_ACCOUNT, relabelled)
        self.assertEqual(cm.exception.name, "UNSEAL_FAILED")

    def test_parse_roundtrip(self):
        s = S.Session.deserialize(H(self.SV["serialized"]))
        self.assertEqual(s.serialize().hex(), self.SV["serialized"])
        self.assertEqual(s.role, S.ROLE_RESPONDER)
        self.assertEqual(s.session_id.hex(), V["handshake_with_one_time_prekey"]["session_id"])

    def test_then_decrypt(self):
        s = S.Session.deserialize(
            S.unseal(H(self.SV["storage_key"]), S.KIND_SEALED_SESSION, H(self.SV["sealed"])))
        for item in self.SV["then_decrypt"]:
            self.assertEqual(s.decrypt(H(item["message"])).hex(), item["plaintext"])
        # and they are exactly the messages delivered after the seal in the schedule
        c = conversation()
        seal_at = [st["action"] for st in CONV["schedule"]].index("seal_bob")
        after = [st["message"] for st in CONV["schedule"][seal_at + 1:]
                 if st["action"] == "deliver" and MSGS[st["message"]]["from"] == "alice"]
        msgs = [c.sent[i][0].hex() for i in after[:len(self.SV["then_decrypt"])]]
        self.assertEqual(msgs, [t["message"] for t in self.SV["then_decrypt"]])

    def test_deserialize_rejects_bad_input(self):
        ser = H(self.SV["serialized"])
        for name, data in {"UNSUPPORTED_VERSION": b"\x02" + ser[1:],
                           "TRAILING_BYTES": ser + b"\x00",
                           "TRUNCATED": ser[:-1]}.items():
            with self.assertRaises(S.SottoError) as cm:
                S.Session.deserialize(data)
            self.assertEqual(cm.exception.name, name)


if __name__ == "__main__":
    unittest.main()


class TestReplayProtection(unittest.TestCase):
    """§4.3 / §5.3: a replayed first message never opens a second session.

    A malicious server withholds one-time prekeys (bundle without them) and
    opens many sessions of its own between Alice's first message and its
    replay; the base keys are remembered per signed prekey, never trimmed,
    and a signed prekey accepts at most 1000 sessions.
    """

    def _first_message(self, identity: S.Identity, seed: int) -> bytes:
        rnd = hashlib.sha256(b"interop replay %d" % seed).digest()
        draw = Draws(rnd, hashlib.sha256(rnd).digest(), hashlib.sha256(b"r" + rnd).digest(),
                     hashlib.sha256(b"n" + rnd).digest()[:24])
        s = S.initiate(identity, bob_bundle(False), ALICE_ID, BOB_ID, draw)
        return s.encrypt(b"hi", draw)

    def test_replay_after_many_sessions_and_exhaustion(self):
        acc = bob_account()
        alice = alice_identity()
        first = self._first_message(alice, 0)
        S.accept(acc, first, BOB_ID, ALICE_ID)
        # 257 sessions of the server's own: more than the 256 base keys the
        # earlier rule remembered.
        for i in range(1, 258):
            S.accept(acc, self._first_message(alice, i), BOB_ID, ALICE_ID)
        with self.assertRaises(S.SottoError) as cm:
            S.accept(acc, first, BOB_ID, ALICE_ID)
        self.assertEqual(cm.exception.name, "DUPLICATE_MESSAGE")
        # Fill the signed prekey's list to the bound with other base keys.
        accepted = acc.accepted_base_keys[SPK_ID]
        self.assertEqual(len(accepted), 258)
        while len(accepted) < S.MAX_SESSIONS_PER_SIGNED_PREKEY:
            accepted.append(hashlib.sha256(b"filler %d" % len(accepted)).digest())
        with self.assertRaises(S.SottoError) as cm:
            S.accept(acc, self._first_message(alice, 9999), BOB_ID, ALICE_ID)
        self.assertEqual(cm.exception.name, "PREKEY_EXHAUSTED")
        with self.assertRaises(S.SottoError) as cm:
            S.accept(acc, first, BOB_ID, ALICE_ID)
        self.assertEqual(cm.exception.name, "DUPLICATE_MESSAGE")
        # Deleting the signed prekey deletes its list; the replay is then an
        # unknown prekey, still no session.
        acc.delete_signed_prekey(SPK_ID)
        with self.assertRaises(S.SottoError) as cm:
            S.accept(acc, first, BOB_ID, ALICE_ID)
        self.assertEqual(cm.exception.name, "UNKNOWN_PREKEY")
