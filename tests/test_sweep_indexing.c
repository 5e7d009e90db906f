/* test_sweep_indexing.c — the op sweep for the indexing family: take, take_along_axis,
 * put_along_axis, scatter_along_axis, gather, scatter and slice_update, over every dtype and
 * shape family against float64 references. Index arrays follow fixed patterns (index_ref.h) in
 * every integer dtype, with negative and repeated indices. Error paths: test_indexing_cases.c. */
#include "index_ref.h"

#define F_ND1 (SH_EMPTY | SH_VECTOR | SH_MATRIX | SH_3D | SH_TRANSPOSED | SH_STRIDED | SH_LARGE)
#define F_ND2 (F_ND1 & ~SH_VECTOR)
#define F_ANY (F_ND1 | SH_SCALAR)

static int norm_ax(int ax, int nd) { return ax < 0 ? ax + nd : ax; }

static int64_t flat_of(const ref_array *r, const int64_t *mi) { return ref_flat(r, mi); }

/* ---- take ---- */
static mx_shape take_ishape(int variant, int64_t n) {
  switch (variant) {
    case 0: return n ? MX_SHAPE(4, 3) : MX_SHAPE(2, 0);
    case 1: return n ? MX_SHAPE(9) : MX_SHAPE(0);
    case 2: return n ? MX_SHAPE(2, 5) : MX_SHAPE(2, 0);
    default: return MX_SCALAR_SHAPE;
  }
}

static mx_array *take_build(mx_array *a, int axis, int variant, int seed) {
  int64_t n = axis == MX_AXIS_NONE ? mx_array_size(a) : mx_array_dim(a, axis);
  mx_dtype idt = idx_dtype(mx_array_dtype(a), seed, n);
  return mx_take(a, make_index(take_ishape(variant, n), n, seed, idt), axis);
}

static ref_array *take_ref(const ref_array *a, int axis, int variant, int seed) {
  int nd = a->ndim, ax = axis == MX_AXIS_NONE ? 0 : norm_ax(axis, nd);
  int64_t shape[MX_MAX_DIMS];
  if (axis == MX_AXIS_NONE) {
    nd = 1;
    shape[0] = a->size;
  } else {
    memcpy(shape, a->shape, sizeof shape);
  }
  int64_t n = shape[ax];
  mx_shape is = take_ishape(variant, n);
  int64_t os[MX_MAX_DIMS];
  int on = 0;
  for (int i = 0; i < ax; i++) os[on++] = shape[i];
  for (int i = 0; i < is.ndim; i++) os[on++] = is.dims[i];
  for (int i = ax + 1; i < nd; i++) os[on++] = shape[i];
  ref_array *r = ref_like(on, os, a);
  int64_t mi[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, mi);
    int64_t j = 0;
    for (int i = 0; i < is.ndim; i++) j = j * is.dims[i] + mi[ax + i];
    int64_t src = 0; /* row-major flat index into a (seen with `shape`) */
    for (int i = 0; i < nd; i++) {
      int64_t v = i < ax ? mi[i] : i == ax ? index_at(j, n, seed) : mi[i - 1 + is.ndim];
      src = src * shape[i] + v;
    }
    ref_set(r, f, a, src);
  }
  return r;
}

#define TAKE(NAME, AXIS, VARIANT, SEED)                                                   \
  static mx_array *b_##NAME(mx_array *const *in) {                                        \
    return take_build(in[0], AXIS, VARIANT, SEED);                                        \
  }                                                                                       \
  static ref_array *r_##NAME(ref_array *const *in, mx_dtype odt) {                        \
    (void)odt;                                                                            \
    return take_ref(in[0], AXIS, VARIANT, SEED);                                          \
  }
TAKE(take_none, MX_AXIS_NONE, 0, 1)
TAKE(take_ax0, 0, 1, 2)
TAKE(take_last, -1, 2, 3)
TAKE(take_ax1_scalar, 1, 3, 4)

