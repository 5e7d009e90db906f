/* k_unary.c — CPU kernels of the unary elementwise primitives, one strided loop per
 * (primitive, dtype). Constructors cast integer inputs of floating functions to float32, so
 * those loops exist for float16, bfloat16, float32, float64 (and complex64 where defined). */
#include <math.h>

#include "../common/scalar.h"
#include "loops.h"
#include "vmath.h"

static mxi_loop_fn table[MX_NUM_PRIMS][MX_NUM_DTYPES];

/* ---- scalar helpers ---- */
static inline double sigmoid_d(double x) { return 1.0 / (1.0 + exp(-x)); }
static inline float sigmoid_f(float x) { return 1.0f / (1.0f + mxi_expf(-x)); }
static inline float fsign(float x) { return x > 0 ? 1.0f : (x < 0 ? -1.0f : (x == 0 ? 0.0f : x)); }
static inline double dsign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : (x == 0 ? 0.0 : x)); }
static inline mxi_c64 csign(mxi_c64 z) {
  float r = cabsf(z);
  return r == 0 ? 0 : z / r;
}

/* erfinv: Giles' approximation, refined by Newton steps on erf (double precision). */
static double erfinv_d(double y) {
  if (!(y > -1.0 && y < 1.0)) {
    if (y == 1.0) return INFINITY;
    if (y == -1.0) return -INFINITY;
    return NAN;
  }
  double w = -log((1.0 - y) * (1.0 + y)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  double x = p * y;
  for (int i = 0; i < 2; i++) { /* Newton: erf(x) - y = 0 */
    double err = erf(x) - y;
    x -= err / (1.1283791670955126 * exp(-x * x));
  }
  return x;
}
static inline float erfinv_f(float y) { return (float)erfinv_d(y); }

/* ---- loops for the floating functions ---- */
#define FLOAT_LOOPS(OP, E32, E64)                                                           \
  MXI_UNARY_LOOP(OP##_f16, uint16_t, uint16_t, float, MXI_LD_f16, MXI_ST_f16, E32)          \
  MXI_UNARY_LOOP(OP##_bf16, uint16_t, uint16_t, float, MXI_LD_bf16, MXI_ST_bf16, E32)       \
  MXI_UNARY_LOOP(OP##_f32, float, float, float, MXI_LD_id, MXI_ST_id, E32)                  \
  MXI_UNARY_LOOP(OP##_f64, double, double, double, MXI_LD_id, MXI_ST_id, E64)
#define COMPLEX_LOOP(OP, EC) \
  MXI_UNARY_LOOP(OP##_c64, mxi_c64, mxi_c64, mxi_c64, MXI_LD_id, MXI_ST_id, EC)

#define LN2 0.693147180559945309
#define LN10 2.30258509299404568

FLOAT_LOOPS(sqrt, sqrtf(x), sqrt(x))
COMPLEX_LOOP(sqrt, csqrtf(x))
FLOAT_LOOPS(rsqrt, 1.0f / sqrtf(x), 1.0 / sqrt(x))
COMPLEX_LOOP(rsqrt, 1.0f / csqrtf(x))
FLOAT_LOOPS(reciprocal, 1.0f / x, 1.0 / x)
COMPLEX_LOOP(reciprocal, 1.0f / x)
FLOAT_LOOPS(exp, mxi_expf(x), exp(x))
COMPLEX_LOOP(exp, cexpf(x))
FLOAT_LOOPS(exp2, exp2f(x), exp2(x))
COMPLEX_LOOP(exp2, cexpf(x * (float)LN2))
FLOAT_LOOPS(expm1, expm1f(x), expm1(x))
COMPLEX_LOOP(expm1, cexpf(x) - 1.0f)
FLOAT_LOOPS(log, mxi_logf(x), log(x))
COMPLEX_LOOP(log, clogf(x))
FLOAT_LOOPS(log2, log2f(x), log2(x))
COMPLEX_LOOP(log2, clogf(x) / (float)LN2)
FLOAT_LOOPS(log10, log10f(x), log10(x))
COMPLEX_LOOP(log10, clogf(x) / (float)LN10)
FLOAT_LOOPS(log1p, log1pf(x), log1p(x))
COMPLEX_LOOP(log1p, clogf(1.0f + x))
FLOAT_LOOPS(sin, sinf(x), sin(x))
COMPLEX_LOOP(sin, csinf(x))
FLOAT_LOOPS(cos, cosf(x), cos(x))
COMPLEX_LOOP(cos, ccosf(x))
FLOAT_LOOPS(tan, tanf(x), tan(x))
COMPLEX_LOOP(tan, ctanf(x))
FLOAT_LOOPS(arcsin, asinf(x), asin(x))
COMPLEX_LOOP(arcsin, casinf(x))
FLOAT_LOOPS(arccos, acosf(x), acos(x))
COMPLEX_LOOP(arccos, cacosf(x))
FLOAT_LOOPS(arctan, atanf(x), atan(x))
COMPLEX_LOOP(arctan, catanf(x))
FLOAT_LOOPS(sinh, sinhf(x), sinh(x))
COMPLEX_LOOP(sinh, csinhf(x))
FLOAT_LOOPS(cosh, coshf(x), cosh(x))
COMPLEX_LOOP(cosh, ccoshf(x))
FLOAT_LOOPS(tanh, tanhf(x), tanh(x))
COMPLEX_LOOP(tanh, ctanhf(x))
FLOAT_LOOPS(arcsinh, asinhf(x), asinh(x))
COMPLEX_LOOP(arcsinh, casinhf(x))
FLOAT_LOOPS(arccosh, acoshf(x), acosh(x))
COMPLEX_LOOP(arccosh, cacoshf(x))
FLOAT_LOOPS(arctanh, atanhf(x), atanh(x))
COMPLEX_LOOP(arctanh, catanhf(x))
FLOAT_LOOPS(sigmoid, sigmoid_f(x), sigmoid_d(x))
/* in double: float32 cancels badly near the poles of 1 / (1 + exp(-z)) */
COMPLEX_LOOP(sigmoid, (mxi_c64)(1.0 / (1.0 + cexp(-(double complex)x))))
FLOAT_LOOPS(erf, erff(x), erf(x))
FLOAT_LOOPS(erfinv, erfinv_f(x), erfinv_d(x))
FLOAT_LOOPS(floor, floorf(x), floor(x))
FLOAT_LOOPS(ceil, ceilf(x), ceil(x))
FLOAT_LOOPS(round, mxi_round_float(x), mxi_round_double(x))
FLOAT_LOOPS(trunc, truncf(x), trunc(x))

/* ---- numeric ops on every numeric dtype; signed integers wrap (no UB) ---- */
#define WRAP(x, e) ((__typeof__(x))(e))
#define INT_LOOPS(OP, EXPR)                                                                 \
  MXI_UNARY_LOOP(OP##_u8, uint8_t, uint8_t, uint8_t, MXI_LD_id, MXI_ST_id, EXPR)            \
  MXI_UNARY_LOOP(OP##_u16, uint16_t, uint16_t, uint16_t, MXI_LD_id, MXI_ST_id, EXPR)        \
  MXI_UNARY_LOOP(OP##_u32, uint32_t, uint32_t, uint32_t, MXI_LD_id, MXI_ST_id, EXPR)        \
  MXI_UNARY_LOOP(OP##_u64, uint64_t, uint64_t, uint64_t, MXI_LD_id, MXI_ST_id, EXPR)        \
  MXI_UNARY_LOOP(OP##_i8, int8_t, int8_t, int8_t, MXI_LD_id, MXI_ST_id, EXPR)               \
  MXI_UNARY_LOOP(OP##_i16, int16_t, int16_t, int16_t, MXI_LD_id, MXI_ST_id, EXPR)           \
  MXI_UNARY_LOOP(OP##_i32, int32_t, int32_t, int32_t, MXI_LD_id, MXI_ST_id, EXPR)           \
  MXI_UNARY_LOOP(OP##_i64, int64_t, int64_t, int64_t, MXI_LD_id, MXI_ST_id, EXPR)

INT_LOOPS(abs, (x < 0 ? WRAP(x, 0u - (uint64_t)x) : x))
FLOAT_LOOPS(abs, fabsf(x), fabs(x))
MXI_UNARY_LOOP(abs_c64, mxi_c64, float, mxi_c64, MXI_LD_id, MXI_ST_id, cabsf(x))
INT_LOOPS(negative, WRAP(x, 0u - (uint64_t)x))
FLOAT_LOOPS(negative, -x, -x)
COMPLEX_LOOP(negative, -x)
INT_LOOPS(sign, WRAP(x, (x > 0) - (x < 0)))
FLOAT_LOOPS(sign, fsign(x), dsign(x))
COMPLEX_LOOP(sign, csign(x))
INT_LOOPS(square, WRAP(x, (uint64_t)x * (uint64_t)x))
FLOAT_LOOPS(square, x * x, x * x)
COMPLEX_LOOP(square, x * x)

/* ---- predicates and logic ---- */
#define PRED_LOOPS(OP, E32, E64, EC)                                                        \
  MXI_UNARY_LOOP(OP##_f16, uint16_t, uint8_t, float, MXI_LD_f16, MXI_ST_id, E32)            \
  MXI_UNARY_LOOP(OP##_bf16, uint16_t, uint8_t, float, MXI_LD_bf16, MXI_ST_id, E32)          \
  MXI_UNARY_LOOP(OP##_f32, float, uint8_t, float, MXI_LD_id, MXI_ST_id, E32)                \
  MXI_UNARY_LOOP(OP##_f64, double, uint8_t, double, MXI_LD_id, MXI_ST_id, E64)              \
  MXI_UNARY_LOOP(OP##_c64, mxi_c64, uint8_t, mxi_c64, MXI_LD_id, MXI_ST_id, EC)
PRED_LOOPS(isnan, isnan(x), isnan(x), isnan(crealf(x)) || isnan(cimagf(x)))
PRED_LOOPS(isinf, isinf(x), isinf(x), isinf(crealf(x)) || isinf(cimagf(x)))
PRED_LOOPS(isfinite, isfinite(x), isfinite(x), isfinite(crealf(x)) && isfinite(cimagf(x)))

#define NOT_LOOP(SUF, T) MXI_UNARY_LOOP(lnot_##SUF, T, uint8_t, T, MXI_LD_id, MXI_ST_id, x == 0)
NOT_LOOP(b, uint8_t)
NOT_LOOP(u8, uint8_t)
NOT_LOOP(u16, uint16_t)
NOT_LOOP(u32, uint32_t)
NOT_LOOP(u64, uint64_t)
NOT_LOOP(i8, int8_t)
NOT_LOOP(i16, int16_t)
NOT_LOOP(i32, int32_t)
NOT_LOOP(i64, int64_t)
NOT_LOOP(f32, float)
NOT_LOOP(f64, double)
NOT_LOOP(c64, mxi_c64)
MXI_UNARY_LOOP(lnot_f16, uint16_t, uint8_t, uint16_t, MXI_LD_id, MXI_ST_id, (x & 0x7fffu) == 0)
MXI_UNARY_LOOP(lnot_bf16, uint16_t, uint8_t, uint16_t, MXI_LD_id, MXI_ST_id, (x & 0x7fffu) == 0)

INT_LOOPS(invert, WRAP(x, ~x))
MXI_UNARY_LOOP(invert_b, uint8_t, uint8_t, uint8_t, MXI_LD_id, MXI_ST_id, x == 0)

MXI_UNARY_LOOP(real_c64, mxi_c64, float, mxi_c64, MXI_LD_id, MXI_ST_id, crealf(x))
MXI_UNARY_LOOP(imag_c64, mxi_c64, float, mxi_c64, MXI_LD_id, MXI_ST_id, cimagf(x))
COMPLEX_LOOP(conj, conjf(x))

/* Rough cost per element relative to a copy, for the thread split. */
static int cost_of(mx_prim p) {
  switch (p) {
    case MX_PRIM_ABS: case MX_PRIM_NEGATIVE: case MX_PRIM_SIGN: case MX_PRIM_SQUARE:
    case MX_PRIM_ISNAN: case MX_PRIM_ISINF: case MX_PRIM_ISFINITE: case MX_PRIM_LOGICAL_NOT:
    case MX_PRIM_BITWISE_INVERT: case MX_PRIM_REAL: case MX_PRIM_IMAG: case MX_PRIM_CONJUGATE:
    case MX_PRIM_FLOOR: case MX_PRIM_CEIL: case MX_PRIM_ROUND: case MX_PRIM_TRUNC:
      return 1;
    default:
      return 16;
  }
}

static mx_status k_unary(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  (void)p;
  mxi_loop_fn f = table[out->prim][in[0]->dtype];
  if (!f) {
    mxi_kernel_fail(out, "no CPU loop for dtype %s", mx_dtype_name((mx_dtype)in[0]->dtype));
    return MX_ERROR;
  }
  if (!mxi_out_alloc(out, in, 1)) return MX_ERROR;
  mxi_cpu_map(out, 1, in, f, NULL, cost_of((mx_prim)out->prim));
  return MX_OK;
}

#define SET_FLOAT(P, OP)                  \
  do {                                    \
    table[P][MX_FLOAT16] = OP##_f16;      \
    table[P][MX_BFLOAT16] = OP##_bf16;    \
    table[P][MX_FLOAT32] = OP##_f32;      \
    table[P][MX_FLOAT64] = OP##_f64;      \
  } while (0)
#define SET_FC(P, OP)                     \
  do {                                    \
    SET_FLOAT(P, OP);                     \
    table[P][MX_COMPLEX64] = OP##_c64;    \
  } while (0)
#define SET_INT(P, OP)                    \
  do {                                    \
    table[P][MX_UINT8] = OP##_u8;         \
    table[P][MX_UINT16] = OP##_u16;       \
    table[P][MX_UINT32] = OP##_u32;       \
    table[P][MX_UINT64] = OP##_u64;       \
    table[P][MX_INT8] = OP##_i8;          \
    table[P][MX_INT16] = OP##_i16;        \
    table[P][MX_INT32] = OP##_i32;        \
    table[P][MX_INT64] = OP##_i64;        \
  } while (0)

void mxi_cpu_register_unary(mx_kernel_fn *k) {
  SET_FC(MX_PRIM_SQRT, sqrt);
  SET_FC(MX_PRIM_RSQRT, rsqrt);
  SET_FC(MX_PRIM_RECIPROCAL, reciprocal);
  SET_FC(MX_PRIM_EXP, exp);
  SET_FC(MX_PRIM_EXP2, exp2);
  SET_FC(MX_PRIM_EXPM1, expm1);
  SET_FC(MX_PRIM_LOG, log);
  SET_FC(MX_PRIM_LOG2, log2);
  SET_FC(MX_PRIM_LOG10, log10);
  SET_FC(MX_PRIM_LOG1P, log1p);
  SET_FC(MX_PRIM_SIN, sin);
  SET_FC(MX_PRIM_COS, cos);
  SET_FC(MX_PRIM_TAN, tan);
  SET_FC(MX_PRIM_ARCSIN, arcsin);
  SET_FC(MX_PRIM_ARCCOS, arccos);
  SET_FC(MX_PRIM_ARCTAN, arctan);
  SET_FC(MX_PRIM_SINH, sinh);
  SET_FC(MX_PRIM_COSH, cosh);
  SET_FC(MX_PRIM_TANH, tanh);
  SET_FC(MX_PRIM_ARCSINH, arcsinh);
  SET_FC(MX_PRIM_ARCCOSH, arccosh);
  SET_FC(MX_PRIM_ARCTANH, arctanh);
  SET_FC(MX_PRIM_SIGMOID, sigmoid);
  SET_FLOAT(MX_PRIM_ERF, erf);
  SET_FLOAT(MX_PRIM_ERFINV, erfinv);
  SET_FLOAT(MX_PRIM_FLOOR, floor);
  SET_FLOAT(MX_PRIM_CEIL, ceil);
  SET_FLOAT(MX_PRIM_ROUND, round);
  SET_FLOAT(MX_PRIM_TRUNC, trunc);
  SET_INT(MX_PRIM_ABS, abs);
  SET_FLOAT(MX_PRIM_ABS, abs);
  table[MX_PRIM_ABS][MX_COMPLEX64] = abs_c64;
  SET_INT(MX_PRIM_NEGATIVE, negative);
  SET_FC(MX_PRIM_NEGATIVE, negative);
  SET_INT(MX_PRIM_SIGN, sign);
  SET_FC(MX_PRIM_SIGN, sign);
  SET_INT(MX_PRIM_SQUARE, square);
  SET_FC(MX_PRIM_SQUARE, square);
  SET_FC(MX_PRIM_ISNAN, isnan);
  SET_FC(MX_PRIM_ISINF, isinf);
  SET_FC(MX_PRIM_ISFINITE, isfinite);
  table[MX_PRIM_LOGICAL_NOT][MX_BOOL] = lnot_b;
  SET_INT(MX_PRIM_LOGICAL_NOT, lnot);
  SET_FC(MX_PRIM_LOGICAL_NOT, lnot);
  SET_INT(MX_PRIM_BITWISE_INVERT, invert);
  table[MX_PRIM_BITWISE_INVERT][MX_BOOL] = invert_b;
  table[MX_PRIM_REAL][MX_COMPLEX64] = real_c64;
  table[MX_PRIM_IMAG][MX_COMPLEX64] = imag_c64;
  table[MX_PRIM_CONJUGATE][MX_COMPLEX64] = conj_c64;
  for (int p = 0; p < MX_NUM_PRIMS; p++)
    for (int d = 0; d < MX_NUM_DTYPES; d++)
      if (table[p][d]) k[p] = k_unary;
}
