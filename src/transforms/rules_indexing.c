/* rules_indexing.c — vjp, jvp and vmap rules of SLICE_UPDATE, GATHER, SCATTER (every mode),
 * TAKE_ALONG_AXIS and SCATTER_ALONG_AXIS. Index inputs are integers and never get gradients.
 *
 * Conventions where the derivative is not unique:
 * - gather / take_along_axis with repeated indices: the cotangents of the copies add up.
 * - scatter assign with repeated indices: the last write wins (the kernel's order), so only the
 *   winning update gets the cotangent of its position; the others get zero.
 * - scatter max / min: the gradient goes to the contributors (the original element and the
 *   updates landing on it) equal to the result, split evenly among ties (as max/min reductions
 *   and jax.lax.scatter_max). A NaN result passes no gradient.
 * - scatter prod: exact first derivatives also where factors are zero (zeros are counted, the
 *   nonzero factors multiplied apart); higher derivatives through a zero factor are not exact.
 *
 * Batching keeps the data's own axis numbers: the batch axis of the indexed array goes last, so
 * an out-of-range index inside vmap is reported against the axis the user indexed. Where both
 * the data and the indices are batched, an extra index arange(batch) on that last axis pairs
 * each example's indices with its own data. */
#include <string.h>

#include "../ops/indexing_util.h"
#include "rules.h"

/* ---- batching helpers ---- */

static int64_t batch_size(mx_array *node, mx_array *const *in, const int *axes) {
  for (int i = 0; i < node->nin; i++)
    if (axes[i] >= 0) return in[i]->shape[axes[i]];
  return 0;
}

/* x with its batch axis last; an unbatched x (ax < 0) is broadcast along a new last axis. */
static mx_array *batch_last(mx_array *x, int ax, int64_t b) {
  if (ax >= 0) return ax == x->ndim - 1 ? x : mx_moveaxis(x, ax, -1);
  mx_array *e = mx_expand_dims(x, MX_AXES(-1));
  if (e->error) return e;
  mx_shape s = mxi_shape_of(e);
  s.dims[s.ndim - 1] = b;
  return mx_broadcast_to(e, s);
}

/* x with its batch axis first; an unbatched x is broadcast along a new first axis. */
static mx_array *batch_first(mx_array *x, int ax, int64_t b) {
  if (ax >= 0) return mxi_batch_front(x, ax);
  mx_array *e = mx_expand_dims(x, MX_AXES(0));
  if (e->error) return e;
  mx_shape s = mxi_shape_of(e);
  s.dims[0] = b;
  return mx_broadcast_to(e, s);
}

/* arange(b) shaped [b, 1, ..., 1] with ndim dimensions: example e's own row of the data. */
static mx_array *example_index(int64_t b, int ndim) {
  mx_shape s = {.ndim = ndim};
  s.dims[0] = b;
  for (int i = 1; i < ndim; i++) s.dims[i] = 1;
  return mx_reshape(mx_arange(0, (double)b, 1, MX_INT64), s);
}

static mx_array *zeros_or(mx_array *t, mx_array *like) { return t ? t : mx_zeros_like(like); }

/* ---- slice_update ---- */

static void vjp_slice_update(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (need[0]) { /* the cotangent with the overwritten slice zeroed */
    mx_array *args[2] = {cot, mx_zeros_like(node->in[1])};
    g[0] = mxi_reapply(node, 2, args);
  }
  /* the update is the broadcast one (the constructor broadcast it): the engine unbroadcasts */
  if (need[1]) g[1] = mxi_apply(MX_PRIM_SLICE, 1, &cot, node->params);
}

static mx_array *jvp_slice_update(mx_array *node, mx_array *const *t) {
  mx_array *args[2] = {zeros_or(t[0], node->in[0]), zeros_or(t[1], node->in[1])};
  return mxi_reapply(node, 2, args);
}

static mx_array *vmap_slice_update(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  int64_t b = batch_size(node, in, axes);
  mx_array *args[2] = {batch_first(in[0], axes[0], b), batch_first(in[1], axes[1], b)};
  const mx_params *p = node->params;
  mx_params q;
  memset(&q, 0, sizeof q);
  q.slice.step[0] = 1;
  q.slice.len[0] = b;
  for (int i = 0; i < node->ndim; i++) {
    q.slice.start[i + 1] = p->slice.start[i];
    q.slice.step[i + 1] = p->slice.step[i];
    q.slice.len[i + 1] = p->slice.len[i];
  }
  *oa = 0;
  return mxi_apply(MX_PRIM_SLICE_UPDATE, 2, args, &q);
}

/* ---- scatter machinery shared by SCATTER and SCATTER_ALONG_AXIS ---- */

