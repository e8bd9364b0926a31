/*
 * Sending to a person (PROTOCOL.md §20) through the C ABI: contacts, the
 * fan-out to every device of the recipient and every other device of the
 * sender, the per-device report, refusals (UNKNOWN_DEVICE, ROLLBACK) and
 * sealing (run by scripts/test-c.sh like test_sotto.c).
 */
#include "check.h"

static const uint64_t NOW = 1700000000;

/* One device of one person: its account and its §20.1 address. */
typedef struct {
  sotto_account *account;
  uint8_t address[SOTTO_DEVICE_ADDRESS_LEN];
} device;

/* A person: the user identity, its key and two devices (ids 1 and 2). */
typedef struct {
  sotto_user_identity *user;
  uint8_t key[SOTTO_USER_IDENTITY_KEY_LEN];
  device dev[2];
  sotto_buffer list; /* the committed list, as signed */
} person;

static void address_of(const uint8_t key[SOTTO_USER_IDENTITY_KEY_LEN],
                       uint32_t id, uint8_t out[SOTTO_DEVICE_ADDRESS_LEN]) {
  memcpy(out, key, SOTTO_USER_IDENTITY_KEY_LEN);
  out[33] = (uint8_t)(id >> 24);
  out[34] = (uint8_t)(id >> 16);
  out[35] = (uint8_t)(id >> 8);
  out[36] = (uint8_t)id;
}

static void person_new(person *p) {
  OK(sotto_user_identity_new(NULL, &p->user));
  OK(sotto_user_identity_public_key(p->user, p->key, sizeof p->key));
  uint8_t identities[2 * SOTTO_IDENTITY_LEN];
  uint32_t ids[2] = {1, 2};
  for (int i = 0; i < 2; i++) {
    OK(sotto_account_new(NULL, &p->dev[i].account));
    OK(sotto_account_generate_one_time_prekeys(p->dev[i].account, 5, NULL));
    sotto_buffer id = {0};
    OK(sotto_account_identity(p->dev[i].account, &id));
    CHECK(id.len == SOTTO_IDENTITY_LEN);
    memcpy(identities + i * SOTTO_IDENTITY_LEN, id.ptr, SOTTO_IDENTITY_LEN);
    OK(sotto_buffer_free(&id));
    address_of(p->key, ids[i], p->dev[i].address);
  }
  p->list = (sotto_buffer){0};
  OK(sotto_user_identity_sign_device_list(p->user, ids, identities,
                                          sizeof identities, 2, NULL, 0, NOW,
                                          &p->list));
  OK(sotto_user_identity_commit_device_list(p->user, p->list.ptr,
                                            p->list.len));
}

static void person_free(person *p) {
  OK(sotto_buffer_free(&p->list));
  for (int i = 0; i < 2; i++) OK(sotto_account_free(p->dev[i].account));
  OK(sotto_user_identity_free(p->user));
}

/* A contact for `of`, held by a device that verified `of`'s user key. */
static sotto_contact *contact_of(const person *of) {
  sotto_device_list *list = NULL;
  OK(sotto_device_list_new(of->list.ptr, of->list.len, of->key,
                           sizeof of->key, &list));
  sotto_contact *contact = NULL;
  OK(sotto_contact_new(list, &contact));
  OK(sotto_device_list_free(list));
  CHECK(contact != NULL);
  return contact;
}

static sotto_buffer bundle_of(const device *d) {
  sotto_buffer bundle = {0};
  OK(sotto_account_prekey_bundle(d->account, &bundle));
  return bundle;
}

/* Number of addresses in `devices_without_session(contact, me)`. */
static size_t without_session(const sotto_contact *contact, const device *me) {
  sotto_buffer missing = {0};
  OK(sotto_contact_devices_without_session(contact, me->address,
                                           SOTTO_DEVICE_ADDRESS_LEN, &missing));
  CHECK(missing.len % SOTTO_DEVICE_ADDRESS_LEN == 0);
  size_t n = missing.len / SOTTO_DEVICE_ADDRESS_LEN;
  OK(sotto_buffer_free(&missing));
  return n;
}

/* Line `i` of a report: checks its address and outcome; returns its message. */
static sotto_buffer line(const sotto_delivery_report *report, size_t i,
                         const device *to, int32_t outcome, bool new_session) {
  uint8_t address[SOTTO_DEVICE_ADDRESS_LEN];
  int32_t got = -1, status = -1;
  bool fresh = !new_session;
  sotto_buffer message = {0};
  OK(sotto_delivery_report_get(report, i, address, sizeof address, &got,
                               &status, &fresh, &message));
  CHECK(memcmp(address, to->address, sizeof address) == 0);
  CHECK(got == outcome);
  CHECK(status == SOTTO_OK);
  CHECK(fresh == new_session);
  CHECK((message.len > 0) == (outcome == SOTTO_DELIVERY_SENT));
  return message;
}

static size_t report_len(const sotto_delivery_report *report) {
  size_t n = 0;
  OK(sotto_delivery_report_count(report, &n));
  return n;
}

/* Decrypts `message` from device `from_device` of `contact`'s person at
 * device `me`, and checks the plaintext and the addressee. */
static void receive(sotto_contact *contact, device *me, uint32_t from_device,
                    sotto_buffer message, const char *text,
                    const uint8_t to_key[SOTTO_USER_IDENTITY_KEY_LEN]) {
  uint8_t to[SOTTO_USER_IDENTITY_KEY_LEN];
  sotto_buffer plain = {0};
  OK(sotto_contact_decrypt(contact, me->account, me->address,
                           SOTTO_DEVICE_ADDRESS_LEN, from_device, message.ptr,
                           message.len, to, sizeof to, &plain));
  CHECK(buffer_equals(plain, text));
  CHECK(memcmp(to, to_key, sizeof to) == 0);
  OK(sotto_buffer_free(&plain));
}

