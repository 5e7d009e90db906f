/* activations.c — the activation functions not in nn_ops.h, and dispatch by mx_activation. */
#include "nn_util.h"
#include "mx/nn.h"

mx_array *mx_softplus(mx_array *x) {
  NN_CHECK("softplus", x);
  /* log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large |x| */
  mx_array *f = mx_astype(x, nn_float_of(mx_array_dtype(x)));
  return mx_add(mx_maximum(f, mx_scalar(0)), mx_log1p(mx_exp(mx_negative(mx_abs(f)))));
}

mx_array *mx_leaky_relu(mx_array *x, double negative_slope) {
  NN_CHECK("leaky_relu", x);
  mx_array *f = mx_astype(x, nn_float_of(mx_array_dtype(x)));
  return mx_where(mx_greater(f, mx_scalar(0)), f, mx_multiply(f, mx_scalar(negative_slope)));
}

mx_array *mx_elu(mx_array *x, double alpha) {
  NN_CHECK("elu", x);
  mx_array *f = mx_astype(x, nn_float_of(mx_array_dtype(x)));
  return mx_where(mx_greater(f, mx_scalar(0)), f, mx_multiply(mx_scalar(alpha), mx_expm1(f)));
}

mx_array *mx_glu(mx_array *x, int axis) {
  NN_CHECK("glu", x);
  int ax;
  if (!nn_norm_axis(axis, nn_ndim(x), &ax))
    return mx_error_new("mx_glu: axis %d is out of range for an array with %d dimensions", axis, nn_ndim(x));
  if (nn_dim(x, ax) % 2)
    return mx_error_new("mx_glu: axis %d has odd size %lld; it must split in two halves", axis, (long long)nn_dim(x, ax));
  mx_array *parts[2];
  mx_split(x, 2, ax, 2, parts);
  return mx_multiply(parts[0], mx_sigmoid(parts[1]));
}

mx_array *mx_activate(mx_array *x, mx_activation act) {
  switch (act) {
    case MX_ACT_NONE: return x;
    case MX_ACT_RELU: return mx_relu(x);
    case MX_ACT_GELU: return mx_gelu(x);
    case MX_ACT_GELU_TANH: return mx_gelu_tanh(x);
    case MX_ACT_SILU: return mx_silu(x);
    case MX_ACT_SIGMOID: return mx_sigmoid(x);
    case MX_ACT_TANH: return mx_tanh(x);
    case MX_ACT_SOFTPLUS: return mx_softplus(x);
    case MX_ACT_LEAKY_RELU: return mx_leaky_relu(x, 0.01);
    case MX_ACT_ELU: return mx_elu(x, 1.0);
    default: return mx_error_new("mx_activate: unknown activation %d", (int)act);
  }
}
