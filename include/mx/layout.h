/* mx/layout.h — shape and layout: reshape, transpose, broadcast, join, split, tile, pad, flip.
 * reshape (when the data allows), transpose, broadcast_to, expand_dims, squeeze and flip are
 * views: they share the input's memory. */
#ifndef MX_LAYOUT_H
#define MX_LAYOUT_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One dimension may be -1 (inferred). */
mx_array *mx_reshape(mx_array *a, mx_shape shape);
/* Merges axes start..end (inclusive, negative allowed) into one; (0, -1) flattens fully. */
mx_array *mx_flatten(mx_array *a, int start_axis, int end_axis);
/* Splits axis into shape (one entry may be -1). */
mx_array *mx_unflatten(mx_array *a, int axis, mx_shape shape);
/* Removes the given size-1 axes; MX_ALL_AXES removes every size-1 axis. */
mx_array *mx_squeeze(mx_array *a, mx_axes axes);
/* Inserts size-1 axes at the given positions of the result. */
mx_array *mx_expand_dims(mx_array *a, mx_axes axes);
/* Permutes axes; MX_ALL_AXES reverses them (NumPy's a.T). */
mx_array *mx_transpose(mx_array *a, mx_axes perm);
mx_array *mx_swapaxes(mx_array *a, int axis1, int axis2);
mx_array *mx_moveaxis(mx_array *a, int source, int destination);
mx_array *mx_broadcast_to(mx_array *a, mx_shape shape);
/* Writes n arrays broadcast to their common shape into out. */
void mx_broadcast_arrays(int n, mx_array *const *arrays, mx_array **out);

/* Joins along an existing axis (MX_AXIS_NONE: flattens first). Dtypes are promoted. */
mx_array *mx_concatenate(int n, mx_array *const *arrays, int axis);
/* Joins along a new axis. */
mx_array *mx_stack(int n, mx_array *const *arrays, int axis);
/* The split family writes its parts to out[0..cap) and returns how many it wrote; on an error
 * (including a cap smaller than the number of parts) every one of the cap slots holds the error
 * array and -1 is returned. */
/* Splits into `sections` equal parts along axis (error if it does not divide). */
int mx_split(mx_array *a, int sections, int axis, int cap, mx_array **out);
/* Splits before each of the n indices: n + 1 parts (NumPy array_split with indices). */
int mx_split_at(mx_array *a, int n, const int64_t *indices, int axis, int cap, mx_array **out);
/* The dim(axis) slices along axis, axis removed. */
int mx_unstack(mx_array *a, int axis, int cap, mx_array **out);

/* Repeats the whole array reps[i] times along axis i (NumPy tile). */
mx_array *mx_tile(mx_array *a, mx_shape reps);
/* Repeats each element `repeats` times along axis (MX_AXIS_NONE: flattened). */
mx_array *mx_repeat(mx_array *a, int64_t repeats, int axis);

typedef enum mx_pad_mode { MX_PAD_CONSTANT = 0, MX_PAD_EDGE = 1 } mx_pad_mode;
/* Pads axis i with lo[i] elements before and hi[i] after, for i < n (n <= ndim; later axes
 * unpadded). MX_PAD_EDGE repeats the border element; MX_PAD_CONSTANT uses value. */
mx_array *mx_pad(mx_array *a, int n, const int64_t *lo, const int64_t *hi, mx_pad_mode mode,
                 double value);

/* Reverses the order of elements along axes (MX_ALL_AXES: every axis). A view. */
mx_array *mx_flip(mx_array *a, mx_axes axes);
/* Shifts elements by shift along axis, wrapping around (MX_AXIS_NONE: flattened). */
mx_array *mx_roll(mx_array *a, int64_t shift, int axis);
/* A row-major contiguous copy (or a itself when it already is). */
mx_array *mx_contiguous(mx_array *a);
mx_array *mx_atleast_1d(mx_array *a);
mx_array *mx_atleast_2d(mx_array *a);
mx_array *mx_atleast_3d(mx_array *a);

#ifdef __cplusplus
}
#endif
#endif