/* ---- take_along_axis: k indices along axis, another axis broadcast ---- */
static mx_shape tal_ishape(int nd, const int64_t *shape, int ax, int64_t k) {
  mx_shape s = {.ndim = nd};
  for (int i = 0; i < nd; i++) s.dims[i] = shape[i];
  s.dims[ax] = shape[ax] ? k : 0;
  if (nd >= 2) s.dims[ax == 0 ? nd - 1 : 0] = 1;
  return s;
}

static mx_array *tal_build(mx_array *a, int axis, int64_t k, int seed) {
  if (axis == MX_AXIS_NONE) {
    int64_t n = mx_array_size(a);
    mx_dtype idt = idx_dtype(mx_array_dtype(a), seed, n);
    return mx_take_along_axis(a, make_index(n ? MX_SHAPE(k) : MX_SHAPE(0), n, seed, idt), axis);
  }
  int nd = mx_array_ndim(a), ax = norm_ax(axis, nd);
  int64_t n = mx_array_shape(a)[ax];
  mx_dtype idt = idx_dtype(mx_array_dtype(a), seed, n);
  return mx_take_along_axis(a, make_index(tal_ishape(nd, mx_array_shape(a), ax, k), n, seed, idt),
                            axis);
}

static ref_array *tal_ref(const ref_array *a, int axis, int64_t k, int seed) {
  if (axis == MX_AXIS_NONE) {
    int64_t n = a->size, m = n ? k : 0;
    ref_array *r = ref_like(1, &m, a);
    for (int64_t j = 0; j < m; j++) ref_set(r, j, a, index_at(j, n, seed));
    return r;
  }
  int nd = a->ndim, ax = norm_ax(axis, nd);
  int64_t n = a->shape[ax];
  mx_shape is = tal_ishape(nd, a->shape, ax, k);
  int64_t os[MX_MAX_DIMS];
  for (int i = 0; i < nd; i++) os[i] = is.dims[i] == 1 && i != ax ? a->shape[i] : is.dims[i];
  ref_array *r = ref_like(nd, os, a);
  int64_t mi[MX_MAX_DIMS], ii[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, mi);
    int64_t j = 0;
    for (int i = 0; i < nd; i++) {
      ii[i] = is.dims[i] == 1 ? 0 : mi[i];
      j = j * is.dims[i] + ii[i];
    }
    mi[ax] = index_at(j, n, seed);
    ref_set(r, f, a, flat_of(a, mi));
  }
  return r;
}

#define TAL(NAME, AXIS, K, SEED)                                                          \
  static mx_array *b_##NAME(mx_array *const *in) { return tal_build(in[0], AXIS, K, SEED); } \
  static ref_array *r_##NAME(ref_array *const *in, mx_dtype odt) {                        \
    (void)odt;                                                                            \
    return tal_ref(in[0], AXIS, K, SEED);                                                 \
  }
TAL(tal_ax0, 0, 4, 5)
TAL(tal_last, -1, 3, 6)
TAL(tal_none, MX_AXIS_NONE, 5, 7)

/* ---- put_along_axis / scatter_along_axis: indices of a's shape, values in[1] ---- */
static mx_array *along_build(mx_array *const *in, int axis, mx_scatter_mode mode, bool put,
                             int seed) {
  mx_array *a = in[0], *v = in[1];
  mx_array *idx;
  if (axis == MX_AXIS_NONE) {
    int64_t n = mx_array_size(a);
    idx = make_index(MX_SHAPE(n), n, seed, idx_dtype(mx_array_dtype(a), seed, n));
    v = mx_flatten(v, 0, -1);
  } else {
    int64_t n = mx_array_dim(a, axis);
    idx = make_index(mx_array_shape_of(a), n, seed, idx_dtype(mx_array_dtype(a), seed, n));
  }
  return put ? mx_put_along_axis(a, idx, v, axis) : mx_scatter_along_axis(a, idx, v, axis, mode);
}

