/* test_cuda_memory.c — the CUDA backend's unified memory: data moving on demand between host and
 * GPU (counted), graphs mixing CPU and GPU streams, out of memory as an error array, the cache,
 * donation on the device, a training loop that stays on the GPU, and random numbers equal to the
 * CPU's. Every test skips (and says why) where no GPU is usable. */
#include "harness.h"

static bool have_gpu(void) { return mx_device_count(MX_CUDA) > 0; }
#define REQUIRE_GPU()                                                                        \
  if (!have_gpu()) {                                                                         \
    mxt_skip("no CUDA device is usable here (no GPU, no driver, or mx built without CUDA)"); \
    return;                                                                                  \
  }

static mx_device gpu_dev(void) { return (mx_device){MX_CUDA, 0}; }
static mx_stream gpu(void) { return mx_device_stream(gpu_dev()); }
static mx_stream cpu(void) { return mx_device_stream(mx_cpu_device()); }
static mx_memory_stats stats(void) {
  mx_memory_stats s;
  mx_memory_stats_get(gpu_dev(), &s);
  return s;
}
static double maxdiff(mx_array *a, mx_array *b) {
  mx_stream saved = mx_default_stream();
  mx_set_default_stream(cpu());
  double d = mx_item_f64(mx_max(mx_abs(mx_subtract(mx_astype(a, MX_FLOAT64), mx_astype(b, MX_FLOAT64))),
                                MX_ALL_AXES, false));
  mx_set_default_stream(saved);
  return d;
}

TEST(describe_and_streams) {
  REQUIRE_GPU();
  char d[200];
  mx_device_describe(gpu_dev(), d, sizeof d);
  printf("  %s\n", d);
  CHECK(strncmp(d, "cuda:0 (", 8) == 0 && strstr(d, "GiB, sm_") != NULL);
  CHECK(mx_device_equal(mx_default_device(), gpu_dev()));
  mx_stream s = mx_new_stream(gpu_dev());
  CHECK(s.index >= 1);
  CHECK(mx_synchronize(s) == MX_OK);
  CHECK(mx_synchronize(gpu()) == MX_OK);
}

TEST(unified_memory_moves_data_on_demand) {
  REQUIRE_GPU();
  float host[1000];
  for (int i = 0; i < 1000; i++) host[i] = (float)(i % 17) * 0.25f - 2.0f;
  mx_set_default_stream(gpu());
  mx_array *x = mx_array_new(host, MX_SHAPE(1000), MX_FLOAT32);
  mx_memory_stats s0 = stats();
  mx_array *y = mx_multiply(mx_exp(x), x);
  const float *py = mx_array_data(y);
  CHECK(py != NULL);
  mx_memory_stats s1 = stats();
  CHECK(s1.host_to_device - s0.host_to_device >= sizeof host);
  CHECK(s1.device_to_host - s0.device_to_host >= sizeof host);
  for (int i = 0; py && i < 1000; i++) CHECK_CLOSE(py[i], expf(host[i]) * host[i], 2e-6, 1e-6);
  /* read again: the host copy is current, nothing moves */
  CHECK(mx_array_data(y) == py);
  /* y is current on both sides: a GPU op reads it without an upload, a CPU op without a download */
  mx_array *z = mx_add(y, y);
  CHECK_OK(z);
  mx_set_default_stream(cpu());
  mx_array *w = mx_subtract(y, x);
  CHECK_OK(w);
  mx_memory_stats s2 = stats();
  CHECK_INT(s2.host_to_device, s1.host_to_device);
  CHECK_INT(s2.device_to_host, s1.device_to_host);
  /* the CPU reads the GPU-born z: one download of its bytes */
  mx_array *v = mx_multiply(z, mx_scalar(0.5));
  CHECK(maxdiff(v, y) == 0);
  mx_memory_stats s3 = stats();
  CHECK_INT(s3.device_to_host - s2.device_to_host, sizeof host);
}

