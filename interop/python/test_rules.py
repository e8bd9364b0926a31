"""Replay tests/vectors/sotto-v1-rules.json (PROTOCOL.md §14.2) with the
independent Python implementation.

The steps are run in order: accounts, prekeys and bundles are rebuilt from the
draws (§4, §13), messages are re-encrypted byte for byte, and every accept and
decrypt must end as recorded (plaintext, or the error of §12). The account
bookkeeping of §4.3 (signed prekeys kept after rotation, published flags,
identifiers, one-time prekey generation, the cap of 50 published keys and
eviction) and the account state format of §9.3 are written here from the
specification; sessions and the handshake are sotto_ref's.

Run from this directory:  python -m unittest -v test_rules
"""

from __future__ import annotations

import hashlib
import json
import os
import unittest

import sotto_ref as S

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.environ.get("SOTTO_RULE_VECTORS",
                         os.path.join(HERE, "..", "..", "tests", "vectors", "sotto-v1-rules.json"))

with open(VECTORS, encoding="utf-8") as fh:
    V = json.load(fh)


def H(x):
    return None if x is None else bytes.fromhex(x)


LABEL = H(V["draw_label"])
ALICE_ID, BOB_ID = H(V["context"]["alice_id"]), H(V["context"]["bob_id"])


def recipe(k: int, n: int) -> bytes:
    """§14.2: draw k of n bytes."""
    assert n <= 64
    return hashlib.sha512(LABEL + S.u32(k)).digest()[:n]


# The draws of each operation, in order (§13).
DRAW_NAMES = {
    "create_account": ["identity_signing_seed", "identity_agreement_private",
                       "signed_prekey_private", "last_resort_kem_seed"],
    "initiate": ["base_key_private", "kem_encapsulation_randomness",
                 "initiator_ratchet_private"],
    "rotate_signed_prekey": ["signed_prekey_private"],
    "rotate_last_resort_prekey": ["last_resort_kem_seed"],
    "seal_account": ["storage_key", "nonce"],
}


