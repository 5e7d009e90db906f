/* index.h — index values as both backends read them: an index of any integer dtype loaded as
 * int64, normalized for an axis (negative counts from the end), and written out for an error
 * message. The kernels call the first two per element on the CPU and on the GPU. */
#ifndef MX_COMMON_INDEX_H
#define MX_COMMON_INDEX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../../core/hd.h"
#include "mx/base.h"

/* Reads the index at p of dtype dt. false when no array could have it (a uint64 above
 * INT64_MAX, or a non-integer dtype, which the constructors let through to no kernel). */
MXI_HD bool mxi_load_index(const char *p, int dt, int64_t *v) {
  switch (dt) {
    case MX_UINT8: *v = *(const uint8_t *)p; return true;
    case MX_UINT16: *v = *(const uint16_t *)p; return true;
    case MX_UINT32: *v = *(const uint32_t *)p; return true;
    case MX_UINT64: {
      uint64_t u = *(const uint64_t *)p;
      *v = u > (uint64_t)INT64_MAX ? -1 : (int64_t)u;
      return u <= (uint64_t)INT64_MAX;
    }
    case MX_INT8: *v = *(const int8_t *)p; return true;
    case MX_INT16: *v = *(const int16_t *)p; return true;
    case MX_INT32: *v = *(const int32_t *)p; return true;
    case MX_INT64: *v = *(const int64_t *)p; return true;
    default: *v = 0; return false;
  }
}

/* Normalizes a loaded index for an axis of size dim (negative counts from the end) such that a
 * block of `block` elements starting there fits. */
MXI_HD bool mxi_norm_index(bool loaded, int64_t *v, int64_t dim, int64_t block) {
  if (!loaded) return false;
  if (*v < 0) *v += dim;
  return *v >= 0 && *v < dim && *v <= dim - block;
}

/* Writes the index stored at p (its dtype's own notation) into buf (host only). */
static inline void mxi_index_str(char *buf, size_t len, const char *p, int dt) {
  if (dt == MX_UINT64)
    snprintf(buf, len, "%llu", (unsigned long long)*(const uint64_t *)p);
  else {
    int64_t v;
    mxi_load_index(p, dt, &v);
    snprintf(buf, len, "%lld", (long long)v);
  }
}

#endif