TEST(graph_mixing_cpu_and_gpu_streams) {
  REQUIRE_GPU();
  mx_stream s2 = mx_new_stream(gpu_dev());
  mx_array *key = mx_random_key(7);
  mx_array *r[2];
  for (int pass = 0; pass < 2; pass++) { /* pass 0 mixed, pass 1 all on the CPU */
    mx_set_default_stream(pass ? cpu() : gpu());
    mx_array *a = mx_random_normal(key, MX_SHAPE(256, 256), 0, 0.1, MX_FLOAT32);
    mx_array *b = mx_matmul(a, mx_transpose(a, MX_ALL_AXES));
    mx_set_default_stream(cpu());
    mx_array *c = mx_tanh(b); /* the CPU consumes a GPU result */
    mx_set_default_stream(pass ? cpu() : s2);
    mx_array *d = mx_add(c, b); /* a second GPU stream consumes CPU and stream-0 results */
    mx_set_default_stream(pass ? cpu() : gpu());
    r[pass] = mx_sum(mx_multiply(d, d), MX_AXES(1), false);
    CHECK_OK(r[pass]);
  }
  mx_set_default_stream(gpu());
  CHECK(maxdiff(r[0], r[1]) < 1e-3);
  CHECK(mx_item_f64(mx_sum(r[1], MX_ALL_AXES, false)) > 1); /* not trivially zero */
}

TEST(out_of_memory_is_an_error_array) {
  REQUIRE_GPU();
  mx_set_default_stream(gpu());
  mx_array *huge = mx_zeros(MX_SHAPE((int64_t)1 << 40), MX_FLOAT32); /* 4 TiB */
  CHECK(mx_eval(huge) == MX_ERROR);
  CHECK(mx_is_error(huge) && strstr(mx_array_error(huge), "out of memory on cuda:0"));
  if (mx_is_error(huge)) printf("  %s\n", mx_array_error(huge));
  mx_clear_error();
  /* the process goes on and the device still works */
  mx_array *small = mx_sum(mx_ones(MX_SHAPE(1000), MX_FLOAT32), MX_ALL_AXES, false);
  CHECK_CLOSE(mx_item_f64(small), 1000, 0, 0);
  /* a limit makes allocations beyond it fail the same way */
  mx_memory_set_limit(gpu_dev(), (size_t)1 << 20);
  mx_array *big = mx_ones(MX_SHAPE(1 << 20), MX_FLOAT32); /* 4 MiB */
  CHECK(mx_eval(big) == MX_ERROR);
  CHECK_ERROR(big, "memory limit");
  CHECK_INT(stats().limit, 1 << 20);
  mx_memory_set_limit(gpu_dev(), 0);
  CHECK_OK(mx_ones(MX_SHAPE(1 << 20), MX_FLOAT32));
}

TEST(clear_cache_returns_free_blocks) {
  REQUIRE_GPU();
  mx_set_default_stream(gpu());
  mx_scope s = mx_scope_begin();
  CHECK_OK(mx_ones(MX_SHAPE(16 << 20), MX_FLOAT32)); /* 64 MiB */
  mx_scope_end(s);
  mx_synchronize(gpu());
  CHECK(stats().cached >= (size_t)64 << 20);
  size_t active = stats().active;
  mx_memory_clear_cache(gpu_dev());
  CHECK_INT(stats().cached, 0);
  CHECK_INT(stats().active, active);
}

TEST(elementwise_chain_donates_on_the_device) {
  REQUIRE_GPU();
  mx_set_default_stream(gpu());
  const size_t bytes = (size_t)64 << 20;
  mx_array *x = mx_ones(MX_SHAPE(16 << 20), MX_FLOAT32);
  CHECK_OK(x);
  mx_memory_reset_peak(gpu_dev());
  size_t base = stats().active;
  mx_array *y = mx_multiply(x, mx_scalar(2));
  for (int i = 0; i < 8; i++) y = mx_add(mx_negative(y), mx_scalar(1)); /* 2 -> -1 -> 2 -> ... */
  CHECK_OK(y);
  /* x plus one buffer that every op of the chain wrote into (and a few scalars) */
  CHECK(stats().peak - base <= bytes + ((size_t)2 << 20));
  CHECK_CLOSE(mx_item_f64(mx_max(y, MX_ALL_AXES, false)), 2, 0, 0);
}

