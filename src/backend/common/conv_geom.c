/* conv_geom.c — convolution geometry (conv_geom.h). */
#include "conv_geom.h"

#include <string.h>

int64_t mxi_conv_out_len(int64_t in, int64_t k, int stride, int lo, int hi, int dilation) {
  int64_t span = (k - 1) * (int64_t)dilation + 1, padded = in + lo + hi;
  if (span > padded) return -1;
  return (padded - span) / stride + 1;
}

void mxi_conv_geom_init(mxi_conv_geom *g, const int64_t *x, const int64_t *c, const int64_t *w,
                        const mx_params *params) {
  memset(g, 0, sizeof *g);
  int ns = params->conv.nspatial;
  g->n = x[0];
  g->ih = g->oh = g->kh = 1;
  g->sh = g->dh = 1;
  if (ns == 2) {
    g->ih = x[1];
    g->oh = c[1];
    g->kh = w[1];
    g->sh = params->conv.stride[0];
    g->ph = params->conv.pad_lo[0];
    g->dh = params->conv.dilation[0];
  }
  g->iw = x[ns];
  g->ow = c[ns];
  g->kw = w[ns];
  g->sw = params->conv.stride[ns - 1];
  g->pw = params->conv.pad_lo[ns - 1];
  g->dw = params->conv.dilation[ns - 1];
  g->cin = x[ns + 1];
  g->cout = c[ns + 1];
  g->groups = params->conv.groups;
  g->cin_g = g->cin / g->groups;
  g->cout_g = g->cout / g->groups;
  g->taps = g->kh * g->kw;
  g->kp = g->taps * g->cin_g;
}

bool mxi_conv_pointwise(const mxi_conv_geom *g) {
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0 &&
         g->oh == g->ih && g->ow == g->iw;
}
