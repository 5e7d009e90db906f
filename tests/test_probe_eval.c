/* test_probe_eval.c — evaluation cost that grows faster than the graph (issue 10 item 12):
 * a node with n inputs must cost O(n) to evaluate. Donation marking counted each input's uses
 * by rescanning all n inputs, so concatenating 200k arrays took seconds, 4x per doubling. */
#include <time.h>

#include "harness.h"

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); /* not the pool's spinning workers */
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* This thread's CPU seconds to evaluate the concatenation of n computed (1,)-arrays, best of 5:
 * CPU time, not wall time, so that other work on the machine does not count. */
static double concat_cost(int n) {
  double best = 1e30;
  for (int r = 0; r < 5; r++) {
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

/* 4x the inputs, both graphs larger than the caches: a linear walk costs about 4x (4.3-5.6x
 * measured), the quadratic donation scan it replaced 21x (3.76 s at 50k, 80 s at 200k); the
 * bound 8 sits halfway on a log scale. This thread's CPU time: other load does not count. */
TEST(eval_is_linear_in_a_nodes_inputs) {
  double small = concat_cost(40000), large = concat_cost(160000);
  printf("  concat of 40k arrays %.3f s, of 160k %.3f s (CPU): ratio %.1f\n", small, large,
         large / small);
  CHECK(large < 8 * small);
}
