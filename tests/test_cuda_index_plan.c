/* test_cuda_index_plan.c — the index and shape arithmetic of the CUDA gather, scatter and join
 * kernels (src/backend/cuda/index_plan.c), checked without a GPU: each node runs through a host
 * model of its kernels (same plan functions, items visited in reverse to stand for any order of
 * GPU threads, assign through the claim pass) and must reproduce the CPU kernel bit for bit, or
 * fail with the CPU's own message. Views, broadcast and negative indices, every index dtype. */
#include "backend/cuda/index_plan.h"
#include "harness.h"

/* ---- host models of the kernels ---- */

static void mv(char *d, const char *s, size_t isz) { memcpy(d, s, isz); }

/* SCATTER's combine for the dtypes the tests use (the device's combine is CUDA code). */
static void combine(char *d, const char *s, int dt, int mode) {
  if (mode == MX_SCATTER_ASSIGN) {
    mv(d, s, mx_dtype_size((mx_dtype)dt));
  } else if (dt == MX_INT32) {
    int32_t x, y;
    memcpy(&x, d, 4);
    memcpy(&y, s, 4);
    int32_t r = mode == MX_SCATTER_ADD   ? (int32_t)((uint32_t)x + (uint32_t)y)
                : mode == MX_SCATTER_PROD ? (int32_t)((uint32_t)x * (uint32_t)y)
                : mode == MX_SCATTER_MAX  ? (y > x ? y : x)
                                          : (y < x ? y : x);
    memcpy(d, &r, 4);
  } else { /* float32 max/min, NaN propagating */
    float x, y;
    memcpy(&x, d, 4);
    memcpy(&y, s, 4);
    float r = mode == MX_SCATTER_MAX ? ((y > x || y != y) ? y : x) : ((y < x || y != y) ? y : x);
    memcpy(d, &r, 4);
  }
}

/* out starts as a: the strided copy into row-major out */
static void start_from(char *o, const mx_array *out, mx_array *a) {
  mxi_copy_plan cp;
  mxi_copy_plan_make(&cp, a->ndim, a->shape, out->strides, a->strides);
  const char *pa = mxi_host_ptr(a);
  for (int64_t i = cp.n - 1; i >= 0; i--) {
    int64_t od, os;
    mxi_copy_plan_off(&cp, i, &od, &os);
    mv(o + od, pa + os, mx_dtype_size((mx_dtype)a->dtype));
  }
}

/* Returns false when the model found a bad index (the message is then set on out). */
static bool model_gather(char *o, mx_array *out, mx_array **in, int n, const mx_params *p) {
  mx_array *a = in[0];
  size_t isz = mx_dtype_size((mx_dtype)a->dtype);
  mxi_ix_set s;
  mxi_ix_set_make(&s, n - 1, in + 1, p->gather.axes, a->shape, p->gather.slice_sizes, a->strides, NULL);
  for (int k = 0; k < n - 1; k++) s.base[k] = mxi_host_ptr(in[1 + k]);
  int64_t ost[MX_MAX_DIMS], acc = (int64_t)isz;
  for (int i = a->ndim - 1; i >= 0; i--) {
    ost[i] = acc;
    acc *= p->gather.slice_sizes[i];
  }
  mxi_copy_plan bp;
  mxi_copy_plan_make(&bp, a->ndim, p->gather.slice_sizes, ost, a->strides);
  bool ok = true;
  for (int64_t i = out->size - 1; i >= 0; i--) {
    int64_t f = i / bp.n, od, os, off = 0, x;
    if (n > 1 && !mxi_ix_position(&s, f, &off, &x)) ok = false;
    mxi_copy_plan_off(&bp, i - f * bp.n, &od, &os);
    if (od != (i - f * bp.n) * (int64_t)isz) FAIL("gather: block offset %lld", (long long)od);
    if (ok) mv(o + i * isz, (const char *)mxi_host_ptr(a) + off + os, isz);
  }
  for (int64_t f = 0; n > 1 && f < s.nI; f++) {
    int64_t off, x;
    if (!mxi_ix_position(&s, f, &off, &x)) ok = false;
  }
  if ((mxi_ix_first_bad(&s) >= 0) == ok) FAIL("gather: the host check disagrees");
  if (!ok) mxi_ix_fail_gather(out, in, n, p);
  return ok;
}

