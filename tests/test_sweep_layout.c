/* test_sweep_layout.c — the op sweep for shape and layout ops (views and copies) over every dtype
 * and shape family: each op's reference maps an output index to the input element it holds. */
#include "core/convert.h"
#include "sweep.h"

typedef struct layout_op {
  const char *name;
  unsigned shapes;
  mx_array *(*build)(mx_array *a);
  /* output shape from the input's; false if the op should reject this input shape */
  bool (*oshape)(const ref_array *in, int *nd, int64_t *shape);
  /* input multi-index holding output multi-index o */
  void (*map)(const ref_array *in, const int64_t *o, int64_t *i);
} layout_op;

static const layout_op *cur;
static mx_array *build(mx_array *const *in) { return cur->build(in[0]); }

static ref_array *ref(ref_array *const *in, mx_dtype odt) {
  int nd;
  int64_t shape[MX_MAX_DIMS];
  if (!cur->oshape(in[0], &nd, shape)) return NULL;
  ref_array *r = ref_new(nd, shape, odt);
  int64_t o[MX_MAX_DIMS], i[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, o);
    cur->map(in[0], o, i);
    int64_t src = ref_flat(in[0], i);
    r->re[f] = in[0]->re[src];
    if (r->im) r->im[f] = in[0]->im[src];
    if (r->iv) r->iv[f] = in[0]->iv[src];
  }
  r->exact = in[0]->exact;
  return r;
}

static void copy_idx(const ref_array *in, const int64_t *o, int64_t *i) {
  (void)in;
  for (int k = 0; k < MX_MAX_DIMS; k++) i[k] = o[k];
}
static bool same_shape(const ref_array *in, int *nd, int64_t *s) {
  *nd = in->ndim;
  for (int k = 0; k < in->ndim; k++) s[k] = in->shape[k];
  return true;
}
/* maps through the flat (row-major) index: reshape-like ops */
static void flat_map(const ref_array *in, const int64_t *o, int64_t *i);
static int flat_nd;
static int64_t flat_shape[MX_MAX_DIMS];
static void flat_map(const ref_array *in, const int64_t *o, int64_t *i) {
  int64_t f = 0;
  for (int k = 0; k < flat_nd; k++) f = f * flat_shape[k] + o[k];
  ref_unflat(in, f, i);
}

/* ---- reshape family ---- */
static mx_array *b_reshape(mx_array *a) { return mx_reshape(a, MX_SHAPE(-1)); }
static bool s_flat(const ref_array *in, int *nd, int64_t *s) {
  *nd = 1;
  s[0] = in->size;
  flat_nd = 1;
  flat_shape[0] = in->size;
  return true;
}
static mx_array *b_reshape2(mx_array *a) { return mx_reshape(a, MX_SHAPE(2, -1)); }
static bool s_two(const ref_array *in, int *nd, int64_t *s) {
  if (in->size % 2) return false;
  *nd = 2;
  s[0] = 2;
  s[1] = in->size / 2;
  flat_nd = 2;
  flat_shape[0] = 2;
  flat_shape[1] = s[1];
  return true;
}
static mx_array *b_flatten(mx_array *a) { return mx_flatten(a, 0, -1); }
static mx_array *b_expand(mx_array *a) { return mx_expand_dims(a, MX_AXES(0, -1)); }
static bool s_expand(const ref_array *in, int *nd, int64_t *s) {
  *nd = in->ndim + 2;
  s[0] = 1;
  for (int k = 0; k < in->ndim; k++) s[k + 1] = in->shape[k];
  s[in->ndim + 1] = 1;
  flat_nd = *nd;
  for (int k = 0; k < *nd; k++) flat_shape[k] = s[k];
  return true;
}
static mx_array *b_squeeze(mx_array *a) { return mx_squeeze(mx_expand_dims(a, MX_AXES(1)), MX_AXES(1)); }
static bool s_same_flat(const ref_array *in, int *nd, int64_t *s) {
  same_shape(in, nd, s);
  flat_nd = *nd;
  for (int k = 0; k < *nd; k++) flat_shape[k] = s[k];
  return true;
}
static mx_array *b_atleast3(mx_array *a) { return mx_atleast_3d(a); }
static bool s_atleast3(const ref_array *in, int *nd, int64_t *s) {
  if (in->ndim >= 3) return s_same_flat(in, nd, s);
  *nd = 3;
  if (in->ndim == 0) { s[0] = s[1] = s[2] = 1; }
  else if (in->ndim == 1) { s[0] = 1; s[1] = in->shape[0]; s[2] = 1; }
  else { s[0] = in->shape[0]; s[1] = in->shape[1]; s[2] = 1; }
  flat_nd = 3;
  for (int k = 0; k < 3; k++) flat_shape[k] = s[k];
  return true;
}

