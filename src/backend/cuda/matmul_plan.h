/* matmul_plan.h — how a MATMUL node maps onto column-major cuBLASLt calls, in plain C so that
 * tests/test_cuda_plan.c checks it on machines without a GPU (it runs the plan through a host
 * model of cuBLASLt's column-major, strided-batched GEMM and compares with the CPU's matmul).
 *
 * cuBLASLt computes D = op(A) op(B) on column-major matrices. mx's row-major C = A @ B is, read
 * column-major, C^T = B^T A^T: so cuBLASLt's m is mx's N, its n is mx's M, its "A" is mx's B
 * and its "B" is mx's A. A row-major operand is its own transpose in column-major (no transpose);
 * a column-major one (a transposed view) is passed transposed. No data is copied. */
#ifndef MX_CUDA_MATMUL_PLAN_H
#define MX_CUDA_MATMUL_PLAN_H

#include "../../core/internal.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mxi_mm_operand {
  bool trans;         /* op = transpose of the stored column-major matrix */
  int64_t rows, cols; /* of the stored column-major matrix */
  int64_t ld;         /* its leading dimension (elements) */
} mxi_mm_operand;

typedef struct mxi_mm_plan {
  int64_t m, n, k;        /* cuBLASLt's: m = mx's N, n = mx's M (batch rows folded in) */
  mxi_mm_operand a, b;    /* a: mx's B operand, b: mx's A operand */
  int64_t batch;          /* cuBLASLt's strided batch count (the innermost batch axis) */
  int64_t sa, sb, sc;     /* its batch strides in elements (0: broadcast) */
  int64_t ldc;            /* the output's leading dimension (m unless a raw GEMM says otherwise) */
  int nouter;             /* further batch axes, looped over on the host */
  int64_t outer_shape[MX_MAX_DIMS], outer_sa[MX_MAX_DIMS], outer_sb[MX_MAX_DIMS];
  int64_t calls;          /* product of outer_shape */
} mxi_mm_plan;

/* The plan for out = a @ b (shapes already checked by the op; strides in bytes, any view).
 * false when an operand has no unit stride in its matrix axes or strides that are not whole
 * elements: make it contiguous and plan again. loop_broadcast: never give cuBLASLt a batch stride
 * of 0 (a broadcast operand); loop over that batch axis on the host instead (the fallback when
 * cuBLASLt finds no algorithm for a plan). */
bool mxi_mm_plan_make(mxi_mm_plan *p, const mx_array *a, const mx_array *b, const mx_array *out,
                      bool loop_broadcast);
/* Element offsets of host-loop call t in [0, calls): into cuBLASLt's A (mx's b), its B (mx's a)
 * and the output, from each one's first element. */
void mxi_mm_plan_call(const mxi_mm_plan *p, int64_t t, int64_t *off_a, int64_t *off_b, int64_t *off_out);

/* A row-major, strided-batched product given by raw strides (the convolutions' GEMMs): for
 * t < batch, C_t[M, N] = A_t[M, K] B_t[K, N] where A_t starts sa elements after A_(t-1) and its
 * element (i, l) is ars * i + acs * l elements in (B likewise); C_t's rows are ldc apart. */
typedef struct mxi_mm_gemm {
  int64_t m, n, k;
  int64_t ars, acs, brs, bcs, ldc;
  int64_t batch, sa, sb, sc;
} mxi_mm_gemm;

/* Its plan: one call, cuBLASLt's A being g's B (as for MATMUL). false when A or B has no unit
 * stride, C's rows overlap, or the batch does not fit cuBLASLt's 32-bit count. */
bool mxi_mm_plan_gemm(mxi_mm_plan *p, const mxi_mm_gemm *g);

#ifdef __cplusplus
}
#endif
#endif
