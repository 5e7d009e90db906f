/* indexing_util.h — helpers shared by the indexing constructors (indexing.c, take.c). */
#ifndef MX_OPS_INDEXING_UTIL_H
#define MX_OPS_INDEXING_UTIL_H

#include "util.h"

/* An error array naming op when idx is not integer-typed; else NULL. */
mx_array *mxi_check_index_dtype(const char *op, const mx_array *idx);
/* An error array naming op for an unknown mode or an unordered dtype with max/min; else NULL. */
mx_array *mxi_check_scatter_mode(const char *op, mx_scatter_mode mode, mx_dtype dt);
/* mx_gather whose errors (construction and evaluation) name op. */
mx_array *mxi_gather(const char *op, mx_array *a, int n, mx_array *const *indices,
                     const int *axes, const int64_t *slice_sizes);

#endif
