/* threefry.h — the threefry-2x32 block cipher with 20 rounds (Salmon et al. 2011, "Parallel
 * random numbers: as easy as 1, 2, 3"; the Random123/JAX/MLX generator). Header-only and free of
 * libc so that the CPU and CUDA backends compile the same code and agree bit for bit.
 * The way mx maps it to arrays of bits is in docs/random.md and k_random.c. */
#ifndef MX_COMMON_THREEFRY_H
#define MX_COMMON_THREEFRY_H

#include <stdint.h>

#include "../../core/hd.h"

/* Skein's key-schedule parity constant. */
#define MXI_THREEFRY_PARITY 0x1BD11BDAu

MXI_HD uint32_t mxi_rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

/* One 4-round group with rotations r0..r3, then the key injection number s. */
#define MXI_TF_ROUND(x0, x1, r) \
  do {                          \
    x0 += x1;                   \
    x1 = mxi_rotl32(x1, r);     \
    x1 ^= x0;                   \
  } while (0)

/* Encrypts the counter (c0, c1) under the key (k0, k1): out[0], out[1]. Rotation constants
 * 13 15 26 6 | 17 29 16 24 alternate per group of 4 rounds; after each group s = 1..5 the key
 * schedule word ks[s % 3] is added to x0 and ks[(s + 1) % 3] + s to x1. */
MXI_HD void mxi_threefry2x32(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, uint32_t *out) {
  const uint32_t ks[3] = {k0, k1, MXI_THREEFRY_PARITY ^ k0 ^ k1};
  uint32_t x0 = c0 + ks[0], x1 = c1 + ks[1];
  /* rounds 1-4 */
  MXI_TF_ROUND(x0, x1, 13); MXI_TF_ROUND(x0, x1, 15); MXI_TF_ROUND(x0, x1, 26); MXI_TF_ROUND(x0, x1, 6);
  x0 += ks[1]; x1 += ks[2] + 1u;
  /* rounds 5-8 */
  MXI_TF_ROUND(x0, x1, 17); MXI_TF_ROUND(x0, x1, 29); MXI_TF_ROUND(x0, x1, 16); MXI_TF_ROUND(x0, x1, 24);
  x0 += ks[2]; x1 += ks[0] + 2u;
  /* rounds 9-12 */
  MXI_TF_ROUND(x0, x1, 13); MXI_TF_ROUND(x0, x1, 15); MXI_TF_ROUND(x0, x1, 26); MXI_TF_ROUND(x0, x1, 6);
  x0 += ks[0]; x1 += ks[1] + 3u;
  /* rounds 13-16 */
  MXI_TF_ROUND(x0, x1, 17); MXI_TF_ROUND(x0, x1, 29); MXI_TF_ROUND(x0, x1, 16); MXI_TF_ROUND(x0, x1, 24);
  x0 += ks[1]; x1 += ks[2] + 4u;
  /* rounds 17-20 */
  MXI_TF_ROUND(x0, x1, 13); MXI_TF_ROUND(x0, x1, 15); MXI_TF_ROUND(x0, x1, 26); MXI_TF_ROUND(x0, x1, 6);
  x0 += ks[2]; x1 += ks[0] + 5u;
  out[0] = x0;
  out[1] = x1;
}

/* mx's counter for word pair j of a random_bits array: (high 32 bits of j, low 32 bits of j),
 * i.e. (0, j) for fewer than 2^32 pairs. Pair j fills elements 2j and 2j + 1 (row-major). */
MXI_HD void mxi_threefry_pair(uint32_t k0, uint32_t k1, uint64_t j, uint32_t *out) {
  mxi_threefry2x32(k0, k1, (uint32_t)(j >> 32), (uint32_t)j, out);
}

#endif
