/* test_sweep_conv.c — mx_conv1d / mx_conv2d against a naive float64 convolution: the op sweep
 * (float dtypes accepted, every other dtype rejected), stride/padding/dilation/groups
 * combinations including depthwise, the 1x1 GEMM path, strided input views, sizes that take
 * several im2col chunks and threads, empty shapes, and every argument error. */
#include "linalg_ref.h"
#include "sweep.h"

typedef struct conv_args {
  int ns;
  int stride[2], pad[2], dil[2], groups;
} conv_args;

/* The reference: 1-D runs as 2-D with H = 1. x [N, (H,) W, C_in], w [C_out, (KH,) KW, C_in/g]. */
static ref_array *ref_conv(const ref_array *x, const ref_array *w, const conv_args *a,
                           double **sumabs, int64_t *nterms) {
  int ns = a->ns;
  int64_t N = x->shape[0], H = ns == 2 ? x->shape[1] : 1, W = x->shape[ns], C = x->shape[ns + 1];
  int64_t CO = w->shape[0], KH = ns == 2 ? w->shape[1] : 1, KW = w->shape[ns], CG = w->shape[ns + 1];
  int sh = ns == 2 ? a->stride[0] : 1, sw = a->stride[ns - 1];
  int ph = ns == 2 ? a->pad[0] : 0, pw = a->pad[ns - 1];
  int dh = ns == 2 ? a->dil[0] : 1, dw = a->dil[ns - 1];
  int64_t OH = (H + 2 * ph - (KH - 1) * dh - 1) / sh + 1, OW = (W + 2 * pw - (KW - 1) * dw - 1) / sw + 1;
  int64_t og = CO / a->groups;
  int64_t shape[4] = {N, OH, OW, CO};
  if (ns == 1) {
    shape[1] = OW;
    shape[2] = CO;
  }
  ref_array *r = ref_new(ns + 2, shape, x->dtype);
  *sumabs = calloc((size_t)(r->size + 1), sizeof(double));
  *nterms = KH * KW * CG;
  for (int64_t n = 0; n < N; n++)
    for (int64_t oh = 0; oh < OH; oh++)
      for (int64_t ow = 0; ow < OW; ow++)
        for (int64_t co = 0; co < CO; co++) {
          int64_t g = co / og;
          double acc = 0, mag = 0;
          for (int64_t kh = 0; kh < KH; kh++)
            for (int64_t kw = 0; kw < KW; kw++) {
              int64_t ih = oh * sh - ph + kh * dh, iw = ow * sw - pw + kw * dw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              for (int64_t c = 0; c < CG; c++) {
                double xv = x->re[((n * H + ih) * W + iw) * C + g * CG + c];
                double wv = w->re[((co * KH + kh) * KW + kw) * CG + c];
                acc += xv * wv;
                mag += fabs(xv * wv);
              }
            }
          int64_t o = ((n * OH + oh) * OW + ow) * CO + co;
          r->re[o] = acc;
          (*sumabs)[o] = mag;
        }
  return r;
}

static mx_array *run_conv(mx_array *x, mx_array *w, const conv_args *a) {
  if (a->ns == 1) return mx_conv1d(x, w, a->stride, a->pad, a->dil, a->groups);
  return mx_conv2d(x, w, a->stride, a->pad, a->dil, a->groups);
}

/* x given as a view when strided: every other H (or W) row of a bigger array, channels reversed. */
static void check_conv(mx_shape xs, mx_shape ws, const conv_args *a, mx_dtype dt, bool strided,
                       uint64_t seed, const char *what) {
  mx_scope s = mx_scope_begin();
  ref_array *rx, *rw;
  mx_array *x, *w = lt_rand(ws, dt, DOM_FINITE, seed + 1, &rw);
  if (!strided) {
    x = lt_rand(xs, dt, DOM_FINITE, seed, &rx);
  } else {
    int nd = xs.ndim;
    mx_shape bs = xs;
    bs.dims[1] *= 2;
    ref_array *rb;
    mx_array *b = lt_rand(bs, dt, DOM_FINITE, seed, &rb);
    int64_t start[4] = {MX_END, MX_END, MX_END, MX_END}, stop[4] = {MX_END, MX_END, MX_END, MX_END};
    int64_t step[4] = {1, 2, 1, 1};
    step[nd - 1] = -1;
    x = mx_slice(b, nd, start, stop, step);
    rx = ref_new_shape(xs, dt);
    int64_t idx[4];
    for (int64_t f = 0; f < rx->size; f++) {
      ref_unflat(rx, f, idx);
      idx[1] *= 2;
      idx[nd - 1] = xs.dims[nd - 1] - 1 - idx[nd - 1];
      rx->re[f] = rb->re[ref_flat(rb, idx)];
    }
    ref_free(rb);
  }
  double *sumabs;
  int64_t K;
  ref_array *want = ref_conv(rx, rw, a, &sumabs, &K);
  char label[200];
  snprintf(label, sizeof label, "%s %s conv%dd stride (%d,%d) pad (%d,%d) dil (%d,%d) groups %d%s",
           what, mx_dtype_name(dt), a->ns, a->stride[0], a->stride[1], a->pad[0], a->pad[1],
           a->dil[0], a->dil[1], a->groups, strided ? " strided x" : "");
  lt_check(run_conv(x, w, a), want, sumabs, K, label);
  free(sumabs);
  ref_free(want);
  ref_free(rx);
  ref_free(rw);
  mx_scope_end(s);
}

