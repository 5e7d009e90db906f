/* test_sweep_join.c — the op sweep for the join family (concatenate, stack, split, split_at,
 * unstack, tile, repeat, pad, roll): every dtype x shape family against float64 references that
 * move the reference values by index; then dtype promotion, edge cases and error paths. */
#include "sweep.h"

#include "core/convert.h"

/* ---- reference helpers: element moves keep re, im and exact 64-bit values ---- */

static void copy_el(ref_array *d, int64_t di, const ref_array *s, int64_t si) {
  d->re[di] = s->re[si];
  if (d->im) d->im[di] = s->im ? s->im[si] : 0;
  if (d->iv) {
    d->iv[di] = s->iv ? s->iv[si] : (int64_t)s->re[si];
    d->exact = true;
  }
}

static int norm_ax(int axis, int ndim) { return axis < 0 ? axis + ndim : axis; }

/* Flat index in r of idx with idx[ax] replaced by k. */
static int64_t flat_with(const ref_array *r, const int64_t *idx, int ax, int64_t k) {
  int64_t f = 0;
  for (int i = 0; i < r->ndim; i++) f = f * r->shape[i] + (i == ax ? k : idx[i]);
  return f;
}

/* A 1-D reference of a's values in row-major order (MX_AXIS_NONE ops). */
static ref_array *flat_ref(const ref_array *a) {
  ref_array *r = ref_new(1, &a->size, a->dtype);
  for (int64_t i = 0; i < a->size; i++) copy_el(r, i, a, i);
  return r;
}

static ref_array *concat_ref(ref_array *const *in, int n, int axis, mx_dtype odt) {
  (void)odt;
  ref_array *flat[3];
  const ref_array *src[3];
  for (int k = 0; k < n; k++) {
    flat[k] = axis == MX_AXIS_NONE ? flat_ref(in[k]) : NULL;
    src[k] = flat[k] ? flat[k] : in[k];
  }
  int ax = axis == MX_AXIS_NONE ? 0 : norm_ax(axis, src[0]->ndim);
  int64_t shape[MX_MAX_DIMS];
  memcpy(shape, src[0]->shape, sizeof shape);
  shape[ax] = 0;
  for (int k = 0; k < n; k++) shape[ax] += src[k]->shape[ax];
  ref_array *r = ref_new(src[0]->ndim, shape, src[0]->dtype);
  int64_t idx[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, idx);
    int64_t j = idx[ax];
    int k = 0;
    while (j >= src[k]->shape[ax]) j -= src[k++]->shape[ax];
    copy_el(r, f, src[k], flat_with(src[k], idx, ax, j));
  }
  for (int k = 0; k < n; k++) ref_free(flat[k]);
  return r;
}

static ref_array *stack_ref(ref_array *const *in, int n, int axis) {
  int nd = in[0]->ndim + 1, ax = norm_ax(axis, nd);
  int64_t shape[MX_MAX_DIMS];
  for (int i = 0, j = 0; i < nd; i++) shape[i] = i == ax ? n : in[0]->shape[j++];
  ref_array *r = ref_new(nd, shape, in[0]->dtype);
  int64_t idx[MX_MAX_DIMS], sidx[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, idx);
    for (int i = 0, j = 0; i < nd; i++)
      if (i != ax) sidx[j++] = idx[i];
    copy_el(r, f, in[idx[ax]], ref_flat(in[idx[ax]], sidx));
  }
  return r;
}

/* Output element f of a same-shape permutation along axis: src_of maps the axis index. */
static ref_array *along_ref(const ref_array *a, int ax, int64_t (*src_of)(int64_t i, int64_t n, const void *ctx),
                            const void *ctx) {
  ref_array *r = ref_new(a->ndim, a->shape, a->dtype);
  int64_t idx[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, idx);
    copy_el(r, f, a, flat_with(a, idx, ax, src_of(idx[ax], a->shape[ax], ctx)));
  }
  return r;
}

/* ---- concatenate / stack ---- */
static mx_array *b_concat0(mx_array *const *in) { return mx_concatenate(2, in, 0); }
static mx_array *b_concat_last(mx_array *const *in) { return mx_concatenate(3, in, -1); }
static mx_array *b_concat_none(mx_array *const *in) { return mx_concatenate(2, in, MX_AXIS_NONE); }
static mx_array *b_stack0(mx_array *const *in) { return mx_stack(2, in, 0); }
static mx_array *b_stack_last(mx_array *const *in) { return mx_stack(3, in, -1); }
static ref_array *r_concat0(ref_array *const *in, mx_dtype o) { return concat_ref(in, 2, 0, o); }
static ref_array *r_concat_last(ref_array *const *in, mx_dtype o) { return concat_ref(in, 3, -1, o); }
static ref_array *r_concat_none(ref_array *const *in, mx_dtype o) {
  return concat_ref(in, 2, MX_AXIS_NONE, o);
}
static ref_array *r_stack0(ref_array *const *in, mx_dtype o) { (void)o; return stack_ref(in, 2, 0); }
static ref_array *r_stack_last(ref_array *const *in, mx_dtype o) { (void)o; return stack_ref(in, 3, -1); }

