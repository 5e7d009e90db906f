/* init.c — parameter initializers. fan_in/fan_out follow the layouts of mx's layers: [out, in]
 * for Linear, [out, k..., in] for channels-last convolution kernels. */
#include <math.h>
#include <stdio.h>

#include "nn_util.h"
#include "mx/nn.h"

static void fans(mx_shape s, double *fan_in, double *fan_out) {
  if (s.ndim < 0 || s.ndim > MX_MAX_DIMS) { /* a bad ndim: the random op reports it */
    *fan_in = *fan_out = 1;
    return;
  }
  if (s.ndim < 2) {
    *fan_in = *fan_out = s.ndim ? (double)s.dims[0] : 1;
    return;
  }
  double rf = 1;
  for (int i = 1; i < s.ndim - 1; i++) rf *= (double)s.dims[i];
  *fan_in = (double)s.dims[s.ndim - 1] * rf;
  *fan_out = (double)s.dims[0] * rf;
}

/* The error of an initializer whose scale divides by a fan that is 0 (a shape with a 0 dim). */
static mx_array *zero_fan(const char *op, const char *fan, mx_shape s) {
  char dims[MX_MAX_DIMS * 21 + 3];
  int k = snprintf(dims, sizeof dims, "(");
  for (int i = 0; i < s.ndim && k < (int)sizeof dims; i++)
    k += snprintf(dims + k, sizeof dims - (size_t)k, i ? ",%lld" : "%lld", (long long)s.dims[i]);
  if (k < (int)sizeof dims) snprintf(dims + k, sizeof dims - (size_t)k, ")");
  return mx_error_new("mx_%s: %s is 0 for shape %s", op, fan, dims);
}

mx_array *mx_init_normal(mx_shape shape, double mean, double std, mx_dtype dtype, mx_array *key) {
  return mx_random_normal(key, shape, mean, std, dtype);
}
mx_array *mx_init_uniform(mx_shape shape, double low, double high, mx_dtype dtype, mx_array *key) {
  return mx_random_uniform(key, shape, low, high, dtype);
}
mx_array *mx_init_truncated_normal(mx_shape shape, double std, mx_dtype dtype, mx_array *key) {
  return mx_multiply(mx_random_truncated_normal(key, shape, -2, 2, dtype), mx_scalar(std));
}
mx_array *mx_init_glorot_uniform(mx_shape shape, double gain, mx_dtype dtype, mx_array *key) {
  double fi, fo;
  fans(shape, &fi, &fo);
  if (fi + fo == 0) return zero_fan("init_glorot_uniform", "fan_in + fan_out", shape);
  double limit = gain * sqrt(6.0 / (fi + fo));
  return mx_random_uniform(key, shape, -limit, limit, dtype);
}
mx_array *mx_init_glorot_normal(mx_shape shape, double gain, mx_dtype dtype, mx_array *key) {
  double fi, fo;
  fans(shape, &fi, &fo);
  if (fi + fo == 0) return zero_fan("init_glorot_normal", "fan_in + fan_out", shape);
  return mx_random_normal(key, shape, 0, gain * sqrt(2.0 / (fi + fo)), dtype);
}
mx_array *mx_init_he_uniform(mx_shape shape, mx_dtype dtype, mx_array *key) {
  double fi, fo;
  fans(shape, &fi, &fo);
  if (fi == 0) return zero_fan("init_he_uniform", "fan_in", shape);
  double limit = sqrt(6.0 / fi);
  return mx_random_uniform(key, shape, -limit, limit, dtype);
}
mx_array *mx_init_he_normal(mx_shape shape, mx_dtype dtype, mx_array *key) {
  double fi, fo;
  fans(shape, &fi, &fo);
  if (fi == 0) return zero_fan("init_he_normal", "fan_in", shape);
  return mx_random_normal(key, shape, 0, sqrt(2.0 / fi), dtype);
}
