/* quant_codes.h — the packed-code layout of affine quantization (include/mx/quant.h), shared by
 * every backend: code j of a row sits at bit j * bits of the row's little-endian bit stream (the
 * layout MLX writes: uint32 words for 2, 4, 8 bits, byte packs of 3/5/3 bytes for 3, 5, 6 bits,
 * which is the same stream). */
#ifndef MX_COMMON_QUANT_CODES_H
#define MX_COMMON_QUANT_CODES_H

#include <stdint.h>

#include "../../core/hd.h"

/* Code j of a row whose packed bytes start at row. Reads at most the 2 bytes holding it. */
MXI_HD uint32_t mxq_code(const uint8_t *row, int64_t j, int bits) {
  int64_t bit = j * bits;
  const uint8_t *p = row + (bit >> 3);
  uint32_t window = p[0];
  int shift = (int)(bit & 7);
  if (shift + bits > 8) window |= (uint32_t)p[1] << 8;
  return (window >> shift) & ((1u << bits) - 1u);
}

/* Writes code q (< 2^bits) as code j of a row whose bytes start zeroed. */
MXI_HD void mxq_put(uint8_t *row, int64_t j, int bits, uint32_t q) {
  int64_t bit = j * bits;
  uint8_t *p = row + (bit >> 3);
  int shift = (int)(bit & 7);
  uint32_t v = q << shift;
  p[0] = (uint8_t)(p[0] | (v & 0xffu));
  if (shift + bits > 8) p[1] = (uint8_t)(p[1] | (v >> 8));
}

/* Codes [j0, j0 + n) of a row as floats: the inner loop of the quantized products. n and j0 are
 * multiples of 8 (a group), so every case reads whole bytes. */
MXI_HD void mxq_codes_f32(const uint8_t *row, int64_t j0, int n, int bits, float *out) {
  const uint8_t *p = row + (j0 * bits >> 3);
  if (bits == 4) {
    for (int i = 0; i < n / 2; i++) {
      out[2 * i] = (float)(p[i] & 15u);
      out[2 * i + 1] = (float)(p[i] >> 4);
    }
  } else if (bits == 8) {
    for (int i = 0; i < n; i++) out[i] = (float)p[i];
  } else if (bits == 2) {
    for (int i = 0; i < n / 4; i++)
      for (int k = 0; k < 4; k++) out[4 * i + k] = (float)((p[i] >> (2 * k)) & 3u);
  } else {
    /* 3, 5, 6 bits: 8 codes in `bits` bytes, read as one 64-bit little-endian window */
    for (int i = 0; i < n / 8; i++) {
      uint64_t w = 0;
      for (int b = 0; b < bits; b++) w |= (uint64_t)p[i * bits + b] << (8 * b);
      uint64_t mask = (1u << bits) - 1u;
      for (int k = 0; k < 8; k++) out[8 * i + k] = (float)((w >> (k * bits)) & mask);
    }
  }
}

#endif
