/*
 * Ratchet version 2, the post-quantum KEM ratchet (PROTOCOL.md §22),
 * negotiated through the C ABI: the version-2 bundle (kind 0x13), sessions
 * started from it, KEM epochs, KEM_MISMATCH; a version-1 bundle still gives
 * a version-1 session (run by scripts/test-c.sh like test_sotto.c).
 */
#include "check.h"

#include <stdbool.h>

static const char *A = "alice", *B = "bob";

static sotto_buffer bundle_v1(sotto_account *owner) {
  sotto_buffer bundle = {0};
  OK(sotto_account_prekey_bundle(owner, &bundle));
  return bundle;
}

static sotto_buffer with_pq(sotto_buffer bundle) {
  sotto_buffer v2 = {0};
  OK(sotto_bundle_with_pq_ratchet(bundle.ptr, bundle.len, &v2));
  return v2;
}

static bool supports(sotto_buffer bundle) {
  bool pq = true;
  OK(sotto_bundle_supports_pq_ratchet(bundle.ptr, bundle.len, &pq));
  return pq;
}

static bool uses_pq(const sotto_session *s) {
  bool pq = false;
  OK(sotto_session_uses_pq_ratchet(s, &pq));
  return pq;
}

static uint32_t epoch(const sotto_session *s) {
  uint32_t e = 99;
  OK(sotto_session_kem_epoch(s, &e));
  return e;
}

/* Sends `text` from one session to the other; returns the message length. */
static size_t deliver(sotto_session *from, sotto_session *to, const char *text) {
  sotto_buffer message = {0}, plain = {0};
  OK(sotto_session_encrypt(from, STR(text), NULL, &message));
  OK(sotto_session_decrypt(to, message.ptr, message.len, &plain));
  CHECK(buffer_equals(plain, text));
  size_t len = message.len;
  OK(sotto_buffer_free(&message));
  OK(sotto_buffer_free(&plain));
  return len;
}

/* Alice starts a session from `bundle`, Bob accepts, Bob replies. */
static void establish(sotto_account *alice, sotto_account *bob,
                      sotto_buffer bundle, sotto_session **a,
                      sotto_session **b) {
  OK(sotto_session_initiate(alice, bundle.ptr, bundle.len, STR(A), STR(B),
                            NULL, a));
  sotto_buffer first = {0}, plain = {0};
  OK(sotto_session_encrypt(*a, STR("hello"), NULL, &first));
  OK(sotto_session_accept(bob, first.ptr, first.len, STR(B), STR(A), b,
                          &plain));
  CHECK(buffer_equals(plain, "hello"));
  OK(sotto_buffer_free(&first));
  OK(sotto_buffer_free(&plain));
  deliver(*b, *a, "hello back");
}

/* The two forms of one bundle (§22.2): kind 0x13 with the capability byte,
 * else byte for byte the §4.2 bundle. */
