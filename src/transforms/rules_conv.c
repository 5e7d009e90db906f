/* rules_conv.c — vjp, jvp and vmap rules of CONV and of its gradient primitives CONV_GRAD_INPUT
 * and CONV_GRAD_WEIGHT. The three are one bilinear form seen from its three operands, so their
 * rules are written in terms of each other and grad of grad stays closed over them. */
#include <limits.h>
#include <string.h>

#include "rules.h"

/* Every primitive of the family touches three tensors: the input X [N, S..., C_in], the output
 * C [N, O..., C_out] and the weight W [C_out, K..., C_in/g]. CONV is (X, W) -> C,
 * CONV_GRAD_INPUT (C, W) -> X, CONV_GRAD_WEIGHT (X, C) -> W. */
typedef enum role { ROLE_X, ROLE_C, ROLE_W } role;

static role in_role(mx_prim p, int i) {
  if (p == MX_PRIM_CONV) return i == 0 ? ROLE_X : ROLE_W;
  if (p == MX_PRIM_CONV_GRAD_INPUT) return i == 0 ? ROLE_C : ROLE_W;
  return i == 0 ? ROLE_X : ROLE_C;
}

static role out_role(mx_prim p) {
  return p == MX_PRIM_CONV ? ROLE_C : p == MX_PRIM_CONV_GRAD_INPUT ? ROLE_X : ROLE_W;
}

/* The forward convolution's settings from any family member's params (conv_grad starts with
 * conv's members). */
static mx_params conv_of(const mx_params *p) {
  mx_params q;
  memset(&q, 0, sizeof q);
  q.conv.nspatial = p->conv.nspatial;
  q.conv.groups = p->conv.groups;
  for (int i = 0; i < 3; i++) {
    q.conv.stride[i] = p->conv.stride[i];
    q.conv.pad_lo[i] = p->conv.pad_lo[i];
    q.conv.pad_hi[i] = p->conv.pad_hi[i];
    q.conv.dilation[i] = p->conv.dilation[i];
  }
  return q;
}

/* A gradient primitive's params: the convolution's, and the spatial size of the operand like
 * `like` (the input for CONV_GRAD_INPUT, the weight for CONV_GRAD_WEIGHT). */
static mx_params grad_of(const mx_params *p, const mx_array *like) {
  mx_params q = conv_of(p);
  for (int i = 0; i < q.conv.nspatial; i++) q.conv_grad.size[i] = like->shape[1 + i];
  return q;
}

static mx_array *conv(const mx_params *p, mx_array *x, mx_array *w) {
  mx_params q = conv_of(p);
  return mxi_apply(MX_PRIM_CONV, 2, (mx_array *[]){x, w}, &q);
}
/* d<C̄, conv(X, W)>/dX: the transposed convolution of c by w onto an input shaped like x. */
static mx_array *grad_input(const mx_params *p, mx_array *c, mx_array *w, const mx_array *x) {
  mx_params q = grad_of(p, x);
  return mxi_apply(MX_PRIM_CONV_GRAD_INPUT, 2, (mx_array *[]){c, w}, &q);
}
/* d<C̄, conv(X, W)>/dW with C̄ = c, for a weight shaped like w. */
static mx_array *grad_weight(const mx_params *p, mx_array *x, mx_array *c, const mx_array *w) {
  mx_params q = grad_of(p, w);
  return mxi_apply(MX_PRIM_CONV_GRAD_WEIGHT, 2, (mx_array *[]){x, c}, &q);
}

/* All three rules follow from ⟨C, conv(X, W)⟩ = ⟨grad_input(C, W), X⟩ = ⟨grad_weight(X, C), W⟩. */
static void vjp_conv(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  mx_array *x = node->in[0], *w = node->in[1];
  if (need[0]) g[0] = grad_input(node->params, cot, w, x);
  if (need[1]) g[1] = grad_weight(node->params, x, cot, w);
}

static void vjp_grad_input(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  mx_array *c = node->in[0], *w = node->in[1]; /* cot is shaped like X */
  if (need[0]) g[0] = conv(node->params, cot, w);
  if (need[1]) g[1] = grad_weight(node->params, cot, c, w);
}

static void vjp_grad_weight(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  mx_array *x = node->in[0], *c = node->in[1]; /* cot is shaped like W */
  if (need[0]) g[0] = grad_input(node->params, c, cot, x);
  if (need[1]) g[1] = conv(node->params, x, cot);
}