static bool model_scatter(char *o, mx_array *out, mx_array **in, int n, const mx_params *p) {
  mx_array *a = in[0], *u = in[1];
  int nidx = n - 2, ni = nidx > 0 ? in[2]->ndim : 0;
  size_t isz = mx_dtype_size((mx_dtype)a->dtype);
  start_from(o, out, a);
  mxi_ix_set s;
  mxi_ix_set_make(&s, nidx, in + 2, p->gather.axes, out->shape, u->shape + ni, out->strides, u);
  for (int k = 0; k < nidx; k++) s.base[k] = mxi_host_ptr(in[2 + k]);
  int64_t *offs = calloc((size_t)s.nI * 2 + 1, sizeof *offs), *uoffs = offs + s.nI;
  bool ok = true;
  for (int64_t f = 0; f < s.nI && nidx > 0; f++)
    if (!mxi_ix_position(&s, f, &offs[f], &uoffs[f])) ok = false, offs[f] = 0;
  mxi_copy_plan bp;
  mxi_copy_plan_make(&bp, a->ndim, u->shape + ni, out->strides, u->strides + ni);
  int64_t items = s.nI * bp.n;
  uint64_t *win = calloc((size_t)out->size + 1, sizeof *win);
  const char *pu = mxi_host_ptr(u);
  for (int pass = p->gather.mode == MX_SCATTER_ASSIGN ? 0 : 1; pass < 2; pass++)
    for (int64_t i = items - 1; i >= 0; i--) {
      int64_t f = i / bp.n, od, us;
      mxi_copy_plan_off(&bp, i - f * bp.n, &od, &us);
      od += offs[f];
      us += uoffs[f];
      if (od < 0 || od >= (int64_t)mx_array_nbytes(out)) {
        FAIL("scatter: write at byte %lld", (long long)od);
        continue;
      }
      uint64_t *w = &win[od / (int64_t)isz];
      if (pass == 0 && (uint64_t)f + 1 > *w) *w = (uint64_t)f + 1; /* the claim */
      if (pass == 1 && (p->gather.mode != MX_SCATTER_ASSIGN || *w == (uint64_t)f + 1))
        combine(o + od, pu + us, a->dtype, p->gather.mode);
    }
  free(win);
  free(offs);
  if ((mxi_ix_first_bad(&s) >= 0) == ok) FAIL("scatter: the host check disagrees");
  if (!ok) mxi_ix_fail_scatter(out, in, n, p);
  return ok;
}

/* TAKE_ALONG_AXIS and SCATTER_ALONG_AXIS */
static bool model_along(char *o, mx_array *out, mx_array **in, const mx_params *p, bool take) {
  mx_array *a = in[0], *idx = in[1];
  size_t isz = mx_dtype_size((mx_dtype)a->dtype);
  mxi_along w;
  if (take) {
    mxi_along_make(&w, p->along.axis, a, idx, out);
  } else {
    start_from(o, out, a);
    mxi_along_make(&w, p->along.axis, out, idx, in[2]);
  }
  const char *pi = mxi_host_ptr(idx), *src = mxi_host_ptr(take ? a : in[2]);
  uint64_t *win = calloc((size_t)out->size + 1, sizeof *win);
  int64_t bad = INT64_MAX;
  bool assign = !take && p->along.mode == MX_SCATTER_ASSIGN;
  for (int pass = assign ? 0 : 1; pass < 2; pass++)
    for (int64_t i = w.n - 1; i >= 0; i--) {
      int64_t off[3], pos;
      if (!mxi_along_at(&w, pi, i, off, &pos)) {
        if (pos < bad) bad = pos;
        continue;
      }
      if (take) {
        mv(o + off[2], src + off[0], isz);
        continue;
      }
      uint64_t *wn = &win[off[0] / (int64_t)isz];
      if (pass == 0 && (uint64_t)i + 1 > *wn) *wn = (uint64_t)i + 1;
      if (pass == 1 && (!assign || *wn == (uint64_t)i + 1))
        combine(o + off[0], src + off[2], a->dtype, p->along.mode);
    }
  free(win);
  if (mxi_along_first_bad(&w, pi) != (bad == INT64_MAX ? -1 : bad)) FAIL("along: the host check disagrees");
  if (bad != INT64_MAX) mxi_ix_fail_along(out, idx, w.dim, bad, p);
  return bad == INT64_MAX;
}

