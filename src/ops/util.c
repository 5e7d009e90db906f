/* util.c — shared op-constructor helpers. */
#include "util.h"

#include <stdio.h>
#include <string.h>

bool mxi_norm_axes(mx_axes axes, int ndim, int *out, int *nout, char *err, size_t errlen) {
  if (axes.n < 0) {
    for (int i = 0; i < ndim; i++) out[i] = i;
    *nout = ndim;
    return true;
  }
  if (axes.n > MX_MAX_DIMS) {
    snprintf(err, errlen, "%d axes given, at most %d allowed", axes.n, MX_MAX_DIMS);
    return false;
  }
  bool seen[MX_MAX_DIMS] = {false};
  for (int i = 0; i < axes.n; i++) {
    int ax;
    if (!mxi_norm_axis(axes.ax[i], ndim, &ax)) {
      snprintf(err, errlen, "axis %d is out of range for an array with %d dimensions",
               axes.ax[i], ndim);
      return false;
    }
    if (seen[ax]) {
      snprintf(err, errlen, "axis %d is repeated", axes.ax[i]);
      return false;
    }
    seen[ax] = true;
  }
  int n = 0;
  for (int i = 0; i < ndim; i++)
    if (seen[i]) out[n++] = i;
  *nout = n;
  return true;
}

bool mxi_is_weak(const mx_array *a) { return a && (a->flags & MX_FLAG_WEAK); }

mx_array *mxi_mark_weak(mx_array *a) {
  if (a && !a->error) a->flags |= MX_FLAG_WEAK;
  return a;
}

/* A weak scalar defers to a typed operand of a compatible kind: an int scalar takes any
 * non-bool dtype; a float scalar takes any inexact dtype. */
static mx_dtype weak_with(mx_dtype weak, mx_dtype strong) {
  if (mx_dtype_is_inexact(weak)) {
    if (mx_dtype_is_inexact(strong)) return strong;
    return weak == MX_COMPLEX64 ? MX_COMPLEX64 : MX_FLOAT32;
  }
  if (strong == MX_BOOL) return weak;
  return strong;
}

mx_dtype mxi_result_type(const mx_array *a, const mx_array *b) {
  mx_dtype da = (mx_dtype)a->dtype, db = (mx_dtype)b->dtype;
  bool wa = mxi_is_weak(a), wb = mxi_is_weak(b);
  if (wa && !wb) return weak_with(da, db);
  if (wb && !wa) return weak_with(db, da);
  return mx_promote_types(da, db);
}

mx_array *mxi_cast(mx_array *a, mx_dtype dtype) {
  if (!a || a->error || a->dtype == dtype) return a;
  if ((a->flags & MX_FLAG_WEAK_VALUE) && mx_dtype_is_inexact(dtype))
    return mx_scalar_typed(a->weak_value, dtype); /* exact: from the value, not its float32 */
  return mx_astype(a, dtype);
}

mx_dtype mxi_float_of(mx_dtype dt) { return mx_dtype_is_inexact(dt) ? dt : MX_FLOAT32; }

mx_params mxi_shape_params(int ndim, const int64_t *dims) {
  mx_params p;
  memset(&p, 0, sizeof p);
  p.shape.ndim = ndim;
  for (int i = 0; i < ndim; i++) p.shape.dims[i] = dims[i];
  return p;
}

static int64_t slice_len(int64_t start, int64_t stop, int64_t step) {
  /* written so that a huge step cannot overflow */
  if (step > 0) return stop > start ? (stop - start - 1) / step + 1 : 0;
  return start > stop ? (start - stop - 1) / (-step) + 1 : 0;
}

/* Python's slice.indices(): normalized start and the length, for one axis of size n. */
static void norm_slice(int64_t n, int64_t start, int64_t stop, int64_t step, int64_t *s_out,
                       int64_t *len_out) {
  int64_t s, e;
  if (step > 0) {
    s = start == MX_END ? 0 : (start < 0 ? start + n : start);
    e = stop == MX_END ? n : (stop < 0 ? stop + n : stop);
    s = s < 0 ? 0 : (s > n ? n : s);
    e = e < 0 ? 0 : (e > n ? n : e);
  } else {
    s = start == MX_END ? n - 1 : (start < 0 ? start + n : start);
    e = stop == MX_END ? -1 : (stop < 0 ? stop + n : stop);
    s = s < -1 ? -1 : (s > n - 1 ? n - 1 : s);
    e = e < -1 ? -1 : (e > n - 1 ? n - 1 : e);
  }
  *s_out = s;
  *len_out = slice_len(s, e, step);
}

bool mxi_slice_params(const mx_array *a, int n, const int64_t *start, const int64_t *stop,
                      const int64_t *step, mx_params *p, bool *identity, char *err,
                      size_t errlen) {
  if (n < 0 || n > a->ndim) {
    snprintf(err, errlen, "%d axes sliced on an array with %d dimensions", n, a->ndim);
    return false;
  }
  memset(p, 0, sizeof *p);
  *identity = true;
  for (int i = 0; i < a->ndim; i++) {
    p->slice.start[i] = 0;
    p->slice.step[i] = 1;
    p->slice.len[i] = a->shape[i];
    if (i >= n) continue;
    int64_t k = step ? step[i] : 1;
    if (k == 0) {
      snprintf(err, errlen, "step is 0 on axis %d", i);
      return false;
    }
    if (k == INT64_MIN) k = -INT64_MAX; /* -k must not overflow; same elements are taken */
    int64_t s, len;
    norm_slice(a->shape[i], start ? start[i] : MX_END, stop ? stop[i] : MX_END, k, &s, &len);
    if (len <= 1) k = k > 0 ? 1 : -1; /* same elements; keeps stride * step from overflowing */
    p->slice.start[i] = s;
    p->slice.step[i] = k;
    p->slice.len[i] = len;
    *identity &= s == 0 && k == 1 && len == a->shape[i];
  }
  return true;
}
