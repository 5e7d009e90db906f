/* bench_cpu_ops.c — mx's side of the CPU benchmarks (bench/cpu_ops.py runs NumPy on the same
 * work and prints both): elementwise add and exp, sum, row softmax, matmul, and the cost of one
 * tiny op built and evaluated. Prints "name seconds" lines (median of repeats). */
#include <stdio.h>
#include <string.h>

#include "bench_util.h"
#include "mx/mx.h"

typedef mx_array *(*op_fn)(mx_array **in);

static mx_array *op_add(mx_array **in) { return mx_add(in[0], in[1]); }
static mx_array *op_exp(mx_array **in) { return mx_exp(in[0]); }
static mx_array *op_sum(mx_array **in) { return mx_sum(in[0], MX_ALL_AXES, false); }
static mx_array *op_softmax(mx_array **in) { return mx_softmax(in[0], MX_AXES(-1)); }
static mx_array *op_matmul(mx_array **in) { return mx_matmul(in[0], in[1]); }

static double time_op(op_fn f, mx_array **in, int reps) {
  double t[64];
  for (int r = -2; r < reps; r++) { /* two warm-up runs */
    mx_scope s = mx_scope_begin();
    double t0 = bench_now();
    mx_array *y = f(in);
    if (mx_eval(y) != MX_OK) {
      fprintf(stderr, "bench: %s\n", mx_last_error());
      exit(1);
    }
    double t1 = bench_now();
    mx_scope_end(s);
    if (r >= 0) t[r] = t1 - t0;
  }
  return bench_median(t, reps);
}

static mx_array *randn(mx_shape s, uint64_t seed) {
  mx_array *a = mx_random_normal(mx_random_key(seed), s, 0, 1, MX_FLOAT32);
  mx_eval(a);
  return a;
}

int main(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : NULL;
  mx_scope scope = mx_scope_begin();
  const int64_t n = 1 << 24;
  mx_array *a = randn(MX_SHAPE(n), 1), *b = randn(MX_SHAPE(n), 2);
  mx_array *in2[2] = {a, b};
  if (!only || strstr("add", only)) printf("add_16M %.6e\n", time_op(op_add, in2, 15));
  if (!only || strstr("exp", only)) printf("exp_16M %.6e\n", time_op(op_exp, in2, 15));
  if (!only || strstr("sum", only)) printf("sum_16M %.6e\n", time_op(op_sum, in2, 15));
  mx_array *sm = randn(MX_SHAPE(4096, 4096), 3);
  if (!only || strstr("softmax", only)) printf("softmax_4096x4096 %.6e\n", time_op(op_softmax, &sm, 15));
  for (int sz = 512; sz <= 2048; sz *= 2) {
    mx_array *m[2] = {randn(MX_SHAPE(sz, sz), 4), randn(MX_SHAPE(sz, sz), 5)};
    char name[32];
    snprintf(name, sizeof name, "matmul_%d", sz);
    if (!only || strstr("matmul", only)) printf("%s %.6e\n", name, time_op(op_matmul, m, sz == 2048 ? 5 : 11));
  }
  if (!only || strstr("tiny", only)) {
    /* one 16-element add, built and evaluated, amortized over 10,000 */
    mx_array *x = randn(MX_SHAPE(16), 6), *y = randn(MX_SHAPE(16), 7);
    double t[7];
    for (int r = -1; r < 7; r++) {
      double t0 = bench_now();
      for (int i = 0; i < 10000; i++) {
        mx_scope s = mx_scope_begin();
        mx_eval(mx_add(x, y));
        mx_scope_end(s);
      }
      if (r >= 0) t[r] = (bench_now() - t0) / 10000;
    }
    printf("tiny_add_16 %.6e\n", bench_median(t, 7));
  }
  mx_scope_end(scope);
  mx_shutdown();
  return 0;
}
