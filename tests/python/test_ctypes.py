#!/usr/bin/env python3
"""A second language through the same C ABI: a conversation driven from
Python's ctypes (standard library only) against libsotto.so.

Usage: python3 tests/python/test_ctypes.py [path/to/libsotto.so]
(default: $SOTTO_LIB, else $CARGO_TARGET_DIR/release/libsotto.so, else
target/release/libsotto.so). Prints "N passed, 0 failed" and exits non-zero
on failure.
"""

import ctypes
import os
import sys
from ctypes import (POINTER, byref, c_bool, c_char, c_char_p, c_int32,
                    c_size_t, c_uint8, c_void_p)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def library_path():
    if len(sys.argv) > 1:
        return sys.argv[1]
    if os.environ.get("SOTTO_LIB"):
        return os.environ["SOTTO_LIB"]
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.join(target, "release", "libsotto.so")


class Buffer(ctypes.Structure):
    """struct sotto_buffer { uint8_t *ptr; size_t len; }"""
    _fields_ = [("ptr", POINTER(c_uint8)), ("len", c_size_t)]


lib = ctypes.CDLL(library_path())
u8p = POINTER(c_uint8)
handle = c_void_p
FILL_FN = ctypes.CFUNCTYPE(c_int32, c_void_p, u8p, c_size_t)

