// index.cuh — what the gather, scatter and join kernels share: a strided copy between two layouts
// (index_plan.h's copy plan), dispatch by element size, and the device word through which kernels
// report the first bad index (read back with a synchronize, so that the node fails as on the CPU).
#ifndef MX_CUDA_INDEX_CUH
#define MX_CUDA_INDEX_CUH

#include "common.cuh"
#include "index_plan.h"

#define MXC_NO_BAD (~0ull)

template <typename T> __global__ void mxc_plan_copy(char *dst, const char *src, mxi_copy_plan p) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < p.n; i += step) {
    int64_t od, os;
    mxi_copy_plan_off(&p, i, &od, &os);
    *(T *)(dst + od) = *(const T *)(src + os);
  }
}

// Copies x (its own strides, data at src on c's device) into dst laid out with byte strides
// dst_st over x's shape. Both contiguous: one cudaMemcpyAsync.
static inline bool mxc_copy_into(mxc_ctx *c, char *dst, const int64_t *dst_st, const char *src,
                                 const mx_array *x) {
  size_t isz = mx_dtype_size((mx_dtype)x->dtype);
  mxi_copy_plan p;
  mxi_copy_plan_make(&p, x->ndim, x->shape, dst_st, x->strides);
  if (p.n == 0) return true;
  if (p.ndim == 0 || (p.ndim == 1 && p.st[0][0] == (int64_t)isz && p.st[1][0] == (int64_t)isz))
    return mxc_ok(c, cudaMemcpyAsync(dst, src, (size_t)p.n * isz, cudaMemcpyDeviceToDevice, c->s),
                  "copying (cudaMemcpyAsync)");
  unsigned grid = mxc_grid_capped(c, p.n, MXC_THREADS);
  switch (isz) {
    case 1: mxc_plan_copy<uint8_t><<<grid, MXC_THREADS, 0, c->s>>>(dst, src, p); break;
    case 2: mxc_plan_copy<uint16_t><<<grid, MXC_THREADS, 0, c->s>>>(dst, src, p); break;
    case 4: mxc_plan_copy<uint32_t><<<grid, MXC_THREADS, 0, c->s>>>(dst, src, p); break;
    default: mxc_plan_copy<uint64_t><<<grid, MXC_THREADS, 0, c->s>>>(dst, src, p); break;
  }
  return mxc_launched(c, "strided copy");
}

// A device word initialized to MXC_NO_BAD (kernels atomicMin the first bad position into it).
static inline unsigned long long *mxc_bad_word(mxc_ctx *c) {
  unsigned long long *w = (unsigned long long *)mxc_scratch(c, sizeof *w);
  if (w && !mxc_ok(c, cudaMemsetAsync(w, 0xff, sizeof *w, c->s), "clearing a flag (cudaMemsetAsync)")) {
    mxc_scratch_free(c, w);
    return NULL;
  }
  return w;
}

// Waits for the stream and reads the word (then frees it). false when CUDA failed (error set).
static inline bool mxc_bad_read(mxc_ctx *c, unsigned long long *w, unsigned long long *bad) {
  cudaError_t e = cudaMemcpyAsync(bad, w, sizeof *bad, cudaMemcpyDeviceToHost, c->s);
  if (e == cudaSuccess) e = cudaStreamSynchronize(c->s);
  mxc_scratch_free(c, w);
  return mxc_ok(c, e, "reading the index check (cudaMemcpyAsync)");
}

// w NULL: the indices were checked on the host.
__device__ __forceinline__ void mxc_note_bad(unsigned long long *w, int64_t pos) {
  if (w) atomicMin(w, (unsigned long long)pos);
}

// x's data on the host when its host copy is current, else NULL.
static inline const char *mxc_host_data(const mx_array *x) {
  const mx_buffer *b = x->buf;
  return b && b->host_valid && b->host ? (const char *)b->host + x->offset : NULL;
}

// Small index arrays whose host copy is current (indices made on the host) are checked there,
// sparing the synchronize a device check costs: 1 good, 0 bad, -1 the device checks (s->base is
// left pointing at host data; the caller sets device pointers).
static inline int mxc_ix_host_check(mxi_ix_set *s, mx_array *const *idx) {
  if (s->n == 0 || s->nI > MXI_HOST_CHECK_MAX) return -1;
  for (int k = 0; k < s->n; k++)
    if (!(s->base[k] = mxc_host_data(idx[k]))) return -1;
  return mxi_ix_first_bad(s) < 0 ? 1 : 0;
}

// The same for along-axis indices; *bad: the CPU's position of the first bad index.
static inline int mxc_along_host_check(const mxi_along *w, const mx_array *idx, int64_t *bad) {
  const char *h = w->n <= MXI_HOST_CHECK_MAX ? mxc_host_data(idx) : NULL;
  if (!h) return -1;
  *bad = mxi_along_first_bad(w, h);
  return *bad < 0 ? 1 : 0;
}

// Byte offsets of every position of an index set into the target (and into extra). A bad index
// is noted and gets offset 0, which keeps later kernels in bounds (the node fails anyway).
static __global__ void mxc_ix_offsets(mxi_ix_set s, int64_t *offs, int64_t *xoffs, unsigned long long *bad) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t f = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; f < s.nI; f += step) {
    int64_t o = 0, x = 0;
    if (!mxi_ix_position(&s, f, &o, &x)) {
      mxc_note_bad(bad, f);
      o = 0;
    }
    offs[f] = o;
    if (xoffs) xoffs[f] = x;
  }
}

static inline bool mxc_ix_offsets_launch(mxc_ctx *c, const mxi_ix_set *s, int64_t *offs, int64_t *xoffs,
                                         unsigned long long *bad) {
  mxc_ix_offsets<<<mxc_grid_capped(c, s->nI, MXC_THREADS), MXC_THREADS, 0, c->s>>>(*s, offs, xoffs, bad);
  return mxc_launched(c, "index offsets");
}

#endif
