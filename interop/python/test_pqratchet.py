"""Reproduce tests/vectors/sotto-v2-pqratchet.json from PROTOCOL.md §22 alone."""

from __future__ import annotations

import json
import os
import unittest

import pqratchet as P
import sotto_ref as S
from sotto_ref import SottoError

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("SOTTO_PQ_VECTORS",
                         os.path.join(HERE, "..", "..", "tests", "vectors", "sotto-v2-pqratchet.json"))
with open(VECTORS, encoding="utf-8") as fh:
    V = json.load(fh)
H = bytes.fromhex


def draws(random) -> dict:
    return {name: H(value) for name, value in random}


class Tape:
    def __init__(self, random):
        self.data = [H(value) for _, value in random]

    def __call__(self, n: int) -> bytes:
        out = self.data.pop(0)
        assert len(out) == n, (len(out), n)
        return out


class PqRatchetVectors(unittest.TestCase):
    def setUp(self):
        a = draws(V["alice"]["random"])
        b = draws(V["bob"]["random"])
        ot = draws(V["bob"]["one_time_random"])
        self.alice = S.Identity(a["identity_signing_seed"], a["identity_agreement_private"])
        bob_id = S.Identity(b["identity_signing_seed"], b["identity_agreement_private"])
        bob = S.Account(bob_id)
        # §4.1/§13 identifiers: signed prekey 1, last resort 2, then 3 (X25519), 4 (ML-KEM)
        bob.signed_prekeys[1] = b["signed_prekey_private"]
        bob.kem_prekeys[(S.KEM_LAST_RESORT, 2)] = b["last_resort_kem_seed"]
        bob.one_time_prekeys[3] = ot["one_time_prekey_private"]
        bob.kem_prekeys[(S.KEM_ONE_TIME, 4)] = ot["one_time_kem_seed"]
        self.bob = bob
        v1_bundle = S.encode_bundle(bob_id.record,
                                    S.signed_prekey(bob_id, 1, b["signed_prekey_private"]),
                                    S.kem_prekey(bob_id, 4, S.KEM_ONE_TIME, ot["one_time_kem_seed"]),
                                    S.one_time_prekey(3, ot["one_time_prekey_private"]))
        self.bundle = P.encode_bundle_v2(P.CAP_PQ_RATCHET, v1_bundle)

    def test_bundle_with_capability(self):
        self.assertEqual(self.bundle.hex(), V["bundle"])
        caps, _ = P.decode_bundle_v2(self.bundle)
        self.assertEqual(caps, 1)

    def test_conversation(self):
        ids = H(V["alice_id"]), H(V["bob_id"])
        a = P.initiate(self.alice, self.bundle, ids[0], ids[1], Tape(V["initiate"]["random"]))
        b = None
        msgs = V["messages"]
        sent = []
        order = V["delivery_order"]
        delivered = 0
        for entry in msgs:
            sender = a if entry["from"] == "alice" else b
            tape = Tape(entry["random"])
            message = sender.encrypt(H(entry["plaintext"]), tape)
            self.assertEqual(tape.data, [])
            last = sender.last
            self.assertEqual(last["field"].hex(), entry["field"]["bytes"], entry["number"])
            self.assertEqual(last["mk"].hex(), entry["message_key"], entry["number"])
            self.assertEqual(last["ck"].hex(), entry["chain_key_after"], entry["number"])
            if "root_key_after" in entry:
                self.assertEqual(last["root_key"].hex(), entry["root_key_after"])
            if "mix" in entry:
                epoch, ss, th = last["mix"]
                self.assertEqual(epoch, entry["mix"]["epoch"])
                self.assertEqual(ss.hex(), entry["mix"]["shared_secret"])
                self.assertEqual(th.hex(), entry["mix"]["transcript_hash"])
            else:
                self.assertIsNone(last["mix"])
            self.assertEqual(message.hex(), entry["message"], entry["number"])
            sent.append(message)
            while delivered < len(order) and order[delivered] < len(sent):
                n = order[delivered]
                to_bob = msgs[n]["from"] == "alice"
                if to_bob and b is None:
                    b, pt = P.accept(self.bob, sent[n], ids[1], ids[0])
                elif to_bob:
                    pt = b.decrypt(sent[n])
                else:
                    pt = a.decrypt(sent[n])
                self.assertEqual(pt.hex(), msgs[n]["plaintext"])
                delivered += 1
        self.assertEqual(delivered, len(msgs))
        final = V["final"]
        self.assertEqual((a.kem.E, b.kem.E), (final["alice_kem_epoch"], final["bob_kem_epoch"]))
        self.assertEqual(a.RK.hex(), final["alice_root_key"])
        self.assertEqual(b.RK.hex(), final["bob_root_key"])

    def test_field_checks(self):
        self.assertEqual(P.decode_field(bytes(56))[0], 0)
        for bad in [b"\x04" + bytes(55),                      # unknown type
                    b"\x00" + bytes(54) + b"\x01",            # idle with data
                    b"\x02" + bytes(4) + b"\x16" + bytes(50),  # ciphertext chunk 22
                    b"\x01" + bytes(4) + b"\x17" + bytes(34) + b"\x01" + bytes(15)]:  # key padding
            with self.assertRaises(SottoError) as ctx:
                P.decode_field(bad)
            self.assertEqual(ctx.exception.name, "MALFORMED")


if __name__ == "__main__":
    unittest.main()
