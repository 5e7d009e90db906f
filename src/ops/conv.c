/* conv.c — the CONV primitive: channels-last convolution (cross-correlation) with stride,
 * zero padding (lo/hi per axis), dilation and groups, over 1 or 2 spatial axes; constructors
 * mx_conv1d and mx_conv2d. Floating dtypes only (see mx/nn_ops.h). */
#include <stdio.h>
#include <string.h>

#include "families.h"
#include "util.h"
#include "../backend/common/conv_geom.h"

/* Checks x [N, spatial..., C_in] and w [C_out, k..., C_in/groups] against p; fills the output
 * shape. Shared by the constructors (user errors) and the shape rule. */
static bool conv_shape(const mx_array *x, const mx_array *w, const mx_params *p, int *ndim,
                       int64_t *shape, char *err, size_t errlen) {
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
  int ns = p->conv.nspatial, nd = ns + 2;
  mxi_shape_str(s1, sizeof s1, x->ndim, x->shape);
  mxi_shape_str(s2, sizeof s2, w->ndim, w->shape);
  const char *xs = ns == 1 ? "[N, L, C_in]" : "[N, H, W, C_in]";
  const char *ws = ns == 1 ? "[C_out, K, C_in/groups]" : "[C_out, KH, KW, C_in/groups]";
  if (x->ndim != nd) {
    snprintf(err, errlen, "input must have %d dimensions %s, got shape %s", nd, xs, s1);
    return false;
  }
  if (w->ndim != nd) {
    snprintf(err, errlen, "weight must have %d dimensions %s, got shape %s", nd, ws, s2);
    return false;
  }
  int g = p->conv.groups;
  int64_t cin = x->shape[nd - 1], cout = w->shape[0];
  if (g < 1) {
    snprintf(err, errlen, "groups must be positive, got %d", g);
    return false;
  }
  if (cin % g != 0 || cout % g != 0) {
    snprintf(err, errlen,
             "groups=%d must divide the input channels (%lld, input %s) and the output channels "
             "(%lld, weight %s)",
             g, (long long)cin, s1, (long long)cout, s2);
    return false;
  }
  if (w->shape[nd - 1] != cin / g) {
    snprintf(err, errlen,
             "channel mismatch: input %s has %lld channels and groups=%d, so the weight's last "
             "dimension must be %lld, got weight %s",
             s1, (long long)cin, g, (long long)(cin / g), s2);
    return false;
  }
  shape[0] = x->shape[0];
  for (int i = 0; i < ns; i++) {
    int64_t k = w->shape[1 + i];
    if (p->conv.stride[i] < 1 || p->conv.dilation[i] < 1) {
      snprintf(err, errlen, "stride (%d) and dilation (%d) must be positive on spatial axis %d",
               p->conv.stride[i], p->conv.dilation[i], i);
      return false;
    }
    if (p->conv.pad_lo[i] < 0 || p->conv.pad_hi[i] < 0) {
      snprintf(err, errlen, "padding must be non-negative, got %d on spatial axis %d",
               p->conv.pad_lo[i] < 0 ? p->conv.pad_lo[i] : p->conv.pad_hi[i], i);
      return false;
    }
    if (k < 1) {
      snprintf(err, errlen, "kernel size must be positive, got weight %s", s2);
      return false;
    }
    int64_t o = mxi_conv_out_len(x->shape[1 + i], k, p->conv.stride[i], p->conv.pad_lo[i],
                        p->conv.pad_hi[i], p->conv.dilation[i]);
    if (o < 0) {
      snprintf(err, errlen,
               "kernel larger than the padded input on spatial axis %d: kernel %lld with "
               "dilation %d spans %lld, padded input is %lld (input %s, weight %s)",
               i, (long long)k, p->conv.dilation[i], (long long)((k - 1) * p->conv.dilation[i] + 1),
               (long long)(x->shape[1 + i] + p->conv.pad_lo[i] + p->conv.pad_hi[i]), s1, s2);
      return false;
    }
    shape[1 + i] = o;
  }
  shape[nd - 1] = cout;
  *ndim = nd;
  return true;
}

static bool infer_conv(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                       int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  (void)n;
  if (in[0]->dtype != in[1]->dtype || !mx_dtype_is_float((mx_dtype)in[0]->dtype)) {
    snprintf(err, errlen, "input and weight must share a floating dtype (internal)");
    return false;
  }
  if (p->conv.nspatial < 1 || p->conv.nspatial > 3) {
    snprintf(err, errlen, "%d spatial axes (internal)", p->conv.nspatial);
    return false;
  }
  *dtype = (mx_dtype)in[0]->dtype;
  return conv_shape(in[0], in[1], p, ndim, shape, err, errlen);
}

void mxi_register_conv(mx_prim_info *t) {
  t[MX_PRIM_CONV].infer = infer_conv;
  mxi_register_conv_grad(t); /* the gradient primitives (conv_grad.c) */
}

static mx_array *conv(const char *name, int ns, mx_array *x, mx_array *w, const int *stride,
                      const int *padding, const int *dilation, int groups) {
  MXI_CHECK(name, x, w);
  mx_dtype dt = mxi_result_type(x, w);
  if (!mx_dtype_is_float(dt))
    return mxi_error(name,
                     "%s inputs are not supported (input %s, weight %s): convolution needs "
                     "float16, bfloat16, float32 or float64",
                     mx_dtype_name(dt), mx_dtype_name((mx_dtype)x->dtype),
                     mx_dtype_name((mx_dtype)w->dtype));
  mx_params p;
  memset(&p, 0, sizeof p);
  p.conv.nspatial = ns;
  p.conv.groups = groups;
  for (int i = 0; i < ns; i++) {
    p.conv.stride[i] = stride ? stride[i] : 1;
    p.conv.dilation[i] = dilation ? dilation[i] : 1;
    p.conv.pad_lo[i] = p.conv.pad_hi[i] = padding ? padding[i] : 0;
  }
  int nd;
  int64_t shape[MX_MAX_DIMS];
  char err[400];
  if (!conv_shape(x, w, &p, &nd, shape, err, sizeof err)) return mxi_error(name, "%s", err);
  mx_array *in[2] = {mxi_cast(x, dt), mxi_cast(w, dt)};
  return mxi_apply(MX_PRIM_CONV, 2, in, &p);
}

mx_array *mx_conv1d(mx_array *x, mx_array *w, const int *stride, const int *padding,
                    const int *dilation, int groups) {
  return conv("conv1d", 1, x, w, stride, padding, dilation, groups);
}

mx_array *mx_conv2d(mx_array *x, mx_array *w, const int *stride, const int *padding,
                    const int *dilation, int groups) {
  return conv("conv2d", 2, x, w, stride, padding, dilation, groups);
}
