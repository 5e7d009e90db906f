/* rules_join.c — vjp, jvp and vmap rules of the join primitives: CONCATENATE (slices of the
 * cotangent) and PAD (constant: the interior slice; edge: border cotangents summed into the edge). */
#include <stdlib.h>
#include <string.h>

#include "rules.h"

/* ---- concatenate ---- */

/* Input i owns the slice [off_i, off_i + len_i) of the output along the axis. */
static void vjp_concat(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  int ax = node->params->concat.axis;
  int64_t off = 0;
  for (int i = 0; i < node->nin; i++) {
    int64_t len = node->in[i]->shape[ax];
    if (need[i]) g[i] = mx_slice_axis(cot, ax, off, off + len, 1);
    off += len;
  }
}

/* Linear: the concatenation of the tangents, zeros standing in for inputs without one. */
static mx_array *jvp_concat(mx_array *node, mx_array *const *t) {
  mx_array **ts = malloc((size_t)node->nin * sizeof *ts);
  if (!ts) return mxi_oom("jvp", "pushing tangents through concatenate");
  for (int i = 0; i < node->nin; i++) ts[i] = t[i] ? t[i] : mx_zeros_like(node->in[i]);
  mx_array *r = mxi_reapply(node, node->nin, ts);
  free(ts);
  return r;
}

/* Batch axes to the front; an unbatched input is broadcast along the batch (a stride-0 view, so
 * the kernel's copy is the only one); the concatenation axis moves up by one. */
static mx_array *vmap_concat(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  int64_t batch = 0;
  for (int i = 0; i < node->nin; i++)
    if (axes[i] >= 0) batch = in[i]->shape[axes[i]];
  mx_array **xs = malloc((size_t)node->nin * sizeof *xs);
  if (!xs) return mxi_oom("vmap", "batching concatenate");
  for (int i = 0; i < node->nin; i++) {
    if (axes[i] >= 0) {
      xs[i] = mxi_batch_front(in[i], axes[i]);
    } else {
      mx_shape s = {.ndim = in[i]->ndim + 1};
      s.dims[0] = batch;
      for (int d = 0; d < in[i]->ndim; d++) s.dims[d + 1] = in[i]->shape[d];
      xs[i] = mx_broadcast_to(mx_expand_dims(in[i], MX_AXES(0)), s);
    }
  }
  mx_params p = *node->params;
  p.concat.axis++;
  *oa = 0;
  mx_array *r = mxi_apply(MX_PRIM_CONCATENATE, node->nin, xs, &p);
  free(xs);
  return r;
}

/* ---- pad ---- */

/* x padded with zeros by (lo, hi) on one axis only. */
static mx_array *pad_axis(mx_array *x, int axis, int64_t lo, int64_t hi) {
  int64_t l[MX_MAX_DIMS] = {0}, h[MX_MAX_DIMS] = {0};
  l[axis] = lo;
  h[axis] = hi;
  return mx_pad(x, x->ndim, l, h, MX_PAD_CONSTANT, 0);
}

/* Constant mode: the pad value is a parameter, so only the interior slice has a gradient. Edge
 * mode: an output element at index j on axis d reads the input at clamp(j - lo_d, 0, n_d - 1),
 * independently per axis, so the adjoint is the per-axis adjoint applied axis by axis: the
 * interior slice, plus the sum of the lo border cotangents added to element 0 and the sum of
 * the hi border added to element n - 1 (both to the same element when n = 1). */
static void vjp_pad(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (!need[0]) return;
  const mx_array *x = node->in[0];
  const mx_params *p = node->params;
  mx_array *r = cot;
  for (int d = 0; d < x->ndim; d++) {
    int64_t lo = p->pad.lo[d], hi = p->pad.hi[d], n = x->shape[d];
    if (lo == 0 && hi == 0) continue;
    mx_array *mid = mx_slice_axis(r, d, lo, lo + n, 1);
    if (p->pad.mode == MX_PAD_EDGE) { /* mx_pad rejects edge padding of an empty axis: n >= 1 */
      if (lo > 0) {
        mx_array *s = mx_sum(mx_slice_axis(r, d, 0, lo, 1), MX_AXES(d), true);
        mid = mx_add(mid, pad_axis(s, d, 0, n - 1));
      }
      if (hi > 0) {
        mx_array *s = mx_sum(mx_slice_axis(r, d, lo + n, lo + n + hi, 1), MX_AXES(d), true);
        mid = mx_add(mid, pad_axis(s, d, n - 1, 0));
      }
    }
    r = mid;
  }
  g[0] = r;
}

/* Linear in the input: the tangent padded the same way, with a zero pad value (the constant
 * does not vary). */
static mx_array *jvp_pad(mx_array *node, mx_array *const *t) {
  mx_params p = *node->params;
  p.pad.value = 0;
  return mxi_apply(MX_PRIM_PAD, 1, t, &p);
}

static mx_array *vmap_pad(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_array *x = mxi_batch_front(in[0], axes[0]);
  mx_params p = *node->params;
  memset(p.pad.lo, 0, sizeof p.pad.lo);
  memset(p.pad.hi, 0, sizeof p.pad.hi);
  for (int d = 0; d < node->ndim; d++) {
    p.pad.lo[d + 1] = node->params->pad.lo[d];
    p.pad.hi[d + 1] = node->params->pad.hi[d];
  }
  *oa = 0;
  return mxi_apply(MX_PRIM_PAD, 1, &x, &p);
}

void mxi_rules_join(mx_prim_info *t) {
  MXI_SET_VJP(t, MX_PRIM_CONCATENATE, vjp_concat);
  MXI_SET_JVP(t, MX_PRIM_CONCATENATE, jvp_concat);
  MXI_SET_VMAP(t, MX_PRIM_CONCATENATE, vmap_concat);
  MXI_SET_VJP(t, MX_PRIM_PAD, vjp_pad);
  MXI_SET_JVP(t, MX_PRIM_PAD, jvp_pad);
  MXI_SET_VMAP(t, MX_PRIM_PAD, vmap_pad);
}
