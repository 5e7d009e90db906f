/* gemm_portable.c — a blocked GEMM in portable C (Goto's scheme): C is cut into MC x NC tiles
 * spread over the thread pool; per tile, K is walked in KC steps, packing an A block and a B
 * panel (converting to the compute type as they are read, through any strides) and running an
 * MR x NR register-tile micro-kernel the compiler vectorizes. Compute types: float for
 * float16/bfloat16/float32, double, complex64 as float pairs, uint32 for integers up to 32 bits
 * and uint64 for 64-bit ones (wrapping arithmetic, exact modulo 2^bits), uint8 OR/AND for bool. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/half.h"
#include "gemm.h"

enum { MC = 96, KC = 256, NC = 512 };

/* Loads from storage type to compute type, and stores back. */
#define LD_ID(T, CT, p) ((CT) * (p))
#define LD_SEXT(T, CT, p) ((CT)(int64_t) * (p)) /* signed: sign-extend, then wrap */
#define LD_BOOL(T, CT, p) ((CT)(*(const uint8_t *)(p) != 0))
#define LD_F16(T, CT, p) mxi_f16_to_f32(*(const uint16_t *)(p))
#define LD_BF16(T, CT, p) mxi_bf16_to_f32(*(const uint16_t *)(p))
#define ST_ID(T, p, v) (*(T *)(p) = (T)(v))
#define ST_BOOL(T, p, v) (*(uint8_t *)(p) = (v) != 0)
#define ST_F16(T, p, v) (*(uint16_t *)(p) = mxi_f32_to_f16(v))
#define ST_BF16(T, p, v) (*(uint16_t *)(p) = mxi_f32_to_bf16(v))

typedef struct tile_job {
  const mxi_gemm_args *g;
  int64_t tiles_n; /* tiles along N */
  _Atomic bool failed;
} tile_job;

/* Micro-kernels on GCC/Clang vector types (SSE, AVX, NEON: whatever the target has): an
 * MR x NR tile of C lives in MR * NV vector registers across the whole K loop; per k, NV vectors
 * of packed B are loaded and each of the MR packed A values is broadcast. */
typedef float vf32 __attribute__((vector_size(32)));
typedef double vf64 __attribute__((vector_size(32)));
typedef uint32_t vu32 __attribute__((vector_size(32)));
typedef uint64_t vu64 __attribute__((vector_size(32)));
typedef uint8_t vu8 __attribute__((vector_size(32)));
/* the same, at element alignment: for loads and stores anywhere in a buffer */
typedef float vf32u __attribute__((vector_size(32), aligned(4)));
typedef double vf64u __attribute__((vector_size(32), aligned(8)));
typedef uint32_t vu32u __attribute__((vector_size(32), aligned(4)));
typedef uint64_t vu64u __attribute__((vector_size(32), aligned(8)));
typedef uint8_t vu8u __attribute__((vector_size(32), aligned(1)));

#define OP_MAC(acc, x, y) acc += (x) * (y)
#define OP_OR_AND(acc, x, y) acc |= (x) & (y)
#define OP_ADD(x, y) ((x) + (y))
#define OP_OR(x, y) ((x) | (y))

/* c[MR rows of ldc] (+)= a-panel (kc x MR) times b-panel (kc x NR), NR = NV vectors. K blocks
 * after the first combine with COMBINE (add, or OR for bool). x - 0 broadcasts a scalar
 * (exactly, -0.0 included). */
#define MICRO(SUF, CT, VT, VTU, MR, NV, STEP, COMBINE)                                         \
  FP_CONTRACT static void micro_##SUF(int64_t kc, const CT *restrict a, const CT *restrict b,   \
                                      CT *restrict c, int64_t ldc, bool first) {               \
    enum { W = (int)(sizeof(VT) / sizeof(CT)), NR = NV * W };                                   \
    VT acc[MR][NV];                                                                            \
    for (int i = 0; i < MR; i++)                                                               \
      for (int v = 0; v < NV; v++) acc[i][v] = (VT){0};                                        \
    for (int64_t k = 0; k < kc; k++) {                                                         \
      VT bv[NV];                                                                               \
      for (int v = 0; v < NV; v++) bv[v] = *(const VTU *)(b + k * NR + v * W);                \
      for (int i = 0; i < MR; i++) {                                                           \
        const VT ai = a[k * MR + i] - (VT){0};                                                 \
        for (int v = 0; v < NV; v++) STEP(acc[i][v], ai, bv[v]);                               \
      }                                                                                        \
    }                                                                                          \
    for (int i = 0; i < MR; i++)                                                               \
      for (int v = 0; v < NV; v++) {                                                           \
        VTU *dst = (VTU *)(c + i * ldc + v * W);                                               \
        *dst = first ? acc[i][v] : COMBINE(*dst, acc[i][v]);                                   \
      }                                                                                        \
  }

