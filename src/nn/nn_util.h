/* nn_util.h — the few helpers the nn sources share, built on the public API only (src/nn is
 * written the way a user's own layers would be: it includes nothing from core/ or ops/). */
#ifndef MX_NN_UTIL_H
#define MX_NN_UTIL_H

#include <stdio.h>

#include "mx/mx.h"

/* mx_check_inputs for an op named without its "mx_" prefix at run time. */
static inline mx_array *nn_check_inputs(const char *op, int n, mx_array *const *in) {
  char name[64];
  snprintf(name, sizeof name, "mx_%s", op);
  return mx_check_inputs(name, n, in);
}

/* Out of memory in op (named without "mx_"): the error array, or the recorded error for calls
 * that return NULL or a status. */
#define nn_oom(op, what) mx_error_new("mx_%s: out of memory while %s", (op), (what))
#define nn_record_oom(op, what) ((void)mx_error_report("mx_%s: out of memory while %s", (op), (what)))

/* Returns the error array from the enclosing function if any input is NULL or an error; op is
 * the public name without its "mx_" prefix. */
#define NN_CHECK(op, ...)                                                                   \
  do {                                                                                      \
    mx_array *const nn_in_[] = {__VA_ARGS__};                                               \
    mx_array *nn_bad_ = nn_check_inputs(op, (int)(sizeof nn_in_ / sizeof nn_in_[0]), nn_in_); \
    if (nn_bad_) return nn_bad_;                                                            \
  } while (0)

/* The floating dtype a layer computes in for inputs of dtype dt (integers and bool: float32). */
static inline mx_dtype nn_float_of(mx_dtype dt) { return mx_dtype_is_inexact(dt) ? dt : MX_FLOAT32; }

/* axis normalized for an ndim-array (negative counts from the end); false when out of range. */
static inline bool nn_norm_axis(int axis, int ndim, int *out) {
  int ax = axis < 0 ? axis + ndim : axis;
  if (ax < 0 || ax >= ndim) return false;
  *out = ax;
  return true;
}

/* Shorthands for an array's geometry. */
static inline int nn_ndim(const mx_array *a) { return mx_array_ndim(a); }
static inline int64_t nn_dim(const mx_array *a, int i) { return mx_array_shape(a)[i]; }

#endif