static ref_array *along_ref(ref_array *const *in, int axis, mx_scatter_mode mode, int seed) {
  const ref_array *a = in[0], *v = in[1];
  ref_array *r = ref_copy(a);
  int64_t mi[MX_MAX_DIMS];
  for (int64_t f = 0; f < a->size; f++) {
    if (axis == MX_AXIS_NONE) {
      ref_combine(r, index_at(f, a->size, seed), v, f, mode);
      continue;
    }
    int ax = norm_ax(axis, a->ndim);
    ref_unflat(a, f, mi);
    mi[ax] = index_at(f, a->shape[ax], seed);
    ref_combine(r, flat_of(a, mi), v, f, mode);
  }
  return r;
}

#define ALONG(NAME, AXIS, MODE, PUT, SEED)                                                \
  static mx_array *b_##NAME(mx_array *const *in) {                                        \
    return along_build(in, AXIS, MODE, PUT, SEED);                                        \
  }                                                                                       \
  static ref_array *r_##NAME(ref_array *const *in, mx_dtype odt) {                        \
    (void)odt;                                                                            \
    return along_ref(in, AXIS, MODE, SEED);                                               \
  }
ALONG(put_ax0, 0, MX_SCATTER_ASSIGN, true, 8)
ALONG(put_none, MX_AXIS_NONE, MX_SCATTER_ASSIGN, true, 9)
ALONG(sal_assign_last, -1, MX_SCATTER_ASSIGN, false, 10)
ALONG(sal_add_last, -1, MX_SCATTER_ADD, false, 11)
ALONG(sal_max_ax0, 0, MX_SCATTER_MAX, false, 12)
ALONG(sal_min_last, -1, MX_SCATTER_MIN, false, 13)
ALONG(sal_prod_ax0, 0, MX_SCATTER_PROD, false, 14)

/* ---- gather: two index arrays on axes (0, 1), single elements ---- */
static mx_array *b_gather2(mx_array *const *in) {
  mx_array *a = in[0];
  int nd = mx_array_ndim(a);
  const int64_t *s = mx_array_shape(a);
  mx_dtype dt = mx_array_dtype(a);
  mx_array *idx[2] = {make_index(MX_SHAPE(s[0] ? 4 : 0, 1), s[0], 5, idx_dtype(dt, 5, s[0])),
                      make_index(MX_SHAPE(3), s[1], 6, idx_dtype(dt, 6, s[1]))};
  int64_t sizes[MX_MAX_DIMS];
  for (int i = 0; i < nd; i++) sizes[i] = i < 2 ? (s[i] > 0) : s[i];
  return mx_gather(a, 2, idx, (int[]){0, 1}, sizes);
}

static ref_array *r_gather2(ref_array *const *in, mx_dtype odt) {
  (void)odt;
  const ref_array *a = in[0];
  int64_t os[MX_MAX_DIMS + 2] = {a->shape[0] ? 4 : 0, 3, a->shape[0] > 0, 1};
  for (int i = 2; i < a->ndim; i++) os[2 + i] = a->shape[i];
  ref_array *r = ref_like(a->ndim + 2, os, a);
  int64_t mi[MX_MAX_DIMS], ai[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, mi);
    ai[0] = index_at(mi[0], a->shape[0], 5);
    ai[1] = index_at(mi[1], a->shape[1], 6);
    for (int i = 2; i < a->ndim; i++) ai[i] = mi[2 + i];
    ref_set(r, f, a, ref_flat(a, ai));
  }
  return r;
}

/* ---- gather: blocks of 2 along the last axis and dim-1 along the others ---- */
static mx_array *b_gather_block(mx_array *const *in) {
  mx_array *a = in[0];
  int nd = mx_array_ndim(a);
  const int64_t *s = mx_array_shape(a);
  int64_t d = s[nd - 1], sizes[MX_MAX_DIMS];
  for (int i = 0; i < nd; i++) sizes[i] = i == nd - 1 ? 2 : (s[i] > 0 ? s[i] - 1 : 0);
  mx_array *idx = make_index_r(MX_SHAPE(5), d - 1, d, 15, idx_dtype(mx_array_dtype(a), 15, d));
  return mx_gather(a, 1, &idx, (int[]){-1}, sizes);
}

