/* rules_layout.c — rules of the view primitives (reshape, transpose, broadcast, slice, diagonal)
 * and contiguous copies. */
#include <string.h>

#include "rules.h"

/* ---- reshape ---- */
static void vjp_reshape(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (need[0]) g[0] = mx_reshape(cot, mxi_shape_of(node->in[0]));
}
static mx_array *jvp_reshape(mx_array *node, mx_array *const *t) {
  return mx_reshape(t[0], mxi_shape_of(node));
}
static mx_array *vmap_reshape(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_array *x = mxi_batch_front(in[0], axes[0]);
  mx_shape s = {.ndim = node->ndim + 1};
  s.dims[0] = x->shape[0];
  for (int i = 0; i < node->ndim; i++) s.dims[i + 1] = node->shape[i];
  *oa = 0;
  return mx_reshape(x, s);
}

/* ---- transpose ---- */
static void vjp_transpose(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (!need[0]) return;
  mx_axes inv = {.n = node->ndim};
  for (int i = 0; i < node->ndim; i++) inv.ax[node->params->transpose.perm[i]] = i;
  g[0] = mx_transpose(cot, inv);
}
static mx_array *jvp_transpose(mx_array *node, mx_array *const *t) { return mxi_reapply(node, 1, t); }
static mx_array *vmap_transpose(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_array *x = mxi_batch_front(in[0], axes[0]);
  mx_axes p = {.n = node->ndim + 1};
  p.ax[0] = 0;
  for (int i = 0; i < node->ndim; i++) p.ax[i + 1] = node->params->transpose.perm[i] + 1;
  *oa = 0;
  return mx_transpose(x, p);
}

/* ---- broadcast_to ---- */
static void vjp_broadcast(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (need[0]) g[0] = mxi_unbroadcast(cot, node->in[0]->ndim, node->in[0]->shape);
}
static mx_array *jvp_broadcast(mx_array *node, mx_array *const *t) {
  return mx_broadcast_to(t[0], mxi_shape_of(node));
}
static mx_array *vmap_broadcast(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_array *x = mxi_batch_front(in[0], axes[0]);
  int ex_nd = x->ndim - 1, pad = node->ndim - ex_nd;
  mx_shape s = {.ndim = node->ndim + 1};
  s.dims[0] = x->shape[0];
  for (int i = 0; i < pad; i++) s.dims[1 + i] = 1;
  for (int i = 0; i < ex_nd; i++) s.dims[1 + pad + i] = x->shape[1 + i];
  x = mx_reshape(x, s);
  for (int i = 0; i < node->ndim; i++) s.dims[1 + i] = node->shape[i];
  *oa = 0;
  return mx_broadcast_to(x, s);
}

/* ---- slice ---- */
static void slice_bounds(const mx_array *node, int64_t *start, int64_t *stop, int64_t *step) {
  const mx_params *p = node->params;
  for (int i = 0; i < node->ndim; i++) {
    start[i] = p->slice.start[i];
    step[i] = p->slice.step[i];
    int64_t e = p->slice.start[i] + p->slice.step[i] * p->slice.len[i];
    stop[i] = e < 0 ? MX_END : e; /* -1 would mean "the last element" to mx_slice */
    if (p->slice.len[i] == 0) start[i] = stop[i] = 0, step[i] = 1;
  }
}
static void vjp_slice(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (!need[0]) return;
  int64_t start[MX_MAX_DIMS], stop[MX_MAX_DIMS], step[MX_MAX_DIMS];
  slice_bounds(node, start, stop, step);
  g[0] = mx_slice_update(mx_zeros_like(node->in[0]), cot, node->ndim, start, stop, step);
}
static mx_array *jvp_slice(mx_array *node, mx_array *const *t) { return mxi_reapply(node, 1, t); }
static mx_array *vmap_slice(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_array *x = mxi_batch_front(in[0], axes[0]);
  mx_params p;
  memset(&p, 0, sizeof p);
  p.slice.start[0] = 0;
  p.slice.step[0] = 1;
  p.slice.len[0] = x->shape[0];
  for (int i = 0; i < node->ndim; i++) {
    p.slice.start[i + 1] = node->params->slice.start[i];
    p.slice.step[i + 1] = node->params->slice.step[i];
    p.slice.len[i + 1] = node->params->slice.len[i];
  }
  *oa = 0;
  return mxi_apply(MX_PRIM_SLICE, 1, &x, &p);
}

