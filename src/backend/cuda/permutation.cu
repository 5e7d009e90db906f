// permutation.cu — RANDOM_PERMUTATION with exactly the CPU's result (k_random.c): the stable
// argsort of the 64-bit keys w_i = (y0 << 32) | y1, (y0, y1) = threefry pair i of the key. CUB's
// radix sort is stable, and the indices enter in order, so equal keys keep index order as the
// CPU's comparison does. With a second input a, row i of the output is row perm[i] of a.
#include <cub/device/device_radix_sort.cuh>

#include "common.cuh"

extern "C" {
#include "../common/threefry.h"
}

__global__ void perm_keys_kernel(const char *key, int64_t key_stride, uint64_t *keys, int64_t *idx, int64_t n) {
  int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  uint32_t r[2];
  mxi_threefry_pair(*reinterpret_cast<const uint32_t *>(key),
                    *reinterpret_cast<const uint32_t *>(key + key_stride), (uint64_t)i, r);
  keys[i] = (uint64_t)r[0] << 32 | r[1];
  idx[i] = i;
}

// Row i of dst = row perm[i] of src, rows of `row` words of type W.
template <typename W>
__global__ void perm_rows_kernel(const W *src, const int64_t *perm, W *dst, int64_t row, int64_t n) {
  for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (int64_t)gridDim.x * blockDim.x) {
    int64_t i = e / row, j = e - i * row;
    dst[e] = src[perm[i] * row + j];
  }
}

template <typename W>
static bool gather_rows(mxc_ctx *c, const void *src, const int64_t *perm, void *dst, size_t row_bytes, int64_t n) {
  int64_t row = (int64_t)(row_bytes / sizeof(W)), total = row * n;
  perm_rows_kernel<W><<<mxc_grid_capped(c, total, MXC_THREADS), MXC_THREADS, 0, c->s>>>(
      (const W *)src, perm, (W *)dst, row, total);
  return mxc_launched(c, "random_permutation_rows");
}

// The widest word (up to 16 bytes) that divides the row and both addresses.
static bool gather_any(mxc_ctx *c, const void *src, const int64_t *perm, void *dst, size_t row_bytes, int64_t n) {
  uint64_t a = (uint64_t)row_bytes | (uint64_t)(uintptr_t)src | (uint64_t)(uintptr_t)dst;
  if (a % 16 == 0) return gather_rows<uint4>(c, src, perm, dst, row_bytes, n);
  if (a % 8 == 0) return gather_rows<uint64_t>(c, src, perm, dst, row_bytes, n);
  if (a % 4 == 0) return gather_rows<uint32_t>(c, src, perm, dst, row_bytes, n);
  if (a % 2 == 0) return gather_rows<uint16_t>(c, src, perm, dst, row_bytes, n);
  return gather_rows<uint8_t>(c, src, perm, dst, row_bytes, n);
}

// Sorts the n keys with their indices into perm (device, n int64). Scratch comes back to the
// pool in stream order.
static bool sorted_indices(mxc_ctx *c, const char *key, int64_t key_stride, int64_t n, int64_t *perm) {
  uint64_t *keys = (uint64_t *)mxc_scratch(c, (size_t)n * 2 * sizeof(uint64_t));
  int64_t *idx = (int64_t *)mxc_scratch(c, (size_t)n * sizeof(int64_t));
  void *tmp = NULL;
  size_t tmp_bytes = 0;
  bool ok = keys && idx;
  if (ok)
    ok = mxc_ok(c, cub::DeviceRadixSort::SortPairs(NULL, tmp_bytes, keys, keys + n, idx, perm, n, 0, 64, c->s),
                "cub::DeviceRadixSort::SortPairs (size query)");
  if (ok) ok = (tmp = mxc_scratch(c, tmp_bytes > 0 ? tmp_bytes : 1)) != NULL;
  if (ok) {
    perm_keys_kernel<<<mxc_blocks(n, MXC_THREADS), MXC_THREADS, 0, c->s>>>(key, key_stride, keys, idx, n);
    ok = mxc_launched(c, "random_permutation_keys");
  }
  if (ok)
    ok = mxc_ok(c, cub::DeviceRadixSort::SortPairs(tmp, tmp_bytes, keys, keys + n, idx, perm, n, 0, 64, c->s),
                "cub::DeviceRadixSort::SortPairs");
  mxc_scratch_free(c, tmp);
  mxc_scratch_free(c, idx);
  mxc_scratch_free(c, keys);
  return ok;
}

static bool permute(mxc_ctx *c, mx_array *out, mx_array *const *in, int nin) {
  const int64_t n = nin == 1 ? out->shape[0] : in[1]->shape[0];
  const char *key = (const char *)mxc_read(c, in[0]);
  if (!key) return false;
  if (nin == 1) {
    int64_t *o = (int64_t *)mxc_write(c, NULL, 0);
    return o && (n == 0 || sorted_indices(c, key, in[0]->strides[0], n, o));
  }
  mx_array *a = in[1];
  const void *src = NULL;
  if (out->size > 0 && !(src = mxc_read(c, a))) return false;
  void *o = mxc_write(c, NULL, 0);
  if (!o) return false;
  if (out->size == 0) return true;
  int64_t *perm = (int64_t *)mxc_scratch(c, (size_t)n * sizeof(int64_t));
  bool ok = perm && sorted_indices(c, key, in[0]->strides[0], n, perm) &&
            gather_any(c, src, perm, o, mx_array_nbytes(out) / (size_t)n, n);
  mxc_scratch_free(c, perm);
  return ok;
}

static mx_status k_random_permutation(mx_array *out, mx_array *const *in, int nin, const mx_params *p) {
  (void)p;
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  mx_array *copy = NULL;
  mx_array *ops[2] = {in[0], nin > 1 ? in[1] : NULL};
  if (nin > 1 && !mxi_is_row_contiguous(in[1])) { // rows are gathered as whole byte ranges
    if (!(copy = mxi_contiguous_copy(in[1], mxc_backend(), out))) return MX_ERROR;
    ops[1] = copy;
  }
  bool ok = permute(&c, out, ops, nin);
  if (copy) mx_release(copy);
  return ok ? MX_OK : MX_ERROR;
}

void mxc_register_permutation(mx_kernel_fn *k, mxc_supports_fn *s) { k[MX_PRIM_RANDOM_PERMUTATION] = k_random_permutation; }
