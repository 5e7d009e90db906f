/* test_transforms.c — grad, value_and_grad, vjp, jvp, vmap, stop_gradient, custom_vjp,
 * checkpoint on hand-checked functions; composition (grad of grad, jvp of vjp, vmap of grad,
 * nested vmap); error paths. The registry-driven checks of every rule are in test_grad_sweep.c. */
#include "harness.h"

static mx_array *vec(const double *v, int n) { return mx_array_new(v, MX_SHAPE(n), MX_FLOAT64); }

static void check_vec(mx_array *a, const double *want, int n, double tol) {
  const double *d = mx_array_data(mx_astype(a, MX_FLOAT64));
  if (!CHECK(d != NULL)) return;
  for (int i = 0; i < n; i++) CHECK_CLOSE(d[i], want[i], tol, tol);
}

/* f(x, y) = sum(x^2 * y) + aux output x + 1 */
static void f_xy(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_sum(mx_multiply(mx_square(in[0]), in[1]), MX_ALL_AXES, false);
  if (n_out > 1) out[1] = mx_add(in[0], mx_scalar(1));
}

TEST(grad_and_value_and_grad) {
  mx_function *f = mx_function_new(f_xy, NULL, 2, 2);
  double xv[3] = {1, -2, 3}, yv[3] = {0.5, 2, -1};
  mx_array *in[2] = {vec(xv, 3), vec(yv, 3)};
  mx_function *g = mx_grad_fn(f, 2, (int[]){0, 1});
  mx_array *grads[2];
  CHECK(mx_call(g, 2, in, 2, grads) == MX_OK);
  check_vec(grads[0], (double[]){1, -8, -6}, 3, 1e-12);  /* 2 x y */
  check_vec(grads[1], (double[]){1, 4, 9}, 3, 1e-12);    /* x^2 */
  mx_function *vg = mx_value_and_grad_fn(f, 1, (int[]){1});
  mx_array *out[3];
  CHECK(mx_call(vg, 2, in, 3, out) == MX_OK);
  CHECK_CLOSE(mx_item_f64(out[0]), 0.5 + 8 - 9, 1e-12, 0);
  check_vec(out[1], (double[]){2, -1, 4}, 3, 0); /* the auxiliary output */
  check_vec(out[2], (double[]){1, 4, 9}, 3, 1e-12);
  mx_function_free(vg);
  mx_function_free(g);
  mx_function_free(f);
}

static void f_tanh_sum(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_sum(mx_tanh(in[0]), MX_ALL_AXES, false);
}

/* sum of another function's output (ctx): makes an elementwise gradient a scalar again */
static void f_sum_of(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  mx_array *y;
  mx_call(ctx, 1, in, 1, &y);
  out[0] = mx_sum(y, MX_ALL_AXES, false);
}

TEST(grad_of_grad_tanh) {
  mx_function *f = mx_function_new(f_tanh_sum, NULL, 1, 1);
  mx_function *g = mx_grad_fn(f, 0, NULL);
  /* the gradient is elementwise, so the second derivative is grad(sum(g)) */
  mx_function *sg = mx_function_new(f_sum_of, g, 1, 1);
  mx_function *sum_g = mx_grad_fn(sg, 0, NULL);
  double xv[4] = {-1.5, -0.2, 0.3, 2};
  mx_array *x = vec(xv, 4), *d1, *d2;
  mx_call(g, 1, &x, 1, &d1);
  mx_call(sum_g, 1, &x, 1, &d2);
  for (int i = 0; i < 4; i++) {
    double t = tanh(xv[i]);
    CHECK_CLOSE(mx_array_get_f64(d1, (int64_t[]){i}), 1 - t * t, 1e-12, 1e-14);
    CHECK_CLOSE(mx_array_get_f64(d2, (int64_t[]){i}), -2 * t * (1 - t * t), 1e-12, 1e-14);
  }
  mx_function_free(sum_g);
  mx_function_free(sg);
  mx_function_free(g);
  mx_function_free(f);
}

