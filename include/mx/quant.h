/* mx/quant.h — quantized weights: affine quantization in groups along the last axis, packed as
 * MLX packs them (so mlx-community safetensors load and save unchanged), and the matrix product
 * that reads the packed weights directly.
 *
 * Affine mode: each group of group_size consecutive elements of a row holds codes q in
 * [0, 2^bits - 1] with w ≈ scale * q + bias (one scale and one bias per group, in w's dtype).
 * Codes are packed LSB first into a little-endian bit stream per row, stored as uint32: a [..., K]
 * matrix becomes [..., K * bits / 32] uint32, scales and biases [..., K / group_size].
 * bits: 2, 3, 4, 5, 6 or 8; group_size: 32, 64 or 128 (MLX's defaults: 64 and 4); K must be a
 * multiple of group_size. Quantization follows MLX's rounding exactly (in float32), so the same
 * weights give the same bytes. */
#ifndef MX_QUANT_H
#define MX_QUANT_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mx_quant_mode { MX_QUANT_AFFINE = 0 } mx_quant_mode;

#define MX_QUANT_DEFAULT_GROUP 64
#define MX_QUANT_DEFAULT_BITS 4

/* w: floating, at least 2-D, last dimension a multiple of group_size. Writes the packed weights
 * (uint32), the scales and the biases (w's dtype). On bad arguments all three are the error
 * array and MX_ERROR is returned. Lazy, like every op. */
mx_status mx_quantize(mx_array *w, int group_size, int bits, mx_quant_mode mode, mx_array **wq,
                      mx_array **scales, mx_array **biases);
/* The floating matrix the packed weights stand for: scale * q + bias, in the scales' dtype. */
mx_array *mx_dequantize(mx_array *wq, mx_array *scales, mx_array *biases, int group_size, int bits,
                        mx_quant_mode mode);
/* x [..., K] times the quantized 2-D matrix W: transpose true (a linear layer's weight, W
 * [N, K] quantized along K): x @ Wᵀ -> [..., N]; false (W [K, N] quantized along N): x @ W.
 * Computes in float32 from the packed codes (no dequantized copy of W is made) and returns x's
 * dtype, which must be floating and equal the scales' dtype. Differentiable with respect to x
 * (the weights are constants: QLoRA), batchable. */
mx_array *mx_quantized_matmul(mx_array *x, mx_array *wq, mx_array *scales, mx_array *biases,
                              bool transpose, int group_size, int bits, mx_quant_mode mode);

#ifdef __cplusplus
}
#endif
#endif
