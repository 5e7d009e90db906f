/* init.c — parameter initializers. fan_in/fan_out follow the layouts of mx's layers: [out, in]
 * for Linear, [out, k..., in] for channels-last convolution kernels. */
#include <math.h>

#include "nn_util.h"
#include "mx/nn.h"

static void fans(mx_shape s, double *fan_in, double *fan_out) {
  if (s.ndim < 2 || s.ndim > MX_MAX_DIMS) { /* a bad ndim: the random op reports it */
    *fan_in = *fan_out = s.ndim ? (double)s.dims[0] : 1;
    return;
  }
  double rf = 1;
  for (int i = 1; i < s.ndim - 1; i++) rf *= (double)s.dims[i];
  *fan_in = (double)s.dims[s.ndim - 1] * rf;
  *fan_out = (double)s.dims[0] * rf;
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
  double limit = gain * sqrt(6.0 / (fi + fo));
  return mx_random_uniform(key, shape, -limit, limit, dtype);
}
mx_array *mx_init_glorot_normal(mx_shape shape, double gain, mx_dtype dtype, mx_array *key) {
  double fi, fo;
  fans(shape, &fi, &fo);
  return mx_random_normal(key, shape, 0, gain * sqrt(2.0 / (fi + fo)), dtype);
}
mx_array *mx_init_he_uniform(mx_shape shape, mx_dtype dtype, mx_array *key) {
  double fi, fo;
  fans(shape, &fi, &fo);
  double limit = sqrt(6.0 / fi);
  return mx_random_uniform(key, shape, -limit, limit, dtype);
}
mx_array *mx_init_he_normal(mx_shape shape, mx_dtype dtype, mx_array *key) {
  double fi, fo;
  fans(shape, &fi, &fo);
  return mx_random_normal(key, shape, 0, sqrt(2.0 / fi), dtype);
}
