// random.cu — RANDOM_BITS: word pair j = threefry2x32(key, (hi32(j), lo32(j))) fills elements 2j
// and 2j + 1 of the row-major uint32 output (docs/random.md). The same threefry.h as the CPU, so a
// key gives bit-identical numbers on both. The key is read on the device (no host round trip).
// RANDOM_PERMUTATION (a sort of such bits) is in permutation.cu.
#include "common.cuh"

extern "C" {
#include "../common/threefry.h"
}

__global__ void bits_kernel(uint32_t *o, const char *key, int64_t key_stride, int64_t n) {
  int64_t j = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (2 * j >= n) return;
  uint32_t k0 = *reinterpret_cast<const uint32_t *>(key);
  uint32_t k1 = *reinterpret_cast<const uint32_t *>(key + key_stride);
  uint32_t r[2];
  mxi_threefry_pair(k0, k1, (uint64_t)j, r);
  o[2 * j] = r[0];
  if (2 * j + 1 < n) o[2 * j + 1] = r[1];
}

static mx_status k_random_bits(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  (void)p;
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char *key = (const char *)mxc_read(&c, in[0]);
  if (!key) return MX_ERROR;
  uint32_t *o = (uint32_t *)mxc_write(&c, NULL, 0);
  if (!o) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  int64_t pairs = (out->size + 1) / 2;
  bits_kernel<<<mxc_blocks(pairs, MXC_THREADS), MXC_THREADS, 0, c.s>>>(o, key, in[0]->strides[0], out->size);
  return mxc_launched(&c, "random_bits") ? MX_OK : MX_ERROR;
}

void mxc_register_random(mx_kernel_fn *k, mxc_supports_fn *s) { k[MX_PRIM_RANDOM_BITS] = k_random_bits; }
