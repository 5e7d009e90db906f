/* conv_plan.h — CONV, CONV_GRAD_INPUT and CONV_GRAD_WEIGHT on the GPU as im2col + GEMM, in plain
 * C so that tests/test_cuda_conv_plan.c runs the plan with host loops on machines without a GPU
 * and compares with the CPU kernels. 1-D convolutions are 2-D ones with H = 1 (as on the CPU).
 *
 * The column buffer of a chunk of whole images has one row per output pixel: for each group g its
 * patch [kh, kw, C_in/g] (the weight's order), so a row is groups * kp long and group g's patch
 * starts at g * kp. Each chunk is then one GEMM batched over the groups:
 *   CONV         out[rows, group slice]  = cols_g[rows, kp] @ W_g^T       (W_g: [C_out/g, kp])
 *   GRAD_INPUT   cols_g[rows, kp]        = cot[rows, group slice] @ W_g   then col2im as a gather
 *   GRAD_WEIGHT  dW_g[C_out/g, kp]      += cot[rows, group slice]^T @ cols_g, over the chunks
 * The gather sums, for each input element, the column entries that read it: deterministic, no
 * atomics. The index maps are __host__ __device__ so the test checks the kernels' own math. */
#ifndef MX_CUDA_CONV_PLAN_H
#define MX_CUDA_CONV_PLAN_H

#include "../common/conv_geom.h"
#include "matmul_plan.h"

#include "../../core/hd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The column buffer of a chunk holds at most about this many bytes (at least one image). */
#define MXI_CV_CHUNK_BYTES ((int64_t)256 << 20)

typedef enum { MXI_CV_CONV, MXI_CV_GRAD_INPUT, MXI_CV_GRAD_WEIGHT } mxi_cv_kind;

typedef struct mxi_cv_plan {
  mxi_conv_geom g;
  int64_t row;          /* groups * kp (a column-buffer row) */
  int64_t imgs, chunks; /* images per chunk; number of chunks */
} mxi_cv_plan;

/* Sizes from the shapes of the input x [N, S..., C_in], the output or cotangent c
 * [N, O..., C_out] and the weight w [C_out, K..., C_in/g] (one of them is the node's output);
 * chunks whose column buffer of elements of csz bytes stays under limit bytes. */
void mxi_cv_plan_init(mxi_cv_plan *p, const mx_array *x, const mx_array *c, const mx_array *w,
                      const mx_params *params, size_t csz, int64_t limit);

/* Images [*n0, *n0 + *ni) of chunk t < p->chunks. */
void mxi_cv_chunk(const mxi_cv_plan *p, int64_t t, int64_t *n0, int64_t *ni);

/* The chunk's GEMM (ni images), batched over the groups. Operands, from their first element:
 *   CONV:        A = cols, B = weight [C_out, kp], C = the chunk's first output row
 *   GRAD_INPUT:  A = the chunk's first cotangent row, B = weight, C = cols
 *   GRAD_WEIGHT: A = the chunk's first cotangent row, B = cols, C = dW [C_out, kp]
 * (the weight, cotangent and dW dense row-major; output rows C_out apart). */
void mxi_cv_gemm(const mxi_cv_plan *p, mxi_cv_kind kind, int64_t ni, mxi_mm_gemm *g);

/* Element e of a chunk's column buffer copies input element (image b of the chunk, y, x, ch);
 * false when it lies in the padding (the element is 0). */
MXI_HD bool mxi_cv_im2col_src(const mxi_cv_plan *p, int64_t e, int64_t *b, int64_t *y,
                                 int64_t *x, int64_t *ch) {
  const mxi_conv_geom *G = &p->g;
  int64_t r = e / p->row, q = e - r * p->row, ohw = G->oh * G->ow;
  int64_t g = q / G->kp, k = q - g * G->kp, t = k / G->cin_g, c = k - t * G->cin_g;
  int64_t o = r % ohw, th = t / G->kw, tw = t - th * G->kw;
  *b = r / ohw;
  *ch = g * G->cin_g + c;
  return mxi_conv_tap(G, o / G->ow, o % G->ow, th, tw, y, x);
}

/* The column-buffer element through which tap (th, tw) of an output pixel reads input element
 * (image b of the chunk, y, x, channel ch); -1 when no output pixel reads it through that tap. */
MXI_HD int64_t mxi_cv_col2im_src(const mxi_cv_plan *p, int64_t b, int64_t y, int64_t x,
                                    int64_t ch, int64_t th, int64_t tw) {
  const mxi_conv_geom *G = &p->g;
  int64_t oy, ox;
  if (!mxi_conv_untap(G, y, x, th, tw, &oy, &ox)) return -1;
  int64_t g = ch / G->cin_g, c = ch - g * G->cin_g;
  return ((b * G->oh + oy) * G->ow + ox) * p->row + g * G->kp + (th * G->kw + tw) * G->cin_g + c;
}

#ifdef __cplusplus
}
#endif
#endif
