/* test_probe_eval.c — evaluation cost that grows faster than the graph (issue 10 item 12):
 * a node with n inputs must cost O(n) to evaluate. Donation marking counted each input's uses
 * by rescanning all n inputs, so concatenating 200k arrays took seconds, 4x per doubling. */
#include <time.h>

#include "harness.h"

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Process CPU seconds to evaluate the concatenation of n computed (1,)-arrays, best of 3:
 * CPU time, not wall time, so that other work on the machine does not count. */
static double concat_cost(int n) {
  double best = 1e30;
  for (int r = 0; r < 3; r++) {
    mx_scope s = mx_scope_begin();
    mx_array **v = malloc(sizeof *v * (size_t)n);
    mx_array *one = mx_ones(MX_SHAPE(1), MX_FLOAT32);
    for (int i = 0; i < n; i++) v[i] = mx_add(one, mx_scalar(i));
    mx_array *c = mx_concatenate(n, v, 0);
    double t0 = cpu_now();
    CHECK_OK(c);
    double t = cpu_now() - t0;
    CHECK_CLOSE(mx_array_get_f64(c, (int64_t[]){n - 1}), n, 0, 0);
    best = t < best ? t : best;
    free(v);
    mx_scope_end(s);
  }
  return best;
}

/* 8x the inputs: the linear walk measured 9-12x (caches), the quadratic scan 44x; the bound 22
 * sits halfway on a log scale. */
TEST(eval_is_linear_in_a_nodes_inputs) {
  double small = concat_cost(10000), large = concat_cost(80000);
  printf("  concat of 10k arrays %.3f s, of 80k %.3f s (CPU): ratio %.1f\n", small, large,
         large / small);
  CHECK(large < 22 * small);
}

/* Donation still happens where it did: an input used twice by one node is not donated to it
 * while a later node still needs it, and is freed after its last use. */
TEST(repeated_inputs_still_evaluate) {
  mx_array *x = mx_add(mx_ones(MX_SHAPE(4), MX_FLOAT32), mx_scalar(1));
  mx_array *y = mx_multiply(x, x), *z = mx_add(y, x);
  CHECK_OK(z);
  CHECK_CLOSE(mx_array_get_f64(z, (int64_t[]){3}), 6, 0, 0);
  mx_array *parts[3] = {x, x, mx_negative(x)};
  mx_array *c = mx_concatenate(3, parts, 0);
  CHECK_OK(c);
  CHECK_CLOSE(mx_array_get_f64(c, (int64_t[]){11}), -2, 0, 0);
}
