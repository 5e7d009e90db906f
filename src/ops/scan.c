/* scan.c — cumulative ops along one axis: the CUMSUM, CUMPROD, CUMMAX, CUMMIN and LOGCUMSUMEXP
 * primitives (inclusive or exclusive, forward or reverse; MX_AXIS_NONE scans the flattened
 * array). */
#include <stdio.h>
#include <string.h>

#include "families.h"
#include "util.h"

/* Output dtype of a scan, or false for an input dtype it does not take. Sums and products of
 * bool and narrow integers widen like mx_sum (NumPy); max/min keep the dtype; logcumsumexp is
 * floating (its constructor casts integers to float32). */
static bool scan_dtype(mx_prim prim, mx_dtype dt, mx_dtype *out) {
  switch (prim) {
    case MX_PRIM_CUMSUM: case MX_PRIM_CUMPROD:
      if (dt == MX_BOOL || dt == MX_INT8 || dt == MX_INT16 || dt == MX_INT32) *out = MX_INT64;
      else if (dt == MX_UINT8 || dt == MX_UINT16 || dt == MX_UINT32) *out = MX_UINT64;
      else *out = dt;
      return true;
    case MX_PRIM_CUMMAX: case MX_PRIM_CUMMIN:
      *out = dt;
      return dt != MX_COMPLEX64;
    default: /* LOGCUMSUMEXP */
      *out = dt;
      return mx_dtype_is_float(dt);
  }
}

static bool infer_scan(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                       int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)n;
  const mx_array *a = in[0];
  if (!scan_dtype(prim, (mx_dtype)a->dtype, dtype)) {
    snprintf(err, errlen, "%s input is not supported", mx_dtype_name((mx_dtype)a->dtype));
    return false;
  }
  if (p->scan.axis < 0 || p->scan.axis >= a->ndim) {
    snprintf(err, errlen, "axis %d is out of range for an array with %d dimensions", p->scan.axis,
             a->ndim);
    return false;
  }
  *ndim = a->ndim;
  memcpy(shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
  return true;
}

void mxi_register_scan(mx_prim_info *t) {
  for (int p = MX_PRIM_CUMSUM; p <= MX_PRIM_LOGCUMSUMEXP; p++) t[p].infer = infer_scan;
}

static mx_array *scan(const char *name, mx_prim prim, mx_array *a, int axis, bool reverse,
                      bool inclusive) {
  MXI_CHECK(name, a);
  mx_dtype dt = (mx_dtype)a->dtype, out;
  if (prim == MX_PRIM_LOGCUMSUMEXP && dt != MX_COMPLEX64) {
    a = mxi_cast(a, mxi_float_of(dt)); /* bool and integers compute in float32 */
    dt = (mx_dtype)a->dtype;
  }
  if (!scan_dtype(prim, dt, &out))
    return mxi_error(name, "%s input is not supported", mx_dtype_name(dt));
  if (axis == MX_AXIS_NONE) {
    a = mx_reshape(a, MX_SHAPE(-1));
    axis = 0;
  }
  int ax;
  if (!mxi_norm_axis(axis, a->ndim, &ax)) {
    char s[MXI_SHAPE_STR_LEN];
    return mxi_error(name, "axis %d is out of range for an array of shape %s (%d dimensions)",
                     axis, mxi_shape_str(s, sizeof s, a->ndim, a->shape), a->ndim);
  }
  mx_params p;
  memset(&p, 0, sizeof p);
  p.scan.axis = ax;
  p.scan.reverse = reverse;
  p.scan.inclusive = inclusive;
  return mxi_apply(prim, 1, &a, &p);
}

mx_array *mx_cumsum(mx_array *a, int axis, bool reverse, bool inclusive) {
  return scan("cumsum", MX_PRIM_CUMSUM, a, axis, reverse, inclusive);
}
mx_array *mx_cumprod(mx_array *a, int axis, bool reverse, bool inclusive) {
  return scan("cumprod", MX_PRIM_CUMPROD, a, axis, reverse, inclusive);
}
mx_array *mx_cummax(mx_array *a, int axis, bool reverse, bool inclusive) {
  return scan("cummax", MX_PRIM_CUMMAX, a, axis, reverse, inclusive);
}
mx_array *mx_cummin(mx_array *a, int axis, bool reverse, bool inclusive) {
  return scan("cummin", MX_PRIM_CUMMIN, a, axis, reverse, inclusive);
}
mx_array *mx_logcumsumexp(mx_array *a, int axis, bool reverse, bool inclusive) {
  return scan("logcumsumexp", MX_PRIM_LOGCUMSUMEXP, a, axis, reverse, inclusive);
}
