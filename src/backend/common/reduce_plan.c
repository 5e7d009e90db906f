/* reduce_plan.c — the kept/reduced axes of a reduction (reduce_plan.h). */
#include "reduce_plan.h"

#include <stdbool.h>
#include <stdlib.h>

#include "dims.h"

void mxi_red_axes_make(mxi_red_axes *P, int ndim, const int64_t *shape, const int64_t *strides,
                       int naxes, const int *axes) {
  bool red[MX_MAX_DIMS] = {false};
  for (int i = 0; i < naxes; i++) red[axes[i]] = true;
  P->nk = P->nr = 0;
  for (int i = 0; i < ndim; i++) {
    if (red[i]) {
      P->rshape[P->nr] = shape[i];
      P->rstride[P->nr++] = strides[i];
    } else {
      P->kshape[P->nk] = shape[i];
      P->kstride[P->nk++] = strides[i];
    }
  }
  /* the order of R is free: decreasing |stride| puts the densest axis innermost */
  for (int i = 1; i < P->nr; i++)
    for (int j = i; j > 0 && llabs(P->rstride[j]) > llabs(P->rstride[j - 1]); j--) {
      int64_t t = P->rstride[j];
      P->rstride[j] = P->rstride[j - 1];
      P->rstride[j - 1] = t;
      t = P->rshape[j];
      P->rshape[j] = P->rshape[j - 1];
      P->rshape[j - 1] = t;
    }
  P->nk = mxi_merge_dims1(P->nk, P->kshape, P->kstride);
  P->nr = mxi_merge_dims1(P->nr, P->rshape, P->rstride);
  P->nout = 1;
  for (int i = 0; i < P->nk; i++) P->nout *= P->kshape[i];
  P->nred = 1;
  for (int i = 0; i < P->nr; i++) P->nred *= P->rshape[i];
}
