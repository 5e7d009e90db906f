/* test_cuda_conv_plan.c — the CUDA convolutions' plan (src/backend/cuda/conv_plan.c) checked
 * without a GPU: each chunk's im2col, GEMM and col2im gather run with host loops, the GEMM
 * through its cuBLASLt plan (mxi_mm_plan_gemm) and a host model of cuBLASLt's column-major
 * strided-batched product, every access bounds-checked; CONV, CONV_GRAD_INPUT and
 * CONV_GRAD_WEIGHT must reproduce the CPU kernels on random float64 inputs. */
#include "backend/cuda/conv_plan.h"
#include "core/registry.h"
#include "harness.h"

typedef struct region {
  double *base;
  int64_t n;
  bool oob;
} region;

static double *at(region *r, int64_t i) {
  static double sink;
  if (i < 0 || i >= r->n) {
    r->oob = true;
    return &sink;
  }
  return r->base + i;
}

/* cuBLASLt's D = op(A) op(B) (+ C), column-major, batch strides in elements; A, B, C are element
 * offsets into their regions. */
static void lt_model(const mxi_mm_plan *p, region *ra, int64_t A, region *rb, int64_t B, region *rc,
                     int64_t C, bool acc) {
  for (int64_t t = 0; t < p->batch; t++)
    for (int64_t i = 0; i < p->m; i++)
      for (int64_t j = 0; j < p->n; j++) {
        double s = 0;
        for (int64_t l = 0; l < p->k; l++) {
          int64_t ia = A + t * p->sa + (p->a.trans ? l + i * p->a.ld : i + l * p->a.ld);
          int64_t ib = B + t * p->sb + (p->b.trans ? j + l * p->b.ld : l + j * p->b.ld);
          s += *at(ra, ia) * *at(rb, ib);
        }
        double *d = at(rc, C + t * p->sc + i + j * p->ldc);
        *d = (acc ? *d : 0) + s;
      }
}

/* The device's mxc_gemm: row-major g through its plan. */
static bool gemm(const mxi_mm_gemm *g, region *ra, int64_t A, region *rb, int64_t B, region *rc, int64_t C,
                 bool acc) {
  mxi_mm_plan p;
  if (!mxi_mm_plan_gemm(&p, g)) return false;
  bool ok = p.a.trans ? (p.a.rows == p.k && p.a.cols == p.m) : (p.a.rows == p.m && p.a.cols == p.k);
  ok &= p.b.trans ? (p.b.rows == p.n && p.b.cols == p.k) : (p.b.rows == p.k && p.b.cols == p.n);
  ok &= p.a.ld >= (p.a.rows > 1 ? p.a.rows : 1) && p.b.ld >= (p.b.rows > 1 ? p.b.rows : 1);
  if (!ok) return false;
  lt_model(&p, rb, B, ra, A, rc, C, acc); /* cuBLASLt's A is the row-major B */
  return true;
}

/* a's elements (owned by the scope) */
static region dense(mx_array *a) {
  a = mx_contiguous(a);
  mx_eval(a);
  return (region){(double *)mx_array_data(a), mx_array_size(a), false};
}

static region zeros(int64_t n) { return (region){calloc((size_t)n + 1, sizeof(double)), n, false}; }

/* cols = im2col of images [n0, n0 + ni) of x, as the device kernel fills it. */
static void im2col(const mxi_cv_plan *p, region *x, int64_t n0, int64_t ni, region *cols) {
  int64_t b, y, xx, ch;
  for (int64_t e = 0; e < ni * p->g.oh * p->g.ow * p->row; e++)
    *at(cols, e) = mxi_cv_im2col_src(p, e, &b, &y, &xx, &ch)
                       ? *at(x, (((n0 + b) * p->g.ih + y) * p->g.iw + xx) * p->g.cin + ch) : 0;
}