/* ---- split (parts joined back in reverse order) ---- */
static int sections_for(int64_t d) {
  if (d == 0) return 2;
  const int cand[] = {3, 2, 5, 7};
  for (int i = 0; i < 4; i++)
    if (d % cand[i] == 0) return cand[i];
  return 1;
}

static mx_array *split_rev(mx_array *a, int axis) {
  int ax = norm_ax(axis, mx_array_ndim(a));
  int k = sections_for(mx_array_dim(a, ax));
  mx_array *parts[8], *rev[8];
  mx_split(a, k, axis, parts);
  for (int i = 0; i < k; i++) rev[i] = parts[k - 1 - i];
  return mx_concatenate(k, rev, axis);
}
static mx_array *b_split0(mx_array *const *in) { return split_rev(in[0], 0); }
static mx_array *b_split_last(mx_array *const *in) { return split_rev(in[0], -1); }
static int64_t split_src(int64_t i, int64_t n, const void *ctx) {
  (void)ctx;
  int k = sections_for(n);
  int64_t len = n / k;
  return (k - 1 - i / len) * len + i % len;
}
static ref_array *r_split0(ref_array *const *in, mx_dtype o) { (void)o; return along_ref(in[0], 0, split_src, NULL); }
static ref_array *r_split_last(ref_array *const *in, mx_dtype o) {
  (void)o;
  return along_ref(in[0], in[0]->ndim - 1, split_src, NULL);
}

/* split_at with NumPy's slice rules: negative, decreasing and out-of-range indices */
static const int64_t split_points[] = {2, -1, 1, 9};
#define NPOINTS 4
static mx_array *split_at_rev(mx_array *a, int axis) {
  mx_array *parts[NPOINTS + 1], *rev[NPOINTS + 1];
  mx_split_at(a, NPOINTS, split_points, axis, parts);
  for (int i = 0; i <= NPOINTS; i++) rev[i] = parts[NPOINTS - i];
  return mx_concatenate(NPOINTS + 1, rev, axis);
}
static mx_array *b_split_at0(mx_array *const *in) { return split_at_rev(in[0], 0); }
static mx_array *b_split_at_last(mx_array *const *in) { return split_at_rev(in[0], -1); }
static int64_t clamp_py(int64_t i, int64_t n) {
  if (i < 0) i += n;
  return i < 0 ? 0 : i > n ? n : i;
}
/* The parts in reverse order, each a[start:stop] along axis with Python's slice rules (they
 * may overlap or be empty, so the result's axis length differs from a's). */
static ref_array *split_at_ref(const ref_array *a, int ax) {
  int64_t n = a->shape[ax], src[4 * 1024], m = 0;
  for (int k = NPOINTS; k >= 0; k--) {
    int64_t s = k == 0 ? 0 : clamp_py(split_points[k - 1], n);
    int64_t e = k == NPOINTS ? n : clamp_py(split_points[k], n);
    for (int64_t i = s; i < e; i++) src[m++] = i;
  }
  int64_t shape[MX_MAX_DIMS];
  memcpy(shape, a->shape, sizeof shape);
  shape[ax] = m;
  ref_array *r = ref_new(a->ndim, shape, a->dtype);
  int64_t idx[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, idx);
    copy_el(r, f, a, flat_with(a, idx, ax, src[idx[ax]]));
  }
  return r;
}
static ref_array *r_split_at0(ref_array *const *in, mx_dtype o) { (void)o; return split_at_ref(in[0], 0); }
static ref_array *r_split_at_last(ref_array *const *in, mx_dtype o) {
  (void)o;
  return split_at_ref(in[0], in[0]->ndim - 1);
}

/* unstack along the last axis, stacked back in reverse: a flip */
static mx_array *b_unstack(mx_array *const *in) {
  int64_t n = mx_array_dim(in[0], -1);
  mx_array **parts = malloc(sizeof(mx_array *) * (size_t)(n + 1)), **rev = malloc(sizeof(mx_array *) * (size_t)(n + 1));
  mx_unstack(in[0], -1, parts);
  for (int64_t i = 0; i < n; i++) rev[i] = parts[n - 1 - i];
  mx_array *r = mx_stack((int)n, rev, -1);
  free(parts);
  free(rev);
  return r;
}
static int64_t flip_src(int64_t i, int64_t n, const void *ctx) { (void)ctx; return n - 1 - i; }
static ref_array *r_unstack(ref_array *const *in, mx_dtype o) {
  (void)o;
  return along_ref(in[0], in[0]->ndim - 1, flip_src, NULL);
}