/* Decrypting `message` fails with `expected` and leaves the outputs empty. */
static void refuse(sotto_contact *contact, device *me, uint32_t from_device,
                   sotto_buffer message, int32_t expected) {
  uint8_t to[SOTTO_USER_IDENTITY_KEY_LEN] = {0};
  sotto_buffer plain = {0};
  CHECK_RC(sotto_contact_decrypt(contact, me->account, me->address,
                                 SOTTO_DEVICE_ADDRESS_LEN, from_device,
                                 message.ptr, message.len, to, sizeof to,
                                 &plain),
           expected);
  EMPTY(plain);
}

/*
 * Alice's phone writes to Bob: one call makes a copy for Bob's phone, Bob's
 * laptop and Alice's laptop; each decrypts its copy exactly once. Bob
 * replies from his phone the same way.
 */
static void test_fanout(void) {
  cases++;
  person alice, bob;
  person_new(&alice);
  person_new(&bob);
  device *a1 = &alice.dev[0], *a2 = &alice.dev[1];
  device *b1 = &bob.dev[0], *b2 = &bob.dev[1];

  /* Alice's phone: her own contact and Bob's. */
  sotto_contact *a1_own = contact_of(&alice), *a1_bob = contact_of(&bob);
  CHECK(without_session(a1_bob, a1) == 2);
  CHECK(without_session(a1_own, a1) == 1); /* her laptop, not the phone */
  uint8_t key_seen[SOTTO_USER_IDENTITY_KEY_LEN];
  sotto_device_list *held = NULL;
  OK(sotto_contact_device_list(a1_bob, &held));
  OK(sotto_device_list_user_key(held, key_seen, sizeof key_seen));
  CHECK(memcmp(key_seen, bob.key, sizeof key_seen) == 0);
  OK(sotto_device_list_free(held));

  /* Without bundles: three NEEDS_BUNDLE lines, nothing changes. */
  sotto_delivery_report *report = NULL;
  OK(sotto_send_to_person(a1->account, a1->address, SOTTO_DEVICE_ADDRESS_LEN,
                          a1_own, a1_bob, NULL, 0, NULL, NULL, 0,
                          STR("hi Bob"), NULL, &report));
  CHECK(report_len(report) == 3);
  sotto_buffer none[3] = {
      line(report, 0, b1, SOTTO_DELIVERY_NEEDS_BUNDLE, false),
      line(report, 1, b2, SOTTO_DELIVERY_NEEDS_BUNDLE, false),
      line(report, 2, a2, SOTTO_DELIVERY_NEEDS_BUNDLE, false)};
  free_all(none, 3);
  OK(sotto_delivery_report_free(report));
  CHECK(without_session(a1_bob, a1) == 2);

  /* A bundle whose identity is not the listed one (Bob's phone's bundle
   * given for his laptop) is rejected for that device only. */
  sotto_buffer bundle_b1 = bundle_of(b1), bundle_b2 = bundle_of(b2),
               bundle_a2 = bundle_of(a2);
  uint8_t addresses[3 * SOTTO_DEVICE_ADDRESS_LEN];
  memcpy(addresses, b1->address, SOTTO_DEVICE_ADDRESS_LEN);
  memcpy(addresses + SOTTO_DEVICE_ADDRESS_LEN, b2->address,
         SOTTO_DEVICE_ADDRESS_LEN);
  memcpy(addresses + 2 * SOTTO_DEVICE_ADDRESS_LEN, a2->address,
         SOTTO_DEVICE_ADDRESS_LEN);
  const uint8_t *bundles[3] = {bundle_b1.ptr, bundle_b1.ptr, bundle_a2.ptr};
  size_t lens[3] = {bundle_b1.len, bundle_b1.len, bundle_a2.len};
  OK(sotto_send_to_person(a1->account, a1->address, SOTTO_DEVICE_ADDRESS_LEN,
                          a1_own, a1_bob, addresses, sizeof addresses, bundles,
                          lens, 3, STR("hi Bob"), NULL, &report));
  CHECK(report_len(report) == 3);
  sotto_buffer m1_b1 = line(report, 0, b1, SOTTO_DELIVERY_SENT, true);
  {
    uint8_t address[SOTTO_DEVICE_ADDRESS_LEN];
    int32_t outcome = 0, status = 0;
    bool fresh = true;
    sotto_buffer message = {0};
    OK(sotto_delivery_report_get(report, 1, address, sizeof address, &outcome,
                                 &status, &fresh, &message));
    CHECK(memcmp(address, b2->address, sizeof address) == 0);
    CHECK(outcome == SOTTO_DELIVERY_BUNDLE_REJECTED);
    CHECK(status == SOTTO_ERR_UNKNOWN_DEVICE);
    CHECK(!fresh);
    EMPTY(message);
    /* Past the last line. */
    CHECK_RC(sotto_delivery_report_get(report, 3, address, sizeof address,
                                       &outcome, &status, &fresh, &message),
             SOTTO_ERR_INVALID_ARGUMENT);
    CHECK(outcome == 0 && status == 0 && !fresh);
    EMPTY(message);
  }
  sotto_buffer m1_a2 = line(report, 2, a2, SOTTO_DELIVERY_SENT, true);
  OK(sotto_delivery_report_free(report));
  CHECK(without_session(a1_bob, a1) == 1); /* the laptop still */
  CHECK(without_session(a1_own, a1) == 0);

  /* Now with the laptop's own bundle: a new session for it only. */
  bundles[0] = bundle_b2.ptr;
  lens[0] = bundle_b2.len;
  OK(sotto_send_to_person(a1->account, a1->address, SOTTO_DEVICE_ADDRESS_LEN,
                          a1_own, a1_bob, b2->address,
                          SOTTO_DEVICE_ADDRESS_LEN, bundles, lens, 1,
                          STR("are you there?"), NULL, &report));
  CHECK(report_len(report) == 3);
  sotto_buffer m2_b1 = line(report, 0, b1, SOTTO_DELIVERY_SENT, false);
  sotto_buffer m2_b2 = line(report, 1, b2, SOTTO_DELIVERY_SENT, true);
  sotto_buffer m2_a2 = line(report, 2, a2, SOTTO_DELIVERY_SENT, false);
  OK(sotto_delivery_report_free(report));
  CHECK(without_session(a1_bob, a1) == 0);

  /* Each device decrypts its copies once, through its contact for Alice
   * (Bob's devices) or its own contact (Alice's laptop). Every copy names
   * Bob as the addressee. */
  sotto_contact *b1_alice = contact_of(&alice), *b2_alice = contact_of(&alice),
                *a2_own = contact_of(&alice);
  receive(b1_alice, b1, 1, m1_b1, "hi Bob", bob.key);
  receive(b1_alice, b1, 1, m2_b1, "are you there?", bob.key);
  receive(b2_alice, b2, 1, m2_b2, "are you there?", bob.key);
  receive(a2_own, a2, 1, m1_a2, "hi Bob", bob.key);
  receive(a2_own, a2, 1, m2_a2, "are you there?", bob.key);
  /* Exactly once: a copy replayed is refused, and a copy decrypted by
   * another device than its own fails. */
  refuse(b1_alice, b1, 1, m1_b1, SOTTO_ERR_DUPLICATE_MESSAGE);
  refuse(b1_alice, b1, 1, m2_b1, SOTTO_ERR_DUPLICATE_MESSAGE);
  refuse(b2_alice, b2, 1, m2_b2, SOTTO_ERR_DUPLICATE_MESSAGE);
  refuse(a2_own, a2, 1, m2_a2, SOTTO_ERR_DUPLICATE_MESSAGE);
  uint8_t to[SOTTO_USER_IDENTITY_KEY_LEN];
  sotto_buffer plain = {0};
  CHECK(sotto_contact_decrypt(b2_alice, b2->account, b2->address,
                              SOTTO_DEVICE_ADDRESS_LEN, 1, m2_b1.ptr,
                              m2_b1.len, to, sizeof to, &plain) != SOTTO_OK);
  EMPTY(plain);
  /* A copy for Alice's own laptop offered to Bob's phone's contact for
   * Alice: it is not Bob's session. */
  CHECK(sotto_contact_decrypt(b1_alice, b1->account, b1->address,
                              SOTTO_DEVICE_ADDRESS_LEN, 1, m2_a2.ptr,
                              m2_a2.len, to, sizeof to, &plain) != SOTTO_OK);
  EMPTY(plain);

  /* Bob's phone replies: to Alice's two devices and his laptop. */
  sotto_contact *b1_own = contact_of(&bob);
  sotto_buffer bundle_b2_again = bundle_of(b2);
  sotto_buffer bundle_a2_again = bundle_of(a2);
  CHECK(without_session(b1_alice, b1) == 1); /* Alice's laptop */
  CHECK(without_session(b1_own, b1) == 1);   /* Bob's laptop */
  memcpy(addresses, a2->address, SOTTO_DEVICE_ADDRESS_LEN);
  memcpy(addresses + SOTTO_DEVICE_ADDRESS_LEN, b2->address,
         SOTTO_DEVICE_ADDRESS_LEN);
  bundles[0] = bundle_a2_again.ptr;
  lens[0] = bundle_a2_again.len;
  bundles[1] = bundle_b2_again.ptr;
  lens[1] = bundle_b2_again.len;
  OK(sotto_send_to_person(b1->account, b1->address, SOTTO_DEVICE_ADDRESS_LEN,
                          b1_own, b1_alice, addresses,
                          2 * SOTTO_DEVICE_ADDRESS_LEN, bundles, lens, 2,
                          STR("yes"), NULL, &report));
  CHECK(report_len(report) == 3);
  sotto_buffer r_a1 = line(report, 0, a1, SOTTO_DELIVERY_SENT, false);
  sotto_buffer r_a2 = line(report, 1, a2, SOTTO_DELIVERY_SENT, true);
  sotto_buffer r_b2 = line(report, 2, b2, SOTTO_DELIVERY_SENT, true);
  OK(sotto_delivery_report_free(report));
  receive(a1_bob, a1, 1, r_a1, "yes", alice.key);
  sotto_contact *a2_bob = contact_of(&bob), *b2_own = contact_of(&bob);
  receive(a2_bob, a2, 1, r_a2, "yes", alice.key);
  /* Bob's laptop files its copy in the conversation with Alice. */
  receive(b2_own, b2, 1, r_b2, "yes", alice.key);

  /* The transport lies about the sender: a message of Bob's phone claimed
   * from his laptop, or from a device the list does not name. */
  sotto_buffer again = {0};
  OK(sotto_send_to_person(b1->account, b1->address, SOTTO_DEVICE_ADDRESS_LEN,
                          b1_own, b1_alice, NULL, 0, NULL, NULL, 0,
                          STR("again"), NULL, &report));
  CHECK_RC(sotto_delivery_report_get(report, 0, to, sizeof to, NULL, NULL,
                                     NULL, NULL),
           SOTTO_ERR_NULL_POINTER);
  {
    uint8_t address[SOTTO_DEVICE_ADDRESS_LEN];
    int32_t outcome = 0, status = 0;
    bool fresh = false;
    OK(sotto_delivery_report_get(report, 0, address, sizeof address, &outcome,
                                 &status, &fresh, &again));
    CHECK(outcome == SOTTO_DELIVERY_SENT);
  }
  OK(sotto_delivery_report_free(report));
  refuse(a1_bob, a1, 3, again, SOTTO_ERR_UNKNOWN_DEVICE);
  CHECK(sotto_contact_decrypt(a1_bob, a1->account, a1->address,
                              SOTTO_DEVICE_ADDRESS_LEN, 2, again.ptr,
                              again.len, to, sizeof to, &plain) != SOTTO_OK);
  EMPTY(plain);
  /* From oneself: UNKNOWN_DEVICE. */
  refuse(a2_own, a2, 2, m2_a2, SOTTO_ERR_UNKNOWN_DEVICE);
  /* Nothing changed: the message still decrypts from its real sender. */
  receive(a1_bob, a1, 1, again, "again", alice.key);

  sotto_buffer all[] = {bundle_b1, bundle_b2,       bundle_a2, bundle_b2_again,
                        bundle_a2_again, m1_b1,     m1_a2,     m2_b1,
                        m2_b2,     m2_a2,           r_a1,      r_a2,
                        r_b2,      again};
  free_all(all, sizeof all / sizeof all[0]);
  sotto_contact *contacts[] = {a1_own, a1_bob, b1_alice, b2_alice, a2_own,
                               b1_own, a2_bob, b2_own};
  for (size_t i = 0; i < sizeof contacts / sizeof contacts[0]; i++)
    OK(sotto_contact_free(contacts[i]));
  person_free(&alice);
  person_free(&bob);
}

