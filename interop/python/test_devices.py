"""Recompute tests/vectors/sotto-v1-devices.json from PROTOCOL.md §18 alone."""

from __future__ import annotations

import json
import os
import unittest

import devices as D
import sotto_ref as R
from sotto_ref import SottoError

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("SOTTO_DEVICE_VECTORS",
                         os.path.join(HERE, "..", "..", "tests", "vectors", "sotto-v1-devices.json"))
with open(VECTORS, encoding="utf-8") as fh:
    V = json.load(fh)

h = bytes.fromhex


def device_records() -> dict[int, bytes]:
    out = {}
    for d in V["devices"]:
        r = d["random"]
        # §13: only the first two draws of account creation make the identity.
        ident = R.Identity(h(r["identity_signing_seed"]), h(r["identity_agreement_private"]))
        out[d["device_id"]] = ident.record
    return out


class DeviceVectors(unittest.TestCase):
    def setUp(self):
        self.records = device_records()
        self.bob = D.User(h(V["bob"]["random"]["user_seed"]))

    def test_device_identities(self):
        for d in V["devices"]:
            self.assertEqual(self.records[d["device_id"]].hex(), d["identity_record"])

    def test_lists_changes_certificate_and_sealed_identity(self):
        bob = self.bob
        self.assertEqual(bob.uk.hex(), V["bob"]["user_key"])
        held = None
        for step in V["lists"]:
            add = [(i, self.records[i]) for i in step["add"]]
            data = bob.sign_list(add, step["remove"], step["now"])
            self.assertEqual(data.hex(), step["list"])
            bob.commit(data)
            self.assertEqual(bob.version, step["version"])
            self.assertEqual([e[0] for e in bob.entries], step["device_ids"])
            if held is None:
                held = D.decode_list(data, None)  # trust on first use
                self.assertEqual([e[0] for e in held["entries"]], step["added"])
            else:
                held, ch = D.update(held, data)
                self.assertEqual(ch["added"], step["added"])
                self.assertEqual(ch["removed"], step["removed"])
        cert = V["certificate"]
        self.assertEqual(bob.certify(cert["device_id"]).hex(), cert["certificate"])
        decoded = D.decode_certificate(h(cert["certificate"]), bob.uk)
        self.assertEqual(decoded["list_version"], cert["list_version"])
        self.assertEqual(decoded["identity_record"], self.records[cert["device_id"]])
        s = V["sealed_user_identity"]
        self.assertEqual(D.user_state(bob).hex(), s["state"])
        key, nonce = h(s["random"]["storage_key"]), h(s["random"]["nonce"])
        self.assertEqual(D.seal_user(bob, key, nonce).hex(), s["sealed"])
        restored = D.unseal_user(key, h(s["sealed"]))
        self.assertEqual(restored.uk, bob.uk)
        self.assertEqual(restored.list_bytes, bob.list_bytes)
        with self.assertRaises(SottoError) as e:
            D.unseal_user(bytes(32), h(s["sealed"]))
        self.assertEqual(e.exception.name, "UNSEAL_FAILED")

    def test_user_safety_number(self):
        s = V["user_safety_number"]
        alice = D.User(h(V["alice"]["random"]["user_seed"]))
        self.assertEqual(alice.uk.hex(), s["alice_user_key"])
        on_alice = D.user_safety_number(alice.uk, self.bob.uk)
        on_bob = D.user_safety_number(self.bob.uk, alice.uk)
        self.assertEqual(on_alice["local_fingerprint"].hex(), s["alice_fingerprint"])
        self.assertEqual(on_alice["remote_fingerprint"].hex(), s["bob_fingerprint"])
        self.assertEqual(on_alice["digits"], s["digits"])
        self.assertEqual(on_bob["digits"], s["digits"])
        self.assertEqual(on_alice["emoji_indexes"], s["emoji_indexes"])
        # A user's number is not the §10 number of the same bytes.
        self.assertNotEqual(D.user_fingerprint(alice.uk), R.fingerprint(alice.uk))

    def test_alice_list(self):
        alice = D.User(h(V["alice"]["random"]["user_seed"]))
        data = alice.sign_list([(1, self.records[5])], [], 1_700_000_300)
        self.assertEqual(data.hex(), V["alice"]["list"])

    def test_invalid_lists(self):
        self.assertGreaterEqual(len(V["invalid_lists"]), 14)
        for case in V["invalid_lists"]:
            with self.subTest(case["description"]):
                with self.assertRaises(SottoError) as e:
                    D.decode_list(h(case["list"]), self.bob.uk)
                self.assertEqual(e.exception.name, case["error"])

    def test_updates(self):
        for case in V["updates"]:
            with self.subTest(case["description"]):
                held = D.decode_list(h(case["held"]), self.bob.uk)
                if "error" in case:
                    with self.assertRaises(SottoError) as e:
                        D.update(held, h(case["new"]))
                    self.assertEqual(e.exception.name, case["error"])
                else:
                    new, ch = D.update(held, h(case["new"]))
                    self.assertEqual(new["bytes"].hex(), case["new"])
                    self.assertEqual(ch["added"], case["added"])
                    self.assertEqual(ch["removed"], case["removed"])

    def test_invalid_certificates(self):
        for case in V["invalid_certificates"]:
            with self.subTest(case["description"]):
                with self.assertRaises(SottoError) as e:
                    D.decode_certificate(h(case["certificate"]), self.bob.uk)
                self.assertEqual(e.exception.name, case["error"])


if __name__ == "__main__":
    unittest.main()
