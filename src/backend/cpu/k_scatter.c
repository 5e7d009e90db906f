/* k_scatter.c — CPU kernels SCATTER and SCATTER_ALONG_AXIS: a copy of a (or a's donated buffer)
 * into which updates are combined by mode (assign, add, max, min, prod) with typed loops per
 * dtype. Positions are applied in order, so with repeated indices the last assignment wins and
 * sums accumulate in index order. Every index is checked before its write. */
#include <stdlib.h>

#include "copy_loops.h"
#include "index_util.h"
#include "loops.h"

/* d[i] = combine(d[i], s[i]) for n elements with byte strides ds, ss. */
typedef void (*combine_fn)(char *d, const char *s, int64_t n, int64_t ds, int64_t ss);

#define COMBINE(NAME, T, CT, LD, ST, EXPR)                                          \
  static void NAME(char *d, const char *s, int64_t n, int64_t ds, int64_t ss) {     \
    if (ds == (int64_t)sizeof(T) && ss == (int64_t)sizeof(T)) {                     \
      T *o = (T *)d;                                                                \
      const T *u = (const T *)s;                                                    \
      for (int64_t i = 0; i < n; i++) {                                             \
        CT x = LD(o[i]), y = LD(u[i]);                                              \
        o[i] = ST(EXPR);                                                            \
      }                                                                             \
    } else {                                                                        \
      for (int64_t i = 0; i < n; i++) {                                             \
        T *o = (T *)(d + i * ds);                                                   \
        CT x = LD(*o), y = LD(*(const T *)(s + i * ss));                            \
        *o = ST(EXPR);                                                              \
      }                                                                             \
    }                                                                               \
  }

