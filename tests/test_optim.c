/* test_optim.c — optimizers against hand-computed float64 updates, schedules, gradient
 * clipping, gradients through modules, and training that converges. */
#include "harness.h"

/* a module with one parameter "w" (float64) and loss 0.5 * sum((w - target)^2) */
static mx_array *identity_forward(mx_module *m, int n, mx_array **in) {
  (void)n;
  (void)in;
  return mx_module_get(m, "w");
}
static mx_array *quad_loss(void *ctx, mx_module *m, int n, mx_array **batch) {
  (void)ctx;
  (void)n;
  mx_array *d = mx_subtract(mx_module_forward(m, batch[0]), batch[0]);
  return mx_multiply(mx_scalar(0.5), mx_sum(mx_square(d), MX_ALL_AXES, false));
}

static mx_module *one_param(double w0, double w1) {
  mx_module *m = mx_module_new("P", identity_forward, NULL, NULL);
  mx_module_add_param(m, "w", mx_array_new((double[]){w0, w1}, MX_SHAPE(2), MX_FLOAT64));
  return m;
}

/* runs `steps` updates of o on the quadratic; target (1, -2) */
static void run(mx_optimizer *o, mx_module *m, int steps) {
  mx_array *target = mx_array_new((double[]){1, -2}, MX_SHAPE(2), MX_FLOAT64);
  for (int s = 0; s < steps; s++) {
    mx_scope sc = mx_scope_begin();
    mx_array *loss, *g[1];
    CHECK(mx_value_and_grad_module(m, quad_loss, NULL, 1, &target, &loss, g) == MX_OK);
    CHECK(mx_optim_update(o, m, 1, g) == MX_OK);
    mx_scope_end(sc);
  }
}

static double w_at(mx_module *m, int i) { return mx_array_get_f64(mx_module_get(m, "w"), (int64_t[]){i}); }

TEST(sgd_momentum_nesterov_weight_decay) {
  mx_module *m = one_param(3, 0);
  mx_optimizer *o = mx_optim_sgd(0.1, 0.9, 0.01, true);
  run(o, m, 2);
  /* reference: g = (w - t) + wd w; v = mu v + g; w -= lr (g + mu v) */
  double w[2] = {3, 0}, t[2] = {1, -2}, v[2] = {0, 0};
  for (int s = 0; s < 2; s++)
    for (int i = 0; i < 2; i++) {
      double g = (w[i] - t[i]) + 0.01 * w[i];
      v[i] = 0.9 * v[i] + g;
      w[i] -= 0.1 * (g + 0.9 * v[i]);
    }
  CHECK_CLOSE(w_at(m, 0), w[0], 1e-14, 1e-14);
  CHECK_CLOSE(w_at(m, 1), w[1], 1e-14, 1e-14);
  CHECK_INT(mx_optim_steps(o), 2);
  mx_optim_free(o);
  mx_module_free(m);
}

static void adam_ref(double *w, int steps, double lr, double b1, double b2, double eps, double wd) {
  double t[2] = {1, -2}, mo[2] = {0, 0}, ve[2] = {0, 0};
  for (int s = 1; s <= steps; s++)
    for (int i = 0; i < 2; i++) {
      double g = w[i] - t[i];
      w[i] *= 1 - lr * wd;
      mo[i] = b1 * mo[i] + (1 - b1) * g;
      ve[i] = b2 * ve[i] + (1 - b2) * g * g;
      double mh = mo[i] / (1 - pow(b1, s)), vh = ve[i] / (1 - pow(b2, s));
      w[i] -= lr * mh / (sqrt(vh) + eps);
    }
}

TEST(adam_and_adamw) {
  for (int decoupled = 0; decoupled < 2; decoupled++) {
    mx_module *m = one_param(3, 0);
    mx_optimizer *o = decoupled ? mx_optim_adamw(0.05, 0.9, 0.99, 1e-8, 0.1) : mx_optim_adam(0.05, 0.9, 0.99, 1e-8);
    run(o, m, 5);
    double w[2] = {3, 0};
    adam_ref(w, 5, 0.05, 0.9, 0.99, 1e-8, decoupled ? 0.1 : 0);
    CHECK_CLOSE(w_at(m, 0), w[0], 1e-12, 1e-12);
    CHECK_CLOSE(w_at(m, 1), w[1], 1e-12, 1e-12);
    mx_optim_free(o);
    mx_module_free(m);
  }
}

