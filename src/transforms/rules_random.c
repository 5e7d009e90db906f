/* rules_random.c — rules of RANDOM_BITS and RANDOM_PERMUTATION: batching over keys, and the
 * gradient of permute(key, a) with respect to a (a fixed reordering of a's rows). */
#include "rules.h"

/* Batching definition (docs/random.md): vmap over a batch of keys gives a batch of independent
 * draws, the draw for key b being exactly the unbatched op with key b. Keys are mixed into
 * threefry nonlinearly, so no single fused draw yields another key's numbers; the rule runs the
 * primitive once per key (mxi_vmap_loop) and stacks, which keeps every draw one fused kernel
 * and is bit-exact by construction. An unbatched key inside vmap draws once and its numbers are
 * shared by every example (the engine never sees such a draw as batched), as in JAX. */

/* The permutation permute(key, a) applies to a's rows: permutation(key, n), n rows. */
static mx_array *permutation_of(mx_array *key, int64_t n) {
  mx_params p = mxi_shape_params(1, &n);
  return mxi_apply(MX_PRIM_RANDOM_PERMUTATION, 1, &key, &p);
}

/* permute(key, a)[i] = a[perm[i]], so a's cotangent is the cotangent's rows put back:
 * g[perm[i]] = c[i], i.e. g = c[argsort(perm)]. The key (uint32) has none. */
static void vjp_permutation(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (node->nin < 2 || !need[1]) return;
  mx_array *inverse = mx_argsort(permutation_of(node->in[0], node->in[1]->shape[0]), 0);
  g[1] = mx_take(cot, inverse, 0);
}

/* Linear in a with the key fixed: the same permutation of a's tangent. */
static mx_array *jvp_permutation(mx_array *node, mx_array *const *t) {
  if (node->nin < 2 || !t[1]) return NULL;
  mx_array *args[2] = {node->in[0], t[1]};
  return mxi_reapply(node, 2, args);
}

/* One key, a batch of arrays: every example's rows get the same permutation, a take along the
 * examples' first axis, which leaves the batch axis where it is. A batch of keys: per key. */
static mx_array *vmap_permutation(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  if (axes[0] >= 0 || node->nin < 2) return mxi_vmap_loop(node, in, axes, oa);
  int rows = axes[1] == 0 ? 1 : 0; /* the example's axis 0 in the batched array */
  *oa = axes[1];
  return mx_take(in[1], permutation_of(in[0], node->in[1]->shape[0]), rows);
}

void mxi_rules_random(mx_prim_info *t) {
  MXI_SET_VMAP(t, MX_PRIM_RANDOM_BITS, mxi_vmap_loop);
  MXI_SET_VJP(t, MX_PRIM_RANDOM_PERMUTATION, vjp_permutation);
  MXI_SET_JVP(t, MX_PRIM_RANDOM_PERMUTATION, jvp_permutation);
  MXI_SET_VMAP(t, MX_PRIM_RANDOM_PERMUTATION, vmap_permutation);
}