/* ---- tile / repeat ---- */
static ref_array *tile_ref(const ref_array *a, int nreps, const int64_t *reps) {
  int nd = nreps > a->ndim ? nreps : a->ndim;
  int64_t s[MX_MAX_DIMS], shape[MX_MAX_DIMS];
  for (int i = 0; i < nd; i++) {
    int j = i - (nd - nreps), k = i - (nd - a->ndim);
    s[i] = k >= 0 ? a->shape[k] : 1;
    shape[i] = s[i] * (j >= 0 ? reps[j] : 1);
  }
  ref_array *r = ref_new(nd, shape, a->dtype);
  int64_t idx[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, idx);
    int64_t src = 0;
    for (int i = 0; i < nd; i++) src = src * s[i] + idx[i] % s[i];
    copy_el(r, f, a, src);
  }
  return r;
}
static const int64_t reps_a[] = {2, 3}, reps_b[] = {2, 2, 1, 2, 2}, reps_c[] = {0, 2};
static mx_array *b_tile_a(mx_array *const *in) { return mx_tile(in[0], MX_SHAPE(2, 3)); }
static mx_array *b_tile_b(mx_array *const *in) { return mx_tile(in[0], MX_SHAPE(2, 2, 1, 2, 2)); }
static mx_array *b_tile_c(mx_array *const *in) { return mx_tile(in[0], MX_SHAPE(0, 2)); }
static ref_array *r_tile_a(ref_array *const *in, mx_dtype o) { (void)o; return tile_ref(in[0], 2, reps_a); }
static ref_array *r_tile_b(ref_array *const *in, mx_dtype o) { (void)o; return tile_ref(in[0], 5, reps_b); }
static ref_array *r_tile_c(ref_array *const *in, mx_dtype o) { (void)o; return tile_ref(in[0], 2, reps_c); }

static ref_array *repeat_ref(const ref_array *in, int64_t rep, int axis) {
  ref_array *flat = axis == MX_AXIS_NONE ? flat_ref(in) : NULL;
  const ref_array *a = flat ? flat : in;
  int ax = axis == MX_AXIS_NONE ? 0 : norm_ax(axis, a->ndim);
  int64_t shape[MX_MAX_DIMS];
  memcpy(shape, a->shape, sizeof shape);
  shape[ax] *= rep;
  ref_array *r = ref_new(a->ndim, shape, a->dtype);
  int64_t idx[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, idx);
    copy_el(r, f, a, flat_with(a, idx, ax, idx[ax] / rep));
  }
  ref_free(flat);
  return r;
}
static mx_array *b_repeat0(mx_array *const *in) { return mx_repeat(in[0], 3, 0); }
static mx_array *b_repeat_last(mx_array *const *in) { return mx_repeat(in[0], 2, -1); }
static mx_array *b_repeat_none(mx_array *const *in) { return mx_repeat(in[0], 2, MX_AXIS_NONE); }
static mx_array *b_repeat_zero(mx_array *const *in) { return mx_repeat(in[0], 0, -1); }
static ref_array *r_repeat0(ref_array *const *in, mx_dtype o) { (void)o; return repeat_ref(in[0], 3, 0); }
static ref_array *r_repeat_last(ref_array *const *in, mx_dtype o) { (void)o; return repeat_ref(in[0], 2, -1); }
static ref_array *r_repeat_none(ref_array *const *in, mx_dtype o) {
  (void)o;
  return repeat_ref(in[0], 2, MX_AXIS_NONE);
}
static ref_array *r_repeat_zero(ref_array *const *in, mx_dtype o) { (void)o; return repeat_ref(in[0], 0, -1); }

/* ---- pad ---- */
static const int64_t pad_lo[MX_MAX_DIMS] = {1, 0, 2, 1}, pad_hi[MX_MAX_DIMS] = {2, 1, 0, 3};

/* value as stored in dtype dt, read back (the constant a padded array holds) */
static void pad_value(ref_array *r, int64_t f, mx_dtype dt, double v) {
  _Alignas(16) unsigned char buf[16];
  mxi_store_f64(buf, dt, v);
  r->re[f] = mxi_load_f64(buf, dt);
  if (r->im) r->im[f] = 0;
  if (r->iv) {
    memcpy(&r->iv[f], buf, 8);
    r->exact = true;
  }
}

