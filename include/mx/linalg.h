/* mx/linalg.h — matrix products and contractions. float32/float64/complex64 use BLAS;
 * float16/bfloat16 compute in float32; integers use exact integer arithmetic that wraps on
 * overflow (as NumPy); bool products are logical (OR of ANDs). Operands are promoted like
 * binary ops. */
#ifndef MX_LINALG_H
#define MX_LINALG_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NumPy matmul: 1-D operands are promoted to matrices and the added axis removed afterwards;
 * leading (batch) axes broadcast. */
mx_array *mx_matmul(mx_array *a, mx_array *b);
/* alpha * (a @ b) + beta * c. */
mx_array *mx_addmm(mx_array *c, mx_array *a, mx_array *b, double alpha, double beta);
mx_array *mx_outer(mx_array *a, mx_array *b);  /* of the flattened inputs */
mx_array *mx_inner(mx_array *a, mx_array *b);  /* contracts the last axes */
/* Contracts the last n axes of a with the first n of b. */
mx_array *mx_tensordot(mx_array *a, mx_array *b, int n);
/* Contracts axes_a[i] of a with axes_b[i] of b. */
mx_array *mx_tensordot_axes(mx_array *a, mx_array *b, int n, const int *axes_a,
                            const int *axes_b);
/* NumPy einsum: explicit ("ij,jk->ik") and implicit ("ij,jk") forms, repeated subscripts
 * (diagonals, traces), ellipsis broadcasting. Like NumPy's, sums keep the operands' (promoted)
 * dtype. Operands are contracted left to right; an intermediate result may have at most
 * MX_MAX_DIMS axes. */
mx_array *mx_einsum(const char *subscripts, int n, mx_array *const *operands);
/* The diagonal with offset of axes axis1, axis2, moved to the last axis (a view). */
mx_array *mx_diagonal(mx_array *a, int offset, int axis1, int axis2);
mx_array *mx_trace(mx_array *a, int offset, int axis1, int axis2);

#ifdef __cplusplus
}
#endif
#endif
