/* layers_norm.c — LayerNorm, RMSNorm (fused primitives), BatchNorm (batch statistics in
 * training, running statistics in evaluation) and GroupNorm, all channels-last. */
#include <stdlib.h>

#include "nn_util.h"
#include "module.h"
#include "mx/transforms.h"

typedef struct norm_cfg {
  double eps, momentum;
  int groups;
} norm_cfg;

static norm_cfg *cfg_new(double eps, double momentum, int groups) {
  norm_cfg *c = malloc(sizeof *c);
  if (c) *c = (norm_cfg){eps, momentum, groups};
  return c;
}

static bool last_dim_is(const mx_array *x, int64_t d, const char *op, mx_array **err) {
  if (nn_ndim(x) >= 1 && nn_dim(x, nn_ndim(x) - 1) == d) return true;
  char s[MX_SHAPE_STR_LEN];
  *err = mx_error_new("mx_%s: input of shape %s does not end in %lld features", op,
                   mx_array_shape_str(x, s, sizeof s), (long long)d);
  return false;
}

static mx_array *layer_norm_forward(mx_module *m, int n, mx_array **in) {
  (void)n;
  const norm_cfg *c = mx_module_cfg(m);
  return mx_layer_norm(in[0], mx_module_get(m, "weight"), mx_module_get(m, "bias"), c->eps);
}

mx_module *mx_nn_layer_norm(int dims, double eps, bool affine) {
  if (dims <= 0) {
    return nn_error_module("mx_nn_layer_norm: dims must be positive (got %d)", dims);
  }
  norm_cfg *c = cfg_new(eps, 0, 0);
  if (!c) return mxi_module_done(NULL, false, "nn_layer_norm");
  mx_module *m = mx_module_new("LayerNorm", layer_norm_forward, c, free);
  bool ok = true;
  if (affine) {
    ok = ok && mx_module_add_param(m, "weight", mx_ones(MX_SHAPE(dims), MX_FLOAT32)) == MX_OK;
    ok = ok && mx_module_add_param(m, "bias", mx_zeros(MX_SHAPE(dims), MX_FLOAT32)) == MX_OK;
  }
  return mxi_module_done(m, ok, "nn_layer_norm");
}

static mx_array *rms_norm_forward(mx_module *m, int n, mx_array **in) {
  (void)n;
  const norm_cfg *c = mx_module_cfg(m);
  return mx_rms_norm(in[0], mx_module_get(m, "weight"), c->eps);
}

mx_module *mx_nn_rms_norm(int dims, double eps) {
  if (dims <= 0) {
    return nn_error_module("mx_nn_rms_norm: dims must be positive (got %d)", dims);
  }
  norm_cfg *c = cfg_new(eps, 0, 0);
  if (!c) return mxi_module_done(NULL, false, "nn_rms_norm");
  mx_module *m = mx_module_new("RMSNorm", rms_norm_forward, c, free);
  bool ok = true;
  ok = ok && mx_module_add_param(m, "weight", mx_ones(MX_SHAPE(dims), MX_FLOAT32)) == MX_OK;
  return mxi_module_done(m, ok, "nn_rms_norm");
}

/* ---- BatchNorm over every axis but the last ---- */
static mx_array *batch_norm_forward(mx_module *m, int n, mx_array **in) {
  (void)n;
  const norm_cfg *c = mx_module_cfg(m);
  mx_array *x = in[0], *err = NULL;
  mx_array *rm = mx_module_get(m, "running_mean"), *rv = mx_module_get(m, "running_var");
  if (!last_dim_is(x, nn_dim(rm, 0), "nn_batch_norm", &err)) return err;
  mx_axes ax = {.n = nn_ndim(x) - 1};
  for (int i = 0; i < ax.n; i++) ax.ax[i] = i;
  mx_array *mean, *var;
  if (mx_module_is_training(m)) {
    mean = mx_mean(x, ax, false);
    var = mx_var(x, ax, false, 0);
    /* running statistics: the unbiased variance, as PyTorch; they carry no gradient */
    int64_t count = mx_array_size(x) / (nn_dim(x, nn_ndim(x) - 1) ? nn_dim(x, nn_ndim(x) - 1) : 1);
    double unbias = count > 1 ? (double)count / (double)(count - 1) : 1.0, mo = c->momentum;
    mx_array *nm = mx_add(mx_multiply(rm, mx_scalar(1 - mo)), mx_multiply(mx_stop_gradient(mean), mx_scalar(mo)));
    mx_array *nv = mx_add(mx_multiply(rv, mx_scalar(1 - mo)),
                          mx_multiply(mx_stop_gradient(var), mx_scalar(mo * unbias)));
    mx_module_set(m, "running_mean", mx_astype(nm, mx_array_dtype(rm)));
    mx_module_set(m, "running_var", mx_astype(nv, mx_array_dtype(rv)));
  } else {
    mean = rm;
    var = rv;
  }
  mx_array *y = mx_multiply(mx_subtract(x, mean), mx_rsqrt(mx_add(var, mx_scalar(c->eps))));
  mx_array *w = mx_module_get(m, "weight"), *b = mx_module_get(m, "bias");
  if (w) y = mx_multiply(y, w);
  if (b) y = mx_add(y, b);
  return y;
}

