/* sort.c — shape rules and constructors of SORT, ARGSORT, PARTITION, ARGPARTITION, and topk /
 * argtopk composed from them. The order (kernel: k_sort.c) is NumPy's: NaN last, -0.0 == 0.0,
 * complex lexicographic by (real, imag); ties keep their order (stable), and partitions break
 * ties by position too, so every result is deterministic. */
#include <stdio.h>
#include <string.h>

#include "families.h"
#include "util.h"

static bool infer_sort(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                       int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)n;
  const mx_array *a = in[0];
  int ax = p->sort.axis;
  bool kth = prim == MX_PRIM_PARTITION || prim == MX_PRIM_ARGPARTITION;
  if (ax < 0 || ax >= a->ndim || (kth && (p->sort.kth < 0 || p->sort.kth >= a->shape[ax]))) {
    snprintf(err, errlen, "axis or kth out of range (internal: constructors normalize)");
    return false;
  }
  *ndim = a->ndim;
  memcpy(shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
  *dtype = (prim == MX_PRIM_ARGSORT || prim == MX_PRIM_ARGPARTITION) ? MX_INT64
                                                                      : (mx_dtype)a->dtype;
  return true;
}

void mxi_register_sort(mx_prim_info *t) {
  for (int p = MX_PRIM_SORT; p <= MX_PRIM_ARGPARTITION; p++) t[p].infer = infer_sort;
}

/* Flattens a for MX_AXIS_NONE and normalizes axis; an error array or NULL. */
static mx_array *sort_axis(const char *op, mx_array **a, int axis, int *ax) {
  if (axis == MX_AXIS_NONE) {
    *a = mx_flatten(*a, 0, -1);
    axis = 0;
  }
  if (!mxi_norm_axis(axis, (*a)->ndim, ax))
    return mxi_error(op, "axis %d is out of range for an array with %d dimensions", axis,
                     (*a)->ndim);
  return NULL;
}

static mx_array *sort_op(const char *op, mx_prim prim, mx_array *a, int axis, int64_t kth) {
  MXI_CHECK(op, a);
  int ax;
  mx_array *bad = sort_axis(op, &a, axis, &ax);
  if (bad) return bad;
  mx_params p;
  memset(&p, 0, sizeof p);
  p.sort.axis = ax;
  if (prim == MX_PRIM_PARTITION || prim == MX_PRIM_ARGPARTITION) {
    int64_t n = a->shape[ax], k = kth < 0 ? kth + n : kth;
    if (k < 0 || k >= n)
      return mxi_error(op, "kth %lld is out of range for axis %d of size %lld", (long long)kth,
                       ax, (long long)n);
    p.sort.kth = k;
  }
  return mxi_apply(prim, 1, &a, &p);
}

mx_array *mx_sort(mx_array *a, int axis) { return sort_op("sort", MX_PRIM_SORT, a, axis, 0); }
mx_array *mx_argsort(mx_array *a, int axis) {
  return sort_op("argsort", MX_PRIM_ARGSORT, a, axis, 0);
}
mx_array *mx_partition(mx_array *a, int64_t kth, int axis) {
  return sort_op("partition", MX_PRIM_PARTITION, a, axis, kth);
}
mx_array *mx_argpartition(mx_array *a, int64_t kth, int axis) {
  return sort_op("argpartition", MX_PRIM_ARGPARTITION, a, axis, kth);
}

/* Indices of the k largest along the axis, largest first, ties by lower index. Works on the
 * array reversed along the axis, f, where the ascending order (value, position) puts the wanted
 * elements last in the wanted order reversed: a tie at a lower index of a is at a higher
 * position of f. Small k: argpartition selects the last k positions of f (partitions break ties
 * by position), which are then ordered by sorting those positions and stably arg-sorting their
 * values, O(n + k log k). Large k: one stable argsort of f. Position j of f is n-1-j of a. */
static mx_array *argtopk(const char *op, mx_array **a, int64_t k, int axis) {
  MXI_CHECK(op, *a);
  int ax;
  mx_array *bad = sort_axis(op, a, axis, &ax);
  if (bad) return bad;
  int64_t n = (*a)->shape[ax];
  if (k < 0 || k > n)
    return mxi_error(op, "k = %lld is out of range for axis %d of size %lld", (long long)k, ax,
                     (long long)n);
  if (k == 0) {
    mx_shape s = mxi_shape_of(*a);
    s.dims[ax] = 0;
    return mx_zeros(s, MX_INT64);
  }
  mx_array *f = mx_slice_axis(*a, ax, MX_END, MX_END, -1);
  mx_array *order; /* positions of f, ascending (value, position), the last k of them */
  if (k * 4 >= n) {
    order = mx_slice_axis(mx_argsort(f, ax), ax, n - k, n, 1);
  } else {
    mx_array *sel = mx_slice_axis(mx_argpartition(f, n - k, ax), ax, n - k, n, 1);
    sel = mx_sort(sel, ax);
    mx_array *o = mx_argsort(mx_take_along_axis(f, sel, ax), ax);
    order = mx_take_along_axis(sel, o, ax);
  }
  order = mx_slice_axis(order, ax, MX_END, MX_END, -1);
  return mx_subtract(mx_scalar_int(n - 1), order);
}

mx_array *mx_argtopk(mx_array *a, int64_t k, int axis) { return argtopk("argtopk", &a, k, axis); }

mx_array *mx_topk(mx_array *a, int64_t k, int axis) {
  mx_array *idx = argtopk("topk", &a, k, axis);
  if (mx_is_error(idx)) return idx;
  return mx_take_along_axis(a, idx, axis == MX_AXIS_NONE ? 0 : axis);
}
