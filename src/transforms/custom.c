/* custom.c — stop_gradient, custom_vjp and checkpoint, and the primitives behind them:
 * IDENTITY (a traced input), STOP_GRADIENT, CUSTOM_OUT (an output of a custom_vjp call). */
#include "custom.h"

#include <stdlib.h>
#include <string.h>

#include "function.h"
#include "rules.h"

typedef struct mxi_custom_group {
  int refcount;             /* member nodes alive */
  int n_in, n_out;
  mx_function *owner;       /* the custom function (keeps the callback's context alive) */
  mx_vjp_callback vjp;
  void *ctx;
  mx_array **members;       /* weak: output nodes, NULL once freed */
  mx_shape *shapes;         /* of each output */
  mx_dtype *dtypes;
  int on_tape, seen;        /* backward-pass scratch */
} mxi_custom_group;

static void group_release(mxi_custom_group *g) {
  if (--g->refcount > 0) return;
  mx_function_free(g->owner);
  free(g->members);
  free(g->shapes);
  free(g->dtypes);
  free(g);
}

static void release_custom_params(mx_params *p) {
  mxi_custom_group *g = p->custom.group;
  g->members[p->custom.index] = NULL;
  group_release(g);
}

void mxi_custom_begin(const mxi_tape *t) {
  for (int k = 0; k < t->n; k++)
    if (t->nodes[k]->prim == MX_PRIM_CUSTOM_OUT) t->nodes[k]->params->custom.group->on_tape = 0;
  for (int k = 0; k < t->n; k++)
    if (t->nodes[k]->prim == MX_PRIM_CUSTOM_OUT) {
      mxi_custom_group *g = t->nodes[k]->params->custom.group;
      g->on_tape++;
      g->seen = 0;
    }
}

void mxi_custom_backward(const mxi_tape *t, mx_array *node, mx_array **cot) {
  mxi_custom_group *g = node->params->custom.group;
  /* In reverse order the group's last member seen is its first in topological order: every
   * consumer of every member has been processed, so all cotangents are complete. */
  if (++g->seen < g->on_tape) return;
  bool any = false;
  mx_array **cots = malloc((size_t)g->n_out * sizeof *cots);
  mx_array **outs = malloc((size_t)g->n_out * sizeof *outs);
  mx_array **vjps = calloc((size_t)(g->n_in ? g->n_in : 1), sizeof *vjps);
  if (!cots || !outs || !vjps) abort();
  for (int j = 0; j < g->n_out; j++) {
    mx_array *m = g->members[j];
    int k = m ? mxi_tape_find(t, m) : -1;
    cots[j] = k >= 0 ? cot[k] : NULL;
    any |= cots[j] != NULL;
    if (!cots[j]) cots[j] = mx_zeros(g->shapes[j], g->dtypes[j]);
    outs[j] = m ? m->in[0] : cots[j]; /* a freed output's value is not needed by anyone */
  }
  if (any) {
    mx_array **primals = node->in + 1;
    g->vjp(g->ctx, g->n_in, primals, g->n_out, outs, cots, vjps);
    for (int i = 0; i < g->n_in; i++)
      if (vjps[i]) mxi_accumulate_grad(t, cot, node, primals[i], vjps[i]);
  }
  free(cots);
  free(outs);
  free(vjps);
}

/* ---- custom_vjp ---- */
typedef struct custom_ctx {
  mx_function *f;
  mx_vjp_callback vjp;
  void *ctx;
  mx_function *self; /* set after creation: groups retain the custom function */
} custom_ctx;

static void free_custom_ctx(void *p) {
  custom_ctx *c = p;
  mx_function_free(c->f);
  free(c);
}

static void custom_call(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  custom_ctx *c = p;
  mx_array **vals = malloc((size_t)n_out * sizeof *vals);
  if (!vals) abort();
  if (mx_call(c->f, n_in, in, n_out, vals) != MX_OK) {
    for (int j = 0; j < n_out; j++) out[j] = vals[j];
    free(vals);
    return;
  }
  mxi_custom_group *g = calloc(1, sizeof *g);
  if (!g) abort();
  g->n_in = n_in;
  g->n_out = n_out;
  g->owner = mxi_function_retain(c->self);
  g->vjp = c->vjp;
  g->ctx = c->ctx;
  g->members = calloc((size_t)n_out, sizeof *g->members);
  g->shapes = malloc((size_t)n_out * sizeof *g->shapes);
  g->dtypes = malloc((size_t)n_out * sizeof *g->dtypes);
  mx_array **args = malloc((size_t)(n_in + 1) * sizeof *args);
  if (!g->members || !g->shapes || !g->dtypes || !args) abort();
  g->refcount = 1; /* held while building */
  for (int i = 0; i < n_in; i++) args[i + 1] = in[i];
  for (int j = 0; j < n_out; j++) {
    g->shapes[j] = mxi_shape_of(vals[j]);
    g->dtypes[j] = (mx_dtype)vals[j]->dtype;
    args[0] = vals[j];
    mx_params prm;
    memset(&prm, 0, sizeof prm);
    prm.custom.group = g;
    prm.custom.index = j;
    g->refcount++;
    out[j] = mxi_apply(MX_PRIM_CUSTOM_OUT, n_in + 1, args, &prm);
    if (out[j]->error)
      g->refcount--;
    else
      g->members[j] = out[j];
  }
  group_release(g);
  free(args);
  free(vals);
}