class RulesAccount(S.Account):
    """§4 account with the bookkeeping the rules need: identifiers from one
    counter, signed and last-resort prekeys in creation order (current last,
    2 kept after rotation, §4.3), published flags (§9.3)."""

    KEPT = 1 + 2
    MAX_ONE_TIME = 100      # §4.3: unused one-time prekeys per kind
    MAX_PUBLISHED = 50      # §4.3: of which published at once

    def __init__(self, draw):
        super().__init__(S.Identity(draw(32), draw(32)))
        self.next_id = 1
        self.spk_order: list[int] = []
        self.lr_order: list[int] = []
        self.published: set[int] = set()
        # One-time prekey identifiers in creation order, per kind; a key is
        # held while its private part is in the account's dictionaries
        # (sotto_ref's accept deletes the ones it uses).
        self.ec_order: list[int] = []
        self.kem_order: list[int] = []
        self.rotate_signed_prekey(draw)
        self.rotate_last_resort_prekey(draw)

    def take_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def rotate_signed_prekey(self, draw) -> None:
        private = draw(32)
        pid = self.take_id()
        self.signed_prekeys[pid] = private
        self.accepted_base_keys[pid] = []
        self.spk_order.append(pid)
        while len(self.spk_order) > self.KEPT:
            self.delete_signed_prekey(self.spk_order.pop(0))

    def rotate_last_resort_prekey(self, draw) -> None:
        seed = draw(64)
        pid = self.take_id()
        self.kem_prekeys[(S.KEM_LAST_RESORT, pid)] = seed
        self.lr_order.append(pid)
        while len(self.lr_order) > self.KEPT:
            del self.kem_prekeys[(S.KEM_LAST_RESORT, self.lr_order.pop(0))]

    def signed_prekey(self) -> bytes:
        pid = self.spk_order[-1]
        return S.signed_prekey(self.identity, pid, self.signed_prekeys[pid])

    def last_resort_prekey(self) -> bytes:
        pid = self.lr_order[-1]
        return S.kem_prekey(self.identity, pid, S.KEM_LAST_RESORT,
                            self.kem_prekeys[(S.KEM_LAST_RESORT, pid)])

    # -- one-time prekeys (§4.2, §4.3, §13) --

    def held(self, kind: str) -> list[int]:
        """The one-time prekeys of a kind ("ec" or "kem") held, oldest first."""
        if kind == "ec":
            return [i for i in self.ec_order if i in self.one_time_prekeys]
        return [i for i in self.kem_order if (S.KEM_ONE_TIME, i) in self.kem_prekeys]

    def drop(self, kind: str, pid: int) -> None:
        if kind == "ec":
            del self.one_time_prekeys[pid]
        else:
            del self.kem_prekeys[(S.KEM_ONE_TIME, pid)]

    def generate_one_time_prekeys(self, draw, count: int) -> dict:
        """§13 draws and identifiers; §4.3 eviction, per kind: of the keys held
        before the call, unpublished ones first, then published ones, each
        oldest first, until 100 remain."""
        before = {kind: self.held(kind) for kind in ("ec", "kem")}
        pairs = [(draw(32), draw(64)) for _ in range(count)]
        created = []
        for private, seed in pairs:
            pid = self.take_id()
            self.one_time_prekeys[pid] = private
            self.ec_order.append(pid)
            created.append(pid)
            pid = self.take_id()
            self.kem_prekeys[(S.KEM_ONE_TIME, pid)] = seed
            self.kem_order.append(pid)
            created.append(pid)
        report = {"created": created, "evicted_unpublished": [], "evicted_published": []}
        for kind, old in before.items():
            excess = max(0, len(self.held(kind)) - self.MAX_ONE_TIME)
            order = ([i for i in old if i not in self.published]
                     + [i for i in old if i in self.published])
            for pid in order[:excess]:
                self.drop(kind, pid)
                key = "evicted_published" if pid in self.published else "evicted_unpublished"
                report[key].append(pid)
        for key in ("evicted_unpublished", "evicted_published"):
            report[key].sort()
        return report

    def publishable(self, kind: str) -> list[int]:
        """§4.3: the oldest unpublished keys that keep at most 50 published."""
        held = self.held(kind)
        room = self.MAX_PUBLISHED - sum(1 for i in held if i in self.published)
        return [i for i in held if i not in self.published][:max(0, room)]

    def mark_prekeys_published(self) -> tuple[list[int], list[int]]:
        ec, kem = self.publishable("ec"), self.publishable("kem")
        self.published |= set(self.spk_order) | set(self.lr_order) | set(ec) | set(kem)
        return ec, kem

    def mark_bundle_published(self, bundle: bytes) -> None:
        b = S.decode_bundle(bundle)
        if b.opk_id is not None and b.opk_id in self.held("ec"):
            self.published.add(b.opk_id)
        if b.kem_kind == S.KEM_ONE_TIME and b.kem_id in self.held("kem"):
            self.published.add(b.kem_id)

    def bundle(self) -> bytes:
        """§4.2: the oldest unpublished one-time prekey of each kind, unless
        50 of that kind are published; else none / the last resort."""
        ec, kem = self.publishable("ec")[:1], self.publishable("kem")[:1]
        opk = S.one_time_prekey(ec[0], self.one_time_prekeys[ec[0]]) if ec else None
        kpk = (S.kem_prekey(self.identity, kem[0], S.KEM_ONE_TIME,
                            self.kem_prekeys[(S.KEM_ONE_TIME, kem[0])])
               if kem else self.last_resort_prekey())
        return S.encode_bundle(self.identity.record, self.signed_prekey(), kpk, opk)

    def serialize(self) -> bytes:
        """§9.3, format 2."""
        def lst(items):
            return S.u16(len(items)) + b"".join(items)
        flag = lambda pid: S.flag(pid in self.published)  # noqa: E731
        spks = [S.u32(p) + flag(p) + self.signed_prekeys[p] + lst(self.accepted_base_keys[p])
                for p in self.spk_order]
        lrs = [S.u32(p) + flag(p) + self.kem_prekeys[(S.KEM_LAST_RESORT, p)]
               for p in self.lr_order]
        assert not self.one_time_prekeys
        return (S.u8(2) + self.identity.signing_seed + self.identity.agreement_private
                + S.u32(self.next_id) + lst(spks) + lst([]) + lst(lrs) + lst([]))


