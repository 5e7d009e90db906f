/* vjp.c — reverse mode: trace the function on distinct copies of its inputs, walk the tape
 * backward applying each primitive's vjp rule, accumulate cotangents. The result is a lazy graph
 * like any other, so it can be differentiated or vmapped again. Also grad and value_and_grad. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custom.h"
#include "function.h"
#include "rules.h"
#include "tape.h"

static bool differentiable(const mx_array *a) { return mx_dtype_is_float((mx_dtype)a->dtype); }

static void accumulate(mx_array **slot, mx_array *g) {
  *slot = *slot ? mx_add(*slot, g) : g;
}

/* Checks a rule's result against the input it is for; a mismatch is a bug in the rule. */
static mx_array *checked(mx_array *g, mx_array *node, const mx_array *in) {
  if (!g || g->error) return g;
  g = mxi_grad_like(g, in);
  if (g->error) return g;
  bool ok = g->ndim == in->ndim;
  for (int i = 0; ok && i < in->ndim; i++) ok = g->shape[i] == in->shape[i];
  if (!ok) {
    char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
    return mxi_error("vjp", "internal: the %s rule gave a cotangent of shape %s for an input of shape %s",
                     mxi_prims[node->prim].name, mxi_shape_str(s1, sizeof s1, g->ndim, g->shape),
                     mxi_shape_str(s2, sizeof s2, in->ndim, in->shape));
  }
  return g;
}

void mxi_accumulate_grad(const mxi_tape *t, mx_array **cot, mx_array *node, mx_array *input, mx_array *g) {
  int k = mxi_tape_find(t, input);
  if (k >= 0 && differentiable(input)) accumulate(&cot[k], checked(g, node, input));
}

/* False when out of memory for its scratch (grads not written). */
static bool backward(const mxi_tape *t, int n_out, mx_array *const *outs, mx_array *const *cots,
                     int n_src, mx_array *const *srcs, mx_array **grads) {
  mx_array **cot = calloc((size_t)(t->n ? t->n : 1), sizeof *cot);
  if (!cot) return false;
  for (int j = 0; j < n_out; j++) {
    int k = mxi_tape_find(t, outs[j]);
    if (k >= 0 && cots[j] && differentiable(outs[j])) accumulate(&cot[k], cots[j]);
  }
  /* per-node scratch sized by the widest node: concatenate takes any number of inputs */
  int width = 1;
  for (int k = 0; k < t->n; k++) width = t->nodes[k]->nin > width ? t->nodes[k]->nin : width;
  bool *need = malloc((size_t)width * sizeof *need);
  mx_array **g = malloc((size_t)width * sizeof *g);
  int *idx = malloc((size_t)width * sizeof *idx);
  if (!need || !g || !idx) {
    free(need);
    free(g);
    free(idx);
    free(cot);
    return false;
  }
  mxi_custom_begin(t);
  for (int k = t->n - 1; k >= 0; k--) {
    mx_array *a = t->nodes[k];
    if (a->prim == MX_PRIM_CUSTOM_OUT) {
      mxi_custom_backward(t, a, cot);
      continue;
    }
    if (!cot[k] || !differentiable(a) || a->nin == 0) continue;
    bool is_src = false;
    for (int i = 0; i < n_src && !is_src; i++) is_src = srcs[i] == a;
    if (is_src) continue;
    bool any = false;
    for (int i = 0; i < a->nin; i++) {
      g[i] = NULL;
      idx[i] = mxi_tape_find(t, a->in[i]);
      need[i] = idx[i] >= 0 && differentiable(a->in[i]);
      any |= need[i];
    }
    if (!any) continue;
    mxi_vjp_rule rule = mxi_prims[a->prim].vjp;
    if (!rule) {
      mx_array *e = mxi_error("vjp", "the primitive %s has no gradient rule", mxi_prims[a->prim].name);
      for (int i = 0; i < a->nin; i++)
        if (need[i]) accumulate(&cot[idx[i]], e);
      continue;
    }
    rule(a, cot[k], need, g);
    for (int i = 0; i < a->nin; i++)
      if (need[i] && g[i]) accumulate(&cot[idx[i]], checked(g[i], a, a->in[i]));
  }
  for (int i = 0; i < n_src; i++) {
    int k = mxi_tape_find(t, srcs[i]);
    grads[i] = k >= 0 ? cot[k] : NULL;
  }
  free(need);
  free(g);
  free(idx);
  free(cot);
  return true;
}

/* Traces f on copies of the primals and differentiates it. sources[i] false: input i is passed
 * as is (a constant). Writes n_out outputs and, for differentiated inputs, grads (zeros when
 * the outputs do not depend on them). cots NULL means grad: output 0 must be a real floating
 * scalar, seeded with 1, and the other outputs are auxiliary. */
