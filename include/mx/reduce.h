/* mx/reduce.h — reductions over any set of axes, and scans along one axis.
 * sum and prod of bool/integers accumulate in int64 (uint64 for unsigned), like NumPy; mean,
 * var and std of integers give float32; float16/bfloat16 accumulate in float32. */
#ifndef MX_REDUCE_H
#define MX_REDUCE_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

mx_array *mx_sum(mx_array *a, mx_axes axes, bool keepdims);
mx_array *mx_prod(mx_array *a, mx_axes axes, bool keepdims);
mx_array *mx_mean(mx_array *a, mx_axes axes, bool keepdims);
mx_array *mx_var(mx_array *a, mx_axes axes, bool keepdims, int ddof);
mx_array *mx_std(mx_array *a, mx_axes axes, bool keepdims, int ddof);
mx_array *mx_max(mx_array *a, mx_axes axes, bool keepdims); /* NaN propagates; empty: error */
mx_array *mx_min(mx_array *a, mx_axes axes, bool keepdims);
mx_array *mx_all(mx_array *a, mx_axes axes, bool keepdims);
mx_array *mx_any(mx_array *a, mx_axes axes, bool keepdims);
mx_array *mx_logsumexp(mx_array *a, mx_axes axes, bool keepdims);
/* Index of the first max/min along axis, or of the flattened array
 * for MX_AXIS_NONE. Result dtype int64. NaN counts as the maximum and the minimum. */
mx_array *mx_argmax(mx_array *a, int axis, bool keepdims);
mx_array *mx_argmin(mx_array *a, int axis, bool keepdims);

/* Scans along axis (MX_AXIS_NONE: the flattened array). inclusive=false shifts by one, starting
 * from the identity (0, 1, -inf/+inf or the dtype's lowest/highest); reverse scans from the end. */
mx_array *mx_cumsum(mx_array *a, int axis, bool reverse, bool inclusive);
mx_array *mx_cumprod(mx_array *a, int axis, bool reverse, bool inclusive);
mx_array *mx_cummax(mx_array *a, int axis, bool reverse, bool inclusive);
mx_array *mx_cummin(mx_array *a, int axis, bool reverse, bool inclusive);
mx_array *mx_logcumsumexp(mx_array *a, int axis, bool reverse, bool inclusive);

#ifdef __cplusplus
}
#endif
#endif