#define ID(v) (v)
/* Integers wrap (computed in uint64, where overflow is defined). */
#define INT_FNS(SUF, T)                                                             \
  COMBINE(add_##SUF, T, T, ID, ID, (T)((uint64_t)x + (uint64_t)y))                  \
  COMBINE(prod_##SUF, T, T, ID, ID, (T)((uint64_t)x * (uint64_t)y))                 \
  COMBINE(max_##SUF, T, T, ID, ID, y > x ? y : x)                                   \
  COMBINE(min_##SUF, T, T, ID, ID, y < x ? y : x)
/* NaN propagates through max and min, as in mx_maximum. */
#define FLOAT_FNS(SUF, T, LD, ST)                                                   \
  COMBINE(add_##SUF, T, float, LD, ST, x + y)                                       \
  COMBINE(prod_##SUF, T, float, LD, ST, x * y)                                      \
  COMBINE(max_##SUF, T, float, LD, ST, (y > x || y != y) ? y : x)                   \
  COMBINE(min_##SUF, T, float, LD, ST, (y < x || y != y) ? y : x)

INT_FNS(u8, uint8_t)
INT_FNS(u16, uint16_t)
INT_FNS(u32, uint32_t)
INT_FNS(u64, uint64_t)
INT_FNS(i8, int8_t)
INT_FNS(i16, int16_t)
INT_FNS(i32, int32_t)
INT_FNS(i64, int64_t)
FLOAT_FNS(f16, uint16_t, MXI_LD_f16, MXI_ST_f16)
FLOAT_FNS(bf16, uint16_t, MXI_LD_bf16, MXI_ST_bf16)
FLOAT_FNS(f32, float, ID, ID)
COMBINE(add_f64, double, double, ID, ID, x + y)
COMBINE(prod_f64, double, double, ID, ID, x * y)
COMBINE(max_f64, double, double, ID, ID, (y > x || y != y) ? y : x)
COMBINE(min_f64, double, double, ID, ID, (y < x || y != y) ? y : x)
/* bool: add is or, prod is and (NumPy), max is or, min is and */
COMBINE(or_b, uint8_t, uint8_t, ID, ID, (uint8_t)(x | y))
COMBINE(and_b, uint8_t, uint8_t, ID, ID, (uint8_t)(x & y))
COMBINE(add_c64, mxi_c64, mxi_c64, ID, ID, x + y)
COMBINE(prod_c64, mxi_c64, mxi_c64, ID, ID, x * y)
/* assign moves bytes */
COMBINE(set1, uint8_t, uint8_t, ID, ID, ((void)x, y))
COMBINE(set2, uint16_t, uint16_t, ID, ID, ((void)x, y))
COMBINE(set4, uint32_t, uint32_t, ID, ID, ((void)x, y))
COMBINE(set8, uint64_t, uint64_t, ID, ID, ((void)x, y))

static combine_fn fns[MX_SCATTER_PROD + 1][MX_NUM_DTYPES];

static combine_fn combine_of(mx_scatter_mode mode, mx_dtype dt) {
  if ((int)mode < 0 || (int)mode > MX_SCATTER_PROD || (unsigned)dt >= MX_NUM_DTYPES) return NULL;
  return fns[mode][dt];
}

/* The output starts as a: a's buffer when it can be donated, else a copy. */
static bool start_from(mx_array *out, mx_array *a) {
  if (!mxi_out_alloc(out, &a, 1)) return false;
  if (out->buf != a->buf) mxi_copy_into(out, a);
  return true;
}

/* ---- SCATTER ---- */
typedef struct scatter_task {
  char *out;
  const char *upd;
  const int64_t *offs, *uoffs; /* per position: into out, into updates */
  int64_t nI;
  combine_fn fn;
  int bnd; /* block dims (merged); strides in out and in updates */
  int64_t bshape[MX_MAX_DIMS], os[MX_MAX_DIMS], us[MX_MAX_DIMS];
  int64_t chunk, nchunks; /* the innermost block dim is cut into nchunks pieces */
} scatter_task;

/* Work item w = (block row, piece of it): combined for every position in order. Items touch
 * disjoint elements when no indexed axis has a block longer than 1. */
static void scatter_items(void *arg, int64_t lo, int64_t hi) {
  const scatter_task *t = arg;
  int last = t->bnd - 1;
  int64_t inner = t->bnd > 0 ? t->bshape[last] : 1;
  for (int64_t w = lo; w < hi; w++) {
    int64_t row = w / t->nchunks, c = w % t->nchunks;
    int64_t orow = 0, urow = 0, r = row;
    for (int i = last - 1; i >= 0; i--) {
      int64_t q = r % t->bshape[i];
      r /= t->bshape[i];
      orow += q * t->os[i];
      urow += q * t->us[i];
    }
    int64_t j0 = c * t->chunk, len = inner - j0 < t->chunk ? inner - j0 : t->chunk;
    int64_t ost = t->bnd > 0 ? t->os[last] : 0, ust = t->bnd > 0 ? t->us[last] : 0;
    orow += j0 * ost;
    urow += j0 * ust;
    for (int64_t f = 0; f < t->nI; f++)
      t->fn(t->out + t->offs[f] + orow, t->upd + t->uoffs[f] + urow, len, ost, ust);
  }
}

static mx_status k_scatter(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mx_array *a = in[0], *u = in[1];
  int nidx = n - 2, ni = nidx > 0 ? in[2]->ndim : 0;
  int64_t nI = nidx > 0 ? in[2]->size : 1;
  combine_fn fn = combine_of(p->gather.mode, (mx_dtype)a->dtype);
  if (!fn) {
    mxi_kernel_fail(out, "no CPU loop for mode %d and dtype %s", (int)p->gather.mode,
                    mx_dtype_name((mx_dtype)a->dtype));
    return MX_ERROR;
  }
  if (!start_from(out, a)) return MX_ERROR;
  int64_t *offs = malloc(2 * (size_t)(nI > 0 ? nI : 1) * sizeof *offs);
  if (!offs) {
    mxi_kernel_fail(out, "out of memory for %lld index offsets", (long long)nI);
    return MX_ERROR;
  }
  const int64_t *block = u->shape + ni;
  mxi_index_set s = {.n = nidx, .idx = in + 2, .axes = p->gather.axes, .dims = out->shape,
                     .block = block, .strides = out->strides, .extra = u, .op = p->gather.op};
  if (!mxi_index_offsets(out, &s, nI, offs, offs + nI)) {
    free(offs);
    return MX_ERROR;
  }
  scatter_task t = {.out = mxi_host_ptr(out), .upd = mxi_host_ptr(u), .offs = offs,
                    .uoffs = offs + nI, .nI = nI, .fn = fn};
  /* block dims: drop 1s, merge where contiguous in both out and updates */
  bool disjoint = true;
  for (int k = 0; k < nidx; k++) disjoint &= block[p->gather.axes[k]] <= 1;
  int64_t bsize = 1;
  for (int i = 0; i < a->ndim; i++) {
    bsize *= block[i];
    if (block[i] == 1) continue;
    int64_t ost = out->strides[i], ust = u->strides[ni + i];
    if (t.bnd > 0 && t.os[t.bnd - 1] == ost * block[i] && t.us[t.bnd - 1] == ust * block[i]) {
      t.bshape[t.bnd - 1] *= block[i];
      t.os[t.bnd - 1] = ost;
      t.us[t.bnd - 1] = ust;
      continue;
    }
    t.bshape[t.bnd] = block[i];
    t.os[t.bnd] = ost;
    t.us[t.bnd++] = ust;
  }
  if (bsize > 0 && nI > 0) {
    int64_t inner = t.bnd > 0 ? t.bshape[t.bnd - 1] : 1, rows = bsize / inner;
    t.chunk = inner < 256 ? inner : 256;
    t.nchunks = (inner + t.chunk - 1) / t.chunk;
    int64_t items = rows * t.nchunks;
    if (disjoint)
      mxi_parallel_for(items, (1 << 14) / (nI * t.chunk) + 1, scatter_items, &t);
    else /* blocks may overlap: one pass in position order */
      for (int64_t f = 0; f < nI; f++) {
        scatter_task one = t;
        one.offs = offs + f;
        one.uoffs = offs + nI + f;
        one.nI = 1;
        scatter_items(&one, 0, items);
      }
  }
  free(offs);
  return MX_OK;
}

/* ---- SCATTER_ALONG_AXIS ---- */
typedef struct along_task {
  mxi_walk w; /* over every axis but ax; operands: out, indices, values */
  char *out;
  const char *idx, *val;
  mx_dtype idt;
  combine_fn fn;
  int64_t len, dim;   /* along ax: of indices and of out */
  int64_t os, is, vs; /* strides along ax */
  _Atomic int64_t bad;
} along_task;

/* Rows (positions off ax) are independent: each writes its own row of out, in index order. */
static void along_range(void *arg, int64_t lo, int64_t hi) {
  along_task *t = arg;
  mxi_walk w = t->w;
  mxi_walk_seek(&w, lo);
  for (int64_t r = lo; r < hi; r++) {
    char *o = t->out + w.off[0];
    const char *ip = t->idx + w.off[1], *vp = t->val + w.off[2];
    for (int64_t j = 0; j < t->len; j++) {
      int64_t v;
      if (!mxi_norm_index(mxi_load_index(ip + j * t->is, t->idt, &v), &v, t->dim, 1)) {
        mxi_note_bad(&t->bad, r * t->len + j);
        return;
      }
      t->fn(o + v * t->os, vp + j * t->vs, 1, 0, 0);
    }
    mxi_walk_next(&w);
  }
}

static mx_status k_scatter_along(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  mx_array *a = in[0], *idx = in[1], *val = in[2];
  int ax = p->along.axis;
  combine_fn fn = combine_of(p->along.mode, (mx_dtype)a->dtype);
  if (!fn) {
    mxi_kernel_fail(out, "no CPU loop for mode %d and dtype %s", (int)p->along.mode,
                    mx_dtype_name((mx_dtype)a->dtype));
    return MX_ERROR;
  }
  if (!start_from(out, a)) return MX_ERROR;
  if (idx->size == 0) return MX_OK;
  along_task t = {.out = mxi_host_ptr(out), .idx = mxi_host_ptr(idx), .val = mxi_host_ptr(val),
                  .idt = (mx_dtype)idx->dtype, .fn = fn, .len = idx->shape[ax],
                  .dim = out->shape[ax], .os = out->strides[ax], .is = idx->strides[ax],
                  .vs = val->strides[ax]};
  atomic_init(&t.bad, INT64_MAX);
  mx_array *ops[3] = {out, idx, val};
  mxi_along_walk(&t.w, idx->shape, idx->ndim, ax, 3, ops);
  mxi_parallel_for(idx->size / t.len, (1 << 14) / t.len + 1, along_range, &t);
  int64_t bad = atomic_load(&t.bad);
  if (bad == INT64_MAX) return MX_OK;
  mxi_along_fail(out, idx, ax, t.dim, bad, p->along.op);
  return MX_ERROR;
}

#define SET(DT, SUF)                        \
  do {                                      \
    fns[MX_SCATTER_ADD][DT] = add_##SUF;    \
    fns[MX_SCATTER_PROD][DT] = prod_##SUF;  \
    fns[MX_SCATTER_MAX][DT] = max_##SUF;    \
    fns[MX_SCATTER_MIN][DT] = min_##SUF;    \
  } while (0)

void mxi_cpu_register_scatter(mx_kernel_fn *k) {
  for (int dt = 0; dt < MX_NUM_DTYPES; dt++) {
    switch (mx_dtype_size((mx_dtype)dt)) {
      case 1: fns[MX_SCATTER_ASSIGN][dt] = set1; break;
      case 2: fns[MX_SCATTER_ASSIGN][dt] = set2; break;
      case 4: fns[MX_SCATTER_ASSIGN][dt] = set4; break;
      default: fns[MX_SCATTER_ASSIGN][dt] = set8; break; /* complex64 is 8 bytes */
    }
  }
  SET(MX_UINT8, u8);
  SET(MX_UINT16, u16);
  SET(MX_UINT32, u32);
  SET(MX_UINT64, u64);
  SET(MX_INT8, i8);
  SET(MX_INT16, i16);
  SET(MX_INT32, i32);
  SET(MX_INT64, i64);
  SET(MX_FLOAT16, f16);
  SET(MX_BFLOAT16, bf16);
  SET(MX_FLOAT32, f32);
  SET(MX_FLOAT64, f64);
  fns[MX_SCATTER_ADD][MX_BOOL] = fns[MX_SCATTER_MAX][MX_BOOL] = or_b;
  fns[MX_SCATTER_PROD][MX_BOOL] = fns[MX_SCATTER_MIN][MX_BOOL] = and_b;
  fns[MX_SCATTER_ADD][MX_COMPLEX64] = add_c64;
  fns[MX_SCATTER_PROD][MX_COMPLEX64] = prod_c64;
  k[MX_PRIM_SCATTER] = k_scatter;
  k[MX_PRIM_SCATTER_ALONG_AXIS] = k_scatter_along;
}
