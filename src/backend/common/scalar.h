/* scalar.h — the scalar semantics both backends must agree on bit for bit (docs/semantics.md):
 * integer floor division, remainder and power (by zero: 0; MIN / -1 wraps), shifts (by a negative
 * amount or by the width or more: 0, or -1 for a negative value shifted right), Python/NumPy float
 * floor division and modulo (through double), NaN-propagating max/min, round half to even.
 * Per type T the C names are mxi_OP_T (mxi_fdiv_int8_t); C++ (the CUDA templates) also gets the
 * overloads mxi_OP(a, b). */
#ifndef MX_COMMON_SCALAR_H
#define MX_COMMON_SCALAR_H

#include <math.h>
#include <stdint.h>

#include "../../core/hd.h"

#ifdef __cplusplus
#define MXI_OVERLOAD2(OP, T) \
  MXI_HD T mxi_##OP(T a, T b) { return mxi_##OP##_##T(a, b); }
#else
#define MXI_OVERLOAD2(OP, T)
#endif

/* ---- integers ---- */
/* base^e in 64 bits (wraps); the callers truncate to their type. */
MXI_HD uint64_t mxi_upow_u64(uint64_t base, uint64_t e) {
  uint64_t r = 1;
  for (; e; e >>= 1, base *= base)
    if (e & 1) r *= base;
  return r;
}
#define MXI_INT_OVERLOADS(T)                                                      \
  MXI_OVERLOAD2(fdiv, T) MXI_OVERLOAD2(mod, T) MXI_OVERLOAD2(ipow, T)            \
  MXI_OVERLOAD2(shl, T) MXI_OVERLOAD2(shr, T)
#define MXI_SIGNED_OPS(T, BITS)                                                   \
  MXI_HD T mxi_fdiv_##T(T a, T b) {                                               \
    if (b == 0) return 0;                                                         \
    if (b == -1) return (T)(0u - (uint64_t)a); /* MIN / -1 wraps, no trap */      \
    T q = (T)(a / b);                                                             \
    if ((T)(a % b) != 0 && ((a < 0) != (b < 0))) q--;                             \
    return q;                                                                     \
  }                                                                               \
  MXI_HD T mxi_mod_##T(T a, T b) {                                                \
    if (b == 0 || b == -1) return 0;                                              \
    T r = (T)(a % b);                                                             \
    if (r != 0 && ((r < 0) != (b < 0))) r = (T)(r + b);                           \
    return r;                                                                     \
  }                                                                               \
  MXI_HD T mxi_ipow_##T(T a, T b) {                                               \
    if (b < 0) return a == 1 ? 1 : (a == -1 ? ((b & 1) ? -1 : 1) : 0);          \
    return (T)mxi_upow_u64((uint64_t)a, (uint64_t)b);                             \
  }                                                                               \
  MXI_HD T mxi_shl_##T(T a, T b) {                                                \
    return (b < 0 || (uint64_t)b >= BITS) ? 0 : (T)((uint64_t)a << b);            \
  }                                                                               \
  MXI_HD T mxi_shr_##T(T a, T b) {                                                \
    if (b < 0 || (uint64_t)b >= BITS) return (T)(a < 0 ? -1 : 0);                 \
    return (T)(a >> b);                                                           \
  }                                                                               \
  MXI_INT_OVERLOADS(T)
MXI_SIGNED_OPS(int8_t, 8)
MXI_SIGNED_OPS(int16_t, 16)
MXI_SIGNED_OPS(int32_t, 32)
MXI_SIGNED_OPS(int64_t, 64)
#undef MXI_SIGNED_OPS

#define MXI_UNSIGNED_OPS(T, BITS)                                                 \
  MXI_HD T mxi_fdiv_##T(T a, T b) { return b == 0 ? 0 : (T)(a / b); }            \
  MXI_HD T mxi_mod_##T(T a, T b) { return b == 0 ? 0 : (T)(a % b); }             \
  MXI_HD T mxi_ipow_##T(T a, T b) { return (T)mxi_upow_u64(a, b); }             \
  MXI_HD T mxi_shl_##T(T a, T b) { return (uint64_t)b >= BITS ? 0 : (T)((uint64_t)a << b); } \
  MXI_HD T mxi_shr_##T(T a, T b) { return (uint64_t)b >= BITS ? 0 : (T)(a >> b); }          \
  MXI_INT_OVERLOADS(T)
MXI_UNSIGNED_OPS(uint8_t, 8)
MXI_UNSIGNED_OPS(uint16_t, 16)
MXI_UNSIGNED_OPS(uint32_t, 32)
MXI_UNSIGNED_OPS(uint64_t, 64)
#undef MXI_UNSIGNED_OPS

/* ---- floats: Python/NumPy floor division and modulo, float32 through double ---- */
MXI_HD double mxi_divmod_f64(double a, double b, double *mod_out) {
  double mod = fmod(a, b);
  if (b == 0) {
    *mod_out = mod; /* NaN */
    return a / b;
  }
  double div = (a - mod) / b;
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) {
      mod += b;
      div -= 1.0;
    }
  } else {
    mod = copysign(0.0, b);
  }
  double fd;
  if (div != 0) {
    fd = floor(div);
    if (div - fd > 0.5) fd += 1.0;
  } else {
    fd = copysign(0.0, a / b);
  }
  *mod_out = mod;
  return fd;
}
MXI_HD double mxi_fdiv_double(double a, double b) {
  double m;
  return mxi_divmod_f64(a, b, &m);
}
MXI_HD double mxi_mod_double(double a, double b) {
  double m;
  mxi_divmod_f64(a, b, &m);
  return m;
}
MXI_HD float mxi_fdiv_float(float a, float b) { return (float)mxi_fdiv_double(a, b); }
MXI_HD float mxi_mod_float(float a, float b) { return (float)mxi_mod_double(a, b); }

/* NaN-propagating maximum / minimum (a NaN on either side wins). */
MXI_HD float mxi_max_float(float a, float b) { return (a > b || a != a) ? a : b; }
MXI_HD float mxi_min_float(float a, float b) { return (a < b || a != a) ? a : b; }
MXI_HD double mxi_max_double(double a, double b) { return (a > b || a != a) ? a : b; }
MXI_HD double mxi_min_double(double a, double b) { return (a < b || a != a) ? a : b; }

/* Round half to even (the default rounding mode's rint). */
MXI_HD float mxi_round_float(float x) { return rintf(x); }
MXI_HD double mxi_round_double(double x) { return rint(x); }

MXI_OVERLOAD2(fdiv, float) MXI_OVERLOAD2(fdiv, double)
MXI_OVERLOAD2(mod, float) MXI_OVERLOAD2(mod, double)
MXI_OVERLOAD2(max, float) MXI_OVERLOAD2(max, double)
MXI_OVERLOAD2(min, float) MXI_OVERLOAD2(min, double)
#ifdef __cplusplus
MXI_HD float mxi_round(float x) { return mxi_round_float(x); }
MXI_HD double mxi_round(double x) { return mxi_round_double(x); }
#endif
#undef MXI_INT_OVERLOADS
#undef MXI_OVERLOAD2

#endif
