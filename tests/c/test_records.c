/*
 * Session records (PROTOCOL.md §17) and attachment descriptor fields
 * (§16.4) through the C ABI (run by scripts/test-c.sh like test_sotto.c).
 */
#include "check.h"

/* ---- a small SHA-256 (FIPS 180-4), to check descriptor digests
   independently of the library --------------------------------------- */

typedef struct {
  uint32_t h[8];
  uint8_t block[64];
  size_t used;
  uint64_t total;
} sha256_ctx;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(sha256_ctx *c, const uint8_t *p) {
  uint32_t w[64], s[8];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
           (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(s, c->h, sizeof s);
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = s[7] + (ROTR(s[4], 6) ^ ROTR(s[4], 11) ^ ROTR(s[4], 25)) +
                  ((s[4] & s[5]) ^ (~s[4] & s[6])) + K[i] + w[i];
    uint32_t t2 = (ROTR(s[0], 2) ^ ROTR(s[0], 13) ^ ROTR(s[0], 22)) +
                  ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
    memmove(s + 1, s, 7 * sizeof s[0]);
    s[4] += t1;
    s[0] = t1 + t2;
  }
  for (int i = 0; i < 8; i++) c->h[i] += s[i];
}

static void sha256_init(sha256_ctx *c) {
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                 0xa54ff53a, 0x510e527f, 0x9b05688c,
                                 0x1f83d9ab, 0x5be0cd19};
  memcpy(c->h, iv, sizeof iv);
  c->used = 0;
  c->total = 0;
}

static void sha256_update(sha256_ctx *c, const uint8_t *p, size_t n) {
  c->total += n;
  while (n > 0) {
    size_t take = 64 - c->used < n ? 64 - c->used : n;
    memcpy(c->block + c->used, p, take);
    c->used += take;
    p += take;
    n -= take;
    if (c->used == 64) {
      sha256_block(c, c->block);
      c->used = 0;
    }
  }
}

static void sha256_final(sha256_ctx *c, uint8_t out[32]) {
  uint64_t bits = c->total * 8;
  uint8_t pad = 0x80, zero = 0, len[8];
  sha256_update(c, &pad, 1);
  while (c->used != 56) sha256_update(c, &zero, 1);
  for (int i = 0; i < 8; i++) len[i] = (uint8_t)(bits >> (56 - 8 * i));
  sha256_update(c, len, 8);
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 4; j++) out[4 * i + j] = (uint8_t)(c->h[i] >> (24 - 8 * j));
}

/* ---- session records ---------------------------------------------------- */

typedef struct {
  sotto_account *account;
  sotto_session_record *record;
} device;

static void device_new(device *d) {
  OK(sotto_account_new(NULL, &d->account));
  OK(sotto_account_generate_one_time_prekeys(d->account, 3, NULL));
  OK(sotto_session_record_new(&d->record));
}

static void device_free(device *d) {
  OK(sotto_session_record_free(d->record));
  OK(sotto_account_free(d->account));
}

static sotto_buffer record_send(device *d, const char *text) {
  sotto_buffer msg = {0};
  OK(sotto_session_record_encrypt(d->record, STR(text), NULL, &msg));
  CHECK(msg.len > 0);
  return msg;
}

static void record_read(device *d, const char *self, const char *peer,
                        sotto_buffer msg, const char *text) {
  sotto_buffer pt = {0};
  OK(sotto_session_record_decrypt(d->record, d->account, msg.ptr, msg.len,
                                  STR(self), STR(peer), &pt));
  CHECK(buffer_equals(pt, text));
  OK(sotto_buffer_free(&pt));
}

static void initiate(device *from, device *to, const char *self,
                     const char *peer) {
  sotto_buffer bundle = {0};
  OK(sotto_account_prekey_bundle(to->account, &bundle));
  OK(sotto_session_record_initiate(from->record, from->account, bundle.ptr,
                                   bundle.len, STR(self), STR(peer), NULL));
  OK(sotto_buffer_free(&bundle));
}