static void model_join(char *o, mx_array *out, mx_array **in, int n, const mx_params *p) {
  size_t isz = mx_dtype_size((mx_dtype)out->dtype);
  if (out->prim == MX_PRIM_PAD) {
    mxi_pad_plan pp;
    mxi_pad_plan_make(&pp, out, in[0], p);
    if (in[0]->size == 0) pp.edge = false;
    const char *pa = in[0]->size ? mxi_host_ptr(in[0]) : NULL;
    for (int64_t i = out->size - 1; i >= 0; i--) {
      int64_t off;
      if (mxi_pad_src(&pp, i, &off)) mv(o + i * (int64_t)isz, pa + off, isz);
      else mv(o + i * (int64_t)isz, (const char *)&pp.fill, isz);
    }
    return;
  }
  char *base = o;
  int64_t st[MX_MAX_DIMS];
  memcpy(st, out->strides, sizeof st);
  if (out->prim == MX_PRIM_SLICE_UPDATE) {
    start_from(o, out, in[0]);
    for (int i = 0; i < out->ndim; i++) {
      base += p->slice.start[i] * out->strides[i];
      st[i] = out->strides[i] * p->slice.step[i];
    }
    in++, n--;
  }
  for (int k = 0; k < n; k++) {
    mxi_copy_plan cp;
    mxi_copy_plan_make(&cp, in[k]->ndim, in[k]->shape, st, in[k]->strides);
    const char *src = in[k]->size ? mxi_host_ptr(in[k]) : NULL;
    for (int64_t i = cp.n - 1; i >= 0; i--) {
      int64_t od, os;
      mxi_copy_plan_off(&cp, i, &od, &os);
      char *d = base + od;
      if (d < o || d + isz > o + mx_array_nbytes(out)) FAIL("join: write out of bounds");
      else mv(d, src + os, isz);
    }
    if (out->prim == MX_PRIM_CONCATENATE) base += in[k]->shape[p->concat.axis] * out->strides[p->concat.axis];
  }
}

/* Runs node `want` (unevaluated) through its model and compares with the CPU kernel. */
static void check(const char *label, mx_array *want) {
  if (!want->in || !want->params || want->buf) {
    FAIL("%s: not a pending node (%s)", label, mx_array_error(want) ? mx_array_error(want) : "");
    return;
  }
  int n = want->nin;
  mx_array *in[2 + MX_MAX_DIMS + 8];
  for (int k = 0; k < n && k < (int)(sizeof in / sizeof *in); k++) {
    in[k] = want->in[k];
    if (mx_eval(in[k]) != MX_OK) FAIL("%s: input %d", label, k);
  }
  mx_params p = *want->params;
  mx_array out;
  memset(&out, 0, sizeof out);
  out.prim = want->prim;
  out.dtype = want->dtype;
  mxi_set_shape(&out, want->ndim, want->shape);
  mxi_set_row_strides(&out);
  size_t nb = mx_array_nbytes(&out);
  char *o = calloc(nb + 1, 1);
  bool ok = true;
  switch (want->prim) {
    case MX_PRIM_GATHER: ok = model_gather(o, &out, in, n, &p); break;
    case MX_PRIM_SCATTER: ok = model_scatter(o, &out, in, n, &p); break;
    case MX_PRIM_TAKE_ALONG_AXIS: ok = model_along(o, &out, in, &p, true); break;
    case MX_PRIM_SCATTER_ALONG_AXIS: ok = model_along(o, &out, in, &p, false); break;
    default: model_join(o, &out, in, n, &p); break;
  }
  mx_status st = mx_eval(want);
  if (!ok) {
    if (st == MX_OK) FAIL("%s: the model found a bad index, the CPU did not", label);
    else CHECK_STR(out.error, mx_array_error(want));
  } else if (st != MX_OK) {
    FAIL("%s: the CPU failed (%s), the model did not", label, mx_array_error(want));
  } else if (memcmp(o, mx_array_data(want), nb) != 0) {
    FAIL("%s: the model differs from the CPU", label);
  }
  free(out.error);
  free(o);
}