mx_function *mx_custom_vjp_fn(mx_function *f, mx_vjp_callback vjp, void *ctx) {
  if (!f || !vjp) {
    mxi_record_error("mx_custom_vjp_fn: function and vjp callback must be set");
    return NULL;
  }
  custom_ctx *c = calloc(1, sizeof *c);
  if (!c) abort();
  c->f = mxi_function_retain(f);
  c->vjp = vjp;
  c->ctx = ctx;
  mx_function *self = mxi_function_owned(custom_call, c, free_custom_ctx, f->n_in, f->n_out);
  c->self = self; /* weak: groups retain it while they live */
  return self;
}

/* ---- checkpoint: a custom vjp that recomputes the forward pass ---- */
static void checkpoint_vjp(void *ctx, int n_in, mx_array **primals, int n_out, mx_array **outputs,
                           mx_array **cotangents, mx_array **vjps) {
  (void)outputs;
  mx_function *f = ctx;
  mx_array **outs = malloc((size_t)n_out * sizeof *outs);
  if (!outs) abort();
  /* The recomputed forward outputs are not needed: in an inner scope they die here, so they do
   * not hold the recomputed intermediates alive past their last use in the backward pass. */
  mx_scope s = mx_scope_begin();
  mx_vjp(f, n_in, primals, n_out, cotangents, outs, vjps);
  for (int i = 0; i < n_in; i++) mx_keep(vjps[i]);
  mx_scope_end(s);
  free(outs);
}

typedef struct ckpt_ctx {
  mx_function *f;
  mx_function *custom;
} ckpt_ctx;

static void free_ckpt(void *p) {
  ckpt_ctx *c = p;
  mx_function_free(c->custom);
  mx_function_free(c->f);
  free(c);
}

static void ckpt_call(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  ckpt_ctx *c = p;
  mx_call(c->custom, n_in, in, n_out, out);
}

mx_function *mx_checkpoint_fn(mx_function *f) {
  if (!f) return NULL;
  ckpt_ctx *c = calloc(1, sizeof *c);
  if (!c) abort();
  c->f = mxi_function_retain(f);
  c->custom = mx_custom_vjp_fn(f, checkpoint_vjp, f);
  return mxi_function_owned(ckpt_call, c, free_ckpt, f->n_in, f->n_out);
}

mx_array *mx_stop_gradient(mx_array *x) {
  MXI_CHECK("stop_gradient", x);
  return mxi_apply(MX_PRIM_STOP_GRADIENT, 1, &x, NULL);
}

/* ---- the primitives ---- */
static bool infer_first(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                        int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim; (void)n; (void)p; (void)err; (void)errlen;
  *ndim = in[0]->ndim;
  memcpy(shape, in[0]->shape, sizeof(int64_t) * (size_t)in[0]->ndim);
  *dtype = (mx_dtype)in[0]->dtype;
  return true;
}

static bool same_view(mx_array *out, const mx_array *in, const mx_params *p) {
  (void)p;
  memcpy(out->strides, in->strides, sizeof(int64_t) * (size_t)in->ndim);
  out->offset = in->offset;
  return true;
}

static void vjp_identity(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  (void)node;
  if (need[0]) g[0] = cot;
}
static void vjp_none(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  (void)node; (void)cot; (void)need; (void)g;
}
static mx_array *jvp_identity(mx_array *node, mx_array *const *t) {
  (void)node;
  return t[0];
}
static mx_array *jvp_none(mx_array *node, mx_array *const *t) {
  (void)node; (void)t;
  return NULL;
}
static mx_array *vmap_identity(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  *oa = axes[0];
  return node->prim == MX_PRIM_STOP_GRADIENT ? mx_stop_gradient(in[0]) : in[0];
}

void mxi_rules_custom(mx_prim_info *t) {
  for (int p = MX_PRIM_IDENTITY; p <= MX_PRIM_CUSTOM_OUT; p++) {
    t[p].infer = infer_first;
    t[p].view = same_view;
  }
  t[MX_PRIM_CUSTOM_OUT].release_params = release_custom_params;
  MXI_SET_VJP(t, MX_PRIM_IDENTITY, vjp_identity);
  MXI_SET_JVP(t, MX_PRIM_IDENTITY, jvp_identity);
  MXI_SET_VMAP(t, MX_PRIM_IDENTITY, vmap_identity);
  MXI_SET_VJP(t, MX_PRIM_STOP_GRADIENT, vjp_none);
  MXI_SET_JVP(t, MX_PRIM_STOP_GRADIENT, jvp_none);
  MXI_SET_VMAP(t, MX_PRIM_STOP_GRADIENT, vmap_identity);
}