/*
 * A ghost device (an account Bob's list does not name) that claims to be
 * Bob's laptop: its session's identity is not the listed one, refused as
 * UNKNOWN_DEVICE; a list with a ghost inserted is BAD_SIGNATURE; an older
 * list is ROLLBACK; a device removed from the list stops receiving copies
 * and delivering messages.
 */
static void test_refusals(void) {
  cases++;
  person alice, bob;
  person_new(&alice);
  person_new(&bob);
  device *a1 = &alice.dev[0], *b1 = &bob.dev[0], *b2 = &bob.dev[1];
  sotto_contact *a1_bob = contact_of(&bob), *a1_own = contact_of(&alice);

  /* The ghost starts a session with Alice's phone under the laptop's
   * address, with a well-formed payload (Alice's key || text). */
  sotto_account *ghost = NULL;
  OK(sotto_account_new(NULL, &ghost));
  sotto_buffer bundle_a1 = bundle_of(a1);
  sotto_session *session = NULL;
  OK(sotto_session_initiate(ghost, bundle_a1.ptr, bundle_a1.len, b2->address,
                            SOTTO_DEVICE_ADDRESS_LEN, a1->address,
                            SOTTO_DEVICE_ADDRESS_LEN, NULL, &session));
  uint8_t payload[SOTTO_USER_IDENTITY_KEY_LEN + 5];
  memcpy(payload, alice.key, SOTTO_USER_IDENTITY_KEY_LEN);
  memcpy(payload + SOTTO_USER_IDENTITY_KEY_LEN, "boo!!", 5);
  sotto_buffer ghost_message = {0};
  OK(sotto_session_encrypt(session, payload, sizeof payload, NULL,
                           &ghost_message));
  refuse(a1_bob, a1, 2, ghost_message, SOTTO_ERR_UNKNOWN_DEVICE);
  refuse(a1_bob, a1, 7, ghost_message, SOTTO_ERR_UNKNOWN_DEVICE);
  CHECK(without_session(a1_bob, a1) == 2); /* no session was kept */

  /* Bob's lists: v2 (the committed one), v3 adds a tablet, v4 removes the
   * laptop. Alice imports v3; v2 again is ROLLBACK; a v3 with a ghost
   * spliced in (bytes changed) is BAD_SIGNATURE. */
  sotto_buffer ghost_id = {0}, v3 = {0}, v4 = {0}, added = {0}, removed = {0};
  OK(sotto_account_identity(ghost, &ghost_id));
  uint32_t tablet = 3;
  OK(sotto_user_identity_sign_device_list(bob.user, &tablet, ghost_id.ptr,
                                          ghost_id.len, 1, NULL, 0, NOW + 5,
                                          &v3));
  OK(sotto_user_identity_commit_device_list(bob.user, v3.ptr, v3.len));
  uint8_t *forged = copy_of(v3);
  forged[v3.len / 2] ^= 1;
  CHECK_RC(sotto_contact_update_list(a1_bob, forged, v3.len, &added, &removed),
           SOTTO_ERR_BAD_SIGNATURE);
  free(forged);
  EMPTY(added);
  EMPTY(removed);
  OK(sotto_contact_update_list(a1_bob, v3.ptr, v3.len, &added, &removed));
  CHECK(added.len == SOTTO_DEVICE_ENTRY_LEN);
  EMPTY(removed);
  OK(sotto_buffer_free(&added));
  CHECK_RC(sotto_contact_update_list(a1_bob, bob.list.ptr, bob.list.len,
                                     &added, &removed),
           SOTTO_ERR_ROLLBACK);
  EMPTY(added);
  EMPTY(removed);
  CHECK(without_session(a1_bob, a1) == 3);

  /* Sessions with both of Bob's devices, then v4 removes the laptop. */
  sotto_buffer bundle_b1 = bundle_of(b1), bundle_b2 = bundle_of(b2);
  uint8_t addresses[2 * SOTTO_DEVICE_ADDRESS_LEN];
  memcpy(addresses, b1->address, SOTTO_DEVICE_ADDRESS_LEN);
  memcpy(addresses + SOTTO_DEVICE_ADDRESS_LEN, b2->address,
         SOTTO_DEVICE_ADDRESS_LEN);
  const uint8_t *bundles[2] = {bundle_b1.ptr, bundle_b2.ptr};
  size_t lens[2] = {bundle_b1.len, bundle_b2.len};
  sotto_delivery_report *report = NULL;
  OK(sotto_send_to_person(a1->account, a1->address, SOTTO_DEVICE_ADDRESS_LEN,
                          a1_own, a1_bob, addresses, sizeof addresses, bundles,
                          lens, 2, STR("hello"), NULL, &report));
  CHECK(report_len(report) == 4); /* phone, laptop, tablet; Alice's laptop */
  OK(sotto_delivery_report_free(report));
  CHECK(without_session(a1_bob, a1) == 1); /* the tablet */

  uint32_t laptop = 2;
  OK(sotto_user_identity_sign_device_list(bob.user, NULL, NULL, 0, 0, &laptop,
                                          1, NOW + 9, &v4));
  OK(sotto_contact_update_list(a1_bob, v4.ptr, v4.len, &added, &removed));
  EMPTY(added);
  CHECK(removed.len == SOTTO_DEVICE_ENTRY_LEN);
  OK(sotto_buffer_free(&removed));
  OK(sotto_send_to_person(a1->account, a1->address, SOTTO_DEVICE_ADDRESS_LEN,
                          a1_own, a1_bob, NULL, 0, NULL, NULL, 0,
                          STR("bye laptop"), NULL, &report));
  CHECK(report_len(report) == 3); /* phone, tablet; Alice's laptop */
  sotto_buffer sent = line(report, 0, b1, SOTTO_DELIVERY_SENT, false);
  OK(sotto_buffer_free(&sent));
  uint8_t address[SOTTO_DEVICE_ADDRESS_LEN];
  int32_t outcome = 0, status = 0;
  bool fresh = false;
  OK(sotto_delivery_report_get(report, 1, address, sizeof address, &outcome,
                               &status, &fresh, &sent));
  CHECK(address[36] == 3 && outcome == SOTTO_DELIVERY_NEEDS_BUNDLE);
  OK(sotto_delivery_report_free(report));
  /* A bundle for the removed laptop names no target: UNKNOWN_DEVICE, and
   * nothing changes. */
  CHECK_RC(sotto_send_to_person(a1->account, a1->address,
                                SOTTO_DEVICE_ADDRESS_LEN, a1_own, a1_bob,
                                b2->address, SOTTO_DEVICE_ADDRESS_LEN,
                                &bundles[1], &lens[1], 1, STR("x"), NULL,
                                &report),
           SOTTO_ERR_UNKNOWN_DEVICE);
  CHECK(report == NULL);

  /* Alice's laptop removed from her own list: her phone still sends; the
   * laptop itself may no longer (its own list does not name it). */
  sotto_contact *a2_own = contact_of(&alice);
  uint32_t alice_laptop = 2;
  sotto_buffer alice_v2 = {0};
  OK(sotto_user_identity_sign_device_list(alice.user, NULL, NULL, 0, 0,
                                          &alice_laptop, 1, NOW + 9,
                                          &alice_v2));
  OK(sotto_contact_update_list(a2_own, alice_v2.ptr, alice_v2.len, &added,
                               &removed));
  OK(sotto_buffer_free(&removed));
  CHECK_RC(sotto_send_to_person(alice.dev[1].account, alice.dev[1].address,
                                SOTTO_DEVICE_ADDRESS_LEN, a2_own, a1_bob, NULL,
                                0, NULL, NULL, 0, STR("x"), NULL, &report),
           SOTTO_ERR_UNKNOWN_DEVICE);

  sotto_buffer all[] = {bundle_a1, ghost_message, ghost_id, v3, v4,
                        bundle_b1, bundle_b2, alice_v2};
  free_all(all, sizeof all / sizeof all[0]);
  OK(sotto_session_free(session));
  OK(sotto_account_free(ghost));
  OK(sotto_contact_free(a1_bob));
  OK(sotto_contact_free(a1_own));
  OK(sotto_contact_free(a2_own));
  person_free(&alice);
  person_free(&bob);
}