/* ---- permutations ---- */
static mx_array *b_T(mx_array *a) { return mx_transpose(a, MX_ALL_AXES); }
static bool s_rev(const ref_array *in, int *nd, int64_t *s) {
  *nd = in->ndim;
  for (int k = 0; k < in->ndim; k++) s[k] = in->shape[in->ndim - 1 - k];
  return true;
}
static void m_rev(const ref_array *in, const int64_t *o, int64_t *i) {
  for (int k = 0; k < in->ndim; k++) i[in->ndim - 1 - k] = o[k];
}
static mx_array *b_moveaxis(mx_array *a) { return mx_moveaxis(a, 0, -1); }
static bool s_move(const ref_array *in, int *nd, int64_t *s) {
  if (in->ndim < 1) return false;
  *nd = in->ndim;
  for (int k = 1; k < in->ndim; k++) s[k - 1] = in->shape[k];
  s[in->ndim - 1] = in->shape[0];
  return true;
}
static void m_move(const ref_array *in, const int64_t *o, int64_t *i) {
  for (int k = 1; k < in->ndim; k++) i[k] = o[k - 1];
  i[0] = o[in->ndim - 1];
}
static mx_array *b_swap(mx_array *a) { return mx_swapaxes(a, 0, -1); }
static bool s_swap(const ref_array *in, int *nd, int64_t *s) {
  if (in->ndim < 1) return false;
  same_shape(in, nd, s);
  int64_t t = s[0];
  s[0] = s[in->ndim - 1];
  s[in->ndim - 1] = t;
  return true;
}
static void m_swap(const ref_array *in, const int64_t *o, int64_t *i) {
  copy_idx(in, o, i);
  i[0] = o[in->ndim - 1];
  i[in->ndim - 1] = o[0];
}

/* ---- flips and slices ---- */
static mx_array *b_flip(mx_array *a) { return mx_flip(a, MX_ALL_AXES); }
static void m_flip(const ref_array *in, const int64_t *o, int64_t *i) {
  for (int k = 0; k < in->ndim; k++) i[k] = in->shape[k] - 1 - o[k];
}
static mx_array *b_slice(mx_array *a) { /* a[1::2, ::-3] on the first two axes */
  int64_t st[2] = {1, MX_END}, sp[2] = {MX_END, MX_END}, k[2] = {2, -3};
  return mx_slice(a, mx_array_ndim(a) >= 2 ? 2 : mx_array_ndim(a), st, sp, k);
}
static int64_t slen(int64_t n, int64_t start, int64_t step) {
  if (step > 0) return start >= n ? 0 : (n - start + step - 1) / step;
  return (n - 1 + (-step)) / (-step) * (n > 0);
}
static bool s_slice(const ref_array *in, int *nd, int64_t *s) {
  same_shape(in, nd, s);
  if (in->ndim >= 1) s[0] = slen(in->shape[0], 1, 2);
  if (in->ndim >= 2) s[1] = slen(in->shape[1], 0, -3);
  return true;
}
static void m_slice(const ref_array *in, const int64_t *o, int64_t *i) {
  copy_idx(in, o, i);
  if (in->ndim >= 1) i[0] = 1 + 2 * o[0];
  if (in->ndim >= 2) i[1] = in->shape[1] - 1 - 3 * o[1];
}
static mx_array *b_slice_neg(mx_array *a) { return mx_slice_axis(a, -1, -2, -100, -1); }
static bool s_slice_neg(const ref_array *in, int *nd, int64_t *s) {
  if (in->ndim < 1) return false;
  same_shape(in, nd, s);
  int64_t n = in->shape[in->ndim - 1];
  int64_t start = n - 2 < -1 ? -1 : n - 2, stop = n - 100 < -1 ? -1 : n - 100; /* Python rules */
  s[in->ndim - 1] = start > stop ? start - stop : 0;
  return true;
}
static void m_slice_neg(const ref_array *in, const int64_t *o, int64_t *i) {
  copy_idx(in, o, i);
  i[in->ndim - 1] = in->shape[in->ndim - 1] - 2 - o[in->ndim - 1];
}

