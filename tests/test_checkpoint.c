/* test_checkpoint.c — checkpointed layers recompute their forward pass during the backward one:
 * the gradient of a 32-layer MLP is identical with and without checkpointing, and its measured
 * peak memory is far lower with it. */
#include "harness.h"

enum { LAYERS = 32, BATCH = 512, WIDTH = 64, HIDDEN = 256 };

/* one residual layer: h + gelu(h W1) W2 — its internals ([BATCH, HIDDEN] each) are what
 * checkpointing avoids keeping */
static void layer(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  mx_array *u = mx_gelu(mx_matmul(in[0], in[1]));
  out[0] = mx_add(in[0], mx_matmul(u, in[2]));
}

typedef struct net {
  mx_function *layer; /* plain or checkpointed */
} net;

static void loss_fn(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  net *nt = ctx;
  mx_array *h = in[2 * LAYERS];
  for (int l = 0; l < LAYERS; l++) {
    mx_array *args[3] = {h, in[2 * l], in[2 * l + 1]}, *y;
    mx_call(nt->layer, 3, args, 1, &y);
    h = y;
  }
  out[0] = mx_mean(mx_square(h), MX_ALL_AXES, false);
}

/* Gradients of every weight; returns the peak host memory the evaluation added. */
static size_t grads_and_peak(mx_function *layer_fn, mx_array **w, mx_array *x, mx_array **g) {
  net nt = {layer_fn};
  mx_function *f = mx_function_new(loss_fn, &nt, 2 * LAYERS + 1, 1);
  int argnums[2 * LAYERS];
  for (int i = 0; i < 2 * LAYERS; i++) argnums[i] = i;
  mx_function *vg = mx_value_and_grad_fn(f, 2 * LAYERS, argnums);
  mx_array *in[2 * LAYERS + 1], *out[2 * LAYERS + 1];
  for (int i = 0; i < 2 * LAYERS; i++) in[i] = w[i];
  in[2 * LAYERS] = x;
  mx_call(vg, 2 * LAYERS + 1, in, 2 * LAYERS + 1, out);
  mx_memory_stats st;
  mx_memory_stats_get(mx_cpu_device(), &st);
  size_t base = st.active;
  mx_memory_reset_peak(mx_cpu_device());
  CHECK(mx_eval_many(2 * LAYERS + 1, out) == MX_OK);
  mx_memory_stats_get(mx_cpu_device(), &st);
  for (int i = 0; i < 2 * LAYERS; i++) g[i] = out[1 + i];
  mx_function_free(vg);
  mx_function_free(f);
  return st.peak - base;
}

TEST(checkpoint_saves_memory_with_identical_gradients) {
  mx_array *w[2 * LAYERS];
  mx_array *key = mx_random_key(0);
  mx_array *keys[2 * LAYERS + 1];
  mx_unstack(mx_random_split(key, 2 * LAYERS + 1), 0, 2 * LAYERS + 1, keys);
  for (int l = 0; l < LAYERS; l++) {
    w[2 * l] = mx_random_normal(keys[2 * l], MX_SHAPE(WIDTH, HIDDEN), 0, 1.0 / sqrt(WIDTH), MX_FLOAT32);
    w[2 * l + 1] = mx_random_normal(keys[2 * l + 1], MX_SHAPE(HIDDEN, WIDTH), 0, 0.2 / sqrt(HIDDEN), MX_FLOAT32);
  }
  mx_array *x = mx_random_normal(keys[2 * LAYERS], MX_SHAPE(BATCH, WIDTH), 0, 1, MX_FLOAT32);
  mx_eval_many(2 * LAYERS, w);
  mx_eval(x);
  mx_function *plain = mx_function_new(layer, NULL, 3, 1);
  mx_function *ckpt = mx_checkpoint_fn(plain);
  mx_array *g_plain[2 * LAYERS], *g_ckpt[2 * LAYERS];
  size_t peak_plain = grads_and_peak(plain, w, x, g_plain);
  size_t peak_ckpt = grads_and_peak(ckpt, w, x, g_ckpt);
  double worst = 0;
  for (int i = 0; i < 2 * LAYERS; i++) {
    double d = mx_item_f64(mx_max(mx_abs(mx_subtract(g_plain[i], g_ckpt[i])), MX_ALL_AXES, false));
    double s = mx_item_f64(mx_max(mx_abs(g_plain[i]), MX_ALL_AXES, false));
    worst = fmax(worst, d / (s + 1e-30));
  }
  printf("  peak memory of the gradient: %.1f MiB plain, %.1f MiB checkpointed; max relative "
         "difference of the gradients %.2e\n", peak_plain / 1048576.0, peak_ckpt / 1048576.0, worst);
  CHECK(worst < 1e-6);
  /* each layer keeps [BATCH, HIDDEN] internals alive without checkpointing */
  CHECK(peak_ckpt * 3 < peak_plain);
  mx_function_free(ckpt);
  mx_function_free(plain);
}
