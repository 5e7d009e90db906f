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
  if (!cots || !outs || !vjps) { /* every primal's gradient becomes the error */
    mx_array *e = mxi_oom("vjp", "running a custom vjp");
    for (int i = 0; i < g->n_in; i++) mxi_accumulate_grad(t, cot, node, node->in[1 + i], e);
    free(cots);
    free(outs);
    free(vjps);
    return;
  }
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
  if (!vals) {
    mxi_fill_errors(n_out, out, mxi_oom("custom_vjp", "calling the function"));
    return;
  }
  if (mx_call(c->f, n_in, in, n_out, vals) != MX_OK) {
    for (int j = 0; j < n_out; j++) out[j] = vals[j];
    free(vals);
    return;
  }
  mxi_custom_group *g = calloc(1, sizeof *g);
  if (!g) {
    mxi_fill_errors(n_out, out, mxi_oom("custom_vjp", "recording the call"));
    free(vals);
    return;
  }
  g->n_in = n_in;
  g->n_out = n_out;
  g->owner = mxi_function_retain(c->self);
  g->vjp = c->vjp;
  g->ctx = c->ctx;
  g->members = calloc((size_t)n_out, sizeof *g->members);
  g->shapes = malloc((size_t)n_out * sizeof *g->shapes);
  g->dtypes = malloc((size_t)n_out * sizeof *g->dtypes);
  mx_array **args = malloc((size_t)(n_in + 1) * sizeof *args);
  g->refcount = 1; /* held while building */
  if (!g->members || !g->shapes || !g->dtypes || !args) {
    mxi_fill_errors(n_out, out, mxi_oom("custom_vjp", "recording the call"));
    group_release(g);
    free(args);
    free(vals);
    return;
  }
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
  if (!c) {
    mxi_record_oom("custom_vjp_fn", "making the function");
    return NULL;
  }
  c->f = mxi_function_retain(f);
  c->vjp = vjp;
  c->ctx = ctx;
  mx_function *self = mxi_function_owned(custom_call, c, free_custom_ctx, f->n_in, f->n_out);
  if (!self) return NULL; /* c is freed with it */
  c->self = self; /* weak: groups retain it while they live */
  return self;
}

/* ---- custom_vjp under vmap ----
 * vmap replays a custom_vjp call's forward primitives with their batching rules; its outputs then
 * become members of a new group whose backward is the user's vjp, vmapped (as JAX batches a
 * custom_vjp): a gradient taken outside the vmap keeps the custom rule. Batched outputs carry the
 * batch on axis 0; a primal's vjp goes back to the primal's batch axis, or is summed over the batch
 * where the primal was not batched. */
typedef struct batched_vjp_ctx {
  mx_vjp_callback vjp; /* the user's, on one example */
  void *ctx;
  mx_function *owner;  /* the original group's owner: keeps ctx alive */
  mx_function *self;   /* weak: the user's vjp as a function, vmapped at each backward */
  int n_in, n_out;
  int *primal_axes;    /* batch axis of each primal, -1 when not batched */
} batched_vjp_ctx;

static void free_batched_vjp_ctx(void *p) {
  batched_vjp_ctx *b = p;
  mx_function_free(b->owner);
  free(b->primal_axes);
  free(b);
}

/* The user's vjp as a function of (primals, outputs, cotangents) -> one vjp per primal. */
static void vjp_as_function(void *p, int n, mx_array **in, int n_res, mx_array **res) {
  (void)n;
  batched_vjp_ctx *b = p;
  mx_array **vjps = calloc((size_t)n_res, sizeof *vjps);
  if (!vjps) {
    mxi_fill_errors(n_res, res, mxi_oom("vjp", "running a vmapped custom vjp"));
    return;
  }
  b->vjp(b->ctx, b->n_in, in, b->n_out, in + b->n_in, in + b->n_in + b->n_out, vjps);
  for (int i = 0; i < n_res; i++) res[i] = vjps[i] ? vjps[i] : mx_zeros_like(in[i]);
  free(vjps);
}

static void batched_vjp(void *p, int n_in, mx_array **primals, int n_out, mx_array **outputs,
                        mx_array **cotangents, mx_array **vjps) {
  batched_vjp_ctx *b = p;
  int n = n_in + 2 * n_out;
  int *in_axes = malloc((size_t)n * sizeof *in_axes), *out_axes = calloc((size_t)n_in, sizeof *out_axes);
  mx_array **args = malloc((size_t)n * sizeof *args);
  if (!in_axes || !out_axes || !args) {
    mxi_fill_errors(n_in, vjps, mxi_oom("vjp", "running a vmapped custom vjp"));
    free(in_axes);
    free(out_axes);
    free(args);
    return;
  }
  for (int i = 0; i < n; i++) in_axes[i] = i < n_in && b->primal_axes[i] < 0 ? MX_UNBATCHED : 0;
  for (int i = 0; i < n_in; i++) {
    args[i] = primals[i];
    if (b->primal_axes[i] > 0) in_axes[i] = b->primal_axes[i];
  }
  for (int j = 0; j < n_out; j++) {
    args[n_in + j] = outputs[j];
    args[n_in + n_out + j] = cotangents[j];
  }
  mx_function *v = mx_vmap_fn(b->self, in_axes, out_axes);
  mx_call(v, n, args, n_in, vjps);
  mx_function_free(v);
  for (int i = 0; i < n_in; i++) {
    int ax = b->primal_axes[i];
    if (ax < 0) vjps[i] = mx_sum(vjps[i], MX_AXES(0), false);
    else if (ax > 0) vjps[i] = mx_moveaxis(vjps[i], 0, ax);
  }
  free(in_axes);
  free(out_axes);
  free(args);
}

