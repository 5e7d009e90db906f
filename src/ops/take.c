/* take.c — take (a GATHER along one axis), take_along_axis, put_along_axis and
 * scatter_along_axis, with NumPy semantics. */
#include <stdio.h>
#include <string.h>

#include "indexing_util.h"

mx_array *mx_take(mx_array *a, mx_array *indices, int axis) {
  const char *op = "take";
  MXI_CHECK(op, a, indices);
  mx_array *bad = mxi_check_index_dtype(op, indices);
  if (bad) return bad;
  if (axis == MX_AXIS_NONE) {
    a = mx_flatten(a, 0, -1);
    axis = 0;
  }
  int ax;
  if (!mxi_norm_axis(axis, a->ndim, &ax))
    return mxi_error(op, "axis %d is out of range for an array with %d dimensions", axis, a->ndim);
  int out_nd = a->ndim - 1 + indices->ndim;
  if (out_nd > MX_MAX_DIMS)
    return mxi_error(op, "result would have %d dimensions (at most %d)", out_nd, MX_MAX_DIMS);
  /* Seen as a [pre, n, post] array indexed by the flattened indices, the gather is at most 4-d
   * whatever the ranks: (m, pre, 1, post). Moving m after pre and splitting the axes back are
   * views. */
  int64_t pre = mxi_shape_size(ax, a->shape), n = a->shape[ax];
  int64_t post = mxi_shape_size(a->ndim - ax - 1, a->shape + ax + 1);
  if (n == 0 && indices->size > 0) { /* NumPy: no index is valid */
    char s1[MXI_SHAPE_STR_LEN];
    return mxi_error(op, "cannot take %lld elements from the empty axis %d of an array of shape %s",
                     (long long)indices->size, ax, mxi_shape_str(s1, sizeof s1, a->ndim, a->shape));
  }
  mx_array *a3 = mx_reshape(a, MX_SHAPE(pre, n, post));
  mx_array *i1 = mx_reshape(indices, MX_SHAPE(indices->size));
  int gax = 1;
  int64_t sizes[3] = {pre, n > 0 ? 1 : 0, post};
  mx_array *g = mxi_gather(op, a3, 1, &i1, &gax, sizes);
  if (pre > 1) g = mx_transpose(g, MX_AXES(1, 0, 2, 3));
  mx_shape s = {.ndim = 0};
  for (int i = 0; i < ax; i++) s.dims[s.ndim++] = a->shape[i];
  for (int i = 0; i < indices->ndim; i++) s.dims[s.ndim++] = indices->shape[i];
  for (int i = ax + 1; i < a->ndim; i++) s.dims[s.ndim++] = a->shape[i];
  return mx_reshape(g, s);
}

/* Common checks of the along-axis ops. With MX_AXIS_NONE, a is flattened and indices must be
 * 1-d (NumPy). Returns an error array or NULL, and the (possibly flattened) a and axis. */
static mx_array *along_axis(const char *op, mx_array **a, mx_array *indices, int axis, int *ax) {
  mx_array *bad = mxi_check_index_dtype(op, indices);
  if (bad) return bad;
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
  if (axis == MX_AXIS_NONE) {
    if (indices->ndim != 1)
      return mxi_error(op, "indices must be 1-d with MX_AXIS_NONE, not of shape %s",
                       mxi_shape_str(s1, sizeof s1, indices->ndim, indices->shape));
    *a = mx_flatten(*a, 0, -1);
    axis = 0;
  }
  if (!mxi_norm_axis(axis, (*a)->ndim, ax))
    return mxi_error(op, "axis %d is out of range for an array with %d dimensions", axis,
                     (*a)->ndim);
  if (indices->ndim != (*a)->ndim)
    return mxi_error(op, "indices of shape %s must have as many dimensions as the array of shape %s",
                     mxi_shape_str(s1, sizeof s1, indices->ndim, indices->shape),
                     mxi_shape_str(s2, sizeof s2, (*a)->ndim, (*a)->shape));
  return NULL;
}

