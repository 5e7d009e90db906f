// reduce_util.cuh — what reductions share: the kept/reduced axes plan (k_reduce.c's, with byte
// strides) and warp/block reductions of any value under any combining function.
#ifndef MX_CUDA_REDUCE_UTIL_CUH
#define MX_CUDA_REDUCE_UTIL_CUH

#include <stdlib.h>

#include "../common/dims.h"
#include "common.cuh"

struct mxc_red_plan {
  int nk, nr;
  int64_t kshape[MX_MAX_DIMS], kstride[MX_MAX_DIMS]; // kept axes, output order
  int64_t rshape[MX_MAX_DIMS], rstride[MX_MAX_DIMS]; // reduced axes, densest innermost
  int64_t nout, nred;
};

static inline void mxc_make_red_plan(mxc_red_plan *P, const mx_array *a, int naxes, const int *axes) {
  bool red[MX_MAX_DIMS] = {false};
  for (int i = 0; i < naxes; i++) red[axes[i]] = true;
  P->nk = P->nr = 0;
  for (int i = 0; i < a->ndim; i++) {
    if (red[i]) {
      P->rshape[P->nr] = a->shape[i];
      P->rstride[P->nr++] = a->strides[i];
    } else {
      P->kshape[P->nk] = a->shape[i];
      P->kstride[P->nk++] = a->strides[i];
    }
  }
  // the order of R is free: decreasing |stride| puts the densest axis innermost
  for (int i = 1; i < P->nr; i++)
    for (int j = i; j > 0 && llabs(P->rstride[j]) > llabs(P->rstride[j - 1]); j--) {
      int64_t t = P->rstride[j];
      P->rstride[j] = P->rstride[j - 1];
      P->rstride[j - 1] = t;
      t = P->rshape[j];
      P->rshape[j] = P->rshape[j - 1];
      P->rshape[j - 1] = t;
    }
  P->nout = 1;
  for (int i = 0; i < P->nk; i++) P->nout *= P->kshape[i];
  P->nred = 1;
  for (int i = 0; i < P->nr; i++) P->nred *= P->rshape[i];
  P->nk = mxi_merge_dims1(P->nk, P->kshape, P->kstride);
  P->nr = mxi_merge_dims1(P->nr, P->rshape, P->rstride);
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