/* Runs kind through the plan with host loops: in0, in1 are the node's inputs, out its output. */
static bool run_plan(mxi_cv_kind kind, mx_array *in0, mx_array *in1, mx_array *out, const mx_params *q,
                     int64_t limit, region *res) {
  mx_array *x = kind == MXI_CV_GRAD_INPUT ? out : in0;
  mx_array *c = kind == MXI_CV_CONV ? out : kind == MXI_CV_GRAD_INPUT ? in0 : in1;
  mx_array *w = kind == MXI_CV_CONV ? in1 : kind == MXI_CV_GRAD_INPUT ? in1 : out;
  mxi_cv_plan p;
  mxi_cv_plan_init(&p, x, c, w, q, sizeof(double), limit);
  region rx = kind == MXI_CV_GRAD_INPUT ? zeros(mx_array_size(x)) : dense(x);
  region rc = kind == MXI_CV_CONV ? zeros(mx_array_size(c)) : dense(c);
  region rw = kind == MXI_CV_GRAD_WEIGHT ? zeros(mx_array_size(w)) : dense(w);
  region cols = zeros(p.imgs * p.g.oh * p.g.ow * p.row);
  const bool direct = mxi_conv_pointwise(&p.g); /* the input stands in for the column buffer */
  bool ok = true;
  for (int64_t t = 0; t < p.chunks && ok; t++) {
    int64_t n0, ni;
    mxi_cv_chunk(&p, t, &n0, &ni);
    int64_t xo = n0 * p.g.ih * p.g.iw * p.g.cin, co = n0 * p.g.oh * p.g.ow * p.g.cout;
    mxi_mm_gemm g;
    mxi_cv_gemm(&p, kind, ni, &g);
    if (kind == MXI_CV_CONV) {
      if (!direct) im2col(&p, &rx, n0, ni, &cols);
      ok = gemm(&g, direct ? &rx : &cols, direct ? xo : 0, &rw, 0, &rc, co, false);
    } else if (kind == MXI_CV_GRAD_WEIGHT) {
      if (!direct) im2col(&p, &rx, n0, ni, &cols);
      ok = gemm(&g, &rc, co, direct ? &rx : &cols, direct ? xo : 0, &rw, 0, t > 0);
    } else if (direct) {
      ok = gemm(&g, &rc, co, &rw, 0, &rx, xo, false);
    } else {
      ok = gemm(&g, &rc, co, &rw, 0, &cols, 0, false);
      int64_t hw = p.g.ih * p.g.iw;
      for (int64_t e = 0; e < ni * hw * p.g.cin; e++) { /* the gather, as the device kernel */
        int64_t ch = e % p.g.cin, pix = e / p.g.cin, b = pix / hw, y = (pix % hw) / p.g.iw, xx = pix % p.g.iw;
        double s = 0;
        for (int64_t th = 0; th < p.g.kh; th++)
          for (int64_t tw = 0; tw < p.g.kw; tw++) {
            int64_t k = mxi_cv_col2im_src(&p, b, y, xx, ch, th, tw);
            if (k >= 0) s += *at(&cols, k);
          }
        *at(&rx, xo + e) = s;
      }
    }
  }
  if (!ok) FAIL("no valid cuBLASLt plan for a GEMM");
  if (rx.oob || rc.oob || rw.oob || cols.oob) FAIL("an access out of bounds");
  *res = kind == MXI_CV_CONV ? rc : kind == MXI_CV_GRAD_INPUT ? rx : rw; /* the one malloc'd */
  free(cols.base);
  return ok && !rx.oob && !rc.oob && !rw.oob && !cols.oob;
}

static void compare(const char *label, const char *what, region *got, mx_array *want) {
  const double *w = mx_array_data(want);
  int bad = 0;
  if (got->n != mx_array_size(want)) FAIL("%s %s: %lld elements, expected %lld", label, what,
                                          (long long)got->n, (long long)mx_array_size(want));
  for (int64_t i = 0; i < got->n && i < mx_array_size(want); i++)
    if (fabs(got->base[i] - w[i]) > 1e-10 * (1 + fabs(w[i])) && bad++ < 3)
      FAIL("%s %s: element %lld: plan %.17g, cpu %.17g", label, what, (long long)i, got->base[i], w[i]);
}