def outcome(fn):
    try:
        return {"plaintext": fn().hex()}
    except S.SottoError as e:
        return {"error": e.name, "code": e.code}


class Replay:
    def __init__(self, test: unittest.TestCase):
        self.t = test
        self.k = 0
        self.queue: list[bytes] = []
        self.accounts: dict[str, RulesAccount] = {}
        self.bundles: dict[str, bytes] = {}
        self.sessions: dict[tuple[str, str], S.Session] = {}
        self.messages: dict[str, bytes] = {}

    # Draws: the recorded values of a step (checked against the recipe), or
    # the recipe itself for the steps that do not list theirs.
    def draw(self, n: int) -> bytes:
        if self.queue:
            v = self.queue.pop(0)
            self.t.assertEqual(len(v), n, "draw length")
        else:
            v = recipe(self.k, n)
        self.k += 1
        return v

    def queue_recorded(self, step) -> None:
        op = step["op"]
        names = DRAW_NAMES.get(op)
        if op == "encrypt":
            names = (["ratchet_private"] if "ratchet_private" in step["random"] else []) + ["nonce"]
        if not names:
            return
        self.t.assertEqual(step["first_draw"], self.k, f"first draw of {op}")
        self.t.assertEqual(sorted(names), sorted(step["random"]))
        for i, name in enumerate(names):
            v = H(step["random"][name])
            self.t.assertEqual(v, recipe(self.k + i, len(v)), name)
            self.queue.append(v)

    def context(self, account):
        return (ALICE_ID, BOB_ID) if account == "alice" else (BOB_ID, ALICE_ID)

    def initiate(self, account, session, bundle):
        self.sessions[(account, session)] = S.initiate(
            self.accounts[account].identity, self.bundles[bundle], *self.context(account),
            self.draw)

    def encrypt(self, account, session, label) -> bytes:
        m = self.sessions[(account, session)].encrypt(label.encode(), self.draw)
        self.messages[label] = m
        return m

    def accept(self, account, session, label) -> bytes:
        s, pt = S.accept(self.accounts[account], self.messages[label], *self.context(account))
        self.sessions[(account, session)] = s
        return pt

    def check_recorded(self, step):
        for label, recorded in step["bytes"].items():
            self.t.assertEqual(self.messages[label].hex(), recorded, label)

    def run(self, step) -> None:
        eq = self.t.assertEqual
        op, acc = step["op"], step["account"]
        self.queue_recorded(step)
        if op == "create_account":
            a = RulesAccount(self.draw)
            eq(a.identity.record.hex(), step["identity_record"])
            eq(a.signed_prekey().hex(), step["signed_prekey"])
            eq(a.last_resort_prekey().hex(), step["last_resort_kem_prekey"])
            self.accounts[acc] = a
        elif op == "bundle":
            b = self.accounts[acc].bundle()
            eq(b.hex(), step["bytes"])
            d = S.decode_bundle(b)
            eq(d.opk_id, step["one_time_prekey_id"])
            eq(d.kem_id, step["kem_prekey_id"])
            self.bundles[step["bundle"]] = b
        elif op == "mark_bundle_published":
            self.accounts[acc].mark_bundle_published(self.bundles[step["bundle"]])
        elif op == "generate_one_time_prekeys":
            eq(step["first_draw"], self.k)
            a = self.accounts[acc]
            report = a.generate_one_time_prekeys(self.draw, step["count"])
            eq(self.k - step["first_draw"], step["draw_count"])
            for key, ids in report.items():
                eq(ids, step[key], key)
            eq([len(a.held("ec")), len(a.held("kem"))], step["one_time_prekey_counts"])
        elif op == "initiate":
            self.initiate(acc, step["session"], step["bundle"])
        elif op == "encrypt":
            eq(self.encrypt(acc, step["session"], step["message"]).hex(), step["bytes"])
        elif op == "encrypt_many":
            eq(step["first_draw"], self.k)
            allm = b"".join(self.encrypt(acc, step["session"], f"{step['prefix']}{i}")
                            for i in range(step["count"]))
            eq(self.k - step["first_draw"], step["draw_count"])
            eq(S.sha256(allm).hex(), step["sha256"])
            self.check_recorded(step)
        elif op == "accept_many":
            eq(step["first_draw"], self.k)
            base_keys = b""
            for i in range(step["count"]):
                label = f"{step['prefix']}{i}"
                self.initiate(step["initiator"], label, step["bundle"])
                m = self.encrypt(step["initiator"], label, label)
                base_keys += S.decode_prekey_message(m)["ek_a_pub"]
                eq(self.accept(acc, label, label), label.encode())
                del self.sessions[(step["initiator"], label)], self.sessions[(acc, label)]
            eq(self.k - step["first_draw"], step["draw_count"])
            eq(S.sha256(base_keys).hex(), step["base_keys_sha256"])
            a = self.accounts[acc]
            left = S.MAX_SESSIONS_PER_SIGNED_PREKEY - len(a.accepted_base_keys[a.spk_order[-1]])
            eq(left, step["sessions_left_on_signed_prekey"])
            self.check_recorded(step)
        elif op == "accept":
            got = outcome(lambda: self.accept(acc, step["session"], step["message"]))
            eq(got, step["result"], f"accept {step['message']}")
        elif op == "decrypt":
            s = self.sessions[(acc, step["session"])]
            got = outcome(lambda: s.decrypt(self.messages[step["message"]]))
            eq(got, step["result"], f"decrypt {step['message']}")
        elif op == "rotate_signed_prekey":
            self.accounts[acc].rotate_signed_prekey(self.draw)
            eq(self.accounts[acc].signed_prekey().hex(), step["signed_prekey"])
        elif op == "rotate_last_resort_prekey":
            self.accounts[acc].rotate_last_resort_prekey(self.draw)
            eq(self.accounts[acc].last_resort_prekey().hex(), step["last_resort_kem_prekey"])
        elif op == "mark_prekeys_published":
            ec, kem = self.accounts[acc].mark_prekeys_published()
            eq(ec, step["marked_one_time_prekeys"])
            eq(kem, step["marked_one_time_kem_prekeys"])
        elif op == "seal_account":
            key, nonce = self.draw(32), self.draw(24)
            state = self.accounts[acc].serialize()
            eq(state.hex(), step["serialized"])
            sealed = S.seal(key, S.KIND_SEALED_ACCOUNT, state, nonce)
            eq(sealed.hex(), step["sealed"])
            eq(S.unseal(key, S.KIND_SEALED_ACCOUNT, sealed), state)
        else:
            self.t.fail(f"unknown op {op}")
        self.t.assertFalse(self.queue, f"{op} drew fewer draws than recorded")