SIGNATURES = {
    "sotto_version": ([], c_char_p),
    "sotto_error_message": ([c_int32], c_char_p),
    "sotto_error_name": ([c_int32], c_char_p),
    "sotto_buffer_free": ([POINTER(Buffer)], c_int32),
    "sotto_live_handle_count": ([], c_size_t),
    "sotto_live_buffer_count": ([], c_size_t),
    "sotto_rng_new_callback": ([FILL_FN, c_void_p, POINTER(handle)], c_int32),
    "sotto_rng_free": ([handle], c_int32),
    "sotto_account_new": ([handle, POINTER(handle)], c_int32),
    "sotto_account_free": ([handle], c_int32),
    "sotto_account_identity": ([handle, POINTER(Buffer)], c_int32),
    "sotto_account_generate_one_time_prekeys": ([handle, c_size_t, handle], c_int32),
    "sotto_account_prekey_bundle": ([handle, POINTER(Buffer)], c_int32),
    "sotto_account_seal": ([handle, u8p, c_size_t, handle, POINTER(Buffer)], c_int32),
    "sotto_account_unseal": ([u8p, c_size_t, u8p, c_size_t, POINTER(handle)], c_int32),
    "sotto_storage_key_generate": ([handle, u8p, c_size_t], c_int32),
    "sotto_session_initiate": ([handle, u8p, c_size_t, u8p, c_size_t, u8p, c_size_t,
                                handle, POINTER(handle)], c_int32),
    "sotto_session_accept": ([handle, u8p, c_size_t, u8p, c_size_t, u8p, c_size_t,
                              POINTER(handle), POINTER(Buffer)], c_int32),
    "sotto_session_free": ([handle], c_int32),
    "sotto_session_encrypt": ([handle, u8p, c_size_t, handle, POINTER(Buffer)], c_int32),
    "sotto_session_decrypt": ([handle, u8p, c_size_t, POINTER(Buffer)], c_int32),
    "sotto_session_id": ([handle, u8p, c_size_t], c_int32),
    "sotto_session_safety_number": ([handle, ctypes.c_char_p, c_size_t], c_int32),
    "sotto_session_seal": ([handle, u8p, c_size_t, handle, POINTER(Buffer)], c_int32),
    "sotto_session_unseal": ([u8p, c_size_t, u8p, c_size_t, POINTER(handle)], c_int32),
    "sotto_message_type": ([u8p, c_size_t, POINTER(c_int32)], c_int32),
    "sotto_group_create": ([u8p, c_size_t, u8p, c_size_t, POINTER(u8p), POINTER(c_size_t),
                            c_size_t, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint64,
                            c_int32, ctypes.c_uint64, handle, POINTER(handle)], c_int32),
    "sotto_group_distribution": ([handle, POINTER(Buffer)], c_int32),
    "sotto_group_receive_distribution": ([handle, u8p, c_size_t, u8p, c_size_t], c_int32),
    "sotto_group_encrypt": ([handle, u8p, c_size_t, ctypes.c_uint64, handle, POINTER(Buffer),
                             POINTER(Buffer)], c_int32),
    "sotto_group_decrypt": ([handle, u8p, c_size_t, POINTER(Buffer), POINTER(Buffer),
                             POINTER(ctypes.c_uint32)], c_int32),
    "sotto_group_free": ([handle], c_int32),
    "sotto_bundle_with_pq_ratchet": ([u8p, c_size_t, POINTER(Buffer)], c_int32),
    "sotto_session_uses_pq_ratchet": ([handle, POINTER(c_bool)], c_int32),
    "sotto_session_kem_epoch": ([handle, POINTER(ctypes.c_uint32)], c_int32),
    "sotto_user_identity_new": ([handle, POINTER(handle)], c_int32),
    "sotto_user_identity_public_key": ([handle, u8p, c_size_t], c_int32),
    "sotto_user_identity_sign_device_list": ([handle, POINTER(ctypes.c_uint32), u8p, c_size_t,
                                              c_size_t, POINTER(ctypes.c_uint32), c_size_t,
                                              ctypes.c_uint64, POINTER(Buffer)], c_int32),
    "sotto_user_identity_free": ([handle], c_int32),
    "sotto_device_list_new": ([u8p, c_size_t, u8p, c_size_t, POINTER(handle)], c_int32),
    "sotto_device_list_free": ([handle], c_int32),
    "sotto_contact_new": ([handle, POINTER(handle)], c_int32),
    "sotto_contact_decrypt": ([handle, handle, u8p, c_size_t, ctypes.c_uint32, u8p, c_size_t,
                               u8p, c_size_t, POINTER(Buffer)], c_int32),
    "sotto_contact_free": ([handle], c_int32),
    "sotto_send_to_person": ([handle, u8p, c_size_t, handle, handle, u8p, c_size_t,
                              POINTER(u8p), POINTER(c_size_t), c_size_t, u8p, c_size_t, handle,
                              POINTER(handle)], c_int32),
    "sotto_delivery_report_count": ([handle, POINTER(c_size_t)], c_int32),
    "sotto_delivery_report_get": ([handle, c_size_t, u8p, c_size_t, POINTER(c_int32),
                                   POINTER(c_int32), POINTER(c_bool), POINTER(Buffer)], c_int32),
    "sotto_delivery_report_free": ([handle], c_int32),
    "sotto_attachment_encryptor_new": ([ctypes.c_uint32, c_int32, handle, POINTER(handle)],
                                       c_int32),
    "sotto_attachment_encryptor_chunk": ([handle, u8p, c_size_t, u8p, c_size_t,
                                          POINTER(c_size_t)], c_int32),
    "sotto_attachment_encryptor_final": ([handle, u8p, c_size_t, u8p, c_size_t,
                                          POINTER(c_size_t)], c_int32),
    "sotto_attachment_encryptor_padding": ([handle, u8p, c_size_t, POINTER(c_size_t)], c_int32),
    "sotto_attachment_encryptor_descriptor": ([handle, u8p, c_size_t, POINTER(Buffer)],
                                              c_int32),
    "sotto_attachment_encryptor_free": ([handle], c_int32),
    "sotto_attachment_decryptor_new": ([u8p, c_size_t, POINTER(handle)], c_int32),
    "sotto_attachment_decryptor_next_chunk_len": ([handle, POINTER(c_size_t)], c_int32),
    "sotto_attachment_decryptor_chunk": ([handle, u8p, c_size_t, u8p, c_size_t,
                                          POINTER(c_size_t)], c_int32),
    "sotto_attachment_decryptor_finish": ([handle], c_int32),
    "sotto_attachment_decryptor_free": ([handle], c_int32),
    "sotto_attachment_decrypt_chunk": ([u8p, c_size_t, ctypes.c_uint64, u8p, c_size_t, u8p,
                                        c_size_t, POINTER(c_size_t)], c_int32),
}
for name, (argtypes, restype) in SIGNATURES.items():
    function = getattr(lib, name)
    function.argtypes = argtypes
    function.restype = restype