static ref_array *pad_ref(const ref_array *a, int n, bool edge, double value) {
  int64_t shape[MX_MAX_DIMS];
  for (int i = 0; i < a->ndim; i++) shape[i] = a->shape[i] + (i < n ? pad_lo[i] + pad_hi[i] : 0);
  ref_array *r = ref_new(a->ndim, shape, a->dtype);
  int64_t idx[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, idx);
    bool inside = true;
    for (int i = 0; i < n; i++) {
      idx[i] -= pad_lo[i];
      if (idx[i] < 0 || idx[i] >= a->shape[i]) {
        inside = false;
        idx[i] = idx[i] < 0 ? 0 : a->shape[i] - 1;
      }
    }
    if (inside || edge)
      copy_el(r, f, a, ref_flat(a, idx));
    else
      pad_value(r, f, a->dtype, value);
  }
  return r;
}
static mx_array *b_pad_const(mx_array *const *in) {
  return mx_pad(in[0], mx_array_ndim(in[0]), pad_lo, pad_hi, MX_PAD_CONSTANT, 3);
}
static mx_array *b_pad_first(mx_array *const *in) {
  return mx_pad(in[0], mx_array_ndim(in[0]) > 0, pad_lo, pad_hi, MX_PAD_CONSTANT, -2.5);
}
static mx_array *b_pad_edge(mx_array *const *in) {
  return mx_pad(in[0], mx_array_ndim(in[0]), pad_lo, pad_hi, MX_PAD_EDGE, 0);
}
static ref_array *r_pad_const(ref_array *const *in, mx_dtype o) { (void)o; return pad_ref(in[0], in[0]->ndim, false, 3); }
static ref_array *r_pad_first(ref_array *const *in, mx_dtype o) {
  (void)o;
  return pad_ref(in[0], in[0]->ndim > 0, false, -2.5);
}
static ref_array *r_pad_edge(ref_array *const *in, mx_dtype o) { (void)o; return pad_ref(in[0], in[0]->ndim, true, 0); }

/* ---- roll ---- */
static int64_t roll_src(int64_t i, int64_t n, const void *ctx) {
  int64_t s = *(const int64_t *)ctx % n;
  return ((i - s) % n + n) % n;
}
static const int64_t shift_a = 2, shift_b = -7, shift_c = 13;
static mx_array *b_roll0(mx_array *const *in) { return mx_roll(in[0], shift_a, 0); }
static mx_array *b_roll_last(mx_array *const *in) { return mx_roll(in[0], shift_b, -1); }
static mx_array *b_roll_none(mx_array *const *in) { return mx_roll(in[0], shift_c, MX_AXIS_NONE); }
static ref_array *r_roll0(ref_array *const *in, mx_dtype o) { (void)o; return along_ref(in[0], 0, roll_src, &shift_a); }
static ref_array *r_roll_last(ref_array *const *in, mx_dtype o) {
  (void)o;
  return along_ref(in[0], in[0]->ndim - 1, roll_src, &shift_b);
}
static ref_array *r_roll_none(ref_array *const *in, mx_dtype o) {
  (void)o;
  ref_array *flat = flat_ref(in[0]);
  ref_array *rolled = along_ref(flat, 0, roll_src, &shift_c);
  ref_array *r = ref_new(in[0]->ndim, in[0]->shape, in[0]->dtype);
  for (int64_t i = 0; i < r->size; i++) copy_el(r, i, rolled, i);
  ref_free(flat);
  ref_free(rolled);
  return r;
}

/* Shape families: ops along an axis need ndim >= 1; equal shapes for joins. */
#define SH_AXIS (SH_ALL & ~SH_SCALAR & ~SH_BROADCAST)
#define SH_SAME (SH_ALL & ~SH_BROADCAST)
#define J(nm, n, shp, ...) \
  {.name = nm, .nin = n, .dtypes = DT_ALL, .dom = {DOM_ANY, DOM_ANY, DOM_ANY}, .shapes = shp, __VA_ARGS__}

static const sweep_op join_ops[] = {
    J("concatenate(axis=0)", 2, SH_AXIS, .build = b_concat0, .ref = r_concat0),
    J("concatenate(axis=-1, 3 arrays)", 3, SH_AXIS, .build = b_concat_last, .ref = r_concat_last),
    J("concatenate(axis=None)", 2, SH_ALL, .build = b_concat_none, .ref = r_concat_none),
    J("stack(axis=0)", 2, SH_SAME, .build = b_stack0, .ref = r_stack0),
    J("stack(axis=-1, 3 arrays)", 3, SH_SAME, .build = b_stack_last, .ref = r_stack_last),
    J("split(axis=0)", 1, SH_AXIS, .build = b_split0, .ref = r_split0),
    J("split(axis=-1)", 1, SH_AXIS, .build = b_split_last, .ref = r_split_last),
    J("split_at(axis=0)", 1, SH_AXIS, .build = b_split_at0, .ref = r_split_at0),
    J("split_at(axis=-1)", 1, SH_AXIS, .build = b_split_at_last, .ref = r_split_at_last),
    J("unstack(axis=-1)", 1, SH_AXIS, .build = b_unstack, .ref = r_unstack),
    J("tile(2,3)", 1, SH_SAME, .build = b_tile_a, .ref = r_tile_a),
    J("tile(2,2,1,2,2)", 1, SH_SAME & ~SH_LARGE, .build = b_tile_b, .ref = r_tile_b),
    J("tile(0,2)", 1, SH_SAME, .build = b_tile_c, .ref = r_tile_c),
    J("repeat(3, axis=0)", 1, SH_AXIS, .build = b_repeat0, .ref = r_repeat0),
    J("repeat(2, axis=-1)", 1, SH_AXIS, .build = b_repeat_last, .ref = r_repeat_last),
    J("repeat(2, axis=None)", 1, SH_SAME, .build = b_repeat_none, .ref = r_repeat_none),
    J("repeat(0, axis=-1)", 1, SH_AXIS, .build = b_repeat_zero, .ref = r_repeat_zero),
    J("pad(constant 3, all axes)", 1, SH_SAME, .build = b_pad_const, .ref = r_pad_const),
    J("pad(constant -2.5, axis 0)", 1, SH_SAME, .build = b_pad_first, .ref = r_pad_first),
    J("pad(edge, all axes)", 1, SH_SAME & ~SH_EMPTY, .build = b_pad_edge, .ref = r_pad_edge),
    J("roll(2, axis=0)", 1, SH_AXIS, .build = b_roll0, .ref = r_roll0),
    J("roll(-7, axis=-1)", 1, SH_AXIS, .build = b_roll_last, .ref = r_roll_last),
    J("roll(13, axis=None)", 1, SH_SAME, .build = b_roll_none, .ref = r_roll_none),
};

