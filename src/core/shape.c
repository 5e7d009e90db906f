/* shape.c — shape arithmetic: sizes, axis normalization, broadcasting. */
#include "internal.h"

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