/* ---- broadcasting, diagonal, copies, full_like ---- */
static mx_array *b_bcast(mx_array *a) {
  mx_shape s = {.ndim = mx_array_ndim(a) + 1};
  s.dims[0] = 3;
  for (int k = 0; k < mx_array_ndim(a); k++) s.dims[k + 1] = mx_array_shape(a)[k];
  return mx_broadcast_to(a, s);
}
static bool s_bcast(const ref_array *in, int *nd, int64_t *s) {
  if (in->ndim >= MX_MAX_DIMS) return false;
  *nd = in->ndim + 1;
  s[0] = 3;
  for (int k = 0; k < in->ndim; k++) s[k + 1] = in->shape[k];
  return true;
}
static void m_bcast(const ref_array *in, const int64_t *o, int64_t *i) {
  for (int k = 0; k < in->ndim; k++) i[k] = o[k + 1];
}
static mx_array *b_diag(mx_array *a) { return mx_diagonal(a, 1, 0, -1); }
static bool s_diag(const ref_array *in, int *nd, int64_t *s) {
  if (in->ndim < 2) return false;
  int64_t n = in->shape[0], m = in->shape[in->ndim - 1];
  int64_t len = m - 1 < n ? m - 1 : n;
  *nd = 0;
  for (int k = 1; k < in->ndim - 1; k++) s[(*nd)++] = in->shape[k];
  s[(*nd)++] = len > 0 ? len : 0;
  return true;
}
static void m_diag(const ref_array *in, const int64_t *o, int64_t *i) {
  int nd = in->ndim;
  int64_t d = o[nd - 2];
  i[0] = d;
  for (int k = 1; k < nd - 1; k++) i[k] = o[k - 1];
  i[nd - 1] = d + 1;
}
static mx_array *b_contig(mx_array *a) { return mx_contiguous(a); }
static mx_array *b_bcast_arrays(mx_array *a) {
  mx_array *in[2] = {a, mx_zeros(MX_SHAPE(2, 1, 1, 1), MX_INT8)}, *out[2];
  mx_broadcast_arrays(2, in, out);
  return out[0];
}
static bool s_bcast2(const ref_array *in, int *nd, int64_t *s) {
  int n = in->ndim > 4 ? in->ndim : 4;
  *nd = n;
  int64_t b[4] = {2, 1, 1, 1};
  for (int k = 0; k < n; k++) {
    int j = k - (n - in->ndim), jb = k - (n - 4);
    int64_t da = j >= 0 ? in->shape[j] : 1, db = jb >= 0 ? b[jb] : 1;
    s[k] = da == 1 ? db : da;
  }
  return true;
}
static void m_bcast2(const ref_array *in, const int64_t *o, int64_t *i) {
  int n = in->ndim > 4 ? in->ndim : 4;
  for (int k = 0; k < in->ndim; k++) {
    int ko = k + (n - in->ndim);
    i[k] = in->shape[k] == 1 ? 0 : o[ko];
  }
}

static const layout_op ops[] = {
    {"reshape(-1)", SH_ALL & ~SH_BROADCAST, b_reshape, s_flat, flat_map},
    {"reshape(2,-1)", SH_MATRIX | SH_TRANSPOSED | SH_STRIDED | SH_LARGE | SH_EMPTY, b_reshape2, s_two, flat_map},
    {"flatten", SH_ALL & ~SH_BROADCAST, b_flatten, s_flat, flat_map},
    {"expand_dims", SH_ALL & ~SH_BROADCAST, b_expand, s_expand, flat_map},
    {"squeeze", SH_ALL & ~SH_BROADCAST & ~SH_SCALAR, b_squeeze, s_same_flat, flat_map},
    {"atleast_3d", SH_ALL & ~SH_BROADCAST, b_atleast3, s_atleast3, flat_map},
    {"transpose", SH_ALL & ~SH_BROADCAST, b_T, s_rev, m_rev},
    {"moveaxis", SH_ALL & ~SH_BROADCAST & ~SH_SCALAR, b_moveaxis, s_move, m_move},
    {"swapaxes", SH_ALL & ~SH_BROADCAST & ~SH_SCALAR, b_swap, s_swap, m_swap},
    {"flip", SH_ALL & ~SH_BROADCAST, b_flip, same_shape, m_flip},
    {"slice", SH_ALL & ~SH_BROADCAST, b_slice, s_slice, m_slice},
    {"slice_axis_neg", SH_ALL & ~SH_BROADCAST & ~SH_SCALAR, b_slice_neg, s_slice_neg, m_slice_neg},
    {"broadcast_to", SH_ALL & ~SH_BROADCAST, b_bcast, s_bcast, m_bcast},
    {"broadcast_arrays", SH_ALL & ~SH_BROADCAST, b_bcast_arrays, s_bcast2, m_bcast2},
    {"diagonal", SH_MATRIX | SH_3D | SH_TRANSPOSED | SH_STRIDED | SH_LARGE | SH_EMPTY, b_diag, s_diag, m_diag},
    {"contiguous", SH_ALL & ~SH_BROADCAST, b_contig, same_shape, copy_idx},
};