/* A contact sealed and restored keeps its list and sessions, version 1
 * or 2 (the post-quantum ratchet, negotiated per device). */
static void test_seal(void) {
  cases++;
  person alice, bob;
  person_new(&alice);
  person_new(&bob);
  device *a1 = &alice.dev[0], *b1 = &bob.dev[0], *b2 = &bob.dev[1];
  sotto_contact *a1_bob = contact_of(&bob), *a1_own = contact_of(&alice);
  /* Bob's laptop publishes the version-2 bundle (§22.2), his phone the
   * version-1 one. */
  sotto_buffer bundle_b1 = bundle_of(b1), bundle_b2_v1 = bundle_of(b2),
               bundle_b2 = {0};
  OK(sotto_bundle_with_pq_ratchet(bundle_b2_v1.ptr, bundle_b2_v1.len,
                                  &bundle_b2));
  uint8_t addresses[2 * SOTTO_DEVICE_ADDRESS_LEN];
  memcpy(addresses, b1->address, SOTTO_DEVICE_ADDRESS_LEN);
  memcpy(addresses + SOTTO_DEVICE_ADDRESS_LEN, b2->address,
         SOTTO_DEVICE_ADDRESS_LEN);
  const uint8_t *bundles[2] = {bundle_b1.ptr, bundle_b2.ptr};
  size_t lens[2] = {bundle_b1.len, bundle_b2.len};
  sotto_delivery_report *report = NULL;
  bool pq = true;
  uint32_t epoch = 7;
  CHECK_RC(sotto_contact_uses_pq_ratchet(a1_bob, 1, &pq),
           SOTTO_ERR_INVALID_ARGUMENT); /* no session yet */
  CHECK(!pq);
  OK(sotto_send_to_person(a1->account, a1->address, SOTTO_DEVICE_ADDRESS_LEN,
                          a1_own, a1_bob, addresses, sizeof addresses, bundles,
                          lens, 2, STR("first"), NULL, &report));
  sotto_buffer first = line(report, 0, b1, SOTTO_DELIVERY_SENT, true);
  sotto_buffer first_b2 = line(report, 1, b2, SOTTO_DELIVERY_SENT, true);
  OK(sotto_delivery_report_free(report));
  OK(sotto_contact_uses_pq_ratchet(a1_bob, 1, &pq));
  CHECK(!pq);
  CHECK_RC(sotto_contact_kem_epoch(a1_bob, 1, &epoch),
           SOTTO_ERR_INVALID_ARGUMENT);
  CHECK(epoch == 0);
  OK(sotto_contact_uses_pq_ratchet(a1_bob, 2, &pq));
  CHECK(pq);
  epoch = 7;
  OK(sotto_contact_kem_epoch(a1_bob, 2, &epoch));
  CHECK(epoch == 0);
  CHECK_RC(sotto_contact_uses_pq_ratchet(a1_bob, 2, NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_contact_kem_epoch((sotto_contact *)a1->account, 2, &epoch),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  /* Bob's laptop's session is version 2 too. */
  sotto_contact *b2_alice = contact_of(&alice);
  receive(b2_alice, b2, 1, first_b2, "first", bob.key);
  OK(sotto_contact_uses_pq_ratchet(b2_alice, 1, &pq));
  CHECK(pq);

  uint8_t key[SOTTO_STORAGE_KEY_LEN], other[SOTTO_STORAGE_KEY_LEN];
  OK(sotto_storage_key_generate(NULL, key, sizeof key));
  OK(sotto_storage_key_generate(NULL, other, sizeof other));
  sotto_buffer sealed = {0};
  OK(sotto_contact_seal(a1_bob, key, sizeof key, NULL, &sealed));
  CHECK(sealed.len > 0 && sealed.len <= SOTTO_MAX_SEALED_CONTACT_LEN);
  OK(sotto_contact_free(a1_bob));
  sotto_contact *restored = NULL;
  CHECK_RC(sotto_contact_unseal(other, sizeof other, sealed.ptr, sealed.len,
                                &restored),
           SOTTO_ERR_UNSEAL_FAILED);
  CHECK(restored == NULL);
  /* Another sealed object (a record) is not a contact. */
  sotto_session_record *record = NULL;
  sotto_buffer sealed_record = {0};
  OK(sotto_session_record_new(&record));
  OK(sotto_session_record_seal(record, key, sizeof key, NULL, &sealed_record));
  CHECK_RC(sotto_contact_unseal(key, sizeof key, sealed_record.ptr,
                                sealed_record.len, &restored),
           SOTTO_ERR_WRONG_OBJECT_TYPE);
  sotto_session_record *not_record = NULL;
  CHECK_RC(sotto_session_record_unseal(key, sizeof key, sealed.ptr,
                                       sealed.len, &not_record),
           SOTTO_ERR_WRONG_OBJECT_TYPE);
  CHECK(not_record == NULL);
  OK(sotto_contact_unseal(key, sizeof key, sealed.ptr, sealed.len, &restored));
  /* Both sessions survived, with their versions: no bundle needed, no
   * new session. */
  CHECK(without_session(restored, a1) == 0);
  OK(sotto_contact_uses_pq_ratchet(restored, 2, &pq));
  CHECK(pq);
  OK(sotto_contact_uses_pq_ratchet(restored, 1, &pq));
  CHECK(!pq);
  OK(sotto_send_to_person(a1->account, a1->address, SOTTO_DEVICE_ADDRESS_LEN,
                          a1_own, restored, NULL, 0, NULL, NULL, 0,
                          STR("second"), NULL, &report));
  sotto_buffer second = line(report, 0, b1, SOTTO_DELIVERY_SENT, false);
  OK(sotto_delivery_report_free(report));
  sotto_contact *b1_alice = contact_of(&alice);
  receive(b1_alice, b1, 1, first, "first", bob.key);
  receive(b1_alice, b1, 1, second, "second", bob.key);
  /* Bob's side sealed and restored too. */
  sotto_buffer sealed_b = {0};
  OK(sotto_contact_seal(b1_alice, key, sizeof key, NULL, &sealed_b));
  OK(sotto_contact_free(b1_alice));
  OK(sotto_contact_unseal(key, sizeof key, sealed_b.ptr, sealed_b.len,
                          &b1_alice));
  refuse(b1_alice, b1, 1, second, SOTTO_ERR_DUPLICATE_MESSAGE);
  /* Tampered: UNSEAL_FAILED. */
  uint8_t *tampered = copy_of(sealed);
  tampered[sealed.len - 1] ^= 1;
  sotto_contact *none = NULL;
  CHECK_RC(sotto_contact_unseal(key, sizeof key, tampered, sealed.len, &none),
           SOTTO_ERR_UNSEAL_FAILED);
  free(tampered);

  sotto_buffer all[] = {bundle_b1, bundle_b2, bundle_b2_v1, first, first_b2,
                        second, sealed, sealed_record, sealed_b};
  free_all(all, sizeof all / sizeof all[0]);
  OK(sotto_session_record_free(record));
  OK(sotto_contact_free(restored));
  OK(sotto_contact_free(a1_own));
  OK(sotto_contact_free(b1_alice));
  OK(sotto_contact_free(b2_alice));
  person_free(&alice);
  person_free(&bob);
}

/* NULL pointers, short buffers, wrong handle kinds, aliasing; a failed
 * call changes nothing. */
static void test_contact_arguments(void) {
  cases++;
  person alice, bob;
  person_new(&alice);
  person_new(&bob);
  device *a1 = &alice.dev[0], *b1 = &bob.dev[0];
  sotto_contact *a1_bob = contact_of(&bob), *a1_own = contact_of(&alice);
  sotto_contact *wrong = (sotto_contact *)a1->account;
  sotto_contact *out = (sotto_contact *)&out; /* reset to NULL on error */
  sotto_device_list *list = NULL;
  OK(sotto_device_list_new(bob.list.ptr, bob.list.len, bob.key, sizeof bob.key,
                           &list));

  /* new */
  CHECK_RC(sotto_contact_new(NULL, &out), SOTTO_ERR_NULL_POINTER);
  CHECK(out == NULL);
  CHECK_RC(sotto_contact_new((sotto_device_list *)a1->account, &out),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK_RC(sotto_contact_new(list, NULL), SOTTO_ERR_NULL_POINTER);

  /* devices_without_session */
  sotto_buffer buf = {0};
  CHECK_RC(sotto_contact_devices_without_session(wrong, a1->address,
                                                 SOTTO_DEVICE_ADDRESS_LEN, &buf),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK_RC(sotto_contact_devices_without_session(a1_bob, a1->address,
                                                 SOTTO_DEVICE_ADDRESS_LEN, NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_contact_devices_without_session(a1_bob, NULL, 0, &buf),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_contact_devices_without_session(
               a1_bob, a1->address, SOTTO_DEVICE_ADDRESS_LEN - 1, &buf),
           SOTTO_ERR_WRONG_LENGTH);
  uint8_t bad_address[SOTTO_DEVICE_ADDRESS_LEN] = {0x07};
  CHECK_RC(sotto_contact_devices_without_session(a1_bob, bad_address,
                                                 sizeof bad_address, &buf),
           SOTTO_ERR_INVALID_KEY);
  EMPTY(buf);

  /* decrypt: the addressee array too short, NULL message, aliasing. */
  uint8_t to[SOTTO_USER_IDENTITY_KEY_LEN];
  uint8_t junk[64] = {1};
  CHECK_RC(sotto_contact_decrypt(a1_bob, a1->account, a1->address,
                                 SOTTO_DEVICE_ADDRESS_LEN, 1, junk, sizeof junk,
                                 to, sizeof to - 1, &buf),
           SOTTO_ERR_BUFFER_TOO_SMALL);
  CHECK_RC(sotto_contact_decrypt(a1_bob, (sotto_account *)a1_bob, a1->address,
                                 SOTTO_DEVICE_ADDRESS_LEN, 1, junk, sizeof junk,
                                 to, sizeof to, &buf),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK_RC(sotto_contact_decrypt(a1_bob, a1->account, a1->address,
                                 SOTTO_DEVICE_ADDRESS_LEN, 1, NULL, 10, to,
                                 sizeof to, &buf),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_contact_decrypt(a1_bob, a1->account, a1->address,
                                 SOTTO_DEVICE_ADDRESS_LEN, 1, junk, sizeof junk,
                                 junk + 8, sizeof to, &buf),
           SOTTO_ERR_ALIASED_OUTPUT);
  CHECK_RC(sotto_contact_decrypt(a1_bob, a1->account, a1->address,
                                 SOTTO_DEVICE_ADDRESS_LEN, 1, junk, sizeof junk,
                                 to, sizeof to, &buf),
           SOTTO_ERR_WRONG_OBJECT_TYPE); /* kind 0x00 */
  EMPTY(buf);

  /* send_to_person */
  sotto_delivery_report *report = (sotto_delivery_report *)&report;
  CHECK_RC(sotto_send_to_person(a1->account, a1->address,
                                SOTTO_DEVICE_ADDRESS_LEN, a1_own, a1_own, NULL,
                                0, NULL, NULL, 0, STR("x"), NULL, &report),
           SOTTO_ERR_INVALID_ARGUMENT);
  CHECK(report == NULL);
  CHECK_RC(sotto_send_to_person(a1->account, a1->address,
                                SOTTO_DEVICE_ADDRESS_LEN, a1_own, wrong, NULL,
                                0, NULL, NULL, 0, STR("x"), NULL, &report),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK_RC(sotto_send_to_person(a1->account, a1->address,
                                SOTTO_DEVICE_ADDRESS_LEN, a1_own, a1_bob, NULL,
                                0, NULL, NULL, 0, STR("x"), NULL, NULL),
           SOTTO_ERR_NULL_POINTER);
  /* Swapped contacts: the own contact is not this device's person. */
  CHECK_RC(sotto_send_to_person(a1->account, a1->address,
                                SOTTO_DEVICE_ADDRESS_LEN, a1_bob, a1_own, NULL,
                                0, NULL, NULL, 0, STR("x"), NULL, &report),
           SOTTO_ERR_INVALID_ARGUMENT);
  /* Another account than the listed one for `me`. */
  CHECK_RC(sotto_send_to_person(b1->account, a1->address,
                                SOTTO_DEVICE_ADDRESS_LEN, a1_own, a1_bob, NULL,
                                0, NULL, NULL, 0, STR("x"), NULL, &report),
           SOTTO_ERR_UNKNOWN_DEVICE);
  sotto_buffer bundle_b1 = bundle_of(b1);
  const uint8_t *bundles[2] = {bundle_b1.ptr, bundle_b1.ptr};
  size_t lens[2] = {bundle_b1.len, bundle_b1.len};
  uint8_t addresses[2 * SOTTO_DEVICE_ADDRESS_LEN];
  memcpy(addresses, b1->address, SOTTO_DEVICE_ADDRESS_LEN);
  memcpy(addresses + SOTTO_DEVICE_ADDRESS_LEN, b1->address,
         SOTTO_DEVICE_ADDRESS_LEN);
  CHECK_RC(sotto_send_to_person(a1->account, a1->address,
                                SOTTO_DEVICE_ADDRESS_LEN, a1_own, a1_bob,
                                addresses, SOTTO_DEVICE_ADDRESS_LEN, bundles,
                                lens, 2, STR("x"), NULL, &report),
           SOTTO_ERR_WRONG_LENGTH);
  CHECK_RC(sotto_send_to_person(a1->account, a1->address,
                                SOTTO_DEVICE_ADDRESS_LEN, a1_own, a1_bob,
                                addresses, sizeof addresses, NULL, lens, 2,
                                STR("x"), NULL, &report),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_send_to_person(a1->account, a1->address,
                                SOTTO_DEVICE_ADDRESS_LEN, a1_own, a1_bob,
                                addresses, sizeof addresses, bundles, lens,
                                SOTTO_MAX_FANOUT_BUNDLES + 1, STR("x"), NULL,
                                &report),
           SOTTO_ERR_TOO_LARGE);
  /* Two bundles for one device. */
  CHECK_RC(sotto_send_to_person(a1->account, a1->address,
                                SOTTO_DEVICE_ADDRESS_LEN, a1_own, a1_bob,
                                addresses, sizeof addresses, bundles, lens, 2,
                                STR("x"), NULL, &report),
           SOTTO_ERR_INVALID_ARGUMENT);
  /* A bundle whose signed prekey was changed (§4.2: version, kind, the
   * 130-byte identity, then the signed prekey). */
  uint8_t *bad_bundle = copy_of(bundle_b1);
  bad_bundle[2 + SOTTO_IDENTITY_LEN + 10] ^= 1;
  bundles[0] = bad_bundle;
  CHECK_RC(sotto_send_to_person(a1->account, a1->address,
                                SOTTO_DEVICE_ADDRESS_LEN, a1_own, a1_bob,
                                addresses, SOTTO_DEVICE_ADDRESS_LEN, bundles,
                                lens, 1, STR("x"), NULL, &report),
           SOTTO_ERR_BAD_SIGNATURE);
  free(bad_bundle);
  /* The report handle may not lie inside an input. */
  CHECK_RC(sotto_send_to_person(
               a1->account, a1->address, SOTTO_DEVICE_ADDRESS_LEN, a1_own,
               a1_bob, NULL, 0, NULL, NULL, 0, (const uint8_t *)&report,
               sizeof report, NULL, &report),
           SOTTO_ERR_ALIASED_OUTPUT);
  /* Too large a plaintext. */
  CHECK_RC(sotto_send_to_person(a1->account, a1->address,
                                SOTTO_DEVICE_ADDRESS_LEN, a1_own, a1_bob, NULL,
                                0, NULL, NULL, 0, junk,
                                SOTTO_MAX_PLAINTEXT_LEN + 1, NULL, &report),
           SOTTO_ERR_TOO_LARGE);
  CHECK(report == NULL);
  /* After all these failures nothing changed. */
  CHECK(without_session(a1_bob, a1) == 2);
  CHECK(without_session(a1_own, a1) == 1);

  /* Report accessors on the wrong kind. */
  size_t count = 7;
  CHECK_RC(sotto_delivery_report_count((sotto_delivery_report *)a1_bob, &count),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK(count == 0);
  CHECK_RC(sotto_delivery_report_free((sotto_delivery_report *)a1_bob),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK_RC(sotto_contact_free((sotto_contact *)list),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  OK(sotto_contact_free(NULL));
  OK(sotto_delivery_report_free(NULL));

  /* seal/unseal arguments */
  uint8_t key[SOTTO_STORAGE_KEY_LEN] = {0};
  CHECK_RC(sotto_contact_seal(a1_bob, key, sizeof key - 1, NULL, &buf),
           SOTTO_ERR_WRONG_LENGTH);
  CHECK_RC(sotto_contact_seal(wrong, key, sizeof key, NULL, &buf),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK_RC(sotto_contact_unseal(key, sizeof key, NULL, 0, &out),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_contact_unseal(key, sizeof key, junk, sizeof junk, NULL),
           SOTTO_ERR_NULL_POINTER);
  EMPTY(buf);

  /* update_list arguments */
  sotto_buffer added = {0}, removed = {0};
  CHECK_RC(sotto_contact_update_list(a1_bob, NULL, 0, &added, &removed),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_contact_update_list(a1_bob, junk, sizeof junk, &added, NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_contact_update_list(a1_bob, alice.list.ptr, alice.list.len,
                                     &added, &removed),
           SOTTO_ERR_IDENTITY_MISMATCH);

  OK(sotto_buffer_free(&bundle_b1));
  OK(sotto_device_list_free(list));
  OK(sotto_contact_free(a1_bob));
  OK(sotto_contact_free(a1_own));
  CHECK_RC(sotto_contact_free(a1_own), SOTTO_ERR_INVALID_HANDLE);
  person_free(&alice);
  person_free(&bob);
}

int main(void) {
  test_fanout();
  test_refusals();
  test_seal();
  test_contact_arguments();
  test_no_leaks();
  return summary();
}
