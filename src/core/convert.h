/* convert.h — scalar conversions between dtypes with mx's defined semantics: float to integer
 * truncates toward zero and saturates, NaN gives 0; complex to real keeps the real part. Used by
 * the cast kernels, item access, printing and loaders, so every path agrees. */
#ifndef MX_CORE_CONVERT_H
#define MX_CORE_CONVERT_H

#include <complex.h>
#include <math.h>
#include <stdint.h>

#include "half.h"
#include "mx/base.h"

/* glibc defines CMPLX/CMPLXF only for GCC >= 4.7; clang reports GCC 4.2 but has the builtin. */
#ifndef CMPLXF
#define CMPLXF(x, y) __builtin_complex((float)(x), (float)(y))
#endif
#ifndef CMPLX
#define CMPLX(x, y) __builtin_complex((double)(x), (double)(y))
#endif

#define MXI_SAT(T, LO, HI)                                      \
  static inline T mxi_sat_##T(double x) {                       \
    if (x != x) return 0;                                       \
    if (x <= (double)(LO)) return (T)(LO);                      \
    if (x >= (double)(HI)) return (T)(HI);                      \
    return (T)x;                                                \
  }
MXI_SAT(int8_t, INT8_MIN, INT8_MAX)
MXI_SAT(int16_t, INT16_MIN, INT16_MAX)
MXI_SAT(int32_t, INT32_MIN, INT32_MAX)
MXI_SAT(uint8_t, 0, UINT8_MAX)
MXI_SAT(uint16_t, 0, UINT16_MAX)
MXI_SAT(uint32_t, 0, UINT32_MAX)
#undef MXI_SAT
/* 2^63 and 2^64 are exact doubles; INT64_MAX and UINT64_MAX are not, so compare with those. */
static inline int64_t mxi_sat_int64_t(double x) {
  if (x != x) return 0;
  if (x <= -9223372036854775808.0) return INT64_MIN;
  if (x >= 9223372036854775808.0) return INT64_MAX;
  return (int64_t)x;
}
static inline uint64_t mxi_sat_uint64_t(double x) {
  if (x != x || x <= 0) return 0;
  if (x >= 18446744073709551616.0) return UINT64_MAX;
  return (uint64_t)x;
}

/* Reads element of dtype dt at p as a double (complex: real part). */
static inline double mxi_load_f64(const void *p, mx_dtype dt) {
  switch (dt) {
    case MX_BOOL: return *(const uint8_t *)p ? 1.0 : 0.0;
    case MX_UINT8: return *(const uint8_t *)p;
    case MX_UINT16: return *(const uint16_t *)p;
    case MX_UINT32: return *(const uint32_t *)p;
    case MX_UINT64: return (double)*(const uint64_t *)p;
    case MX_INT8: return *(const int8_t *)p;
    case MX_INT16: return *(const int16_t *)p;
    case MX_INT32: return *(const int32_t *)p;
    case MX_INT64: return (double)*(const int64_t *)p;
    case MX_FLOAT16: return mxi_f16_to_f32(*(const uint16_t *)p);
    case MX_BFLOAT16: return mxi_bf16_to_f32(*(const uint16_t *)p);
    case MX_FLOAT32: return *(const float *)p;
    case MX_FLOAT64: return *(const double *)p;
    case MX_COMPLEX64: return crealf(*(const float complex *)p);
    default: return 0;
  }
}

/* Reads an integer element exactly (floats truncate and saturate). */
static inline int64_t mxi_load_i64(const void *p, mx_dtype dt) {
  switch (dt) {
    case MX_UINT64: return (int64_t)*(const uint64_t *)p;
    case MX_INT64: return *(const int64_t *)p;
    case MX_UINT32: return *(const uint32_t *)p;
    case MX_INT32: return *(const int32_t *)p;
    default: return mxi_sat_int64_t(mxi_load_f64(p, dt));
  }
}

/* Writes x converted to dtype dt at p. */
static inline void mxi_store_f64(void *p, mx_dtype dt, double x) {
  switch (dt) {
    case MX_BOOL: *(uint8_t *)p = x != 0; break;
    case MX_UINT8: *(uint8_t *)p = mxi_sat_uint8_t(x); break;
    case MX_UINT16: *(uint16_t *)p = mxi_sat_uint16_t(x); break;
    case MX_UINT32: *(uint32_t *)p = mxi_sat_uint32_t(x); break;
    case MX_UINT64: *(uint64_t *)p = mxi_sat_uint64_t(x); break;
    case MX_INT8: *(int8_t *)p = mxi_sat_int8_t(x); break;
    case MX_INT16: *(int16_t *)p = mxi_sat_int16_t(x); break;
    case MX_INT32: *(int32_t *)p = mxi_sat_int32_t(x); break;
    case MX_INT64: *(int64_t *)p = mxi_sat_int64_t(x); break;
    case MX_FLOAT16: *(uint16_t *)p = mxi_f32_to_f16((float)x); break;
    case MX_BFLOAT16: *(uint16_t *)p = mxi_f32_to_bf16((float)x); break;
    case MX_FLOAT32: *(float *)p = (float)x; break;
    case MX_FLOAT64: *(double *)p = x; break;
    case MX_COMPLEX64: *(float complex *)p = (float)x; break;
    default: break;
  }
}

#endif