/* The input holding the updates (values): scatter(a, updates, idx...), scatter_along(a, idx, v). */
static int upd_input(mx_array *node) { return node->prim == MX_PRIM_SCATTER ? 1 : 2; }

/* x (shaped like the scattered array) read at the positions node writes: shaped like its
 * updates. The inverse gather of the scatter. */
static mx_array *at_positions(mx_array *node, mx_array *x) {
  if (node->prim == MX_PRIM_SCATTER_ALONG_AXIS) {
    mx_array *args[2] = {x, node->in[1]};
    return mxi_apply(MX_PRIM_TAKE_ALONG_AXIS, 2, args, node->params);
  }
  int n = node->nin - 2, ni = n > 0 ? node->in[2]->ndim : 0;
  mx_params q = *node->params;
  for (int i = 0; i < node->ndim; i++) q.gather.slice_sizes[i] = node->in[1]->shape[ni + i];
  mx_array *args[1 + MX_MAX_DIMS];
  args[0] = x;
  for (int k = 0; k < n; k++) args[1 + k] = node->in[2 + k];
  return mxi_apply(MX_PRIM_GATHER, 1 + n, args, &q);
}

/* node's scatter with another base array, updates and mode (same indices). */
static mx_array *scatter_like(mx_array *node, mx_array *base, mx_array *upd,
                              mx_scatter_mode mode) {
  mx_params q = *node->params;
  mx_array *args[2 + MX_MAX_DIMS];
  memcpy(args, node->in, sizeof(mx_array *) * (size_t)node->nin);
  args[0] = base;
  args[upd_input(node)] = upd;
  if (node->prim == MX_PRIM_SCATTER) q.gather.mode = mode;
  else q.along.mode = mode;
  return mxi_apply((mx_prim)node->prim, node->nin, args, &q);
}

static mx_scatter_mode mode_of(mx_array *node) {
  return node->prim == MX_PRIM_SCATTER ? node->params->gather.mode : node->params->along.mode;
}

/* Assign: which updates survive, as a bool array shaped like the updates. Every update writes
 * its own id into an int64 copy of the positions; an update won where its id is read back. */
static mx_array *winners(mx_array *node) {
  mx_array *u = node->in[upd_input(node)];
  mx_array *ids = mx_reshape(mx_arange(0, (double)u->size, 1, MX_INT64), mxi_shape_of(u));
  mx_array *who = scatter_like(node, mx_full(mxi_shape_of(node), -1, MX_INT64), ids,
                               MX_SCATTER_ASSIGN);
  return mx_equal(at_positions(node, who), ids);
}

/* Max / min: the share of the result each contributor gets, for the array (*wa) and for the
 * updates (*wu): 1 / (number of contributors equal to the result) where it is one of them. */
static void extremal_weights(mx_array *node, mx_array **wa, mx_array **wu) {
  mx_array *a = node->in[0], *u = node->in[upd_input(node)], *out = node;
  mx_dtype dt = (mx_dtype)node->dtype;
  mx_array *hit_a = mxi_cast(mx_equal(a, out), dt);
  mx_array *hit_u = mxi_cast(mx_equal(u, at_positions(node, out)), dt);
  mx_array *count = mx_add(hit_a, scatter_like(node, mx_zeros_like(out), hit_u, MX_SCATTER_ADD));
  count = mx_maximum(count, mx_scalar(1)); /* 0 only under a NaN result: no gradient there */
  *wa = mx_divide(hit_a, count);
  *wu = mx_divide(hit_u, at_positions(node, count));
}

/* The product of the other factors at a factor f (is_zero: f == 0, f1: f with zeros made 1),
 * given the product of the nonzero factors p and the count of zero factors z at its position. */
static mx_array *other_factors(mx_array *f1, mx_array *is_zero, mx_array *p, mx_array *z) {
  mx_array *lone_zero = mx_logical_and(is_zero, mx_equal(z, mx_scalar(1)));
  return mx_where(mx_equal(z, mx_scalar(0)), mx_divide(p, f1),
                  mx_where(lone_zero, p, mx_zeros_like(p)));
}

/* Prod: d(result)/d(array) (*da) and d(result)/d(updates) (*du), exact where factors are 0. */
static void prod_partials(mx_array *node, mx_array **da, mx_array **du) {
  mx_array *a = node->in[0], *u = node->in[upd_input(node)];
  mx_dtype dt = (mx_dtype)node->dtype;
  mx_array *za = mx_equal(a, mx_scalar(0)), *zu = mx_equal(u, mx_scalar(0));
  mx_array *a1 = mx_where(za, mx_scalar(1), a), *u1 = mx_where(zu, mx_scalar(1), u);
  mx_array *p = scatter_like(node, a1, u1, MX_SCATTER_PROD);
  mx_array *z = mx_add(mxi_cast(za, dt),
                       scatter_like(node, mx_zeros_like(a), mxi_cast(zu, dt), MX_SCATTER_ADD));
  *da = other_factors(a1, za, p, z);
  *du = other_factors(u1, zu, at_positions(node, p), at_positions(node, z));
}

