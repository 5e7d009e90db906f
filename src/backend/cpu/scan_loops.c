/* scan_loops.c — typed scan loops. Integer sums and products accumulate in uint64 (wrapping,
 * no signed overflow); float16/bfloat16 accumulate in float32, float32 sums and products and
 * logcumsumexp in float64 (like the reductions), complex64 in double complex. max/min keep the
 * element type and propagate NaN. */
#include <math.h>

#include "loops.h"
#include "scan_loops.h"

/* logcumsumexp keeps an online state: the running max m and s = sum(exp(x - m)); the value is
 * m + log(s). Unlike chaining logaddexp, the exp of a new element does not wait for the previous
 * result (about twice as fast), and it needs one exp and one log per element. The identity is
 * (-inf, 0). Equal values (including inf == inf) add 1, so inf stays inf; NaN makes s NaN. */
#define LSE(SUF, T, EXP, LOG)                                                                   \
  typedef struct lse_##SUF {                                                                    \
    T m, s;                                                                                     \
  } lse_##SUF;                                                                                  \
  static inline lse_##SUF lse_add_##SUF(lse_##SUF a, T v) {                                     \
    if (v == a.m) {                                                                             \
      a.s += 1;                                                                                 \
    } else if (v < a.m) {                                                                       \
      a.s += EXP(v - a.m);                                                                      \
    } else { /* a larger maximum, or NaN: rescale */                                            \
      a.s = a.s * EXP(a.m - v) + 1;                                                             \
      a.m = v;                                                                                  \
    }                                                                                           \
    return a;                                                                                   \
  }                                                                                             \
  static inline lse_##SUF lse_merge_##SUF(lse_##SUF a, lse_##SUF b) {                           \
    if (b.s == 0) return a; /* an empty state */                                                \
    if (a.s == 0) return b;                                                                     \
    if (b.m == a.m) {                                                                           \
      a.s += b.s;                                                                               \
    } else if (b.m < a.m) {                                                                     \
      a.s += b.s * EXP(b.m - a.m);                                                              \
    } else {                                                                                    \
      a.s = a.s * EXP(a.m - b.m) + b.s;                                                         \
      a.m = b.m;                                                                                \
    }                                                                                           \
    return a;                                                                                   \
  }                                                                                             \
  static inline T lse_value_##SUF(lse_##SUF a) { return a.m + LOG(a.s); }
LSE(f, float, expf, logf)
LSE(d, double, exp, log)

/* steps: a = op(a, v) */
#define S_ADD(a, v) a = a + v
#define S_MUL(a, v) a = a * v
#define S_MAXI(a, v) a = v > a ? v : a
#define S_MINI(a, v) a = v < a ? v : a
#define S_MAXF(a, v) a = (v > a || v != v) ? v : a /* a NaN in a stays: NaN is absorbing */
#define S_MINF(a, v) a = (v < a || v != v) ? v : a
#define S_LSEF(a, v) a = lse_add_f(a, v)
#define S_LSED(a, v) a = lse_add_d(a, v)
#define M_LSEF(a, b) a = lse_merge_f(a, b)
#define M_LSED(a, b) a = lse_merge_d(a, b)

/* loads (element -> accumulator) and stores (accumulator -> element) */
#define L_B(x) ((uint64_t)((x) != 0))
#define L_U(x) ((uint64_t)(x))
#define L_S(x) ((uint64_t)(int64_t)(x)) /* two's complement bits: wrapping adds and products */
#define L_D(x) ((double)(x))
#define L_CD(x) ((double complex)(x))
#define T_S(a) ((int64_t)(a))
#define T_F(a) ((float)(a))
#define T_C(a) ((mxi_c64)(a))
#define ID(x) (x)

/* ACC: accumulator type; VT: a loaded element's type (ACC except for logcumsumexp's state);
 * STEP(a, v) folds an element into an accumulator, MERGE(a, b) two accumulators. */