mx_module *mx_nn_batch_norm(int num_features, double eps, double momentum, bool affine) {
  if (num_features <= 0 || momentum < 0 || momentum > 1) {
    return nn_error_module("mx_nn_batch_norm: num_features must be positive and momentum in [0, 1] "
                           "(got %d, %g)", num_features, momentum);
  }
  norm_cfg *c = cfg_new(eps, momentum, 0);
  if (!c) return mxi_module_done(NULL, false, "nn_batch_norm");
  mx_module *m = mx_module_new("BatchNorm", batch_norm_forward, c, free);
  bool ok = true;
  if (affine) {
    ok = ok && mx_module_add_param(m, "weight", mx_ones(MX_SHAPE(num_features), MX_FLOAT32)) == MX_OK;
    ok = ok && mx_module_add_param(m, "bias", mx_zeros(MX_SHAPE(num_features), MX_FLOAT32)) == MX_OK;
  }
  ok = ok && mx_module_add_buffer(m, "running_mean", mx_zeros(MX_SHAPE(num_features), MX_FLOAT32)) == MX_OK;
  ok = ok && mx_module_add_buffer(m, "running_var", mx_ones(MX_SHAPE(num_features), MX_FLOAT32)) == MX_OK;
  return mxi_module_done(m, ok, "nn_batch_norm");
}

/* ---- GroupNorm: channels split in groups, each normalized over its channels and the rest ---- */
static mx_array *group_norm_forward(mx_module *m, int n, mx_array **in) {
  (void)n;
  const norm_cfg *c = mx_module_cfg(m);
  mx_array *x = in[0], *err = NULL;
  mx_array *w = mx_module_get(m, "weight"), *b = mx_module_get(m, "bias");
  int64_t C = nn_ndim(x) ? nn_dim(x, nn_ndim(x) - 1) : 0;
  if (nn_ndim(x) < 2 || C % c->groups) {
    char s[MX_SHAPE_STR_LEN];
    return mx_error_new("mx_nn_group_norm: input of shape %s: need [N, ..., C] with C divisible by %d groups",
                     mx_array_shape_str(x, s, sizeof s), c->groups);
  }
  if (w && !last_dim_is(x, nn_dim(w, 0), "nn_group_norm", &err)) return err;
  mx_shape gs = mx_array_shape_of(x);
  gs.dims[gs.ndim - 1] = c->groups;
  gs.dims[gs.ndim++] = C / c->groups;
  mx_array *g = mx_reshape(x, gs); /* [N, ..., G, C/G] */
  mx_axes ax = {.n = 0};
  for (int i = 1; i < gs.ndim; i++)
    if (i != gs.ndim - 2) ax.ax[ax.n++] = i;
  mx_array *mean = mx_mean(g, ax, true), *var = mx_var(g, ax, true, 0);
  mx_array *y = mx_multiply(mx_subtract(g, mean), mx_rsqrt(mx_add(var, mx_scalar(c->eps))));
  y = mx_reshape(y, mx_array_shape_of(x));
  if (w) y = mx_multiply(y, w);
  if (b) y = mx_add(y, b);
  return y;
}

mx_module *mx_nn_group_norm(int num_groups, int dims, double eps, bool affine) {
  if (num_groups <= 0 || dims <= 0 || dims % num_groups) {
    return nn_error_module("mx_nn_group_norm: dims must be a positive multiple of num_groups (got %d, %d)",
                           dims, num_groups);
  }
  norm_cfg *c = cfg_new(eps, 0, num_groups);
  if (!c) return mxi_module_done(NULL, false, "nn_group_norm");
  mx_module *m = mx_module_new("GroupNorm", group_norm_forward, c, free);
  bool ok = true;
  if (affine) {
    ok = ok && mx_module_add_param(m, "weight", mx_ones(MX_SHAPE(dims), MX_FLOAT32)) == MX_OK;
    ok = ok && mx_module_add_param(m, "bias", mx_zeros(MX_SHAPE(dims), MX_FLOAT32)) == MX_OK;
  }
  return mxi_module_done(m, ok, "nn_group_norm");
}
