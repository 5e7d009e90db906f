// reduce_util.cuh — what reductions share: the kept/reduced axes plan (common/reduce_plan.h, the
// CPU's too) and warp/block reductions of any value under any combining function.
#ifndef MX_CUDA_REDUCE_UTIL_CUH
#define MX_CUDA_REDUCE_UTIL_CUH

#include <stdlib.h>

#include "../common/reduce_plan.h"
#include "common.cuh"

typedef mxi_red_axes mxc_red_plan; // common/reduce_plan.h, with byte strides

static inline void mxc_make_red_plan(mxc_red_plan *P, const mx_array *a, int naxes, const int *axes) {
  mxi_red_axes_make(P, a->ndim, a->shape, a->strides, naxes, axes);
}

// Byte offset of output o (row-major over K) / of reduced element r (row-major over R).
__device__ __forceinline__ int64_t mxc_k_offset(const mxc_red_plan &P, int64_t o) {
  int64_t off = 0;
  for (int i = P.nk - 1; i >= 0; i--) {
    off += (o % P.kshape[i]) * P.kstride[i];
    o /= P.kshape[i];
  }
  return off;
}
__device__ __forceinline__ int64_t mxc_r_offset(const mxc_red_plan &P, int64_t r) {
  int64_t off = 0;
  for (int i = P.nr - 1; i >= 0; i--) {
    off += (r % P.rshape[i]) * P.rstride[i];
    r /= P.rshape[i];
  }
  return off;
}

// Combines v over groups of G consecutive threads (G = 32 or the whole block of MXC_THREADS);
// every thread of the block must call it. The result is valid in each group's first lane.
// scratch: MXC_THREADS / 32 slots of shared memory (used when G spans warps).
template <int G, typename V, typename F>
__device__ __forceinline__ V mxc_group_reduce(V v, F combine, V *scratch) {
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) v = combine(v, __shfl_down_sync(0xffffffffu, v, off));
  if (G == 32) return v;
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < MXC_THREADS / 32 ? scratch[lane] : scratch[0];
    // lanes past the warp count repeat slot 0 and are dropped below; combine only real slots
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
      V other = __shfl_down_sync(0xffffffffu, v, off);
      if (lane + off < MXC_THREADS / 32) v = combine(v, other);
    }
  }
  __syncthreads(); // scratch may be reused by the caller
  return v;
}

#endif
