/* test_sweep_join.c — the op sweep for the join family (concatenate, stack, split, split_at,
 * unstack, tile, repeat, pad, roll): every dtype x shape family against float64 references that
 * move the reference values by index. Hand-checked cases and error paths: test_join.c. */
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
  mx_split(a, k, axis, 8, parts);
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
  mx_split_at(a, NPOINTS, split_points, axis, NPOINTS + 1, parts);
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
  mx_unstack(in[0], -1, (int)n, parts);
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
