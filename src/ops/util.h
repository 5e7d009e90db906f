/* util.h — helpers every op constructor uses: argument checks, axis normalization, dtype
 * promotion with weak scalars, casting. */
#ifndef MX_OPS_UTIL_H
#define MX_OPS_UTIL_H

#include "../core/registry.h"
#include "mx/ops.h"

/* Returns the error array from the enclosing op if any input is NULL or an error. */
#define MXI_CHECK(op, ...)                                                          \
  do {                                                                              \
    mx_array *const mxi_in_[] = {__VA_ARGS__};                                      \
    mx_array *mxi_bad_ = mxi_check_inputs(op, (int)(sizeof mxi_in_ / sizeof mxi_in_[0]), mxi_in_); \
    if (mxi_bad_) return mxi_bad_;                                                  \
  } while (0)

/* Normalizes axes for an ndim-array into sorted unique non-negative axes (MX_ALL_AXES: all).
 * On error writes a message to err and returns false. */
bool mxi_norm_axes(mx_axes axes, int ndim, int *out, int *nout, char *err, size_t errlen);

/* The dtype of a binary op on a and b, honoring weak scalars (see docs/dtypes.md). */
mx_dtype mxi_result_type(const mx_array *a, const mx_array *b);
/* a converted to dtype (a itself when it already has it). */
mx_array *mxi_cast(mx_array *a, mx_dtype dtype);
/* True when a is a weakly typed scalar. */
bool mxi_is_weak(const mx_array *a);
/* Marks a (a fresh result) weak. Returns a. */
mx_array *mxi_mark_weak(mx_array *a);

/* The floating dtype transcendental functions compute in for inputs of dtype dt: float dtypes
 * and complex64 keep theirs, bool and integers use float32. */
mx_dtype mxi_float_of(mx_dtype dt);

/* Params helpers. */
mx_params mxi_shape_params(int ndim, const int64_t *dims);
/* NumPy basic slicing of the first n axes of a (start/stop may be MX_END; NULL arrays mean all
 * MX_END, step NULL means all 1) into SLICE params: normalized like Python's slice.indices().
 * Sets *identity when the slice takes all of a. On a bad argument writes a message to err and
 * returns false. Shared by mx_slice and mx_slice_update. */
bool mxi_slice_params(const mx_array *a, int n, const int64_t *start, const int64_t *stop,
                      const int64_t *step, mx_params *p, bool *identity, char *err,
                      size_t errlen);

#endif
