/* Sotto from C: two devices, one secret chat. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sotto.h"

/* Every function returns a status; 0 (SOTTO_OK) is success. */
#define TRY(call)                                                        \
  do {                                                                   \
    int32_t rc_ = (call);                                                \
    if (rc_ != SOTTO_OK) {                                               \
      fprintf(stderr, "%s: %s (%d): %s\n", #call, sotto_error_name(rc_), \
              rc_, sotto_error_message(rc_));                            \
      exit(1);                                                           \
    }                                                                    \
  } while (0)

#define BYTES(s) (const uint8_t *)(s), strlen(s)

int main(void) {
  sotto_account *alice = NULL, *bob = NULL;
  sotto_session *alice_s = NULL, *bob_s = NULL;
  sotto_buffer bundle = {0}, first = {0}, text = {0}, reply = {0}, sealed = {0};

  /* Each device has an account (rng NULL = the OS generator). Bob
     publishes a prekey bundle through your server. */
  TRY(sotto_account_new(NULL, &alice));
  TRY(sotto_account_new(NULL, &bob));
  TRY(sotto_account_generate_one_time_prekeys(bob, 10, NULL));
  TRY(sotto_account_prekey_bundle(bob, &bundle));

  /* Alice starts a session from the bundle (its signatures are verified)
     and can write at once. The ids are your app's user/device ids. */
  TRY(sotto_session_initiate(alice, bundle.ptr, bundle.len, BYTES("alice#1"),
                             BYTES("bob#1"), NULL, &alice_s));
  TRY(sotto_session_encrypt(alice_s, BYTES("Are we alone?"), NULL, &first));

  /* Bob creates his side from Alice's first message. */
  TRY(sotto_session_accept(bob, first.ptr, first.len, BYTES("bob#1"),
                           BYTES("alice#1"), &bob_s, &text));
  printf("Bob reads: %.*s\n", (int)text.len, (const char *)text.ptr);

  /* They compare safety numbers in person (60 digits, same on both sides). */
  char alice_sn[SOTTO_SAFETY_NUMBER_SIZE], bob_sn[SOTTO_SAFETY_NUMBER_SIZE];
  TRY(sotto_session_safety_number(alice_s, alice_sn, sizeof alice_sn));
  TRY(sotto_session_safety_number(bob_s, bob_sn, sizeof bob_sn));
  printf("Safety numbers match: %s\n", strcmp(alice_sn, bob_sn) ? "NO" : "yes");

  /* State is sealed at rest under a key kept in the platform keystore. */
  uint8_t key[SOTTO_STORAGE_KEY_LEN];
  TRY(sotto_storage_key_generate(NULL, key, sizeof key));
  TRY(sotto_session_seal(bob_s, key, sizeof key, NULL, &sealed));
  TRY(sotto_session_free(bob_s));
  TRY(sotto_session_unseal(key, sizeof key, sealed.ptr, sealed.len, &bob_s));

  /* Replies ratchet forward. */
  TRY(sotto_buffer_free(&text)); /* wipes the plaintext */
  TRY(sotto_session_encrypt(bob_s, BYTES("Now we are."), NULL, &reply));
  TRY(sotto_session_decrypt(alice_s, reply.ptr, reply.len, &text));
  printf("Alice reads: %.*s\n", (int)text.len, (const char *)text.ptr);

  /* The caller owns every buffer and handle it receives. */
  sotto_buffer *buffers[] = {&bundle, &first, &text, &reply, &sealed};
  for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++)
    TRY(sotto_buffer_free(buffers[i]));
  TRY(sotto_session_free(alice_s));
  TRY(sotto_session_free(bob_s));
  TRY(sotto_account_free(alice));
  TRY(sotto_account_free(bob));
  return 0;
}