TEST(rmsprop_adagrad_lion) {
  double t[2] = {1, -2};
  mx_module *m = one_param(3, 0);
  mx_optimizer *o = mx_optim_rmsprop(0.01, 0.9, 1e-8);
  run(o, m, 3);
  double w[2] = {3, 0}, v[2] = {0, 0};
  for (int s = 0; s < 3; s++)
    for (int i = 0; i < 2; i++) {
      double g = w[i] - t[i];
      v[i] = 0.9 * v[i] + 0.1 * g * g;
      w[i] -= 0.01 * g / (sqrt(v[i]) + 1e-8);
    }
  CHECK_CLOSE(w_at(m, 0), w[0], 1e-12, 1e-12);
  mx_optim_free(o);
  mx_module_free(m);

  m = one_param(3, 0);
  o = mx_optim_adagrad(0.1, 1e-10);
  run(o, m, 3);
  double wa[2] = {3, 0}, acc[2] = {0, 0};
  for (int s = 0; s < 3; s++)
    for (int i = 0; i < 2; i++) {
      double g = wa[i] - t[i];
      acc[i] += g * g;
      wa[i] -= 0.1 * g / (sqrt(acc[i]) + 1e-10);
    }
  CHECK_CLOSE(w_at(m, 1), wa[1], 1e-12, 1e-12);
  mx_optim_free(o);
  mx_module_free(m);

  m = one_param(3, 0);
  o = mx_optim_lion(0.01, 0.9, 0.99, 0.1);
  run(o, m, 3);
  double wl[2] = {3, 0}, mo[2] = {0, 0};
  for (int s = 0; s < 3; s++)
    for (int i = 0; i < 2; i++) {
      double g = wl[i] - t[i], c = 0.9 * mo[i] + 0.1 * g;
      double u = (c > 0) - (c < 0) + 0.1 * wl[i];
      wl[i] -= 0.01 * u;
      mo[i] = 0.99 * mo[i] + 0.01 * g;
    }
  CHECK_CLOSE(w_at(m, 0), wl[0], 1e-12, 1e-12);
  CHECK_CLOSE(w_at(m, 1), wl[1], 1e-12, 1e-12);
  mx_optim_free(o);
  mx_module_free(m);
}

TEST(schedules) {
  mx_schedule *c = mx_schedule_cosine(1.0, 100, 0.1);
  CHECK_CLOSE(mx_schedule_value(c, 0), 1.0, 1e-15, 0);
  CHECK_CLOSE(mx_schedule_value(c, 50), 0.55, 1e-12, 0);
  CHECK_CLOSE(mx_schedule_value(c, 500), 0.1, 0, 0);
  mx_schedule_free(c);
  mx_schedule *st = mx_schedule_step(1.0, 10, 0.5);
  CHECK_CLOSE(mx_schedule_value(st, 25), 0.25, 0, 0);
  mx_schedule_free(st);
  mx_schedule *ex = mx_schedule_exponential(2.0, 0.9);
  CHECK_CLOSE(mx_schedule_value(ex, 3), 2 * 0.729, 1e-15, 0);
  mx_schedule_free(ex);
  mx_schedule *parts[2] = {mx_schedule_linear(0, 1, 10), mx_schedule_cosine(1, 90, 0)};
  mx_schedule *j = mx_schedule_join(2, parts, (int64_t[]){10});
  CHECK_CLOSE(mx_schedule_value(j, 5), 0.5, 1e-15, 0);
  CHECK_CLOSE(mx_schedule_value(j, 10), 1.0, 1e-15, 0); /* the cosine restarts at its step 0 */
  CHECK_CLOSE(mx_schedule_value(j, 55), 0.5, 1e-12, 0);
  mx_optimizer *o = mx_optim_sgd(123, 0, 0, false);
  mx_optim_set_schedule(o, j);
  CHECK_CLOSE(mx_optim_learning_rate(o), 0, 0, 0);
  mx_optim_free(o);
  CHECK(mx_schedule_cosine(1, 0, 0) == NULL);
  mx_clear_error();
}

TEST(clip_grad_norm) {
  mx_array *g[2] = {mx_array_new((float[]){3, 0}, MX_SHAPE(2), MX_FLOAT32), mx_array_new((float[]){4}, MX_SHAPE(1), MX_FLOAT32)};
  mx_array *norm = mx_clip_grad_norm(2, g, 1.0);
  CHECK_CLOSE(mx_item_f64(norm), 5, 1e-6, 0);
  CHECK_CLOSE(mx_array_get_f64(g[0], (int64_t[]){0}), 0.6, 1e-5, 0);
  CHECK_CLOSE(mx_array_get_f64(g[1], (int64_t[]){0}), 0.8, 1e-5, 0);
  mx_array *h[1] = {mx_array_new((float[]){0.3f}, MX_SHAPE(1), MX_FLOAT32)};
  mx_clip_grad_norm(1, h, 1.0); /* under the limit: unchanged */
  CHECK_CLOSE(mx_array_get_f64(h[0], (int64_t[]){0}), 0.3, 1e-6, 0);
}

