/* rules_nn.c — vjp, jvp and vmap rules of the fused nn primitives SOFTMAX, LOG_SOFTMAX,
 * LAYER_NORM and RMS_NORM (all over the last axis). */
#include "rules.h"

/* Every rule is written with public ops (and the node's own output), so its result is a graph
 * that differentiates and batches again: grad of grad, vmap of grad. float16/bfloat16 nodes
 * compute their rules in float32, as their kernels do, and round once at the end. */

static mx_dtype compute_dtype(const mx_array *a) {
  mx_dtype dt = (mx_dtype)a->dtype;
  return dt == MX_FLOAT16 || dt == MX_BFLOAT16 ? MX_FLOAT32 : dt;
}

static mx_array *row_sum(mx_array *a) { return mx_sum(a, MX_AXES(-1), true); }
static mx_array *row_mean(mx_array *a) { return mx_mean(a, MX_AXES(-1), true); }

/* ---- softmax and log_softmax ---- */

/* The Jacobian of the node (or its transpose) applied to v, in the node's dtype. With y the
 * node's output and s = softmax(x):
 *   softmax:     J = diag(s) - s s^T (symmetric)   J v = y * (v - sum(v * y))
 *   log_softmax: J = I - 1 s^T                     J v = v - sum(s * v),  J^T c = c - s * sum(c)
 * s of log_softmax is exp(y): the output is there already and exp(y) differentiates again. */
static mx_array *softmax_apply(mx_array *node, mx_array *v, bool transposed) {
  mx_dtype cd = compute_dtype(node);
  mx_array *y = mxi_cast(node, cd);
  v = mxi_cast(v, cd);
  mx_array *r;
  if (node->prim == MX_PRIM_SOFTMAX) {
    r = mx_multiply(y, mx_subtract(v, row_sum(mx_multiply(v, y))));
  } else {
    mx_array *s = mx_exp(y);
    r = transposed ? mx_subtract(v, mx_multiply(s, row_sum(v)))
                   : mx_subtract(v, row_sum(mx_multiply(s, v)));
  }
  return mxi_cast(r, (mx_dtype)node->dtype);
}

static void vjp_softmax(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (need[0]) g[0] = softmax_apply(node, cot, true);
}

static mx_array *jvp_softmax(mx_array *node, mx_array *const *t) {
  return softmax_apply(node, t[0], false);
}

/* The op works along the last axis, so any other batch axis can stay where it is; a batch on
 * the last axis moves to the front. */
static mx_array *vmap_softmax(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_array *x = in[0];
  if (axes[0] == x->ndim - 1) {
    x = mxi_batch_front(x, axes[0]);
    *oa = 0;
  } else {
    *oa = axes[0];
  }
  return mxi_reapply(node, 1, &x);
}

/* ---- layer_norm and rms_norm ---- */

/* The pieces of y = xhat * w + b: xhat = (x - mean) * r for layer_norm, x * r for rms_norm,
 * with r = rsqrt(mean((x - mean)^2) + eps), resp. rsqrt(mean(x^2) + eps); all in cd. */
typedef struct norm_parts {
  mx_dtype cd;
  bool center;              /* layer_norm subtracts the mean */
  mx_array *w, *b;          /* in cd; NULL when the node has none */
  int iw, ib;               /* their input indices (-1: absent) */
  mx_array *r, *xhat;
} norm_parts;

static void norm_inputs(const mx_array *node, norm_parts *p) {
  const mx_params *pr = node->params;
  p->cd = compute_dtype(node);
  p->center = node->prim == MX_PRIM_LAYER_NORM;
  p->iw = pr->norm.has_weight ? 1 : -1;
  p->ib = p->center && pr->norm.has_bias ? 1 + pr->norm.has_weight : -1;
  p->w = p->iw >= 0 ? mxi_cast(node->in[p->iw], p->cd) : NULL;
  p->b = p->ib >= 0 ? mxi_cast(node->in[p->ib], p->cd) : NULL;
}

static void norm_parts_of(mx_array *node, norm_parts *p) {
  norm_inputs(node, p);
  mx_array *x = mxi_cast(node->in[0], p->cd);
  mx_array *xc = p->center ? mx_subtract(x, row_mean(x)) : x;
  mx_array *ms = row_mean(mx_square(xc));
  p->r = mx_rsqrt(mx_add(ms, mx_scalar_typed(node->params->norm.eps, p->cd)));
  p->xhat = mx_multiply(xc, p->r);
}

/* d xhat / d x applied to v. It is symmetric, so the same map serves vjp and jvp:
 *   r * (v - mean(v) - xhat * mean(v * xhat))   (layer_norm; rms_norm drops mean(v)). */
static mx_array *norm_dxhat(const norm_parts *p, mx_array *v) {
  mx_array *d = mx_subtract(v, mx_multiply(p->xhat, row_mean(mx_multiply(v, p->xhat))));
  if (p->center) d = mx_subtract(d, row_mean(v));
  return mx_multiply(p->r, d);
}