static const mx_dtype float_dts[] = {MX_FLOAT32, MX_FLOAT64, MX_FLOAT16, MX_BFLOAT16};

TEST(conv1d_combinations) {
  for (size_t d = 0; d < 4; d++)
    for (int st = 1; st <= 3; st++)
      for (int pad = 0; pad <= 2; pad++)
        for (int dil = 1; dil <= 2; dil++)
          for (int g = 1; g <= 6; g++) {
            if (6 % g) continue;
            conv_args a = {1, {st, 1}, {pad, 0}, {dil, 1}, g};
            check_conv(MX_SHAPE(2, 11, 6), MX_SHAPE(6, 3, 6 / g), &a, float_dts[d], (st + pad) % 2,
                       (uint64_t)(st * 100 + pad * 10 + dil + g), "combo");
          }
}

TEST(conv2d_combinations) {
  const int strides[][2] = {{1, 1}, {2, 1}, {1, 3}};
  const int pads[][2] = {{0, 0}, {1, 2}};
  const int dils[][2] = {{1, 1}, {2, 1}, {1, 2}};
  for (size_t d = 0; d < 4; d++)
    for (int si = 0; si < 3; si++)
      for (int pi = 0; pi < 2; pi++)
        for (int di = 0; di < 3; di++)
          for (int g = 1; g <= 4; g *= 2) { /* g = 4: depthwise, two outputs per channel */
            conv_args a = {2, {strides[si][0], strides[si][1]}, {pads[pi][0], pads[pi][1]},
                           {dils[di][0], dils[di][1]}, g};
            check_conv(MX_SHAPE(2, 7, 6, 4), MX_SHAPE(8, 3, 2, 4 / g), &a, float_dts[d], si == 1,
                       (uint64_t)(si * 100 + pi * 10 + di + g), "combo");
          }
}

TEST(conv_paths) {
  conv_args one = {2, {1, 1}, {0, 0}, {1, 1}, 1}, one_g2 = {2, {1, 1}, {0, 0}, {1, 1}, 2};
  conv_args pad1 = {2, {1, 1}, {1, 1}, {1, 1}, 1}, dw = {2, {1, 1}, {1, 1}, {1, 1}, 64};
  conv_args c1 = {1, {2, 1}, {3, 0}, {1, 1}, 1};
  for (size_t d = 0; d < 4; d++) {
    mx_dtype dt = float_dts[d];
    check_conv(MX_SHAPE(2, 5, 5, 8), MX_SHAPE(6, 1, 1, 8), &one, dt, false, 1, "pointwise");
    check_conv(MX_SHAPE(2, 5, 5, 8), MX_SHAPE(6, 1, 1, 4), &one_g2, dt, false, 2, "pointwise groups");
    check_conv(MX_SHAPE(2, 5, 5, 8), MX_SHAPE(6, 1, 1, 8), &one, dt, true, 3, "pointwise view");
    check_conv(MX_SHAPE(4, 32, 32, 16), MX_SHAPE(32, 3, 3, 16), &pad1, dt, false, 4, "threaded");
    check_conv(MX_SHAPE(2, 40, 40, 64), MX_SHAPE(64, 3, 3, 1), &dw, dt, false, 5, "depthwise");
    check_conv(MX_SHAPE(3, 300, 16), MX_SHAPE(24, 7, 16), &c1, dt, true, 6, "conv1d");
  }
  /* a single input channel; a weight that is a transposed view */
  check_conv(MX_SHAPE(2, 9, 9, 1), MX_SHAPE(5, 3, 3, 1), &pad1, MX_FLOAT32, false, 9, "C_in=1");
  for (size_t d = 0; d < 4; d++) {
    mx_scope s = mx_scope_begin();
    conv_args a = {1, {2, 1}, {1, 0}, {2, 1}, 2};
    ref_array *rx, *rw;
    mx_array *x = lt_rand(MX_SHAPE(2, 13, 6), float_dts[d], DOM_FINITE, 10, &rx);
    mx_array *wb = lt_rand(MX_SHAPE(3, 4, 3), float_dts[d], DOM_FINITE, 11, &rw); /* [K, C_out, C_in/g] */
    ref_array *rwt = lt_permute(rw, (int[]){1, 0, 2});
    double *sumabs;
    int64_t K;
    ref_array *want = ref_conv(rx, rwt, &a, &sumabs, &K);
    lt_check(run_conv(x, mx_transpose(wb, MX_AXES(1, 0, 2)), &a), want, sumabs, K, "weight view");
    free(sumabs);
    ref_free(want);
    ref_free(rx);
    ref_free(rw);
    ref_free(rwt);
    mx_scope_end(s);
  }
  /* more than one 8 MB im2col chunk */
  check_conv(MX_SHAPE(2, 64, 64, 32), MX_SHAPE(8, 3, 3, 32), &pad1, MX_FLOAT32, false, 7, "chunks");
  check_conv(MX_SHAPE(2, 64, 64, 32), MX_SHAPE(8, 3, 3, 32), &pad1, MX_FLOAT16, false, 8, "chunks");
}

