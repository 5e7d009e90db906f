/* harness.h — a minimal test runner: TEST(name) registers a test; CHECK* record failures with
 * file:line; main runs every test (or those whose name contains argv[1]) each inside its own
 * scope and prints "N passed, N failed". */
#ifndef MX_TEST_HARNESS_H
#define MX_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx/mx.h"

typedef void (*mxt_fn)(void);
void mxt_register(const char *name, mxt_fn fn);
/* Returns cond; prints the failure. */
bool mxt_check(bool cond, const char *expr, const char *file, int line);
bool mxt_check_close(double got, double want, double rtol, double atol, const char *expr,
                     const char *file, int line);
bool mxt_check_int(long long got, long long want, const char *expr, const char *file, int line);
bool mxt_check_str(const char *got, const char *want, const char *expr, const char *file, int line);
/* Failure with a printf message. */
void mxt_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Marks the current test skipped, printing why once; only for GPU tests on machines without one. */
void mxt_skip(const char *why);
/* Number of checks failed so far in the current test. */
int mxt_failures(void);

#define TEST(name)                                                      \
  static void name(void);                                               \
  __attribute__((constructor)) static void mxt_reg_##name(void) {       \
    mxt_register(#name, name);                                          \
  }                                                                     \
  static void name(void)

#define CHECK(cond) mxt_check((cond), #cond, __FILE__, __LINE__)
#define CHECK_CLOSE(got, want, rtol, atol) \
  mxt_check_close((got), (want), (rtol), (atol), #got, __FILE__, __LINE__)
#define CHECK_INT(got, want) mxt_check_int((long long)(got), (long long)(want), #got, __FILE__, __LINE__)
#define CHECK_STR(got, want) mxt_check_str((got), (want), #got, __FILE__, __LINE__)
#define FAIL(...) mxt_fail(__FILE__, __LINE__, __VA_ARGS__)
/* The array evaluated fine (no error). */
#define CHECK_OK(a) mxt_check(mx_eval(a) == MX_OK, #a " evaluates", __FILE__, __LINE__)
/* The op returned an error array whose message contains substr. */
#define CHECK_ERROR(a, substr) mxt_check_error((a), (substr), #a, __FILE__, __LINE__)
bool mxt_check_error(mx_array *a, const char *substr, const char *expr, const char *file, int line);

#endif