TEST(sweep_layout) {
  for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
    cur = &ops[k];
    sweep_op op = {.name = ops[k].name, .nin = 1, .dtypes = DT_ALL, .dom = {DOM_ANY},
                   .build = build, .ref = ref, .shapes = ops[k].shapes};
    sweep_run(&op);
  }
}

/* astype: every (source, destination) pair with the documented conversion rules, through
 * sweep_case_run so that the parity sweep compares each pair too */
typedef struct astype_case {
  ref_array *in;
  mx_dtype d;
} astype_case;

static mx_array *b_astype(const void *p) {
  const astype_case *c = p;
  return mx_astype(ref_to_mx(c->in), c->d);
}

static ref_array *r_astype(const void *p) {
  const astype_case *c = p;
  const ref_array *in = c->in;
  mx_dtype s = in->dtype, d = c->d;
  ref_array *want = ref_new_shape(MX_SHAPE(4, 50), d);
  for (int64_t i = 0; i < in->size; i++) {
    double re = in->re[i], im = in->im ? in->im[i] : 0;
    if (d == MX_BOOL) {
      want->re[i] = re != 0 || im != 0;
    } else if (d == MX_COMPLEX64) {
      want->re[i] = re;
      want->im[i] = im;
    } else if (mx_dtype_is_integer(d) && (in->iv || mx_dtype_is_integer(s) || s == MX_BOOL)) {
      int64_t v = in->iv ? in->iv[i] : (int64_t)re; /* integer -> integer wraps */
      int bits = (int)mx_dtype_size(d) * 8;
      uint64_t m = bits == 64 ? (uint64_t)v : ((uint64_t)v & ((1ull << bits) - 1));
      bool neg = mx_dtype_is_signed(d) && bits < 64 && (m >> (bits - 1));
      int64_t w = neg ? (int64_t)(m | ~((1ull << bits) - 1)) : (int64_t)m;
      want->re[i] = mx_dtype_is_signed(d) ? (double)w : (double)(uint64_t)w;
      if (want->iv) want->iv[i] = w;
      want->exact = want->iv != NULL;
    } else {
      unsigned char buf[16]; /* floats -> anything: convert.h saturating rules */
      mxi_store_f64(buf, d, re);
      want->re[i] = mxi_load_f64(buf, d);
      if (want->iv) {
        memcpy(&want->iv[i], buf, 8);
        want->exact = true;
      }
      if (mx_dtype_is_integer(s) && want->iv) { /* 64-bit sources exact */
        want->iv[i] = mx_dtype_is_signed(d) ? mxi_sat_int64_t(re) : (int64_t)mxi_sat_uint64_t(re);
      }
    }
  }
  return want;
}

TEST(sweep_astype_all_pairs) {
  for (int s = 0; s < MX_NUM_DTYPES; s++) {
    for (int d = 0; d < MX_NUM_DTYPES; d++) {
      ref_array *in = ref_new_shape(MX_SHAPE(4, 50), (mx_dtype)s);
      ref_fill(in, mx_dtype_is_integer((mx_dtype)s) ? DOM_INT_EDGE : DOM_ANY, (uint64_t)(s * 31 + d));
      /* make some float values large enough to saturate every integer type */
      if (mx_dtype_is_float((mx_dtype)s) && s != MX_FLOAT16)
        for (int64_t i = 0; i < in->size; i += 7) {
          unsigned char b[16];
          mxi_store_f64(b, (mx_dtype)s, (i % 2 ? -1 : 1) * 3e19);
          in->re[i] = mxi_load_f64(b, (mx_dtype)s);
        }
      astype_case c = {in, (mx_dtype)d};
      char label[64];
      snprintf(label, sizeof label, "astype(%s -> %s)", mx_dtype_name((mx_dtype)s), mx_dtype_name((mx_dtype)d));
      sweep_case_run(&(sweep_case){.label = label, .build = b_astype, .ref = r_astype, .ctx = &c});
      ref_free(in);
    }
  }
}