/* ---- inputs ---- */

static mx_array *seq(mx_shape s, mx_dtype dt) {
  int64_t n = 1;
  for (int i = 0; i < s.ndim; i++) n *= s.dims[i];
  return mx_reshape(mx_astype(mx_arange(1, (double)n + 1, 1, MX_INT32), dt), s);
}

static mx_array *ints(int n, const int64_t *v, mx_dtype dt) {
  return mx_astype(mx_array_new(v, MX_SHAPE(n), MX_INT64), dt);
}

static const mx_dtype IDX[] = {MX_INT8, MX_INT16, MX_INT32, MX_INT64, MX_UINT8, MX_UINT16, MX_UINT32, MX_UINT64};

TEST(copy_plan_merges_and_narrows) {
  mxi_copy_plan p;
  int64_t shape[3] = {2, 3, 4}, d[3] = {48, 16, 4}, s[3] = {4, 8, 24};
  mxi_copy_plan_make(&p, 3, shape, d, d);
  CHECK_INT(p.ndim, 1);
  CHECK_INT(p.n, 24);
  CHECK(p.use32);
  mxi_copy_plan_make(&p, 3, shape, d, s); /* a transposed source: nothing merges */
  CHECK_INT(p.ndim, 3);
  int64_t od, os;
  mxi_copy_plan_off(&p, 23, &od, &os);
  CHECK_INT(od, 48 + 32 + 12);
  CHECK_INT(os, 4 + 16 + 72);
  int64_t big[2] = {1 << 20, 1 << 12}, bs[2] = {(int64_t)1 << 14, 4}, neg[2] = {-16, -4};
  mxi_copy_plan_make(&p, 2, big, bs, neg);
  CHECK(!p.use32);
  mxi_copy_plan_off(&p, ((int64_t)1 << 32) - 1, &od, &os);
  CHECK_INT(od, (((int64_t)1 << 20) - 1) * ((int64_t)1 << 14) + 4095 * 4);
  CHECK_INT(os, -(((int64_t)1 << 20) - 1) * 16 - 4095 * 4);
}

TEST(index_values) {
  int64_t v;
  uint64_t huge = (uint64_t)INT64_MAX + 1;
  CHECK(!mxi_norm_index(mxi_load_index((const char *)&huge, MX_UINT64, &v), &v, 10, 1));
  int8_t m = -3;
  CHECK(mxi_norm_index(mxi_load_index((const char *)&m, MX_INT8, &v), &v, 10, 1) && v == 7);
  CHECK(!mxi_norm_index(mxi_load_index((const char *)&m, MX_INT8, &v), &v, 10, 4)); /* 7 + 4 > 10 */
  m = -11;
  CHECK(!mxi_norm_index(mxi_load_index((const char *)&m, MX_INT8, &v), &v, 10, 1));
}