static int same_current(device *a, device *b) {
  uint8_t ia[SOTTO_SESSION_ID_LEN], ib[SOTTO_SESSION_ID_LEN];
  OK(sotto_session_record_current_id(a->record, ia, sizeof ia));
  OK(sotto_session_record_current_id(b->record, ib, sizeof ib));
  return memcmp(ia, ib, sizeof ia) == 0;
}

static void test_record_routing(void) {
  cases++;
  device alice, bob;
  device_new(&alice);
  device_new(&bob);
  size_t n = 9;
  OK(sotto_session_record_session_count(bob.record, &n));
  CHECK(n == 0);

  initiate(&alice, &bob, "alice", "bob");
  sotto_buffer m1 = record_send(&alice, "hi Bob");
  int32_t type = 0;
  OK(sotto_message_type(m1.ptr, m1.len, &type));
  CHECK(type == SOTTO_MESSAGE_PREKEY);
  /* Bob's empty record creates the session from the prekey message. */
  record_read(&bob, "bob", "alice", m1, "hi Bob");
  OK(sotto_session_record_session_count(bob.record, &n));
  CHECK(n == 1);
  sotto_buffer r1 = record_send(&bob, "hi Alice");
  record_read(&alice, "alice", "bob", r1, "hi Alice");
  CHECK(same_current(&alice, &bob));

  /* The peer's identity is the one its account shows. */
  sotto_buffer id_a = {0}, id_seen = {0};
  OK(sotto_account_identity(alice.account, &id_a));
  OK(sotto_session_record_remote_identity(bob.record, &id_seen));
  CHECK(buffers_equal(id_a, id_seen));

  /* Failures change nothing: tampered, replayed, wrong ids. */
  sotto_buffer m2 = record_send(&alice, "second");
  sotto_buffer pt = {0};
  uint8_t *bad = copy_of(m2);
  bad[m2.len - 1] ^= 1;
  CHECK_RC(sotto_session_record_decrypt(bob.record, bob.account, bad, m2.len,
                                        STR("bob"), STR("alice"), &pt),
           SOTTO_ERR_DECRYPTION_FAILED);
  EMPTY(pt);
  free(bad);
  record_read(&bob, "bob", "alice", m2, "second");
  CHECK_RC(sotto_session_record_decrypt(bob.record, bob.account, m2.ptr,
                                        m2.len, STR("bob"), STR("alice"), &pt),
           SOTTO_ERR_DUPLICATE_MESSAGE);
  CHECK_RC(sotto_session_record_decrypt(bob.record, bob.account, m1.ptr,
                                        m1.len, STR("bob"), STR("alice"), &pt),
           SOTTO_ERR_DUPLICATE_MESSAGE);

  /* Alice starts a new session (e.g. after losing her state): Bob's record
     archives the old one and still reads late messages of it. */
  uint8_t old_id[SOTTO_SESSION_ID_LEN], now_id[SOTTO_SESSION_ID_LEN];
  OK(sotto_session_record_current_id(bob.record, old_id, sizeof old_id));
  sotto_buffer late = record_send(&alice, "late, old session");
  initiate(&alice, &bob, "alice", "bob");
  OK(sotto_session_record_session_count(alice.record, &n));
  CHECK(n == 2);
  sotto_buffer fresh = record_send(&alice, "new session");
  record_read(&bob, "bob", "alice", fresh, "new session");
  OK(sotto_session_record_session_count(bob.record, &n));
  CHECK(n == 2);
  CHECK(same_current(&alice, &bob));
  record_read(&bob, "bob", "alice", late, "late, old session");
  /* The session that decrypted it becomes Bob's current one again
     (§17.3: Bob's current session is not his own unanswered initiation). */
  OK(sotto_session_record_current_id(bob.record, now_id, sizeof now_id));
  CHECK(memcmp(now_id, old_id, sizeof old_id) == 0);

  /* Sealing: the record survives a restart; a wrong key or another kind of
     sealed object are refused. */
  uint8_t key[32];
  OK(sotto_storage_key_generate(NULL, key, sizeof key));
  sotto_buffer sealed = {0};
  OK(sotto_session_record_seal(bob.record, key, sizeof key, NULL, &sealed));
  OK(sotto_session_record_free(bob.record));
  bob.record = NULL;
  uint8_t wrong[32];
  memcpy(wrong, key, 32);
  wrong[0] ^= 1;
  CHECK_RC(sotto_session_record_unseal(wrong, 32, sealed.ptr, sealed.len,
                                       &bob.record),
           SOTTO_ERR_UNSEAL_FAILED);
  CHECK(bob.record == NULL);
  sotto_buffer sealed_account = {0};
  OK(sotto_account_seal(bob.account, key, 32, NULL, &sealed_account));
  CHECK_RC(sotto_session_record_unseal(key, 32, sealed_account.ptr,
                                       sealed_account.len, &bob.record),
           SOTTO_ERR_WRONG_OBJECT_TYPE);
  OK(sotto_session_record_unseal(key, 32, sealed.ptr, sealed.len, &bob.record));
  OK(sotto_session_record_session_count(bob.record, &n));
  CHECK(n == 2);
  OK(sotto_session_record_current_id(bob.record, now_id, sizeof now_id));
  CHECK(memcmp(now_id, old_id, sizeof old_id) == 0);
  sotto_buffer r2 = record_send(&bob, "after restart");
  record_read(&alice, "alice", "bob", r2, "after restart");

  /* Padding is set on the current session. */
  OK(sotto_session_record_set_padding(bob.record, SOTTO_PADDING_NONE));
  CHECK_RC(sotto_session_record_set_padding(bob.record, 3),
           SOTTO_ERR_INVALID_ARGUMENT);
  sotto_buffer short_msg = record_send(&bob, "x");
  CHECK(short_msg.len < r2.len);
  record_read(&alice, "alice", "bob", short_msg, "x");

  sotto_buffer all[] = {m1, r1, id_a, id_seen, m2, late, fresh, sealed,
                        sealed_account, r2, short_msg};
  free_all(all, sizeof all / sizeof all[0]);
  device_free(&alice);
  device_free(&bob);
}

