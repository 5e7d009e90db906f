// gemm.cuh — one strided-batched GEMM on raw device pointers through matmul.cu's cuBLASLt path
// (heuristic cache, per-stream workspace), for kernels other than MATMUL (the convolutions).
#ifndef MX_CUDA_GEMM_CUH
#define MX_CUDA_GEMM_CUH

#include "common.cuh"

extern "C" {
#include "matmul_plan.h"
}

// Enqueues g's product on c's stream: C = A B, or C += A B when accumulate. dt: the operands'
// dtype (float32, float64, float16, bfloat16; half types accumulate in float32). in: the node's
// inputs, named in errors. When cuBLASLt has no algorithm for the batch, one call per entry.
// false with c->out failed.
bool mxc_gemm(mxc_ctx *c, mx_dtype dt, const mxi_mm_gemm *g, const void *A, const void *B, void *C,
              bool accumulate, mx_array *const *in);

#endif
