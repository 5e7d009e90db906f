/* conv_plan.c — the convolutions' sizes, chunks and per-chunk GEMMs on the GPU (conv_plan.h). */
#include "conv_plan.h"

#include <string.h>

void mxi_cv_plan_init(mxi_cv_plan *p, const mx_array *x, const mx_array *c, const mx_array *w,
                      const mx_params *params, size_t csz, int64_t limit) {
  memset(p, 0, sizeof *p);
  mxi_conv_geom_init(&p->g, x->shape, c->shape, w->shape, params);
  p->row = p->g.groups * p->g.kp;
  /* whole images per chunk: a gather needs every patch that reads its pixel */
  int64_t per_image = p->g.oh * p->g.ow * p->row * (int64_t)csz;
  p->imgs = per_image > 0 ? limit / per_image : p->g.n;
  if (p->imgs < 1) p->imgs = 1;
  if (p->imgs > p->g.n) p->imgs = p->g.n;
  p->chunks = p->imgs > 0 ? (p->g.n + p->imgs - 1) / p->imgs : 0;
}

void mxi_cv_chunk(const mxi_cv_plan *p, int64_t t, int64_t *n0, int64_t *ni) {
  *n0 = t * p->imgs;
  *ni = p->g.n - *n0 < p->imgs ? p->g.n - *n0 : p->imgs;
}

void mxi_cv_gemm(const mxi_cv_plan *p, mxi_cv_kind kind, int64_t ni, mxi_mm_gemm *g) {
  const int64_t rows = ni * p->g.oh * p->g.ow;
  memset(g, 0, sizeof *g);
  switch (kind) {
    case MXI_CV_CONV: /* [rows, kp] @ W_g^T: W_g read transposed in place */
      *g = (mxi_mm_gemm){rows, p->g.cout_g, p->g.kp,
                         p->row, 1, 1, p->g.kp, p->g.cout,
                         p->g.groups, p->g.kp, p->g.cout_g * p->g.kp, p->g.cout_g};
      break;
    case MXI_CV_GRAD_INPUT: /* [rows, C_out/g] @ W_g [C_out/g, kp] */
      *g = (mxi_mm_gemm){rows, p->g.kp, p->g.cout_g,
                         p->g.cout, 1, p->g.kp, 1, p->row,
                         p->g.groups, p->g.cout_g, p->g.cout_g * p->g.kp, p->g.kp};
      break;
    case MXI_CV_GRAD_WEIGHT: /* cot_g^T [C_out/g, rows] @ cols_g [rows, kp] */
      *g = (mxi_mm_gemm){p->g.cout_g, p->g.kp, rows,
                         1, p->g.cout, p->row, 1, p->g.kp,
                         p->g.groups, p->g.cout_g, p->g.kp, p->g.cout_g * p->g.kp};
      break;
  }
}
