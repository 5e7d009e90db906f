/* layers_conv.c — Conv1d and Conv2d (channels-last, MLX layout), MaxPool2d and AvgPool2d (as
 * maxima/sums of strided slices, so they differentiate and batch through existing rules). */
#include <math.h>
#include <stdlib.h>

#include "nn_util.h"
#include "module.h"

typedef struct conv_cfg {
  int nspatial, stride, padding, dilation, groups;
} conv_cfg;

static mx_array *conv_forward(mx_module *m, int n, mx_array **in) {
  (void)n;
  const conv_cfg *c = mx_module_cfg(m);
  mx_array *w = mx_module_get(m, "weight"), *b = mx_module_get(m, "bias"), *y;
  if (c->nspatial == 1) {
    y = mx_conv1d(in[0], w, &c->stride, &c->padding, &c->dilation, c->groups);
  } else {
    int s[2] = {c->stride, c->stride}, p[2] = {c->padding, c->padding}, d[2] = {c->dilation, c->dilation};
    y = mx_conv2d(in[0], w, s, p, d, c->groups);
  }
  return b ? mx_add(y, b) : y;
}

static mx_module *conv_new(const char *type, int nspatial, int in_ch, int out_ch, int kh, int kw,
                           int stride, int padding, int dilation, int groups, bool bias, mx_array *key) {
  if (in_ch <= 0 || out_ch <= 0 || kh <= 0 || kw <= 0 || groups <= 0 || in_ch % groups ||
      out_ch % groups || stride <= 0 || dilation <= 0 || padding < 0) {
    char msg[200];
    snprintf(msg, sizeof msg, "mx_nn_%s: invalid sizes (channels %d -> %d, groups %d, kernel %dx%d, "
             "stride %d, padding %d, dilation %d)", nspatial == 1 ? "conv1d" : "conv2d", in_ch,
             out_ch, groups, kh, kw, stride, padding, dilation);
    return nn_error_module("%s", msg);
  }
  conv_cfg *c = malloc(sizeof *c);
  if (!c) return mxi_module_done(NULL, false, nspatial == 1 ? "nn_conv1d" : "nn_conv2d");
  *c = (conv_cfg){nspatial, stride, padding, dilation, groups};
  mx_module *m = mx_module_new(type, conv_forward, c, free);
  int cin = in_ch / groups;
  double fan_in = (double)cin * kh * kw, s = 1.0 / sqrt(fan_in);
  mx_array *keys[2] = {NULL, NULL};
  if (key) mx_unstack(mx_random_split(key, 2), 0, 2, keys);
  mx_shape ws = nspatial == 1 ? MX_SHAPE(out_ch, kw, cin) : MX_SHAPE(out_ch, kh, kw, cin);
  bool ok = mx_module_add_param(m, "weight", mx_init_uniform(ws, -s, s, MX_FLOAT32, keys[0])) == MX_OK;
  if (bias) ok = ok && mx_module_add_param(m, "bias", mx_init_uniform(MX_SHAPE(out_ch), -s, s, MX_FLOAT32, keys[1])) == MX_OK;
  return mxi_module_done(m, ok, nspatial == 1 ? "nn_conv1d" : "nn_conv2d");
}

mx_module *mx_nn_conv1d(int in_channels, int out_channels, int kernel, int stride, int padding,
                        int dilation, int groups, bool bias, mx_array *key) {
  return conv_new("Conv1d", 1, in_channels, out_channels, 1, kernel, stride, padding, dilation, groups, bias, key);
}

mx_module *mx_nn_conv2d(int in_channels, int out_channels, int kernel_h, int kernel_w, int stride,
                        int padding, int dilation, int groups, bool bias, mx_array *key) {
  return conv_new("Conv2d", 2, in_channels, out_channels, kernel_h, kernel_w, stride, padding,
                  dilation, groups, bias, key);
}

/* ---- pools over [N, H, W, C] ---- */
typedef struct pool_cfg {
  int kernel, stride, padding;
  bool max;
} pool_cfg;

static mx_array *pool_forward(mx_module *m, int n, mx_array **in) {
  (void)n;
  const pool_cfg *c = mx_module_cfg(m);
  const char *op = c->max ? "nn_maxpool2d" : "nn_avgpool2d";
  mx_array *x = in[0];
  if (nn_ndim(x) != 4) {
    char s[MX_SHAPE_STR_LEN];
    return mx_error_new("mx_%s: input of shape %s is not [N, H, W, C]", op, mx_array_shape_str(x, s, sizeof s));
  }
  int k = c->kernel, st = c->stride, p = c->padding;
  if (p > 0) {
    int64_t lo[3] = {0, p, p}, hi[3] = {0, p, p};
    x = mx_pad(x, 3, lo, hi, MX_PAD_CONSTANT, c->max ? -INFINITY : 0);
  }
  int64_t H = nn_dim(x, 1), W = nn_dim(x, 2);
  if (H < k || W < k) {
    return mx_error_new("mx_%s: kernel %d is larger than the padded input (%lld x %lld)", op, k, (long long)H, (long long)W);
  }
  int64_t ho = (H - k) / st + 1, wo = (W - k) / st + 1;
  if (st == k && H % k == 0 && W % k == 0) {
    /* non-overlapping windows: a reshape and one reduction (far fewer ops to differentiate) */
    mx_shape s = {.ndim = 6};
    s.dims[0] = nn_dim(x, 0);
    s.dims[1] = ho;
    s.dims[2] = k;
    s.dims[3] = wo;
    s.dims[4] = k;
    s.dims[5] = nn_dim(x, 3);
    mx_array *w = mx_reshape(x, s);
    return c->max ? mx_max(w, MX_AXES(2, 4), false) : mx_mean(w, MX_AXES(2, 4), false);
  }
  mx_array *acc = NULL;
  for (int i = 0; i < k; i++)
    for (int j = 0; j < k; j++) {
      int64_t start[3] = {0, i, j}, stop[3] = {MX_END, i + st * (ho - 1) + 1, j + st * (wo - 1) + 1},
              step[3] = {1, st, st};
      mx_array *s = mx_slice(x, 3, start, stop, step);
      acc = !acc ? s : (c->max ? mx_maximum(acc, s) : mx_add(acc, s));
    }
  return c->max ? acc : mx_divide(acc, mx_scalar((double)k * k));
}

static mx_module *pool_new(bool max, int kernel, int stride, int padding) {
  if (kernel <= 0 || stride < 0 || padding < 0 || padding > kernel / 2) {
    return nn_error_module("mx_nn_%s: need kernel > 0, stride >= 0, 0 <= padding <= kernel / 2 (got "
                           "kernel %d, stride %d, padding %d)", max ? "maxpool2d" : "avgpool2d", kernel,
                           stride, padding);
  }
  pool_cfg *c = malloc(sizeof *c);
  if (!c) return mxi_module_done(NULL, false, max ? "nn_maxpool2d" : "nn_avgpool2d");
  *c = (pool_cfg){kernel, stride ? stride : kernel, padding, max};
  return mxi_module_done(mx_module_new(max ? "MaxPool2d" : "AvgPool2d", pool_forward, c, free), true, max ? "nn_maxpool2d" : "nn_avgpool2d");
}

mx_module *mx_nn_maxpool2d(int kernel, int stride, int padding) { return pool_new(true, kernel, stride, padding); }
mx_module *mx_nn_avgpool2d(int kernel, int stride, int padding) { return pool_new(false, kernel, stride, padding); }
