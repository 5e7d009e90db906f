/* conv_geom.h — the geometry of a channels-last convolution over 1 or 2 spatial axes (1-D is 2-D
 * with H = 1): output lengths for the shape rules (ops/conv.c, ops/conv_grad.c), and the sizes and
 * tap maps that the CPU kernels, the CPU gradients and the CUDA plan (cuda/conv_plan.h) read. */
#ifndef MX_COMMON_CONV_GEOM_H
#define MX_COMMON_CONV_GEOM_H

#include <stdbool.h>
#include <stdint.h>

#include "../../core/hd.h"
#include "../../core/params.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mxi_conv_geom {
  int64_t n, ih, iw, oh, ow, kh, kw, cin, cout, groups, cin_g, cout_g;
  int64_t sh, sw, ph, pw, dh, dw; /* stride, low padding, dilation */
  int64_t taps, kp;               /* kh * kw; taps * C_in/g (a patch, the weight's row) */
} mxi_conv_geom;

/* Output length of one spatial axis, or -1 when the dilated kernel exceeds the padded input. */
int64_t mxi_conv_out_len(int64_t in, int64_t k, int stride, int lo, int hi, int dilation);

/* Sizes from the shapes of the input x [N, S..., C_in], the output or cotangent c
 * [N, O..., C_out] and the weight w [C_out, K..., C_in/g] (ns + 2 dims each) and CONV's params
 * (CONV_GRAD_*'s begin alike). */
void mxi_conv_geom_init(mxi_conv_geom *g, const int64_t *x, const int64_t *c, const int64_t *w,
                        const mx_params *params);

/* 1x1 kernel, stride 1, no padding: the convolution is a matrix product. */
bool mxi_conv_pointwise(const mxi_conv_geom *g);

/* The input position of output pixel (oy, ox) at tap (th, tw), false in the padding. */
MXI_HD bool mxi_conv_tap(const mxi_conv_geom *g, int64_t oy, int64_t ox, int64_t th, int64_t tw,
                         int64_t *y, int64_t *x) {
  *y = oy * g->sh - g->ph + th * g->dh;
  *x = ox * g->sw - g->pw + tw * g->dw;
  return *y >= 0 && *y < g->ih && *x >= 0 && *x < g->iw;
}

/* The output pixel that reads input position (y, x) at tap (th, tw), false when none does. */
MXI_HD bool mxi_conv_untap(const mxi_conv_geom *g, int64_t y, int64_t x, int64_t th, int64_t tw,
                           int64_t *oy, int64_t *ox) {
  int64_t ny = y + g->ph - th * g->dh, nx = x + g->pw - tw * g->dw;
  if (ny < 0 || nx < 0 || ny % g->sh || nx % g->sw) return false;
  *oy = ny / g->sh;
  *ox = nx / g->sw;
  return *oy < g->oh && *ox < g->ow;
}

#ifdef __cplusplus
}
#endif

#endif
