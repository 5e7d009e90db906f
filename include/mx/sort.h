/* mx/sort.h — sorting and selection along an axis. Sorts are stable; NaN sorts last. */
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
/* The k largest elements along axis, largest first (ties: lower index first). */
mx_array *mx_topk(mx_array *a, int64_t k, int axis);
mx_array *mx_argtopk(mx_array *a, int64_t k, int axis); /* their int64 indices */

#ifdef __cplusplus
}
#endif
#endif
