/* k_cast.c — ASTYPE: conversion loops for every (source, destination) dtype pair, with the
 * semantics of core/convert.h (float to integer saturates, NaN -> 0; complex -> real part;
 * integer to narrower integer wraps). */
#include "loops.h"

static mxi_loop_fn table[MX_NUM_DTYPES][MX_NUM_DTYPES];

/* Storage type and the "wide" family of each dtype: i (int64), u (uint64), f (double), c. */
#define T_b uint8_t
#define T_u8 uint8_t
#define T_u16 uint16_t
#define T_u32 uint32_t
#define T_u64 uint64_t
#define T_i8 int8_t
#define T_i16 int16_t
#define T_i32 int32_t
#define T_i64 int64_t
#define T_f16 uint16_t
#define T_bf16 uint16_t
#define T_f32 float
#define T_f64 double
#define T_c64 mxi_c64

/* Reading a source element into its wide family. */
#define W_b(v) ((uint64_t)((v) != 0))
#define W_u8(v) ((uint64_t)(v))
#define W_u16(v) ((uint64_t)(v))
#define W_u32(v) ((uint64_t)(v))
#define W_u64(v) ((uint64_t)(v))
#define W_i8(v) ((int64_t)(v))
#define W_i16(v) ((int64_t)(v))
#define W_i32(v) ((int64_t)(v))
#define W_i64(v) ((int64_t)(v))
#define W_f16(v) ((double)mxi_f16_to_f32(v))
#define W_bf16(v) ((double)mxi_bf16_to_f32(v))
#define W_f32(v) ((double)(v))
#define W_f64(v) ((double)(v))
#define W_c64(v) (v)

/* Writing a destination element from any family: the C conversion for integers (wraps through
 * unsigned for narrowing), saturation for floats, the real part for complex. _Generic picks the
 * source family. */
static inline double c_re(mxi_c64 z) { return crealf(z); }
#define FROM_ANY(v, INT_CASE, FLT_CASE)                                         \
  _Generic((v), int64_t: INT_CASE, uint64_t: INT_CASE, double: FLT_CASE,      \
           mxi_c64: FLT_CASE)
#define AS_DBL(v) _Generic((v), mxi_c64: c_re((mxi_c64)(v)), default: (double)(v))

#define S_b(v) _Generic((v), mxi_c64: ((v) != 0), default: ((v) != 0))
#define S_INT(T, v) _Generic((v), int64_t: (T)(uint64_t)(v), uint64_t: (T)(v), \
                             double: mxi_sat_##T(AS_DBL(v)), mxi_c64: mxi_sat_##T(AS_DBL(v)))
#define S_u8(v) S_INT(uint8_t, v)
#define S_u16(v) S_INT(uint16_t, v)
#define S_u32(v) S_INT(uint32_t, v)
#define S_u64(v) S_INT(uint64_t, v)
#define S_i8(v) S_INT(int8_t, v)
#define S_i16(v) S_INT(int16_t, v)
#define S_i32(v) S_INT(int32_t, v)
#define S_i64(v) S_INT(int64_t, v)
#define S_f32(v) ((float)AS_DBL(v))
#define S_f64(v) (AS_DBL(v))
#define S_f16(v) mxi_f32_to_f16((float)AS_DBL(v))
#define S_bf16(v) mxi_f32_to_bf16((float)AS_DBL(v))
#define S_c64(v) _Generic((v), mxi_c64: (v), default: (mxi_c64)(float)AS_DBL(v))

#define CAST(S, D)                                                                    \
  static void cast_##S##_##D(int64_t n, char **p, const int64_t *s, const void *ctx) { \
    (void)ctx;                                                                        \
    if (s[0] == (int64_t)sizeof(T_##D) && s[1] == (int64_t)sizeof(T_##S)) {           \
      T_##D *o = (T_##D *)p[0];                                                       \
      const T_##S *a = (const T_##S *)p[1];                                           \
      for (int64_t i = 0; i < n; i++) o[i] = S_##D(W_##S(a[i]));                      \
    } else {                                                                          \
      for (int64_t i = 0; i < n; i++)                                                 \
        *(T_##D *)(p[0] + i * s[0]) = S_##D(W_##S(*(const T_##S *)(p[1] + i * s[1]))); \
    }                                                                                 \
  }

#define CAST_FROM(S)                                                                  \
  CAST(S, b) CAST(S, u8) CAST(S, u16) CAST(S, u32) CAST(S, u64) CAST(S, i8) CAST(S, i16) \
  CAST(S, i32) CAST(S, i64) CAST(S, f16) CAST(S, bf16) CAST(S, f32) CAST(S, f64) CAST(S, c64)

CAST_FROM(b)
CAST_FROM(u8)
CAST_FROM(u16)
CAST_FROM(u32)
CAST_FROM(u64)
CAST_FROM(i8)
CAST_FROM(i16)
CAST_FROM(i32)
CAST_FROM(i64)
CAST_FROM(f16)
CAST_FROM(bf16)
CAST_FROM(f32)
CAST_FROM(f64)
CAST_FROM(c64)

#define ROW(S, DT)                                                                   \
  do {                                                                               \
    table[DT][MX_BOOL] = cast_##S##_b;                                               \
    table[DT][MX_UINT8] = cast_##S##_u8;                                             \
    table[DT][MX_UINT16] = cast_##S##_u16;                                           \
    table[DT][MX_UINT32] = cast_##S##_u32;                                           \
    table[DT][MX_UINT64] = cast_##S##_u64;                                           \
    table[DT][MX_INT8] = cast_##S##_i8;                                              \
    table[DT][MX_INT16] = cast_##S##_i16;                                            \
    table[DT][MX_INT32] = cast_##S##_i32;                                            \
    table[DT][MX_INT64] = cast_##S##_i64;                                            \
    table[DT][MX_FLOAT16] = cast_##S##_f16;                                          \
    table[DT][MX_BFLOAT16] = cast_##S##_bf16;                                        \
    table[DT][MX_FLOAT32] = cast_##S##_f32;                                          \
    table[DT][MX_FLOAT64] = cast_##S##_f64;                                          \
    table[DT][MX_COMPLEX64] = cast_##S##_c64;                                        \
  } while (0)


static mx_status k_astype(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  (void)p;
  if (!mxi_out_alloc(out, in, 1)) return MX_ERROR;
  mxi_cpu_map(out, 1, in, table[in[0]->dtype][out->dtype], NULL, 2);
  return MX_OK;
}

void mxi_cpu_register_cast(mx_kernel_fn *k) {
  ROW(b, MX_BOOL);
  ROW(u8, MX_UINT8);
  ROW(u16, MX_UINT16);
  ROW(u32, MX_UINT32);
  ROW(u64, MX_UINT64);
  ROW(i8, MX_INT8);
  ROW(i16, MX_INT16);
  ROW(i32, MX_INT32);
  ROW(i64, MX_INT64);
  ROW(f16, MX_FLOAT16);
  ROW(bf16, MX_BFLOAT16);
  ROW(f32, MX_FLOAT32);
  ROW(f64, MX_FLOAT64);
  ROW(c64, MX_COMPLEX64);
  k[MX_PRIM_ASTYPE] = k_astype;
}