#define SCAN_LOOPS_EX(NAME, TIN, TOUT, ACC, VT, LD, ST, STEP, MERGE, IDENT, EXACT)              \
  static void NAME##_init(void *accp, int64_t n) {                                              \
    ACC *acc = accp;                                                                            \
    for (int64_t i = 0; i < n; i++) acc[i] = IDENT;                                             \
  }                                                                                             \
  static void NAME##_row(const char *in, int64_t si, char *out, int64_t so, int64_t n,          \
                         void *accp, bool incl) {                                               \
    ACC a = *(ACC *)accp;                                                                       \
    if (!out) {                                                                                 \
      for (int64_t i = 0; i < n; i++) {                                                         \
        VT v = LD(*(const TIN *)(in + i * si));                                                 \
        STEP(a, v);                                                                             \
      }                                                                                         \
    } else if (incl) {                                                                          \
      for (int64_t i = 0; i < n; i++) {                                                         \
        VT v = LD(*(const TIN *)(in + i * si));                                                 \
        STEP(a, v);                                                                             \
        *(TOUT *)(out + i * so) = ST(a);                                                        \
      }                                                                                         \
    } else {                                                                                    \
      for (int64_t i = 0; i < n; i++) {                                                         \
        VT v = LD(*(const TIN *)(in + i * si));                                                 \
        *(TOUT *)(out + i * so) = ST(a);                                                        \
        STEP(a, v);                                                                             \
      }                                                                                         \
    }                                                                                           \
    *(ACC *)accp = a;                                                                           \
  }                                                                                             \
  /* the contiguous branch is the common one and vectorizes: lines are independent */           \
  static void NAME##_cols(const char *in, int64_t si, char *out, int64_t n, void *accp,         \
                          bool incl) {                                                          \
    ACC *acc = accp;                                                                            \
    TOUT *o = (TOUT *)out;                                                                      \
    if (si == (int64_t)sizeof(TIN)) {                                                           \
      const TIN *x = (const TIN *)in;                                                           \
      if (!o) {                                                                                 \
        for (int64_t j = 0; j < n; j++) {                                                       \
          ACC a = acc[j];                                                                       \
          VT v = LD(x[j]);                                                                      \
          STEP(a, v);                                                                           \
          acc[j] = a;                                                                           \
        }                                                                                       \
      } else if (incl) {                                                                        \
        for (int64_t j = 0; j < n; j++) {                                                       \
          ACC a = acc[j];                                                                       \
          VT v = LD(x[j]);                                                                      \
          STEP(a, v);                                                                           \
          acc[j] = a;                                                                           \
          o[j] = ST(a);                                                                         \
        }                                                                                       \
      } else {                                                                                  \
        for (int64_t j = 0; j < n; j++) {                                                       \
          ACC a = acc[j];                                                                       \
          VT v = LD(x[j]);                                                                      \
          o[j] = ST(a);                                                                         \
          STEP(a, v);                                                                           \
          acc[j] = a;                                                                           \
        }                                                                                       \
      }                                                                                         \
    } else {                                                                                    \
      for (int64_t j = 0; j < n; j++) {                                                         \
        ACC a = acc[j];                                                                         \
        VT v = LD(*(const TIN *)(in + j * si));                                                 \
        if (o && !incl) o[j] = ST(a);                                                           \
        STEP(a, v);                                                                             \
        acc[j] = a;                                                                             \
        if (o && incl) o[j] = ST(a);                                                            \
      }                                                                                         \
    }                                                                                           \
  }                                                                                             \
  static void NAME##_combine(void *accp, const void *bp, int64_t n) {                           \
    ACC *acc = accp;                                                                            \
    const ACC *b = bp;                                                                          \
    for (int64_t j = 0; j < n; j++) {                                                           \
      ACC a = acc[j];                                                                           \
      MERGE(a, b[j]);                                                                           \
      acc[j] = a;                                                                               \
    }                                                                                           \
  }                                                                                             \
  static const mxi_scan_fns NAME = {sizeof(ACC), EXACT, NAME##_init, NAME##_row, NAME##_cols,   \
                                    NAME##_combine};

#define SCAN_LOOPS(NAME, TIN, TOUT, ACC, LD, ST, STEP, IDENT, EXACT)                            \
  SCAN_LOOPS_EX(NAME, TIN, TOUT, ACC, ACC, LD, ST, STEP, STEP, IDENT, EXACT)

/* cumsum / cumprod: every dtype */
#define SUMPROD(SUF, TIN, TOUT, ACC, LD, ST, EXACT)                                             \
  SCAN_LOOPS(cumsum_##SUF, TIN, TOUT, ACC, LD, ST, S_ADD, 0, EXACT)                             \
  SCAN_LOOPS(cumprod_##SUF, TIN, TOUT, ACC, LD, ST, S_MUL, 1, EXACT)
SUMPROD(b, uint8_t, int64_t, uint64_t, L_B, T_S, true)
SUMPROD(u8, uint8_t, uint64_t, uint64_t, L_U, ID, true)
SUMPROD(u16, uint16_t, uint64_t, uint64_t, L_U, ID, true)
SUMPROD(u32, uint32_t, uint64_t, uint64_t, L_U, ID, true)
SUMPROD(u64, uint64_t, uint64_t, uint64_t, L_U, ID, true)
SUMPROD(i8, int8_t, int64_t, uint64_t, L_S, T_S, true)
SUMPROD(i16, int16_t, int64_t, uint64_t, L_S, T_S, true)
SUMPROD(i32, int32_t, int64_t, uint64_t, L_S, T_S, true)
SUMPROD(i64, int64_t, int64_t, uint64_t, L_S, T_S, true)
SUMPROD(f16, uint16_t, uint16_t, float, MXI_LD_f16, MXI_ST_f16, false)
SUMPROD(bf16, uint16_t, uint16_t, float, MXI_LD_bf16, MXI_ST_bf16, false)
SUMPROD(f32, float, float, double, L_D, T_F, false)
SUMPROD(f64, double, double, double, ID, ID, false)
SUMPROD(c64, mxi_c64, mxi_c64, double complex, L_CD, T_C, false)

/* cummax / cummin: real dtypes, the identity is the dtype's lowest / highest value */
#define MAXMIN(SUF, T, ACC, LD, ST, SMAX, SMIN, LO, HI)                                         \
  SCAN_LOOPS(cummax_##SUF, T, T, ACC, LD, ST, SMAX, LO, true)                                   \
  SCAN_LOOPS(cummin_##SUF, T, T, ACC, LD, ST, SMIN, HI, true)
MAXMIN(b, uint8_t, uint8_t, ID, ID, S_MAXI, S_MINI, 0, 1)
MAXMIN(u8, uint8_t, uint8_t, ID, ID, S_MAXI, S_MINI, 0, UINT8_MAX)
MAXMIN(u16, uint16_t, uint16_t, ID, ID, S_MAXI, S_MINI, 0, UINT16_MAX)
MAXMIN(u32, uint32_t, uint32_t, ID, ID, S_MAXI, S_MINI, 0, UINT32_MAX)
MAXMIN(u64, uint64_t, uint64_t, ID, ID, S_MAXI, S_MINI, 0, UINT64_MAX)
MAXMIN(i8, int8_t, int8_t, ID, ID, S_MAXI, S_MINI, INT8_MIN, INT8_MAX)
MAXMIN(i16, int16_t, int16_t, ID, ID, S_MAXI, S_MINI, INT16_MIN, INT16_MAX)
MAXMIN(i32, int32_t, int32_t, ID, ID, S_MAXI, S_MINI, INT32_MIN, INT32_MAX)
MAXMIN(i64, int64_t, int64_t, ID, ID, S_MAXI, S_MINI, INT64_MIN, INT64_MAX)
MAXMIN(f16, uint16_t, float, MXI_LD_f16, MXI_ST_f16, S_MAXF, S_MINF, -INFINITY, INFINITY)
MAXMIN(bf16, uint16_t, float, MXI_LD_bf16, MXI_ST_bf16, S_MAXF, S_MINF, -INFINITY, INFINITY)
MAXMIN(f32, float, float, ID, ID, S_MAXF, S_MINF, -INFINITY, INFINITY)
MAXMIN(f64, double, double, ID, ID, S_MAXF, S_MINF, -INFINITY, INFINITY)

/* logcumsumexp: floating dtypes (integers are cast to float32 by the op) */
#define LSE_ID_F ((lse_f){-INFINITY, 0})
#define LSE_ID_D ((lse_d){-INFINITY, 0})
#define ST_LSE_H(a) mxi_f32_to_f16(lse_value_f(a))
#define ST_LSE_BH(a) mxi_f32_to_bf16(lse_value_f(a))
#define ST_LSE_F(a) ((float)lse_value_d(a))
#define ST_LSE_D(a) lse_value_d(a)
#define LCSE(NAME, TIN, ACC, VT, LD, ST, STEP, MERGE, IDENT) \
  SCAN_LOOPS_EX(NAME, TIN, TIN, ACC, VT, LD, ST, STEP, MERGE, IDENT, false)
LCSE(lcse_f16, uint16_t, lse_f, float, MXI_LD_f16, ST_LSE_H, S_LSEF, M_LSEF, LSE_ID_F)
LCSE(lcse_bf16, uint16_t, lse_f, float, MXI_LD_bf16, ST_LSE_BH, S_LSEF, M_LSEF, LSE_ID_F)
LCSE(lcse_f32, float, lse_d, double, L_D, ST_LSE_F, S_LSED, M_LSED, LSE_ID_D)
LCSE(lcse_f64, double, lse_d, double, ID, ST_LSE_D, S_LSED, M_LSED, LSE_ID_D)

#define ALL_REAL(OP)                                                                            \
  {[MX_BOOL] = &OP##_b, [MX_UINT8] = &OP##_u8, [MX_UINT16] = &OP##_u16,                         \
   [MX_UINT32] = &OP##_u32, [MX_UINT64] = &OP##_u64, [MX_INT8] = &OP##_i8,                      \
   [MX_INT16] = &OP##_i16, [MX_INT32] = &OP##_i32, [MX_INT64] = &OP##_i64,                      \
   [MX_FLOAT16] = &OP##_f16, [MX_BFLOAT16] = &OP##_bf16, [MX_FLOAT32] = &OP##_f32,              \
   [MX_FLOAT64] = &OP##_f64

static const mxi_scan_fns *const table[5][MX_NUM_DTYPES] = {
    ALL_REAL(cumsum), [MX_COMPLEX64] = &cumsum_c64},
    ALL_REAL(cumprod), [MX_COMPLEX64] = &cumprod_c64},
    ALL_REAL(cummax)},
    ALL_REAL(cummin)},
    {[MX_FLOAT16] = &lcse_f16, [MX_BFLOAT16] = &lcse_bf16, [MX_FLOAT32] = &lcse_f32,
     [MX_FLOAT64] = &lcse_f64},
};

const mxi_scan_fns *mxi_scan_fns_for(mx_prim prim, mx_dtype in) {
  if (prim < MX_PRIM_CUMSUM || prim > MX_PRIM_LOGCUMSUMEXP || (unsigned)in >= MX_NUM_DTYPES)
    return NULL;
  return table[prim - MX_PRIM_CUMSUM][in];
}
