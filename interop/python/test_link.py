"""Recompute tests/vectors/sotto-v1-link.json from PROTOCOL.md §19 alone."""

from __future__ import annotations

import json
import os
import unittest

import devices as D
import link as L
import sotto_ref as R
from sotto_ref import SottoError

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("SOTTO_LINK_VECTORS",
                         os.path.join(HERE, "..", "..", "tests", "vectors", "sotto-v1-link.json"))
with open(VECTORS, encoding="utf-8") as fh:
    V = json.load(fh)

h = bytes.fromhex


def record(random: dict) -> bytes:
    return R.Identity(h(random["identity_signing_seed"]), h(random["identity_agreement_private"])).record


class LinkVectors(unittest.TestCase):
    def setUp(self):
        self.now, self.ttl = V["now"], V["ttl"]
        self.browser = record(V["browser"]["random"])
        self.phone = record(V["phone"]["random"])
        self.bob = D.User(h(V["bob"]["random"]["user_seed"]))
        self.contacts = []
        for c in V["contacts"]:
            user = D.User(h(c["random"]["user_seed"]))
            self.assertEqual(user.uk.hex(), c["user_key"])
            self.contacts.append({"user_key": user.uk, "verified": c["verified"], "name": c["name"]})
        r = V["offer"]["random"]
        self.offer = L.make_offer(self.browser, self.now, self.ttl, h(r["x25519_private"]),
                                  h(r["kem_seed"]), h(r["secret"]))

    def test_identities_and_list(self):
        self.assertEqual(self.browser.hex(), V["browser"]["identity_record"])
        self.assertEqual(self.phone.hex(), V["phone"]["identity_record"])
        self.assertEqual(self.bob.uk.hex(), V["bob"]["user_key"])
        data = self.bob.sign_list([(1, self.phone)], [], self.now - 1000)
        self.assertEqual(data.hex(), V["bob"]["list"])

    def test_offer_response_and_completion(self):
        self.assertEqual(self.offer["qr"].hex(), V["offer"]["qr_payload"])
        self.assertEqual(len(self.offer["qr"]), 1374)
        self.assertEqual(self.offer["expires_at"], V["offer"]["expires_at"])
        self.bob.commit(h(V["bob"]["list"]))
        rv = V["response"]
        scanned = L.scan_offer(self.offer["qr"], rv["now"])
        out = L.respond(scanned, self.bob, rv["device_id"], self.contacts, rv["now"],
                        h(rv["random"]["x25519_private"]), h(rv["random"]["kem_randomness"]))
        self.assertEqual(out["device_list"].hex(), rv["device_list"])
        self.assertEqual(out["certificate"].hex(), rv["certificate"])
        self.assertEqual(out["code"], rv["code"])
        self.assertEqual(out["response"].hex(), rv["response"])
        for case in V["invalid_responses"]:
            with self.subTest(case["description"]):
                with self.assertRaises(SottoError) as e:
                    L.complete(self.offer, h(case["response"]), case["now"])
                self.assertEqual(e.exception.name, case["error"])
                self.assertFalse(self.offer["used"])
        linked = L.complete(self.offer, h(rv["response"]), rv["now"] + 1)
        self.assertEqual(linked["code"], rv["code"])
        self.assertEqual(linked["user_key"], self.bob.uk)
        self.assertEqual(linked["contacts"], self.contacts)
        with self.assertRaises(SottoError) as e:
            L.complete(self.offer, h(rv["response"]), rv["now"] + 1)
        self.assertEqual(e.exception.name, "LINK_FAILED")

    def test_wrong_secret_response_is_reproduced(self):
        self.bob.commit(h(V["bob"]["list"]))
        case = [c for c in V["invalid_responses"] if "random" in c][0]
        qr = bytearray(self.offer["qr"])
        qr[2 + 33 + 1185] ^= 0x01
        scanned = L.scan_offer(bytes(qr), V["response"]["now"])
        out = L.respond(scanned, self.bob, V["response"]["device_id"], self.contacts,
                        V["response"]["now"], h(case["random"]["x25519_private"]),
                        h(case["random"]["kem_randomness"]))
        self.assertEqual(out["response"].hex(), case["response"])

    def test_invalid_offers(self):
        for case in V["invalid_offers"]:
            with self.subTest(case["description"]):
                with self.assertRaises(SottoError) as e:
                    L.scan_offer(h(case["qr_payload"]), case["now"])
                self.assertEqual(e.exception.name, case["error"])


if __name__ == "__main__":
    unittest.main()