static void f_sin_mul(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_multiply(mx_sin(in[0]), in[1]);
}

TEST(vjp_and_jvp_agree) {
  mx_function *f = mx_function_new(f_sin_mul, NULL, 2, 1);
  double xv[3] = {0.1, 0.7, -1.2}, yv[3] = {2, -1, 0.5}, u[3] = {1, 2, 3}, vx[3] = {0.5, -1, 2},
         vy[3] = {1, 1, -1};
  mx_array *p[2] = {vec(xv, 3), vec(yv, 3)};
  mx_array *cot = vec(u, 3), *outs[1], *vj[2];
  CHECK(mx_vjp(f, 2, p, &cot, 1, outs, vj) == MX_OK);
  mx_array *t[2] = {vec(vx, 3), vec(vy, 3)}, *jv[1];
  CHECK(mx_jvp(f, 2, p, t, 1, outs, jv) == MX_OK);
  /* <jvp(v), u> == <v, vjp(u)> */
  double lhs = mx_item_f64(mx_sum(mx_multiply(jv[0], cot), MX_ALL_AXES, false));
  double rhs = mx_item_f64(mx_add(mx_sum(mx_multiply(t[0], vj[0]), MX_ALL_AXES, false),
                                  mx_sum(mx_multiply(t[1], vj[1]), MX_ALL_AXES, false)));
  CHECK_CLOSE(lhs, rhs, 1e-12, 1e-12);
  for (int i = 0; i < 3; i++) {
    CHECK_CLOSE(mx_array_get_f64(vj[0], (int64_t[]){i}), u[i] * cos(xv[i]) * yv[i], 1e-12, 0);
    CHECK_CLOSE(mx_array_get_f64(jv[0], (int64_t[]){i}), cos(xv[i]) * yv[i] * vx[i] + sin(xv[i]) * vy[i], 1e-12, 1e-15);
  }
  /* jvp of vjp: vjp as a function, pushed forward */
  mx_function *vf = mx_vjp_fn(f);
  mx_array *pin[3] = {p[0], p[1], cot}, *tin[3] = {t[0], t[1], mx_zeros_like(cot)}, *o[2], *jo[2];
  CHECK(mx_jvp(vf, 3, pin, tin, 2, o, jo) == MX_OK);
  /* d/dx [u cos(x) y] . vx + d/dy [...] . vy */
  for (int i = 0; i < 3; i++)
    CHECK_CLOSE(mx_array_get_f64(jo[0], (int64_t[]){i}), -u[i] * sin(xv[i]) * yv[i] * vx[i] + u[i] * cos(xv[i]) * vy[i], 1e-12, 1e-15);
  mx_function_free(vf);
  mx_function_free(f);
}

static void f_rowdot(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_sum(mx_multiply(in[0], in[1]), MX_AXES(-1), false);
}