/* Write after read across streams: a slow matmul on stream 1 reads x while an add on stream 2, the
 * last use of x, takes x's buffer over (donation) and overwrites it. The add must wait for the
 * matmul's read; before blocks recorded their readers it did not, and the product came out wrong. */
TEST(donation_waits_for_readers_on_other_streams) {
  REQUIRE_GPU();
  enum { N = 2048 };
  mx_stream s1 = mx_new_stream(gpu_dev()), s2 = mx_new_stream(gpu_dev());
  CHECK(s1.index != s2.index && s1.index > 0 && s2.index > 0);
  mx_set_default_stream(gpu());
  mx_array *base = mx_retain(mx_random_uniform(mx_random_key(7), MX_SHAPE(N, N), -1, 1, MX_FLOAT32));
  CHECK_OK(base);
  mx_array *want = mx_retain(mx_matmul(mx_multiply(base, mx_scalar(2)), mx_multiply(base, mx_scalar(2))));
  CHECK_OK(want);
  for (int round = 0; round < 4; round++) {
    mx_scope sc = mx_scope_begin();
    mx_set_default_stream(gpu());
    mx_array *x = mx_multiply(base, mx_scalar(2)); /* computed in this eval: its buffer may be donated */
    mx_set_default_stream(s1);
    mx_array *prod = mx_matmul(x, x); /* reads x for milliseconds */
    mx_set_default_stream(s2);
    mx_array *bumped = mx_add(x, mx_scalar(1)); /* x's last use: writes into x's buffer */
    mx_array *both[2] = {bumped, prod};
    CHECK(mx_eval_many(2, both) == MX_OK);
    CHECK(maxdiff(prod, want) <= 1e-3);
    CHECK(maxdiff(mx_subtract(bumped, mx_scalar(1)), mx_multiply(base, mx_scalar(2))) <= 1e-6);
    mx_scope_end(sc);
  }
  mx_set_default_stream(gpu());
  mx_release(want);
  mx_release(base);
}

/* Reading an array made on another GPU goes through the host; the calling thread's current device
 * must be the same afterwards, or the next launch would go to the wrong GPU. */
TEST(copy_from_another_gpu_keeps_the_current_device) {
  REQUIRE_GPU();
  if (mx_device_count(MX_CUDA) < 2) {
    mxt_skip("needs two GPUs");
    return;
  }
  mx_stream g1 = mx_device_stream((mx_device){MX_CUDA, 1});
  mx_set_default_stream(g1);
  mx_array *on1 = mx_arange(0, 1000, 1, MX_FLOAT32);
  CHECK_OK(on1);
  mx_set_default_stream(gpu());
  mx_array *sum = mx_sum(mx_multiply(on1, mx_scalar(2)), MX_ALL_AXES, false); /* on cuda:0 */
  CHECK_CLOSE(mx_item_f64(sum), 999000, 0, 0);
  mx_array *again = mx_sum(mx_arange(0, 10, 1, MX_FLOAT32), MX_ALL_AXES, false);
  CHECK_CLOSE(mx_item_f64(again), 45, 0, 0);
}

/* ---- a training loop whose data never leaves the GPU after the first step ---- */
static mx_array *mse(void *ctx, mx_module *m, int n, mx_array **b) {
  (void)ctx;
  (void)n;
  return mx_mse_loss(mx_module_forward(m, b[0]), b[1], MX_REDUCE_MEAN);
}

