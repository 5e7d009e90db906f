/* mx/sort.h — sorting and selection along an axis, in NumPy's order: NaN sorts last (after
 * +inf), -0.0 and 0.0 compare equal, and complex64 sorts lexicographically by (real, imag) with
 * NaN parts last (NumPy's [R + Rj, R + nanj, nan + Rj, nan + nanj]). Every dtype is accepted.
 * Sorts are stable; partitions break ties by position, so every result is deterministic.
 * axis may be negative; MX_AXIS_NONE works on the flattened array. A bad axis, kth or k gives an
 * error array naming the op. */
#ifndef MX_SORT_H
#define MX_SORT_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Ascending along axis (MX_AXIS_NONE: the flattened array). */
mx_array *mx_sort(mx_array *a, int axis);
mx_array *mx_argsort(mx_array *a, int axis); /* int64 indices */
/* Rearranged so the element at kth is where sorting would put it, with nothing larger before it
 * and nothing smaller after it. */
mx_array *mx_partition(mx_array *a, int64_t kth, int axis);
mx_array *mx_argpartition(mx_array *a, int64_t kth, int axis);
/* The k largest elements along axis (0 <= k <= the axis' size), largest first, ties by lower
 * index; NaN counts as the largest value, as in the sort order. */
mx_array *mx_topk(mx_array *a, int64_t k, int axis);
mx_array *mx_argtopk(mx_array *a, int64_t k, int axis); /* their int64 indices */

#ifdef __cplusplus
}
#endif
#endif
