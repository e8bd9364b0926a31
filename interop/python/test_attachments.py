"""Recompute tests/vectors/sotto-v1-attachments.json from PROTOCOL.md §16 alone."""

from __future__ import annotations

import json
import os
import unittest

import attachments as A
from sotto_ref import SottoError

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("SOTTO_ATTACHMENT_VECTORS",
                         os.path.join(HERE, "..", "..", "tests", "vectors", "sotto-v1-attachments.json"))
with open(VECTORS, encoding="utf-8") as fh:
    V = json.load(fh)


def plaintext_of(case) -> bytes:
    if case["plaintext"] is not None:
        return bytes.fromhex(case["plaintext"])
    return bytes(j % 251 for j in range(case["plaintext_size"]))


class AttachmentVectors(unittest.TestCase):
    def test_cases_are_reproduced(self):
        self.assertGreaterEqual(len(V["cases"]), 6)
        for case in V["cases"]:
            with self.subTest(case["name"]):
                key = bytes.fromhex(case["random"]["file_key"])
                pt = plaintext_of(case)
                self.assertEqual(len(pt), case["plaintext_size"])
                if case["plaintext"] is not None:
                    self.assertEqual(pt, bytes(j % 251 for j in range(len(pt))))
                self.assertEqual(A.chunk_key(key, case["chunk_size"]).hex(), case["chunk_key"])
                lay = A.Layout(len(pt), case["chunk_size"], case["padding"])
                self.assertEqual(lay.padded, case["padded_size"])
                self.assertEqual(lay.count, case["chunk_count"])
                ct, digest = A.encrypt(key, pt, case["chunk_size"], case["padding"])
                self.assertEqual(ct.hex(), case["ciphertext"])
                self.assertEqual(len(ct), lay.ciphertext_size)
                self.assertEqual(digest.hex(), case["digest"])
                desc = A.Descriptor(key, digest, len(pt), case["chunk_size"], case["padding"],
                                    case["content_type"])
                self.assertEqual(desc.encode().hex(), case["descriptor"])
                decoded = A.decode_descriptor(bytes.fromhex(case["descriptor"]))
                self.assertEqual(decoded, desc)
                self.assertEqual(A.decrypt(decoded, ct), pt)

    def test_invalid_descriptors(self):
        self.assertGreaterEqual(len(V["invalid_descriptors"]), 10)
        for bad in V["invalid_descriptors"]:
            with self.subTest(bad["description"]):
                with self.assertRaises(SottoError) as cm:
                    A.decode_descriptor(bytes.fromhex(bad["descriptor"]))
                self.assertEqual(cm.exception.name, bad["error"])

    def test_random_access_matches_full_decryption(self):
        case = next(c for c in V["cases"] if c["name"] == "padme_adds_a_chunk")
        desc = A.decode_descriptor(bytes.fromhex(case["descriptor"]))
        ct = bytes.fromhex(case["ciphertext"])
        pt = plaintext_of(case)
        for a, b in [(0, 0), (0, 1), (1023, 1025), (5000, 9000), (32768, 32769), (0, 32769)]:
            _, _, start, stop = A.ciphertext_range(desc, a, b)
            self.assertEqual(A.decrypt_range(desc, a, b, ct[start:stop]), pt[a:b])
        with self.assertRaises(SottoError) as cm:
            A.ciphertext_range(desc, 0, len(pt) + 1)
        self.assertEqual(cm.exception.name, "INVALID_ARGUMENT")

    def test_stream_attacks_are_typed(self):
        case = next(c for c in V["cases"] if c["name"] == "partial_last_chunk")
        desc = A.decode_descriptor(bytes.fromhex(case["descriptor"]))
        ct = bytes.fromhex(case["ciphertext"])
        c0, c1, c2 = ct[:1040], ct[1040:2080], ct[2080:]
        for name, bad, error in [
            ("truncated", ct[:-1], "TRUNCATED"),
            ("reordered", c1 + c0 + c2, "DECRYPTION_FAILED"),
            ("dropped first", c1 + c2, "DECRYPTION_FAILED"),
            ("dropped middle: too few bytes left for chunk 1", c0 + c2, "TRUNCATED"),
            ("duplicated", c0 + c0 + c2, "DECRYPTION_FAILED"),
            ("appended", ct + b"\x00", "TRAILING_BYTES"),
        ]:
            with self.subTest(name):
                with self.assertRaises(SottoError) as cm:
                    A.decrypt(desc, bad)
                self.assertEqual(cm.exception.name, error)
        wrong = A.Descriptor(desc.file_key, b"\x00" * 32, desc.plaintext_size, desc.chunk_size,
                             desc.padding, desc.content_type)
        with self.assertRaises(SottoError) as cm:
            A.decrypt(wrong, ct)
        self.assertEqual(cm.exception.name, "DIGEST_MISMATCH")


if __name__ == "__main__":
    unittest.main()
