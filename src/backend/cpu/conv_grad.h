/* conv_grad.h — what the CPU kernels of CONV_GRAD_INPUT and CONV_GRAD_WEIGHT share
 * (conv_grad_util.c): the problem's sizes, compute-type copies of operands and stores back to
 * the storage dtype. 1-D convolutions run as 2-D ones with H = 1, like k_conv.c. */
#ifndef MX_CPU_CONV_GRAD_H
#define MX_CPU_CONV_GRAD_H

#include "../common/conv_geom.h"
#include "gemm.h"

/* im2col/col2im buffers hold about this many bytes; work is chunked to stay under it. */
#define MXI_CG_CHUNK_BYTES ((int64_t)8 << 20)

typedef struct mxi_cg_plan {
  mxi_conv_geom g;
  mx_dtype dt, ct;             /* storage dtype; compute dtype (float32, or float64) */
  size_t esz, csz;
} mxi_cg_plan;

/* Sizes from the shapes of the input X [N, S..., C_in], the output cotangent C [N, O..., C_out]
 * and the weight W [C_out, K..., C_in/g] (one of them is the kernel's output). */
void mxi_cg_plan_init(mxi_cg_plan *p, const mx_array *x, const mx_array *c, const mx_array *w,
                      const mx_params *params);

/* a's values in the compute dtype, row-major: a's own memory when it already is that, else a
 * malloc'd copy returned in *owned (free it). NULL when out of memory. */
const void *mxi_cg_dense(mx_array *a, mx_dtype ct, void **owned);

/* Writes n compute-type values to storage dtype dt. */
void mxi_cg_store(char *dst, const void *src, int64_t n, mx_dtype dt, mx_dtype ct);

mx_status mxi_k_conv_grad_input(mx_array *out, mx_array *const *in, int n, const mx_params *p);
mx_status mxi_k_conv_grad_weight(mx_array *out, mx_array *const *in, int n, const mx_params *p);

#endif
