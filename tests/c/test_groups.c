/*
 * Sender-key groups through the C ABI (PROTOCOL.md §21): a whole group
 * conversation with a member removed, rotation, sealing, and the typed
 * errors of every function (run by scripts/test-c.sh like test_sotto.c).
 */
#include <pthread.h>

#include "check.h"

static const uint8_t GROUP_ID[SOTTO_GROUP_ID_LEN] = {7, 7, 7, 7, 7, 7, 7, 7,
                                                     7, 7, 7, 7, 7, 7, 7, 7};
static const uint64_t NOW = 1700000000;

/* Creates `self`'s state in the group whose other members are `others`. */
static sotto_group *create(const char *self, const char **others, size_t n,
                           uint32_t epoch, uint32_t max_messages) {
  const uint8_t *members[4];
  size_t lens[4];
  for (size_t i = 0; i < n; i++) {
    members[i] = (const uint8_t *)others[i];
    lens[i] = strlen(others[i]);
  }
  sotto_group *g = NULL;
  OK(sotto_group_create(GROUP_ID, sizeof GROUP_ID, STR(self), members, lens, n,
                        epoch, max_messages, SOTTO_GROUP_DEFAULT_MAX_AGE_SECS,
                        SOTTO_PADDING_PADME, NOW, NULL, &g));
  CHECK(g != NULL);
  return g;
}

/* Hands `from`'s chain to `to` (in an application: through their pairwise
   session, which authenticates `from_name`). */
static void hand_chain(sotto_group *from, const char *from_name,
                       sotto_group *to) {
  sotto_buffer d = {0};
  OK(sotto_group_distribution(from, &d));
  CHECK(d.len > 0);
  OK(sotto_group_receive_distribution(to, d.ptr, d.len, STR(from_name)));
  OK(sotto_buffer_free(&d));
}

static void expect_read(sotto_group *g, sotto_buffer msg, const char *sender,
                        uint32_t epoch, const char *text) {
  sotto_buffer pt = {0}, from = {0};
  uint32_t e = 99;
  OK(sotto_group_decrypt(g, msg.ptr, msg.len, &pt, &from, &e));
  CHECK(buffer_equals(pt, text));
  CHECK(buffer_equals(from, sender));
  CHECK(e == epoch);
  OK(sotto_buffer_free(&pt));
  OK(sotto_buffer_free(&from));
}

static sotto_buffer send_text(sotto_group *g, const char *text,
                              sotto_buffer *rotated) {
  sotto_buffer msg = {0};
  OK(sotto_group_encrypt(g, STR(text), NOW, NULL, &msg, rotated));
  CHECK(msg.len > 0);
  return msg;
}

