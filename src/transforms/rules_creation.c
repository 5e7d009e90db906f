/* rules_creation.c — rules of FULL, the one creation primitive with an array input (its fill
 * value, broadcast to the shape). arange, eye and tri have no inputs, so no rules. */
#include "rules.h"

static void vjp_full(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (need[0]) g[0] = mxi_unbroadcast(cot, node->in[0]->ndim, node->in[0]->shape);
}
static mx_array *jvp_full(mx_array *node, mx_array *const *t) {
  return mx_contiguous(mx_broadcast_to(t[0], mxi_shape_of(node)));
}
static mx_array *vmap_full(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_array *v = mxi_batch_front(in[0], axes[0]);
  int ex_nd = v->ndim - 1, pad = node->ndim - ex_nd;
  mx_shape s = {.ndim = node->ndim + 1};
  s.dims[0] = v->shape[0];
  for (int i = 0; i < pad; i++) s.dims[1 + i] = 1;
  for (int i = 0; i < ex_nd; i++) s.dims[1 + pad + i] = v->shape[1 + i];
  v = mx_reshape(v, s);
  for (int i = 0; i < node->ndim; i++) s.dims[1 + i] = node->shape[i];
  *oa = 0;
  return mx_full_array(s, v);
}

void mxi_rules_creation(mx_prim_info *t) {
  MXI_SET_VJP(t, MX_PRIM_FULL, vjp_full);
  MXI_SET_JVP(t, MX_PRIM_FULL, jvp_full);
  MXI_SET_VMAP(t, MX_PRIM_FULL, vmap_full);
}