/* NULL when out of memory. */
static mxi_custom_group *batched_group(mxi_custom_group *g, const int *nax, int64_t batch) {
  batched_vjp_ctx *b = calloc(1, sizeof *b);
  mxi_custom_group *h = calloc(1, sizeof *h);
  if (!b || !h) {
    free(b);
    free(h);
    return NULL;
  }
  b->vjp = g->vjp;
  b->ctx = g->ctx;
  b->owner = mxi_function_retain(g->owner);
  b->n_in = g->n_in;
  b->n_out = g->n_out;
  b->primal_axes = malloc((size_t)(g->n_in ? g->n_in : 1) * sizeof *b->primal_axes);
  if (!b->primal_axes) {
    free_batched_vjp_ctx(b);
    free(h);
    return NULL;
  }
  for (int i = 0; i < g->n_in; i++) b->primal_axes[i] = nax[i + 1];
  b->self = mxi_function_owned(vjp_as_function, b, free_batched_vjp_ctx, g->n_in + 2 * g->n_out, g->n_in);
  if (!b->self) { /* b is freed with it */
    free(h);
    return NULL;
  }
  h->refcount = 1; /* the memo's */
  h->n_in = g->n_in;
  h->n_out = g->n_out;
  h->owner = b->self;
  h->vjp = batched_vjp;
  h->ctx = b;
  h->members = calloc((size_t)g->n_out, sizeof *h->members);
  h->shapes = malloc((size_t)g->n_out * sizeof *h->shapes);
  h->dtypes = malloc((size_t)g->n_out * sizeof *h->dtypes);
  if (!h->members || !h->shapes || !h->dtypes) {
    group_release(h); /* and b with its owner function */
    return NULL;
  }
  for (int j = 0; j < g->n_out; j++) {
    mx_shape s = g->shapes[j];
    memmove(s.dims + 1, s.dims, sizeof(int64_t) * (size_t)s.ndim);
    s.dims[0] = batch;
    s.ndim++;
    h->shapes[j] = s;
    h->dtypes[j] = g->dtypes[j];
  }
  return h;
}

mx_array *mxi_custom_vmap(mxi_custom_memo *m, mx_array *node, mx_array **nin, const int *nax,
                          int64_t batch, int *out_axis) {
  mxi_custom_group *g = node->params->custom.group, *h = NULL;
  *out_axis = 0;
  for (int i = 0; i < m->n && !h; i++)
    if (m->from[i] == g) h = m->to[i];
  if (!h) {
    if (m->n == m->cap) {
      int cap = m->cap ? 2 * m->cap : 4;
      mxi_custom_group **from = realloc(m->from, (size_t)cap * sizeof *from);
      if (from) m->from = from;
      mxi_custom_group **to = from ? realloc(m->to, (size_t)cap * sizeof *to) : NULL;
      if (to) m->to = to;
      if (!from || !to) return mxi_oom("vmap", "batching a custom_vjp call");
      m->cap = cap;
    }
    h = batched_group(g, nax, batch);
    if (!h) return mxi_oom("vmap", "batching a custom_vjp call");
    m->from[m->n] = g;
    m->to[m->n++] = h;
  }
  mx_array *v = nin[0];
  if (nax[0] < 0) { /* the value ignored the batch: repeat it */
    mx_shape s = h->shapes[node->params->custom.index];
    v = mx_broadcast_to(mx_expand_dims(v, MX_AXES(0)), s);
  } else if (nax[0] > 0) {
    v = mx_moveaxis(v, nax[0], 0);
  }
  mx_array **args = malloc((size_t)node->nin * sizeof *args);
  if (!args) return mxi_oom("vmap", "batching a custom_vjp call");
  args[0] = v;
  for (int i = 1; i < node->nin; i++) args[i] = nin[i];
  mx_params prm;
  memset(&prm, 0, sizeof prm);
  prm.custom.group = h;
  prm.custom.index = node->params->custom.index;
  h->refcount++;
  mx_array *out = v->error ? v : mxi_apply(MX_PRIM_CUSTOM_OUT, node->nin, args, &prm);
  if (out->error) h->refcount--;
  else h->members[prm.custom.index] = out;
  free(args);
  *out_axis = 0;
  return out;
}

void mxi_custom_memo_free(mxi_custom_memo *m) {
  for (int i = 0; i < m->n; i++) group_release(m->to[i]);
  free(m->from);
  free(m->to);
}

/* ---- checkpoint: a custom vjp that recomputes the forward pass ---- */
static void checkpoint_vjp(void *ctx, int n_in, mx_array **primals, int n_out, mx_array **outputs,
                           mx_array **cotangents, mx_array **vjps) {
  (void)outputs;
  mx_function *f = ctx;
  mx_array **outs = malloc((size_t)n_out * sizeof *outs);
  if (!outs) {
    mxi_fill_errors(n_in, vjps, mxi_oom("checkpoint", "recomputing the forward pass"));
    return;
  }
  /* The recomputed forward outputs are not needed: in an inner scope they die here, so they do
   * not hold the recomputed intermediates alive past their last use in the backward pass. */
  mx_scope s = mx_scope_begin();
  mx_vjp(f, n_in, primals, cotangents, n_out, outs, vjps);
  for (int i = 0; i < n_in; i++) vjps[i] = mx_keep(vjps[i]);
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
  if (!c) {
    mxi_record_oom("checkpoint_fn", "making the function");
    return NULL;
  }
  c->f = mxi_function_retain(f);
  c->custom = mx_custom_vjp_fn(f, checkpoint_vjp, f);
  if (!c->custom) {
    free_ckpt(c);
    return NULL;
  }
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