/* ---- diagonal ---- */
/* The cotangent scattered back onto the diagonal: element d of the diagonal sits at
 * (d + max(0, -offset), d + max(0, offset)) of the two axes. */
static void vjp_diagonal(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (!need[0]) return;
  const mx_array *x = node->in[0];
  int a1 = node->params->diagonal.axis1, a2 = node->params->diagonal.axis2;
  int off = node->params->diagonal.offset;
  int64_t len = node->shape[node->ndim - 1];
  mx_array *d = mx_arange(0, (double)len, 1, MX_INT64);
  mx_array *idx[2] = {mx_add(d, mx_scalar_int(off < 0 ? -off : 0)), mx_add(d, mx_scalar_int(off > 0 ? off : 0))};
  /* updates: [len] + x's shape with 1 at a1 and a2 */
  mx_array *c = mx_moveaxis(cot, -1, 0);
  mx_shape s = {.ndim = x->ndim + 1};
  s.dims[0] = len;
  for (int i = 0, k = 1; i < x->ndim; i++) s.dims[1 + i] = (i == a1 || i == a2) ? 1 : c->shape[k++];
  int axes[2] = {a1, a2};
  g[0] = mx_scatter(mx_zeros_like(node->in[0]), 2, idx, axes, mx_reshape(c, s), MX_SCATTER_ADD);
}
static mx_array *jvp_diagonal(mx_array *node, mx_array *const *t) { return mxi_reapply(node, 1, t); }
static mx_array *vmap_diagonal(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_array *x = mxi_batch_front(in[0], axes[0]);
  mx_params p = *node->params;
  p.diagonal.axis1++;
  p.diagonal.axis2++;
  *oa = 0;
  return mxi_apply(MX_PRIM_DIAGONAL, 1, &x, &p);
}

/* ---- contiguous copy ---- */
static void vjp_copy(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  (void)node;
  if (need[0]) g[0] = cot;
}
static mx_array *jvp_copy(mx_array *node, mx_array *const *t) {
  (void)node;
  return t[0];
}
static mx_array *vmap_copy(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  (void)node;
  *oa = axes[0];
  return mx_contiguous(in[0]);
}

void mxi_rules_layout(mx_prim_info *t) {
  MXI_SET_VJP(t, MX_PRIM_RESHAPE, vjp_reshape);
  MXI_SET_JVP(t, MX_PRIM_RESHAPE, jvp_reshape);
  MXI_SET_VMAP(t, MX_PRIM_RESHAPE, vmap_reshape);
  MXI_SET_VJP(t, MX_PRIM_TRANSPOSE, vjp_transpose);
  MXI_SET_JVP(t, MX_PRIM_TRANSPOSE, jvp_transpose);
  MXI_SET_VMAP(t, MX_PRIM_TRANSPOSE, vmap_transpose);
  MXI_SET_VJP(t, MX_PRIM_BROADCAST, vjp_broadcast);
  MXI_SET_JVP(t, MX_PRIM_BROADCAST, jvp_broadcast);
  MXI_SET_VMAP(t, MX_PRIM_BROADCAST, vmap_broadcast);
  MXI_SET_VJP(t, MX_PRIM_SLICE, vjp_slice);
  MXI_SET_JVP(t, MX_PRIM_SLICE, jvp_slice);
  MXI_SET_VMAP(t, MX_PRIM_SLICE, vmap_slice);
  MXI_SET_VJP(t, MX_PRIM_DIAGONAL, vjp_diagonal);
  MXI_SET_JVP(t, MX_PRIM_DIAGONAL, jvp_diagonal);
  MXI_SET_VMAP(t, MX_PRIM_DIAGONAL, vmap_diagonal);
  MXI_SET_VJP(t, MX_PRIM_COPY, vjp_copy);
  MXI_SET_JVP(t, MX_PRIM_COPY, jvp_copy);
  MXI_SET_VMAP(t, MX_PRIM_COPY, vmap_copy);
}
