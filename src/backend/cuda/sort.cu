// sort.cu — SORT, ARGSORT, PARTITION and ARGPARTITION along one axis, in k_sort.c's order. Each
// element becomes an unsigned key (common/lines.h: NaN last, -0.0 == 0.0, 32-bit keys for dtypes
// of up to 32 bits) and its position; a stable radix sort of (key, position) in each line then
// gives the CPU's stable order exactly, ties by position. Values are gathered from the input by
// position, so -0.0 and NaN payloads come out as they went in. Many lines: one
// cub::DeviceSegmentedSort (small segments sort in registers, large ones by radix); a few long
// lines: cub::DeviceRadixSort per line (a whole-GPU sort). A partition is a full stable sort: a
// sorted line is a valid partition under the CPU's total order (key, position), equal to the
// CPU's wherever a partition is defined (the kth element, the sets before and after it).
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_segmented_sort.cuh>

#include "common.cuh"
#include "dtypes.cuh"
#include "../common/lines.h"

template <typename T> struct key_of;
#define KEY(T, K, EXPR)                                                 \
  template <> struct key_of<T> {                                        \
    typedef K type;                                                     \
    static __device__ __forceinline__ K get(T x) { return EXPR; }       \
  };
KEY(mxc_bool, uint32_t, x.v)
KEY(uint8_t, uint32_t, x)
KEY(uint16_t, uint32_t, x)
KEY(uint32_t, uint32_t, x)
KEY(uint64_t, uint64_t, x)
KEY(int8_t, uint32_t, mxi_key_i32(x))
KEY(int16_t, uint32_t, mxi_key_i32(x))
KEY(int32_t, uint32_t, mxi_key_i32(x))
KEY(int64_t, uint64_t, mxi_key_i64(x))
KEY(mxc_f16, uint32_t, mxi_key_f16(x.bits))
KEY(mxc_bf16, uint32_t, mxi_key_bf16(x.bits))
KEY(float, uint32_t, mxi_key_f32(x))
KEY(double, uint64_t, mxi_key_f64(x))

// Elements are numbered line by line (idx = line * n + j), the layout the sort works on.
template <typename T, typename K>
__global__ void make_keys(const char *in, mxi_lines L, int64_t total, K *keys, int32_t *pos) {
  for (int64_t idx = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (int64_t)gridDim.x * blockDim.x) {
    int64_t l = idx / L.n, j = idx - l * L.n, io, oo;
    mxi_lines_offsets(&L, l, &io, &oo);
    keys[idx] = key_of<T>::get(*reinterpret_cast<const T *>(in + io + j * L.in_step));
    pos[idx] = (int32_t)j;
  }
}

__global__ void line_offsets(int64_t *offs, int64_t nlines, int64_t n) {
  for (int64_t l = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; l <= nlines;
       l += (int64_t)gridDim.x * blockDim.x)
    offs[l] = l * n;
}

// VALUES: the input's element at each sorted position; else the position (int64).
template <typename T, bool VALUES>
__global__ void write_out(const char *in, char *out, mxi_lines L, int64_t total, const int32_t *pos) {
  for (int64_t idx = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
       idx += (int64_t)gridDim.x * blockDim.x) {
    int64_t l = idx / L.n, j = idx - l * L.n, io, oo, p = pos[idx];
    mxi_lines_offsets(&L, l, &io, &oo);
    if (VALUES)
      *reinterpret_cast<T *>(out + oo + j * L.out_step) = *reinterpret_cast<const T *>(in + io + p * L.in_step);
    else
      *reinterpret_cast<int64_t *>(out + oo + j * L.out_step) = p;
  }
}

static size_t align256(size_t x) { return (x + 255) & ~(size_t)255; }

// The sort proper: (keys, pos) -> (keys2, pos2), line by line. With temp == NULL only sets *bytes.
template <typename K>
static cudaError_t sort_lines(void *temp, size_t *bytes, const K *keys, K *keys2, const int32_t *pos,
                              int32_t *pos2, const int64_t *offs, const mxi_lines &L, bool per_line,
                              cudaStream_t s) {
  if (per_line) {
    if (!temp) return cub::DeviceRadixSort::SortPairs(NULL, *bytes, keys, keys2, pos, pos2, L.n, 0,
                                                      (int)sizeof(K) * 8, s);
    for (int64_t l = 0; l < L.nlines; l++) {
      int64_t o = l * L.n;
      cudaError_t e = cub::DeviceRadixSort::SortPairs(temp, *bytes, keys + o, keys2 + o, pos + o, pos2 + o,
                                                      L.n, 0, (int)sizeof(K) * 8, s);
      if (e != cudaSuccess) return e;
    }
    return cudaSuccess;
  }
  return cub::DeviceSegmentedSort::StableSortPairs(temp, *bytes, keys, keys2, pos, pos2, L.nlines * L.n,
                                                   L.nlines, offs, offs + 1, s);
}