TEST(vmap_axes_and_nesting) {
  mx_function *f = mx_function_new(f_rowdot, NULL, 2, 1);
  /* x [4, 3] batched along axis 1 (3 examples of length 4), w [4] not batched */
  mx_array *x = mx_reshape(mx_arange(0, 12, 1, MX_FLOAT32), MX_SHAPE(4, 3));
  mx_array *w = mx_array_new((float[]){1, -1, 2, 0.5f}, MX_SHAPE(4), MX_FLOAT32);
  mx_function *vf = mx_vmap_fn(f, (int[]){1, MX_UNBATCHED}, NULL);
  mx_array *in[2] = {x, w}, *out;
  CHECK(mx_call(vf, 2, in, 1, &out) == MX_OK);
  CHECK_INT(mx_array_ndim(out), 1);
  CHECK_INT(mx_array_shape(out)[0], 3);
  for (int b = 0; b < 3; b++) {
    double want = 0;
    for (int k = 0; k < 4; k++) want += (k * 3 + b) * ((double[]){1, -1, 2, 0.5})[k];
    CHECK_CLOSE(mx_array_get_f64(out, (int64_t[]){b}), want, 1e-6, 0);
  }
  /* nested: vmap over a leading axis of a [2, 4, 3] input, then the inner vmap over axis 1 */
  mx_function *vvf = mx_vmap_fn(vf, (int[]){0, MX_UNBATCHED}, (int[]){1});
  mx_array *x2 = mx_reshape(mx_arange(0, 24, 1, MX_FLOAT32), MX_SHAPE(2, 4, 3)), *o2;
  mx_array *in2[2] = {x2, w};
  CHECK(mx_call(vvf, 2, in2, 1, &o2) == MX_OK);
  CHECK_INT(mx_array_shape(o2)[0], 3); /* out_axes = 1: [3, 2] */
  CHECK_INT(mx_array_shape(o2)[1], 2);
  double want = 0;
  for (int k = 0; k < 4; k++) want += (12 + k * 3 + 2) * ((double[]){1, -1, 2, 0.5})[k];
  CHECK_CLOSE(mx_array_get_f64(o2, (int64_t[]){2, 1}), want, 1e-6, 0);
  mx_function_free(vvf);
  mx_function_free(vf);
  mx_function_free(f);
}

static void f_loss(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out; /* (w . x - y)^2 */
  mx_array *pred = mx_sum(mx_multiply(in[0], in[1]), MX_ALL_AXES, false);
  out[0] = mx_square(mx_subtract(pred, in[2]));
}

TEST(vmap_of_grad_gives_per_example_gradients) {
  mx_function *loss = mx_function_new(f_loss, NULL, 3, 1);
  mx_function *g = mx_grad_fn(loss, 1, (int[]){0});
  mx_function *pg = mx_vmap_fn(g, (int[]){MX_UNBATCHED, 0, 0}, NULL);
  mx_array *w = mx_array_new((float[]){0.5f, -1, 2}, MX_SHAPE(3), MX_FLOAT32);
  mx_array *x = mx_reshape(mx_arange(0, 12, 1, MX_FLOAT32), MX_SHAPE(4, 3));
  mx_array *y = mx_array_new((float[]){1, 2, 3, 4}, MX_SHAPE(4), MX_FLOAT32);
  mx_array *in[3] = {w, x, y}, *grads;
  CHECK(mx_call(pg, 3, in, 1, &grads) == MX_OK);
  CHECK_INT(mx_array_shape(grads)[0], 4);
  CHECK_INT(mx_array_shape(grads)[1], 3);
  for (int b = 0; b < 4; b++) {
    double pred = 0.5 * (3 * b) - (3 * b + 1) + 2 * (3 * b + 2), r = pred - (b + 1);
    for (int k = 0; k < 3; k++) CHECK_CLOSE(mx_array_get_f64(grads, (int64_t[]){b, k}), 2 * r * (3 * b + k), 1e-5, 1e-5);
  }
  mx_function_free(pg);
  mx_function_free(g);
  mx_function_free(loss);
}

static void f_stop(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_sum(mx_multiply(in[0], mx_stop_gradient(mx_square(in[0]))), MX_ALL_AXES, false);
}

TEST(stop_gradient_blocks) {
  mx_function *f = mx_function_new(f_stop, NULL, 1, 1), *g = mx_grad_fn(f, 0, NULL);
  mx_array *x = vec((double[]){2, -3}, 2), *gx;
  mx_call(g, 1, &x, 1, &gx);
  check_vec(gx, (double[]){4, 9}, 2, 1e-12); /* d/dx [x * const(x^2)] = x^2 */
  mx_function_free(g);
  mx_function_free(f);
}

static void f_double(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_multiply(in[0], mx_scalar(2));
}
static void clip_grad(void *ctx, int n_in, mx_array **primals, int n_out, mx_array **outputs,
                      mx_array **cot, mx_array **vjps) {
  (void)ctx; (void)n_in; (void)primals; (void)n_out; (void)outputs;
  vjps[0] = mx_clip(cot[0], mx_scalar(-1), mx_scalar(1)); /* a straight-through, clipped gradient */
}
static void f_use_custom(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  mx_array *y;
  mx_call(ctx, 1, in, 1, &y);
  out[0] = mx_sum(mx_multiply(y, mx_scalar(5)), MX_ALL_AXES, false);
}