SOTTO_OK = 0
SOTTO_ERR_DECRYPTION_FAILED = 9
SOTTO_ERR_DUPLICATE_MESSAGE = 10
SOTTO_ERR_UNSEAL_FAILED = 16
SOTTO_ERR_NULL_POINTER = 100
SOTTO_ERR_WRONG_HANDLE_KIND = 102
SOTTO_ERR_ZERO_LENGTH = 103
SOTTO_ERR_ALIASED_OUTPUT = 110
SOTTO_MESSAGE_PREKEY = 1
SOTTO_PADDING_PADME = 1
SOTTO_ERR_TRUNCATED = 1
SOTTO_MESSAGE_NORMAL = 2


class SottoError(Exception):
    def __init__(self, code):
        self.code = code
        name = lib.sotto_error_name(code).decode()
        message = lib.sotto_error_message(code).decode()
        super().__init__(f"{name} ({code}): {message}")


def check(code):
    if code != SOTTO_OK:
        raise SottoError(code)


def bytes_arg(data):
    """(pointer, length) for a bytes object; ctypes keeps it alive for the call."""
    return ctypes.cast(ctypes.c_char_p(data), u8p), len(data)


def take(buffer):
    """Copies a sotto_buffer into Python bytes and frees (wipes) it."""
    data = ctypes.string_at(buffer.ptr, buffer.len) if buffer.len else b""
    check(lib.sotto_buffer_free(byref(buffer)))
    return data


def call_buffer(function, *args):
    out = Buffer()
    check(function(*args, byref(out)))
    return take(out)


def new_account(rng=None):
    account = handle()
    check(lib.sotto_account_new(rng, byref(account)))
    return account


def initiate(account, bundle, local_id, remote_id):
    session = handle()
    check(lib.sotto_session_initiate(account, *bytes_arg(bundle), *bytes_arg(local_id),
                                     *bytes_arg(remote_id), None, byref(session)))
    return session


def accept(account, message, local_id, remote_id):
    session, plaintext = handle(), Buffer()
    check(lib.sotto_session_accept(account, *bytes_arg(message), *bytes_arg(local_id),
                                   *bytes_arg(remote_id), byref(session), byref(plaintext)))
    return session, take(plaintext)


def encrypt(session, plaintext):
    return call_buffer(lib.sotto_session_encrypt, session, *bytes_arg(plaintext), None)


def decrypt(session, message):
    return call_buffer(lib.sotto_session_decrypt, session, *bytes_arg(message))


def safety_number(session):
    out = ctypes.create_string_buffer(61)
    check(lib.sotto_session_safety_number(session, out, len(out)))
    return out.value.decode()


def message_type(message):
    kind = c_int32()
    check(lib.sotto_message_type(*bytes_arg(message), byref(kind)))
    return kind.value