static mx_status vjp_core(mx_function *f, int n_in, mx_array *const *primals, const bool *sources,
                          int n_out, mx_array *const *cots, mx_array **outputs, mx_array **grads,
                          const char *op) {
  mx_array **ins = malloc((size_t)(n_in ? n_in : 1) * sizeof *ins);
  mx_array **srcs = malloc((size_t)(n_in ? n_in : 1) * sizeof *srcs);
  if (!ins || !srcs) {
    free(ins);
    free(srcs);
    mx_array *e = mxi_oom(op, "tracing the function");
    mxi_fill_errors(n_out, outputs, e);
    mxi_fill_errors(n_in, grads, e);
    return MX_ERROR;
  }
  mxi_trace_enter();
  int n_src = 0;
  for (int i = 0; i < n_in; i++) {
    ins[i] = sources[i] ? mxi_trace_input(primals[i]) : primals[i];
    if (sources[i]) srcs[n_src++] = ins[i];
  }
  mx_status st = mx_call(f, n_in, ins, n_out, outputs);
  if (st == MX_OK && !cots && (outputs[0]->size != 1 || !differentiable(outputs[0]))) {
    char s[MXI_SHAPE_STR_LEN];
    mxi_fill_errors(n_in, grads,
                    mxi_error(op, "the function's first output must be a real floating scalar to "
                              "differentiate, got shape %s %s",
                              mxi_shape_str(s, sizeof s, outputs[0]->ndim, outputs[0]->shape),
                              mx_dtype_name((mx_dtype)outputs[0]->dtype)));
    st = MX_ERROR;
  }
  if (st == MX_OK) {
    mx_array **c = calloc((size_t)n_out, sizeof *c);
    if (!c) {
      mxi_fill_errors(n_in, grads, mxi_oom(op, "seeding the cotangents"));
      st = MX_ERROR;
    }
    if (c && !cots) c[0] = mx_ones_like(outputs[0]);
    for (int j = 0; c && cots && j < n_out; j++) {
      c[j] = cots[j];
      if (!c[j]) continue;
      if (c[j]->error) {
        st = MX_ERROR;
        mxi_fill_errors(n_in, grads, mxi_error_from(c[j]));
        break;
      }
      bool same = c[j]->ndim == outputs[j]->ndim;
      for (int d = 0; same && d < c[j]->ndim; d++) same = c[j]->shape[d] == outputs[j]->shape[d];
      if (!same) {
        char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
        mxi_fill_errors(n_in, grads,
                        mxi_error(op, "cotangent %d has shape %s but output %d has shape %s", j,
                                  mxi_shape_str(s1, sizeof s1, c[j]->ndim, c[j]->shape), j,
                                  mxi_shape_str(s2, sizeof s2, outputs[j]->ndim, outputs[j]->shape)));
        st = MX_ERROR;
        break;
      }
      c[j] = mxi_cast(c[j], (mx_dtype)outputs[j]->dtype);
    }
    mxi_tape t;
    mx_array **g = st == MX_OK ? malloc((size_t)(n_src ? n_src : 1) * sizeof *g) : NULL;
    if (g && !mxi_tape_build(&t, n_out, outputs, n_src, srcs)) {
      free(g);
      g = NULL;
    } else if (g && !backward(&t, n_out, outputs, c, n_src, srcs, g)) {
      mxi_tape_free(&t);
      free(g);
      g = NULL;
    } else if (g) {
      mxi_tape_free(&t);
    }
    if (st == MX_OK && !g) {
      mxi_fill_errors(n_in, grads, mxi_oom(op, "walking the graph backward"));
      st = MX_ERROR;
    }
    if (g) {
      for (int i = 0, k = 0; i < n_in; i++) {
        if (!sources[i]) continue;
        mx_array *gi = g[k++];
        if (!gi) gi = mx_zeros_like(primals[i]);
        grads[i] = gi;
        if (gi->error) st = MX_ERROR;
      }
      free(g);
    }
    free(c);
  } else {
    mx_array *err = NULL;
    for (int j = 0; j < n_out && !err; j++)
      if (outputs[j]->error) err = outputs[j];
    if (err) mxi_fill_errors(n_in, grads, err);
  }
  free(ins);
  free(srcs);
  mxi_trace_exit();
  return st;
}

mx_status mx_vjp(mx_function *f, int n_in, mx_array *const *primals, mx_array *const *cotangents,
                 int n_out, mx_array **outputs, mx_array **vjps) {
  if (!f || n_in != f->n_in || n_out != f->n_out) {
    mx_array *e = mxi_error("vjp", "function arity mismatch (%d inputs, %d outputs given)", n_in, n_out);
    mxi_fill_errors(n_out, outputs, e);
    mxi_fill_errors(n_in, vjps, e);
    return MX_ERROR;
  }
  mx_array *bad = mxi_check_inputs("vjp", n_in, primals);
  if (!bad) bad = mxi_check_inputs("vjp", n_out, cotangents);
  if (bad) {
    mxi_fill_errors(n_out, outputs, bad);
    mxi_fill_errors(n_in, vjps, bad);
    return MX_ERROR;
  }
  bool *src = malloc((size_t)(n_in ? n_in : 1));
  if (!src) {
    mx_array *e = mxi_oom("vjp", "starting");
    mxi_fill_errors(n_out, outputs, e);
    mxi_fill_errors(n_in, vjps, e);
    return MX_ERROR;
  }
  for (int i = 0; i < n_in; i++) src[i] = true;
  mx_status st = vjp_core(f, n_in, primals, src, n_out, cotangents, outputs, vjps, "vjp");
  for (int i = 0; i < n_in && st == MX_OK; i++) /* integers have no gradient: zeros */
    if (!differentiable(primals[i]) && !vjps[i]->error) vjps[i] = mx_zeros_like(primals[i]);
  free(src);
  return st;
}