static void vjp_scatter(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  int ui = upd_input(node);
  mx_array *u = node->in[ui], *wa = NULL, *wu = NULL;
  switch (mode_of(node)) {
    case MX_SCATTER_ASSIGN:
      if (need[0]) g[0] = scatter_like(node, cot, mx_zeros_like(u), MX_SCATTER_ASSIGN);
      if (need[ui])
        g[ui] = mx_where(winners(node), at_positions(node, cot), mx_zeros_like(u));
      return;
    case MX_SCATTER_ADD:
      if (need[0]) g[0] = cot;
      if (need[ui]) g[ui] = at_positions(node, cot);
      return;
    case MX_SCATTER_MAX:
    case MX_SCATTER_MIN: extremal_weights(node, &wa, &wu); break;
    case MX_SCATTER_PROD: prod_partials(node, &wa, &wu); break;
  }
  if (need[0]) g[0] = mx_multiply(cot, wa);
  if (need[ui]) g[ui] = mx_multiply(at_positions(node, cot), wu);
}

static mx_array *jvp_scatter(mx_array *node, mx_array *const *t) {
  int ui = upd_input(node);
  mx_array *ta = t[0], *tu = t[ui], *wa = NULL, *wu = NULL;
  mx_scatter_mode mode = mode_of(node);
  if (mode == MX_SCATTER_ASSIGN || mode == MX_SCATTER_ADD) /* linear in (array, updates) */
    return scatter_like(node, zeros_or(ta, node), zeros_or(tu, node->in[ui]), mode);
  if (mode == MX_SCATTER_PROD) prod_partials(node, &wa, &wu);
  else extremal_weights(node, &wa, &wu);
  mx_array *r = ta ? mx_multiply(ta, wa) : NULL;
  if (tu) {
    mx_array *s = scatter_like(node, mx_zeros_like(node), mx_multiply(tu, wu), MX_SCATTER_ADD);
    r = r ? mx_add(r, s) : s;
  }
  return r;
}

/* Batched scatter: the array's batch axis last. With unbatched indices every block gains that
 * axis (updates: I + block + [B]); with batched indices (brought to [B] + I) an arange index on
 * it picks each example's row (updates: [B] + I + block + [1]). */
static mx_array *vmap_scatter(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  const mx_params *p = node->params;
  int n = node->nin - 2, d = node->ndim, ni = n > 0 ? node->in[2]->ndim : 0;
  int64_t b = batch_size(node, in, axes);
  bool idx_batched = false;
  mx_array *idx[MX_MAX_DIMS + 1];
  int sax[MX_MAX_DIMS + 1];
  for (int k = 0; k < n; k++) {
    idx_batched |= axes[2 + k] >= 0;
    idx[k] = mxi_batch_front(in[2 + k], axes[2 + k]);
    sax[k] = p->gather.axes[k];
  }
  mx_array *a = batch_last(in[0], axes[0], b), *u;
  if (!idx_batched) {
    u = batch_last(in[1], axes[1], b);
  } else {
    if (b == 0) { /* no example: nothing to write (an arange index would not fit) */
      *oa = d;
      return a;
    }
    u = mx_expand_dims(batch_first(in[1], axes[1], b), MX_AXES(-1));
    idx[n] = example_index(b, ni + 1);
    sax[n++] = d;
  }
  *oa = d;
  return mx_scatter(a, n, idx, sax, u, p->gather.mode);
}

/* ---- gather ---- */

static void vjp_gather(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (!need[0]) return;
  /* every gathered element sends its cotangent back; repeated indices accumulate */
  mx_params q = *node->params;
  q.gather.mode = MX_SCATTER_ADD;
  mx_array *args[2 + MX_MAX_DIMS];
  args[0] = mx_zeros_like(node->in[0]);
  args[1] = cot;
  for (int k = 1; k < node->nin; k++) args[1 + k] = node->in[k];
  g[0] = mxi_apply(MX_PRIM_SCATTER, node->nin + 1, args, &q);
}

static mx_array *jvp_gather(mx_array *node, mx_array *const *t) {
  if (!t[0]) return NULL;
  mx_array *args[1 + MX_MAX_DIMS];
  memcpy(args, node->in, sizeof(mx_array *) * (size_t)node->nin);
  args[0] = t[0];
  return mxi_reapply(node, node->nin, args);
}

/* Batched gather. Data only: its batch axis last and taken whole (slice size B), result
 * I + slice + [B]. Indices only: brought to [B] + I, result [B] + I + slice. Both: an extra
 * index arange(B) on the data's last axis, slice size 1 there, squeezed away. */
