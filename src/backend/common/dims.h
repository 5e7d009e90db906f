/* dims.h — dimension merging, the first step of every strided plan on both backends: size-1 dims
 * dropped, neighbours that every operand walks contiguously collapsed into one. */
#ifndef MX_COMMON_DIMS_H
#define MX_COMMON_DIMS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Merges dims of shape[0..nd) and, alike, of strides[k][0..nd) for each of the nops operands (byte
 * or element strides): a dim joins its outer neighbour when for every k strides[k][outer] ==
 * strides[k][inner] * shape[inner], which visits the same elements in the same order. Size-1 dims
 * are dropped. In place; returns the number of dims left (0: one element). */
int mxi_merge_dims(int nd, int64_t *shape, int nops, int64_t *const *strides);

/* The one-operand case. */
int mxi_merge_dims1(int nd, int64_t *shape, int64_t *stride);

#ifdef __cplusplus
}
#endif

#endif
