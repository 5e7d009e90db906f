/* lines.c — merging the non-axis dims of a scan or sort into few (shape, in, out) dims
 * (lines.h). */
#include "lines.h"

#include "dims.h"

void mxi_lines_plan(mxi_lines *L, int ndim, const int64_t *shape, const int64_t *in_strides,
                    const int64_t *out_strides, int axis) {
  memset(L, 0, sizeof *L);
  L->n = shape[axis];
  L->in_step = in_strides[axis];
  L->out_step = out_strides[axis];
  L->nlines = 1;
  int m = 0;
  for (int i = 0; i < ndim; i++) {
    if (i == axis) continue;
    L->nlines *= shape[i];
    L->shape[m] = shape[i];
    L->in_stride[m] = in_strides[i];
    L->out_stride[m++] = out_strides[i];
  }
  int64_t *sp[2] = {L->in_stride, L->out_stride};
  L->nd = mxi_merge_dims(m, L->shape, 2, sp);
}