/* ---- grad, value_and_grad ---- */
typedef struct grad_ctx {
  mx_function *f;
  int n_arg;
  int *argnums;
  bool with_value;
} grad_ctx;

static void free_grad_ctx(void *p) {
  grad_ctx *g = p;
  mx_function_free(g->f);
  free(g->argnums);
  free(g);
}

static void grad_call(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  grad_ctx *gc = p;
  const char *op = gc->with_value ? "value_and_grad" : "grad";
  mx_function *f = gc->f;
  bool *src = calloc((size_t)(n_in ? n_in : 1), 1);
  mx_array **vals = malloc((size_t)f->n_out * sizeof *vals);
  mx_array **all = calloc((size_t)(n_in ? n_in : 1), sizeof *all);
  mx_array *err = !src || !vals || !all ? mxi_oom(op, "starting") : NULL;
  for (int k = 0; k < gc->n_arg && !err; k++) {
    int a = gc->argnums[k];
    if (a < 0 || a >= n_in)
      err = mxi_error(op, "argnum %d is out of range for a function of %d inputs", a, n_in);
    else if (src[a])
      err = mxi_error(op, "argnum %d is repeated", a);
    else if (!differentiable(in[a]))
      err = mxi_error(op, "cannot differentiate with respect to input %d of dtype %s (a real "
                      "floating dtype is required)", a, mx_dtype_name((mx_dtype)in[a]->dtype));
    else
      src[a] = true;
  }
  if (!err && vjp_core(f, n_in, in, src, f->n_out, NULL, vals, all, op) != MX_OK) {
    for (int j = 0; j < f->n_out && !err; j++)
      if (vals[j]->error) err = vals[j];
    for (int i = 0; i < n_in && !err; i++)
      if (src[i] && all[i] && all[i]->error) err = all[i];
  }
  if (err) {
    mxi_fill_errors(n_out, out, err);
  } else {
    int k = 0;
    if (gc->with_value)
      for (int j = 0; j < f->n_out; j++) out[k++] = vals[j];
    for (int a = 0; a < gc->n_arg; a++) out[k++] = all[gc->argnums[a]];
  }
  free(src);
  free(vals);
  free(all);
}

static mx_function *make_grad(mx_function *f, int n_argnums, const int *argnums, bool with_value) {
  if (!f) {
    mxi_record_error("mx_grad_fn: function is NULL");
    return NULL;
  }
  grad_ctx *g = calloc(1, sizeof *g);
  if (!g) {
    mxi_record_oom("grad_fn", "making the gradient function");
    return NULL;
  }
  g->f = mxi_function_retain(f);
  g->n_arg = n_argnums > 0 ? n_argnums : 1;
  g->argnums = malloc((size_t)g->n_arg * sizeof(int));
  if (!g->argnums) {
    free_grad_ctx(g);
    mxi_record_oom("grad_fn", "making the gradient function");
    return NULL;
  }
  for (int k = 0; k < g->n_arg; k++) g->argnums[k] = (n_argnums > 0 && argnums) ? argnums[k] : 0;
  g->with_value = with_value;
  return mxi_function_owned(grad_call, g, free_grad_ctx, f->n_in,
                            (with_value ? f->n_out : 0) + g->n_arg);
}

mx_function *mx_grad_fn(mx_function *f, int n_argnums, const int *argnums) {
  return make_grad(f, n_argnums, argnums, false);
}
mx_function *mx_value_and_grad_fn(mx_function *f, int n_argnums, const int *argnums) {
  return make_grad(f, n_argnums, argnums, true);
}

/* ---- vjp as a function: (primals..., cotangents...) -> vjps... ---- */
static void vjp_fn_call(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  mx_function *f = p;
  (void)n_in;
  (void)n_out;
  mx_array **outputs = malloc((size_t)f->n_out * sizeof *outputs);
  if (!outputs) {
    mxi_fill_errors(f->n_in, out, mxi_oom("vjp", "calling the vjp function"));
    return;
  }
  mx_vjp(f, f->n_in, in, in + f->n_in, f->n_out, outputs, out);
  free(outputs);
}

static void release_fn(void *p) { mx_function_free(p); }

mx_function *mx_vjp_fn(mx_function *f) {
  if (!f) return NULL;
  return mxi_function_owned(vjp_fn_call, mxi_function_retain(f), release_fn, f->n_in + f->n_out, f->n_in);
}
