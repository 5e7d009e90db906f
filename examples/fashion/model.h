/* model.h — the Fashion-MNIST CNN shared by the trainer and the CPU-only evaluator:
 * conv 3x3 (32) -> ReLU -> max-pool 2 -> conv 3x3 (64) -> ReLU -> max-pool 2 -> flatten ->
 * linear 1600 -> 128 -> ReLU -> linear 128 -> 10. Images are [N, 28, 28, 1], channels-last. */
#ifndef MX_EXAMPLES_FASHION_MODEL_H
#define MX_EXAMPLES_FASHION_MODEL_H

#include "mx/mx.h"

static mx_array *flatten_forward(mx_module *m, int n, mx_array **in) {
  (void)m;
  (void)n;
  return mx_flatten(in[0], 1, -1);
}

static mx_module *fashion_cnn(mx_array *key) {
  mx_array *k[4];
  mx_unstack(mx_random_split(key, 4), 0, 4, k);
  mx_module *layers[] = {
      mx_nn_conv2d(1, 32, 3, 3, 1, 0, 1, 1, true, k[0]), mx_nn_activation(MX_ACT_RELU), mx_nn_maxpool2d(2, 0, 0),
      mx_nn_conv2d(32, 64, 3, 3, 1, 0, 1, 1, true, k[1]), mx_nn_activation(MX_ACT_RELU), mx_nn_maxpool2d(2, 0, 0),
      mx_module_new("Flatten", flatten_forward, NULL, NULL),
      mx_nn_linear(64 * 5 * 5, 128, true, k[2]), mx_nn_activation(MX_ACT_RELU),
      mx_nn_linear(128, 10, true, k[3]),
  };
  return mx_nn_sequential((int)(sizeof layers / sizeof layers[0]), layers);
}

/* uint8 images -> normalized float32 (Fashion-MNIST's mean and standard deviation) */
static inline mx_array *fashion_normalize(mx_array *u8) {
  mx_array *x = mx_divide(mx_astype(u8, MX_FLOAT32), mx_scalar(255));
  return mx_divide(mx_subtract(x, mx_scalar(0.2860)), mx_scalar(0.3530));
}

#endif
