/* mx/nn_ops.h — the array-level building blocks of neural networks: softmax, activations,
 * normalization and convolution. Layers (modules with parameters) live in mx/nn.h. */
#ifndef MX_NN_OPS_H
#define MX_NN_OPS_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Computed in float32 for float16/bfloat16 inputs, max-subtracted. */
mx_array *mx_softmax(mx_array *a, mx_axes axes);
mx_array *mx_log_softmax(mx_array *a, mx_axes axes);
mx_array *mx_relu(mx_array *a);
mx_array *mx_gelu(mx_array *a);      /* exact: x * Phi(x) */
mx_array *mx_gelu_tanh(mx_array *a); /* tanh approximation */
mx_array *mx_silu(mx_array *a);      /* x * sigmoid(x) */

/* Normalizes over the last axis; weight and bias (shape [last]) may be NULL. */
mx_array *mx_layer_norm(mx_array *x, mx_array *weight, mx_array *bias, double eps);
mx_array *mx_rms_norm(mx_array *x, mx_array *weight, double eps);

/* Channels-last convolution (MLX layout). conv1d: x [N, L, C_in], w [C_out, K, C_in/groups]
 * -> [N, L_out, C_out]. conv2d: x [N, H, W, C_in], w [C_out, KH, KW, C_in/groups]
 * -> [N, H_out, W_out, C_out]. Both take stride/padding/dilation the same way: arrays with one
 * entry per spatial axis (NULL: 1, 0, 1 on every axis). Padding is symmetric, zeros. This is
 * cross-correlation, as in every framework. Inputs are promoted to a common dtype, which must be floating: float16 and
 * bfloat16 compute in float32 (rounded once at the end), float32 and float64 in their own
 * precision; bool, integer and complex inputs are rejected with an error. */
mx_array *mx_conv1d(mx_array *x, mx_array *w, const int *stride, const int *padding,
                    const int *dilation, int groups);
mx_array *mx_conv2d(mx_array *x, mx_array *w, const int *stride, const int *padding,
                    const int *dilation, int groups);

#ifdef __cplusplus
}
#endif
#endif
