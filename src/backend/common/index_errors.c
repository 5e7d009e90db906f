/* index_errors.c — out-of-range index messages (index_errors.h). */
#include "index_errors.h"

#include <stdio.h>
#include <string.h>

#include "../../core/registry.h"
#include "index.h"

void mxi_index_fail(mx_array *out, const char *op, int k, int ax, int64_t dim, int64_t block,
                    const char *p, int dt) {
  char v[32], where[64] = "";
  mxi_index_str(v, sizeof v, p, dt);
  if (block > 1) snprintf(where, sizeof where, " with a block of %lld", (long long)block);
  bool own = !op || strcmp(op, mxi_prims[out->prim].name) == 0;
  if (own)
    mxi_kernel_fail(out, "index %s (index array %d) is out of range for axis %d of size %lld%s",
                    v, k, ax, (long long)dim, where);
  else /* the op's axes are not the primitive's: name only the size */
    mxi_kernel_fail(out, "index %s is out of range for an axis of size %lld%s (in mx_%s)", v,
                    (long long)dim, where, op);
}

void mxi_along_fail(mx_array *out, mx_array *idx, int ax, int64_t dim, int64_t bad,
                    const char *op) {
  /* bad = row * len + j: j along ax, row over the other axes (row-major) */
  int64_t len = idx->shape[ax], f = bad / len, off = (bad % len) * idx->strides[ax];
  for (int i = idx->ndim - 1; i >= 0; i--) {
    if (i == ax) continue;
    off += (f % idx->shape[i]) * idx->strides[i];
    f /= idx->shape[i];
  }
  char v[32], from[64] = "";
  mxi_index_str(v, sizeof v, (const char *)mxi_host_ptr(idx) + off, idx->dtype);
  if (op && strcmp(op, mxi_prims[out->prim].name) != 0)
    snprintf(from, sizeof from, " (in mx_%s)", op);
  mxi_kernel_fail(out, "index %s is out of range for axis %d of size %lld%s", v, ax,
                  (long long)dim, from);
}
