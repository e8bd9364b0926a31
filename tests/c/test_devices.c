/*
 * People, device lists, device certificates (PROTOCOL.md §18) and linking
 * a new device (§19) through the C ABI (run by scripts/test-c.sh like
 * test_sotto.c).
 */
#include "check.h"

static const uint64_t NOW = 1700000000;

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static uint64_t be64(const uint8_t *p) {
  return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Entry `i` of encoded device entries: its id, identity and added_at. */
static uint32_t entry_id(sotto_buffer entries, size_t i) {
  return be32(entries.ptr + i * SOTTO_DEVICE_ENTRY_LEN);
}
static const uint8_t *entry_identity(sotto_buffer entries, size_t i) {
  return entries.ptr + i * SOTTO_DEVICE_ENTRY_LEN + 4;
}
static uint64_t entry_added_at(sotto_buffer entries, size_t i) {
  return be64(entries.ptr + i * SOTTO_DEVICE_ENTRY_LEN + 4 + SOTTO_IDENTITY_LEN);
}

static sotto_buffer identity_of(sotto_account *account) {
  sotto_buffer id = {0};
  OK(sotto_account_identity(account, &id));
  CHECK(id.len == SOTTO_IDENTITY_LEN);
  return id;
}

/* Signs the next list adding one device. */
static sotto_buffer add_device(sotto_user_identity *user, uint32_t device_id,
                               sotto_buffer identity, uint64_t now) {
  sotto_buffer list = {0};
  OK(sotto_user_identity_sign_device_list(user, &device_id, identity.ptr,
                                          identity.len, 1, NULL, 0, now,
                                          &list));
  CHECK(list.len > 0);
  return list;
}

static void test_device_lists(void) {
  cases++;
  sotto_account *phone = NULL, *laptop = NULL, *tablet = NULL;
  OK(sotto_account_new(NULL, &phone));
  OK(sotto_account_new(NULL, &laptop));
  OK(sotto_account_new(NULL, &tablet));
  sotto_buffer phone_id = identity_of(phone), laptop_id = identity_of(laptop),
               tablet_id = identity_of(tablet);
  sotto_user_identity *bob = NULL;
  OK(sotto_user_identity_new(NULL, &bob));
  uint8_t bob_key[SOTTO_USER_IDENTITY_KEY_LEN];
  OK(sotto_user_identity_public_key(bob, bob_key, sizeof bob_key));
  CHECK(bob_key[0] == 0x02);
  sotto_buffer none = {0};
  OK(sotto_user_identity_device_list(bob, &none));
  EMPTY(none); /* nothing committed yet */

  /* v1: the phone. Signing is pure; committing adopts it. */
  sotto_buffer v1 = add_device(bob, 1, phone_id, NOW);
  OK(sotto_user_identity_commit_device_list(bob, v1.ptr, v1.len));
  sotto_buffer committed = {0};
  OK(sotto_user_identity_device_list(bob, &committed));
  CHECK(buffers_equal(committed, v1));

  /* Alice, who verified Bob's user key, holds his list. */
  sotto_device_list *held = NULL;
  OK(sotto_device_list_new(v1.ptr, v1.len, bob_key, sizeof bob_key, &held));
  uint64_t version = 0;
  OK(sotto_device_list_version(held, &version));
  CHECK(version == 1);
  sotto_buffer entries = {0};
  OK(sotto_device_list_entries(held, &entries));
  CHECK(entries.len == SOTTO_DEVICE_ENTRY_LEN);
  CHECK(entry_id(entries, 0) == 1);
  CHECK(memcmp(entry_identity(entries, 0), phone_id.ptr, SOTTO_IDENTITY_LEN) ==
        0);
  CHECK(entry_added_at(entries, 0) == NOW);
  OK(sotto_buffer_free(&entries));
  uint8_t key_seen[SOTTO_USER_IDENTITY_KEY_LEN];
  OK(sotto_device_list_user_key(held, key_seen, sizeof key_seen));
  CHECK(memcmp(key_seen, bob_key, sizeof bob_key) == 0);
  bool found = false;
  uint32_t device = 0;
  OK(sotto_device_list_find_identity(held, phone_id.ptr, phone_id.len, &found,
                                     &device));
  CHECK(found && device == 1);
  OK(sotto_device_list_find_identity(held, laptop_id.ptr, laptop_id.len, &found,
                                     &device));
  CHECK(!found && device == 0);

  /* v2 adds the laptop: the change reports exactly it. */
  sotto_buffer v2 = add_device(bob, 2, laptop_id, NOW + 10);
  OK(sotto_user_identity_commit_device_list(bob, v2.ptr, v2.len));
  sotto_buffer added = {0}, removed = {0};
  OK(sotto_device_list_update(held, v2.ptr, v2.len, &added, &removed));
  CHECK(added.len == SOTTO_DEVICE_ENTRY_LEN);
  CHECK(entry_id(added, 0) == 2);
  CHECK(memcmp(entry_identity(added, 0), laptop_id.ptr, SOTTO_IDENTITY_LEN) ==
        0);
  CHECK(entry_added_at(added, 0) == NOW + 10);
  EMPTY(removed);
  OK(sotto_buffer_free(&added));
  OK(sotto_device_list_version(held, &version));
  CHECK(version == 2);
  /* The same list again: accepted, nothing changed. */
  OK(sotto_device_list_update(held, v2.ptr, v2.len, &added, &removed));
  EMPTY(added);
  EMPTY(removed);

  /* The laptop's certificate, issued while it is listed. */
  sotto_buffer laptop_cert = {0};
  OK(sotto_user_identity_certify_device(bob, 2, &laptop_cert));
  CHECK(laptop_cert.len == SOTTO_DEVICE_CERTIFICATE_LEN);
  uint32_t cert_device = 0;
  uint64_t cert_version = 0;
  OK(sotto_device_certificate_verify(laptop_cert.ptr, laptop_cert.len, bob_key,
                                     sizeof bob_key, laptop_id.ptr,
                                     laptop_id.len, &cert_device,
                                     &cert_version));
  CHECK(cert_device == 2 && cert_version == 2);
  OK(sotto_device_list_verify_certificate(held, laptop_cert.ptr,
                                          laptop_cert.len, &cert_device));
  CHECK(cert_device == 2);
  /* For another device: IDENTITY_MISMATCH. */
  CHECK_RC(sotto_device_certificate_verify(laptop_cert.ptr, laptop_cert.len,
                                           bob_key, sizeof bob_key,
                                           phone_id.ptr, phone_id.len,
                                           &cert_device, &cert_version),
           SOTTO_ERR_IDENTITY_MISMATCH);
  CHECK(cert_device == 0 && cert_version == 0);
  /* Tampered: BAD_SIGNATURE. */
  uint8_t *forged_cert = copy_of(laptop_cert);
  forged_cert[laptop_cert.len - 70] ^= 1; /* inside list_version */
  CHECK_RC(sotto_device_certificate_verify(forged_cert, laptop_cert.len,
                                           bob_key, sizeof bob_key,
                                           laptop_id.ptr, laptop_id.len,
                                           &cert_device, &cert_version),
           SOTTO_ERR_BAD_SIGNATURE);
  free(forged_cert);
  CHECK_RC(sotto_user_identity_certify_device(bob, 9, &added),
           SOTTO_ERR_INVALID_ARGUMENT);

  /* A ghost device: the server swaps the laptop's identity for its own in
     a list it serves. The signature no longer verifies, and the held list
     stays as it was. */
  sotto_buffer v3 = add_device(bob, 3, tablet_id, NOW + 20);
  uint8_t *forged = copy_of(v3);
  /* The last entry is the tablet's: put another identity in its place. */
  size_t tablet_at = v3.len - 64 - SOTTO_DEVICE_ENTRY_LEN + 4;
  CHECK(memcmp(forged + tablet_at, tablet_id.ptr, SOTTO_IDENTITY_LEN) == 0);
  memcpy(forged + tablet_at, laptop_id.ptr, SOTTO_IDENTITY_LEN);
  CHECK_RC(sotto_device_list_update(held, forged, v3.len, &added, &removed),
           SOTTO_ERR_MALFORMED); /* the laptop would be listed twice */
  sotto_account *ghost = NULL;
  OK(sotto_account_new(NULL, &ghost));
  sotto_buffer ghost_id = identity_of(ghost);
  memcpy(forged + tablet_at, ghost_id.ptr, SOTTO_IDENTITY_LEN);
  CHECK_RC(sotto_device_list_update(held, forged, v3.len, &added, &removed),
           SOTTO_ERR_BAD_SIGNATURE);
  EMPTY(added);
  EMPTY(removed);
  forged[v3.len - 1] ^= 1; /* or any byte of the signature */
  sotto_device_list *fresh = held;
  CHECK_RC(sotto_device_list_new(forged, v3.len, bob_key, sizeof bob_key,
                                 &fresh),
           SOTTO_ERR_BAD_SIGNATURE);
  CHECK(fresh == NULL); /* the output is reset on entry */
  free(forged);
  /* The held list is still v2. */
  OK(sotto_device_list_version(held, &version));
  CHECK(version == 2);

  /* v3 (tablet) and v4 (laptop removed). */
  OK(sotto_user_identity_commit_device_list(bob, v3.ptr, v3.len));
  uint32_t gone = 2;
  sotto_buffer v4 = {0};
  OK(sotto_user_identity_sign_device_list(bob, NULL, NULL, 0, 0, &gone, 1,
                                          NOW + 30, &v4));
  OK(sotto_user_identity_commit_device_list(bob, v4.ptr, v4.len));
  OK(sotto_device_list_update(held, v4.ptr, v4.len, &added, &removed));
  CHECK(added.len == SOTTO_DEVICE_ENTRY_LEN && entry_id(added, 0) == 3);
  CHECK(removed.len == SOTTO_DEVICE_ENTRY_LEN && entry_id(removed, 0) == 2);
  OK(sotto_buffer_free(&added));
  OK(sotto_buffer_free(&removed));
  /* The removed laptop's certificate no longer checks against the list. */
  CHECK_RC(sotto_device_list_verify_certificate(held, laptop_cert.ptr,
                                                laptop_cert.len, &cert_device),
           SOTTO_ERR_IDENTITY_MISMATCH);
  CHECK(cert_device == 0);

  /* Rollback: the server replays v2 to bring the laptop back. */
  CHECK_RC(sotto_device_list_update(held, v2.ptr, v2.len, &added, &removed),
           SOTTO_ERR_ROLLBACK);
  EMPTY(added);
  OK(sotto_device_list_version(held, &version));
  CHECK(version == 4);
  CHECK_RC(sotto_user_identity_commit_device_list(bob, v2.ptr, v2.len),
           SOTTO_ERR_ROLLBACK);
  /* Two lists under one version: ROLLBACK too. */
  sotto_buffer v5a = add_device(bob, 5, laptop_id, NOW + 40);
  sotto_buffer v5b = add_device(bob, 6, laptop_id, NOW + 40);
  OK(sotto_device_list_update(held, v5a.ptr, v5a.len, &added, &removed));
  OK(sotto_buffer_free(&added));
  CHECK_RC(sotto_device_list_update(held, v5b.ptr, v5b.len, &added, &removed),
           SOTTO_ERR_ROLLBACK);

  /* Another person's list, against Bob's key: IDENTITY_MISMATCH; pinned
     at first use instead, it is accepted. */
  sotto_user_identity *eve = NULL;
  OK(sotto_user_identity_new(NULL, &eve));
  sotto_buffer eve_list = add_device(eve, 1, ghost_id, NOW);
  CHECK_RC(sotto_device_list_update(held, eve_list.ptr, eve_list.len, &added,
                                    &removed),
           SOTTO_ERR_IDENTITY_MISMATCH);
  sotto_device_list *eve_held = NULL;
  OK(sotto_device_list_new_first_use(eve_list.ptr, eve_list.len, &eve_held));
  CHECK_RC(sotto_user_identity_commit_device_list(bob, eve_list.ptr,
                                                  eve_list.len),
           SOTTO_ERR_IDENTITY_MISMATCH);

  /* Bob and Eve compare their user safety number once: the same 60 digits
     on both sides. */
  uint8_t eve_key[SOTTO_USER_IDENTITY_KEY_LEN];
  OK(sotto_user_identity_public_key(eve, eve_key, sizeof eve_key));
  char on_bob[SOTTO_SAFETY_NUMBER_SIZE], on_eve[SOTTO_SAFETY_NUMBER_SIZE + 4];
  OK(sotto_user_safety_number(bob_key, 33, eve_key, 33, on_bob, sizeof on_bob));
  OK(sotto_user_safety_number(eve_key, 33, bob_key, 33, on_eve, sizeof on_eve));
  CHECK(strlen(on_bob) == 60 && strcmp(on_bob, on_eve) == 0);
  for (int i = 0; i < 60; i++) CHECK(on_bob[i] >= '0' && on_bob[i] <= '9');
  char with_self[SOTTO_SAFETY_NUMBER_SIZE];
  OK(sotto_user_safety_number(bob_key, 33, bob_key, 33, with_self,
                              sizeof with_self));
  CHECK(strcmp(with_self, on_bob) != 0);
  CHECK_RC(sotto_user_safety_number(bob_key, 33, eve_key, 33, on_bob, 60),
           SOTTO_ERR_BUFFER_TOO_SMALL);
  CHECK_RC(sotto_user_safety_number(bob_key, 32, eve_key, 33, on_bob, 61),
           SOTTO_ERR_WRONG_LENGTH);
  uint8_t not_a_key[SOTTO_USER_IDENTITY_KEY_LEN] = {0x05};
  CHECK_RC(sotto_user_safety_number(bob_key, 33, not_a_key, 33, on_bob, 61),
           SOTTO_ERR_INVALID_KEY);
  CHECK_RC(sotto_user_safety_number(bob_key, 33, eve_key, 33,
                                    (char *)bob_key, 61),
           SOTTO_ERR_ALIASED_OUTPUT);
  CHECK(bob_key[0] == 0x02);

  /* The user identity survives sealing with its committed list. */
  uint8_t key[32];
  OK(sotto_storage_key_generate(NULL, key, sizeof key));
  sotto_buffer sealed = {0};
  OK(sotto_user_identity_seal(bob, key, sizeof key, NULL, &sealed));
  sotto_user_identity *restored = NULL;
  key[0] ^= 1;
  CHECK_RC(sotto_user_identity_unseal(key, 32, sealed.ptr, sealed.len,
                                      &restored),
           SOTTO_ERR_UNSEAL_FAILED);
  key[0] ^= 1;
  OK(sotto_user_identity_unseal(key, 32, sealed.ptr, sealed.len, &restored));
  uint8_t restored_key[SOTTO_USER_IDENTITY_KEY_LEN];
  OK(sotto_user_identity_public_key(restored, restored_key,
                                    sizeof restored_key));
  CHECK(memcmp(restored_key, bob_key, sizeof bob_key) == 0);
  OK(sotto_buffer_free(&committed));
  OK(sotto_user_identity_device_list(restored, &committed));
  CHECK(buffers_equal(committed, v4));
  sotto_buffer back = {0};
  OK(sotto_device_list_to_bytes(held, &back));
  CHECK(buffers_equal(back, v5a));

  sotto_buffer all[] = {phone_id, laptop_id, tablet_id, v1, committed, v2,
                        laptop_cert, v3, ghost_id, v4, v5a, v5b, eve_list,
                        sealed, back};
  free_all(all, sizeof all / sizeof all[0]);
  OK(sotto_device_list_free(held));
  OK(sotto_device_list_free(eve_held));
  OK(sotto_user_identity_free(bob));
  OK(sotto_user_identity_free(restored));
  OK(sotto_user_identity_free(eve));
  OK(sotto_account_free(phone));
  OK(sotto_account_free(laptop));
  OK(sotto_account_free(tablet));
  OK(sotto_account_free(ghost));
}

static void test_person_arguments(void) {
  cases++;
  sotto_user_identity *user = NULL;
  OK(sotto_user_identity_new(NULL, &user));
  sotto_account *a = NULL;
  OK(sotto_account_new(NULL, &a));
  sotto_buffer id = identity_of(a), out = {0}, out2 = {0};
  uint32_t one = 1, ids17[17] = {0};
  CHECK_RC(sotto_user_identity_new(NULL, NULL), SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_user_identity_sign_device_list(user, &one, id.ptr, id.len, 1,
                                                NULL, 0, NOW, NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_user_identity_sign_device_list(user, NULL, id.ptr, id.len, 1,
                                                NULL, 0, NOW, &out),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_user_identity_sign_device_list(user, &one, id.ptr, id.len - 1,
                                                1, NULL, 0, NOW, &out),
           SOTTO_ERR_WRONG_LENGTH);
  CHECK_RC(sotto_user_identity_sign_device_list(user, ids17, id.ptr, id.len, 17,
                                                NULL, 0, NOW, &out),
           SOTTO_ERR_TOO_LARGE);
  CHECK_RC(sotto_user_identity_sign_device_list(user, &one, id.ptr, id.len, 1,
                                                NULL, 1, NOW, &out),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_user_identity_sign_device_list(user, NULL, NULL, 0, 0, &one, 1,
                                                NOW, &out),
           SOTTO_ERR_INVALID_ARGUMENT); /* device 1 is not listed */
  uint8_t *bad_id = copy_of(id);
  bad_id[100] ^= 1; /* in the identity's self-signature */
  CHECK_RC(sotto_user_identity_sign_device_list(user, &one, bad_id, id.len, 1,
                                                NULL, 0, NOW, &out),
           SOTTO_ERR_BAD_SIGNATURE);
  free(bad_id);
  uint32_t twice[2] = {1, 2};
  uint8_t two_ids[2 * SOTTO_IDENTITY_LEN];
  memcpy(two_ids, id.ptr, SOTTO_IDENTITY_LEN);
  memcpy(two_ids + SOTTO_IDENTITY_LEN, id.ptr, SOTTO_IDENTITY_LEN);
  CHECK_RC(sotto_user_identity_sign_device_list(user, twice, two_ids,
                                                sizeof two_ids, 2, NULL, 0, NOW,
                                                &out),
           SOTTO_ERR_INVALID_ARGUMENT); /* one identity under two ids */
  EMPTY(out);
  /* An empty list is a valid first list. */
  OK(sotto_user_identity_sign_device_list(user, NULL, NULL, 0, 0, NULL, 0, NOW,
                                          &out));
  CHECK(out.len > 0);
  CHECK_RC(sotto_user_identity_commit_device_list(user, out.ptr, 0),
           SOTTO_ERR_ZERO_LENGTH);
  CHECK_RC(sotto_user_identity_commit_device_list(user, out.ptr, out.len - 1),
           SOTTO_ERR_TRUNCATED);
  CHECK_RC(sotto_user_identity_certify_device(user, 1, &out2),
           SOTTO_ERR_INVALID_ARGUMENT); /* nothing committed */
  uint8_t key[SOTTO_USER_IDENTITY_KEY_LEN];
  CHECK_RC(sotto_user_identity_public_key(user, key, 32),
           SOTTO_ERR_BUFFER_TOO_SMALL);
  CHECK_RC(sotto_user_identity_public_key((sotto_user_identity *)a, key, 33),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  OK(sotto_user_identity_public_key(user, key, 33));

  sotto_device_list *list = (sotto_device_list *)(uintptr_t)32;
  CHECK_RC(sotto_device_list_new(out.ptr, out.len, key, 32, &list),
           SOTTO_ERR_WRONG_LENGTH);
  CHECK(list == NULL);
  CHECK_RC(sotto_device_list_new(out.ptr, out.len, NULL, 33, &list),
           SOTTO_ERR_NULL_POINTER);
  uint8_t bad_key[SOTTO_USER_IDENTITY_KEY_LEN] = {0x01};
  CHECK_RC(sotto_device_list_new(out.ptr, out.len, bad_key, 33, &list),
           SOTTO_ERR_INVALID_KEY);
  CHECK_RC(sotto_device_list_new_first_use(id.ptr, id.len, &list),
           SOTTO_ERR_UNSUPPORTED_VERSION); /* an identity, not a list */
  OK(sotto_device_list_new(out.ptr, out.len, key, 33, &list));
  uint64_t version = 0;
  CHECK_RC(sotto_device_list_version(list, NULL), SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_device_list_user_key(list, key, 1), SOTTO_ERR_BUFFER_TOO_SMALL);
  bool found = true;
  uint32_t device = 7;
  CHECK_RC(sotto_device_list_find_identity(list, id.ptr, 129, &found, &device),
           SOTTO_ERR_WRONG_LENGTH);
  CHECK(!found && device == 0);
  sotto_buffer added = {0};
  CHECK_RC(sotto_device_list_update(list, out.ptr, out.len, &added, &added),
           SOTTO_ERR_ALIASED_OUTPUT);
  CHECK_RC(sotto_device_list_update(list, out.ptr, out.len, &added, NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_device_list_verify_certificate(list, NULL, 0, &device),
           SOTTO_ERR_NULL_POINTER);
  uint64_t v = 0;
  CHECK_RC(sotto_device_certificate_verify(id.ptr, id.len, key, 33, id.ptr,
                                           id.len, &device, NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_device_certificate_verify(id.ptr, id.len, key, 33, id.ptr,
                                           id.len, &device, &v),
           SOTTO_ERR_UNSUPPORTED_VERSION);
  OK(sotto_device_list_free(list));
  CHECK_RC(sotto_device_list_version(list, &version), SOTTO_ERR_INVALID_HANDLE);
  CHECK_RC(sotto_device_list_free(list), SOTTO_ERR_INVALID_HANDLE);
  CHECK_RC(sotto_device_list_free((sotto_device_list *)user),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  OK(sotto_device_list_free(NULL));

  sotto_buffer all[] = {id, out};
  free_all(all, sizeof all / sizeof all[0]);
  OK(sotto_user_identity_free(user));
  OK(sotto_account_free(a));
}

/* ---- linking ----------------------------------------------------------- */

typedef struct {
  sotto_account *phone, *browser;
  sotto_user_identity *bob;
  uint8_t bob_key[SOTTO_USER_IDENTITY_KEY_LEN];
} people;

static void people_new(people *p) {
  OK(sotto_account_new(NULL, &p->phone));
  OK(sotto_account_new(NULL, &p->browser));
  OK(sotto_user_identity_new(NULL, &p->bob));
  OK(sotto_user_identity_public_key(p->bob, p->bob_key, sizeof p->bob_key));
  sotto_buffer phone_id = identity_of(p->phone);
  sotto_buffer v1 = add_device(p->bob, 1, phone_id, NOW);
  OK(sotto_user_identity_commit_device_list(p->bob, v1.ptr, v1.len));
  OK(sotto_buffer_free(&phone_id));
  OK(sotto_buffer_free(&v1));
}

static void people_free(people *p) {
  OK(sotto_account_free(p->phone));
  OK(sotto_account_free(p->browser));
  OK(sotto_user_identity_free(p->bob));
}

static void test_linking(void) {
  cases++;
  people p;
  people_new(&p);
  sotto_user_identity *alice = NULL;
  OK(sotto_user_identity_new(NULL, &alice));
  uint8_t alice_key[SOTTO_USER_IDENTITY_KEY_LEN];
  OK(sotto_user_identity_public_key(alice, alice_key, sizeof alice_key));

  /* The browser shows a QR code. */
  sotto_link_offer *offer = NULL;
  OK(sotto_link_offer_new(p.browser, NOW, 300, NULL, &offer));
  uint64_t expires = 0;
  OK(sotto_link_offer_expires_at(offer, &expires));
  CHECK(expires == NOW + 300);
  sotto_buffer qr = {0};
  OK(sotto_link_offer_qr_payload(offer, &qr));
  CHECK(qr.len == SOTTO_LINK_OFFER_LEN);

  /* The phone scans it: whose device is it? */
  sotto_buffer scanned_id = {0};
  uint64_t scanned_expiry = 0;
  OK(sotto_link_scan(qr.ptr, qr.len, NOW + 5, &scanned_id, &scanned_expiry));
  sotto_buffer browser_identity = identity_of(p.browser);
  CHECK(buffers_equal(scanned_id, browser_identity));
  CHECK(scanned_expiry == NOW + 300);
  OK(sotto_buffer_free(&scanned_id));
  OK(sotto_buffer_free(&browser_identity));
  CHECK_RC(sotto_link_scan(qr.ptr, qr.len, NOW + 301, &scanned_id,
                           &scanned_expiry),
           SOTTO_ERR_EXPIRED);
  EMPTY(scanned_id);
  CHECK(scanned_expiry == 0);
  CHECK_RC(sotto_link_scan(qr.ptr, qr.len, NOW, &scanned_id, NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_link_scan(qr.ptr, 100, NOW, &scanned_id, &scanned_expiry),
           SOTTO_ERR_TRUNCATED);

  /* It answers, handing over a contact. */
  sotto_link_contact contacts[1] = {
      {alice_key, sizeof alice_key, (const uint8_t *)"Alice", 5, true}};
  sotto_buffer response = {0}, new_list = {0};
  uint32_t phone_code = 1234567;
  OK(sotto_link_respond(p.bob, qr.ptr, qr.len, 2, contacts, 1, NOW + 5, NULL,
                        &response, &new_list, &phone_code));
  CHECK(phone_code < 1000000);
  char shown[8];
  snprintf(shown, sizeof shown, "%06u", (unsigned)phone_code);
  CHECK(strlen(shown) == 6);

  /* A tampered response fails and changes nothing. */
  sotto_linked_device *linked = NULL;
  uint8_t *bad = copy_of(response);
  bad[response.len - 20] ^= 1;
  CHECK_RC(sotto_link_offer_complete(offer, bad, response.len, NOW + 6, &linked),
           SOTTO_ERR_LINK_FAILED);
  CHECK(linked == NULL);
  free(bad);
  /* Too late: EXPIRED, and nothing changes either. */
  CHECK_RC(sotto_link_offer_complete(offer, response.ptr, response.len,
                                     NOW + 301, &linked),
           SOTTO_ERR_EXPIRED);

  /* The browser completes the link: both show the same code. */
  OK(sotto_link_offer_complete(offer, response.ptr, response.len, NOW + 6,
                               &linked));
  uint32_t browser_code = 0, device_id = 0;
  OK(sotto_linked_device_code(linked, &browser_code));
  CHECK(browser_code == phone_code);
  OK(sotto_linked_device_device_id(linked, &device_id));
  CHECK(device_id == 2);
  uint8_t key_seen[SOTTO_USER_IDENTITY_KEY_LEN];
  OK(sotto_linked_device_user_key(linked, key_seen, sizeof key_seen));
  CHECK(memcmp(key_seen, p.bob_key, sizeof key_seen) == 0);
  sotto_buffer list_seen = {0}, cert = {0}, name = {0};
  OK(sotto_linked_device_device_list(linked, &list_seen));
  CHECK(buffers_equal(list_seen, new_list));
  OK(sotto_linked_device_certificate(linked, &cert));
  sotto_buffer browser_id = identity_of(p.browser);
  uint32_t cert_device = 0;
  uint64_t cert_version = 0;
  OK(sotto_device_certificate_verify(cert.ptr, cert.len, p.bob_key,
                                     sizeof p.bob_key, browser_id.ptr,
                                     browser_id.len, &cert_device,
                                     &cert_version));
  CHECK(cert_device == 2 && cert_version == 2);
  size_t count = 0;
  OK(sotto_linked_device_contact_count(linked, &count));
  CHECK(count == 1);
  bool verified = false;
  OK(sotto_linked_device_contact(linked, 0, key_seen, sizeof key_seen,
                                 &verified, &name));
  CHECK(memcmp(key_seen, alice_key, sizeof alice_key) == 0);
  CHECK(verified);
  CHECK(buffer_equals(name, "Alice"));
  OK(sotto_buffer_free(&name));
  CHECK_RC(sotto_linked_device_contact(linked, 1, key_seen, sizeof key_seen,
                                       &verified, &name),
           SOTTO_ERR_INVALID_ARGUMENT);
  CHECK(!verified);
  CHECK_RC(sotto_linked_device_contact(linked, 0, key_seen, 32, &verified,
                                       &name),
           SOTTO_ERR_BUFFER_TOO_SMALL);

  /* The new device holds the list; the primary commits it once the person
     confirmed the codes. */
  sotto_device_list *held = NULL;
  CHECK_RC(sotto_device_list_new(list_seen.ptr, list_seen.len, p.bob_key, 0,
                                 &held),
           SOTTO_ERR_ZERO_LENGTH);
  OK(sotto_device_list_new(list_seen.ptr, list_seen.len, p.bob_key,
                           sizeof p.bob_key, &held));
  bool found = false;
  OK(sotto_device_list_find_identity(held, browser_id.ptr, browser_id.len,
                                     &found, &device_id));
  CHECK(found && device_id == 2);
  OK(sotto_user_identity_commit_device_list(p.bob, new_list.ptr, new_list.len));

  /* The offer is used up. */
  sotto_linked_device *again = NULL;
  CHECK_RC(sotto_link_offer_complete(offer, response.ptr, response.len,
                                     NOW + 7, &again),
           SOTTO_ERR_LINK_FAILED);
  CHECK(again == NULL);

  sotto_buffer all[] = {qr, response, new_list, list_seen, cert, browser_id};
  free_all(all, sizeof all / sizeof all[0]);
  OK(sotto_device_list_free(held));
  OK(sotto_linked_device_free(linked));
  OK(sotto_link_offer_free(offer));
  OK(sotto_user_identity_free(alice));
  people_free(&p);
}

static void test_linking_failures(void) {
  cases++;
  people p;
  people_new(&p);
  sotto_link_offer *offer = NULL, *other = NULL;
  sotto_buffer qr = {0}, other_qr = {0}, response = {0}, list = {0};
  uint32_t code = 77;
  /* ttl bounds. */
  CHECK_RC(sotto_link_offer_new(p.browser, NOW, 0, NULL, &offer),
           SOTTO_ERR_INVALID_ARGUMENT);
  CHECK_RC(sotto_link_offer_new(p.browser, NOW, SOTTO_MAX_LINK_TTL + 1, NULL,
                                &offer),
           SOTTO_ERR_INVALID_ARGUMENT);
  CHECK_RC(sotto_link_offer_new(p.browser, UINT64_MAX, 1, NULL, &offer),
           SOTTO_ERR_INVALID_ARGUMENT);
  CHECK(offer == NULL);
  CHECK_RC(sotto_link_offer_new(p.browser, NOW, 60, NULL, NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_link_offer_new((sotto_account *)p.bob, NOW, 60, NULL, &offer),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  OK(sotto_link_offer_new(p.browser, NOW, 60, NULL, &offer));
  OK(sotto_link_offer_qr_payload(offer, &qr));

  /* Scanned too late: EXPIRED. */
  CHECK_RC(sotto_link_respond(p.bob, qr.ptr, qr.len, 2, NULL, 0, NOW + 61,
                              NULL, &response, &list, &code),
           SOTTO_ERR_EXPIRED);
  EMPTY(response);
  EMPTY(list);
  CHECK(code == 0);
  /* Not a QR payload. */
  CHECK_RC(sotto_link_respond(p.bob, qr.ptr, qr.len - 1, 2, NULL, 0, NOW, NULL,
                              &response, &list, &code),
           SOTTO_ERR_TRUNCATED);
  /* The device id is taken (the phone is device 1). */
  CHECK_RC(sotto_link_respond(p.bob, qr.ptr, qr.len, 1, NULL, 0, NOW, NULL,
                              &response, &list, &code),
           SOTTO_ERR_INVALID_ARGUMENT);
  /* Contacts: NULL array, short key, bad UTF-8, long name, bad key. */
  uint8_t alice_key[SOTTO_USER_IDENTITY_KEY_LEN];
  sotto_user_identity *alice = NULL;
  OK(sotto_user_identity_new(NULL, &alice));
  OK(sotto_user_identity_public_key(alice, alice_key, sizeof alice_key));
  CHECK_RC(sotto_link_respond(p.bob, qr.ptr, qr.len, 2, NULL, 1, NOW, NULL,
                              &response, &list, &code),
           SOTTO_ERR_NULL_POINTER);
  sotto_link_contact c = {alice_key, 32, NULL, 0, false};
  CHECK_RC(sotto_link_respond(p.bob, qr.ptr, qr.len, 2, &c, 1, NOW, NULL,
                              &response, &list, &code),
           SOTTO_ERR_WRONG_LENGTH);
  c.user_key_len = 33;
  c.name = (const uint8_t *)"\xff\xfe";
  c.name_len = 2;
  CHECK_RC(sotto_link_respond(p.bob, qr.ptr, qr.len, 2, &c, 1, NOW, NULL,
                              &response, &list, &code),
           SOTTO_ERR_INVALID_ARGUMENT);
  char long_name[SOTTO_MAX_CONTACT_NAME_LEN + 1];
  memset(long_name, 'n', sizeof long_name);
  c.name = (const uint8_t *)long_name;
  c.name_len = sizeof long_name;
  CHECK_RC(sotto_link_respond(p.bob, qr.ptr, qr.len, 2, &c, 1, NOW, NULL,
                              &response, &list, &code),
           SOTTO_ERR_TOO_LARGE);
  c.name_len = 3;
  c.name = NULL;
  CHECK_RC(sotto_link_respond(p.bob, qr.ptr, qr.len, 2, &c, 1, NOW, NULL,
                              &response, &list, &code),
           SOTTO_ERR_NULL_POINTER);
  uint8_t bad_key[SOTTO_USER_IDENTITY_KEY_LEN] = {0x02};
  sotto_link_contact bad_contact = {bad_key, 33, NULL, 0, true};
  CHECK_RC(sotto_link_respond(p.bob, qr.ptr, qr.len, 2, &bad_contact, 1, NOW,
                              NULL, &response, &list, &code),
           SOTTO_ERR_INVALID_KEY);
  /* An output inside a contact's name: refused, nothing written. */
  uint8_t name_memory[64];
  memset(name_memory, 'z', sizeof name_memory);
  sotto_link_contact aliased = {alice_key, 33, name_memory, sizeof name_memory,
                                false};
  CHECK_RC(sotto_link_respond(p.bob, qr.ptr, qr.len, 2, &aliased, 1, NOW, NULL,
                              &response, (sotto_buffer *)(name_memory + 8),
                              &code),
           SOTTO_ERR_ALIASED_OUTPUT);
  CHECK(name_memory[8] == 'z' && name_memory[20] == 'z');
  CHECK_RC(sotto_link_respond(p.bob, qr.ptr, qr.len, 2, NULL, 0, NOW, NULL,
                              &response, &list, NULL),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_link_respond(NULL, qr.ptr, qr.len, 2, NULL, 0, NOW, NULL,
                              &response, &list, &code),
           SOTTO_ERR_NULL_POINTER);
  /* Nothing was committed by any of these. */
  sotto_buffer committed = {0};
  OK(sotto_user_identity_device_list(p.bob, &committed));
  sotto_device_list *held = NULL;
  uint64_t version = 0;
  OK(sotto_device_list_new(committed.ptr, committed.len, p.bob_key, 33, &held));
  OK(sotto_device_list_version(held, &version));
  CHECK(version == 1);

  /* A response made for another offer: LINK_FAILED. */
  OK(sotto_link_offer_new(p.browser, NOW, 60, NULL, &other));
  OK(sotto_link_offer_qr_payload(other, &other_qr));
  OK(sotto_link_respond(p.bob, other_qr.ptr, other_qr.len, 2, NULL, 0, NOW,
                        NULL, &response, &list, &code));
  sotto_linked_device *linked = NULL;
  CHECK_RC(sotto_link_offer_complete(offer, response.ptr, response.len, NOW,
                                     &linked),
           SOTTO_ERR_LINK_FAILED);
  CHECK_RC(sotto_link_offer_complete(offer, NULL, 0, NOW, &linked),
           SOTTO_ERR_NULL_POINTER);
  CHECK_RC(sotto_link_offer_complete(offer, response.ptr, response.len, NOW,
                                     NULL),
           SOTTO_ERR_NULL_POINTER);
  /* The right offer still completes, but not once expired. */
  CHECK_RC(sotto_link_offer_complete(other, response.ptr, response.len,
                                     NOW + 61, &linked),
           SOTTO_ERR_EXPIRED);
  OK(sotto_link_offer_complete(other, response.ptr, response.len, NOW + 60,
                               &linked));
  uint32_t browser_code = 0;
  OK(sotto_linked_device_code(linked, &browser_code));
  CHECK(browser_code == code);
  size_t count = 9;
  OK(sotto_linked_device_contact_count(linked, &count));
  CHECK(count == 0);
  CHECK_RC(sotto_linked_device_code((sotto_linked_device *)offer, &code),
           SOTTO_ERR_WRONG_HANDLE_KIND);
  CHECK_RC(sotto_link_offer_free((sotto_link_offer *)linked),
           SOTTO_ERR_WRONG_HANDLE_KIND);

  sotto_buffer all[] = {qr, other_qr, response, list, committed};
  free_all(all, sizeof all / sizeof all[0]);
  OK(sotto_linked_device_free(linked));
  CHECK_RC(sotto_linked_device_free(linked), SOTTO_ERR_INVALID_HANDLE);
  OK(sotto_link_offer_free(offer));
  OK(sotto_link_offer_free(other));
  OK(sotto_device_list_free(held));
  OK(sotto_user_identity_free(alice));
  people_free(&p);
}

int main(void) {
  test_device_lists();
  test_person_arguments();
  test_linking();
  test_linking_failures();
  test_no_leaks();
  return summary();
}
