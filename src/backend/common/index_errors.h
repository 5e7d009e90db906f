/* index_errors.h — the messages for an out-of-range index, one wording for both backends: the
 * CPU kernels report what they find, the CUDA kernels rerun the check on host copies of the
 * indices and report the same index the CPU would. */
#ifndef MX_COMMON_INDEX_ERRORS_H
#define MX_COMMON_INDEX_ERRORS_H

#include "../../core/internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* GATHER / SCATTER: index array k's value stored at p (dtype dt) does not fit axis ax of size dim
 * with a block of `block`; op is the public op named in the message (NULL: the primitive). */
void mxi_index_fail(mx_array *out, const char *op, int k, int ax, int64_t dim, int64_t block,
                    const char *p, int dt);

/* Along-axis kernels: the bad index of idx at bad = row * idx->shape[ax] + j (j along ax, row
 * over the other axes), for an axis of size dim. */
void mxi_along_fail(mx_array *out, mx_array *idx, int ax, int64_t dim, int64_t bad,
                    const char *op);

#ifdef __cplusplus
}
#endif

#endif