static void vjp_norm(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  norm_parts p;
  norm_parts_of(node, &p);
  mx_array *c = mxi_cast(cot, p.cd);
  if (need[0]) {
    mx_array *d = p.w ? mx_multiply(c, p.w) : c;
    g[0] = mxi_cast(norm_dxhat(&p, d), (mx_dtype)node->in[0]->dtype);
  }
  /* a [N] parameter's cotangent is summed over x's rows (mxi_grad_like unbroadcasts), in cd */
  if (p.iw >= 0 && need[p.iw]) g[p.iw] = mxi_grad_like(mx_multiply(c, p.xhat), node->in[p.iw]);
  if (p.ib >= 0 && need[p.ib]) g[p.ib] = mxi_grad_like(c, node->in[p.ib]);
}

static mx_array *jvp_norm(mx_array *node, mx_array *const *t) {
  norm_parts p;
  norm_parts_of(node, &p);
  mx_array *r = NULL;
  if (t[0]) {
    r = norm_dxhat(&p, mxi_cast(t[0], p.cd));
    if (p.w) r = mx_multiply(r, p.w);
  }
  if (p.iw >= 0 && t[p.iw]) {
    mx_array *term = mx_multiply(p.xhat, mxi_cast(t[p.iw], p.cd));
    r = r ? mx_add(r, term) : term;
  }
  if (p.ib >= 0 && t[p.ib]) {
    mx_array *term = mxi_cast(t[p.ib], p.cd);
    r = r ? mx_add(r, term) : term; /* alone it is [N]; the engine broadcasts it to y's shape */
  }
  return r ? mxi_cast(r, (mx_dtype)node->dtype) : NULL;
}

/* A batched parameter, [B, N] after its batch axis moves first, reshaped to rank nd
 * ([B, 1, ..., 1, N]) so that it meets the batched x's rows. */
static mx_array *batched_param(mx_array *a, int ax, int nd, mx_dtype cd) {
  a = mxi_batch_front(a, ax);
  mx_shape s = {.ndim = nd};
  for (int i = 0; i < nd; i++) s.dims[i] = 1;
  s.dims[0] = a->shape[0];
  s.dims[nd - 1] = a->shape[1];
  return mxi_cast(mx_reshape(a, s), cd);
}

/* Only x batched: the parameters ([N]) still fit its last axis, so the primitive runs as is
 * (batch axis kept unless it is the last). A batched weight or bias does not fit the primitive
 * (it takes [N] parameters), so the node is rebuilt as norm(x) * w + b with the batch first.
 * That is the kernel's own arithmetic in the same order ((x - mean) * r rounded, times w, plus
 * b, in float32 for half dtypes); only a multiply-add the compiler fuses in the kernel can make
 * the last bit differ. */
static mx_array *vmap_norm(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  norm_parts p;
  norm_inputs(node, &p);
  bool params_batched = (p.iw >= 0 && axes[p.iw] >= 0) || (p.ib >= 0 && axes[p.ib] >= 0);
  if (!params_batched) {
    mx_array *args[3];
    for (int i = 0; i < node->nin; i++) args[i] = in[i];
    if (axes[0] == in[0]->ndim - 1) {
      args[0] = mxi_batch_front(in[0], axes[0]);
      *oa = 0;
    } else {
      *oa = axes[0];
    }
    return mxi_reapply(node, node->nin, args);
  }
  mx_array *x = mxi_cast(mxi_batch_front(in[0], axes[0]), p.cd);
  int nd = axes[0] >= 0 ? x->ndim : x->ndim + 1; /* the batched result's rank */
  mx_params q = *node->params;
  q.norm.has_weight = q.norm.has_bias = false;
  mx_array *y = mxi_apply((mx_prim)node->prim, 1, &x, &q);
  if (p.iw >= 0)
    y = mx_multiply(y, axes[p.iw] >= 0 ? batched_param(in[p.iw], axes[p.iw], nd, p.cd) : p.w);
  if (p.ib >= 0)
    y = mx_add(y, axes[p.ib] >= 0 ? batched_param(in[p.ib], axes[p.ib], nd, p.cd) : p.b);
  *oa = 0;
  return mxi_cast(y, (mx_dtype)node->dtype);
}

void mxi_rules_nn(mx_prim_info *t) {
  MXI_SET_VJP(t, MX_PRIM_SOFTMAX, vjp_softmax);
  MXI_SET_JVP(t, MX_PRIM_SOFTMAX, jvp_softmax);
  MXI_SET_VMAP(t, MX_PRIM_SOFTMAX, vmap_softmax);
  MXI_SET_VJP(t, MX_PRIM_LOG_SOFTMAX, vjp_softmax);
  MXI_SET_JVP(t, MX_PRIM_LOG_SOFTMAX, jvp_softmax);
  MXI_SET_VMAP(t, MX_PRIM_LOG_SOFTMAX, vmap_softmax);
  MXI_SET_VJP(t, MX_PRIM_LAYER_NORM, vjp_norm);
  MXI_SET_JVP(t, MX_PRIM_LAYER_NORM, jvp_norm);
  MXI_SET_VMAP(t, MX_PRIM_LAYER_NORM, vmap_norm);
  MXI_SET_VJP(t, MX_PRIM_RMS_NORM, vjp_norm);
  MXI_SET_JVP(t, MX_PRIM_RMS_NORM, jvp_norm);
  MXI_SET_VMAP(t, MX_PRIM_RMS_NORM, vmap_norm);
}
