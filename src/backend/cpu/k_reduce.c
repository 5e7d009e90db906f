/* k_reduce.c — SUM, PROD, MAX, MIN, ALL, ANY over any axes, and ARGMAX/ARGMIN over one axis.
 * The input (any strides) is seen as kept axes K and reduced axes R, each merged where
 * contiguous. Row path: the innermost R axis is the inner loop (vectorized lanes for float32
 * sums). Column path: when only the innermost K axis is contiguous, a tile of outputs is
 * accumulated together. Few outputs with many inputs split R across threads. Floats accumulate
 * in float64 (float32 sums in blocks: see sum_f32_fast). */
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/reduce_plan.h"
#include "loops.h"

typedef union acc {
  double f;
  int64_t i;
  uint64_t u;
  double complex c;
} acc;

typedef enum { OP_SUM, OP_PROD, OP_MAX, OP_MIN, OP_ALL, OP_ANY, NUM_OPS } red_op;
typedef enum { KF, KI, KU, KC } acc_kind;

typedef void (*row_fn)(acc *a, const char *p, int64_t n, int64_t s);

#define LD_b(v) ((int64_t)((v) != 0))
#define LD_i(v) ((int64_t)(v))
#define LD_u(v) ((uint64_t)(v))
#define LD_f(v) ((double)(v))
#define LD_h(v) ((double)mxi_f16_to_f32(v))
#define LD_bh(v) ((double)mxi_bf16_to_f32(v))
#define LD_c(v) ((double complex)(v))

#define STEP_SUM_F a += v
#define STEP_SUM_I a = (__typeof__(a))((uint64_t)a + (uint64_t)v)
#define STEP_PROD_F a *= v
#define STEP_PROD_I a = (__typeof__(a))((uint64_t)a * (uint64_t)v)
#define STEP_MAX a = (v > a || v != v) ? v : a
#define STEP_MIN a = (v < a || v != v) ? v : a
#define STEP_ALL a = a && v
#define STEP_ANY a = a || v

#define ROW(NAME, T, LD, FIELD, STEP)                                                 \
  static void NAME(acc *ac, const char *p, int64_t n, int64_t s) {                    \
    __typeof__(ac->FIELD) a = ac->FIELD;                                              \
    if (s == (int64_t)sizeof(T)) {                                                    \
      const T *x = (const T *)p;                                                      \
      for (int64_t i = 0; i < n; i++) {                                               \
        __typeof__(a) v = LD(x[i]);                                                   \
        STEP;                                                                         \
      }                                                                               \
    } else {                                                                          \
      for (int64_t i = 0; i < n; i++) {                                               \
        __typeof__(a) v = LD(*(const T *)(p + i * s));                                \
        STEP;                                                                         \
      }                                                                               \
    }                                                                                 \
    ac->FIELD = a;                                                                    \
  }

/* truthiness of float16/bfloat16 bits: -0.0 (0x8000) is false */
#define LD_hb(v) ((int64_t)(((v) & 0x7fffu) != 0))