/* GCC does not fuse a * b + c into FMA under -std=c11 unless asked; Clang does by default. */
#if defined(__GNUC__) && !defined(__clang__)
#define FP_CONTRACT __attribute__((optimize("fp-contract=fast")))
#else
#define FP_CONTRACT
#endif

MICRO(f32, float, vf32, vf32u, 6, 2, OP_MAC, OP_ADD)
MICRO(f64, double, vf64, vf64u, 6, 2, OP_MAC, OP_ADD)
MICRO(u32, uint32_t, vu32, vu32u, 6, 2, OP_MAC, OP_ADD)
MICRO(u64, uint64_t, vu64, vu64u, 4, 2, OP_MAC, OP_ADD)
MICRO(b8, uint8_t, vu8, vu8u, 6, 1, OP_OR_AND, OP_OR)

/* Complex: A and B are packed as separate real and imaginary planes so the four real products
 * are vector operations; c holds interleaved (re, im) pairs. */
FP_CONTRACT static void micro_c64(int64_t kc, const float *restrict a, const float *restrict b,
                                  float *restrict c, int64_t ldc, bool first) {
  enum { MR = 4, NR = 8 };
  vf32 re[MR], im[MR];
  for (int i = 0; i < MR; i++) re[i] = im[i] = (vf32){0};
  for (int64_t k = 0; k < kc; k++) {
    const vf32 br = *(const vf32u *)(b + k * 2 * NR), bi = *(const vf32u *)(b + k * 2 * NR + NR);
    for (int i = 0; i < MR; i++) {
      const vf32 ar = a[k * 2 * MR + i] - (vf32){0}, ai = a[k * 2 * MR + MR + i] - (vf32){0};
      re[i] += ar * br - ai * bi;
      im[i] += ar * bi + ai * br;
    }
  }
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NR; j++) {
      float *o = c + i * ldc + 2 * j;
      o[0] = first ? re[i][j] : o[0] + re[i][j];
      o[1] = first ? im[i][j] : o[1] + im[i][j];
    }
}

/* One dtype's tile driver. ST is the storage element (for strides), SC the scalar read per
 * plane (PL planes: 2 for complex). Packed A: per MR-row panel, kc rows of PL x MR values; packed
 * B likewise per NR-column panel; padding rows/columns are zeros. cbuf accumulates the tile in
 * the compute type across K blocks (no intermediate rounding for float16), then the tile is
 * stored once. */
