"""Reproduce tests/vectors/sotto-v1-records.json from PROTOCOL.md §17 alone."""

from __future__ import annotations

import json
import os
import unittest

import records as R
import sotto_ref as S
from sotto_ref import SottoError

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("SOTTO_RECORD_VECTORS",
                         os.path.join(HERE, "..", "..", "tests", "vectors", "sotto-v1-records.json"))
with open(VECTORS, encoding="utf-8") as fh:
    V = json.load(fh)
H = bytes.fromhex


class Tape:
    def __init__(self, data: bytes):
        self.data = data

    def __call__(self, n: int) -> bytes:
        if n > len(self.data):
            raise AssertionError("tape ran out")
        out, self.data = self.data[:n], self.data[n:]
        return out


class RecordVectors(unittest.TestCase):
    def setUp(self):
        key = H(V["storage_key"])
        self.key = key
        self.sides = []
        for side in V["initial"]:
            record = R.unseal_record(key, H(side["sealed_record"]))
            self.assertEqual(record.serialize().hex(), side["record_state"])
            account = R.account_from_state(S.unseal(key, S.KIND_SEALED_ACCOUNT, H(side["sealed_account"])))
            self.sides.append((account, record))
        ids = [H(V["context"]["alice"]), H(V["context"]["bob"])]
        self.contexts = [(ids[0], ids[1]), (ids[1], ids[0])]

    def test_steps_are_reproduced(self):
        self.assertGreaterEqual(len(V["steps"]), 10)
        for n, step in enumerate(V["steps"]):
            with self.subTest(step=n):
                if step["op"] == "send":
                    account, record = self.sides[step["from"]]
                    tape = Tape(H(step["random"]))
                    message = record.encrypt(H(step["plaintext"]), tape)
                    self.assertEqual(tape.data, b"")
                    self.assertEqual(message.hex(), step["message"])
                else:
                    account, record = self.sides[step["to"]]
                    before = record.serialize()
                    local, remote = self.contexts[step["to"]]
                    try:
                        plaintext = record.decrypt(account, H(step["message"]), local, remote)
                    except SottoError as e:
                        self.assertEqual(e.name, step.get("error"))
                        self.assertEqual(record.serialize(), before)
                    else:
                        self.assertEqual(plaintext.hex(), step.get("plaintext"))
                    self.assertEqual(record.current.session_id.hex(), step["current"])
                self.assertEqual(record.serialize().hex(), step["record_state"])
        # §17.3: both sides end on the session with the smaller id.
        a, b = self.sides[0][1], self.sides[1][1]
        self.assertEqual(a.current.session_id, b.current.session_id)
        self.assertEqual(a.current.session_id, min(s.session_id for s in a.sessions()))

    def test_invalid_states(self):
        self.assertGreaterEqual(len(V["invalid_states"]), 5)
        for case in V["invalid_states"]:
            with self.subTest(case["name"]):
                with self.assertRaises(SottoError) as cm:
                    R.Record.deserialize(H(case["state"]))
                self.assertEqual(cm.exception.name, case["error"])
        self.assertEqual(R.Record.deserialize(H(V["empty_record_state"])).sessions(), [])

    def test_seal_round_trip_and_envelope_errors(self):
        record = self.sides[0][1]
        sealed = R.seal_record(self.key, record, b"\x07" * 24)
        self.assertEqual(sealed[:2], b"\x01\x08")
        self.assertEqual(R.unseal_record(self.key, sealed).serialize(), record.serialize())
        for bad, name in [(sealed[:41], "TRUNCATED"), (b"\x02" + sealed[1:], "UNSUPPORTED_VERSION"),
                          (b"\x01\x05" + sealed[2:], "WRONG_OBJECT_TYPE"),
                          (sealed[:-1] + bytes([sealed[-1] ^ 1]), "UNSEAL_FAILED"),
                          (b"\x00" * (R.MAX_SEALED_RECORD + 1), "TOO_LARGE")]:
            with self.assertRaises(SottoError) as cm:
                R.unseal_record(self.key, bad)
            self.assertEqual(cm.exception.name, name)

    def test_a_fifth_archived_session_evicts_the_oldest(self):
        record = R.Record()
        sessions = [S.Session.deserialize(s.serialize()) for s in self.sides[0][1].sessions()]
        for i in range(6):
            s = copy_with_id(sessions[0], bytes([i]) * 32)
            record.initiate(s)
        self.assertEqual([s.session_id[0] for s in record.sessions()], [5, 4, 3, 2, 1])


def copy_with_id(session, sid):
    s = S.Session.deserialize(session.serialize())
    s.session_id = sid
    return s


if __name__ == "__main__":
    unittest.main()