/* ---- view_dtype: the same bytes read as another dtype of the same size ---- */
static mx_dtype view_target;
static mx_array *b_view_dtype(mx_array *const *in) { return mx_view_dtype(in[0], view_target); }
static mx_dtype view_out(mx_dtype in) { (void)in; return view_target; }

/* Element i of the reference: the bytes mx stores for in's element i, read as odt. */
static ref_array *r_view_dtype(ref_array *const *in, mx_dtype odt) {
  const ref_array *a = in[0];
  ref_array *r = ref_new(a->ndim, a->shape, odt);
  for (int64_t i = 0; i < a->size; i++) {
    unsigned char b[16];
    if (a->im) {
      float v[2] = {(float)a->re[i], (float)a->im[i]};
      memcpy(b, v, 8);
    } else if (a->iv && a->exact) {
      memcpy(b, &a->iv[i], 8);
    } else {
      mxi_store_f64(b, a->dtype, a->re[i]);
    }
    if (r->im) {
      r->re[i] = ((const float *)b)[0];
      r->im[i] = ((const float *)b)[1];
    } else if (r->iv) {
      memcpy(&r->iv[i], b, 8);
      r->re[i] = odt == MX_INT64 ? (double)r->iv[i] : (double)(uint64_t)r->iv[i];
      r->exact = true;
    } else {
      r->re[i] = mxi_load_f64(b, odt);
    }
  }
  return r;
}

/* Every (source, target) pair of equal size, over every shape family (views included); sources
 * of a size differing from the target's are rejected. Bytes read as bool must be 0 or 1. */
TEST(sweep_view_dtype) {
  for (int t = 0; t < MX_NUM_DTYPES; t++) {
    view_target = (mx_dtype)t;
    uint32_t same = 0;
    for (int d = 0; d < MX_NUM_DTYPES; d++)
      if (mx_dtype_size((mx_dtype)d) == mx_dtype_size(view_target)) same |= DT(d);
    char name[48];
    snprintf(name, sizeof name, "view_dtype(-> %s)", mx_dtype_name(view_target));
    sweep_op op = {.name = name, .nin = 1, .dtypes = same,
                   .dom = {view_target == MX_BOOL ? DOM_BIT : DOM_ANY},
                   .build = b_view_dtype, .out_dtype = view_out, .ref = r_view_dtype,
                   .shapes = SH_ALL & ~SH_BROADCAST};
    sweep_run(&op);
  }
}

TEST(view_dtype_reinterprets_bits) {
  mx_array *x = mx_array_new((float[]){1.0f, -2.0f}, MX_SHAPE(2), MX_FLOAT32);
  const uint32_t *u = mx_array_data(mx_view_dtype(x, MX_UINT32));
  CHECK(u[0] == 0x3f800000u && u[1] == 0xc0000000u);
  CHECK_ERROR(mx_view_dtype(x, MX_FLOAT64), "mx_view_dtype: float32 (4 bytes) and float64 (8 bytes) differ in size");
  CHECK_ERROR(mx_view_dtype(x, (mx_dtype)77), "mx_view_dtype: invalid dtype 77");
}