#define DRIVER(NAME, ST, SC, CT, PL, MR, NR, MICROF, LD, STO)                                 \
  static void NAME(const mxi_gemm_args *g, int64_t i0, int64_t i1, int64_t j0, int64_t j1,     \
                   void *abuf_, void *bbuf_, void *cbuf_) {                                    \
    CT *abuf = abuf_, *bbuf = bbuf_, *cbuf = cbuf_;                                            \
    const int64_t mc = i1 - i0, nc = j1 - j0;                                                  \
    const int64_t mcp = (mc + MR - 1) / MR * MR, ncp = (nc + NR - 1) / NR * NR;                \
    const ST *A = g->a, *B = g->b;                                                             \
    for (int64_t pc = 0; pc < g->k; pc += KC) {                                                \
      const int64_t kc = g->k - pc < KC ? g->k - pc : KC;                                      \
      for (int64_t ir = 0; ir < mcp; ir += MR) {                                               \
        CT *dst = abuf + ir * kc * PL;                                                         \
        for (int64_t k = 0; k < kc; k++)                                                       \
          for (int i = 0; i < MR; i++) {                                                       \
            int64_t row = i0 + ir + i;                                                         \
            const SC *src = row < i1 ? (const SC *)(A + row * g->rsa + (pc + k) * g->csa) : NULL; \
            for (int q = 0; q < PL; q++) dst[(k * PL + q) * MR + i] = src ? LD(SC, CT, src + q) : (CT)0; \
          }                                                                                    \
      }                                                                                        \
      for (int64_t jr = 0; jr < ncp; jr += NR) {                                               \
        CT *dst = bbuf + jr * kc * PL;                                                         \
        for (int64_t k = 0; k < kc; k++)                                                       \
          for (int j = 0; j < NR; j++) {                                                       \
            int64_t col = j0 + jr + j;                                                         \
            const SC *src = col < j1 ? (const SC *)(B + (pc + k) * g->rsb + col * g->csb) : NULL; \
            for (int q = 0; q < PL; q++) dst[(k * PL + q) * NR + j] = src ? LD(SC, CT, src + q) : (CT)0; \
          }                                                                                    \
      }                                                                                        \
      for (int64_t jr = 0; jr < ncp; jr += NR)                                                 \
        for (int64_t ir = 0; ir < mcp; ir += MR)                                               \
          MICROF(kc, abuf + ir * kc * PL, bbuf + jr * kc * PL, cbuf + (ir * ncp + jr) * PL,    \
                 ncp * PL, pc == 0);                                                           \
    }                                                                                          \
    for (int64_t i = 0; i < mc; i++) {                                                         \
      ST *dst = (ST *)g->c + (i0 + i) * g->ldc + j0;                                           \
      const CT *src = cbuf + i * ncp * PL;                                                     \
      for (int64_t j = 0; j < nc; j++)                                                         \
        for (int q = 0; q < PL; q++) STO(SC, (SC *)(dst + j) + q, src[j * PL + q]);            \
    }                                                                                          \
  }

typedef struct c64_st {
  float re, im;
} c64_st;
DRIVER(drv_b8, uint8_t, uint8_t, uint8_t, 1, 6, 32, micro_b8, LD_BOOL, ST_BOOL)
DRIVER(drv_u8, uint8_t, uint8_t, uint32_t, 1, 6, 16, micro_u32, LD_ID, ST_ID)
DRIVER(drv_u16, uint16_t, uint16_t, uint32_t, 1, 6, 16, micro_u32, LD_ID, ST_ID)
DRIVER(drv_u32, uint32_t, uint32_t, uint32_t, 1, 6, 16, micro_u32, LD_ID, ST_ID)
DRIVER(drv_i8, int8_t, int8_t, uint32_t, 1, 6, 16, micro_u32, LD_SEXT, ST_ID)
DRIVER(drv_i16, int16_t, int16_t, uint32_t, 1, 6, 16, micro_u32, LD_SEXT, ST_ID)
DRIVER(drv_i32, int32_t, int32_t, uint32_t, 1, 6, 16, micro_u32, LD_SEXT, ST_ID)
DRIVER(drv_u64, uint64_t, uint64_t, uint64_t, 1, 4, 8, micro_u64, LD_ID, ST_ID)
DRIVER(drv_i64, int64_t, int64_t, uint64_t, 1, 4, 8, micro_u64, LD_SEXT, ST_ID)
DRIVER(drv_f16, uint16_t, uint16_t, float, 1, 6, 16, micro_f32, LD_F16, ST_F16)
DRIVER(drv_bf16, uint16_t, uint16_t, float, 1, 6, 16, micro_f32, LD_BF16, ST_BF16)
DRIVER(drv_f32, float, float, float, 1, 6, 16, micro_f32, LD_ID, ST_ID)
DRIVER(drv_f64, double, double, double, 1, 6, 8, micro_f64, LD_ID, ST_ID)
DRIVER(drv_c64, c64_st, float, float, 2, 4, 8, micro_c64, LD_ID, ST_ID)

typedef void (*driver_fn)(const mxi_gemm_args *g, int64_t i0, int64_t i1, int64_t j0, int64_t j1,
                          void *abuf, void *bbuf, void *cbuf);

typedef struct dtype_plan {
  driver_fn fn;
  size_t csize; /* bytes per packed value (both planes for complex) */
  int mr, nr;
} dtype_plan;