static void test_bundle_forms(void) {
  cases++;
  sotto_account *bob = NULL;
  OK(sotto_account_new(NULL, &bob));
  sotto_buffer v1 = bundle_v1(bob); /* no one-time prekey */
  sotto_buffer v2 = with_pq(v1);
  CHECK(v2.len == 1489 && v1.len == 1488);
  CHECK(v2.ptr[0] == 0x01 && v2.ptr[1] == 0x13 && v2.ptr[2] == 0x01);
  CHECK(v1.ptr[0] == 0x01 && v1.ptr[1] == 0x01);
  CHECK(memcmp(v2.ptr + 3, v1.ptr + 2, v1.len - 2) == 0);
  CHECK(!supports(v1));
  CHECK(supports(v2));
  /* Idempotent; back to version 1 exactly. */
  sotto_buffer v2_again = with_pq(v2), back = {0};
  CHECK(buffers_equal(v2_again, v2));
  OK(sotto_bundle_without_capabilities(v2.ptr, v2.len, &back));
  CHECK(buffers_equal(back, v1));
  /* Same owner either way. */
  sotto_buffer id1 = {0}, id2 = {0};
  OK(sotto_bundle_identity(v1.ptr, v1.len, &id1));
  OK(sotto_bundle_identity(v2.ptr, v2.len, &id2));
  CHECK(buffers_equal(id1, id2));
  /* Reserved bits are kept as they are and ignored. */
  uint8_t *other_bits = copy_of(v2);
  other_bits[2] = 0x03;
  sotto_buffer kept = {0};
  OK(sotto_bundle_with_pq_ratchet(other_bits, v2.len, &kept));
  CHECK(kept.len == v2.len && kept.ptr[2] == 0x03);
  bool pq = false;
  OK(sotto_bundle_supports_pq_ratchet(other_bits, v2.len, &pq));
  CHECK(pq);
  other_bits[2] = 0x02; /* reserved bit only: not version 2 */
  OK(sotto_bundle_supports_pq_ratchet(other_bits, v2.len, &pq));
  CHECK(!pq);
  free(other_bits);
  /* With a one-time prekey: 1526 bytes. */
  OK(sotto_account_generate_one_time_prekeys(bob, 1, NULL));
  sotto_buffer v1_otk = bundle_v1(bob), v2_otk = with_pq(v1_otk);
  CHECK(v2_otk.len == 1526 && v1_otk.len == 1525);

  /* Arguments and contents. */
  sotto_buffer out = {0};
  CHECK_RC(sotto_bundle_with_pq_ratchet(NULL, 0, &out), SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_bundle_with_pq_ratchet(v1.ptr, 0, &out),
           SOTTO_ERR_ZERO_LENGTH);
  CHECK_RC(sotto_bundle_with_pq_ratchet(v1.ptr, v1.len, NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_bundle_without_capabilities(v1.ptr, v1.len,
                                             (sotto_buffer *)(v1.ptr + 8)),
           SOTTO_ERR_ALIASED_OUTPUT);
  CHECK_RC(sotto_bundle_supports_pq_ratchet(v1.ptr, v1.len, NULL),
           SOTTO_ERR_NULL_POINTER);
  pq = true;
  CHECK_RC(sotto_bundle_supports_pq_ratchet(v2.ptr, v2.len - 1, &pq),
           SOTTO_ERR_TRUNCATED);
  CHECK(!pq);
  uint8_t *tampered = copy_of(v2);
  tampered[3 + SOTTO_IDENTITY_LEN + 10] ^= 1; /* the signed prekey */
  CHECK_RC(sotto_bundle_with_pq_ratchet(tampered, v2.len, &out),
           SOTTO_ERR_BAD_SIGNATURE);
  tampered[1] = 0x14; /* not a bundle kind */
  CHECK_RC(sotto_bundle_without_capabilities(tampered, v2.len, &out),
           SOTTO_ERR_WRONG_OBJECT_TYPE);
  free(tampered);
  EMPTY(out);

  sotto_buffer all[] = {v1, v2, v2_again, back, id1, id2, kept, v1_otk, v2_otk};
  free_all(all, sizeof all / sizeof all[0]);
  OK(sotto_account_free(bob));
}

/* A version-2 bundle gives a version-2 session on both sides; KEM epochs
 * advance as the sides take turns; a version-1 bundle gives version 1. */
static void test_sessions(void) {
  cases++;
  sotto_account *alice = NULL, *bob = NULL;
  OK(sotto_account_new(NULL, &alice));
  OK(sotto_account_new(NULL, &bob));
  OK(sotto_account_generate_one_time_prekeys(bob, 4, NULL));

  sotto_buffer v1 = bundle_v1(bob), v2 = with_pq(v1);
  OK(sotto_account_mark_bundle_published(bob, v2.ptr, v2.len));
  sotto_session *a = NULL, *b = NULL;
  establish(alice, bob, v2, &a, &b);
  CHECK(uses_pq(a) && uses_pq(b));
  CHECK(epoch(a) == 0 && epoch(b) == 0);

  /* §22.6: Alice's 24 key chunks in one turn, Bob's 22 ciphertext chunks
   * in the next; Bob's copy from before he encapsulated does not hold the
   * exchange that Alice's next message mixes: KEM_MISMATCH. */
  for (int i = 0; i < 24; i++) deliver(a, b, "key");
  uint8_t key[SOTTO_STORAGE_KEY_LEN];
  OK(sotto_storage_key_generate(NULL, key, sizeof key));
  sotto_buffer stale_bytes = {0};
  OK(sotto_session_seal(b, key, sizeof key, NULL, &stale_bytes));
  for (int i = 0; i < 22; i++) deliver(b, a, "ct");
  CHECK(epoch(a) == 0 && epoch(b) == 0);
  sotto_buffer marker = {0}, plain = {0};
  OK(sotto_session_encrypt(a, STR("mix"), NULL, &marker));
  sotto_session *stale = NULL;
  OK(sotto_session_unseal(key, sizeof key, stale_bytes.ptr, stale_bytes.len,
                          &stale));
  CHECK(uses_pq(stale) && epoch(stale) == 0);
  CHECK_RC(sotto_session_decrypt(stale, marker.ptr, marker.len, &plain),
           SOTTO_ERR_KEM_MISMATCH);
  EMPTY(plain);
  OK(sotto_session_decrypt(b, marker.ptr, marker.len, &plain));
  CHECK(buffer_equals(plain, "mix"));
  OK(sotto_buffer_free(&plain));
  CHECK(epoch(a) == 1 && epoch(b) == 1);

  /* Taking turns of 10 messages: more epochs, the sides at most one
   * apart. A 100-byte text is a 258-byte message (§22.3: 202 + 56). */
  char text[101];
  memset(text, 'a', 100);
  text[100] = 0;
  for (int turn = 0; turn < 30; turn++)
    for (int i = 0; i < 10; i++)
      CHECK(deliver(turn % 2 ? b : a, turn % 2 ? a : b, text) == 258);
  uint32_t ea = epoch(a), eb = epoch(b);
  CHECK(ea >= 2 && eb >= 2);
  CHECK(ea <= eb + 1 && eb <= ea + 1);

  /* Sealed and restored: still version 2, same epoch. */
  sotto_buffer sealed = {0};
  OK(sotto_session_seal(a, key, sizeof key, NULL, &sealed));
  sotto_session *restored = NULL;
  OK(sotto_session_unseal(key, sizeof key, sealed.ptr, sealed.len, &restored));
  CHECK(uses_pq(restored) && epoch(restored) == ea);
  deliver(restored, b, "after restore");

  /* The version-1 form of the same prekeys: a version-1 session, 202-byte
   * messages, no KEM epoch. */
  sotto_buffer v1_next = bundle_v1(bob);
  sotto_session *a1 = NULL, *b1 = NULL;
  establish(alice, bob, v1_next, &a1, &b1);
  CHECK(!uses_pq(a1) && !uses_pq(b1));
  uint32_t e = 7;
  CHECK_RC(sotto_session_kem_epoch(a1, &e), SOTTO_ERR_INVALID_ARGUMENT);
  CHECK(e == 0);
  CHECK(deliver(a1, b1, text) == 202);
  /* A message of one version is refused by a session of the other. */
  sotto_buffer v2_message = {0};
  OK(sotto_session_encrypt(a, STR("x"), NULL, &v2_message));
  CHECK(sotto_session_decrypt(b1, v2_message.ptr, v2_message.len, &plain) !=
        SOTTO_OK);
  EMPTY(plain);

  /* Arguments. */
  bool pq = true;
  CHECK_RC(sotto_session_uses_pq_ratchet(a, NULL), SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_session_kem_epoch(a, NULL), SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_session_uses_pq_ratchet((sotto_session *)alice, &pq),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK(!pq);
  CHECK_RC(sotto_session_kem_epoch(NULL, &e), SOTTO_ERR_NULL_POINTER);

  sotto_buffer all[] = {v1, v2, stale_bytes, marker, sealed, v1_next,
                        v2_message};
  free_all(all, sizeof all / sizeof all[0]);
  sotto_session *sessions[] = {a, b, stale, restored, a1, b1};
  for (size_t i = 0; i < sizeof sessions / sizeof sessions[0]; i++)
    OK(sotto_session_free(sessions[i]));
  OK(sotto_account_free(alice));
  OK(sotto_account_free(bob));
}

/* Session records report their current session's version and epoch. */
static void test_records(void) {
  cases++;
  sotto_account *alice = NULL, *bob = NULL;
  OK(sotto_account_new(NULL, &alice));
  OK(sotto_account_new(NULL, &bob));
  sotto_session_record *ra = NULL, *rb = NULL;
  OK(sotto_session_record_new(&ra));
  OK(sotto_session_record_new(&rb));
  bool pq = true;
  uint32_t e = 7;
  CHECK_RC(sotto_session_record_uses_pq_ratchet(ra, &pq),
           SOTTO_ERR_INVALID_ARGUMENT); /* empty */
  CHECK(!pq);
  CHECK_RC(sotto_session_record_kem_epoch(ra, &e), SOTTO_ERR_INVALID_ARGUMENT);
  CHECK(e == 0);
  CHECK_RC(sotto_session_record_kem_epoch(ra, NULL), SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_session_record_uses_pq_ratchet((sotto_session_record *)bob,
                                                &pq),
           SOTTO_ERR_WRONG_HANDLE_KIND);

  sotto_buffer v1 = bundle_v1(bob), v2 = with_pq(v1);
  OK(sotto_session_record_initiate(ra, alice, v2.ptr, v2.len, STR(A), STR(B),
                                   NULL));
  OK(sotto_session_record_uses_pq_ratchet(ra, &pq));
  CHECK(pq);
  OK(sotto_session_record_kem_epoch(ra, &e));
  CHECK(e == 0);
  sotto_buffer message = {0}, plain = {0};
  OK(sotto_session_record_encrypt(ra, STR("hi"), NULL, &message));
  OK(sotto_session_record_decrypt(rb, bob, message.ptr, message.len, STR(B),
                                  STR(A), &plain));
  CHECK(buffer_equals(plain, "hi"));
  pq = false;
  OK(sotto_session_record_uses_pq_ratchet(rb, &pq));
  CHECK(pq);
  OK(sotto_buffer_free(&message));
  OK(sotto_buffer_free(&plain));

  /* A new version-1 session becomes current: the record follows it. */
  OK(sotto_session_record_initiate(ra, alice, v1.ptr, v1.len, STR(A), STR(B),
                                   NULL));
  OK(sotto_session_record_uses_pq_ratchet(ra, &pq));
  CHECK(!pq);
  CHECK_RC(sotto_session_record_kem_epoch(ra, &e), SOTTO_ERR_INVALID_ARGUMENT);

  sotto_buffer all[] = {v1, v2};
  free_all(all, 2);
  OK(sotto_session_record_free(ra));
  OK(sotto_session_record_free(rb));
  OK(sotto_account_free(alice));
  OK(sotto_account_free(bob));
}

int main(void) {
  test_bundle_forms();
  test_sessions();
  test_records();
  test_no_leaks();
  return summary();
}
