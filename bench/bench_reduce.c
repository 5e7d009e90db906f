/* bench_reduce.c — float32 reduction speed and accuracy (bench/reduce.py runs NumPy on the same
 * work): sum of 1e8 elements, a 4096x4096 sum along each axis, short rows, and the relative error of the
 * sum of 1e8 x 0.1f and the std of a constant (12345.678) 1e7-element array. Prints "name value" lines;
 * times are the median of 9 runs after two warm-ups. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "mx/mx.h"

static mx_array *must(mx_array *a) {
  if (mx_eval(a) != MX_OK) {
    fprintf(stderr, "bench_reduce: %s\n", mx_last_error());
    exit(1);
  }
  return a;
}

static double time_sum(mx_array *x, mx_axes axes) {
  double t[9];
  for (int r = -2; r < 9; r++) {
    mx_scope s = mx_scope_begin();
    double t0 = bench_now();
    must(mx_sum(x, axes, false));
    double t1 = bench_now();
    mx_scope_end(s);
    if (r >= 0) t[r] = t1 - t0;
  }
  return bench_median(t, 9);
}

int main(void) {
  mx_scope scope = mx_scope_begin();
  mx_array *big = must(mx_random_normal(mx_random_key(1), MX_SHAPE(100000000), 0, 1, MX_FLOAT32));
  printf("sum_1e8_s %.6e\n", time_sum(big, MX_ALL_AXES));
  mx_array *sq = must(mx_random_normal(mx_random_key(2), MX_SHAPE(4096, 4096), 0, 1, MX_FLOAT32));
  printf("sum_4096x4096_axis0_s %.6e\n", time_sum(sq, MX_AXES(0)));
  printf("sum_4096x4096_axis1_s %.6e\n", time_sum(sq, MX_AXES(1)));
  /* short rows that stay in cache: the per-row overhead of the blocked loop */
  printf("sum_16384x1024_axis1_s %.6e\n", time_sum(mx_reshape(sq, MX_SHAPE(16384, 1024)), MX_AXES(1)));
  printf("sum_262144x64_axis1_s %.6e\n", time_sum(mx_reshape(sq, MX_SHAPE(262144, 64)), MX_AXES(1)));
  mx_array *tenth = must(mx_full(MX_SHAPE(100000000), 0.1, MX_FLOAT32));
  double got = mx_item_f64(must(mx_sum(tenth, MX_ALL_AXES, false)));
  double want = 1e8 * (double)0.1f;
  printf("sum_1e8_tenth_relerr %.3e\n", fabs(got - want) / want);
  mx_array *c = must(mx_full(MX_SHAPE(10000000), 12345.678, MX_FLOAT32));
  printf("std_1e7_const %.3e\n", mx_item_f64(must(mx_std(c, MX_ALL_AXES, false, 0))));
  mx_scope_end(scope);
  mx_shutdown();
  return 0;
}