TEST(sweep_join) {
  for (size_t i = 0; i < sizeof join_ops / sizeof join_ops[0]; i++) sweep_run(&join_ops[i]);
}

/* ---- targeted value checks ---- */

/* Reads a as float64 values. */
static void read_f64(mx_array *a, double *out, size_t cap) {
  if (!CHECK(mx_array_copy_to(a, out, cap, MX_FLOAT64) == MX_OK)) memset(out, 0, cap * sizeof *out);
}

TEST(concatenate_promotes_every_dtype_pair) {
  int32_t v[2] = {1, 0};
  mx_array *base = mx_array_new(v, MX_SHAPE(2), MX_INT32);
  for (int i = 0; i < MX_NUM_DTYPES; i++)
    for (int j = 0; j < MX_NUM_DTYPES; j++) {
      mx_scope s = mx_scope_begin();
      mx_array *in[2] = {mx_astype(base, (mx_dtype)i), mx_flip(mx_astype(base, (mx_dtype)j), MX_ALL_AXES)};
      mx_array *r = mx_concatenate(2, in, 0);
      CHECK_INT(mx_array_dtype(r), mx_promote_types((mx_dtype)i, (mx_dtype)j));
      double got[4];
      read_f64(r, got, 4);
      CHECK(got[0] == 1 && got[1] == 0 && got[2] == 0 && got[3] == 1);
      mx_scope_end(s);
    }
}

TEST(concatenate_weak_scalars_defer) {
  int8_t v[2] = {-3, 4};
  mx_array *a = mx_array_new(v, MX_SHAPE(2), MX_INT8);
  mx_array *in[2] = {a, mx_scalar_int(7)};
  mx_array *r = mx_concatenate(2, in, MX_AXIS_NONE);
  CHECK_INT(mx_array_dtype(r), MX_INT8);
  double got[3];
  read_f64(r, got, 3);
  CHECK(got[0] == -3 && got[1] == 4 && got[2] == 7);
  in[1] = mx_scalar(2.5);
  r = mx_concatenate(2, in, MX_AXIS_NONE);
  CHECK_INT(mx_array_dtype(r), MX_FLOAT32);
  read_f64(r, got, 3);
  CHECK(got[0] == -3 && got[1] == 4 && got[2] == 2.5);
}

TEST(concatenate_many_and_empty_pieces) {
  enum { N = 300 };
  mx_array *parts[N];
  for (int k = 0; k < N; k++) parts[k] = mx_full(MX_SHAPE(2, k % 3), k, MX_INT16); /* some (2,0) */
  mx_array *r = mx_concatenate(N, parts, 1);
  CHECK_INT(mx_array_dim(r, 1), N); /* 0 + 1 + 2 per three pieces */
  const int16_t *d = mx_array_data(r);
  if (CHECK(d != NULL)) {
    int64_t col = 0;
    bool ok = true;
    for (int k = 0; k < N; k++)
      for (int c = 0; c < k % 3; c++, col++) ok &= d[col] == k && d[N + col] == k;
    CHECK(ok);
  }
  mx_array *one[1] = {mx_zeros(MX_SHAPE(0, 4), MX_FLOAT32)};
  r = mx_concatenate(1, one, 0);
  CHECK_OK(r);
  CHECK_INT(mx_array_size(r), 0);
}

