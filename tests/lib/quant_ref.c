/* quant_ref.c — the references behind quant_ref.h. */
#include "quant_ref.h"

#include <math.h>
#include <string.h>

void qref_group(const float *w, int gs, int bits, uint8_t *q, float *scale_out, float *bias_out) {
  float n_bins = (float)((1 << bits) - 1), eps = 1e-7f;
  float w_min = INFINITY, w_max = -INFINITY;
  for (int j = 0; j < gs; j++) {
    w_max = fmaxf(w_max, w[j]);
    w_min = fminf(w_min, w[j]);
  }
  bool mask = fabsf(w_min) > fabsf(w_max);
  float scale = fmaxf((w_max - w_min) / n_bins, eps);
  scale = mask ? scale : -scale;
  float edge = mask ? w_min : w_max;
  float q0 = rintf(edge / scale), bias = 0;
  if (q0 != 0) {
    scale = edge / q0;
    bias = edge;
  }
  for (int j = 0; j < gs; j++) {
    float e = rintf((w[j] - bias) / scale);
    q[j] = (uint8_t)fminf(fmaxf(e, 0.0f), n_bins);
  }
  *scale_out = scale;
  *bias_out = bias;
}

void qref_pack(const uint8_t *q, int64_t n, int bits, uint8_t *out) {
  memset(out, 0, (size_t)(n * bits / 8));
  for (int64_t j = 0; j < n; j++)
    for (int i = 0; i < bits; i++)
      if ((q[j] >> i) & 1) {
        int64_t bit = j * bits + i;
        out[bit / 8] |= (uint8_t)(1u << (bit % 8));
      }
}

uint32_t qref_code(const uint8_t *row, int64_t j, int bits) {
  uint32_t v = 0;
  for (int i = 0; i < bits; i++) {
    int64_t bit = j * bits + i;
    v |= (uint32_t)((row[bit / 8] >> (bit % 8)) & 1) << i;
  }
  return v;
}
