/* vmap.c — vectorizing map: trace the function once on placeholders shaped like one example,
 * then replay its tape with each primitive's batching rule on the real batched inputs. Outputs
 * that do not depend on a batched input are broadcast along the batch. */
#include <stdlib.h>

#include "custom.h"
#include "function.h"
#include "rules.h"
#include "tape.h"

typedef struct vmap_ctx {
  mx_function *f;
  int *in_axes;  /* per input; MX_UNBATCHED for none */
  int *out_axes; /* per output */
} vmap_ctx;

static void free_vmap_ctx(void *p) {
  vmap_ctx *v = p;
  mx_function_free(v->f);
  free(v->in_axes);
  free(v->out_axes);
  free(v);
}

/* A leaf with one example's shape and no data: the vmapped function sees it in place of a batch. */
static mx_array *placeholder(const mx_array *x, int axis) {
  mx_array *p = mxi_array_alloc(0);
  if (!p) return mxi_oom("vmap", "making a placeholder input");
  p->dtype = x->dtype;
  int64_t shape[MX_MAX_DIMS];
  int k = 0;
  for (int i = 0; i < x->ndim; i++)
    if (i != axis) shape[k++] = x->shape[i];
  mxi_set_shape(p, k, shape);
  p->flags |= MX_FLAG_PLACEHOLDER;
  p->stream = x->stream;
  p->trace_level = mxi_trace_depth;
  return mxi_own(p);
}