/* Inputs of different layouts in one concatenate: transposed, broadcast, reversed, contiguous. */
TEST(concatenate_mixed_layouts) {
  mx_array *m = mx_reshape(mx_arange(0, 12, 1, MX_INT32), MX_SHAPE(3, 4));
  mx_array *parts[4] = {
      mx_transpose(mx_reshape(mx_arange(100, 106, 1, MX_INT32), MX_SHAPE(2, 3)), MX_ALL_AXES),
      mx_broadcast_to(mx_reshape(mx_arange(50, 53, 1, MX_INT32), MX_SHAPE(3, 1)), MX_SHAPE(3, 2)),
      mx_flip(m, MX_AXES(1)),
      m,
  };
  mx_array *r = mx_concatenate(4, parts, 1); /* [3, 2 + 2 + 4 + 4] */
  const int32_t *d = mx_array_data(r);
  if (!CHECK(d != NULL)) return;
  for (int i = 0; i < 3; i++) {
    const int32_t want[12] = {100 + i, 103 + i, 50 + i, 50 + i, 4 * i + 3, 4 * i + 2, 4 * i + 1, 4 * i,
                              4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3};
    for (int j = 0; j < 12; j++) CHECK_INT(d[i * 12 + j], want[j]);
  }
}

TEST(split_parts_and_unstack_shapes) {
  mx_array *a = mx_reshape(mx_arange(0, 24, 1, MX_INT32), MX_SHAPE(4, 6));
  mx_array *p[3];
  mx_split(a, 3, 1, p);
  for (int k = 0; k < 3; k++) {
    CHECK_INT(mx_array_dim(p[k], 0), 4);
    CHECK_INT(mx_array_dim(p[k], 1), 2);
    int64_t idx[2] = {3, 1};
    CHECK_CLOSE(mx_array_get_f64(p[k], idx), 18 + 2 * k + 1, 0, 0);
  }
  mx_array *q[1];
  mx_split_at(a, 0, NULL, 0, q); /* no indices: one part, the whole array */
  CHECK_INT(mx_array_size(q[0]), 24);
  mx_array *u[4];
  mx_unstack(a, 0, u);
  for (int k = 0; k < 4; k++) {
    CHECK_INT(mx_array_ndim(u[k]), 1);
    int64_t idx[1] = {5};
    CHECK_CLOSE(mx_array_get_f64(u[k], idx), 6 * k + 5, 0, 0);
  }
  mx_array *e[2];
  mx_split(mx_zeros(MX_SHAPE(0, 3), MX_INT8), 2, 0, e); /* 0 splits into empty parts */
  CHECK_INT(mx_array_size(e[0]), 0);
  CHECK_INT(mx_array_size(e[1]), 0);
}

TEST(roll_extreme_shifts) {
  mx_array *a = mx_arange(0, 5, 1, MX_INT64);
  const int64_t shifts[] = {INT64_MIN, INT64_MAX, 5, -5, 0, 12, -12};
  for (size_t i = 0; i < sizeof shifts / sizeof shifts[0]; i++) {
    mx_array *r = mx_roll(a, shifts[i], 0);
    const int64_t *d = mx_array_data(r);
    if (!CHECK(d != NULL)) continue;
    int64_t s = shifts[i] % 5;
    for (int64_t j = 0; j < 5; j++) CHECK_INT(d[j], ((j - s) % 5 + 5) % 5);
  }
  mx_array *z = mx_roll(mx_scalar_typed(4, MX_INT32), 3, MX_AXIS_NONE); /* 0-d stays 0-d */
  CHECK_INT(mx_array_ndim(z), 0);
  CHECK_INT(mx_item_i64(z), 4);
}

TEST(pad_empty_and_partial) {
  /* constant padding of an empty array: all constant */
  int64_t lo[2] = {1, 1}, hi[2] = {0, 2};
  mx_array *r = mx_pad(mx_zeros(MX_SHAPE(0, 3), MX_FLOAT32), 2, lo, hi, MX_PAD_CONSTANT, 9);
  CHECK_INT(mx_array_dim(r, 0), 1);
  CHECK_INT(mx_array_dim(r, 1), 6);
  double got[6];
  read_f64(r, got, 6);
  for (int i = 0; i < 6; i++) CHECK(got[i] == 9);
  /* edge mode along a non-empty axis of an empty array: still empty, no error */
  int64_t lo2[2] = {0, 2}, hi2[2] = {0, 1};
  r = mx_pad(mx_zeros(MX_SHAPE(0, 3), MX_FLOAT32), 2, lo2, hi2, MX_PAD_EDGE, 0);
  CHECK_OK(r);
  CHECK_INT(mx_array_dim(r, 1), 6);
  /* complex constant: real part, imaginary 0; bool: nonzero is true */
  r = mx_pad(mx_zeros(MX_SHAPE(1), MX_COMPLEX64), 1, lo, hi, MX_PAD_CONSTANT, 1.5);
  const float *c = mx_array_data(r);
  if (CHECK(c != NULL)) CHECK(c[0] == 1.5f && c[1] == 0 && c[2] == 0 && c[3] == 0);
  r = mx_pad(mx_zeros(MX_SHAPE(1), MX_BOOL), 1, lo, hi, MX_PAD_CONSTANT, 0.25);
  const uint8_t *b = mx_array_data(r);
  if (CHECK(b != NULL)) CHECK(b[0] == 1 && b[1] == 0);
  /* no padding: the array itself */
  mx_array *x = mx_ones(MX_SHAPE(2, 2), MX_INT8);
  int64_t zero[2] = {0, 0};
  CHECK(mx_pad(x, 2, zero, zero, MX_PAD_EDGE, 0) == x);
}