static void test_record_simultaneous_initiation(void) {
  cases++;
  device alice, bob;
  device_new(&alice);
  device_new(&bob);
  /* Both start a session at the same time; each first message crosses the
     other. */
  initiate(&alice, &bob, "alice", "bob");
  initiate(&bob, &alice, "bob", "alice");
  CHECK(!same_current(&alice, &bob));
  sotto_buffer a1 = record_send(&alice, "from alice");
  sotto_buffer b1 = record_send(&bob, "from bob");
  record_read(&alice, "alice", "bob", b1, "from bob");
  record_read(&bob, "bob", "alice", a1, "from alice");
  /* Both settle on the same session (the smaller id), no message lost. */
  CHECK(same_current(&alice, &bob));
  sotto_buffer ids_a = {0}, ids_b = {0};
  OK(sotto_session_record_session_ids(alice.record, &ids_a));
  OK(sotto_session_record_session_ids(bob.record, &ids_b));
  CHECK(ids_a.len == 2 * SOTTO_SESSION_ID_LEN);
  CHECK(ids_b.len == 2 * SOTTO_SESSION_ID_LEN);
  /* The same two sessions on both sides, and the current one is the one
     with the smaller id. */
  CHECK(memcmp(ids_a.ptr, ids_b.ptr, SOTTO_SESSION_ID_LEN) == 0);
  CHECK(memcmp(ids_a.ptr + SOTTO_SESSION_ID_LEN, ids_b.ptr + SOTTO_SESSION_ID_LEN,
               SOTTO_SESSION_ID_LEN) == 0);
  CHECK(memcmp(ids_a.ptr, ids_a.ptr + SOTTO_SESSION_ID_LEN,
               SOTTO_SESSION_ID_LEN) < 0);
  OK(sotto_buffer_free(&ids_a));
  OK(sotto_buffer_free(&ids_b));
  sotto_buffer a2 = record_send(&alice, "converged?");
  record_read(&bob, "bob", "alice", a2, "converged?");
  sotto_buffer b2 = record_send(&bob, "converged.");
  record_read(&alice, "alice", "bob", b2, "converged.");
  CHECK(same_current(&alice, &bob));
  sotto_buffer all[] = {a1, b1, a2, b2};
  free_all(all, sizeof all / sizeof all[0]);
  device_free(&alice);
  device_free(&bob);
}