template <typename T, bool VALUES> static mx_status run(mx_array *out, mx_array *a, int axis) {
  typedef typename key_of<T>::type K;
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char *src = (const char *)mxc_read(&c, a);
  if (!src) return MX_ERROR;
  char *dst = (char *)mxc_write(&c, NULL, 0); // no donation: the gather reads any position
  if (!dst) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  mxi_lines L;
  mxi_lines_plan(&L, a->ndim, a->shape, a->strides, out->strides, axis);
  int64_t total = L.nlines * L.n;
  bool per_line = L.n >= (1 << 16) && L.nlines <= 16;
  size_t tbytes = 0;
  if (!mxc_ok(&c, sort_lines<K>(NULL, &tbytes, NULL, NULL, NULL, NULL, NULL, L, per_line, c.s),
              "cub sort (temporary storage size)"))
    return MX_ERROR;
  size_t kb = align256((size_t)total * sizeof(K)), pb = align256((size_t)total * 4);
  size_t ob = align256((size_t)(L.nlines + 1) * 8);
  char *scr = (char *)mxc_scratch(&c, 2 * kb + 2 * pb + ob + tbytes);
  if (!scr) return MX_ERROR;
  K *keys = (K *)scr, *keys2 = (K *)(scr + kb);
  int32_t *pos = (int32_t *)(scr + 2 * kb), *pos2 = (int32_t *)(scr + 2 * kb + pb);
  int64_t *offs = (int64_t *)(scr + 2 * kb + 2 * pb);
  void *temp = scr + 2 * kb + 2 * pb + ob;
  bool ok = true;
  make_keys<T, K><<<mxc_grid_capped(&c, total, MXC_THREADS), MXC_THREADS, 0, c.s>>>(src, L, total, keys, pos);
  ok = mxc_launched(&c, "sort keys");
  if (ok && !per_line) {
    line_offsets<<<mxc_grid_capped(&c, L.nlines + 1, MXC_THREADS), MXC_THREADS, 0, c.s>>>(offs, L.nlines, L.n);
    ok = mxc_launched(&c, "sort line offsets");
  }
  ok = ok && mxc_ok(&c, sort_lines<K>(temp, &tbytes, keys, keys2, pos, pos2, offs, L, per_line, c.s), "cub sort");
  if (ok) {
    write_out<T, VALUES><<<mxc_grid_capped(&c, total, MXC_THREADS), MXC_THREADS, 0, c.s>>>(src, dst, L, total, pos2);
    ok = mxc_launched(&c, mxi_prims[out->prim].name);
  }
  mxc_scratch_free(&c, scr); // in stream order: reused only after these kernels
  return ok ? MX_OK : MX_ERROR;
}

template <typename T> static mx_status by_prim(mx_array *out, mx_array *const *in, int axis) {
  bool values = out->prim == MX_PRIM_SORT || out->prim == MX_PRIM_PARTITION;
  return values ? run<T, true>(out, in[0], axis) : run<T, false>(out, in[0], axis);
}

static mx_status k_sort(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  int axis = p->sort.axis;
  switch (in[0]->dtype) {
    MXC_CASES_BOOL(return by_prim<T>(out, in, axis))
    MXC_CASES_INT(return by_prim<T>(out, in, axis))
    MXC_CASES_FLOAT(return by_prim<T>(out, in, axis))
    default: return mxc_unsupported(out);
  }
  return MX_ERROR;
}

// Positions along the axis are 32-bit in the radix sort; complex64 has no order key here.
static bool supports(const mx_array *node) {
  const mx_array *a = node->in[0];
  return mxc_is_real((mx_dtype)a->dtype) && a->shape[node->params->sort.axis] <= INT32_MAX;
}

void mxc_register_sort(mx_kernel_fn *k, mxc_supports_fn *s) {
  const mx_prim prims[] = {MX_PRIM_SORT, MX_PRIM_ARGSORT, MX_PRIM_PARTITION, MX_PRIM_ARGPARTITION};
  for (mx_prim p : prims) {
    k[p] = k_sort;
    s[p] = supports;
  }
}