static mx_array *vmap_gather(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  const mx_params *p = node->params;
  const char *op = p->gather.op ? p->gather.op : "gather";
  int n = node->nin - 1, d = node->in[0]->ndim, ni = n > 0 ? node->in[1]->ndim : 0;
  int64_t b = batch_size(node, in, axes);
  bool idx_batched = false;
  mx_array *idx[MX_MAX_DIMS + 1];
  int gax[MX_MAX_DIMS + 1];
  int64_t sizes[MX_MAX_DIMS + 1];
  for (int k = 0; k < n; k++) {
    idx_batched |= axes[1 + k] >= 0;
    idx[k] = mxi_batch_front(in[1 + k], axes[1 + k]);
    gax[k] = p->gather.axes[k];
  }
  for (int i = 0; i < d; i++) sizes[i] = p->gather.slice_sizes[i];
  if (axes[0] < 0) {
    *oa = 0;
    return mxi_gather(op, in[0], n, idx, gax, sizes);
  }
  mx_array *a = batch_last(in[0], axes[0], b);
  if (!idx_batched) {
    sizes[d] = b;
    *oa = ni + d;
    return mxi_gather(op, a, n, idx, gax, sizes);
  }
  *oa = 0;
  if (b == 0) { /* no example: an empty result (an arange index would not fit) */
    mx_shape s = {.ndim = 1 + ni + d};
    s.dims[0] = 0;
    for (int i = 0; i < ni; i++) s.dims[1 + i] = node->shape[i];
    for (int i = 0; i < d; i++) s.dims[1 + ni + i] = sizes[i];
    return mx_zeros(s, (mx_dtype)node->dtype);
  }
  idx[n] = example_index(b, ni + 1);
  gax[n] = d;
  sizes[d] = 1;
  return mx_squeeze(mxi_gather(op, a, n + 1, idx, gax, sizes), MX_AXES(-1));
}

/* ---- take_along_axis ---- */

static void vjp_take_along(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (!need[0]) return;
  mx_params q = *node->params;
  q.along.mode = MX_SCATTER_ADD;
  mx_array *args[3] = {mx_zeros_like(node->in[0]), node->in[1], cot};
  g[0] = mxi_apply(MX_PRIM_SCATTER_ALONG_AXIS, 3, args, &q);
}

static mx_array *jvp_take_along(mx_array *node, mx_array *const *t) {
  if (!t[0]) return NULL;
  mx_array *args[2] = {t[0], node->in[1]};
  return mxi_reapply(node, 2, args);
}

/* Along-axis ops batch every operand on a new last axis, so the indexed axis keeps its number;
 * operands must match outside it, so an unbatched one is broadcast along the batch. */
static mx_array *vmap_along(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  int64_t b = batch_size(node, in, axes);
  mx_array *args[3];
  for (int i = 0; i < node->nin; i++) args[i] = batch_last(in[i], axes[i], b);
  *oa = node->ndim;
  return mxi_reapply(node, node->nin, args);
}

void mxi_rules_indexing(mx_prim_info *t) {
  MXI_SET_VJP(t, MX_PRIM_SLICE_UPDATE, vjp_slice_update);
  MXI_SET_JVP(t, MX_PRIM_SLICE_UPDATE, jvp_slice_update);
  MXI_SET_VMAP(t, MX_PRIM_SLICE_UPDATE, vmap_slice_update);
  MXI_SET_VJP(t, MX_PRIM_GATHER, vjp_gather);
  MXI_SET_JVP(t, MX_PRIM_GATHER, jvp_gather);
  MXI_SET_VMAP(t, MX_PRIM_GATHER, vmap_gather);
  MXI_SET_VJP(t, MX_PRIM_SCATTER, vjp_scatter);
  MXI_SET_JVP(t, MX_PRIM_SCATTER, jvp_scatter);
  MXI_SET_VMAP(t, MX_PRIM_SCATTER, vmap_scatter);
  MXI_SET_VJP(t, MX_PRIM_TAKE_ALONG_AXIS, vjp_take_along);
  MXI_SET_JVP(t, MX_PRIM_TAKE_ALONG_AXIS, jvp_take_along);
  MXI_SET_VMAP(t, MX_PRIM_TAKE_ALONG_AXIS, vmap_along);
  MXI_SET_VJP(t, MX_PRIM_SCATTER_ALONG_AXIS, vjp_scatter);
  MXI_SET_JVP(t, MX_PRIM_SCATTER_ALONG_AXIS, jvp_scatter);
  MXI_SET_VMAP(t, MX_PRIM_SCATTER_ALONG_AXIS, vmap_along);
}
