/* rules_sort.c — vjp, jvp and vmap rules of SORT, PARTITION, ARGSORT and ARGPARTITION. A sort
 * is a permutation of its input: derivatives go through the permutation argsort / argpartition
 * name. Both are deterministic (stable sort, partitions break ties by position), so with ties
 * each equal element keeps the cotangent of the place it was sorted to. */
#include "rules.h"

/* The positions node's values came from, along its axis. */
static mx_array *order_of(mx_array *node) {
  mx_prim arg = node->prim == MX_PRIM_SORT ? MX_PRIM_ARGSORT : MX_PRIM_ARGPARTITION;
  return mxi_apply(arg, 1, node->in, node->params);
}

static void vjp_sort(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (!need[0]) return;
  /* add (not assign): the positions are a permutation, and add differentiates more cheaply */
  g[0] = mx_scatter_along_axis(mx_zeros_like(node->in[0]), order_of(node), cot,
                               node->params->sort.axis, MX_SCATTER_ADD);
}

static mx_array *jvp_sort(mx_array *node, mx_array *const *t) {
  if (!t[0]) return NULL;
  return mx_take_along_axis(t[0], order_of(node), node->params->sort.axis);
}

/* The batch axis stays where it is; the sorted axis shifts past it. ARGSORT / ARGPARTITION have
 * integer outputs (no derivative) but batch the same way. */
static mx_array *vmap_sort(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_params q = *node->params;
  if (axes[0] <= q.sort.axis) q.sort.axis++;
  *oa = axes[0];
  return mxi_apply((mx_prim)node->prim, 1, in, &q);
}

void mxi_rules_sort(mx_prim_info *t) {
  for (int p = MX_PRIM_SORT; p <= MX_PRIM_ARGPARTITION; p++) MXI_SET_VMAP(t, p, vmap_sort);
  MXI_SET_VJP(t, MX_PRIM_SORT, vjp_sort);
  MXI_SET_JVP(t, MX_PRIM_SORT, jvp_sort);
  MXI_SET_VJP(t, MX_PRIM_PARTITION, vjp_sort);
  MXI_SET_JVP(t, MX_PRIM_PARTITION, jvp_sort);
}