static void vmap_call(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  vmap_ctx *v = p;
  int64_t batch = -1;
  int *axes = malloc((size_t)(n_in ? n_in : 1) * sizeof *axes);
  mx_array **ins = malloc((size_t)(n_in ? n_in : 1) * sizeof *ins);
  mx_array **srcs = malloc((size_t)(n_in ? n_in : 1) * sizeof *srcs);
  mx_array **traced = malloc((size_t)n_out * sizeof *traced);
  mx_array *err = !axes || !ins || !srcs || !traced ? mxi_oom("vmap", "starting") : NULL;
  int n_src = 0;
  for (int i = 0; i < n_in && !err; i++) {
    axes[i] = -1;
    if (v->in_axes[i] == MX_UNBATCHED) continue;
    if (!mxi_norm_axis(v->in_axes[i], in[i]->ndim, &axes[i])) {
      err = mxi_error("vmap", "in_axes[%d] = %d is out of range for an input with %d dimensions", i,
                      v->in_axes[i], in[i]->ndim);
      break;
    }
    int64_t b = in[i]->shape[axes[i]];
    if (batch >= 0 && b != batch)
      err = mxi_error("vmap", "inputs have different batch sizes (%lld and %lld)", (long long)batch,
                      (long long)b);
    batch = b;
  }
  if (!err && batch < 0) err = mxi_error("vmap", "no input is batched (every in_axes is MX_UNBATCHED)");
  if (err) {
    mxi_fill_errors(n_out, out, err);
    free(axes);
    free(ins);
    free(srcs);
    free(traced);
    return;
  }
  mxi_trace_enter();
  for (int i = 0; i < n_in; i++) {
    ins[i] = axes[i] >= 0 ? placeholder(in[i], axes[i]) : in[i];
    if (axes[i] >= 0) srcs[n_src++] = ins[i];
  }
  mxi_tape t;
  mx_array **val = NULL, **nin = NULL;
  int *vax = NULL, *nax = NULL;
  if (mx_call(v->f, n_in, ins, n_out, traced) != MX_OK) {
    for (int j = 0; j < n_out && !err; j++)
      if (traced[j]->error) err = traced[j];
    mxi_fill_errors(n_out, out, err);
  } else if (!mxi_tape_build(&t, n_out, traced, n_src, srcs)) {
    mxi_fill_errors(n_out, out, mxi_oom("vmap", "recording the traced function"));
  } else if (!(val = calloc((size_t)(t.n ? t.n : 1), sizeof *val)) ||
             !(vax = malloc((size_t)(t.n ? t.n : 1) * sizeof *vax))) {
    mxi_fill_errors(n_out, out, mxi_oom("vmap", "replaying the traced function"));
    free(val);
    mxi_tape_free(&t);
  } else {
    for (int i = 0, s = 0; i < n_in; i++)
      if (axes[i] >= 0) {
        int k = mxi_tape_find(&t, srcs[s++]);
        val[k] = in[i];
        vax[k] = axes[i];
      }
    int width = 1; /* per-node scratch sized by the widest node: concatenate takes any number */
    for (int k = 0; k < t.n; k++) width = t.nodes[k]->nin > width ? t.nodes[k]->nin : width;
    nin = malloc((size_t)width * sizeof *nin);
    nax = malloc((size_t)width * sizeof *nax);
    bool replay = nin && nax;
    if (!replay) mxi_fill_errors(n_out, out, mxi_oom("vmap", "replaying the traced function"));
    mxi_custom_memo memo = {0};
    for (int k = 0; k < t.n && replay; k++) {
      mx_array *a = t.nodes[k];
      if (val[k]) continue; /* a source */
      for (int i = 0; i < a->nin; i++) {
        int j = mxi_tape_find(&t, a->in[i]);
        nin[i] = j >= 0 ? val[j] : a->in[i];
        nax[i] = j >= 0 ? vax[j] : -1;
      }
      if (a->prim == MX_PRIM_CUSTOM_OUT) { /* keeps the custom backward, vmapped */
        val[k] = mxi_custom_vmap(&memo, a, nin, nax, batch, &vax[k]);
        continue;
      }
      bool batched = false;
      for (int i = 0; i < a->nin; i++) batched |= nax[i] >= 0;
      int oa = -1;
      if (!batched) { /* only through a custom_vjp value that ignored its inputs */
        val[k] = mxi_reapply(a, a->nin, nin);
      } else {
        mxi_vmap_rule rule = mxi_prims[a->prim].vmap;
        val[k] = rule ? rule(a, nin, nax, &oa) : mxi_vmap_loop(a, nin, nax, &oa);
      }
      vax[k] = oa;
    }
    free(nin);
    free(nax);
    mxi_custom_memo_free(&memo);
    for (int j = 0; j < n_out && replay; j++) {
      int k = mxi_tape_find(&t, traced[j]);
      mx_array *r;
      int ra;
      if (k >= 0 && vax[k] >= 0) {
        r = val[k];
        ra = vax[k];
      } else { /* does not depend on the batch: repeat it */
        r = mx_expand_dims(k >= 0 ? val[k] : traced[j], MX_AXES(0));
        mx_shape s = mxi_shape_of(r);
        s.dims[0] = batch;
        r = mx_broadcast_to(r, s);
        ra = 0;
      }
      int oa = v->out_axes[j];
      if (!r->error && oa != MX_UNBATCHED) {
        int dst;
        if (!mxi_norm_axis(oa, r->ndim, &dst))
          r = mxi_error("vmap", "out_axes[%d] = %d is out of range for an output with %d dimensions", j, oa, r->ndim);
        else if (dst != ra)
          r = mx_moveaxis(r, ra, dst);
      }
      out[j] = r;
    }
    free(val);
    free(vax);
    mxi_tape_free(&t);
  }
  free(traced);
  free(axes);
  free(ins);
  free(srcs);
  mxi_trace_exit();
}

mx_function *mx_vmap_fn(mx_function *f, const int *in_axes, const int *out_axes) {
  if (!f) return NULL;
  vmap_ctx *v = calloc(1, sizeof *v);
  if (!v) {
    mxi_record_oom("vmap_fn", "making the vmapped function");
    return NULL;
  }
  v->f = mxi_function_retain(f);
  v->in_axes = malloc((size_t)(f->n_in ? f->n_in : 1) * sizeof(int));
  v->out_axes = malloc((size_t)f->n_out * sizeof(int));
  if (!v->in_axes || !v->out_axes) {
    free_vmap_ctx(v);
    mxi_record_oom("vmap_fn", "making the vmapped function");
    return NULL;
  }
  for (int i = 0; i < f->n_in; i++) v->in_axes[i] = in_axes ? in_axes[i] : 0;
  for (int j = 0; j < f->n_out; j++) v->out_axes[j] = out_axes ? out_axes[j] : 0;
  return mxi_function_owned(vmap_call, v, free_vmap_ctx, f->n_in, f->n_out);
}