class RuleVectors(unittest.TestCase):
    def test_steps_replay(self):
        r = Replay(self)
        for step in V["steps"]:
            r.run(step)
        self.assertEqual(r.k, V["draw_count"])

    def test_ed25519_identity_records(self):
        cases = V["ed25519_identity_records"]
        self.assertGreaterEqual(len(cases), 8)
        for case in cases:
            with self.subTest(case["name"]):
                record = H(case["identity_record"])
                try:
                    S.decode_identity_record(record)
                    got = {"valid": True}
                except S.SottoError as e:
                    got = {"error": e.name, "code": e.code}
                self.assertEqual(got, case["result"])

    def test_small_order_cases_satisfy_the_cofactorless_equation(self):
        """The small-order cases are rejected by the small-order checks alone:
        their signatures satisfy [S]B = R + [k]A (so a verifier that skips the
        checks accepts them). Checked with the `cryptography` verifier, which
        checks S < L and the equation but not small order (§2)."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric import ed25519
        by_name = {c["name"]: H(c["identity_record"]) for c in V["ed25519_identity_records"]}
        for name in ("small_order_key_identity", "small_order_r"):
            rec = by_name[name]
            msg = b"Sotto v1 identity binding" + rec[33:66]
            try:
                ed25519.Ed25519PublicKey.from_public_bytes(rec[1:33]).verify(rec[66:], msg)
            except InvalidSignature:
                self.fail(f"{name}: equation does not hold")
            except ValueError:
                self.skipTest("this OpenSSL refuses small-order keys itself")


if __name__ == "__main__":
    unittest.main()