mx_array *mx_take_along_axis(mx_array *a, mx_array *indices, int axis) {
  const char *op = "take_along_axis";
  MXI_CHECK(op, a, indices);
  int ax;
  mx_array *bad = along_axis(op, &a, indices, axis, &ax);
  if (bad) return bad;
  /* every axis but ax broadcasts between a and indices */
  mx_shape sa = {.ndim = a->ndim}, si = {.ndim = a->ndim};
  for (int i = 0; i < a->ndim; i++) {
    int64_t da = a->shape[i], di = indices->shape[i];
    if (i != ax && da != di && da != 1 && di != 1) {
      char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
      return mxi_error(op, "indices of shape %s do not broadcast with the array of shape %s "
                       "outside axis %d",
                       mxi_shape_str(s1, sizeof s1, indices->ndim, indices->shape),
                       mxi_shape_str(s2, sizeof s2, a->ndim, a->shape), ax);
    }
    int64_t d = da == 1 ? di : da;
    sa.dims[i] = i == ax ? da : d;
    si.dims[i] = i == ax ? di : d;
  }
  mx_params p;
  memset(&p, 0, sizeof p);
  p.along.axis = ax;
  p.along.op = op;
  mx_array *in[2] = {mx_broadcast_to(a, sa), mx_broadcast_to(indices, si)};
  return mxi_apply(MX_PRIM_TAKE_ALONG_AXIS, 2, in, &p);
}

static mx_array *scatter_along(const char *op, mx_array *a, mx_array *indices, mx_array *values,
                               int axis, mx_scatter_mode mode) {
  MXI_CHECK(op, a, indices, values);
  mx_array *bad = mxi_check_scatter_mode(op, mode, (mx_dtype)a->dtype);
  if (bad) return bad;
  mx_array *orig = a;
  int ax;
  if ((bad = along_axis(op, &a, indices, axis, &ax))) return bad;
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
  /* indices select along ax for every position of a's other axes (or broadcast over them) */
  mx_shape s = {.ndim = a->ndim};
  for (int i = 0; i < a->ndim; i++) {
    if (i != ax && indices->shape[i] != a->shape[i] && indices->shape[i] != 1)
      return mxi_error(op, "indices of shape %s do not match the array of shape %s outside "
                       "axis %d",
                       mxi_shape_str(s1, sizeof s1, indices->ndim, indices->shape),
                       mxi_shape_str(s2, sizeof s2, a->ndim, a->shape), ax);
    s.dims[i] = i == ax ? indices->shape[i] : a->shape[i];
  }
  int nd;
  int64_t b[MX_MAX_DIMS];
  if (!mxi_broadcast_shapes(values->ndim, values->shape, s.ndim, s.dims, &nd, b) ||
      nd != s.ndim || memcmp(b, s.dims, sizeof(int64_t) * (size_t)nd) != 0)
    return mxi_error(op, "values of shape %s cannot be broadcast to the indexed shape %s",
                     mxi_shape_str(s1, sizeof s1, values->ndim, values->shape),
                     mxi_shape_str(s2, sizeof s2, s.ndim, s.dims));
  mx_params p;
  memset(&p, 0, sizeof p);
  p.along.axis = ax;
  p.along.mode = mode;
  p.along.op = op;
  mx_array *in[3] = {a, mx_broadcast_to(indices, s),
                     mx_broadcast_to(mxi_cast(values, (mx_dtype)a->dtype), s)};
  mx_array *r = mxi_apply(MX_PRIM_SCATTER_ALONG_AXIS, 3, in, &p);
  return a == orig ? r : mx_reshape(r, mxi_shape_of(orig));
}

mx_array *mx_put_along_axis(mx_array *a, mx_array *indices, mx_array *values, int axis) {
  return scatter_along("put_along_axis", a, indices, values, axis, MX_SCATTER_ASSIGN);
}

mx_array *mx_scatter_along_axis(mx_array *a, mx_array *indices, mx_array *values, int axis,
                                mx_scatter_mode mode) {
  return scatter_along("scatter_along_axis", a, indices, values, axis, mode);
}
