/* rule_util.c — helpers shared by the transformation rules. */
#include <stdlib.h>

#include "rules.h"

mx_array *mxi_unbroadcast(mx_array *x, int ndim, const int64_t *shape) {
  if (x->error) return x;
  bool same = x->ndim == ndim;
  for (int i = 0; same && i < ndim; i++) same = x->shape[i] == shape[i];
  if (same) return x;
  int lead = x->ndim - ndim;
  mx_axes ax = {.n = 0};
  for (int i = 0; i < lead; i++) ax.ax[ax.n++] = i;
  for (int i = 0; i < ndim; i++)
    if (shape[i] == 1 && x->shape[lead + i] != 1) ax.ax[ax.n++] = lead + i;
  mx_array *s = ax.n ? mx_sum(x, ax, true) : x;
  mx_shape target = {.ndim = ndim};
  for (int i = 0; i < ndim; i++) target.dims[i] = shape[i];
  return mx_reshape(s, target);
}

mx_array *mxi_grad_like(mx_array *g, const mx_array *a) {
  if (!g || g->error) return g;
  g = mxi_unbroadcast(g, a->ndim, a->shape);
  return mxi_cast(g, (mx_dtype)a->dtype);
}

mx_array *mxi_reapply(const mx_array *node, int n, mx_array *const *inputs) {
  return mxi_apply((mx_prim)node->prim, n, inputs, node->params);
}

mx_array *mxi_batch_front(mx_array *x, int ax) {
  if (ax <= 0) return x;
  return mx_moveaxis(x, ax, 0);
}

mx_array *mxi_vmap_loop(mx_array *node, mx_array *const *inputs, const int *axes, int *out_axis) {
  int64_t batch = 0;
  for (int i = 0; i < node->nin; i++)
    if (axes[i] >= 0) batch = inputs[i]->shape[axes[i]];
  *out_axis = 0;
  if (batch == 0) { /* no example to run: an empty batch of the traced output's shape */
    mx_shape s = {.ndim = node->ndim + 1};
    s.dims[0] = 0;
    for (int i = 0; i < node->ndim; i++) s.dims[i + 1] = node->shape[i];
    return mx_zeros(s, (mx_dtype)node->dtype);
  }
  mx_array **results = malloc((size_t)batch * sizeof *results);
  mx_array **ex = malloc((size_t)(node->nin ? node->nin : 1) * sizeof *ex);
  if (!results || !ex) {
    free(results);
    free(ex);
    return mxi_oom("vmap", "batching by a loop over the examples");
  }
  for (int64_t b = 0; b < batch; b++) {
    for (int i = 0; i < node->nin; i++)
      ex[i] = axes[i] >= 0 ? mx_squeeze(mx_slice_axis(inputs[i], axes[i], b, b + 1, 1), MX_AXES(axes[i]))
                           : inputs[i];
    results[b] = mxi_reapply(node, node->nin, ex);
  }
  mx_array *r = mx_stack((int)batch, results, 0);
  free(results);
  free(ex);
  return r;
}