static void test_record_migration_and_arguments(void) {
  cases++;
  device alice, bob;
  device_new(&alice);
  device_new(&bob);
  /* A session stored alone migrates into a record. */
  sotto_buffer bundle = {0}, first = {0}, pt = {0}, sealed = {0};
  sotto_session *session = NULL;
  OK(sotto_account_prekey_bundle(bob.account, &bundle));
  OK(sotto_session_initiate(alice.account, bundle.ptr, bundle.len,
                            STR("alice"), STR("bob"), NULL, &session));
  OK(sotto_session_encrypt(session, STR("from a session"), NULL, &first));
  uint8_t key[32];
  OK(sotto_storage_key_generate(NULL, key, sizeof key));
  OK(sotto_session_seal(session, key, 32, NULL, &sealed));
  OK(sotto_session_free(session));
  OK(sotto_session_record_free(alice.record));
  alice.record = NULL;
  OK(sotto_session_record_from_sealed_session(key, 32, sealed.ptr, sealed.len,
                                              &alice.record));
  record_read(&bob, "bob", "alice", first, "from a session");
  sotto_buffer reply = record_send(&bob, "to the record");
  record_read(&alice, "alice", "bob", reply, "to the record");
  CHECK(same_current(&alice, &bob));

  /* Empty records. */
  sotto_session_record *empty = NULL;
  OK(sotto_session_record_new(&empty));
  uint8_t id[SOTTO_SESSION_ID_LEN + 1];
  memset(id, 0xAB, sizeof id);
  CHECK_RC(sotto_session_record_current_id(empty, id, sizeof id),
           SOTTO_ERR_INVALID_ARGUMENT);
  CHECK(id[0] == 0xAB); /* not written */
  CHECK_RC(sotto_session_record_encrypt(empty, STR("x"), NULL, &pt),
           SOTTO_ERR_INVALID_ARGUMENT);
  EMPTY(pt);
  CHECK_RC(sotto_session_record_remote_identity(empty, &pt),
           SOTTO_ERR_INVALID_ARGUMENT);
  CHECK_RC(sotto_session_record_set_padding(empty, SOTTO_PADDING_NONE),
           SOTTO_ERR_INVALID_ARGUMENT);
  sotto_buffer no_ids = {(uint8_t *)id, 1};
  OK(sotto_session_record_session_ids(empty, &no_ids));
  EMPTY(no_ids);
  CHECK_RC(sotto_session_record_session_ids(empty, NULL),
           SOTTO_ERR_NULL_POINTER);
  /* A normal message no session of the record opens. */
  sotto_buffer m = record_send(&bob, "not for you");
  CHECK_RC(sotto_session_record_decrypt(empty, bob.account, m.ptr, m.len,
                                        STR("x"), STR("y"), &pt),
           SOTTO_ERR_DECRYPTION_FAILED);

  /* NULL, short and wrong-kind arguments. */
  CHECK_RC(sotto_session_record_new(NULL), SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_session_record_current_id(alice.record, id, 31),
           SOTTO_ERR_BUFFER_TOO_SMALL);
  CHECK_RC(sotto_session_record_current_id(alice.record, NULL, 32),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_session_record_current_id(NULL, id, 32),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_session_record_encrypt((sotto_session_record *)alice.account,
                                        STR("x"), NULL, &pt),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK_RC(sotto_session_record_decrypt(alice.record,
                                        (sotto_account *)bob.record, m.ptr,
                                        m.len, STR("a"), STR("b"), &pt),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK_RC(sotto_session_record_decrypt(alice.record, alice.account, m.ptr,
                                        m.len, STR("a"), NULL, 0, &pt),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_session_record_decrypt(alice.record, alice.account, m.ptr,
                                        m.len, (const uint8_t *)"a", 0,
                                        STR("b"), &pt),
           SOTTO_ERR_ZERO_LENGTH);
  CHECK_RC(sotto_session_record_decrypt(alice.record, alice.account, m.ptr,
                                        m.len, STR("a"), STR("b"), NULL),
           SOTTO_ERR_NULL_POINTER);
  uint8_t *copy = copy_of(m);
  CHECK_RC(sotto_session_record_decrypt(alice.record, alice.account, copy,
                                        m.len, STR("a"), STR("b"),
                                        (sotto_buffer *)(copy + 8)),
           SOTTO_ERR_ALIASED_OUTPUT);
  CHECK(memcmp(copy, m.ptr, m.len) == 0);
  free(copy);
  CHECK_RC(sotto_session_record_initiate(alice.record, alice.account,
                                         bundle.ptr, bundle.len - 1, STR("a"),
                                         STR("b"), NULL),
           SOTTO_ERR_TRUNCATED);
  size_t n = 0;
  OK(sotto_session_record_session_count(alice.record, &n));
  CHECK(n == 1); /* unchanged */
  CHECK_RC(sotto_session_record_seal(alice.record, key, 0, NULL, &pt),
           SOTTO_ERR_ZERO_LENGTH);
  CHECK_RC(sotto_session_record_unseal(key, 32, sealed.ptr, sealed.len, NULL),
           SOTTO_ERR_NULL_POINTER);
  /* A sealed session is not a sealed record (and the converse). */
  sotto_session_record *r = NULL;
  CHECK_RC(sotto_session_record_unseal(key, 32, sealed.ptr, sealed.len, &r),
           SOTTO_ERR_WRONG_OBJECT_TYPE);
  CHECK(r == NULL);
  OK(sotto_session_record_free(empty));
  CHECK_RC(sotto_session_record_free(empty), SOTTO_ERR_INVALID_HANDLE);

  sotto_buffer all[] = {bundle, first, sealed, reply, m};
  free_all(all, sizeof all / sizeof all[0]);
  device_free(&alice);
  device_free(&bob);
}

/* ---- attachment descriptor fields ---------------------------------------- */

static void encrypt_file(int32_t padding, size_t size, const char *type,
                         sotto_buffer *descriptor, uint8_t digest[32],
                         uint64_t *cipher_len) {
  enum { CHUNK = 1024 };
  sotto_attachment_encryptor *enc = NULL;
  OK(sotto_attachment_encryptor_new(CHUNK, padding, NULL, &enc));
  uint8_t *file = malloc(size + 1);
  for (size_t i = 0; i < size; i++) file[i] = (uint8_t)(i * 31);
  uint8_t out[CHUNK + SOTTO_ATTACHMENT_CHUNK_OVERHEAD];
  size_t written = 0, at = 0;
  sha256_ctx c;
  sha256_init(&c);
  *cipher_len = 0;
  while (size - at > CHUNK) {
    OK(sotto_attachment_encryptor_chunk(enc, file + at, CHUNK, out, sizeof out,
                                        &written));
    sha256_update(&c, out, written);
    *cipher_len += written;
    at += CHUNK;
  }
  OK(sotto_attachment_encryptor_final(enc, file + at, size - at, out,
                                      sizeof out, &written));
  sha256_update(&c, out, written);
  *cipher_len += written;
  do {
    OK(sotto_attachment_encryptor_padding(enc, out, sizeof out, &written));
    sha256_update(&c, out, written);
    *cipher_len += written;
  } while (written > 0);
  sha256_final(&c, digest);
  OK(sotto_attachment_encryptor_descriptor(enc, STR(type), descriptor));
  OK(sotto_attachment_encryptor_free(enc));
  free(file);
}

static void test_descriptor_fields(void) {
  cases++;
  /* A known SHA-256 first: the helper itself is right. */
  uint8_t d[32];
  sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, (const uint8_t *)"abc", 3);
  sha256_final(&c, d);
  CHECK(d[0] == 0xba && d[1] == 0x78 && d[31] == 0xad);

  sotto_buffer desc = {0};
  uint8_t digest[32];
  uint64_t cipher_len = 0;
  encrypt_file(SOTTO_PADDING_NONE, 3000, "image/png", &desc, digest,
               &cipher_len);
  sotto_attachment_descriptor_fields f;
  memset(&f, 0x5A, sizeof f);
  OK(sotto_attachment_descriptor_info(desc.ptr, desc.len, &f));
  CHECK(f.plaintext_size == 3000);
  CHECK(f.padded_size == 3000);
  CHECK(f.chunk_size == 1024);
  CHECK(f.chunk_count == 3);
  CHECK(f.ciphertext_size == 3000 + 3 * 16);
  CHECK(f.ciphertext_size == cipher_len);
  CHECK(f.padding == SOTTO_PADDING_NONE);
  CHECK(memcmp(f.digest, digest, 32) == 0);
  CHECK(f.content_type_len == 9);
  CHECK(strcmp(f.content_type, "image/png") == 0);

  /* Padmé: the padded size lies between the file and the ciphertext. */
  sotto_buffer desc2 = {0};
  encrypt_file(SOTTO_PADDING_PADME, 5000, "", &desc2, digest, &cipher_len);
  OK(sotto_attachment_descriptor_info(desc2.ptr, desc2.len, &f));
  CHECK(f.plaintext_size == 5000);
  CHECK(f.padded_size >= 5000);
  CHECK(f.ciphertext_size == cipher_len);
  CHECK(f.ciphertext_size == f.padded_size + 16 * f.chunk_count);
  CHECK(f.chunk_count == (f.padded_size + 1023) / 1024);
  CHECK(f.padding == SOTTO_PADDING_PADME);
  CHECK(memcmp(f.digest, digest, 32) == 0);
  CHECK(f.content_type_len == 0 && f.content_type[0] == 0);
  /* The chunk ranges agree. */
  uint64_t offset = 0, length = 0;
  OK(sotto_attachment_chunk_range(desc2.ptr, desc2.len, f.chunk_count - 1,
                                  &offset, &length));
  CHECK(offset + length == f.ciphertext_size);

  /* Errors: the output is all zeros afterwards. */
  CHECK_RC(sotto_attachment_descriptor_info(desc.ptr, desc.len, NULL),
           SOTTO_ERR_NULL_POINTER);
  memset(&f, 0x5A, sizeof f);
  CHECK_RC(sotto_attachment_descriptor_info(NULL, 10, &f),
           SOTTO_ERR_NULL_POINTER);
  CHECK(f.plaintext_size == 0 && f.content_type[0] == 0);
  CHECK_RC(sotto_attachment_descriptor_info(desc.ptr, 0, &f),
           SOTTO_ERR_ZERO_LENGTH);
  CHECK_RC(sotto_attachment_descriptor_info(desc.ptr, desc.len - 1, &f),
           SOTTO_ERR_TRUNCATED); /* the content type's length says 9 */
  uint8_t *longer = malloc(desc.len + 1);
  memcpy(longer, desc.ptr, desc.len);
  longer[desc.len] = 0;
  CHECK_RC(sotto_attachment_descriptor_info(longer, desc.len + 1, &f),
           SOTTO_ERR_TRAILING_BYTES);
  CHECK_RC(sotto_attachment_descriptor_info(longer, 20, &f),
           SOTTO_ERR_TRUNCATED);
  CHECK_RC(sotto_attachment_descriptor_info(
               longer, desc.len, (sotto_attachment_descriptor_fields *)longer),
           SOTTO_ERR_ALIASED_OUTPUT);
  CHECK(memcmp(longer, desc.ptr, desc.len) == 0);
  free(longer);
  OK(sotto_buffer_free(&desc));
  OK(sotto_buffer_free(&desc2));
}

int main(void) {
  test_record_routing();
  test_record_simultaneous_initiation();
  test_record_migration_and_arguments();
  test_descriptor_fields();
  test_no_leaks();
  return summary();
}
