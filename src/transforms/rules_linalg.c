/* rules_linalg.c — vjp, jvp and vmap rules of MATMUL ([..., M, K] @ [..., K, N], batch axes
 * broadcast). The products composed from it (addmm, inner, outer, tensordot, einsum, trace) are
 * differentiated through their parts. */
#include "rules.h"

static mx_array *mT(mx_array *x) { return mx_swapaxes(x, -1, -2); }

static bool same_dims(int n, const int64_t *a, const int64_t *b) {
  for (int i = 0; i < n; i++)
    if (a[i] != b[i]) return false;
  return true;
}

/* x [..., R, C] as one [prod(...) * R, C] matrix. */
static mx_array *rows_of(mx_array *x) {
  int64_t r = 1;
  for (int i = 0; i < x->ndim - 1; i++) r *= x->shape[i];
  return mx_reshape(x, MX_SHAPE(r, x->shape[x->ndim - 1]));
}

/* d/dA = cot @ Bᵀ and d/dB = Aᵀ @ cot, summed over the batch axes each operand was broadcast
 * along (the engine's mxi_grad_like). A 2-D B shared by a stack of A matrices (a linear layer on
 * [..., K] inputs) gets its gradient as one GEMM over the stacked rows instead of a batch of
 * products summed afterwards. */
static void vjp_matmul(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  mx_array *a = node->in[0], *b = node->in[1];
  if (need[0]) g[0] = mxi_grad_like(mx_matmul(cot, mT(b)), a);
  if (!need[1]) return;
  int nb = node->ndim - 2;
  bool a_full = a->ndim == node->ndim && same_dims(nb, a->shape, node->shape);
  if (b->ndim == 2 && nb > 0 && a_full)
    g[1] = mx_matmul(mT(rows_of(a)), rows_of(cot));
  else
    g[1] = mxi_grad_like(mx_matmul(mT(a), cot), b);
}

/* Bilinear: tA @ B + A @ tB. */
static mx_array *jvp_matmul(mx_array *node, mx_array *const *t) {
  mx_array *r = NULL;
  if (t[0]) r = mx_matmul(t[0], node->in[1]);
  if (t[1]) {
    mx_array *s = mx_matmul(node->in[0], t[1]);
    r = r ? mx_add(r, s) : s;
  }
  return r;
}

/* Batch axes to the front; a batched operand is padded with size-1 batch axes up to the
 * output's rank, so the batch lines up with the output's leading axis and an unbatched operand
 * broadcasts over it (a batched 2-D operand becomes a batch of matrices). The kernel folds a
 * batch of A against one shared B into a single GEMM. */
static mx_array *vmap_matmul(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_array *args[2];
  for (int i = 0; i < 2; i++) {
    args[i] = in[i];
    if (axes[i] < 0) continue;
    mx_array *x = mxi_batch_front(in[i], axes[i]);
    int ex_nd = x->ndim - 1, pad = node->ndim - ex_nd;
    if (pad > 0) {
      mx_shape s = {.ndim = node->ndim + 1};
      s.dims[0] = x->shape[0];
      for (int d = 0; d < pad; d++) s.dims[1 + d] = 1;
      for (int d = 0; d < ex_nd; d++) s.dims[1 + pad + d] = x->shape[1 + d];
      x = mx_reshape(x, s);
    }
    args[i] = x;
  }
  *oa = 0;
  return mxi_reapply(node, 2, args);
}

void mxi_rules_linalg(mx_prim_info *t) {
  MXI_SET_VJP(t, MX_PRIM_MATMUL, vjp_matmul);
  MXI_SET_JVP(t, MX_PRIM_MATMUL, jvp_matmul);
  MXI_SET_VMAP(t, MX_PRIM_MATMUL, vmap_matmul);
}