static dtype_plan plan_of(mx_dtype dt) {
#define P(fn, cs, mr, nr) (dtype_plan){fn, cs, mr, nr}
  switch (dt) {
    case MX_BOOL: return P(drv_b8, 1, 6, 32);
    case MX_UINT8: return P(drv_u8, 4, 6, 16);
    case MX_UINT16: return P(drv_u16, 4, 6, 16);
    case MX_UINT32: return P(drv_u32, 4, 6, 16);
    case MX_UINT64: return P(drv_u64, 8, 4, 8);
    case MX_INT8: return P(drv_i8, 4, 6, 16);
    case MX_INT16: return P(drv_i16, 4, 6, 16);
    case MX_INT32: return P(drv_i32, 4, 6, 16);
    case MX_INT64: return P(drv_i64, 8, 4, 8);
    case MX_FLOAT16: return P(drv_f16, 4, 6, 16);
    case MX_BFLOAT16: return P(drv_bf16, 4, 6, 16);
    case MX_FLOAT32: return P(drv_f32, 4, 6, 16);
    case MX_FLOAT64: return P(drv_f64, 8, 6, 8);
    default: return P(drv_c64, 8, 4, 8);
  }
#undef P
}

static void run_tiles(void *ctx, int64_t lo, int64_t hi) {
  tile_job *t = ctx;
  const mxi_gemm_args *g = t->g;
  dtype_plan pl = plan_of(g->dtype);
  /* buffers sized for this problem, not the full block sizes, so small GEMMs stay cheap */
  int64_t mc = g->m < MC ? g->m : MC, nc = g->n < NC ? g->n : NC, kc = g->k < KC ? g->k : KC;
  int64_t mcp = (mc + pl.mr - 1) / pl.mr * pl.mr, ncp = (nc + pl.nr - 1) / pl.nr * pl.nr;
  size_t na = (size_t)(mcp * kc) * pl.csize, nb = (size_t)(ncp * kc) * pl.csize;
  size_t nc_ = (size_t)(mcp * ncp) * pl.csize;
  /* small products (batched matmul of tiny matrices) pack on the stack: no malloc per call */
  _Alignas(64) unsigned char local[12288];
  bool on_stack = na + nb + nc_ + 128 <= sizeof local;
  void *abuf = on_stack ? local : malloc(na);
  void *bbuf = on_stack ? local + ((na + 63) & ~(size_t)63) : malloc(nb);
  void *cbuf = on_stack ? local + ((na + 63) & ~(size_t)63) + ((nb + 63) & ~(size_t)63) : malloc(nc_);
  if (!abuf || !bbuf || !cbuf) {
    atomic_store(&t->failed, true);
  } else {
    for (int64_t tile = lo; tile < hi; tile++) {
      int64_t ti = tile / t->tiles_n, tj = tile % t->tiles_n;
      int64_t i0 = ti * MC, j0 = tj * NC;
      int64_t i1 = i0 + MC < g->m ? i0 + MC : g->m, j1 = j0 + NC < g->n ? j0 + NC : g->n;
      pl.fn(g, i0, i1, j0, j1, abuf, bbuf, cbuf);
    }
  }
  if (!on_stack) {
    free(abuf);
    free(bbuf);
    free(cbuf);
  }
}

bool mxi_gemm_portable(const mxi_gemm_args *g) {
  if (g->m <= 0 || g->n <= 0) return true;
  if (g->k <= 0) {
    size_t sz = mx_dtype_size(g->dtype);
    for (int64_t i = 0; i < g->m; i++)
      memset((char *)g->c + (size_t)(i * g->ldc) * sz, 0, (size_t)g->n * sz);
    return true;
  }
  tile_job t = {.g = g, .tiles_n = (g->n + NC - 1) / NC};
  atomic_init(&t.failed, false);
  int64_t tiles = (g->m + MC - 1) / MC * t.tiles_n;
  /* one tile is MC*NC*K multiply-adds: worth a thread unless the whole product is tiny */
  double work = (double)g->m * (double)g->n * (double)g->k;
  mxi_parallel_for(tiles, work < 262144.0 ? tiles : 1, run_tiles, &t);
  return !atomic_load(&t.failed);
}
