/* harness.c — the test runner behind harness.h. */
#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TESTS 4096

static struct {
  const char *name;
  mxt_fn fn;
} tests[MAX_TESTS];
static int ntests, failures;

void mxt_register(const char *name, mxt_fn fn) {
  if (ntests == MAX_TESTS) abort();
  tests[ntests].name = name;
  tests[ntests++].fn = fn;
}

int mxt_failures(void) { return failures; }

void mxt_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "  FAIL %s:%d: ", file, line);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  failures++;
}

bool mxt_check(bool cond, const char *expr, const char *file, int line) {
  if (!cond) {
    const char *e = mx_last_error();
    mxt_fail(file, line, "%s%s%s", expr, e ? " (last error: " : "", e ? e : "");
    if (e) fprintf(stderr, "  )\n");
  }
  return cond;
}

bool mxt_check_close(double got, double want, double rtol, double atol, const char *expr,
                     const char *file, int line) {
  bool ok = (isnan(got) && isnan(want)) || got == want || fabs(got - want) <= atol + rtol * fabs(want);
  if (!ok) mxt_fail(file, line, "%s = %.17g, want %.17g", expr, got, want);
  return ok;
}

bool mxt_check_int(long long got, long long want, const char *expr, const char *file, int line) {
  if (got != want) mxt_fail(file, line, "%s = %lld, want %lld", expr, got, want);
  return got == want;
}

bool mxt_check_str(const char *got, const char *want, const char *expr, const char *file, int line) {
  bool ok = got && want && strcmp(got, want) == 0;
  if (!ok) mxt_fail(file, line, "%s =\n%s\nwant\n%s", expr, got ? got : "(null)", want);
  return ok;
}

bool mxt_check_error(mx_array *a, const char *substr, const char *expr, const char *file, int line) {
  const char *msg = mx_array_error(a);
  bool ok = a && msg && strstr(msg, substr);
  if (!ok)
    mxt_fail(file, line, "%s: expected an error containing \"%s\", got %s", expr, substr,
             msg ? msg : "no error");
  mx_clear_error();
  return ok;
}

/* A test that cannot run here (GPU tests without a GPU) says why and counts as skipped. */
static bool skipped_now, skip_said;
void mxt_skip(const char *why) {
  if (!skip_said) printf("skipped: %s\n", why);
  skip_said = skipped_now = true;
}

int main(int argc, char **argv) {
  const char *filter = argc > 1 ? argv[1] : NULL;
  int passed = 0, failed = 0, skipped = 0;
  /* MX_TEST_DEVICE=cpu runs a binary on the CPU where a GPU would be the default device */
  const char *dev = getenv("MX_TEST_DEVICE");
  if (dev && strcmp(dev, "cpu") == 0) mx_set_default_stream(mx_device_stream(mx_cpu_device()));
  for (int i = 0; i < ntests; i++) {
    if (filter && !strstr(tests[i].name, filter)) continue;
    int before = failures;
    mx_clear_error();
    mx_scope s = mx_scope_begin();
    skipped_now = false;
    tests[i].fn();
    mx_scope_end(s);
    if (failures == before && skipped_now) {
      skipped++;
    } else if (failures == before) {
      passed++;
    } else {
      failed++;
      fprintf(stderr, "FAILED %s\n", tests[i].name);
    }
  }
  mx_shutdown();
  if (skipped) printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  else printf("%d passed, %d failed\n", passed, failed);
  /* 77: ctest's SKIP_RETURN_CODE for binaries whose every test skipped (tests/CMakeLists.txt) */
  if (failed) return 1;
  return skipped && !passed ? 77 : 0;
}