TEST(tile_and_repeat_shapes) {
  mx_array *a = mx_ones(MX_SHAPE(2, 1, 3), MX_FLOAT32);
  mx_array *t = mx_tile(a, MX_SHAPE(2)); /* reps shorter than ndim: padded with leading ones */
  CHECK_INT(mx_array_ndim(t), 3);
  CHECK_INT(mx_array_dim(t, 2), 6);
  t = mx_tile(mx_scalar_typed(5, MX_INT32), MX_SHAPE(2, 2)); /* 0-d */
  CHECK_INT(mx_array_size(t), 4);
  CHECK_INT(mx_item_i64(mx_sum(t, MX_ALL_AXES, false)), 20);
  mx_array *r = mx_repeat(mx_scalar_typed(5, MX_INT32), 3, MX_AXIS_NONE);
  CHECK_INT(mx_array_ndim(r), 1);
  CHECK_INT(mx_array_size(r), 3);
  /* an 8-d array: the per-axis path (no room for inserted axes) */
  mx_array *b = mx_reshape(mx_arange(0, 256, 1, MX_INT32), MX_SHAPE(2, 2, 2, 2, 2, 2, 2, 2));
  mx_array *tb = mx_tile(b, MX_SHAPE(1, 1, 1, 1, 1, 1, 2, 3));
  CHECK_INT(mx_array_size(tb), 256 * 6);
  int64_t idx[8] = {1, 1, 1, 1, 1, 1, 3, 5};
  CHECK_CLOSE(mx_array_get_f64(tb, idx), 255, 0, 0);
  mx_array *rb = mx_repeat(b, 2, 7);
  int64_t idx2[8] = {1, 0, 0, 0, 0, 0, 0, 3};
  CHECK_CLOSE(mx_array_get_f64(rb, idx2), 129, 0, 0);
}

/* ---- error paths: error arrays naming the op; the program keeps running ---- */

TEST(errors_concatenate_stack) {
  mx_array *a = mx_zeros(MX_SHAPE(2, 3), MX_FLOAT32), *b = mx_zeros(MX_SHAPE(3, 3), MX_FLOAT32);
  mx_array *ab[2] = {a, b};
  CHECK_ERROR(mx_concatenate(2, ab, 1), "mx_concatenate:");
  CHECK_ERROR(mx_concatenate(2, ab, 1), "(2,3)");
  CHECK_ERROR(mx_concatenate(2, ab, 1), "(3,3)");
  CHECK_OK(mx_concatenate(2, ab, 0));
  CHECK_ERROR(mx_concatenate(2, ab, 2), "mx_concatenate: axis 2 is out of range");
  CHECK_ERROR(mx_concatenate(2, ab, -3), "mx_concatenate: axis -3");
  CHECK_ERROR(mx_concatenate(0, ab, 0), "mx_concatenate:");
  mx_array *v[2] = {a, mx_zeros(MX_SHAPE(6), MX_FLOAT32)};
  CHECK_ERROR(mx_concatenate(2, v, 0), "mx_concatenate:");
  mx_array *s[2] = {mx_scalar(1), mx_scalar(2)};
  CHECK_ERROR(mx_concatenate(2, s, 0), "mx_concatenate: zero-dimensional");
  CHECK_OK(mx_concatenate(2, s, MX_AXIS_NONE));
  mx_array *bad = mx_reshape(a, MX_SHAPE(7));
  mx_array *e[2] = {a, bad};
  CHECK_ERROR(mx_concatenate(2, e, 0), "mx_reshape:"); /* the first error propagates */
  CHECK_ERROR(mx_stack(2, ab, 0), "mx_stack:");
  CHECK_ERROR(mx_stack(2, ab, 0), "(3,3)");
  mx_array *aa[2] = {a, a};
  CHECK_OK(mx_stack(2, aa, 2));
  CHECK_ERROR(mx_stack(2, aa, 3), "mx_stack: axis 3");
  CHECK_ERROR(mx_stack(0, aa, 0), "mx_stack:");
  mx_array *big = mx_zeros(MX_SHAPE(1, 1, 1, 1, 1, 1, 1, 1), MX_INT8);
  mx_array *bb[2] = {big, big};
  CHECK_ERROR(mx_stack(2, bb, 0), "mx_stack:");
}