static mx_array *mse_loss_fn(void *ctx, mx_module *m, int n, mx_array **batch) {
  (void)ctx;
  (void)n;
  return mx_mse_loss(mx_module_forward(m, batch[0]), batch[1], MX_REDUCE_MEAN);
}

TEST(module_gradients_match_manual_and_training_converges) {
  /* y = x W^T + b: gradients of the mean squared error, by hand */
  mx_module *lin = mx_nn_linear(3, 2, true, mx_random_key(3));
  mx_array *x = mx_random_normal(mx_random_key(4), MX_SHAPE(8, 3), 0, 1, MX_FLOAT32);
  mx_array *wt = mx_array_new((float[]){1, -2, 0.5f, 0, 1, 3}, MX_SHAPE(2, 3), MX_FLOAT32);
  mx_array *y = mx_add(mx_matmul(x, mx_transpose(wt, MX_ALL_AXES)), mx_array_new((float[]){0.5f, -1}, MX_SHAPE(2), MX_FLOAT32));
  mx_array *batch[2] = {x, y}, *loss, *g[2];
  CHECK(mx_value_and_grad_module(lin, mse_loss_fn, NULL, 2, batch, &loss, g) == MX_OK);
  mx_array *r = mx_subtract(mx_module_forward(lin, x), y); /* dL/dpred = 2 r / (8 * 2) */
  mx_array *dpred = mx_multiply(r, mx_scalar(2.0 / 16));
  mx_array *gw = mx_matmul(mx_transpose(dpred, MX_ALL_AXES), x), *gb = mx_sum(dpred, MX_AXES(0), false);
  CHECK(mx_item_f64(mx_max(mx_abs(mx_subtract(g[0], gw)), MX_ALL_AXES, false)) < 1e-6);
  CHECK(mx_item_f64(mx_max(mx_abs(mx_subtract(g[1], gb)), MX_ALL_AXES, false)) < 1e-6);
  /* frozen parameters get no gradient slot and do not move */
  mx_module_freeze(lin, "bias");
  CHECK_INT(mx_module_count(lin, MX_PARAMS_TRAINABLE), 1);
  mx_module_unfreeze(lin, "");
  /* Adam fits the linear map */
  mx_optimizer *o = mx_optim_adam(0.05, 0.9, 0.999, 1e-8);
  double first = 0, last = 0;
  for (int s = 0; s < 300; s++) {
    mx_scope sc = mx_scope_begin();
    mx_value_and_grad_module(lin, mse_loss_fn, NULL, 2, batch, &loss, g);
    mx_eval(loss);
    if (s == 0) first = mx_item_f64(loss);
    last = mx_item_f64(loss);
    mx_optim_update(o, lin, 2, g);
    mx_scope_end(sc);
  }
  CHECK(last < 1e-4 * first);
  CHECK(mx_optim_update(o, lin, 1, g) == MX_ERROR); /* wrong gradient count */
  mx_clear_error();
  mx_optim_free(o);
  mx_module_free(lin);
}

static void relu_sum(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_sum(mx_relu(in[0]), MX_ALL_AXES, false);
}

TEST(relu_gradient_is_zero_at_zero) {
  mx_function *f = mx_function_new(relu_sum, NULL, 1, 1), *g = mx_grad_fn(f, 0, NULL);
  mx_array *x = mx_array_new((double[]){-1, 0, 2}, MX_SHAPE(3), MX_FLOAT64), *gx;
  CHECK(mx_call(g, 1, &x, 1, &gx) == MX_OK);
  CHECK_CLOSE(mx_array_get_f64(gx, (int64_t[]){0}), 0, 0, 0);
  CHECK_CLOSE(mx_array_get_f64(gx, (int64_t[]){1}), 0, 0, 0); /* as PyTorch and JAX */
  CHECK_CLOSE(mx_array_get_f64(gx, (int64_t[]){2}), 1, 0, 0);
  CHECK(mx_function_new(NULL, NULL, 1, 1) == NULL); /* a function needs a callback */
  mx_clear_error();
  mx_function_free(g);
  mx_function_free(f);
}
