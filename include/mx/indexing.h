/* mx/indexing.h — slices, slice updates, take/put along axes, gather and scatter.
 * Index arrays may have any integer dtype (float or bool indices give an error array); negative
 * indices count from the end; an index out of range makes the evaluation fail with an error
 * naming the op (no out-of-bounds access). Data of every dtype can be indexed. Values written
 * (updates, values) are cast to the array's dtype. Writes apply in index order: with repeated
 * indices the last assignment wins and add/prod/max/min accumulate. */
#ifndef MX_INDEXING_H
#define MX_INDEXING_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NumPy basic slicing a[start0:stop0:step0, ...] on the first n axes. start/stop entries may be
 * MX_END (Python's None); out-of-range bounds are clamped as in Python; step may be negative
 * but not 0. step == NULL means all steps are 1. A view. */
mx_array *mx_slice(mx_array *a, int n, const int64_t *start, const int64_t *stop,
                   const int64_t *step);
/* The same on one axis. */
mx_array *mx_slice_axis(mx_array *a, int axis, int64_t start, int64_t stop, int64_t step);
/* A copy of a with the slice (as in mx_slice) replaced by update (broadcast to the slice). */
mx_array *mx_slice_update(mx_array *a, mx_array *update, int n, const int64_t *start,
                          const int64_t *stop, const int64_t *step);

/* Elements at indices along axis (MX_AXIS_NONE: of the flattened array). The result's shape is
 * a's with axis replaced by indices' shape (NumPy take; a GATHER). */
mx_array *mx_take(mx_array *a, mx_array *indices, int axis);
/* indices has a's ndim and broadcasts with a except along axis (NumPy take_along_axis). With
 * MX_AXIS_NONE, a is flattened and indices must be 1-d. */
mx_array *mx_take_along_axis(mx_array *a, mx_array *indices, int axis);
/* A copy of a with values written at indices along axis (NumPy put_along_axis; the last write
 * to an index wins). Outside axis, indices match a's shape or are 1 (broadcast); values broadcast
 * to indices' shape. MX_AXIS_NONE: a flattened (the result keeps a's shape), indices 1-d. */
mx_array *mx_put_along_axis(mx_array *a, mx_array *indices, mx_array *values, int axis);

/* How scatters combine a value into the array. Integers wrap; for bool, add and max are "or",
 * prod and min are "and"; max and min propagate NaN and reject complex64 (unordered). */
typedef enum mx_scatter_mode {
  MX_SCATTER_ASSIGN = 0,
  MX_SCATTER_ADD,
  MX_SCATTER_MAX,
  MX_SCATTER_MIN,
  MX_SCATTER_PROD
} mx_scatter_mode;

/* Gather (MLX semantics): the n index arrays broadcast to a common shape I and index axes[i] of
 * a; from each indexed position a block of slice_sizes (one per axis of a; 1 on indexed axes is
 * usual; from position 0 on axes not indexed) is taken, and must fit in a. Result shape: I
 * followed by slice_sizes. */
mx_array *mx_gather(mx_array *a, int n, mx_array *const *indices, const int *axes,
                    const int64_t *slice_sizes);
/* Scatter (MLX semantics), the inverse of gather: updates has shape I followed by a block shape
 * of a's ndim (each block dim at most a's); each block is combined into a copy of a at the
 * indexed position (position 0 on axes not indexed) by mode. A block must fit where it lands.
 * Arguments in mx_gather's order: the array, the indices and their axes, then what is written. */
mx_array *mx_scatter(mx_array *a, int n, mx_array *const *indices, const int *axes,
                     mx_array *updates, mx_scatter_mode mode);
/* put_along_axis combining by mode instead of assigning. */
mx_array *mx_scatter_along_axis(mx_array *a, mx_array *indices, mx_array *values, int axis,
                                mx_scatter_mode mode);

#ifdef __cplusplus
}
#endif
#endif