TEST(gather_cases) {
  mx_array *a = seq(MX_SHAPE(5, 4, 3), MX_FLOAT32);
  mx_array *at = mx_transpose(seq(MX_SHAPE(3, 4, 5), MX_FLOAT16), MX_ALL_AXES); /* a view */
  for (size_t t = 0; t < sizeof IDX / sizeof *IDX; t++) {
    int64_t v0[3] = {0, 4, 2}, v1[3] = {3, 1, 0};
    if (mx_dtype_is_signed(IDX[t])) v0[1] = -1, v1[2] = -4;
    mx_array *i0 = ints(3, v0, IDX[t]), *i1 = ints(3, v1, IDX[t]);
    mx_array *ix[2] = {i0, i1};
    int axes[2] = {0, 1};
    int64_t ss[3] = {1, 1, 3}, ss2[3] = {1, 2, 2};
    check("gather two axes", mx_gather(a, 2, ix, axes, ss));
    check("gather view", mx_gather(at, 2, ix, axes, ss2));
    mx_array *bi[2] = {mx_broadcast_to(mx_reshape(i0, MX_SHAPE(3, 1)), MX_SHAPE(3, 2)),
                       mx_broadcast_to(mx_reshape(ints(2, v1, IDX[t]), MX_SHAPE(1, 2)), MX_SHAPE(3, 2))};
    check("gather broadcast indices", mx_gather(at, 2, bi, axes, ss));
  }
  int64_t none[3] = {2, 2, 2};
  check("gather no indices", mx_gather(at, 0, NULL, NULL, none));
  int64_t bad[2] = {1, 5};
  int ax0 = 0;
  int64_t ss[3] = {1, 4, 3}, ssb[3] = {2, 1, 1};
  mx_array *bi = ints(2, bad, MX_INT32);
  check("gather bad index", mx_gather(a, 1, &bi, &ax0, ss));
  int64_t edge[2] = {3, 4};
  mx_array *ei = ints(2, edge, MX_UINT8);
  check("gather block past the end", mx_gather(a, 1, &ei, &ax0, ssb));
}

TEST(take_along_cases) {
  mx_array *a = mx_transpose(seq(MX_SHAPE(4, 5, 3), MX_INT64), MX_AXES(2, 0, 1)); /* (3, 4, 5) view */
  int64_t v[6] = {0, -1, 2, 4, -5, 1};
  for (int ax = 0; ax < 3; ax++) {
    int64_t sh[3] = {3, 4, 5};
    sh[ax] = 2;
    mx_array *idx = mx_broadcast_to(mx_reshape(ints(2, v + ax, MX_INT16),
                                               ax == 0 ? MX_SHAPE(2, 1, 1) : ax == 1 ? MX_SHAPE(1, 2, 1) : MX_SHAPE(1, 1, 2)),
                                    (mx_shape){.ndim = 3, .dims = {sh[0], sh[1], sh[2]}});
    check("take_along", mx_take_along_axis(a, idx, ax));
  }
  int64_t bad[4] = {0, 1, 7, -9};
  check("take_along bad", mx_take_along_axis(seq(MX_SHAPE(2, 5), MX_UINT8),
                                             mx_reshape(ints(4, bad, MX_INT64), MX_SHAPE(2, 2)), 1));
}

TEST(scatter_cases) {
  int64_t dup[5] = {1, -2, 1, 3, 1}; /* duplicates: the last position must win */
  int ax0 = 0, ax1 = 1;
  for (int mode = MX_SCATTER_ASSIGN; mode <= MX_SCATTER_PROD; mode++) {
    mx_array *a = mx_transpose(seq(MX_SHAPE(3, 4), MX_INT32), MX_ALL_AXES); /* (4, 3) view */
    mx_array *i = ints(5, dup, MX_INT8);
    check("scatter rows", mx_scatter(a, 1, &i, &ax0, seq(MX_SHAPE(5, 1, 3), MX_INT32), (mx_scatter_mode)mode));
    check("scatter partial block", mx_scatter(a, 1, &i, &ax0, seq(MX_SHAPE(5, 1, 2), MX_INT32), (mx_scatter_mode)mode));
    int64_t c[2] = {0, 1};
    mx_array *ci = ints(2, c, MX_UINT16);
    check("scatter overlapping blocks", mx_scatter(a, 1, &ci, &ax1, seq(MX_SHAPE(2, 4, 2), MX_INT32), (mx_scatter_mode)mode));
  }
  mx_array *f = mx_reshape(mx_astype(seq(MX_SHAPE(6), MX_FLOAT32), MX_FLOAT32), MX_SHAPE(6));
  float nan[5] = {2, NAN, 9, 1, 0};
  mx_array *u = mx_array_new(nan, MX_SHAPE(5), MX_FLOAT32);
  int64_t fi[5] = {0, 1, 0, 5, 5};
  mx_array *ii = ints(5, fi, MX_UINT64);
  check("scatter max nan", mx_scatter(f, 1, &ii, &ax0, mx_reshape(u, MX_SHAPE(5, 1)), MX_SCATTER_MAX));
  check("scatter min nan", mx_scatter(f, 1, &ii, &ax0, mx_reshape(u, MX_SHAPE(5, 1)), MX_SCATTER_MIN));
  check("scatter assign float", mx_scatter(f, 1, &ii, &ax0, mx_reshape(u, MX_SHAPE(5, 1)), MX_SCATTER_ASSIGN));
  int64_t bad[3] = {0, 6, 1};
  mx_array *bi = ints(3, bad, MX_INT32);
  check("scatter bad", mx_scatter(f, 1, &bi, &ax0, seq(MX_SHAPE(3, 1), MX_FLOAT32), MX_SCATTER_ADD));
}

