/* shape.c — shape arithmetic: sizes, axis normalization, broadcasting. */
#include <stdio.h>

#include "internal.h"

bool mxi_shape_fits(int ndim, const int64_t *shape, char *err, size_t errlen) {
  if (ndim < 0 || ndim > MX_MAX_DIMS) {
    snprintf(err, errlen, "ndim %d out of range [0, %d]", ndim, MX_MAX_DIMS);
    return false;
  }
  char s[MXI_SHAPE_STR_LEN];
  uint64_t extent = 1; /* the product of the nonzero dims, checked before each step */
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0) {
      snprintf(err, errlen, "negative dimension in shape %s", mxi_shape_str(s, sizeof s, ndim, shape));
      return false;
    }
    if (shape[i] && extent > (UINT64_MAX >> 8) / (uint64_t)shape[i]) {
      snprintf(err, errlen, "shape %s is too large", mxi_shape_str(s, sizeof s, ndim, shape));
      return false;
    }
    if (shape[i]) extent *= (uint64_t)shape[i];
  }
  return true;
}

int64_t mxi_shape_size(int ndim, const int64_t *shape) {
  int64_t s = 1;
  for (int i = 0; i < ndim; i++) s *= shape[i];
  return s;
}

bool mxi_norm_axis(int axis, int ndim, int *out) {
  if (axis < -ndim || axis >= ndim) return false;
  *out = axis < 0 ? axis + ndim : axis;
  return true;
}

bool mxi_broadcast_shapes(int na, const int64_t *a, int nb, const int64_t *b, int *nout,
                          int64_t *out) {
  int n = na > nb ? na : nb;
  for (int i = 0; i < n; i++) {
    int ia = na - n + i, ib = nb - n + i;
    int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    if (da != db && da != 1 && db != 1) return false;
    out[i] = da == 1 ? db : da;
  }
  *nout = n;
  return true;
}