static mx_array *rnd(mx_shape s, uint64_t seed) {
  return mx_random_normal(mx_random_key(seed), s, 0, 1, MX_FLOAT64);
}

/* The three directions of one convolution, each at the given chunk limit, against the CPU. */
static void check_conv(const char *label, mx_shape xs, mx_shape ws, int ns, const int *stride,
                       const int *pad, const int *dil, int groups, int64_t limit) {
  mx_params q;
  memset(&q, 0, sizeof q);
  q.conv.nspatial = ns;
  q.conv.groups = groups;
  for (int i = 0; i < ns; i++) {
    q.conv.stride[i] = stride[i];
    q.conv.pad_lo[i] = q.conv.pad_hi[i] = pad[i];
    q.conv.dilation[i] = dil[i];
  }
  mx_array *x = rnd(xs, 1), *w = rnd(ws, 2);
  mx_array *y = mxi_apply(MX_PRIM_CONV, 2, (mx_array *[]){x, w}, &q);
  if (!CHECK_OK(y)) return;
  mx_array *cot = rnd(mx_array_shape_of(y), 3);
  mx_params qi = q, qw = q;
  for (int i = 0; i < ns; i++) {
    qi.conv_grad.size[i] = xs.dims[1 + i];
    qw.conv_grad.size[i] = ws.dims[1 + i];
  }
  mx_array *dx = mxi_apply(MX_PRIM_CONV_GRAD_INPUT, 2, (mx_array *[]){cot, w}, &qi);
  mx_array *dw = mxi_apply(MX_PRIM_CONV_GRAD_WEIGHT, 2, (mx_array *[]){x, cot}, &qw);
  if (!CHECK_OK(dx) || !CHECK_OK(dw)) return;
  region r;
  if (run_plan(MXI_CV_CONV, x, w, y, &q, limit, &r)) compare(label, "conv", &r, y);
  free(r.base);
  if (run_plan(MXI_CV_GRAD_INPUT, cot, w, dx, &qi, limit, &r)) compare(label, "grad_input", &r, dx);
  free(r.base);
  if (run_plan(MXI_CV_GRAD_WEIGHT, x, cot, dw, &qw, limit, &r)) compare(label, "grad_weight", &r, dw);
  free(r.base);
}

/* every case in one chunk and in chunks of one image */
static void check_both(const char *label, mx_shape xs, mx_shape ws, int ns, const int *stride,
                       const int *pad, const int *dil, int groups) {
  check_conv(label, xs, ws, ns, stride, pad, dil, groups, MXI_CV_CHUNK_BYTES);
  char l2[128];
  snprintf(l2, sizeof l2, "%s (chunks of one image)", label);
  check_conv(l2, xs, ws, ns, stride, pad, dil, groups, 1);
}

TEST(conv1d_cases) {
  const int one[1] = {1}, two[1] = {2}, three[1] = {3};
  check_both("plain", MX_SHAPE(2, 11, 6), MX_SHAPE(4, 3, 6), 1, one, (int[]){0}, one, 1);
  check_both("stride 2 pad 1", MX_SHAPE(2, 11, 6), MX_SHAPE(4, 3, 6), 1, two, one, one, 1);
  check_both("dilation 2 pad 2", MX_SHAPE(3, 13, 6), MX_SHAPE(6, 3, 3), 1, one, two, two, 2);
  check_both("stride 3 groups 3", MX_SHAPE(2, 17, 6), MX_SHAPE(6, 4, 2), 1, three, one, one, 3);
  check_both("kernel 1", MX_SHAPE(2, 9, 4), MX_SHAPE(5, 1, 4), 1, one, (int[]){0}, one, 1);
  check_both("stride past kernel", MX_SHAPE(2, 12, 3), MX_SHAPE(2, 2, 3), 1, three, (int[]){0}, one, 1);
}

