/* registry.c — the primitive table and mxi_apply, the one place graph nodes are made. The
 * families fill the table in at start-up (src/init.c); core only holds it. */
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

/* Names and arities from primitives.def; each family fills in the rest of its entries. */
mx_prim_info mxi_prims[MX_NUM_PRIMS] = {
    [MX_PRIM_NONE] = {.name = "leaf", .arity = 0},
#define X(id, nm, ar) [MX_PRIM_##id] = {.name = nm, .arity = ar},
#include "primitives.def"
#undef X
};

/* The error for an output shape no array can have, naming the inputs' shapes (the first few). */
static mx_array *shape_error(const char *op, const char *why, int n, mx_array *const *in) {
  char msg[600], s[MXI_SHAPE_STR_LEN];
  int k = snprintf(msg, sizeof msg, "%s", why);
  for (int i = 0; i < n && i < 4 && k < (int)sizeof msg; i++)
    k += snprintf(msg + k, sizeof msg - (size_t)k, "%s%s", i ? ", " : n > 1 ? " (inputs " : " (input ",
                  mxi_shape_str(s, sizeof s, in[i]->ndim, in[i]->shape));
  if (n > 4 && k < (int)sizeof msg) k += snprintf(msg + k, sizeof msg - (size_t)k, ", ... %d in all", n);
  if (n > 0 && k < (int)sizeof msg) snprintf(msg + k, sizeof msg - (size_t)k, ")");
  return mxi_error(op, "result %s", msg);
}

mx_array *mxi_apply(mx_prim prim, int n, mx_array *const *in, const mx_params *p) {
  const mx_prim_info *info = &mxi_prims[prim];
  mx_array *bad = mxi_check_inputs(info->name, n, in);
  if (bad) return bad;
  int ndim = 0;
  int64_t shape[MX_MAX_DIMS];
  mx_dtype dtype = MX_FLOAT32;
  char err[400];
  err[0] = 0;
  if (!info->infer) return mxi_error(info->name, "primitive has no shape rule (internal)");
  if (!info->infer(prim, in, n, p, &ndim, shape, &dtype, err, sizeof err))
    return mxi_error(info->name, "%s", err);
  /* the one check of every node's element count: shape rules may have wrapped */
  if (!mxi_shape_fits(ndim, shape, err, sizeof err)) return shape_error(info->name, err, n, in);

  mx_params *params = NULL;
  if (p && !(params = malloc(sizeof *p))) return mxi_oom(info->name, "building its graph node");
  mx_array *a = mxi_array_alloc(n);
  if (!a) {
    free(params);
    return mxi_oom(info->name, "building its graph node");
  }
  a->prim = (uint16_t)prim;
  a->dtype = (uint8_t)dtype;
  mxi_set_shape(a, ndim, shape);
  for (int i = 0; i < n; i++) {
    a->in[i] = in[i];
    in[i]->refcount++;
    uint16_t l = in[i]->trace_level; /* the outermost trace any input belongs to */
    if (l && (!a->trace_level || l < a->trace_level)) a->trace_level = l;
  }
  if (p) {
    memcpy(params, p, sizeof *p);
    a->params = params;
  }
  a->stream = mxi_current_stream();
  return mxi_own(a);
}

void mxi_kernel_fail(mx_array *out, const char *fmt, ...) {
  char msg[512];
  int k = snprintf(msg, sizeof msg, "mx_%s: ", mxi_prims[out->prim].name);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
  va_end(ap);
  mxi_set_error(out, msg);
}
