/* convert.h — scalar conversions between dtypes with mx's defined semantics: float to integer
 * truncates toward zero and saturates, NaN gives 0; complex to real keeps the real part. Used by
 * the cast kernels, item access, printing and loaders, so every path agrees. */
#ifndef MX_CORE_CONVERT_H
#define MX_CORE_CONVERT_H

#include <complex.h>
#include <math.h>
#include <stdint.h>

#include "half.h"
#include "saturate.h"
#include "mx/base.h"

/* CMPLXF without relying on compiler builtins (clang lacks them): C11 lays out a complex as an
 * array of two reals. */
static inline float complex mxi_cmplxf(float re, float im) {
  float complex z;
  ((float *)&z)[0] = re;
  ((float *)&z)[1] = im;
  return z;
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
