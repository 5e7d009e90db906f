/* loops.h — macros that stamp out 1-D strided loops for elementwise kernels. Each loop has a
 * contiguous branch (vectorized by the compiler) and a general strided branch. Output may alias
 * an input exactly (buffer donation), so no restrict. */
#ifndef MX_CPU_LOOPS_H
#define MX_CPU_LOOPS_H

#include <complex.h>
#include <stdint.h>

#include "../../core/convert.h"
#include "cpu.h"

typedef float complex mxi_c64;

/* Loads and stores through the compute type: float16/bfloat16 compute in float32. */
#define MXI_LD_f16(v) mxi_f16_to_f32(v)
#define MXI_ST_f16(v) mxi_f32_to_f16(v)
#define MXI_LD_bf16(v) mxi_bf16_to_f32(v)
#define MXI_ST_bf16(v) mxi_f32_to_bf16(v)
#define MXI_LD_id(v) (v)
#define MXI_ST_id(v) (v)

/* out[i] = EXPR(x) with x = LD(in[i]) of compute type CT; storage types TIN, TOUT. */
#define MXI_UNARY_LOOP(NAME, TIN, TOUT, CT, LD, ST, EXPR)                              \
  static void NAME(int64_t n, char **p, const int64_t *s, const void *ctx) {           \
    (void)ctx;                                                                         \
    if (s[0] == (int64_t)sizeof(TOUT) && s[1] == (int64_t)sizeof(TIN)) {               \
      TOUT *o = (TOUT *)p[0];                                                          \
      const TIN *a = (const TIN *)p[1];                                                \
      for (int64_t i = 0; i < n; i++) {                                                \
        CT x = LD(a[i]);                                                               \
        o[i] = ST(EXPR);                                                               \
      }                                                                                \
    } else {                                                                           \
      for (int64_t i = 0; i < n; i++) {                                                \
        CT x = LD(*(const TIN *)(p[1] + i * s[1]));                                    \
        *(TOUT *)(p[0] + i * s[0]) = ST(EXPR);                                         \
      }                                                                                \
    }                                                                                  \
  }

/* out[i] = EXPR(x, y); the contiguous case and the "scalar operand" cases (stride 0) get their
 * own loops so that x + c and c * y vectorize too. */
#define MXI_BINARY_LOOP(NAME, TIN, TOUT, CT, LD, ST, EXPR)                             \
  static void NAME(int64_t n, char **p, const int64_t *s, const void *ctx) {           \
    (void)ctx;                                                                         \
    const int64_t si = (int64_t)sizeof(TIN);                                           \
    TOUT *o = (TOUT *)p[0];                                                            \
    const TIN *a = (const TIN *)p[1];                                                  \
    const TIN *b = (const TIN *)p[2];                                                  \
    if (s[0] == (int64_t)sizeof(TOUT) && s[1] == si && s[2] == si) {                   \
      for (int64_t i = 0; i < n; i++) {                                                \
        CT x = LD(a[i]), y = LD(b[i]);                                                 \
        o[i] = ST(EXPR);                                                               \
      }                                                                                \
    } else if (s[0] == (int64_t)sizeof(TOUT) && s[1] == si && s[2] == 0) {             \
      const CT y = LD(b[0]);                                                           \
      for (int64_t i = 0; i < n; i++) {                                                \
        CT x = LD(a[i]);                                                               \
        o[i] = ST(EXPR);                                                               \
      }                                                                                \
    } else if (s[0] == (int64_t)sizeof(TOUT) && s[1] == 0 && s[2] == si) {             \
      const CT x = LD(a[0]);                                                           \
      for (int64_t i = 0; i < n; i++) {                                                \
        CT y = LD(b[i]);                                                               \
        o[i] = ST(EXPR);                                                               \
      }                                                                                \
    } else {                                                                           \
      for (int64_t i = 0; i < n; i++) {                                                \
        CT x = LD(*(const TIN *)(p[1] + i * s[1]));                                    \
        CT y = LD(*(const TIN *)(p[2] + i * s[2]));                                    \
        *(TOUT *)(p[0] + i * s[0]) = ST(EXPR);                                         \
      }                                                                                \
    }                                                                                  \
  }

#endif
