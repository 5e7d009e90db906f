/* quant_ref.h — independent references for affine quantization tests: MLX's rounding
 * (mlx/backend/cpu/quantized.cpp) transcribed per group in float32, and a bit-by-bit packer and
 * unpacker of the LSB-first code stream. */
#ifndef MX_TEST_QUANT_REF_H
#define MX_TEST_QUANT_REF_H

#include <stdbool.h>
#include <stdint.h>

/* One group of gs weights -> codes, scale and bias, as MLX computes them. */
void qref_group(const float *w, int gs, int bits, uint8_t *q, float *scale, float *bias);
/* n codes into n * bits / 8 bytes, bit i of code j at stream bit j * bits + i. */
void qref_pack(const uint8_t *q, int64_t n, int bits, uint8_t *out);
/* Code j of a packed row, bit by bit. */
uint32_t qref_code(const uint8_t *row, int64_t j, int bits);

#endif
