/* saturate.h — float to integer conversion with mx's semantics: truncate toward zero, saturate at
 * the type's range, NaN gives 0. One copy for the CPU casts (convert.h) and the CUDA ones
 * (convert.cuh: mxi_sat(x, (T *)0) picks the type in templates). */
#ifndef MX_CORE_SATURATE_H
#define MX_CORE_SATURATE_H

#include <stdint.h>

#include "hd.h"

#ifdef __cplusplus
#define MXI_SAT_OVERLOAD(T) \
  MXI_HD T mxi_sat(double x, T *) { return mxi_sat_##T(x); }
#else
#define MXI_SAT_OVERLOAD(T)
#endif

#define MXI_SAT(T, LO, HI)                \
  MXI_HD T mxi_sat_##T(double x) {        \
    if (x != x) return 0;                 \
    if (x <= (double)(LO)) return (T)(LO); \
    if (x >= (double)(HI)) return (T)(HI); \
    return (T)x;                          \
  }                                       \
  MXI_SAT_OVERLOAD(T)
MXI_SAT(int8_t, INT8_MIN, INT8_MAX)
MXI_SAT(int16_t, INT16_MIN, INT16_MAX)
MXI_SAT(int32_t, INT32_MIN, INT32_MAX)
MXI_SAT(uint8_t, 0, UINT8_MAX)
MXI_SAT(uint16_t, 0, UINT16_MAX)
MXI_SAT(uint32_t, 0, UINT32_MAX)
#undef MXI_SAT
/* 2^63 and 2^64 are exact doubles; INT64_MAX and UINT64_MAX are not, so compare with those. */
MXI_HD int64_t mxi_sat_int64_t(double x) {
  if (x != x) return 0;
  if (x <= -9223372036854775808.0) return INT64_MIN;
  if (x >= 9223372036854775808.0) return INT64_MAX;
  return (int64_t)x;
}
MXI_SAT_OVERLOAD(int64_t)
MXI_HD uint64_t mxi_sat_uint64_t(double x) {
  if (x != x || x <= 0) return 0;
  if (x >= 18446744073709551616.0) return UINT64_MAX;
  return (uint64_t)x;
}
MXI_SAT_OVERLOAD(uint64_t)
#undef MXI_SAT_OVERLOAD

#endif