static void test_group_conversation_with_removal(void) {
  cases++;
  const char *not_alice[] = {"bob#1", "carol#1"};
  const char *not_bob[] = {"alice#1", "carol#1"};
  const char *not_carol[] = {"alice#1", "bob#1"};
  sotto_group *alice = create("alice#1", not_alice, 2, 0, 100);
  sotto_group *bob = create("bob#1", not_bob, 2, 0, 100);
  sotto_group *carol = create("carol#1", not_carol, 2, 0, 100);
  size_t count = 0;
  OK(sotto_group_member_count(alice, &count));
  CHECK(count == 2);

  /* Everyone hands their chain to everyone else. */
  hand_chain(alice, "alice#1", bob);
  hand_chain(alice, "alice#1", carol);
  hand_chain(bob, "bob#1", alice);
  hand_chain(bob, "bob#1", carol);
  hand_chain(carol, "carol#1", alice);
  hand_chain(carol, "carol#1", bob);
  bool has = false;
  OK(sotto_group_has_chain(bob, STR("alice#1"), 0, &has));
  CHECK(has);
  OK(sotto_group_has_chain(bob, STR("alice#1"), 1, &has));
  CHECK(!has);

  /* One message, encrypted once, read by every member. */
  sotto_buffer rotated = {0};
  sotto_buffer m1 = send_text(alice, "hello group", &rotated);
  EMPTY(rotated);
  expect_read(bob, m1, "alice#1", 0, "hello group");
  expect_read(carol, m1, "alice#1", 0, "hello group");

  /* The clear routing fields. */
  uint8_t gid[SOTTO_GROUP_ID_LEN + 4];
  memset(gid, 0xEE, sizeof gid);
  uint32_t epoch = 9, chain = 9;
  sotto_buffer sender = {0};
  OK(sotto_group_message_info(m1.ptr, m1.len, gid, sizeof gid, &epoch, &sender,
                              &chain));
  CHECK(memcmp(gid, GROUP_ID, SOTTO_GROUP_ID_LEN) == 0);
  CHECK(gid[SOTTO_GROUP_ID_LEN] == 0xEE); /* only 16 bytes written */
  CHECK(epoch == 0 && chain == 0);
  CHECK(buffer_equals(sender, "alice#1"));
  OK(sotto_buffer_free(&sender));

  /* A replay fails and changes nothing. */
  sotto_buffer pt = {0}, from = {0};
  uint32_t e = 0;
  CHECK_RC(sotto_group_decrypt(bob, m1.ptr, m1.len, &pt, &from, &e),
           SOTTO_ERR_DUPLICATE_MESSAGE);
  EMPTY(pt);
  EMPTY(from);

  /* Bob answers; Alice reads out of order (second message first). */
  sotto_buffer b1 = send_text(bob, "hi all", &rotated);
  sotto_buffer b2 = send_text(bob, "second", &rotated);
  expect_read(alice, b2, "bob#1", 0, "second");
  expect_read(alice, b1, "bob#1", 0, "hi all");
  expect_read(carol, b1, "bob#1", 0, "hi all");

  /* Tampered (signature covers everything): BAD_SIGNATURE, state kept. */
  uint8_t *bad = copy_of(b2);
  bad[b2.len / 2] ^= 1;
  CHECK_RC(sotto_group_decrypt(carol, bad, b2.len, &pt, &from, &e),
           SOTTO_ERR_BAD_SIGNATURE);
  EMPTY(pt);
  CHECK(e == 0);
  free(bad);
  expect_read(carol, b2, "bob#1", 0, "second");

  /* Carol is removed: Alice and Bob each start epoch 1 and hand their new
     chains to each other only. */
  const char *gone[] = {"carol#1"};
  const uint8_t *gone_ptr[] = {(const uint8_t *)gone[0]};
  size_t gone_len[] = {strlen(gone[0])};
  sotto_buffer da = {0}, db = {0};
  OK(sotto_group_remove_members(alice, gone_ptr, gone_len, 1, NOW, NULL, &da));
  OK(sotto_group_remove_members(bob, gone_ptr, gone_len, 1, NOW, NULL, &db));
  CHECK(da.len > 0 && db.len > 0);
  OK(sotto_group_epoch(alice, &epoch));
  CHECK(epoch == 1);
  OK(sotto_group_member_count(alice, &count));
  CHECK(count == 1);
  OK(sotto_group_receive_distribution(bob, da.ptr, da.len, STR("alice#1")));
  OK(sotto_group_receive_distribution(alice, db.ptr, db.len, STR("bob#1")));
  /* Receiving a chain twice is idempotent. */
  OK(sotto_group_receive_distribution(alice, db.ptr, db.len, STR("bob#1")));
  /* A chain handed over by the wrong session: IDENTITY_MISMATCH. */
  CHECK_RC(sotto_group_receive_distribution(alice, db.ptr, db.len,
                                            STR("carol#1")),
           SOTTO_ERR_IDENTITY_MISMATCH);

  sotto_buffer m2 = send_text(alice, "carol cannot read this", &rotated);
  EMPTY(rotated);
  expect_read(bob, m2, "alice#1", 1, "carol cannot read this");
  /* Carol holds only epoch-0 chains. */
  CHECK_RC(sotto_group_decrypt(carol, m2.ptr, m2.len, &pt, &from, &e),
           SOTTO_ERR_UNKNOWN_SENDER_CHAIN);
  EMPTY(pt);
  /* Carol's chains are gone from Alice's state, and she can no longer
     hand a new one. */
  sotto_buffer c1 = send_text(carol, "still here?", &rotated);
  CHECK_RC(sotto_group_decrypt(alice, c1.ptr, c1.len, &pt, &from, &e),
           SOTTO_ERR_UNKNOWN_SENDER_CHAIN);
  sotto_buffer dc = {0};
  OK(sotto_group_distribution(carol, &dc));
  CHECK_RC(sotto_group_receive_distribution(alice, dc.ptr, dc.len,
                                            STR("carol#1")),
           SOTTO_ERR_EPOCH_MISMATCH);
  /* Bob's epoch-0 message in flight still decrypts until the grace period
     ends; afterwards its chain is dropped. */
  sotto_buffer late = {0};
  OK(sotto_group_has_chain(alice, STR("bob#1"), 0, &has));
  CHECK(has);
  OK(sotto_group_drop_previous_epochs(alice));
  OK(sotto_group_has_chain(alice, STR("bob#1"), 0, &has));
  CHECK(!has);
  OK(sotto_group_has_chain(alice, STR("bob#1"), 1, &has));
  CHECK(has);

  /* Sealing: Bob's state survives a restart. */
  uint8_t key[32];
  OK(sotto_storage_key_generate(NULL, key, sizeof key));
  sotto_buffer sealed = {0};
  OK(sotto_group_seal(bob, key, sizeof key, NULL, &sealed));
  OK(sotto_group_free(bob));
  bob = NULL;
  uint8_t wrong[32] = {0};
  CHECK_RC(sotto_group_unseal(wrong, sizeof wrong, sealed.ptr, sealed.len, &bob),
           SOTTO_ERR_UNSEAL_FAILED);
  CHECK(bob == NULL);
  OK(sotto_group_unseal(key, sizeof key, sealed.ptr, sealed.len, &bob));
  sotto_buffer m3 = send_text(alice, "after restart", &rotated);
  expect_read(bob, m3, "alice#1", 1, "after restart");
  /* A sealed group is not a sealed record. */
  sotto_session_record *record = NULL;
  CHECK_RC(sotto_session_record_unseal(key, sizeof key, sealed.ptr, sealed.len,
                                       &record),
           SOTTO_ERR_WRONG_OBJECT_TYPE);

  /* A new member: Dave joins at epoch 1 and gets no history. */
  const uint8_t *dave_ptr[] = {(const uint8_t *)"dave#1"};
  size_t dave_len[] = {6};
  sotto_buffer to_dave = {0};
  OK(sotto_group_add_members(alice, dave_ptr, dave_len, 1, &to_dave));
  CHECK_RC(sotto_group_add_members(alice, dave_ptr, dave_len, 1, &late),
           SOTTO_ERR_INVALID_ARGUMENT); /* already a member */
  EMPTY(late);
  const char *not_dave[] = {"alice#1", "bob#1"};
  sotto_group *dave = create("dave#1", not_dave, 2, 1, 100);
  OK(sotto_group_receive_distribution(dave, to_dave.ptr, to_dave.len,
                                      STR("alice#1")));
  CHECK_RC(sotto_group_decrypt(dave, m3.ptr, m3.len, &pt, &from, &e),
           SOTTO_ERR_DUPLICATE_MESSAGE); /* before his chain's start */
  sotto_buffer m4 = send_text(alice, "welcome dave", &rotated);
  expect_read(dave, m4, "alice#1", 1, "welcome dave");

  sotto_buffer all[] = {m1, b1, b2, da, db, m2, c1, dc, sealed, m3, to_dave, m4};
  free_all(all, sizeof all / sizeof all[0]);
  OK(sotto_group_free(alice));
  OK(sotto_group_free(bob));
  OK(sotto_group_free(carol));
  OK(sotto_group_free(dave));
}