static ref_array *r_gather_block(ref_array *const *in, mx_dtype odt) {
  (void)odt;
  const ref_array *a = in[0];
  int nd = a->ndim;
  int64_t d = a->shape[nd - 1], os[MX_MAX_DIMS + 1] = {5};
  for (int i = 0; i < nd; i++) os[1 + i] = i == nd - 1 ? 2 : (a->shape[i] > 0 ? a->shape[i] - 1 : 0);
  ref_array *r = ref_like(nd + 1, os, a);
  int64_t mi[MX_MAX_DIMS + 1], ai[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, mi);
    for (int i = 0; i < nd - 1; i++) ai[i] = mi[1 + i];
    ai[nd - 1] = index_at(mi[0], d - 1, 15) + mi[nd];
    ref_set(r, f, a, ref_flat(a, ai));
  }
  return r;
}

/* ---- scatter: rows (axis 0) of in[1] combined into in[0], repeated indices ---- */
static mx_array *scatter_rows_build(mx_array *const *in, mx_scatter_mode mode) {
  mx_array *a = in[0];
  int64_t d0 = mx_array_ndim(a) > 0 ? mx_array_shape(a)[0] : 0;
  mx_array *idx = make_index(MX_SHAPE(d0), d0, 16, idx_dtype(mx_array_dtype(a), 16, d0));
  mx_array *u = mx_expand_dims(in[1], MX_AXES(1));
  if (d0 == 0) u = mx_slice_axis(u, 1, 0, 0, 1); /* a block of 1 row does not fit 0 rows */
  return mx_scatter(a, 1, &idx, (int[]){0}, u, mode);
}

static ref_array *scatter_rows_ref(ref_array *const *in, mx_scatter_mode mode) {
  const ref_array *a = in[0], *u = in[1];
  ref_array *r = ref_copy(a);
  int64_t d0 = a->shape[0], row = d0 ? a->size / d0 : 0;
  for (int64_t i = 0; i < d0; i++) {
    int64_t t = index_at(i, d0, 16);
    for (int64_t c = 0; c < row; c++) ref_combine(r, t * row + c, u, i * row + c, mode);
  }
  return r;
}

#define SROWS(NAME, MODE)                                                                  \
  static mx_array *b_##NAME(mx_array *const *in) { return scatter_rows_build(in, MODE); } \
  static ref_array *r_##NAME(ref_array *const *in, mx_dtype odt) {                         \
    (void)odt;                                                                             \
    return scatter_rows_ref(in, MODE);                                                     \
  }
SROWS(scatter_assign, MX_SCATTER_ASSIGN)
SROWS(scatter_add, MX_SCATTER_ADD)
SROWS(scatter_max, MX_SCATTER_MAX)
SROWS(scatter_min, MX_SCATTER_MIN)
SROWS(scatter_prod, MX_SCATTER_PROD)

/* ---- scatter: index arrays for axes (1, 0) with overlapping blocks of 2 rows ---- */
typedef struct s2_geom {
  int64_t d0, d1, nb, b0;
  mx_shape ushape; /* I (3, nb) + block (b0, 1, rest...) */
} s2_geom;

static s2_geom s2_of(int nd, const int64_t *s) {
  s2_geom g = {.d0 = s[0], .d1 = s[1]};
  g.nb = g.d0 >= 2 ? 4 : 0;
  g.b0 = g.d0 < 2 ? g.d0 : 2;
  g.ushape.ndim = 2 + nd;
  g.ushape.dims[0] = 3;
  g.ushape.dims[1] = g.nb;
  g.ushape.dims[2] = g.b0;
  g.ushape.dims[3] = 1;
  for (int i = 2; i < nd; i++) g.ushape.dims[2 + i] = s[i];
  return g;
}

static mx_array *scatter2_build(mx_array *const *in, mx_scatter_mode mode) {
  mx_array *a = in[0];
  mx_dtype dt = mx_array_dtype(a);
  s2_geom g = s2_of(mx_array_ndim(a), mx_array_shape(a));
  mx_array *idx[2] = {make_index(MX_SHAPE(3, 1), g.d1, 17, idx_dtype(dt, 17, g.d1)),
                      make_index_r(MX_SHAPE(g.nb), g.d0 - 1, g.d0, 18, idx_dtype(dt, 18, g.d0))};
  mx_array *u;
  ref_free(extra_input(g.ushape, dt, DOM_FINITE, 100 + (uint64_t)dt, &u));
  return mx_scatter(a, 2, idx, (int[]){1, 0}, u, mode);
}

