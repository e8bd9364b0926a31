/*
 * Check macros and helpers shared by every C suite (test_sotto.c,
 * test_records.c, test_devices.c, test_groups.c, test_contacts.c,
 * test_negotiation.c). Each suite is its own
 * program: its last line is "N passed, M failed (K test cases)" and its
 * exit status is non-zero if anything failed (scripts/test-c.sh).
 */
#ifndef SOTTO_TEST_CHECK_H
#define SOTTO_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sotto.h"

static int passed, failed, cases;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (cond) {                                                                \
      passed++;                                                                \
    } else {                                                                   \
      failed++;                                                                \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
    }                                                                          \
  } while (0)

#define CHECK_RC(expr, expected)                                               \
  do {                                                                         \
    int32_t rc_ = (expr);                                                      \
    int32_t want_ = (expected);                                                \
    if (rc_ == want_) {                                                        \
      passed++;                                                                \
    } else {                                                                   \
      failed++;                                                                \
      fprintf(stderr, "FAIL %s:%d: %s returned %d (%s), expected %d (%s)\n",   \
              __FILE__, __LINE__, #expr, rc_, sotto_error_name(rc_), want_,    \
              sotto_error_name(want_));                                        \
    }                                                                          \
  } while (0)

#define OK(expr) CHECK_RC(expr, SOTTO_OK)

#define EMPTY(buf) CHECK((buf).ptr == NULL && (buf).len == 0)

#define STR(s) (const uint8_t *)(s), strlen(s)

static inline int buffer_equals(sotto_buffer buf, const char *text) {
  size_t n = strlen(text);
  if (buf.len != n) return 0;
  return n == 0 || memcmp(buf.ptr, text, n) == 0;
}

static inline int buffers_equal(sotto_buffer a, sotto_buffer b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* A malloc'd copy of a buffer (to tamper with or truncate). */
static inline uint8_t *copy_of(sotto_buffer buf) {
  uint8_t *copy = malloc(buf.len);
  if (copy == NULL) abort();
  memcpy(copy, buf.ptr, buf.len);
  return copy;
}

static inline void free_all(sotto_buffer *bufs, size_t n) {
  for (size_t i = 0; i < n; i++) OK(sotto_buffer_free(&bufs[i]));
}

/* Every handle freed and every buffer released: the last case of a suite. */
static inline void test_no_leaks(void) {
  cases++;
  CHECK(sotto_live_handle_count() == 0);
  CHECK(sotto_live_buffer_count() == 0);
}

static inline int summary(void) {
  printf("%d passed, %d failed (%d test cases)\n", passed, failed, cases);
  return failed == 0 ? 0 : 1;
}

#endif
