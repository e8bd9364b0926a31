"""Recompute tests/vectors/sotto-v1-groups.json from PROTOCOL.md §21 alone."""

from __future__ import annotations

import copy
import json
import os
import unittest

import groups as G
from sotto_ref import SottoError

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("SOTTO_GROUP_VECTORS",
                         os.path.join(HERE, "..", "..", "tests", "vectors", "sotto-v1-groups.json"))
with open(VECTORS, encoding="utf-8") as fh:
    V = json.load(fh)


def draws(e):
    return [bytes.fromhex(d) for d in e.get("draws", [])]


class GroupVectors(unittest.TestCase):
    def test_chain_steps(self):
        for s in V["chain_steps"]:
            mk, ck = G.step(bytes.fromhex(s["chain_key"]))
            self.assertEqual(mk.hex(), s["message_key"])
            self.assertEqual(ck.hex(), s["next_chain_key"])

    def test_events_are_reproduced(self):
        gid = bytes.fromhex(V["group_id"])
        cfg = V["config"]
        devices: dict[str, G.Group] = {}
        errors = set()
        for n, e in enumerate(V["events"]):
            with self.subTest(n=n, op=e["op"], device=e["device"], mutation=e.get("mutation")):
                dev = e["device"]
                error = None
                try:
                    if e["op"] == "create":
                        g = G.Group(gid, dev.encode(), [m.encode() for m in e["members"]], e["epoch"],
                                    cfg["max_messages"], cfg["max_age_secs"], cfg["now"], draws(e))
                        devices[dev] = g
                        self.assertEqual(g.distribution().encode().hex(), e["distribution"])
                    elif e["op"] == "receive_distribution":
                        devices[dev].receive_distribution(bytes.fromhex(e["bytes"]), e["from"].encode())
                    elif e["op"] == "encrypt":
                        msg, rot = devices[dev].encrypt(bytes.fromhex(e["plaintext"]), e["now"], draws(e))
                        self.assertEqual(msg.hex(), e["message"])
                        self.assertEqual(rot.encode().hex() if rot else None, e["distribution"])
                    elif e["op"] == "remove":
                        d = devices[dev].remove([r.encode() for r in e["removed"]], cfg["now"], draws(e))
                        self.assertEqual(d.encode().hex(), e["distribution"])
                    elif e["op"] == "decrypt":
                        before = copy.deepcopy(devices[dev].__dict__)
                        try:
                            sender, pt = devices[dev].decrypt(bytes.fromhex(e["message"]))
                        except SottoError:
                            self.assertEqual(devices[dev].__dict__, before, "a rejection changed the state")
                            raise
                        self.assertEqual(pt.hex(), e["plaintext"])
                        self.assertEqual(sender.decode(), e["sender"])
                except SottoError as err:
                    error = err.name
                self.assertEqual(error, e["error"])
                if error:
                    errors.add(error)
        self.assertGreaterEqual(len(errors), 10)

    def test_sizes(self):
        # §21.5: a 100-byte plaintext from a 5-byte sender: 123 + 5 + 104.
        bob = [e for e in V["events"] if e["op"] == "encrypt" and e["device"] == "bob#1"][0]
        self.assertEqual(len(bytes.fromhex(bob["message"])), 232)
        # §21.4: 127 + len(sender).
        for e in V["events"]:
            if e["op"] == "create":
                self.assertEqual(len(bytes.fromhex(e["distribution"])), 127 + len(e["device"]))


if __name__ == "__main__":
    unittest.main()