def attachment_encrypt(data, chunk_size):
    """The streaming encryptor from Python: (descriptor, [chunks])."""
    enc, out, n = handle(), (c_uint8 * (chunk_size + 16))(), c_size_t()
    check(lib.sotto_attachment_encryptor_new(chunk_size, SOTTO_PADDING_PADME, None, byref(enc)))
    chunks, at = [], 0
    while len(data) - at > chunk_size:
        check(lib.sotto_attachment_encryptor_chunk(enc, *bytes_arg(data[at:at + chunk_size]),
                                                   out, len(out), byref(n)))
        chunks.append(bytes(out[:n.value]))
        at += chunk_size
    rest = data[at:]
    check(lib.sotto_attachment_encryptor_final(enc, *(bytes_arg(rest) if rest else (None, 0)),
                                               out, len(out), byref(n)))
    while n.value:
        chunks.append(bytes(out[:n.value]))
        check(lib.sotto_attachment_encryptor_padding(enc, out, len(out), byref(n)))
    descriptor = call_buffer(lib.sotto_attachment_encryptor_descriptor, enc,
                             *bytes_arg(b"image/png"))
    check(lib.sotto_attachment_encryptor_free(enc))
    return descriptor, chunks


def attachment_decrypt(descriptor, chunks):
    """The streaming decryptor: (plaintext, status of the first failure)."""
    dec, n, want = handle(), c_size_t(), c_size_t()
    check(lib.sotto_attachment_decryptor_new(*bytes_arg(descriptor), byref(dec)))
    out, plaintext, code = (c_uint8 * (1 << 20))(), b"", SOTTO_OK
    for chunk in chunks:
        check(lib.sotto_attachment_decryptor_next_chunk_len(dec, byref(want)))
        code = lib.sotto_attachment_decryptor_chunk(dec, *bytes_arg(chunk), out, len(out),
                                                    byref(n))
        if code != SOTTO_OK:
            break
        plaintext += bytes(out[:n.value])
    if code == SOTTO_OK:
        code = lib.sotto_attachment_decryptor_finish(dec)
    check(lib.sotto_attachment_decryptor_free(dec))
    return plaintext, code


passed = failed = 0


def expect(condition, what):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}", file=sys.stderr)


def expect_error(code, thunk, what):
    try:
        thunk()
    except SottoError as error:
        expect(error.code == code, f"{what}: got {error.code}, expected {code}")
    else:
        expect(False, f"{what}: no error")


