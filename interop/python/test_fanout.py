"""Reproduce tests/vectors/sotto-v1-fanout.json from PROTOCOL.md §20 alone."""

from __future__ import annotations

import json
import os
import unittest

import devices as D
import fanout as F
import records as R
import sotto_ref as S
from sotto_ref import SottoError

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("SOTTO_FANOUT_VECTORS",
                         os.path.join(HERE, "..", "..", "tests", "vectors", "sotto-v1-fanout.json"))
with open(VECTORS, encoding="utf-8") as fh:
    V = json.load(fh)
H = bytes.fromhex
USERS = ("alice", "bob")


class Tape:
    def __init__(self, data: bytes):
        self.data = data

    def __call__(self, n: int) -> bytes:
        if n > len(self.data):
            raise AssertionError("tape ran out")
        out, self.data = self.data[:n], self.data[n:]
        return out


def split(key: str) -> tuple[str, int]:
    user, device_id = key.split("/")
    return user, int(device_id)


class FanoutVectors(unittest.TestCase):
    def setUp(self):
        self.key = H(V["storage_key"])
        self.uk = {u: H(V["users"][u]["user_key"]) for u in USERS}
        self.devices = {}
        for name, d in V["devices"].items():
            if name == "bob/3b":  # a reinstall no list names: it only makes a forged message
                continue
            user, device_id = split(name)
            account = R.AccountState.unseal(self.key, H(d["sealed_account"]))
            contacts = {u: F.Contact(D.decode_list(H(V["users"][u]["lists"][0]), self.uk[u]))
                        for u in USERS}
            self.devices[name] = {"user": user, "id": device_id, "account": account,
                                  "contacts": contacts}

    def test_steps(self):
        counts = {"sent": 0, "received": 0, "refused": 0}
        for i, step in enumerate(V["steps"]):
            with self.subTest(step=i, op=step["op"], device=step["device"]):
                self.run_step(step, counts)
        self.assertGreaterEqual(counts["sent"], 15)
        self.assertGreaterEqual(counts["received"], 15)
        self.assertGreaterEqual(counts["refused"], 5)

    def run_step(self, step, counts):
        dev = self.devices[step["device"]]
        me = (self.uk[dev["user"]], dev["id"])
        if step["op"] == "send":
            to = step["to"]
            bundles = {}
            for b in step["bundles"]:
                user, device_id = split(b["device"])
                bundles[(self.uk[user], device_id)] = H(V["devices"][b["bundle_of"]]["bundle"])
            tape = Tape(H(step["random"]))
            deliveries, own, recipient = F.send(
                dev["account"].account.identity, me, dev["contacts"][dev["user"]],
                dev["contacts"][to], bundles, H(step["plaintext"]), tape)
            self.assertEqual(tape.data, b"", "draws left over")
            self.assertEqual(len(deliveries), len(step["deliveries"]))
            for (address, outcome, extra, message), want in zip(deliveries, step["deliveries"]):
                user, device_id = split(want["device"])
                self.assertEqual(address, (self.uk[user], device_id))
                self.assertEqual(outcome, want["outcome"])
                if outcome == "sent":
                    self.assertEqual(extra, want["new_session"])
                    self.assertEqual(message.hex(), want["message"])
                    counts["sent"] += 1
                elif outcome == "bundle_rejected":
                    self.assertEqual(extra, want["error"])
            self.assertEqual(own.serialize().hex(), step["own_state"])
            self.assertEqual(recipient.serialize().hex(), step["recipient_state"])
            dev["contacts"][dev["user"]] = own
            dev["contacts"][to] = recipient
        elif step["op"] == "receive":
            contact = dev["contacts"][step["contact"]]
            before = contact.serialize()
            try:
                account, to, plaintext = contact.decrypt(dev["account"], me, step["from"],
                                                         H(step["message"]))
            except SottoError as e:
                self.assertEqual(e.name, step["error"])
                self.assertEqual(contact.serialize(), before)
                counts["refused"] += 1
            else:
                self.assertNotIn("error", step)
                dev["account"] = account
                self.assertEqual(to.hex(), step["to"])
                self.assertEqual(plaintext.hex(), step["plaintext"])
                counts["received"] += 1
            self.assertEqual(contact.serialize().hex(), step["state"])
        else:
            contact = dev["contacts"][step["contact"]]
            try:
                change = contact.update(H(step["list"]))
            except SottoError as e:
                self.assertEqual(e.name, step["error"])
            else:
                self.assertNotIn("error", step)
                self.assertEqual(change["added"], step["added"])
                self.assertEqual(change["removed"], step["removed"])
            self.assertEqual(contact.serialize().hex(), step["state"])

    def test_sealed_contact(self):
        s = V["sealed_contact"]
        contact = F.unseal(self.key, H(s["sealed"]))
        self.assertEqual(contact.serialize().hex(), s["state"])
        self.assertEqual(F.seal(self.key, F.Contact.deserialize(H(s["state"])), H(s["nonce"])).hex(),
                         s["sealed"])

    def test_invalid_states(self):
        for case in V["invalid_states"]:
            with self.subTest(case["name"]):
                with self.assertRaises(SottoError) as cm:
                    F.Contact.deserialize(H(case["state"]))
                self.assertEqual(cm.exception.name, case["error"])


if __name__ == "__main__":
    unittest.main()
