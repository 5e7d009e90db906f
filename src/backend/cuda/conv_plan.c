/* conv_plan.c — the convolutions' sizes, chunks and per-chunk GEMMs on the GPU (conv_plan.h). */
#include "conv_plan.h"

#include <string.h>

void mxi_cv_plan_init(mxi_cv_plan *p, const mx_array *x, const mx_array *c, const mx_array *w,
                      const mx_params *params, size_t csz, int64_t limit) {
  memset(p, 0, sizeof *p);
  int ns = params->conv.nspatial;
  p->n = x->shape[0];
  p->ih = p->oh = p->kh = 1;
  p->sh = p->dh = 1;
  if (ns == 2) {
    p->ih = x->shape[1];
    p->oh = c->shape[1];
    p->kh = w->shape[1];
    p->sh = params->conv.stride[0];
    p->ph = params->conv.pad_lo[0];
    p->dh = params->conv.dilation[0];
  }
  p->iw = x->shape[ns];
  p->ow = c->shape[ns];
  p->kw = w->shape[ns];
  p->sw = params->conv.stride[ns - 1];
  p->pw = params->conv.pad_lo[ns - 1];
  p->dw = params->conv.dilation[ns - 1];
  p->cin = x->shape[ns + 1];
  p->cout = c->shape[ns + 1];
  p->groups = params->conv.groups;
  p->cin_g = p->cin / p->groups;
  p->cout_g = p->cout / p->groups;
  p->taps = p->kh * p->kw;
  p->kp = p->taps * p->cin_g;
  p->row = p->groups * p->kp;
  /* whole images per chunk: a gather needs every patch that reads its pixel */
  int64_t per_image = p->oh * p->ow * p->row * (int64_t)csz;
  p->imgs = per_image > 0 ? limit / per_image : p->n;
  if (p->imgs < 1) p->imgs = 1;
  if (p->imgs > p->n) p->imgs = p->n;
  p->chunks = p->imgs > 0 ? (p->n + p->imgs - 1) / p->imgs : 0;
}

void mxi_cv_chunk(const mxi_cv_plan *p, int64_t t, int64_t *n0, int64_t *ni) {
  *n0 = t * p->imgs;
  *ni = p->n - *n0 < p->imgs ? p->n - *n0 : p->imgs;
}

bool mxi_cv_pointwise(const mxi_cv_plan *p) {
  return p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->ph == 0 && p->pw == 0 &&
         p->oh == p->ih && p->ow == p->iw;
}

void mxi_cv_gemm(const mxi_cv_plan *p, mxi_cv_kind kind, int64_t ni, mxi_mm_gemm *g) {
  const int64_t rows = ni * p->oh * p->ow;
  memset(g, 0, sizeof *g);
  switch (kind) {
    case MXI_CV_CONV: /* [rows, kp] @ W_g^T: W_g read transposed in place */
      *g = (mxi_mm_gemm){rows, p->cout_g, p->kp,
                         p->row, 1, 1, p->kp, p->cout,
                         p->groups, p->kp, p->cout_g * p->kp, p->cout_g};
      break;
    case MXI_CV_GRAD_INPUT: /* [rows, C_out/g] @ W_g [C_out/g, kp] */
      *g = (mxi_mm_gemm){rows, p->kp, p->cout_g,
                         p->cout, 1, p->kp, 1, p->row,
                         p->groups, p->cout_g, p->cout_g * p->kp, p->kp};
      break;
    case MXI_CV_GRAD_WEIGHT: /* cot_g^T [C_out/g, rows] @ cols_g [rows, kp] */
      *g = (mxi_mm_gemm){p->cout_g, p->kp, rows,
                         1, p->cout, p->row, 1, p->kp,
                         p->groups, p->cout_g, p->kp, p->cout_g * p->kp};
      break;
  }
}
