/* reduce_plan.h — how both backends see a reduction's input: kept axes K (in output order) and
 * reduced axes R (sorted by decreasing |stride|, so the innermost is the densest), each merged
 * (dims.h). Input strides, bytes or elements as given. */
#ifndef MX_COMMON_REDUCE_PLAN_H
#define MX_COMMON_REDUCE_PLAN_H

#include <stdint.h>

#include "mx/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mxi_red_axes {
  int nk, nr;
  int64_t kshape[MX_MAX_DIMS], kstride[MX_MAX_DIMS]; /* kept axes, output order */
  int64_t rshape[MX_MAX_DIMS], rstride[MX_MAX_DIMS]; /* reduced axes, densest innermost */
  int64_t nout, nred;                                 /* output elements; elements per output */
} mxi_red_axes;

/* The plan for reducing axes[0..naxes) of an array of this shape and strides. */
void mxi_red_axes_make(mxi_red_axes *P, int ndim, const int64_t *shape, const int64_t *strides,
                       int naxes, const int *axes);

#ifdef __cplusplus
}
#endif

#endif