TEST(custom_vjp_overrides_backward) {
  mx_function *inner = mx_function_new(f_double, NULL, 1, 1);
  mx_function *custom = mx_custom_vjp_fn(inner, clip_grad, NULL);
  mx_function *f = mx_function_new(f_use_custom, custom, 1, 1);
  mx_function *g = mx_grad_fn(f, 0, NULL);
  mx_array *x = vec((double[]){1, 2}, 2), *gx, *y;
  mx_call(custom, 1, &x, 1, &y);
  check_vec(y, (double[]){2, 4}, 2, 0);    /* forward unchanged */
  mx_call(g, 1, &x, 1, &gx);
  check_vec(gx, (double[]){1, 1}, 2, 0);   /* cotangent 5 clipped to 1, not 5 * 2 */
  /* forward mode still goes through the function */
  mx_array *t = vec((double[]){1, 1}, 2), *o, *jv;
  mx_jvp(custom, 1, &x, &t, 1, &o, &jv);
  check_vec(jv, (double[]){2, 2}, 2, 0);
  mx_function_free(g);
  mx_function_free(f);
  mx_function_free(custom);
  mx_function_free(inner);
}

/* vmap of a custom_vjp function keeps the custom backward (vmapped): a gradient taken outside the
 * vmap, with one batched primal (batch axis 1) and one unbatched primal. */
static void f_mul(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_multiply(in[0], in[1]);
}
static void scaled_grad(void *ctx, int n_in, mx_array **primals, int n_out, mx_array **outputs,
                        mx_array **cot, mx_array **vjps) {
  (void)ctx; (void)n_in; (void)n_out; (void)outputs;
  vjps[0] = mx_multiply(mx_multiply(cot[0], primals[1]), mx_scalar(3)); /* true rule: cot * w */
  vjps[1] = mx_multiply(mx_multiply(cot[0], primals[0]), mx_scalar(5)); /* true rule: cot * x */
}
static void f_sum_of_vmapped(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  mx_array *y;
  mx_call(ctx, 2, in, 1, &y);
  out[0] = mx_sum(y, MX_ALL_AXES, false);
}

TEST(vmap_keeps_custom_vjp) {
  mx_function *inner = mx_function_new(f_mul, NULL, 2, 1);
  mx_function *custom = mx_custom_vjp_fn(inner, scaled_grad, NULL);
  mx_function *batched = mx_vmap_fn(custom, (int[]){1, MX_UNBATCHED}, (int[]){0});
  mx_function *loss = mx_function_new(f_sum_of_vmapped, batched, 2, 1);
  mx_function *g = mx_grad_fn(loss, 2, (int[]){0, 1});
  double xs[6] = {1, 2, 3, 4, 5, 6}; /* X: 3 x 2, the batch on axis 1 */
  mx_array *x = mx_reshape(vec(xs, 6), MX_SHAPE(3, 2)), *w = vec((double[]){0.5, -1, 2}, 3);
  mx_array *y, *grads[2];
  mx_call(batched, 2, (mx_array *[]){x, w}, 1, &y);
  check_vec(y, (double[]){0.5, -3, 10, 1, -4, 12}, 6, 0); /* forward: X^T * w, batch first */
  mx_call(g, 2, (mx_array *[]){x, w}, 2, grads);
  check_vec(grads[0], (double[]){1.5, 1.5, -3, -3, 6, 6}, 6, 0); /* 3 w, not w */
  check_vec(grads[1], (double[]){15, 35, 55}, 3, 0);              /* 5 sum_b X, not sum_b X */
  mx_function_free(g);
  mx_function_free(loss);
  mx_function_free(batched);
  mx_function_free(custom);
  mx_function_free(inner);
}

