/* conv_grad.c — shape rules of CONV's gradient primitives: CONV_GRAD_INPUT (cot, w) -> dx, the
 * transposed convolution, and CONV_GRAD_WEIGHT (x, cot) -> dw. Only transformation rules build
 * them (src/transforms/rules_conv.c), so a failed check here is an internal error. */
#include <stdio.h>

#include "families.h"
#include "util.h"
#include "../backend/common/conv_geom.h"

/* The checks both primitives share: dtypes, ranks, groups, and that a convolution of an input
 * with spatial size in[] by a kernel of size k[] gives the cotangent's spatial size o[]. */
static bool common(const mx_array *a, const mx_array *b, const mx_params *p, const int64_t *in,
                   const int64_t *k, const int64_t *o, char *err, size_t errlen) {
  int ns = p->conv_grad.nspatial;
  if (a->dtype != b->dtype || !mx_dtype_is_float((mx_dtype)a->dtype)) {
    snprintf(err, errlen, "operands must share a floating dtype (internal)");
    return false;
  }
  if (ns < 1 || ns > 2 || a->ndim != ns + 2 || b->ndim != ns + 2 || p->conv_grad.groups < 1) {
    snprintf(err, errlen, "operands of rank %d and %d for %d spatial axes, groups %d (internal)",
             a->ndim, b->ndim, ns, p->conv_grad.groups);
    return false;
  }
  for (int i = 0; i < ns; i++) {
    const int s = p->conv_grad.stride[i], d = p->conv_grad.dilation[i];
    const int lo = p->conv_grad.pad_lo[i], hi = p->conv_grad.pad_hi[i];
    if (s < 1 || d < 1 || lo < 0 || hi < 0 || k[i] < 1 || in[i] < 0 ||
        mxi_conv_out_len(in[i], k[i], s, lo, hi, d) != o[i]) {
      snprintf(err, errlen, "spatial axis %d: input %lld, kernel %lld, stride %d, padding %d/%d, "
               "dilation %d do not give %lld outputs (internal)",
               i, (long long)in[i], (long long)k[i], s, lo, hi, d, (long long)o[i]);
      return false;
    }
  }
  return true;
}

/* (cot [N, O..., C_out], w [C_out, K..., C_in/g]) -> [N, size..., C_in]. */
static bool infer_grad_input(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                             int *ndim, int64_t *shape, mx_dtype *dtype, char *err,
                             size_t errlen) {
  (void)prim;
  (void)n;
  const mx_array *c = in[0], *w = in[1];
  int ns = p->conv_grad.nspatial;
  if (!common(c, w, p, p->conv_grad.size, w->shape + 1, c->shape + 1, err, errlen)) return false;
  int g = p->conv_grad.groups;
  if (w->shape[0] != c->shape[ns + 1] || w->shape[0] % g != 0) {
    snprintf(err, errlen, "cotangent channels %lld, weight output channels %lld, groups %d "
             "(internal)", (long long)c->shape[ns + 1], (long long)w->shape[0], g);
    return false;
  }
  shape[0] = c->shape[0];
  for (int i = 0; i < ns; i++) shape[1 + i] = p->conv_grad.size[i];
  shape[ns + 1] = w->shape[ns + 1] * g;
  *ndim = ns + 2;
  *dtype = (mx_dtype)c->dtype;
  return true;
}

/* (x [N, S..., C_in], cot [N, O..., C_out]) -> [C_out, size..., C_in/g]. */
static bool infer_grad_weight(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                              int *ndim, int64_t *shape, mx_dtype *dtype, char *err,
                              size_t errlen) {
  (void)prim;
  (void)n;
  const mx_array *x = in[0], *c = in[1];
  int ns = p->conv_grad.nspatial;
  if (!common(x, c, p, x->shape + 1, p->conv_grad.size, c->shape + 1, err, errlen)) return false;
  int g = p->conv_grad.groups;
  int64_t cin = x->shape[ns + 1], cout = c->shape[ns + 1];
  if (x->shape[0] != c->shape[0] || cin % g != 0 || cout % g != 0) {
    snprintf(err, errlen, "batch %lld vs %lld, channels %lld -> %lld, groups %d (internal)",
             (long long)x->shape[0], (long long)c->shape[0], (long long)cin, (long long)cout, g);
    return false;
  }
  shape[0] = cout;
  for (int i = 0; i < ns; i++) shape[1 + i] = p->conv_grad.size[i];
  shape[ns + 1] = cin / g;
  *ndim = ns + 2;
  *dtype = (mx_dtype)x->dtype;
  return true;
}

void mxi_register_conv_grad(mx_prim_info *t) {
  t[MX_PRIM_CONV_GRAD_INPUT].infer = infer_grad_input;
  t[MX_PRIM_CONV_GRAD_WEIGHT].infer = infer_grad_weight;
}