/* every op for one real dtype; LDB reads truthiness */
#define ROWS_REAL(SUF, T, LD, FIELD, SUMSTEP, PRODSTEP, LDB)                          \
  ROW(sum_##SUF, T, LD, FIELD, SUMSTEP)                                               \
  ROW(prod_##SUF, T, LD, FIELD, PRODSTEP)                                             \
  ROW(max_##SUF, T, LD, FIELD, STEP_MAX)                                              \
  ROW(min_##SUF, T, LD, FIELD, STEP_MIN)                                              \
  ROW(all_##SUF, T, LDB, i, STEP_ALL)                                                 \
  ROW(any_##SUF, T, LDB, i, STEP_ANY)

ROWS_REAL(b, uint8_t, LD_i, i, STEP_SUM_I, STEP_PROD_I, LD_b)
ROWS_REAL(u8, uint8_t, LD_u, u, STEP_SUM_I, STEP_PROD_I, LD_b)
ROWS_REAL(u16, uint16_t, LD_u, u, STEP_SUM_I, STEP_PROD_I, LD_b)
ROWS_REAL(u32, uint32_t, LD_u, u, STEP_SUM_I, STEP_PROD_I, LD_b)
ROWS_REAL(u64, uint64_t, LD_u, u, STEP_SUM_I, STEP_PROD_I, LD_b)
ROWS_REAL(i8, int8_t, LD_i, i, STEP_SUM_I, STEP_PROD_I, LD_b)
ROWS_REAL(i16, int16_t, LD_i, i, STEP_SUM_I, STEP_PROD_I, LD_b)
ROWS_REAL(i32, int32_t, LD_i, i, STEP_SUM_I, STEP_PROD_I, LD_b)
ROWS_REAL(i64, int64_t, LD_i, i, STEP_SUM_I, STEP_PROD_I, LD_b)
ROWS_REAL(f16, uint16_t, LD_h, f, STEP_SUM_F, STEP_PROD_F, LD_hb)
ROWS_REAL(bf16, uint16_t, LD_bh, f, STEP_SUM_F, STEP_PROD_F, LD_hb)
ROWS_REAL(f32, float, LD_f, f, STEP_SUM_F, STEP_PROD_F, LD_b)
ROWS_REAL(f64, double, LD_f, f, STEP_SUM_F, STEP_PROD_F, LD_b)
ROW(sum_c64, mxi_c64, LD_c, c, STEP_SUM_F)
ROW(prod_c64, mxi_c64, LD_c, c, STEP_PROD_F)
ROW(all_c64, mxi_c64, LD_b, i, STEP_ALL)
ROW(any_c64, mxi_c64, LD_b, i, STEP_ANY)

/* float32 sum, blocked: 16 float lanes each add 8 elements (the part that vectorizes without
 * reassociation flags), then each lane is flushed into a float64 lane, and the 16 float64 lanes
 * are added pairwise. The float32 error is that of an 8-term sum, whatever n is (NumPy's pairwise
 * sum has 16 terms per lane plus log2(n/128) levels); the float64 lanes add nothing visible. */
static void sum_f32_fast(acc *ac, const char *p, int64_t n, int64_t s) {
  if (s != 4) {
    sum_f32(ac, p, n, s);
    return;
  }
  const float *x = (const float *)p;
  double wide[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n;) {
    int64_t m = n - i < 128 ? (n - i) & ~(int64_t)15 : 128;
    float lanes[16] = {0};
    for (int64_t j = 0; j < m; j += 16)
      for (int l = 0; l < 16; l++) lanes[l] += x[i + j + l];
    for (int l = 0; l < 16; l++) wide[l] += lanes[l];
    i += m;
  }
  double tail = 0;
  for (; i < n; i++) tail += x[i];
  for (int w = 8; w > 0; w /= 2)
    for (int l = 0; l < w; l++) wide[l] += wide[l + w];
  ac->f += wide[0] + tail;
}

/* integer and bool sums into float64 (SUM with to_float64: the mean of integers) */
ROW(fsum_b, uint8_t, LD_f, f, STEP_SUM_F)
ROW(fsum_u16, uint16_t, LD_f, f, STEP_SUM_F)
ROW(fsum_u32, uint32_t, LD_f, f, STEP_SUM_F)
ROW(fsum_u64, uint64_t, LD_f, f, STEP_SUM_F)
ROW(fsum_i8, int8_t, LD_f, f, STEP_SUM_F)
ROW(fsum_i16, int16_t, LD_f, f, STEP_SUM_F)
ROW(fsum_i32, int32_t, LD_f, f, STEP_SUM_F)
ROW(fsum_i64, int64_t, LD_f, f, STEP_SUM_F)
static const row_fn fsum_rows[MX_NUM_DTYPES] = {
    [MX_BOOL] = fsum_b,    [MX_UINT8] = fsum_b,     [MX_UINT16] = fsum_u16, [MX_UINT32] = fsum_u32,
    [MX_UINT64] = fsum_u64, [MX_INT8] = fsum_i8,    [MX_INT16] = fsum_i16,  [MX_INT32] = fsum_i32,
    [MX_INT64] = fsum_i64,
};

static row_fn rows[NUM_OPS][MX_NUM_DTYPES];

#define SET_ROWS(DT, SUF)              \
  do {                                 \
    rows[OP_SUM][DT] = sum_##SUF;      \
    rows[OP_PROD][DT] = prod_##SUF;    \
    rows[OP_MAX][DT] = max_##SUF;      \
    rows[OP_MIN][DT] = min_##SUF;      \
    rows[OP_ALL][DT] = all_##SUF;      \
    rows[OP_ANY][DT] = any_##SUF;      \
  } while (0)

static acc_kind kind_of(red_op op, mx_dtype dt) {
  if (op == OP_ALL || op == OP_ANY) return KI;
  if (dt == MX_COMPLEX64) return KC;
  if (mx_dtype_is_float(dt)) return KF;
  if (dt == MX_BOOL || (dt >= MX_INT8 && dt <= MX_INT64)) return KI;
  return KU;
}

static acc init_of(red_op op, acc_kind k) {
  acc a;
  memset(&a, 0, sizeof a);
  switch (op) {
    case OP_SUM: case OP_ANY: break;
    case OP_PROD: case OP_ALL:
      if (k == KF) a.f = 1;
      else if (k == KC) a.c = 1;
      else if (k == KU) a.u = 1;
      else a.i = 1;
      break;
    case OP_MAX:
      if (k == KF) a.f = -INFINITY;
      else if (k == KI) a.i = INT64_MIN;
      else a.u = 0;
      break;
    case OP_MIN:
      if (k == KF) a.f = INFINITY;
      else if (k == KI) a.i = INT64_MAX;
      else a.u = UINT64_MAX;
      break;
    default: break;
  }
  return a;
}

static void combine(red_op op, acc_kind k, acc *a, const acc *b) {
  switch (k) {
    case KF: {
      double x = a->f, v = b->f;
      if (op == OP_SUM) x += v;
      else if (op == OP_PROD) x *= v;
      else if (op == OP_MAX) x = (v > x || v != v) ? v : x;
      else if (op == OP_MIN) x = (v < x || v != v) ? v : x;
      a->f = x;
      break;
    }
    case KC:
      if (op == OP_SUM) a->c += b->c;
      else a->c *= b->c;
      break;
    case KI: {
      int64_t x = a->i, v = b->i;
      if (op == OP_SUM) x = (int64_t)((uint64_t)x + (uint64_t)v);
      else if (op == OP_PROD) x = (int64_t)((uint64_t)x * (uint64_t)v);
      else if (op == OP_MAX) x = v > x ? v : x;
      else if (op == OP_MIN) x = v < x ? v : x;
      else if (op == OP_ALL) x = x && v;
      else x = x || v;
      a->i = x;
      break;
    }
    case KU: {
      uint64_t x = a->u, v = b->u;
      if (op == OP_SUM) x += v;
      else if (op == OP_PROD) x *= v;
      else if (op == OP_MAX) x = v > x ? v : x;
      else x = v < x ? v : x;
      a->u = x;
      break;
    }
  }
}

static void store(char *o, mx_dtype dt, acc_kind k, const acc *a) {
  switch (k) {
    case KF: mxi_store_f64(o, dt, a->f); break;
    case KC: *(mxi_c64 *)o = (mxi_c64)a->c; break;
    case KI:
      switch (dt) {
        case MX_BOOL: *(uint8_t *)o = a->i != 0; break;
        case MX_INT8: *(int8_t *)o = (int8_t)a->i; break;
        case MX_INT16: *(int16_t *)o = (int16_t)a->i; break;
        case MX_INT32: *(int32_t *)o = (int32_t)a->i; break;
        default: *(int64_t *)o = a->i; break;
      }
      break;
    case KU:
      switch (dt) {
        case MX_UINT8: *(uint8_t *)o = (uint8_t)a->u; break;
        case MX_UINT16: *(uint16_t *)o = (uint16_t)a->u; break;
        case MX_UINT32: *(uint32_t *)o = (uint32_t)a->u; break;
        default: *(uint64_t *)o = a->u; break;
      }
      break;
  }
}

/* ---- layout: kept axes K (output order) and reduced axes R, merged ---- */
typedef struct plan {
  int nk, nr;
  int64_t kshape[MX_MAX_DIMS], kstride[MX_MAX_DIMS]; /* input strides of kept axes */
  int64_t rshape[MX_MAX_DIMS], rstride[MX_MAX_DIMS]; /* outermost first */
  int64_t nout, nred;
  const char *base;
  char *out;
  size_t osize;
  mx_dtype odt, idt;
  red_op op;
  acc_kind kind;
  row_fn row;
  int64_t chunks; /* pieces the outermost R axis is split into (row path) */
  acc *partial;
} plan;

static void make_plan(plan *pl, const mx_array *a, const mx_params *p) {
  mxi_red_axes ra; /* common/reduce_plan.h, as the CUDA reductions see it */
  mxi_red_axes_make(&ra, a->ndim, a->shape, a->strides, p->reduce.naxes, p->reduce.axes);
  pl->nk = ra.nk;
  pl->nr = ra.nr;
  memcpy(pl->kshape, ra.kshape, sizeof ra.kshape);
  memcpy(pl->kstride, ra.kstride, sizeof ra.kstride);
  memcpy(pl->rshape, ra.rshape, sizeof ra.rshape);
  memcpy(pl->rstride, ra.rstride, sizeof ra.rstride);
  pl->nout = ra.nout;
  pl->nred = ra.nred;
}

/* Input offset of output element o (row-major over K). */
static int64_t k_offset(const plan *pl, int64_t o) {
  int64_t off = 0;
  for (int i = pl->nk - 1; i >= 0; i--) {
    off += (o % pl->kshape[i]) * pl->kstride[i];
    o /= pl->kshape[i];
  }
  return off;
}

/* Reduces R axes [from, nr) at ptr into a, with the innermost R axis the row loop. */
static void reduce_r(const plan *pl, acc *a, const char *ptr, int from) {
  if (pl->nr == 0) {
    pl->row(a, ptr, 1, 0);
    return;
  }
  if (from == pl->nr - 1) {
    pl->row(a, ptr, pl->rshape[from], pl->rstride[from]);
    return;
  }
  for (int64_t i = 0; i < pl->rshape[from]; i++) reduce_r(pl, a, ptr + i * pl->rstride[from], from + 1);
}

/* Row path work item w = (output o, chunk c of the outermost R axis). */
static void row_items(void *arg, int64_t lo, int64_t hi) {
  const plan *pl = arg;
  for (int64_t w = lo; w < hi; w++) {
    int64_t o = w / pl->chunks, c = w % pl->chunks;
    const char *ptr = pl->base + k_offset(pl, o);
    acc a = init_of(pl->op, pl->kind);
    if (pl->chunks == 1) {
      reduce_r(pl, &a, ptr, 0);
      store(pl->out + (size_t)o * pl->osize, pl->odt, pl->kind, &a);
      continue;
    }
    int64_t n0 = pl->rshape[0], per = (n0 + pl->chunks - 1) / pl->chunks;
    int64_t i0 = c * per, i1 = i0 + per < n0 ? i0 + per : n0;
    if (pl->nr == 1) {
      if (i1 > i0) pl->row(&a, ptr + i0 * pl->rstride[0], i1 - i0, pl->rstride[0]);
    } else {
      for (int64_t i = i0; i < i1; i++) reduce_r(pl, &a, ptr + i * pl->rstride[0], 1);
    }
    pl->partial[w] = a;
  }
}

/* Column path: tiles of the innermost (contiguous) K axis accumulate together. float32 and
 * float64 sums and extrema have vectorized tile loops on float64 accumulators; other cases step
 * the generic accumulator one element at a time. */
#define TILE 256

#define COL_LOOP(NAME, T, STEP)                                                    \
  static void NAME(double *a, const char *p, int64_t n) {                          \
    const T *x = (const T *)p;                                                     \
    for (int64_t j = 0; j < n; j++) {                                              \
      double v = (double)x[j], c = a[j];                                           \
      a[j] = STEP;                                                                 \
    }                                                                              \
  }
COL_LOOP(col_sum_f32, float, c + v)
COL_LOOP(col_sum_f64, double, c + v)
COL_LOOP(col_max_f32, float, (v > c || v != v) ? v : c)
COL_LOOP(col_max_f64, double, (v > c || v != v) ? v : c)
COL_LOOP(col_min_f32, float, (v < c || v != v) ? v : c)
COL_LOOP(col_min_f64, double, (v < c || v != v) ? v : c)

typedef void (*col_fn)(double *a, const char *p, int64_t n);

static col_fn fast_col(red_op op, mx_dtype dt) {
  if (dt == MX_FLOAT32) return op == OP_SUM ? col_sum_f32 : op == OP_MAX ? col_max_f32 : op == OP_MIN ? col_min_f32 : NULL;
  if (dt == MX_FLOAT64) return op == OP_SUM ? col_sum_f64 : op == OP_MAX ? col_max_f64 : op == OP_MIN ? col_min_f64 : NULL;
  return NULL;
}

static void col_items(void *arg, int64_t lo, int64_t hi) {
  const plan *pl = arg;
  int64_t kin = pl->kshape[pl->nk - 1], ntiles = (kin + TILE - 1) / TILE;
  col_fn fast = pl->kstride[pl->nk - 1] == (int64_t)mx_dtype_size(pl->idt) ? fast_col(pl->op, pl->idt) : NULL;
  acc accs[TILE];
  double accd[TILE];
  for (int64_t w = lo; w < hi; w++) {
    int64_t outer = w / ntiles, t = w % ntiles;
    int64_t j0 = t * TILE, len = kin - j0 < TILE ? kin - j0 : TILE;
    int64_t o0 = outer * kin + j0;
    const char *ptr = pl->base + k_offset(pl, o0);
    acc init = init_of(pl->op, pl->kind);
    for (int64_t j = 0; j < len; j++) {
      accs[j] = init;
      accd[j] = init.f;
    }
    int64_t idx[MX_MAX_DIMS] = {0};
    for (int64_t r = 0; r < pl->nred; r++) {
      const char *q = ptr;
      for (int i = 0; i < pl->nr; i++) q += idx[i] * pl->rstride[i];
      if (fast)
        fast(accd, q, len);
      else
        for (int64_t j = 0; j < len; j++) pl->row(&accs[j], q + j * pl->kstride[pl->nk - 1], 1, 0);
      for (int i = pl->nr - 1; i >= 0 && ++idx[i] == pl->rshape[i]; i--) idx[i] = 0;
    }
    for (int64_t j = 0; j < len; j++) {
      if (fast) accs[j].f = accd[j];
      store(pl->out + (size_t)(o0 + j) * pl->osize, pl->odt, pl->kind, &accs[j]);
    }
  }
}

static red_op op_of(mx_prim p) {
  switch (p) {
    case MX_PRIM_SUM: return OP_SUM;
    case MX_PRIM_PROD: return OP_PROD;
    case MX_PRIM_MAX: return OP_MAX;
    case MX_PRIM_MIN: return OP_MIN;
    case MX_PRIM_ALL: return OP_ALL;
    default: return OP_ANY;
  }
}

static mx_status k_reduce(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  mx_array *a = in[0];
  plan pl;
  memset(&pl, 0, sizeof pl);
  pl.op = op_of((mx_prim)out->prim);
  bool to_f64 = pl.op == OP_SUM && p->reduce.to_float64 && !mx_dtype_is_inexact((mx_dtype)a->dtype);
  pl.row = to_f64 ? fsum_rows[a->dtype] : rows[pl.op][a->dtype];
  if (!pl.row) {
    mxi_kernel_fail(out, "no CPU loop for dtype %s", mx_dtype_name((mx_dtype)a->dtype));
    return MX_ERROR;
  }
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  make_plan(&pl, a, p);
  pl.base = mxi_host_ptr(a);
  pl.out = mxi_host_ptr(out);
  pl.odt = (mx_dtype)out->dtype;
  pl.idt = (mx_dtype)a->dtype;
  pl.osize = mx_dtype_size(pl.odt);
  pl.kind = to_f64 ? KF : kind_of(pl.op, (mx_dtype)a->dtype);
  if (pl.nout == 0) return MX_OK;
  if (pl.nred == 0) { /* empty reductions give the identity */
    acc id = init_of(pl.op, pl.kind);
    for (int64_t o = 0; o < pl.nout; o++) store(pl.out + (size_t)o * pl.osize, pl.odt, pl.kind, &id);
    return MX_OK;
  }
  size_t isz = mx_dtype_size((mx_dtype)a->dtype);
  bool row_contig = pl.nr > 0 && pl.rstride[pl.nr - 1] == (int64_t)isz;
  bool col_contig = pl.nk > 0 && pl.kstride[pl.nk - 1] == (int64_t)isz;
  int nt = mxi_num_threads();
  if (!row_contig && col_contig && pl.nr > 0) {
    int64_t kin = pl.kshape[pl.nk - 1];
    int64_t items = (pl.nout / kin) * ((kin + TILE - 1) / TILE);
    int64_t grain = (1 << 16) / (pl.nred * TILE) + 1;
    mxi_parallel_for(items, grain, col_items, &pl);
    return MX_OK;
  }
  /* row path; split R when there are too few outputs to keep the threads busy */
  pl.chunks = 1;
  if (nt > 1 && pl.nout < nt && pl.nr > 0 && pl.nred >= (1 << 15)) {
    int64_t want = (int64_t)nt * 4;
    pl.chunks = pl.rshape[0] < want ? pl.rshape[0] : want;
  }
  int64_t items = pl.nout * pl.chunks;
  if (pl.chunks > 1) {
    pl.partial = malloc((size_t)items * sizeof(acc));
    if (!pl.partial) {
      mxi_kernel_fail(out, "out of memory");
      return MX_ERROR;
    }
  }
  int64_t work_per_item = pl.nred / pl.chunks + 1;
  mxi_parallel_for(items, (1 << 15) / work_per_item + 1, row_items, &pl);
  if (pl.chunks > 1) {
    for (int64_t o = 0; o < pl.nout; o++) {
      acc a0 = pl.partial[o * pl.chunks];
      for (int64_t c = 1; c < pl.chunks; c++) combine(pl.op, pl.kind, &a0, &pl.partial[o * pl.chunks + c]);
      store(pl.out + (size_t)o * pl.osize, pl.odt, pl.kind, &a0);
    }
    free(pl.partial);
  }
  return MX_OK;
}

/* ---- argmax / argmin along one axis: the first extreme (NaN counts as extreme) ---- */
typedef struct arg_task {
  const mx_array *a;
  char *out;
  int axis;
  bool is_max;
} arg_task;

#define ARG_SCAN(SUF, T, LD, ISNAN)                                                    \
  static int64_t arg_##SUF(const char *p, int64_t n, int64_t s, bool is_max) {         \
    __typeof__(LD(*(const T *)p)) best = LD(*(const T *)p);                            \
    int64_t bi = 0;                                                                    \
    if (ISNAN(best)) return 0;                                                         \
    for (int64_t i = 1; i < n; i++) {                                                  \
      __typeof__(best) v = LD(*(const T *)(p + i * s));                                \
      if (ISNAN(v)) return i;                                                          \
      if (is_max ? v > best : v < best) {                                              \
        best = v;                                                                      \
        bi = i;                                                                        \
      }                                                                                \
    }                                                                                  \
    return bi;                                                                         \
  }
#define NO_NAN(v) ((void)(v), 0)
#define IS_NAN(v) ((v) != (v))
ARG_SCAN(b, uint8_t, LD_u, NO_NAN)
ARG_SCAN(u8, uint8_t, LD_u, NO_NAN)
ARG_SCAN(u16, uint16_t, LD_u, NO_NAN)
ARG_SCAN(u32, uint32_t, LD_u, NO_NAN)
ARG_SCAN(u64, uint64_t, LD_u, NO_NAN)
ARG_SCAN(i8, int8_t, LD_i, NO_NAN)
ARG_SCAN(i16, int16_t, LD_i, NO_NAN)
ARG_SCAN(i32, int32_t, LD_i, NO_NAN)
ARG_SCAN(i64, int64_t, LD_i, NO_NAN)
ARG_SCAN(f16, uint16_t, LD_h, IS_NAN)
ARG_SCAN(bf16, uint16_t, LD_bh, IS_NAN)
ARG_SCAN(f32, float, LD_f, IS_NAN)
ARG_SCAN(f64, double, LD_f, IS_NAN)

typedef int64_t (*arg_fn)(const char *p, int64_t n, int64_t s, bool is_max);
static const arg_fn arg_fns[MX_NUM_DTYPES] = {
    [MX_BOOL] = arg_b,      [MX_UINT8] = arg_u8,     [MX_UINT16] = arg_u16,
    [MX_UINT32] = arg_u32,  [MX_UINT64] = arg_u64,   [MX_INT8] = arg_i8,
    [MX_INT16] = arg_i16,   [MX_INT32] = arg_i32,    [MX_INT64] = arg_i64,
    [MX_FLOAT16] = arg_f16, [MX_BFLOAT16] = arg_bf16, [MX_FLOAT32] = arg_f32,
    [MX_FLOAT64] = arg_f64,
};

static void arg_items(void *arg, int64_t lo, int64_t hi) {
  const arg_task *t = arg;
  const mx_array *a = t->a;
  const char *base = mxi_host_ptr((mx_array *)a);
  arg_fn f = arg_fns[a->dtype];
  for (int64_t o = lo; o < hi; o++) {
    int64_t rem = o, off = 0;
    for (int i = a->ndim - 1; i >= 0; i--) {
      if (i == t->axis) continue;
      off += (rem % a->shape[i]) * a->strides[i];
      rem /= a->shape[i];
    }
    ((int64_t *)t->out)[o] = f(base + off, a->shape[t->axis], a->strides[t->axis], t->is_max);
  }
}

static mx_status k_arg(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  if (!arg_fns[in[0]->dtype]) {
    mxi_kernel_fail(out, "no CPU loop for dtype %s", mx_dtype_name((mx_dtype)in[0]->dtype));
    return MX_ERROR;
  }
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  arg_task t = {in[0], mxi_host_ptr(out), p->reduce.axes[0], out->prim == MX_PRIM_ARGMAX};
  mxi_parallel_for(out->size, (1 << 15) / (in[0]->shape[t.axis] + 1) + 1, arg_items, &t);
  return MX_OK;
}

void mxi_cpu_register_reduce(mx_kernel_fn *k) {
  SET_ROWS(MX_BOOL, b);
  SET_ROWS(MX_UINT8, u8);
  SET_ROWS(MX_UINT16, u16);
  SET_ROWS(MX_UINT32, u32);
  SET_ROWS(MX_UINT64, u64);
  SET_ROWS(MX_INT8, i8);
  SET_ROWS(MX_INT16, i16);
  SET_ROWS(MX_INT32, i32);
  SET_ROWS(MX_INT64, i64);
  SET_ROWS(MX_FLOAT16, f16);
  SET_ROWS(MX_BFLOAT16, bf16);
  SET_ROWS(MX_FLOAT32, f32);
  SET_ROWS(MX_FLOAT64, f64);
  rows[OP_SUM][MX_FLOAT32] = sum_f32_fast;
  rows[OP_SUM][MX_COMPLEX64] = sum_c64;
  rows[OP_PROD][MX_COMPLEX64] = prod_c64;
  rows[OP_ALL][MX_COMPLEX64] = all_c64;
  rows[OP_ANY][MX_COMPLEX64] = any_c64;
  k[MX_PRIM_SUM] = k[MX_PRIM_PROD] = k[MX_PRIM_MAX] = k[MX_PRIM_MIN] = k_reduce;
  k[MX_PRIM_ALL] = k[MX_PRIM_ANY] = k_reduce;
  k[MX_PRIM_ARGMAX] = k[MX_PRIM_ARGMIN] = k_arg;
}
