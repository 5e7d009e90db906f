/* rules_reduce.c — rules of the reductions. max/min send the gradient to the maxima, split
 * evenly among ties (JAX); prod's gradient uses exclusive cumulative products, so zeros in the
 * input are handled exactly. */
#include "rules.h"

/* The reduced axes of a reduction node as an mx_axes. */
static mx_axes red_axes(const mx_array *node) {
  mx_axes ax = {.n = node->params->reduce.naxes};
  for (int i = 0; i < ax.n; i++) ax.ax[i] = node->params->reduce.axes[i];
  return ax;
}

/* x (shaped like the reduction's output) broadcast back to the input's shape. */
static mx_array *expand_back(const mx_array *node, mx_array *x) {
  const mx_array *in = node->in[0];
  if (!node->params->reduce.keepdims) {
    mx_shape s = mxi_shape_of(in);
    for (int i = 0; i < node->params->reduce.naxes; i++) s.dims[node->params->reduce.axes[i]] = 1;
    x = mx_reshape(x, s);
  }
  return mx_broadcast_to(x, mxi_shape_of(in));
}

/* d(node)/d(input), shaped like the input. */
static mx_array *reduce_deriv(mx_array *node) {
  mx_array *x = node->in[0];
  switch ((mx_prim)node->prim) {
    case MX_PRIM_MAX:
    case MX_PRIM_MIN: {
      mx_array *hit = mxi_cast(mx_equal(x, expand_back(node, node)), (mx_dtype)x->dtype);
      mx_array *count = mx_sum(hit, red_axes(node), true);
      return mx_divide(hit, mx_broadcast_to(count, mxi_shape_of(x)));
    }
    case MX_PRIM_PROD: {
      /* product of all other elements = (exclusive cumprod from the left) * (from the right),
       * over the reduced axes flattened last */
      mx_axes ax = red_axes(node);
      int nd = x->ndim, perm[MX_MAX_DIMS], inv[MX_MAX_DIMS], k = 0;
      bool red[MX_MAX_DIMS] = {false};
      for (int i = 0; i < ax.n; i++) red[ax.ax[i]] = true;
      for (int i = 0; i < nd; i++)
        if (!red[i]) perm[k++] = i;
      int kept = k;
      for (int i = 0; i < nd; i++)
        if (red[i]) perm[k++] = i;
      mx_axes p = {.n = nd};
      for (int i = 0; i < nd; i++) {
        p.ax[i] = perm[i];
        inv[perm[i]] = i;
      }
      mx_array *xt = mx_transpose(x, p);
      mx_shape flat = {.ndim = kept + 1};
      int64_t n = 1;
      for (int i = 0; i < kept; i++) flat.dims[i] = xt->shape[i];
      for (int i = kept; i < nd; i++) n *= xt->shape[i];
      flat.dims[kept] = n;
      mx_array *xf = mx_reshape(xt, flat);
      mx_array *others = mx_multiply(mx_cumprod(xf, -1, false, false), mx_cumprod(xf, -1, true, false));
      mx_array *back = mx_reshape(others, mxi_shape_of(xt));
      mx_axes q = {.n = nd};
      for (int i = 0; i < nd; i++) q.ax[i] = inv[i];
      return mx_transpose(back, q);
    }
    default: return NULL;
  }
}

static void vjp_reduce(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (!need[0]) return;
  mx_array *c = expand_back(node, cot);
  if (node->prim == MX_PRIM_SUM) {
    g[0] = c;
    return;
  }
  mx_array *d = reduce_deriv(node);
  g[0] = d ? mx_multiply(c, d) : NULL;
}

static mx_array *jvp_reduce(mx_array *node, mx_array *const *t) {
  if (node->prim == MX_PRIM_SUM) return mxi_reapply(node, 1, t);
  mx_array *d = reduce_deriv(node);
  if (!d) return NULL;
  return mx_sum(mx_multiply(t[0], d), red_axes(node), node->params->reduce.keepdims);
}

/* Batch axis to the front; reduced axes shift by one. */
static mx_array *vmap_reduce(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_array *x = mxi_batch_front(in[0], axes[0]);
  mx_params p = *node->params;
  for (int i = 0; i < p.reduce.naxes; i++) p.reduce.axes[i]++;
  *oa = 0;
  return mxi_apply((mx_prim)node->prim, 1, &x, &p);
}

void mxi_rules_reduce(mx_prim_info *t) {
  for (int p = MX_PRIM_SUM; p <= MX_PRIM_ARGMIN; p++) {
    MXI_SET_VJP(t, p, vjp_reduce);
    MXI_SET_JVP(t, p, jvp_reduce);
    MXI_SET_VMAP(t, p, vmap_reduce);
  }
}
