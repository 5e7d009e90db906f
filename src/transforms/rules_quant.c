/* rules_quant.c — vjp, jvp and vmap rules of the quantization primitives. QUANTIZED_MATMUL is
 * linear in x and jointly linear in (scales, biases); the packed codes are constants (integers).
 * With y = x @ Wᵀ, W[n, k] = s[n, g(k)] q[n, k] + b[n, g(k)]:
 *   dx = cot @ W (the other transpose form of the same packed weights),
 *   ds[n, g] = sum over k in g of q[n, k] (cotᵀ x)[n, k],  db[n, g] = sum over k in g of (cotᵀ x)[n, k];
 * the untransposed form (W [K, N] grouped along N) swaps the roles with A = xᵀ cot. */
#include "rules.h"

static mx_array *qmm_with(const mx_array *node, mx_array *x, mx_array *s, mx_array *b, bool transpose) {
  mx_params p = *node->params;
  p.quant.transpose = transpose;
  return mxi_apply(MX_PRIM_QUANTIZED_MATMUL, 4, (mx_array *[]){x, node->in[1], s, b}, &p);
}

/* a [..., C] as [rows, C]. */
static mx_array *as_rows(mx_array *a) {
  int64_t c = a->shape[a->ndim - 1];
  return mx_reshape(a, MX_SHAPE(c ? a->size / c : 0, c));
}

static void vjp_qmm(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  const mx_params *p = node->params;
  mx_array *x = node->in[0], *wq = node->in[1], *s = node->in[2];
  if (need[0]) g[0] = qmm_with(node, cot, node->in[2], node->in[3], !p->quant.transpose);
  if (!need[2] && !need[3]) return;
  /* A matches the packed matrix's logical shape [rows, cols]: cotᵀ x or xᵀ cot */
  mx_array *xr = as_rows(x), *cr = as_rows(cot);
  mx_array *a = p->quant.transpose ? mx_matmul(mx_transpose(cr, MX_ALL_AXES), xr)
                                   : mx_matmul(mx_transpose(xr, MX_ALL_AXES), cr);
  int64_t rows = s->shape[0], groups = s->shape[1], gs = p->quant.group_size;
  mx_array *ag = mx_reshape(a, MX_SHAPE(rows, groups, gs));
  if (need[3]) g[3] = mx_sum(ag, MX_AXES(-1), false);
  if (need[2]) {
    mx_array *codes = mx_astype(mxi_apply(MX_PRIM_QUANT_UNPACK, 1, &wq, p), MX_FLOAT32);
    g[2] = mx_sum(mx_multiply(ag, mx_reshape(codes, MX_SHAPE(rows, groups, gs))), MX_AXES(-1), false);
  }
}

static mx_array *jvp_qmm(mx_array *node, mx_array *const *t) {
  bool tr = node->params->quant.transpose;
  mx_array *r = t[0] ? qmm_with(node, t[0], node->in[2], node->in[3], tr) : NULL;
  if (t[2] || t[3]) {
    mx_array *ts = t[2] ? t[2] : mx_zeros_like(node->in[2]);
    mx_array *tb = t[3] ? t[3] : mx_zeros_like(node->in[3]);
    mx_array *u = qmm_with(node, node->in[0], ts, tb, tr);
    r = r ? mx_add(r, u) : u;
  }
  return r;
}

/* A batched x has its batch axis moved to the front (the kernel takes any leading axes); batched
 * weights run example by example. */
static mx_array *vmap_qmm(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  if (axes[1] >= 0 || axes[2] >= 0 || axes[3] >= 0) return mxi_vmap_loop(node, in, axes, oa);
  *oa = 0;
  mx_array *args[4] = {mxi_batch_front(in[0], axes[0]), in[1], in[2], in[3]};
  return mxi_reapply(node, 4, args);
}

/* Packing works row by row along the last axis: any leading batch axis is fine. */
static mx_array *vmap_pack(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  *oa = 0;
  mx_array *a = mxi_batch_front(in[0], axes[0]);
  return mxi_reapply(node, 1, &a);
}

void mxi_rules_quant(mx_prim_info *t) {
  MXI_SET_VJP(t, MX_PRIM_QUANTIZED_MATMUL, vjp_qmm);
  MXI_SET_JVP(t, MX_PRIM_QUANTIZED_MATMUL, jvp_qmm);
  MXI_SET_VMAP(t, MX_PRIM_QUANTIZED_MATMUL, vmap_qmm);
  MXI_SET_VMAP(t, MX_PRIM_QUANT_PACK, vmap_pack);
  MXI_SET_VMAP(t, MX_PRIM_QUANT_UNPACK, vmap_pack);
}