static void test_group_rotation(void) {
  cases++;
  const char *other[] = {"bob#1"};
  const char *other2[] = {"alice#1"};
  sotto_group *alice = create("alice#1", other, 1, 0, 2);
  sotto_group *bob = create("bob#1", other2, 1, 0, 2);
  hand_chain(alice, "alice#1", bob);
  sotto_buffer rotated = {0};
  sotto_buffer m1 = send_text(alice, "one", &rotated);
  EMPTY(rotated);
  sotto_buffer m2 = send_text(alice, "two", &rotated);
  EMPTY(rotated);
  /* The third message rotates first: it comes with the new chain. */
  sotto_buffer m3 = send_text(alice, "three", &rotated);
  CHECK(rotated.len > 0);
  uint32_t epoch = 9, chain = 9;
  uint8_t gid[SOTTO_GROUP_ID_LEN];
  sotto_buffer sender = {0};
  OK(sotto_group_message_info(m3.ptr, m3.len, gid, sizeof gid, &epoch, &sender,
                              &chain));
  CHECK(chain == 1 && epoch == 0);
  sotto_buffer pt = {0}, from = {0};
  uint32_t e = 0;
  CHECK_RC(sotto_group_decrypt(bob, m3.ptr, m3.len, &pt, &from, &e),
           SOTTO_ERR_UNKNOWN_SENDER_CHAIN);
  OK(sotto_group_receive_distribution(bob, rotated.ptr, rotated.len,
                                      STR("alice#1")));
  expect_read(bob, m3, "alice#1", 0, "three");
  expect_read(bob, m1, "alice#1", 0, "one");
  expect_read(bob, m2, "alice#1", 0, "two");
  /* A manual rotation. */
  sotto_buffer manual = {0};
  OK(sotto_group_rotate(alice, NOW, NULL, &manual));
  CHECK(manual.len > 0);
  sotto_buffer all[] = {m1, m2, m3, rotated, sender, manual};
  free_all(all, sizeof all / sizeof all[0]);
  OK(sotto_group_free(alice));
  OK(sotto_group_free(bob));
}