def main():
    expect(lib.sotto_version().decode().count(".") == 2, "version")

    alice, bob = new_account(), new_account()
    check(lib.sotto_account_generate_one_time_prekeys(bob, 3, None))
    bundle = call_buffer(lib.sotto_account_prekey_bundle, bob)

    alice_session = initiate(alice, bundle, b"alice", b"bob")
    first = encrypt(alice_session, "Grüße, Bob".encode())
    expect(message_type(first) == SOTTO_MESSAGE_PREKEY, "first is a prekey message")
    bob_session, plaintext = accept(bob, first, b"bob", b"alice")
    expect(plaintext.decode() == "Grüße, Bob", "accept decrypts the first message")
    expect_error(SOTTO_ERR_DUPLICATE_MESSAGE, lambda: accept(bob, first, b"bob", b"alice"),
                 "replayed prekey message")

    reply = encrypt(bob_session, b"hi Alice")
    expect(message_type(reply) == SOTTO_MESSAGE_NORMAL, "reply is a normal message")
    expect(decrypt(alice_session, reply) == b"hi Alice", "reply decrypts")

    # Out of order.
    messages = [encrypt(alice_session, f"#{i}".encode()) for i in range(5)]
    for i in (4, 0, 3, 1, 2):
        expect(decrypt(bob_session, messages[i]) == f"#{i}".encode(), f"out of order #{i}")
    expect_error(SOTTO_ERR_DUPLICATE_MESSAGE, lambda: decrypt(bob_session, messages[2]),
                 "replay")
    tampered = bytearray(encrypt(alice_session, b"fresh"))
    tampered[-3] ^= 1
    expect_error(SOTTO_ERR_DECRYPTION_FAILED, lambda: decrypt(bob_session, bytes(tampered)),
                 "tampered")

    # Safety numbers agree.
    digits = safety_number(alice_session)
    expect(len(digits) == 60 and digits.isdigit(), "60 digits")
    expect(digits == safety_number(bob_session), "safety numbers match")

    # Sealed state.
    key = (c_uint8 * 32)()
    check(lib.sotto_storage_key_generate(None, key, 32))
    sealed = call_buffer(lib.sotto_session_seal, alice_session, key, 32, None)
    check(lib.sotto_session_free(alice_session))
    restored = handle()
    check(lib.sotto_session_unseal(key, 32, *bytes_arg(sealed), byref(restored)))
    expect(decrypt(bob_session, encrypt(restored, b"restored")) == b"restored",
           "restored session sends")
    expect(decrypt(restored, encrypt(bob_session, b"and receives")) == b"and receives",
           "restored session receives")
    wrong = (c_uint8 * 32)()
    expect_error(SOTTO_ERR_UNSEAL_FAILED,
                 lambda: check(lib.sotto_session_unseal(wrong, 32, *bytes_arg(sealed),
                                                        byref(handle()))),
                 "wrong storage key")

    # Handle and pointer misuse are errors.
    expect_error(SOTTO_ERR_WRONG_HANDLE_KIND,
                 lambda: call_buffer(lib.sotto_account_identity, restored),
                 "session passed as account")
    expect_error(SOTTO_ERR_NULL_POINTER, lambda: decrypt(None, reply), "NULL session")

    # A deterministic callback generator written in Python.
    state = {"counter": 0}

    def fill(_user_data, out, length):
        for i in range(length):
            state["counter"] = (state["counter"] * 6364136223846793005 + 1442695040888963407) % 2**64
            out[i] = state["counter"] >> 56
        return 0

    fill_fn = FILL_FN(fill)
    identities = []
    for _ in range(2):
        state["counter"] = 7
        rng = handle()
        check(lib.sotto_rng_new_callback(fill_fn, None, byref(rng)))
        account = new_account(rng)
        identities.append(call_buffer(lib.sotto_account_identity, account))
        check(lib.sotto_account_free(account))
        check(lib.sotto_rng_free(rng))
    expect(identities[0] == identities[1] and len(identities[0]) == 130,
           "callback generator is deterministic")

    # Issue 10, 6(d): an output inside an input is refused, the input intact.
    message = encrypt(restored, b"aliased")
    area = (c_uint8 * (len(message) + 64))(*message)
    code = lib.sotto_session_decrypt(bob_session, area, len(message),
                                     ctypes.cast(area, POINTER(Buffer)))
    expect(code == SOTTO_ERR_ALIASED_OUTPUT, f"decrypt into its own message: {code}")
    expect(bytes(area[:len(message)]) == message, "message left intact")
    code = lib.sotto_message_type(area, len(message), ctypes.cast(area, POINTER(c_int32)))
    expect(code == SOTTO_ERR_ALIASED_OUTPUT, f"message type over the message: {code}")
    expect(decrypt(bob_session, bytes(area[:len(message)])) == b"aliased",
           "the message still decrypts")
    # 6(e): handle errors come before output and input errors.
    code = lib.sotto_session_decrypt(alice, None, 0, None)
    expect(code == SOTTO_ERR_WRONG_HANDLE_KIND, f"wrong kind before NULL output: {code}")
    # 6(f): empty context ids are refused (as in the npm package).
    expect_error(SOTTO_ERR_ZERO_LENGTH, lambda: initiate(alice, bundle, b"", b"bob"),
                 "empty local id")
    expect_error(SOTTO_ERR_ZERO_LENGTH, lambda: initiate(alice, bundle, b"alice", b""),
                 "empty remote id")

    # Attachments: a streamed round trip with a partial last chunk, a
    # tampered chunk, a missing last chunk, one chunk read alone.
    photo = bytes((i * 7) % 251 for i in range(3 * 1024 + 500))
    descriptor, chunks = attachment_encrypt(photo, 1024)
    expect(len(chunks) == 4, f"4 chunks: {len(chunks)}")
    expect(attachment_decrypt(descriptor, chunks) == (photo, SOTTO_OK), "attachment round trip")
    bad = bytearray(chunks[1])
    bad[3] ^= 1
    expect(attachment_decrypt(descriptor, [chunks[0], bytes(bad)])[1] ==
           SOTTO_ERR_DECRYPTION_FAILED, "tampered chunk refused")
    expect(attachment_decrypt(descriptor, chunks[:3])[1] == SOTTO_ERR_TRUNCATED,
           "missing last chunk refused at finish")
    out, n = (c_uint8 * 1024)(), c_size_t()
    check(lib.sotto_attachment_decrypt_chunk(*bytes_arg(descriptor), 2, *bytes_arg(chunks[2]),
                                             out, len(out), byref(n)))
    expect(bytes(out[:n.value]) == photo[2048:3072], "chunk 2 read alone")

    # A sender-key group through pointer arrays of device addresses.
    group_id = bytes(range(16))

    def group(own, members):
        addresses = (u8p * len(members))(*(bytes_arg(m)[0] for m in members))
        lens = (c_size_t * len(members))(*(len(m) for m in members))
        out = handle()
        check(lib.sotto_group_create(*bytes_arg(group_id), *bytes_arg(own), addresses, lens,
                                     len(members), 0, 100, 604800, SOTTO_PADDING_PADME,
                                     1700000000, None, byref(out)))
        return out

    ga, gb = group(b"alice#1", [b"bob#1"]), group(b"bob#1", [b"alice#1"])
    chain = call_buffer(lib.sotto_group_distribution, ga)
    check(lib.sotto_group_receive_distribution(gb, *bytes_arg(chain), *bytes_arg(b"alice#1")))
    message, rotated = Buffer(), Buffer()
    check(lib.sotto_group_encrypt(ga, *bytes_arg(b"hello group"), 1700000000, None,
                                  byref(message), byref(rotated)))
    message, rotated = take(message), take(rotated)
    expect(rotated == b"", "no rotation")
    plaintext, sender, epoch = Buffer(), Buffer(), ctypes.c_uint32(7)
    check(lib.sotto_group_decrypt(gb, *bytes_arg(message), byref(plaintext), byref(sender),
                                  byref(epoch)))
    expect((take(plaintext), take(sender), epoch.value) == (b"hello group", b"alice#1", 0),
           "group message read")
    expect_error(10, lambda: check(lib.sotto_group_decrypt(
        gb, *bytes_arg(message), byref(Buffer()), byref(Buffer()), byref(epoch))),
        "group replay refused (DUPLICATE_MESSAGE)")
    for h in (ga, gb):
        check(lib.sotto_group_free(h))

    # The post-quantum ratchet, negotiated by the version-2 bundle (§22.2).
    v2 = call_buffer(lib.sotto_bundle_with_pq_ratchet,
                     *bytes_arg(call_buffer(lib.sotto_account_prekey_bundle, bob)))
    expect(v2[:3] == bytes([0x01, 0x13, 0x01]), "version-2 bundle: kind 0x13, bit 0x01")
    pq_a = initiate(alice, v2, b"alice", b"bob")
    pq_b, hello = accept(bob, encrypt(pq_a, b"post-quantum"), b"bob", b"alice")
    uses, epoch = c_bool(False), ctypes.c_uint32(9)
    check(lib.sotto_session_uses_pq_ratchet(pq_b, byref(uses)))
    check(lib.sotto_session_kem_epoch(pq_b, byref(epoch)))
    expect((hello, uses.value, epoch.value) == (b"post-quantum", True, 0), "version-2 session")
    check(lib.sotto_session_uses_pq_ratchet(bob_session, byref(uses)))
    expect(not uses.value, "the version-1 session stays version 1")
    for h in (pq_a, pq_b):
        check(lib.sotto_session_free(h))

    # Sending to a person (§20): Carol's one device writes to Dave's two.
    def person(devices):
        user, key = handle(), (c_uint8 * 33)()
        check(lib.sotto_user_identity_new(None, byref(user)))
        check(lib.sotto_user_identity_public_key(user, key, 33))
        ids = (ctypes.c_uint32 * len(devices))(*range(1, len(devices) + 1))
        identities = b"".join(call_buffer(lib.sotto_account_identity, d) for d in devices)
        signed = Buffer()
        check(lib.sotto_user_identity_sign_device_list(
            user, ids, *bytes_arg(identities), len(devices), None, 0, 1700000000,
            byref(signed)))
        check(lib.sotto_user_identity_free(user))
        return bytes(key), take(signed)

    def contact(key_and_list):
        key, signed = key_and_list
        held, out = handle(), handle()
        check(lib.sotto_device_list_new(*bytes_arg(signed), *bytes_arg(key), byref(held)))
        check(lib.sotto_contact_new(held, byref(out)))
        check(lib.sotto_device_list_free(held))
        return out

    carol_phone, dave_phone, dave_laptop = new_account(), new_account(), new_account()
    carol, dave = person([carol_phone]), person([dave_phone, dave_laptop])
    address = lambda key, i: key + i.to_bytes(4, "big")  # noqa: E731
    me = address(carol[0], 1)
    own, to_dave = contact(carol), contact(dave)
    targets = [address(dave[0], 1), address(dave[0], 2)]
    bundles = [call_buffer(lib.sotto_account_prekey_bundle, d) for d in (dave_phone, dave_laptop)]
    pointers = (u8p * 2)(*(bytes_arg(b)[0] for b in bundles))
    lens = (c_size_t * 2)(*(len(b) for b in bundles))
    report = handle()
    check(lib.sotto_send_to_person(carol_phone, *bytes_arg(me), own, to_dave,
                                   *bytes_arg(b"".join(targets)), pointers, lens, 2,
                                   *bytes_arg(b"hi Dave"), None, byref(report)))
    count = c_size_t()
    check(lib.sotto_delivery_report_count(report, byref(count)))
    expect(count.value == 2, "one line per device of Dave")
    for i, device in enumerate((dave_phone, dave_laptop)):
        to, outcome, why, fresh, message = (c_uint8 * 37)(), c_int32(), c_int32(), c_bool(), \
            Buffer()
        check(lib.sotto_delivery_report_get(report, i, to, 37, byref(outcome), byref(why),
                                            byref(fresh), byref(message)))
        message = take(message)
        expect((bytes(to), outcome.value, fresh.value) == (targets[i], 1, True),
               f"line {i}: sent, new session")
        from_carol, addressee = contact(carol), (c_uint8 * 33)()
        plaintext = Buffer()
        check(lib.sotto_contact_decrypt(from_carol, device, *bytes_arg(targets[i]), 1,
                                        *bytes_arg(message), addressee, 33, byref(plaintext)))
        expect((take(plaintext), bytes(addressee)) == (b"hi Dave", dave[0]),
               f"Dave's device {i + 1} reads its copy")
        expect_error(28, lambda: check(lib.sotto_contact_decrypt(
            from_carol, device, *bytes_arg(targets[i]), 2, *bytes_arg(message), addressee, 33,
            byref(Buffer()))), "a device Carol's list does not name (UNKNOWN_DEVICE)")
        check(lib.sotto_contact_free(from_carol))
    check(lib.sotto_delivery_report_free(report))
    for h in (own, to_dave):
        check(lib.sotto_contact_free(h))
    for h in (carol_phone, dave_phone, dave_laptop):
        check(lib.sotto_account_free(h))

    for h in (restored, bob_session):
        check(lib.sotto_session_free(h))
    for h in (alice, bob):
        check(lib.sotto_account_free(h))
    expect(lib.sotto_live_handle_count() == 0, "no live handles")
    expect(lib.sotto_live_buffer_count() == 0, "no live buffers")

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