TEST(conv2d_cases) {
  const int one[2] = {1, 1}, zero[2] = {0, 0};
  check_both("plain", MX_SHAPE(2, 7, 6, 4), MX_SHAPE(8, 3, 2, 4), 2, one, zero, one, 1);
  check_both("mixed", MX_SHAPE(2, 9, 8, 4), MX_SHAPE(6, 3, 3, 2), 2, (int[]){2, 1}, (int[]){1, 2},
             (int[]){1, 2}, 2);
  check_both("strided dilated", MX_SHAPE(3, 10, 11, 3), MX_SHAPE(4, 2, 3, 3), 2, (int[]){3, 2},
             (int[]){2, 1}, (int[]){2, 3}, 1);
  check_both("depthwise", MX_SHAPE(2, 6, 6, 4), MX_SHAPE(4, 3, 3, 1), 2, one, one, one, 4);
  check_both("depthwise x2", MX_SHAPE(2, 6, 5, 3), MX_SHAPE(6, 3, 3, 1), 2, (int[]){2, 2}, one, one, 3);
  check_both("C_in=1", MX_SHAPE(2, 9, 9, 1), MX_SHAPE(5, 3, 3, 1), 2, one, one, one, 1);
  check_both("C_out=1", MX_SHAPE(2, 5, 5, 3), MX_SHAPE(1, 2, 2, 3), 2, one, zero, one, 1);
  check_both("one output pixel", MX_SHAPE(2, 3, 3, 2), MX_SHAPE(3, 3, 3, 2), 2, one, zero, one, 1);
}

TEST(conv_pointwise_direct) {
  const int one[2] = {1, 1}, zero[2] = {0, 0};
  check_both("pointwise", MX_SHAPE(2, 5, 5, 8), MX_SHAPE(6, 1, 1, 8), 2, one, zero, one, 1);
  check_both("pointwise groups", MX_SHAPE(2, 5, 5, 8), MX_SHAPE(6, 1, 1, 4), 2, one, zero, one, 2);
  check_both("pointwise 1d", MX_SHAPE(3, 7, 4), MX_SHAPE(5, 1, 4), 1, one, zero, one, 1);
}

/* The chunking: images per chunk from the limit, chunks cover the batch exactly once. */
TEST(conv_chunks) {
  mx_params q;
  memset(&q, 0, sizeof q);
  q.conv.nspatial = 2;
  q.conv.groups = 1;
  for (int i = 0; i < 2; i++) q.conv.stride[i] = q.conv.dilation[i] = 1;
  mx_array *x = mx_zeros(MX_SHAPE(10, 8, 8, 4), MX_FLOAT32), *w = mx_zeros(MX_SHAPE(2, 3, 3, 4), MX_FLOAT32);
  mx_array *c = mx_zeros(MX_SHAPE(10, 6, 6, 2), MX_FLOAT32);
  mxi_cv_plan p;
  int64_t per_image = 6 * 6 * 36 * 4;
  const int64_t limits[4] = {1, per_image, 3 * per_image + 5, 100 * per_image};
  const int64_t imgs[4] = {1, 1, 3, 10}, chunks[4] = {10, 10, 4, 1};
  for (int i = 0; i < 4; i++) {
    mxi_cv_plan_init(&p, x, c, w, &q, 4, limits[i]);
    CHECK_INT(p.imgs, imgs[i]);
    CHECK_INT(p.chunks, chunks[i]);
    int64_t next = 0;
    for (int64_t t = 0; t < p.chunks; t++) {
      int64_t n0, ni;
      mxi_cv_chunk(&p, t, &n0, &ni);
      CHECK_INT(n0, next);
      CHECK(ni >= 1 && ni <= p.imgs);
      next = n0 + ni;
    }
    CHECK_INT(next, 10);
  }
  CHECK(!mxi_conv_pointwise(&p.g));
}