TEST(errors_split) {
  mx_array *a = mx_zeros(MX_SHAPE(5, 6), MX_INT32);
  mx_array *p[4];
  mx_split(a, 4, 0, p);
  for (int k = 0; k < 4; k++) CHECK_ERROR(p[k], "mx_split: an array of shape (5,6) cannot be split into 4");
  mx_split(a, 2, 2, p);
  CHECK_ERROR(p[0], "mx_split: axis 2");
  CHECK_ERROR(p[1], "mx_split: axis 2");
  mx_clear_error();
  mx_split(a, 0, 0, p);
  CHECK(mx_last_error() && strstr(mx_last_error(), "mx_split:"));
  mx_clear_error();
  int64_t idx[2] = {1, 2};
  mx_split_at(a, 2, idx, -3, p);
  for (int k = 0; k < 3; k++) CHECK_ERROR(p[k], "mx_split_at: axis -3");
  mx_split_at(a, -1, idx, 0, p);
  CHECK(mx_last_error() && strstr(mx_last_error(), "mx_split_at:"));
  mx_clear_error();
  mx_unstack(mx_scalar(1), 0, p);
  CHECK(mx_last_error() && strstr(mx_last_error(), "mx_unstack:"));
  mx_clear_error();
  mx_split(mx_reshape(a, MX_SHAPE(4)), 2, 0, p); /* an error input propagates to every part */
  CHECK_ERROR(p[0], "mx_reshape:");
  CHECK_ERROR(p[1], "mx_reshape:");
}

TEST(errors_tile_repeat_pad_roll) {
  mx_array *a = mx_zeros(MX_SHAPE(2, 3), MX_FLOAT32);
  CHECK_ERROR(mx_tile(a, MX_SHAPE(2, -1)), "mx_tile: negative repetition -1");
  mx_shape many = {.ndim = 9};
  CHECK_ERROR(mx_tile(a, many), "mx_tile:");
  CHECK_ERROR(mx_repeat(a, -2, 0), "mx_repeat: repeats -2 is negative");
  CHECK_ERROR(mx_repeat(a, 2, 2), "mx_repeat: axis 2");
  CHECK_ERROR(mx_repeat(mx_scalar(1), 2, 0), "mx_repeat: axis 0");
  CHECK_ERROR(mx_tile(a, MX_SHAPE(INT64_MAX / 2, 3)), "mx_tile: result is too large");
  CHECK_ERROR(mx_tile(a, MX_SHAPE(1LL << 40, 1LL << 40)), "mx_tile: result is too large");
  CHECK_ERROR(mx_repeat(a, INT64_MAX / 2, 1), "mx_repeat: result is too large");
  CHECK_ERROR(mx_repeat(a, 1LL << 62, 0), "mx_repeat: result is too large");
  int64_t lo[3] = {1, -1, 0}, hi[3] = {0, 0, 0};
  CHECK_ERROR(mx_pad(a, 2, lo, hi, MX_PAD_CONSTANT, 0), "mx_pad: negative pad width");
  CHECK_ERROR(mx_pad(a, 2, hi, lo, MX_PAD_CONSTANT, 0), "(2,3)");
  CHECK_ERROR(mx_pad(a, 3, hi, hi, MX_PAD_CONSTANT, 0), "mx_pad: widths for 3 axes given for an array of shape (2,3)");
  CHECK_ERROR(mx_pad(a, -1, hi, hi, MX_PAD_CONSTANT, 0), "mx_pad:");
  CHECK_ERROR(mx_pad(a, 1, NULL, hi, MX_PAD_CONSTANT, 0), "mx_pad:");
  CHECK_ERROR(mx_pad(a, 1, hi, hi, (mx_pad_mode)7, 0), "mx_pad: unknown mode");
  int64_t one[2] = {1, 0};
  CHECK_ERROR(mx_pad(mx_zeros(MX_SHAPE(0, 3), MX_INT8), 2, one, one, MX_PAD_EDGE, 0),
              "mx_pad: edge mode cannot extend the empty axis 0");
  int64_t huge[1] = {INT64_MAX};
  CHECK_ERROR(mx_pad(a, 1, huge, hi, MX_PAD_CONSTANT, 0), "mx_pad:");
  int64_t big2[2] = {1LL << 40, 1LL << 40};
  CHECK_ERROR(mx_pad(a, 2, big2, big2, MX_PAD_CONSTANT, 0), "mx_pad: result is too large");
  CHECK_ERROR(mx_roll(a, 1, 2), "mx_roll: axis 2");
  CHECK_ERROR(mx_roll(mx_scalar(1), 1, 0), "mx_roll:");
  CHECK_ERROR(mx_roll(mx_reshape(a, MX_SHAPE(4)), 1, 0), "mx_reshape:");
  /* the library still works after all of these */
  CHECK_OK(mx_pad(a, 2, one, one, MX_PAD_EDGE, 0));
}
