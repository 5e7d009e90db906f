/* dims.c — dimension merging (dims.h). */
#include "dims.h"

#include <stdbool.h>

int mxi_merge_dims(int nd, int64_t *shape, int nops, int64_t *const *strides) {
  int m = 0;
  for (int i = 0; i < nd; i++) {
    if (shape[i] == 1) continue;
    bool merge = m > 0;
    for (int k = 0; k < nops && merge; k++) merge = strides[k][m - 1] == strides[k][i] * shape[i];
    if (merge) {
      shape[m - 1] *= shape[i];
      for (int k = 0; k < nops; k++) strides[k][m - 1] = strides[k][i];
      continue;
    }
    shape[m] = shape[i];
    for (int k = 0; k < nops; k++) strides[k][m] = strides[k][i];
    m++;
  }
  return m;
}

int mxi_merge_dims1(int nd, int64_t *shape, int64_t *stride) {
  return mxi_merge_dims(nd, shape, 1, &stride);
}