/* Each primitive is linear in each operand: f(t0, b) + f(a, t1). */
static mx_array *jvp_bilinear(mx_array *node, mx_array *const *t) {
  mx_array *r = NULL;
  for (int i = 0; i < 2; i++) {
    if (!t[i]) continue;
    mx_array *args[2] = {node->in[0], node->in[1]};
    args[i] = t[i];
    mx_array *s = mxi_reapply(node, 2, args);
    r = r ? mx_add(r, s) : s;
  }
  return r;
}

/* ---- batching ---- */

/* An X or C role tensor with the batch folded into the channels: [N, sp..., B * ch] (an
 * unbatched one repeated B times). */
static mx_array *batch_to_channels(mx_array *x, int ax, int64_t b, int ns) {
  if (ax >= 0) {
    x = mx_moveaxis(mxi_batch_front(x, ax), 0, ns + 1);
  } else {
    x = mx_expand_dims(x, MX_AXES(ns + 1));
    mx_shape s = mxi_shape_of(x);
    s.dims[ns + 1] = b;
    x = mx_broadcast_to(x, s);
  }
  mx_shape s = {.ndim = ns + 2};
  for (int i = 0; i <= ns; i++) s.dims[i] = x->shape[i];
  s.dims[ns + 1] = b * x->shape[ns + 2];
  return mx_reshape(x, s);
}

/* A W role tensor with the batch folded into the output channels: [B * C_out, K..., C_in/g]. */
static mx_array *batch_to_cout(mx_array *w, int ax, int64_t b, int ns) {
  if (ax >= 0) {
    w = mxi_batch_front(w, ax);
  } else {
    w = mx_expand_dims(w, MX_AXES(0));
    mx_shape s = mxi_shape_of(w);
    s.dims[0] = b;
    w = mx_broadcast_to(w, s);
  }
  mx_shape s = {.ndim = ns + 2};
  s.dims[0] = b * w->shape[1];
  for (int i = 1; i < ns + 2; i++) s.dims[i] = w->shape[i + 1];
  return mx_reshape(w, s);
}

/* Two ways to batch. When the weight is not batched and the result is not a weight gradient,
 * examples are independent images: the batch folds into N. Otherwise B independent convolutions
 * are one convolution with B times the groups: batch b's channels form groups
 * [b * g, (b + 1) * g) of the stacked channels, whatever g was. Both are exact; the loop fallback
 * only runs for an empty batch (or a group count past INT_MAX). */
static mx_array *vmap_conv_family(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_prim prim = (mx_prim)node->prim;
  int ns = node->params->conv.nspatial;
  int64_t b = 0;
  for (int i = 0; i < 2; i++)
    if (axes[i] >= 0) b = in[i]->shape[axes[i]];
  if (b == 0 || b > INT_MAX / node->params->conv.groups) return mxi_vmap_loop(node, in, axes, oa);
  mx_array *args[2];
  int w_in = in_role(prim, 0) == ROLE_W ? 0 : in_role(prim, 1) == ROLE_W ? 1 : -1;
  if (out_role(prim) != ROLE_W && axes[w_in] < 0) {
    int i = 1 - w_in; /* the batched image-like operand */
    mx_array *x = mxi_batch_front(in[i], axes[i]);
    args[i] = mx_flatten(x, 0, 1);
    args[w_in] = in[w_in];
    mx_array *r = mxi_reapply(node, 2, args);
    *oa = 0;
    return mx_unflatten(r, 0, MX_SHAPE(b, x->shape[1]));
  }
  for (int i = 0; i < 2; i++)
    args[i] = in_role(prim, i) == ROLE_W ? batch_to_cout(in[i], axes[i], b, ns)
                                         : batch_to_channels(in[i], axes[i], b, ns);
  mx_params p = *node->params;
  p.conv.groups = (int)(p.conv.groups * b);
  mx_array *r = mxi_apply(prim, 2, args, &p);
  if (out_role(prim) == ROLE_W) {
    *oa = 0;
    return mx_unflatten(r, 0, MX_SHAPE(b, r->ndim ? r->shape[0] / b : 0));
  }
  *oa = ns + 1;
  return mx_unflatten(r, ns + 1, MX_SHAPE(b, r->ndim ? r->shape[ns + 1] / b : 0));
}

void mxi_rules_conv(mx_prim_info *t) {
  MXI_SET_VJP(t, MX_PRIM_CONV, vjp_conv);
  MXI_SET_VJP(t, MX_PRIM_CONV_GRAD_INPUT, vjp_grad_input);
  MXI_SET_VJP(t, MX_PRIM_CONV_GRAD_WEIGHT, vjp_grad_weight);
  for (int p = MX_PRIM_CONV; p <= MX_PRIM_CONV_GRAD_WEIGHT; p++) {
    MXI_SET_JVP(t, p, jvp_bilinear);
    MXI_SET_VMAP(t, p, vmap_conv_family);
  }
}
