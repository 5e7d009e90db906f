/* function.c — mx_function: a callback with its context and arity, calls with checks, and the
 * bookkeeping of trace depth that keeps traced graphs intact during evaluation. */
#include "function.h"

#include <stdlib.h>

#include "../core/registry.h"

_Thread_local uint16_t mxi_trace_depth;

mx_function *mxi_function_owned(mx_fn fn, void *ctx, void (*free_ctx)(void *), int n_in, int n_out) {
  mx_function *f = calloc(1, sizeof *f);
  if (!f) { /* the context goes too: the caller hands it over */
    if (free_ctx) free_ctx(ctx);
    mxi_record_oom("function", "making a function object");
    return NULL;
  }
  f->refcount = 1;
  f->fn = fn;
  f->ctx = ctx;
  f->free_ctx = free_ctx;
  f->n_in = n_in;
  f->n_out = n_out;
  return f;
}

mx_function *mx_function_new(mx_fn fn, void *ctx, int n_in, int n_out) {
  if (!fn || n_in < 0 || n_out < 1) {
    mxi_record_error("mx_function_new: fn must be set, n_in >= 0 and n_out >= 1");
    return NULL;
  }
  return mxi_function_owned(fn, ctx, NULL, n_in, n_out);
}

mx_function *mxi_function_retain(mx_function *f) {
  if (f) f->refcount++;
  return f;
}

void mx_function_free(mx_function *f) {
  if (!f || --f->refcount > 0) return;
  if (f->free_ctx) f->free_ctx(f->ctx);
  free(f);
}

int mx_function_n_in(const mx_function *f) { return f ? f->n_in : 0; }
int mx_function_n_out(const mx_function *f) { return f ? f->n_out : 0; }

void mxi_fill_errors(int n, mx_array **out, mx_array *err) {
  for (int i = 0; i < n; i++) out[i] = err;
}

mx_status mx_call(mx_function *f, int n_in, mx_array *const *in, int n_out, mx_array **out) {
  if (!f) {
    mxi_fill_errors(n_out, out, mxi_error("call", "function is NULL"));
    return MX_ERROR;
  }
  if (n_in != f->n_in || n_out != f->n_out) {
    mxi_fill_errors(n_out, out,
                    mxi_error("call", "called with %d inputs and %d outputs; the function has %d and %d",
                              n_in, n_out, f->n_in, f->n_out));
    return MX_ERROR;
  }
  mx_array *bad = mxi_check_inputs("call", n_in, in);
  if (bad) {
    mxi_fill_errors(n_out, out, bad);
    return MX_ERROR;
  }
  for (int j = 0; j < n_out; j++) out[j] = NULL;
  f->fn(f->ctx, n_in, (mx_array **)in, n_out, out);
  mx_status st = MX_OK;
  for (int j = 0; j < n_out; j++) {
    if (!out[j]) out[j] = mxi_error("call", "the function did not set output %d", j);
    if (out[j]->error) st = MX_ERROR;
  }
  return st;
}

void mx_function_apply(void *f, int n_in, mx_array **in, int n_out, mx_array **out) {
  mx_call(f, n_in, in, n_out, out);
}

void mxi_trace_enter(void) { mxi_trace_depth++; }
void mxi_trace_exit(void) { mxi_trace_depth--; }

mx_array *mxi_trace_input(mx_array *x) {
  mx_array *c = mxi_apply(MX_PRIM_IDENTITY, 1, &x, NULL);
  if (!c->error && (!c->trace_level || c->trace_level > mxi_trace_depth))
    c->trace_level = mxi_trace_depth;
  return c;
}