static void f_sin1(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_sin(in[0]);
}
static void f_sum_of_vmapped1(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  mx_array *y;
  mx_call(ctx, 1, in, 1, &y);
  out[0] = mx_sum(y, MX_ALL_AXES, false);
}

TEST(vmap_of_checkpoint_differentiates) {
  mx_function *inner = mx_function_new(f_sin1, NULL, 1, 1), *ck = mx_checkpoint_fn(inner);
  mx_function *batched = mx_vmap_fn(ck, (int[]){1}, (int[]){0});
  mx_function *loss = mx_function_new(f_sum_of_vmapped1, batched, 1, 1);
  mx_function *g = mx_grad_fn(loss, 0, NULL);
  double xs[6] = {0.1, -0.2, 0.3, 1.4, -2.5, 0.6}, want[6];
  for (int i = 0; i < 6; i++) want[i] = cos(xs[i]);
  mx_array *x = mx_reshape(vec(xs, 6), MX_SHAPE(2, 3)), *gx;
  mx_call(g, 1, &x, 1, &gx);
  check_vec(gx, want, 6, 1e-12);
  mx_function_free(g);
  mx_function_free(loss);
  mx_function_free(batched);
  mx_function_free(ck);
  mx_function_free(inner);
}

TEST(transform_errors) {
  mx_function *f = mx_function_new(f_xy, NULL, 2, 2);
  mx_array *xi = mx_array_new((int32_t[]){1, 2}, MX_SHAPE(2), MX_INT32);
  mx_array *y = vec((double[]){1, 1}, 2), *out[2];
  mx_array *in[2] = {xi, y};
  mx_function *g = mx_grad_fn(f, 1, (int[]){0});
  CHECK(mx_call(g, 2, in, 1, out) == MX_ERROR);
  CHECK_ERROR(out[0], "input 0 of dtype int32");
  mx_function *g5 = mx_grad_fn(f, 1, (int[]){5});
  mx_array *in2[2] = {y, y};
  CHECK(mx_call(g5, 2, in2, 1, out) == MX_ERROR);
  CHECK_ERROR(out[0], "argnum 5 is out of range");
  mx_function *sm = mx_function_new(f_sin_mul, NULL, 2, 1);
  mx_function *g2 = mx_grad_fn(sm, 0, NULL);
  CHECK(mx_call(g2, 2, in2, 1, out) == MX_ERROR); /* output is not a scalar */
  CHECK_ERROR(out[0], "scalar");
  mx_array *bad_cot = vec((double[]){1, 2, 3}, 3), *outs[2], *vj[2];
  mx_array *cots[2] = {mx_scalar(1), bad_cot};
  CHECK(mx_vjp(f, 2, in2, cots, 2, outs, vj) == MX_ERROR);
  CHECK_ERROR(vj[0], "cotangent 1 has shape (3)");
  /* vjp with an integer input gives zeros for it */
  mx_array *c2[2] = {mx_scalar(1), mx_ones(MX_SHAPE(2), MX_FLOAT64)};
  CHECK(mx_vjp(f, 2, (mx_array *[]){y, xi}, c2, 2, outs, vj) == MX_OK);
  CHECK_INT(mx_array_dtype(vj[1]), MX_INT32);
  CHECK_CLOSE(mx_item_f64(mx_sum(vj[1], MX_ALL_AXES, false)), 0, 0, 0);
  mx_function *vf = mx_vmap_fn(f, (int[]){0, 3}, NULL);
  CHECK(mx_call(vf, 2, in2, 2, out) == MX_ERROR);
  CHECK_ERROR(out[0], "in_axes[1] = 3");
  CHECK(mx_call(f, 1, in2, 2, out) == MX_ERROR);
  CHECK_ERROR(out[0], "called with 1 inputs");
  mx_function_free(vf);
  mx_function_free(g2);
  mx_function_free(sm);
  mx_function_free(g5);
  mx_function_free(g);
  mx_function_free(f);
  mx_clear_error();
}