TEST(scatter_along_cases) {
  int64_t v[8] = {1, 1, -1, 0, 2, 2, 0, -3};
  for (int mode = MX_SCATTER_ASSIGN; mode <= MX_SCATTER_PROD; mode++) {
    mx_array *a = mx_transpose(seq(MX_SHAPE(3, 4), MX_INT32), MX_ALL_AXES); /* (4, 3) */
    mx_array *i1 = mx_reshape(ints(8, v, MX_INT32), MX_SHAPE(4, 2));
    check("scatter_along axis 1", mx_scatter_along_axis(a, i1, seq(MX_SHAPE(4, 2), MX_INT32), 1, (mx_scatter_mode)mode));
    mx_array *i0 = mx_reshape(ints(6, v, MX_INT64), MX_SHAPE(2, 3));
    check("scatter_along axis 0", mx_scatter_along_axis(a, i0, seq(MX_SHAPE(2, 3), MX_INT32), 0, (mx_scatter_mode)mode));
  }
  int64_t bad[4] = {0, 3, 1, -4};
  check("scatter_along bad", mx_scatter_along_axis(seq(MX_SHAPE(2, 3), MX_INT32), mx_reshape(ints(4, bad, MX_INT8), MX_SHAPE(2, 2)),
                                                   seq(MX_SHAPE(2, 2), MX_INT32), 1, MX_SCATTER_ADD));
}

TEST(join_cases) {
  mx_array *a = seq(MX_SHAPE(2, 4), MX_BFLOAT16), *b = mx_transpose(seq(MX_SHAPE(3, 4), MX_BFLOAT16), MX_ALL_AXES);
  mx_array *bt = mx_transpose(b, MX_ALL_AXES); /* (3, 4) contiguous again */
  mx_array *two[2] = {mx_transpose(a, MX_ALL_AXES), b};
  check("concat axis 1", mx_concatenate(2, two, 1));
  mx_array *rows[3] = {seq(MX_SHAPE(1, 4), MX_BFLOAT16), bt, mx_slice_axis(bt, 0, 0, 3, 2)};
  check("concat axis 0", mx_concatenate(3, rows, 0));
  int64_t lo[2] = {1, 0}, hi[2] = {2, 3};
  mx_array *v = mx_slice_axis(seq(MX_SHAPE(3, 5), MX_INT16), 1, 4, 0, -2); /* negative step view */
  check("pad constant", mx_pad(v, 2, lo, hi, MX_PAD_CONSTANT, -7));
  check("pad edge", mx_pad(v, 2, lo, hi, MX_PAD_EDGE, 0));
  check("pad empty", mx_pad(mx_slice_axis(v, 0, 0, 0, 1), 2, lo, hi, MX_PAD_CONSTANT, 3));
  int64_t st[2] = {3, 0}, sp[2] = {0, 5}, step[2] = {-2, 2};
  mx_array *t = mx_transpose(seq(MX_SHAPE(5, 4), MX_FLOAT64), MX_ALL_AXES); /* (4, 5) */
  check("slice_update negative step", mx_slice_update(t, mx_scalar(-1), 2, st, sp, step));
  check("slice_update view update", mx_slice_update(t, mx_transpose(seq(MX_SHAPE(3, 2), MX_FLOAT64), MX_ALL_AXES), 2, st, sp, step));
}