TEST(conv_empty) {
  conv_args a = {2, {1, 1}, {1, 1}, {1, 1}, 1};
  check_conv(MX_SHAPE(0, 5, 5, 3), MX_SHAPE(4, 3, 3, 3), &a, MX_FLOAT32, false, 1, "N=0");
  check_conv(MX_SHAPE(2, 5, 5, 3), MX_SHAPE(0, 3, 3, 3), &a, MX_FLOAT32, false, 2, "C_out=0");
  check_conv(MX_SHAPE(2, 5, 5, 0), MX_SHAPE(4, 3, 3, 0), &a, MX_FLOAT32, false, 3, "C_in=0");
  check_conv(MX_SHAPE(2, 0, 5, 2), MX_SHAPE(4, 1, 3, 2), &a, MX_FLOAT64, false, 4, "H=0 padded");
}

TEST(conv_errors) {
  mx_array *x = mx_ones(MX_SHAPE(2, 10, 6), MX_FLOAT32), *w = mx_ones(MX_SHAPE(4, 3, 6), MX_FLOAT32);
  CHECK_ERROR(mx_conv1d(x, mx_ones(MX_SHAPE(4, 3, 5), MX_FLOAT32), NULL, NULL, NULL, 1),
              "mx_conv1d: channel mismatch: input (2,10,6) has 6 channels and groups=1, so the weight's last dimension must be 6");
  CHECK_ERROR(mx_conv1d(x, mx_ones(MX_SHAPE(4, 3, 2), MX_FLOAT32), NULL, NULL, NULL, 4), "groups=4 must divide");
  CHECK_ERROR(mx_conv1d(x, mx_ones(MX_SHAPE(5, 3, 3), MX_FLOAT32), NULL, NULL, NULL, 2), "groups=2 must divide");
  CHECK_ERROR(mx_conv1d(x, w, (int[]){1}, (int[]){0}, (int[]){1}, 0), "groups must be positive");
  CHECK_ERROR(mx_conv1d(x, mx_ones(MX_SHAPE(4, 11, 6), MX_FLOAT32), NULL, NULL, NULL, 1), "kernel larger than the padded input");
  CHECK_ERROR(mx_conv1d(x, w, (int[]){1}, (int[]){0}, (int[]){5}, 1), "spans 11, padded input is 10");
  CHECK_ERROR(mx_conv1d(x, w, (int[]){0}, (int[]){0}, (int[]){1}, 1), "stride (0) and dilation (1) must be positive");
  CHECK_ERROR(mx_conv1d(x, w, (int[]){1}, (int[]){0}, (int[]){-1}, 1), "must be positive");
  CHECK_ERROR(mx_conv1d(x, w, (int[]){1}, (int[]){-1}, (int[]){1}, 1), "padding must be non-negative");
  CHECK_ERROR(mx_conv1d(mx_ones(MX_SHAPE(10, 6), MX_FLOAT32), w, NULL, NULL, NULL, 1), "input must have 3 dimensions [N, L, C_in]");
  CHECK_ERROR(mx_conv1d(x, mx_ones(MX_SHAPE(3, 6), MX_FLOAT32), NULL, NULL, NULL, 1), "weight must have 3 dimensions");
  CHECK_ERROR(mx_conv2d(x, w, NULL, NULL, NULL, 1), "mx_conv2d: input must have 4 dimensions [N, H, W, C_in]");
  CHECK_ERROR(mx_conv1d(mx_ones(MX_SHAPE(2, 10, 6), MX_INT32), mx_ones(MX_SHAPE(4, 3, 6), MX_INT32), NULL, NULL, NULL, 1),
              "mx_conv1d: int32 inputs are not supported");
  CHECK_ERROR(mx_conv1d(x, mx_ones(MX_SHAPE(4, 3, 6), MX_COMPLEX64), NULL, NULL, NULL, 1), "complex64 inputs are not supported");
  CHECK_ERROR(mx_conv1d(x, mx_ones(MX_SHAPE(4, 0, 6), MX_FLOAT32), NULL, NULL, NULL, 1), "kernel size must be positive");
  CHECK_ERROR(mx_conv2d(mx_ones(MX_SHAPE(1, 4, 4, 2), MX_FLOAT32), mx_ones(MX_SHAPE(3, 2, 5, 2), MX_FLOAT32),
                        NULL, (int[]){0, 0}, NULL, 1), "spatial axis 1");
  CHECK_ERROR(mx_conv1d(NULL, w, (int[]){1}, (int[]){0}, (int[]){1}, 1), "mx_conv1d");
  /* defaults and promotion: float16 input with float32 weight computes in float32 */
  mx_array *y = mx_conv2d(mx_ones(MX_SHAPE(1, 4, 4, 2), MX_FLOAT16), mx_ones(MX_SHAPE(3, 3, 3, 2), MX_FLOAT32),
                          NULL, NULL, NULL, 1);
  CHECK_INT(mx_array_dtype(y), MX_FLOAT32);
  CHECK_INT(mx_array_shape(y)[1], 2);
  CHECK_CLOSE(mx_item_f64(mx_sum(y, MX_ALL_AXES, false)), 1 * 2 * 2 * 3 * 18.0, 0, 0);
}