static ref_array *scatter2_ref(ref_array *const *in, mx_scatter_mode mode) {
  const ref_array *a = in[0];
  s2_geom g = s2_of(a->ndim, a->shape);
  ref_array *u = extra_input(g.ushape, a->dtype, DOM_FINITE, 100 + (uint64_t)a->dtype, NULL);
  ref_array *r = ref_copy(a);
  int64_t nI = 3 * g.nb, bsize = nI ? u->size / nI : 0;
  int64_t ui[MX_MAX_DIMS + 2], ai[MX_MAX_DIMS];
  for (int64_t f = 0; f < u->size; f++) { /* row-major: positions in order */
    ref_unflat(u, f, ui);
    (void)bsize;
    ai[0] = index_at(ui[1], g.d0 - 1, 18) + ui[2];
    ai[1] = index_at(ui[0], g.d1, 17) + ui[3];
    for (int i = 2; i < a->ndim; i++) ai[i] = ui[2 + i];
    ref_combine(r, ref_flat(a, ai), u, f, mode);
  }
  ref_free(u);
  return r;
}

#define S2(NAME, MODE)                                                                 \
  static mx_array *b_##NAME(mx_array *const *in) { return scatter2_build(in, MODE); } \
  static ref_array *r_##NAME(ref_array *const *in, mx_dtype odt) {                     \
    (void)odt;                                                                         \
    return scatter2_ref(in, MODE);                                                     \
  }
S2(scatter2_assign, MX_SCATTER_ASSIGN)
S2(scatter2_add, MX_SCATTER_ADD)

/* ---- slice_update: a[1:-1:2, ::-1] = in[1]'s same slice (or its first row, broadcast) ---- */
static const int64_t su_start[2] = {1, MX_END}, su_stop[2] = {-1, MX_END}, su_step[2] = {2, -1};

static mx_array *slice_update_build(mx_array *const *in, bool bcast) {
  int n = mx_array_ndim(in[0]) < 2 ? mx_array_ndim(in[0]) : 2;
  mx_array *u = mx_slice(in[1], n, su_start, su_stop, su_step);
  if (bcast && n > 0) u = mx_slice_axis(mx_slice(in[1], n, su_start, su_stop, su_step), 0, 0, 1, 1);
  return mx_slice_update(in[0], u, n, su_start, su_stop, su_step);
}

/* Python's slice.indices, counted the slow way. */
static void ref_slice(int64_t d, int64_t start, int64_t stop, int64_t step, int64_t *s, int64_t *len) {
  int64_t lo, hi;
  if (step > 0) {
    lo = start == MX_END ? 0 : start < 0 ? (start + d < 0 ? 0 : start + d) : (start > d ? d : start);
    hi = stop == MX_END ? d : stop < 0 ? (stop + d < 0 ? 0 : stop + d) : (stop > d ? d : stop);
  } else {
    lo = start == MX_END ? d - 1 : start < 0 ? (start + d < -1 ? -1 : start + d) : (start > d - 1 ? d - 1 : start);
    hi = stop == MX_END ? -1 : stop < 0 ? (stop + d < -1 ? -1 : stop + d) : (stop > d - 1 ? d - 1 : stop);
  }
  *s = lo;
  *len = 0;
  for (int64_t i = lo; step > 0 ? i < hi : i > hi; i += step) ++*len;
}

