/* gemm.h — matrix products on the CPU, C[M,N] = A[M,K] @ B[K,N], for every dtype: OpenBLAS
 * for float32/float64/complex64 (float16/bfloat16 through float32) when built with it, and a
 * portable blocked C GEMM otherwise (always for bool and integers). Used by matmul and conv. */
#ifndef MX_CPU_GEMM_H
#define MX_CPU_GEMM_H

#include "cpu.h"

/* Operands are addressed by element strides so that transposed and strided views need no
 * copy: A[i,p] is element i*rsa + p*csa of a, B[p,j] element p*rsb + j*csb of b, and C is
 * row-major with row stride ldc (elements); C is overwritten (K = 0 gives zeros).
 * Integers wrap (arithmetic modulo 2^bits, as NumPy); bool computes OR of ANDs. */
typedef struct mxi_gemm_args {
  mx_dtype dtype;
  int64_t m, n, k;
  const void *a;
  int64_t rsa, csa;
  const void *b;
  int64_t rsb, csb;
  void *c;
  int64_t ldc;
} mxi_gemm_args;

/* Makes OpenBLAS single-threaded: mx splits large products over its own pool instead, so two
 * sets of threads never compete for the cores (called once by the CPU backend). */
void mxi_blas_init(void);

/* Picks the fastest path. Threads: large BLAS products are split over the pool; the portable GEMM splits C into
 * tiles over the thread pool (serially when called from a pool worker). Returns false when
 * out of memory for its packing buffers. */
bool mxi_gemm(const mxi_gemm_args *g);
/* The portable blocked GEMM, for any dtype and any strides (tests call it directly). */
bool mxi_gemm_portable(const mxi_gemm_args *g);
/* True when an operand of this dtype with rows x cols and element strides rs, cs can be given
 * to mxi_gemm without it making a packed copy (BLAS needs one unit stride per matrix). Always
 * true for dtypes the portable GEMM handles. */
bool mxi_gemm_layout_ok(mx_dtype dt, int64_t rows, int64_t cols, int64_t rs, int64_t cs);

#endif
