/* bench_cuda_ops.c — mx's side of the GPU benchmarks (bench/cuda_ops.py runs PyTorch on the same
 * work in the same run and prints both): float32 add and GELU over 2^28 elements, sum, softmax and
 * layer_norm over 16384 x 4096 rows, matmul 8192^3 bfloat16 and 4096^3 float32 (TF32 when
 * MX_CUDA_TF32=1), and the per-op cost of a chain of 1,000 tiny ops. mx_eval waits for the GPU,
 * so wall-clock time around build + eval is the honest figure. Prints "name seconds" lines
 * (median of repeats after warm-up). */
#include <stdio.h>
#include <string.h>

#include "bench_util.h"
#include "mx/mx.h"

typedef mx_array *(*op_fn)(mx_array **in);

static mx_array *op_add(mx_array **in) { return mx_add(in[0], in[1]); }
static mx_array *op_gelu(mx_array **in) { return mx_gelu(in[0]); }
static mx_array *op_sum(mx_array **in) { return mx_sum(in[0], MX_AXES(-1), false); }
static mx_array *op_softmax(mx_array **in) { return mx_softmax(in[0], MX_AXES(-1)); }
static mx_array *op_layer_norm(mx_array **in) { return mx_layer_norm(in[0], in[1], in[2], 1e-5); }
static mx_array *op_matmul(mx_array **in) { return mx_matmul(in[0], in[1]); }

static double time_op(op_fn f, mx_array **in, int reps) {
  double t[64];
  for (int r = -3; r < reps; r++) { /* three warm-up runs: pool blocks, cuBLASLt heuristics */
    mx_scope s = mx_scope_begin();
    double t0 = bench_now();
    mx_array *y = f(in);
    if (mx_eval(y) != MX_OK) {
      fprintf(stderr, "bench_cuda_ops: %s\n", mx_last_error());
      exit(1);
    }
    double t1 = bench_now();
    mx_scope_end(s);
    if (r >= 0) t[r] = t1 - t0;
  }
  return bench_median(t, reps);
}

static mx_array *randn(mx_shape s, uint64_t seed, mx_dtype dt) {
  mx_array *a = mx_random_normal(mx_random_key(seed), s, 0, 1, dt);
  if (mx_eval(a) != MX_OK) {
    fprintf(stderr, "bench_cuda_ops: %s\n", mx_last_error());
    exit(1);
  }
  return a;
}

static bool want(const char *only, const char *name) { return !only || strstr(name, only); }

int main(int argc, char **argv) {
  const char *only = argc > 1 ? argv[1] : NULL;
  if (mx_device_count(MX_CUDA) == 0) {
    printf("# skipped: no CUDA device\n");
    return 0;
  }
  char dev[200];
  mx_device_describe(mx_default_device(), dev, sizeof dev);
  printf("# device %s\n", dev);
  mx_scope scope = mx_scope_begin();
  if (want(only, "add_2^28") || want(only, "gelu_2^28")) {
    mx_scope s = mx_scope_begin();
    mx_array *a = randn(MX_SHAPE((int64_t)1 << 28), 1, MX_FLOAT32), *b = randn(MX_SHAPE((int64_t)1 << 28), 2, MX_FLOAT32);
    mx_array *in[2] = {a, b};
    if (want(only, "add_2^28")) printf("add_2^28 %.6e\n", time_op(op_add, in, 15));
    if (want(only, "gelu_2^28")) printf("gelu_2^28 %.6e\n", time_op(op_gelu, in, 15));
    mx_scope_end(s);
  }
  {
    mx_scope s = mx_scope_begin();
    mx_array *x = randn(MX_SHAPE(16384, 4096), 3, MX_FLOAT32);
    mx_array *w = randn(MX_SHAPE(4096), 4, MX_FLOAT32), *b = randn(MX_SHAPE(4096), 5, MX_FLOAT32);
    mx_array *in[3] = {x, w, b};
    if (want(only, "sum_16384x4096")) printf("sum_16384x4096 %.6e\n", time_op(op_sum, in, 15));
    if (want(only, "softmax_16384x4096")) printf("softmax_16384x4096 %.6e\n", time_op(op_softmax, in, 15));
    if (want(only, "layer_norm_16384x4096")) printf("layer_norm_16384x4096 %.6e\n", time_op(op_layer_norm, in, 15));
    mx_scope_end(s);
  }
  if (want(only, "matmul_8192_bf16")) {
    mx_scope s = mx_scope_begin();
    mx_array *m[2] = {randn(MX_SHAPE(8192, 8192), 6, MX_BFLOAT16), randn(MX_SHAPE(8192, 8192), 7, MX_BFLOAT16)};
    printf("matmul_8192_bf16 %.6e\n", time_op(op_matmul, m, 9));
    mx_scope_end(s);
  }
  if (want(only, "matmul_4096_tf32")) {
    mx_scope s = mx_scope_begin();
    mx_array *m[2] = {randn(MX_SHAPE(4096, 4096), 8, MX_FLOAT32), randn(MX_SHAPE(4096, 4096), 9, MX_FLOAT32)};
    printf("matmul_4096_tf32 %.6e\n", time_op(op_matmul, m, 9));
    mx_scope_end(s);
  }
  if (want(only, "tiny_chain_1000")) {
    /* 1,000 dependent ops on 16 floats, built then evaluated once: per-op cost of the framework
     * (graph, dispatch, launch) */
    mx_array *x0 = randn(MX_SHAPE(16), 10, MX_FLOAT32);
    mx_array *c1 = mx_full(MX_SHAPE(16), 1.0001, MX_FLOAT32), *c2 = mx_full(MX_SHAPE(16), 1e-4, MX_FLOAT32);
    mx_eval(c1);
    mx_eval(c2);
    double t[9];
    for (int r = -2; r < 9; r++) {
      mx_scope s = mx_scope_begin();
      double t0 = bench_now();
      mx_array *x = x0;
      for (int i = 0; i < 500; i++) x = mx_add(mx_multiply(x, c1), c2);
      if (mx_eval(x) != MX_OK) {
        fprintf(stderr, "bench_cuda_ops: %s\n", mx_last_error());
        return 1;
      }
      double t1 = bench_now();
      mx_scope_end(s);
      if (r >= 0) t[r] = (t1 - t0) / 1000;
    }
    printf("tiny_chain_1000 %.6e\n", bench_median(t, 9));
  }
  mx_scope_end(scope);
  mx_shutdown();
  return 0;
}