static void train(mx_stream s, int steps, float *losses, size_t *h2d, size_t *d2h) {
  mx_set_default_stream(s);
  int dims[] = {64, 256, 256, 16};
  mx_module *m = mx_nn_mlp(4, dims, MX_ACT_RELU, true, mx_random_key(1));
  mx_optimizer *opt = mx_optim_adam(1e-3, 0.9, 0.999, 1e-8);
  mx_array *x = mx_retain(mx_random_normal(mx_random_key(2), MX_SHAPE(256, 64), 0, 1, MX_FLOAT32));
  mx_array *y = mx_retain(mx_random_normal(mx_random_key(3), MX_SHAPE(256, 16), 0, 1, MX_FLOAT32));
  for (int i = 0; i < steps; i++) {
    mx_scope sc = mx_scope_begin();
    mx_memory_stats before = stats();
    mx_array *batch[2] = {x, y}, *loss, *grads[8];
    CHECK(mx_value_and_grad_module(m, mse, NULL, 2, batch, &loss, grads) == MX_OK);
    CHECK(mx_optim_update(opt, m, mx_module_count(m, MX_PARAMS_TRAINABLE), grads) == MX_OK);
    losses[i] = mx_item_f32(loss);
    mx_memory_stats after = stats();
    h2d[i] = after.host_to_device - before.host_to_device;
    d2h[i] = after.device_to_host - before.device_to_host;
    mx_scope_end(sc);
  }
  mx_release(x);
  mx_release(y);
  mx_optim_free(opt);
  mx_module_free(m);
}

TEST(training_loop_stays_on_the_gpu) {
  REQUIRE_GPU();
  enum { STEPS = 6 };
  float lg[STEPS], lc[STEPS];
  size_t h2d[STEPS], d2h[STEPS], h2d_c[STEPS], d2h_c[STEPS];
  train(gpu(), STEPS, lg, h2d, d2h);
  train(cpu(), STEPS, lc, h2d_c, d2h_c);
  for (int i = 0; i < STEPS; i++) {
    printf("  step %d: loss %.6f (cpu %.6f), host->device %zu B, device->host %zu B\n", i, lg[i], lc[i],
           h2d[i], d2h[i]);
    CHECK_CLOSE(lg[i], lc[i], 1e-3, 1e-6); /* ulps apart at init (erfinv), Adam keeps them close */
  }
  CHECK(lg[STEPS - 1] < lg[0]); /* it learns */
  /* after the first step only scalar constants go up (learning rate, counts) and the loss comes
   * down: nothing of the 350 KB of parameters, gradients or optimizer state */
  for (int i = 1; i < STEPS; i++) {
    CHECK(h2d[i] <= 4096);
    CHECK(d2h[i] <= 64);
  }
  for (int i = 0; i < STEPS; i++) CHECK_INT(h2d_c[i] + d2h_c[i], 0); /* the CPU run moves nothing */
}

TEST(random_numbers_equal_the_cpu) {
  REQUIRE_GPU();
  mx_array *key = mx_random_key(1234), *bits[2], *uni[2], *nrm[2], *odd[2];
  for (int k = 0; k < 2; k++) {
    mx_set_default_stream(k ? cpu() : gpu());
    bits[k] = mx_random_bits(key, MX_SHAPE(1001, 7));
    /* a strided key: column 1 of the transposed [3, 2] split, words 12 bytes apart */
    mx_array *keys = mx_transpose(mx_random_split(key, 3), MX_ALL_AXES);
    odd[k] = mx_random_bits(mx_squeeze(mx_slice_axis(keys, 1, 1, 2, 1), MX_AXES(1)), MX_SHAPE(5));
    uni[k] = mx_random_uniform(key, MX_SHAPE(4096), -2, 3, MX_FLOAT32);
    nrm[k] = mx_random_normal(key, MX_SHAPE(4096), 0, 1, MX_BFLOAT16);
  }
  mx_set_default_stream(gpu());
  const void *g = mx_array_data(bits[0]), *c = mx_array_data(bits[1]);
  CHECK(g && c && memcmp(g, c, mx_array_nbytes(bits[0])) == 0);
  CHECK(memcmp(mx_array_data(odd[0]), mx_array_data(odd[1]), 20) == 0);
  CHECK(maxdiff(uni[0], uni[1]) == 0);
  CHECK(maxdiff(nrm[0], nrm[1]) <= 0.0625); /* one bfloat16 ulp at 4-8 at most */
}