/* creation ops against direct references */
TEST(creation_ops) {
  const float *a = mx_array_data(mx_arange(1, 2, 0.25, MX_FLOAT32));
  CHECK(a && a[0] == 1 && a[3] == 1.75f);
  CHECK_INT(mx_array_size(mx_arange(0, 10, 3, MX_INT32)), 4);
  CHECK_INT(mx_array_size(mx_arange(10, 0, -3, MX_INT32)), 4);
  CHECK_INT(mx_array_size(mx_arange(0, -1, 1, MX_INT32)), 0);
  const double *l = mx_array_data(mx_linspace(0, 1, 7, MX_FLOAT64));
  CHECK(l && l[6] == 1.0 && fabs(l[3] - 0.5) < 1e-15);
  CHECK_INT(mx_array_size(mx_linspace(0, 1, 0, MX_FLOAT32)), 0);
  CHECK_CLOSE(mx_item_f64(mx_linspace(3, 9, 1, MX_FLOAT32)), 3, 0, 0);
  const int32_t *e = mx_array_data(mx_eye(3, 4, 1, MX_INT32));
  int32_t we[12] = {0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  for (int i = 0; e && i < 12; i++) CHECK_INT(e[i], we[i]);
  const float *t = mx_array_data(mx_tri(3, 3, -1, MX_FLOAT32));
  float wt[9] = {0, 0, 0, 1, 0, 0, 1, 1, 0};
  for (int i = 0; t && i < 9; i++) CHECK_INT(t[i], wt[i]);
  mx_array *m = mx_reshape(mx_arange(1, 13, 1, MX_INT64), MX_SHAPE(2, 2, 3));
  const int64_t *lo = mx_array_data(mx_tril(m, 0)), *up = mx_array_data(mx_triu(m, 1));
  int64_t wl[12] = {1, 0, 0, 4, 5, 0, 7, 0, 0, 10, 11, 0}, wu[12] = {0, 2, 3, 0, 0, 6, 0, 8, 9, 0, 0, 12};
  for (int i = 0; lo && up && i < 12; i++) {
    CHECK_INT(lo[i], wl[i]);
    CHECK_INT(up[i], wu[i]);
  }
  CHECK_ERROR(mx_tril(mx_ones(MX_SHAPE(3), MX_FLOAT32), 0), "at least 2 dimensions");
  for (int dt = 0; dt < MX_NUM_DTYPES; dt++) {
    mx_array *f = mx_full(MX_SHAPE(3, 2), 2, (mx_dtype)dt);
    CHECK_INT(mx_array_dtype(f), dt);
    CHECK_CLOSE(mx_array_get_f64(f, (int64_t[]){2, 1}), dt == MX_BOOL ? 1 : 2, 0, 0);
    CHECK_CLOSE(mx_array_get_f64(mx_zeros_like(f), (int64_t[]){1, 1}), 0, 0, 0);
    CHECK_CLOSE(mx_array_get_f64(mx_ones_like(f), (int64_t[]){1, 1}), 1, 0, 0);
  }
  mx_array *fa = mx_full_array(MX_SHAPE(2, 3), mx_array_new((int16_t[]){7, 8, 9}, MX_SHAPE(3), MX_INT16));
  CHECK_CLOSE(mx_array_get_f64(fa, (int64_t[]){1, 2}), 9, 0, 0);
  CHECK_ERROR(mx_full_array(MX_SHAPE(2, 2), mx_ones(MX_SHAPE(3), MX_FLOAT32)), "cannot be broadcast");
  mx_array *xs[3] = {mx_arange(0, 2, 1, MX_INT32), mx_arange(0, 3, 1, MX_INT32), mx_arange(0, 4, 1, MX_INT32)};
  mx_array *g[3];
  mx_meshgrid(3, xs, "xy", g);
  CHECK_INT(mx_array_shape(g[0])[0], 3);
  CHECK_INT(mx_array_shape(g[0])[1], 2);
  CHECK_CLOSE(mx_array_get_f64(g[0], (int64_t[]){2, 1, 3}), 1, 0, 0);
  CHECK_CLOSE(mx_array_get_f64(g[1], (int64_t[]){2, 1, 3}), 2, 0, 0);
  CHECK_CLOSE(mx_array_get_f64(g[2], (int64_t[]){2, 1, 3}), 3, 0, 0);
  mx_meshgrid(3, xs, "ij", g);
  CHECK_INT(mx_array_shape(g[0])[0], 2);
  CHECK_CLOSE(mx_array_get_f64(g[1], (int64_t[]){1, 2, 3}), 2, 0, 0);
  mx_meshgrid(3, xs, "zz", g);
  CHECK_ERROR(g[0], "indexing");
}

TEST(layout_errors) {
  mx_array *a = mx_ones(MX_SHAPE(2, 3), MX_FLOAT32);
  CHECK_ERROR(mx_moveaxis(a, 0, 5), "out of range");
  CHECK_ERROR(mx_expand_dims(a, MX_AXES(0, 0)), "repeated");
  CHECK_ERROR(mx_flatten(a, 1, 0), "invalid");
  CHECK_ERROR(mx_diagonal(a, 0, 0, 0), "invalid");
  CHECK_ERROR(mx_slice(a, 3, NULL, NULL, NULL), "3 axes");
  CHECK_ERROR(mx_unflatten(a, 1, MX_SHAPE(2, 2)), "cannot reshape");
  mx_array *e[2];
  mx_array *in[2] = {a, mx_ones(MX_SHAPE(4), MX_FLOAT32)};
  mx_broadcast_arrays(2, in, e);
  CHECK_ERROR(e[0], "cannot be broadcast");
}
