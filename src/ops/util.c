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