static void test_group_arguments(void) {
  cases++;
  const char *other[] = {"bob#1"};
  sotto_group *g = create("alice#1", other, 1, 0, 100);
  const uint8_t *members[] = {(const uint8_t *)"bob#1"};
  size_t lens[] = {5};
  sotto_group *out = (sotto_group *)(uintptr_t)16;
  uint8_t short_id[15] = {0};
  /* create: out, group id, own device, members, padding, contents. */
  CHECK_RC(sotto_group_create(GROUP_ID, 16, STR("a"), members, lens, 1, 0, 100,
                              60, SOTTO_PADDING_PADME, NOW, NULL, NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_group_create(short_id, sizeof short_id, STR("a"), members,
                              lens, 1, 0, 100, 60, SOTTO_PADDING_PADME, NOW,
                              NULL, &out),
           SOTTO_ERR_WRONG_LENGTH);
  CHECK(out == NULL);
  CHECK_RC(sotto_group_create(NULL, 16, STR("a"), members, lens, 1, 0, 100, 60,
                              SOTTO_PADDING_PADME, NOW, NULL, &out),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_group_create(GROUP_ID, 16, (const uint8_t *)"a", 0, members,
                              lens, 1, 0, 100, 60, SOTTO_PADDING_PADME, NOW,
                              NULL, &out),
           SOTTO_ERR_ZERO_LENGTH);
  CHECK_RC(sotto_group_create(GROUP_ID, 16, STR("a"), NULL, lens, 1, 0, 100, 60,
                              SOTTO_PADDING_PADME, NOW, NULL, &out),
           SOTTO_ERR_NULL_POINTER);
  size_t zero_len[] = {0};
  CHECK_RC(sotto_group_create(GROUP_ID, 16, STR("a"), members, zero_len, 1, 0,
                              100, 60, SOTTO_PADDING_PADME, NOW, NULL, &out),
           SOTTO_ERR_ZERO_LENGTH);
  CHECK_RC(sotto_group_create(GROUP_ID, 16, STR("a"), members, lens,
                              SOTTO_MAX_GROUP_DEVICES + 1, 0, 100, 60,
                              SOTTO_PADDING_PADME, NOW, NULL, &out),
           SOTTO_ERR_TOO_LARGE);
  CHECK_RC(sotto_group_create(GROUP_ID, 16, STR("a"), members, lens, 1, 0, 100,
                              60, 7, NOW, NULL, &out),
           SOTTO_ERR_INVALID_ARGUMENT);
  CHECK_RC(sotto_group_create(GROUP_ID, 16, STR("a"), members, lens, 1, 0, 0,
                              60, SOTTO_PADDING_PADME, NOW, NULL, &out),
           SOTTO_ERR_INVALID_ARGUMENT);
  CHECK_RC(sotto_group_create(GROUP_ID, 16, STR("bob#1"), members, lens, 1, 0,
                              100, 60, SOTTO_PADDING_PADME, NOW, NULL, &out),
           SOTTO_ERR_INVALID_ARGUMENT); /* itself among the members */
  char long_name[SOTTO_MAX_DEVICE_ADDRESS_LEN + 2];
  memset(long_name, 'x', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = 0;
  CHECK_RC(sotto_group_create(GROUP_ID, 16, STR(long_name), members, lens, 1, 0,
                              100, 60, SOTTO_PADDING_PADME, NOW, NULL, &out),
           SOTTO_ERR_INVALID_ARGUMENT);
  CHECK(out == NULL);
  /* Zero members is a group of one. */
  OK(sotto_group_create(GROUP_ID, 16, STR("solo"), NULL, NULL, 0, 0, 100, 60,
                        SOTTO_PADDING_NONE, NOW, NULL, &out));
  OK(sotto_group_free(out));

  /* Handles: NULL, wrong kind, freed. */
  sotto_buffer buf = {0}, buf2 = {0};
  uint32_t e = 0;
  CHECK_RC(sotto_group_distribution(NULL, &buf), SOTTO_ERR_NULL_POINTER);
  sotto_session_record *record = NULL;
  OK(sotto_session_record_new(&record));
  CHECK_RC(sotto_group_distribution((sotto_group *)record, &buf),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK_RC(sotto_group_free((sotto_group *)record), SOTTO_ERR_WRONG_HANDLE_KIND);
  OK(sotto_session_record_free(record));
  CHECK_RC(sotto_group_epoch((sotto_group *)record, &e),
           SOTTO_ERR_INVALID_HANDLE);
  CHECK_RC(sotto_group_distribution(g, NULL), SOTTO_ERR_NULL_POINTER);

  /* encrypt / decrypt. */
  CHECK_RC(sotto_group_encrypt(g, NULL, 3, NOW, NULL, &buf, &buf2),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_group_encrypt(g, STR("x"), NOW, NULL, NULL, &buf2),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_group_encrypt(g, STR("x"), NOW, NULL, &buf, &buf),
           SOTTO_ERR_ALIASED_OUTPUT);
  sotto_buffer msg = {0};
  OK(sotto_group_encrypt(g, NULL, 0, NOW, NULL, &msg, &buf2));
  EMPTY(buf2);
  CHECK_RC(sotto_group_decrypt(g, msg.ptr, 0, &buf, &buf2, &e),
           SOTTO_ERR_ZERO_LENGTH);
  CHECK_RC(sotto_group_decrypt(g, msg.ptr, msg.len, &buf, &buf2, NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_group_decrypt(g, msg.ptr, 5, &buf, &buf2, &e),
           SOTTO_ERR_TRUNCATED);
  /* Its own message: no chain of itself. */
  CHECK_RC(sotto_group_decrypt(g, msg.ptr, msg.len, &buf, &buf2, &e),
           SOTTO_ERR_UNKNOWN_SENDER_CHAIN);
  /* Another group's message. */
  uint8_t other_id[16] = {1};
  sotto_group *h = NULL;
  OK(sotto_group_create(other_id, 16, STR("bob#1"), (const uint8_t *[]){(const uint8_t *)"alice#1"},
                        (size_t[]){7}, 1, 0, 100, 60, SOTTO_PADDING_PADME, NOW,
                        NULL, &h));
  CHECK_RC(sotto_group_decrypt(h, msg.ptr, msg.len, &buf, &buf2, &e),
           SOTTO_ERR_SESSION_MISMATCH);
  sotto_buffer d = {0};
  OK(sotto_group_distribution(g, &d));
  CHECK_RC(sotto_group_receive_distribution(h, d.ptr, d.len, STR("alice#1")),
           SOTTO_ERR_SESSION_MISMATCH);
  CHECK_RC(sotto_group_receive_distribution(h, d.ptr, d.len - 1,
                                            STR("alice#1")),
           SOTTO_ERR_TRUNCATED);
  CHECK_RC(sotto_group_receive_distribution(h, d.ptr, d.len, NULL, 3),
           SOTTO_ERR_NULL_POINTER);
  OK(sotto_group_free(h));

  /* message_info: short group-id array, aliasing, framing. */
  uint8_t gid[SOTTO_GROUP_ID_LEN];
  uint32_t chain = 0;
  CHECK_RC(sotto_group_message_info(msg.ptr, msg.len, gid, 15, &e, &buf,
                                    &chain),
           SOTTO_ERR_BUFFER_TOO_SMALL);
  CHECK_RC(sotto_group_message_info(msg.ptr, msg.len, NULL, 16, &e, &buf,
                                    &chain),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_group_message_info(msg.ptr, msg.len, gid, 16, &e, NULL,
                                    &chain),
           SOTTO_ERR_NULL_POINTER);
  uint8_t *copy = copy_of(msg);
  CHECK_RC(sotto_group_message_info(copy, msg.len, copy + 4, 16, &e, &buf,
                                    &chain),
           SOTTO_ERR_ALIASED_OUTPUT);
  CHECK(memcmp(copy, msg.ptr, msg.len) == 0); /* nothing written */
  copy[0] ^= 0xFF;
  CHECK_RC(sotto_group_message_info(copy, msg.len, gid, 16, &e, &buf, &chain),
           SOTTO_ERR_UNSUPPORTED_VERSION);
  free(copy);

  /* membership changes: empty lists, strangers. */
  CHECK_RC(sotto_group_add_members(g, NULL, NULL, 0, &buf),
           SOTTO_ERR_ZERO_LENGTH);
  CHECK_RC(sotto_group_remove_members(g, NULL, NULL, 0, NOW, NULL, &buf),
           SOTTO_ERR_ZERO_LENGTH);
  const uint8_t *stranger[] = {(const uint8_t *)"eve#1"};
  size_t stranger_len[] = {5};
  CHECK_RC(sotto_group_remove_members(g, stranger, stranger_len, 1, NOW, NULL,
                                      &buf),
           SOTTO_ERR_INVALID_ARGUMENT);
  OK(sotto_group_epoch(g, &e));
  CHECK(e == 0); /* unchanged */
  CHECK_RC(sotto_group_rotate(g, NOW, NULL, NULL), SOTTO_ERR_NULL_POINTER);
  bool has = true;
  CHECK_RC(sotto_group_has_chain(g, NULL, 0, 0, &has), SOTTO_ERR_NULL_POINTER);
  CHECK(!has);

  /* seal / unseal arguments. */
  uint8_t key[32] = {1};
  CHECK_RC(sotto_group_seal(g, key, 31, NULL, &buf), SOTTO_ERR_WRONG_LENGTH);
  CHECK_RC(sotto_group_unseal(key, 32, NULL, 0, &out), SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_group_unseal(key, 32, key, 32, NULL), SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_group_unseal(key, 32, key, 32, &out), SOTTO_ERR_WRONG_OBJECT_TYPE);
  CHECK(out == NULL);

  OK(sotto_buffer_free(&msg));
  OK(sotto_buffer_free(&d));
  OK(sotto_group_free(g));
  CHECK_RC(sotto_group_free(g), SOTTO_ERR_INVALID_HANDLE);
  OK(sotto_group_free(NULL));
}

/* The documented checking order of the new functions: handles first, then
   outputs (reset on entry even when a handle is bad), then inputs, then
   aliasing, then contents. */
static void test_validation_order(void) {
  cases++;
  sotto_group *freed = NULL;
  OK(sotto_group_create(GROUP_ID, 16, STR("a"), NULL, NULL, 0, 0, 100, 60,
                        SOTTO_PADDING_PADME, NOW, NULL, &freed));
  OK(sotto_group_free(freed));
  uint8_t junk[8] = {0};
  sotto_buffer out = {junk, 8}, out2 = {junk, 8};
  uint32_t e = 5;
  /* A freed handle beats NULL outputs and bad inputs... */
  CHECK_RC(sotto_group_encrypt(freed, NULL, 3, NOW, NULL, NULL, NULL),
           SOTTO_ERR_INVALID_HANDLE);
  CHECK_RC(sotto_group_decrypt(freed, NULL, 0, &out, &out2, &e),
           SOTTO_ERR_INVALID_HANDLE);
  /* ... and the outputs were reset anyway. */
  EMPTY(out);
  EMPTY(out2);
  CHECK(e == 0);
  sotto_session_record *record = NULL;
  OK(sotto_session_record_new(&record));
  sotto_session_record *dead_record = NULL;
  OK(sotto_session_record_new(&dead_record));
  OK(sotto_session_record_free(dead_record));
  CHECK_RC(sotto_session_record_decrypt(dead_record, NULL, NULL, 0, NULL, 0,
                                        NULL, 0, NULL),
           SOTTO_ERR_INVALID_HANDLE);
  /* record first, then account. */
  CHECK_RC(sotto_session_record_decrypt(record, NULL, NULL, 0, NULL, 0, NULL, 0,
                                        NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_session_record_decrypt(record, (sotto_account *)record, NULL,
                                        0, NULL, 0, NULL, 0, NULL),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  /* Outputs before inputs: a NULL output wins over a NULL message. */
  sotto_account *account = NULL;
  OK(sotto_account_new(NULL, &account));
  CHECK_RC(sotto_session_record_decrypt(record, account, NULL, 0, NULL, 0, NULL,
                                        0, NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_session_record_decrypt(record, account, NULL, 0, NULL, 0, NULL,
                                        0, &out),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_session_record_decrypt(record, account, junk, 0, NULL, 0, NULL,
                                        0, &out),
           SOTTO_ERR_ZERO_LENGTH);
  /* Inputs before aliasing, aliasing before contents. */
  CHECK_RC(sotto_session_record_decrypt(record, account, junk, 8, STR("a"),
                                        STR("b"), (sotto_buffer *)junk),
           SOTTO_ERR_ALIASED_OUTPUT);
  CHECK_RC(sotto_session_record_decrypt(record, account, junk, 8, STR("a"),
                                        NULL, 0, (sotto_buffer *)junk),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_session_record_decrypt(record, account, junk, 8, STR("a"),
                                        STR("b"), &out),
           SOTTO_ERR_UNSUPPORTED_VERSION);
  /* The same for a user identity and a link offer. */
  sotto_user_identity *user = NULL;
  OK(sotto_user_identity_new(NULL, &user));
  uint32_t code = 3;
  CHECK_RC(sotto_link_respond((sotto_user_identity *)account, NULL, 0, 1, NULL,
                              0, NOW, NULL, &out, &out2, &code),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK(code == 0);
  CHECK_RC(sotto_link_respond(user, NULL, 0, 1, NULL, 0, NOW,
                              (sotto_rng *)user, &out, &out2, &code),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK_RC(sotto_link_respond(user, NULL, 0, 1, NULL, 0, NOW, NULL, &out, &out2,
                              &code),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_link_respond(user, junk, 8, 1, NULL, 0, NOW, NULL, &out, &out2,
                              &code),
           SOTTO_ERR_UNSUPPORTED_VERSION);
  OK(sotto_user_identity_free(user));
  OK(sotto_session_record_free(record));
  OK(sotto_account_free(account));
}

/* One group handle used from several threads: calls are serialized by the
   handle's lock, so every message decrypts exactly once. */
typedef struct {
  sotto_group *group;
  sotto_buffer *messages;
  int first, count, ok;
} reader_job;

static void *reader(void *arg) {
  reader_job *job = arg;
  for (int i = job->first; i < job->first + job->count; i++) {
    sotto_buffer pt = {0}, from = {0};
    uint32_t e = 0;
    if (sotto_group_decrypt(job->group, job->messages[i].ptr,
                            job->messages[i].len, &pt, &from, &e) == SOTTO_OK &&
        pt.len == 1 && pt.ptr[0] == (uint8_t)i)
      job->ok++;
    sotto_buffer_free(&pt);
    sotto_buffer_free(&from);
  }
  return NULL;
}

static void test_group_threads(void) {
  cases++;
  enum { N = 40 };
  const char *other[] = {"bob#1"};
  const char *other2[] = {"alice#1"};
  sotto_group *alice = create("alice#1", other, 1, 0, 1000);
  sotto_group *bob = create("bob#1", other2, 1, 0, 1000);
  hand_chain(alice, "alice#1", bob);
  sotto_buffer messages[N], rotated = {0};
  for (int i = 0; i < N; i++) {
    uint8_t byte = (uint8_t)i;
    messages[i] = (sotto_buffer){0};
    OK(sotto_group_encrypt(alice, &byte, 1, NOW, NULL, &messages[i], &rotated));
  }
  pthread_t threads[4];
  reader_job jobs[4];
  for (int t = 0; t < 4; t++) {
    jobs[t] = (reader_job){bob, messages, t * (N / 4), N / 4, 0};
    CHECK(pthread_create(&threads[t], NULL, reader, &jobs[t]) == 0);
  }
  int total = 0;
  for (int t = 0; t < 4; t++) {
    CHECK(pthread_join(threads[t], NULL) == 0);
    total += jobs[t].ok;
  }
  CHECK(total == N);
  free_all(messages, N);
  OK(sotto_group_free(alice));
  OK(sotto_group_free(bob));
}

int main(void) {
  test_group_conversation_with_removal();
  test_group_rotation();
  test_group_arguments();
  test_validation_order();
  test_group_threads();
  test_no_leaks();
  return summary();
}
