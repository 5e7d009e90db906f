/* k_binary.c — CPU kernels of the binary elementwise primitives and WHERE. Inputs arrive with
 * one common dtype (the constructor promotes); the loops broadcast through zero strides.
 * Integer semantics (docs/semantics.md): +, -, * wrap; // and % by zero give 0; shifts by a
 * negative amount or by the bit width or more give 0 (or -1 for negative values shifted right). */
#include <math.h>

#include "../common/scalar.h"
#include "loops.h"
#include "vmath.h"

static mxi_loop_fn table[MX_NUM_PRIMS][MX_NUM_DTYPES];

#define WRAP(x, e) ((__typeof__(x))(e))

static inline float logaddexp_f(float a, float b) {
  float m = a > b ? a : b;
  if (isinf(m) && a == b) return m; /* both -inf or both +inf */
  return m + log1pf(mxi_expf(-fabsf(a - b)));
}
static inline double logaddexp_d(double a, double b) {
  double m = a > b ? a : b;
  if (isinf(m) && a == b) return m;
  return m + log1p(exp(-fabs(a - b)));
}

/* ---- loop families ---- */
#define BIN_FLOAT(OP, E32, E64)                                                              \
  MXI_BINARY_LOOP(OP##_f16, uint16_t, uint16_t, float, MXI_LD_f16, MXI_ST_f16, E32)          \
  MXI_BINARY_LOOP(OP##_bf16, uint16_t, uint16_t, float, MXI_LD_bf16, MXI_ST_bf16, E32)       \
  MXI_BINARY_LOOP(OP##_f32, float, float, float, MXI_LD_id, MXI_ST_id, E32)                  \
  MXI_BINARY_LOOP(OP##_f64, double, double, double, MXI_LD_id, MXI_ST_id, E64)
#define BIN_COMPLEX(OP, EC) \
  MXI_BINARY_LOOP(OP##_c64, mxi_c64, mxi_c64, mxi_c64, MXI_LD_id, MXI_ST_id, EC)
#define BIN_INT1(OP, SUF, T, EXPR) MXI_BINARY_LOOP(OP##_##SUF, T, T, T, MXI_LD_id, MXI_ST_id, EXPR)
#define BIN_INT(OP, EXPR)                                                                    \
  BIN_INT1(OP, u8, uint8_t, EXPR) BIN_INT1(OP, u16, uint16_t, EXPR)                          \
  BIN_INT1(OP, u32, uint32_t, EXPR) BIN_INT1(OP, u64, uint64_t, EXPR)                        \
  BIN_INT1(OP, i8, int8_t, EXPR) BIN_INT1(OP, i16, int16_t, EXPR)                            \
  BIN_INT1(OP, i32, int32_t, EXPR) BIN_INT1(OP, i64, int64_t, EXPR)
/* integer ops that call a per-type helper NAME_T(x, y) */
#define BIN_INT_HELPER(OP, H)                                                                \
  BIN_INT1(OP, u8, uint8_t, H##_uint8_t(x, y)) BIN_INT1(OP, u16, uint16_t, H##_uint16_t(x, y)) \
  BIN_INT1(OP, u32, uint32_t, H##_uint32_t(x, y))                                            \
  BIN_INT1(OP, u64, uint64_t, H##_uint64_t(x, y)) BIN_INT1(OP, i8, int8_t, H##_int8_t(x, y))  \
  BIN_INT1(OP, i16, int16_t, H##_int16_t(x, y)) BIN_INT1(OP, i32, int32_t, H##_int32_t(x, y)) \
  BIN_INT1(OP, i64, int64_t, H##_int64_t(x, y))
#define BIN_BOOL(OP, EXPR) MXI_BINARY_LOOP(OP##_b, uint8_t, uint8_t, uint8_t, MXI_LD_id, MXI_ST_id, EXPR)

BIN_INT(add, WRAP(x, (uint64_t)x + (uint64_t)y))
BIN_FLOAT(add, x + y, x + y)
BIN_COMPLEX(add, x + y)
BIN_BOOL(add, x | y)
BIN_INT(sub, WRAP(x, (uint64_t)x - (uint64_t)y))
BIN_FLOAT(sub, x - y, x - y)
BIN_COMPLEX(sub, x - y)
BIN_INT(mul, WRAP(x, (uint64_t)x * (uint64_t)y))
BIN_FLOAT(mul, x * y, x * y)
BIN_COMPLEX(mul, x * y)
BIN_BOOL(mul, x & y)
BIN_FLOAT(div, x / y, x / y)
BIN_COMPLEX(div, x / y)
BIN_INT_HELPER(fdiv, mxi_fdiv)
BIN_FLOAT(fdiv, mxi_fdiv_float(x, y), mxi_fdiv_double(x, y))
BIN_INT_HELPER(mod, mxi_mod)
BIN_FLOAT(mod, mxi_mod_float(x, y), mxi_mod_double(x, y))
BIN_INT_HELPER(pow, mxi_ipow)
BIN_FLOAT(pow, powf(x, y), pow(x, y))
BIN_COMPLEX(pow, cpowf(x, y))
BIN_INT(max, x > y ? x : y)
BIN_FLOAT(max, mxi_max_float(x, y), mxi_max_double(x, y))
BIN_BOOL(max, x | y)
BIN_INT(min, x < y ? x : y)
BIN_FLOAT(min, mxi_min_float(x, y), mxi_min_double(x, y))
BIN_BOOL(min, x & y)
BIN_FLOAT(atan2, atan2f(x, y), atan2(x, y))
BIN_FLOAT(logaddexp, logaddexp_f(x, y), logaddexp_d(x, y))
BIN_INT(band, x & y)
BIN_BOOL(band, x & y)
BIN_INT(bor, x | y)
BIN_BOOL(bor, x | y)
BIN_INT(bxor, x ^ y)
BIN_BOOL(bxor, x ^ y)
BIN_INT_HELPER(shl, mxi_shl)
BIN_INT_HELPER(shr, mxi_shr)
BIN_BOOL(land, x && y)
BIN_BOOL(lor, x || y)
BIN_BOOL(lxor, (x != 0) != (y != 0))

/* comparisons: any dtype in, bool out */
#define CMP1(OP, SUF, T, CT, LD, EXPR) MXI_BINARY_LOOP(OP##_##SUF, T, uint8_t, CT, LD, MXI_ST_id, EXPR)
#define CMP_REAL(OP, EXPR)                                                                   \
  CMP1(OP, b, uint8_t, uint8_t, MXI_LD_id, EXPR) CMP1(OP, u8, uint8_t, uint8_t, MXI_LD_id, EXPR) \
  CMP1(OP, u16, uint16_t, uint16_t, MXI_LD_id, EXPR)                                         \
  CMP1(OP, u32, uint32_t, uint32_t, MXI_LD_id, EXPR)                                         \
  CMP1(OP, u64, uint64_t, uint64_t, MXI_LD_id, EXPR)                                         \
  CMP1(OP, i8, int8_t, int8_t, MXI_LD_id, EXPR) CMP1(OP, i16, int16_t, int16_t, MXI_LD_id, EXPR) \
  CMP1(OP, i32, int32_t, int32_t, MXI_LD_id, EXPR)                                           \
  CMP1(OP, i64, int64_t, int64_t, MXI_LD_id, EXPR)                                           \
  CMP1(OP, f16, uint16_t, float, MXI_LD_f16, EXPR)                                           \
  CMP1(OP, bf16, uint16_t, float, MXI_LD_bf16, EXPR)                                         \
  CMP1(OP, f32, float, float, MXI_LD_id, EXPR) CMP1(OP, f64, double, double, MXI_LD_id, EXPR)
CMP_REAL(eq, x == y)
CMP1(eq, c64, mxi_c64, mxi_c64, MXI_LD_id, x == y)
CMP_REAL(ne, x != y)
CMP1(ne, c64, mxi_c64, mxi_c64, MXI_LD_id, x != y)
CMP_REAL(lt, x < y)
CMP_REAL(le, x <= y)
CMP_REAL(gt, x > y)
CMP_REAL(ge, x >= y)

#define SET1(P, OP, DT, SUF) table[P][DT] = OP##_##SUF
#define SET_FLOAT(P, OP)                   \
  do {                                     \
    SET1(P, OP, MX_FLOAT16, f16);          \
    SET1(P, OP, MX_BFLOAT16, bf16);        \
    SET1(P, OP, MX_FLOAT32, f32);          \
    SET1(P, OP, MX_FLOAT64, f64);          \
  } while (0)
#define SET_INT(P, OP)                     \
  do {                                     \
    SET1(P, OP, MX_UINT8, u8);             \
    SET1(P, OP, MX_UINT16, u16);           \
    SET1(P, OP, MX_UINT32, u32);           \
    SET1(P, OP, MX_UINT64, u64);           \
    SET1(P, OP, MX_INT8, i8);              \
    SET1(P, OP, MX_INT16, i16);            \
    SET1(P, OP, MX_INT32, i32);            \
    SET1(P, OP, MX_INT64, i64);            \
  } while (0)
#define SET_REAL(P, OP)                    \
  do {                                     \
    SET_INT(P, OP);                        \
    SET_FLOAT(P, OP);                      \
    SET1(P, OP, MX_BOOL, b);               \
  } while (0)

static int cost_of(mx_prim p) {
  switch (p) {
    case MX_PRIM_POWER: case MX_PRIM_ARCTAN2: case MX_PRIM_LOGADDEXP: case MX_PRIM_FLOOR_DIVIDE:
    case MX_PRIM_REMAINDER:
      return 16;
    default:
      return 1;
  }
}

static mx_status k_binary(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  (void)p;
  mxi_loop_fn f = table[out->prim][in[0]->dtype];
  if (!f || in[0]->dtype != in[1]->dtype) {
    mxi_kernel_fail(out, "no CPU loop for dtypes %s, %s", mx_dtype_name((mx_dtype)in[0]->dtype),
                    mx_dtype_name((mx_dtype)in[1]->dtype));
    return MX_ERROR;
  }
  if (!mxi_out_alloc(out, in, 2)) return MX_ERROR;
  mxi_cpu_map(out, 2, in, f, NULL, cost_of((mx_prim)out->prim));
  return MX_OK;
}

/* WHERE: by element size, the condition as bytes. Contiguous output and condition with each value
 * operand contiguous or a broadcast scalar (relu's and max's gradients select against 0) get
 * loops the compiler vectorizes; anything else takes the strided loop. */
#define WHERE_LOOP(NAME, T)                                                              \
  static void NAME(int64_t n, char **p, const int64_t *s, const void *ctx) {             \
    (void)ctx;                                                                           \
    T *o = (T *)p[0];                                                                    \
    const uint8_t *c = (const uint8_t *)p[1];                                            \
    const T *x = (const T *)p[2], *y = (const T *)p[3];                                  \
    bool xv = s[2] == sizeof(T), yv = s[3] == sizeof(T);                                 \
    if (s[0] == sizeof(T) && s[1] == 1 && (xv || s[2] == 0) && (yv || s[3] == 0)) {      \
      if (xv && yv)                                                                      \
        for (int64_t i = 0; i < n; i++) o[i] = c[i] ? x[i] : y[i];                       \
      else if (xv) {                                                                     \
        const T y0 = *y;                                                                 \
        for (int64_t i = 0; i < n; i++) o[i] = c[i] ? x[i] : y0;                         \
      } else if (yv) {                                                                   \
        const T x0 = *x;                                                                 \
        for (int64_t i = 0; i < n; i++) o[i] = c[i] ? x0 : y[i];                         \
      } else {                                                                           \
        const T x0 = *x, y0 = *y;                                                        \
        for (int64_t i = 0; i < n; i++) o[i] = c[i] ? x0 : y0;                           \
      }                                                                                  \
    } else {                                                                             \
      for (int64_t i = 0; i < n; i++)                                                    \
        *(T *)(p[0] + i * s[0]) = *(const uint8_t *)(p[1] + i * s[1])                    \
                                      ? *(const T *)(p[2] + i * s[2])                    \
                                      : *(const T *)(p[3] + i * s[3]);                   \
    }                                                                                    \
  }
WHERE_LOOP(where1, uint8_t)
WHERE_LOOP(where2, uint16_t)
WHERE_LOOP(where4, uint32_t)
WHERE_LOOP(where8, uint64_t)

static mx_status k_where(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  (void)p;
  if (!mxi_out_alloc(out, in + 1, 2)) return MX_ERROR;
  mxi_loop_fn f;
  switch (mx_dtype_size((mx_dtype)out->dtype)) {
    case 1: f = where1; break;
    case 2: f = where2; break;
    case 4: f = where4; break;
    default: f = where8; break;
  }
  mxi_cpu_map(out, 3, in, f, NULL, 1);
  return MX_OK;
}

void mxi_cpu_register_binary(mx_kernel_fn *k) {
  SET_REAL(MX_PRIM_ADD, add);
  SET1(MX_PRIM_ADD, add, MX_COMPLEX64, c64);
  SET_INT(MX_PRIM_SUBTRACT, sub);
  SET_FLOAT(MX_PRIM_SUBTRACT, sub);
  SET1(MX_PRIM_SUBTRACT, sub, MX_COMPLEX64, c64);
  SET_REAL(MX_PRIM_MULTIPLY, mul);
  SET1(MX_PRIM_MULTIPLY, mul, MX_COMPLEX64, c64);
  SET_FLOAT(MX_PRIM_DIVIDE, div);
  SET1(MX_PRIM_DIVIDE, div, MX_COMPLEX64, c64);
  SET_INT(MX_PRIM_FLOOR_DIVIDE, fdiv);
  SET_FLOAT(MX_PRIM_FLOOR_DIVIDE, fdiv);
  SET_INT(MX_PRIM_REMAINDER, mod);
  SET_FLOAT(MX_PRIM_REMAINDER, mod);
  SET_INT(MX_PRIM_POWER, pow);
  SET_FLOAT(MX_PRIM_POWER, pow);
  SET1(MX_PRIM_POWER, pow, MX_COMPLEX64, c64);
  SET_REAL(MX_PRIM_MAXIMUM, max);
  SET_REAL(MX_PRIM_MINIMUM, min);
  SET_FLOAT(MX_PRIM_ARCTAN2, atan2);
  SET_FLOAT(MX_PRIM_LOGADDEXP, logaddexp);
  SET_REAL(MX_PRIM_EQUAL, eq);
  SET1(MX_PRIM_EQUAL, eq, MX_COMPLEX64, c64);
  SET_REAL(MX_PRIM_NOT_EQUAL, ne);
  SET1(MX_PRIM_NOT_EQUAL, ne, MX_COMPLEX64, c64);
  SET_REAL(MX_PRIM_LESS, lt);
  SET_REAL(MX_PRIM_LESS_EQUAL, le);
  SET_REAL(MX_PRIM_GREATER, gt);
  SET_REAL(MX_PRIM_GREATER_EQUAL, ge);
  SET1(MX_PRIM_LOGICAL_AND, land, MX_BOOL, b);
  SET1(MX_PRIM_LOGICAL_OR, lor, MX_BOOL, b);
  SET1(MX_PRIM_LOGICAL_XOR, lxor, MX_BOOL, b);
  SET_INT(MX_PRIM_BITWISE_AND, band);
  SET1(MX_PRIM_BITWISE_AND, band, MX_BOOL, b);
  SET_INT(MX_PRIM_BITWISE_OR, bor);
  SET1(MX_PRIM_BITWISE_OR, bor, MX_BOOL, b);
  SET_INT(MX_PRIM_BITWISE_XOR, bxor);
  SET1(MX_PRIM_BITWISE_XOR, bxor, MX_BOOL, b);
  SET_INT(MX_PRIM_LEFT_SHIFT, shl);
  SET_INT(MX_PRIM_RIGHT_SHIFT, shr);
  for (int p = 0; p < MX_NUM_PRIMS; p++)
    for (int d = 0; d < MX_NUM_DTYPES; d++)
      if (table[p][d]) k[p] = k_binary;
  k[MX_PRIM_WHERE] = k_where;
}
