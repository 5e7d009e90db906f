/* jvp.c — forward mode: trace the function on distinct copies of its inputs, then push tangents
 * through the tape in topological order with each primitive's jvp rule. */
#include <stdlib.h>

#include "function.h"
#include "rules.h"
#include "tape.h"

static bool differentiable(const mx_array *a) { return mx_dtype_is_float((mx_dtype)a->dtype); }

static bool same_shape(const mx_array *a, const mx_array *b) {
  if (a->ndim != b->ndim) return false;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i]) return false;
  return true;
}

/* Tangents of outs from tangents of srcs (NULL entries are zero). False when out of memory for
 * its scratch (out_tan not written). */
static bool forward(const mxi_tape *t, int n_src, mx_array *const *srcs, mx_array *const *src_tan,
                    int n_out, mx_array *const *outs, mx_array **out_tan) {
  mx_array **tan = calloc((size_t)(t->n ? t->n : 1), sizeof *tan);
  if (!tan) return false;
  for (int i = 0; i < n_src; i++) {
    int k = mxi_tape_find(t, srcs[i]);
    if (k >= 0) tan[k] = src_tan[i];
  }
  int width = 1; /* per-node scratch sized by the widest node: concatenate takes any number */
  for (int k = 0; k < t->n; k++) width = t->nodes[k]->nin > width ? t->nodes[k]->nin : width;
  mx_array **tin = malloc((size_t)width * sizeof *tin);
  if (!tin) {
    free(tan);
    return false;
  }
  for (int k = 0; k < t->n; k++) {
    mx_array *a = t->nodes[k];
    if (tan[k] || a->nin == 0 || !differentiable(a)) continue;
    bool is_src = false;
    for (int i = 0; i < n_src && !is_src; i++) is_src = srcs[i] == a;
    if (is_src) continue;
    bool any = false;
    for (int i = 0; i < a->nin; i++) {
      int j = mxi_tape_find(t, a->in[i]);
      tin[i] = (j >= 0 && differentiable(a->in[i])) ? tan[j] : NULL;
      any |= tin[i] != NULL;
    }
    if (!any) continue;
    if (a->prim == MX_PRIM_CUSTOM_OUT) { /* forward mode goes through the function itself */
      tan[k] = tin[0];
      continue;
    }
    mxi_jvp_rule rule = mxi_prims[a->prim].jvp;
    mx_array *r = rule ? rule(a, tin)
                       : mxi_error("jvp", "the primitive %s has no forward-mode rule", mxi_prims[a->prim].name);
    if (r && !r->error) {
      r = mxi_cast(r, (mx_dtype)a->dtype);
      if (!same_shape(r, a)) r = mx_broadcast_to(r, mxi_shape_of(a));
    }
    tan[k] = r;
  }
  for (int j = 0; j < n_out; j++) {
    int k = mxi_tape_find(t, outs[j]);
    out_tan[j] = k >= 0 ? tan[k] : NULL;
  }
  free(tin);
  free(tan);
  return true;
}

mx_status mx_jvp(mx_function *f, int n_in, mx_array *const *primals, mx_array *const *tangents,
                 int n_out, mx_array **outputs, mx_array **jvps) {
  if (!f || n_in != f->n_in || n_out != f->n_out) {
    mx_array *e = mxi_error("jvp", "function arity mismatch (%d inputs, %d outputs given)", n_in, n_out);
    mxi_fill_errors(n_out, outputs, e);
    mxi_fill_errors(n_out, jvps, e);
    return MX_ERROR;
  }
  mx_array *bad = mxi_check_inputs("jvp", n_in, primals);
  if (!bad) bad = mxi_check_inputs("jvp", n_in, tangents);
  for (int i = 0; !bad && i < n_in; i++)
    if (!same_shape(primals[i], tangents[i])) {
      char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
      bad = mxi_error("jvp", "tangent %d has shape %s but primal %d has shape %s", i,
                      mxi_shape_str(s1, sizeof s1, tangents[i]->ndim, tangents[i]->shape), i,
                      mxi_shape_str(s2, sizeof s2, primals[i]->ndim, primals[i]->shape));
    }
  if (bad) {
    mxi_fill_errors(n_out, outputs, bad);
    mxi_fill_errors(n_out, jvps, bad);
    return MX_ERROR;
  }
  mx_array **ins = malloc((size_t)(n_in ? n_in : 1) * sizeof *ins);
  mx_array **tan = malloc((size_t)(n_in ? n_in : 1) * sizeof *tan);
  if (!ins || !tan) {
    free(ins);
    free(tan);
    mx_array *e = mxi_oom("jvp", "tracing the function");
    mxi_fill_errors(n_out, outputs, e);
    mxi_fill_errors(n_out, jvps, e);
    return MX_ERROR;
  }
  mxi_trace_enter();
  for (int i = 0; i < n_in; i++) {
    ins[i] = mxi_trace_input(primals[i]);
    tan[i] = differentiable(primals[i]) ? mxi_cast(tangents[i], (mx_dtype)primals[i]->dtype) : NULL;
  }
  mx_status st = mx_call(f, n_in, ins, n_out, outputs);
  if (st == MX_OK) {
    mxi_tape t;
    bool ok = mxi_tape_build(&t, n_out, outputs, n_in, ins);
    if (ok) {
      ok = forward(&t, n_in, ins, tan, n_out, outputs, jvps);
      mxi_tape_free(&t);
    }
    if (!ok) mxi_fill_errors(n_out, jvps, mxi_oom("jvp", "pushing tangents forward"));
    for (int j = 0; j < n_out; j++) {
      if (!jvps[j]) jvps[j] = mx_zeros_like(outputs[j]);
      if (jvps[j]->error) st = MX_ERROR;
    }
  } else {
    mx_array *err = NULL;
    for (int j = 0; j < n_out && !err; j++)
      if (outputs[j]->error) err = outputs[j];
    mxi_fill_errors(n_out, jvps, err);
  }
  free(ins);
  free(tan);
  mxi_trace_exit();
  return st;
}

static void jvp_fn_call(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  mx_function *f = p;
  (void)n_in;
  (void)n_out;
  mx_array **outputs = malloc((size_t)f->n_out * sizeof *outputs);
  if (!outputs) {
    mxi_fill_errors(f->n_out, out, mxi_oom("jvp", "calling the jvp function"));
    return;
  }
  mx_jvp(f, f->n_in, in, in + f->n_in, f->n_out, outputs, out);
  free(outputs);
}

static void release_fn(void *p) { mx_function_free(p); }

mx_function *mx_jvp_fn(mx_function *f) {
  if (!f) return NULL;
  return mxi_function_owned(jvp_fn_call, mxi_function_retain(f), release_fn, 2 * f->n_in, f->n_out);
}