/* ---- the sweep: conv1d and conv2d on the sweep's [3, 4, 5] operand pairs ---- */
static const conv_args sw1 = {1, {1, 1}, {1, 0}, {1, 1}, 1}, sw2 = {2, {1, 2}, {1, 2}, {1, 1}, 1};

static mx_array *b_conv1d(mx_array *const *in) { return run_conv(in[0], in[1], &sw1); }
static mx_array *b_conv2d(mx_array *const *in) {
  return run_conv(mx_expand_dims(in[0], MX_AXES(-1)), mx_expand_dims(in[1], MX_AXES(-1)), &sw2);
}

static ref_array *r_conv(ref_array *const *in, const conv_args *a) {
  ref_array x = *in[0], w = *in[1]; /* shallow views with a trailing channel axis for 2-D */
  if (a->ns == 2) {
    x.shape[x.ndim++] = 1;
    w.shape[w.ndim++] = 1;
  }
  double *sumabs;
  int64_t K;
  ref_array *r = ref_conv(&x, &w, a, &sumabs, &K);
  free(sumabs);
  return r;
}
static ref_array *r_conv1d(ref_array *const *in, mx_dtype odt) { (void)odt; return r_conv(in, &sw1); }
static ref_array *r_conv2d(ref_array *const *in, mx_dtype odt) { (void)odt; return r_conv(in, &sw2); }

TEST(sweep_conv) {
  /* x [3, 4, 5] with w [3, 4, 5]: N 3, L 4, C_in 5, C_out 3, kernel 4 (padding 1: L_out 3);
   * 2-D: x [3, 4, 5, 1], w [3, 4, 5, 1] (stride (1, 2), padding (1, 2): out [3, 3, 3, 3]) */
  sweep_op ops[] = {
      {.name = "conv1d", .nin = 2, .dtypes = DT_FLOAT, .dom = {DOM_UNIT, DOM_UNIT},
       .build = b_conv1d, .ref = r_conv1d, .shapes = SH_3D, .tol = 4},
      {.name = "conv2d", .nin = 2, .dtypes = DT_FLOAT, .dom = {DOM_UNIT, DOM_UNIT},
       .build = b_conv2d, .ref = r_conv2d, .shapes = SH_3D, .tol = 4},
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) sweep_run(&ops[i]);
}