static ref_array *slice_update_ref(ref_array *const *in, bool bcast) {
  const ref_array *a = in[0], *v = in[1];
  int n = a->ndim < 2 ? a->ndim : 2;
  int64_t st[MX_MAX_DIMS], step[MX_MAX_DIMS], len[MX_MAX_DIMS];
  for (int i = 0; i < a->ndim; i++) {
    st[i] = 0;
    step[i] = 1;
    len[i] = a->shape[i];
    if (i < n) {
      step[i] = su_step[i];
      ref_slice(a->shape[i], su_start[i], su_stop[i], su_step[i], &st[i], &len[i]);
    }
  }
  ref_array *r = ref_copy(a);
  ref_array *sl = ref_new(a->ndim, len, a->dtype); /* only for its shape */
  int64_t mi[MX_MAX_DIMS], ai[MX_MAX_DIMS], vi[MX_MAX_DIMS];
  for (int64_t f = 0; f < sl->size; f++) {
    ref_unflat(sl, f, mi);
    for (int i = 0; i < a->ndim; i++) ai[i] = vi[i] = st[i] + mi[i] * step[i];
    if (bcast && n > 0) vi[0] = st[0];
    ref_set(r, ref_flat(a, ai), v, ref_flat(v, vi));
  }
  ref_free(sl);
  return r;
}

static mx_array *b_su_same(mx_array *const *in) { return slice_update_build(in, false); }
static mx_array *b_su_bcast(mx_array *const *in) { return slice_update_build(in, true); }
static ref_array *r_su_same(ref_array *const *in, mx_dtype odt) {
  (void)odt;
  return slice_update_ref(in, false);
}
static ref_array *r_su_bcast(ref_array *const *in, mx_dtype odt) {
  (void)odt;
  return slice_update_ref(in, true);
}

#define OP1(NAME, DTS, SHAPES) \
  {.name = #NAME, .nin = 1, .dtypes = DTS, .dom = {DOM_ANY}, .build = b_##NAME, .ref = r_##NAME, .shapes = SHAPES}
#define OP2(NAME, DTS, DOM, SHAPES, ...)                                                     \
  {.name = #NAME, .nin = 2, .dtypes = DTS, .dom = {DOM, DOM}, .build = b_##NAME,           \
   .ref = r_##NAME, .shapes = SHAPES, __VA_ARGS__}

static const sweep_op ops[] = {
    OP1(take_none, DT_ALL, F_ANY),
    OP1(take_ax0, DT_ALL, F_ND1),
    OP1(take_last, DT_ALL, F_ND1),
    OP1(take_ax1_scalar, DT_ALL, F_ND2),
    OP1(tal_ax0, DT_ALL, F_ND1),
    OP1(tal_last, DT_ALL, F_ND1),
    OP1(tal_none, DT_ALL, F_ANY),
    OP2(put_ax0, DT_ALL, DOM_ANY, F_ND1),
    OP2(put_none, DT_ALL, DOM_ANY, F_ANY),
    OP2(sal_assign_last, DT_ALL, DOM_ANY, F_ND1),
    OP2(sal_add_last, DT_ALL, DOM_ANY, F_ND1),
    OP2(sal_max_ax0, DT_REAL, DOM_ANY, F_ND1),
    OP2(sal_min_last, DT_REAL, DOM_ANY, F_ND1),
    OP2(sal_prod_ax0, DT_ALL, DOM_UNIT, F_ND1),
    OP1(gather2, DT_ALL, F_ND2),
    OP1(gather_block, DT_ALL, F_ND1),
    OP2(scatter_assign, DT_ALL, DOM_ANY, F_ND1),
    OP2(scatter_add, DT_ALL, DOM_ANY, F_ND1),
    OP2(scatter_max, DT_REAL, DOM_ANY, F_ND1),
    OP2(scatter_min, DT_REAL, DOM_ANY, F_ND1),
    OP2(scatter_prod, DT_ALL, DOM_UNIT, F_ND1),
    OP1(scatter2_assign, DT_ALL, F_ND2),
    OP1(scatter2_add, DT_ALL, F_ND2),
    OP2(su_same, DT_ALL, DOM_ANY, F_ANY),
    OP2(su_bcast, DT_ALL, DOM_ANY, F_ANY),
};

TEST(sweep_indexing) {
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    int before = mxt_failures();
    sweep_run(&ops[i]);
    if (mxt_failures() != before) fprintf(stderr, "  (in sweep entry %s)\n", ops[i].name);
  }
}
