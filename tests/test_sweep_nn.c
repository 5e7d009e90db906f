/* test_sweep_nn.c — the op sweep for the nn family (softmax, log_softmax over several axis
 * sets, relu, gelu, gelu_tanh, silu, layer_norm, rms_norm) against float64 references, the
 * fused primitives against their compositions from other primitives (DESIGN §3), special
 * values, dtype rules and error paths. */
#include "sweep.h"

/* ---- expected dtypes ---- */
static mx_dtype to_float(mx_dtype d) { return mx_dtype_is_inexact(d) ? d : MX_FLOAT32; }

/* ---- softmax references: groups are the elements sharing their non-reduced indices ---- */

static ref_array *softmax_ref(ref_array *const *in, mx_dtype odt, mx_axes axes, bool log_out) {
  const ref_array *x = in[0];
  ref_array *r = ref_new(x->ndim, x->shape, odt);
  bool red[MX_MAX_DIMS] = {false};
  if (axes.n < 0) {
    for (int i = 0; i < x->ndim; i++) red[i] = true;
  } else {
    for (int i = 0; i < axes.n; i++) red[axes.ax[i] < 0 ? axes.ax[i] + x->ndim : axes.ax[i]] = true;
  }
  int64_t ngroups = 1;
  for (int i = 0; i < x->ndim; i++)
    if (!red[i]) ngroups *= x->shape[i];
  double *mx = malloc(sizeof(double) * (size_t)(ngroups + 1));
  double *sum = calloc((size_t)(ngroups + 1), sizeof(double));
  int64_t *gid = malloc(sizeof(int64_t) * (size_t)(x->size + 1));
  for (int64_t g = 0; g < ngroups; g++) mx[g] = -INFINITY;
  int64_t idx[MX_MAX_DIMS];
  for (int64_t f = 0; f < x->size; f++) {
    ref_unflat(x, f, idx);
    int64_t g = 0;
    for (int i = 0; i < x->ndim; i++)
      if (!red[i]) g = g * x->shape[i] + idx[i];
    gid[f] = g;
    double v = x->re[f];
    if (isnan(v) || isnan(mx[g])) mx[g] = NAN;
    else if (v > mx[g]) mx[g] = v;
  }
  for (int64_t f = 0; f < x->size; f++) sum[gid[f]] += exp(x->re[f] - mx[gid[f]]);
  for (int64_t f = 0; f < x->size; f++) {
    double d = x->re[f] - mx[gid[f]];
    r->re[f] = log_out ? d - log(sum[gid[f]]) : exp(d) / sum[gid[f]];
  }
  free(mx);
  free(sum);
  free(gid);
  return r;
}

#define SOFTMAX_CASE(NAME, AXES)                                                           \
  static mx_array *b_sm_##NAME(mx_array *const *in) { return mx_softmax(in[0], AXES); }    \
  static mx_array *b_lsm_##NAME(mx_array *const *in) { return mx_log_softmax(in[0], AXES); } \
  static ref_array *r_sm_##NAME(ref_array *const *in, mx_dtype odt) {                      \
    return softmax_ref(in, odt, AXES, false);                                              \
  }                                                                                        \
  static ref_array *r_lsm_##NAME(ref_array *const *in, mx_dtype odt) {                     \
    return softmax_ref(in, odt, AXES, true);                                               \
  }
SOFTMAX_CASE(last, MX_AXES(-1))
SOFTMAX_CASE(all, MX_ALL_AXES)
SOFTMAX_CASE(first, MX_AXES(0))
SOFTMAX_CASE(outer, MX_AXES(0, -1)) /* 3-d: axes 0 and 2, around a kept axis */
SOFTMAX_CASE(lead, MX_AXES(1, 0))   /* 3-d: the leading two axes, given out of order */
SOFTMAX_CASE(none, MX_NO_AXES)

/* ---- activations ---- */
static mx_array *b_relu(mx_array *const *in) { return mx_relu(in[0]); }
static mx_array *b_gelu(mx_array *const *in) { return mx_gelu(in[0]); }
static mx_array *b_gelu_tanh(mx_array *const *in) { return mx_gelu_tanh(in[0]); }
static mx_array *b_silu(mx_array *const *in) { return mx_silu(in[0]); }
static double r_relu(double x) { return x > 0 ? x : (isnan(x) ? x : 0); }
static int64_t i_relu(int64_t x, int bits, bool is_signed) {
  (void)bits;
  return is_signed && x < 0 ? 0 : x;
}
static double r_gelu(double x) { return 0.5 * x * (1 + erf(x / sqrt(2.0))); }
static double r_gelu_tanh(double x) {
  return 0.5 * x * (1 + tanh(0.79788456080286535588 * (x + 0.044715 * x * x * x)));
}
static double r_silu(double x) { return x * (1 / (1 + exp(-x))); }

/* ---- layer_norm / rms_norm: weight and bias built from the last dimension ---- */
static double w_at(int64_t j) { return 0.5 + 0.25 * (double)(j % 5); } /* exact in bfloat16 */
static double b_at(int64_t j) { return -1 + 0.5 * (double)(j % 4); }

static mx_dtype param_dtype(mx_dtype x) { return x == MX_COMPLEX64 ? MX_FLOAT32 : to_float(x); }

static mx_array *make_param(mx_array *x, double (*at)(int64_t)) {
  int64_t n = mx_array_ndim(x) > 0 ? mx_array_dim(x, -1) : 1;
  double *v = malloc(sizeof(double) * (size_t)(n + 1));
  for (int64_t j = 0; j < n; j++) v[j] = at(j);
  mx_array *a = mx_astype(mx_array_new(v, MX_SHAPE(n), MX_FLOAT64), param_dtype(mx_array_dtype(x)));
  free(v);
  return a;
}

#define EPS 1e-5
static ref_array *norm_ref(ref_array *const *in, mx_dtype odt, bool center, bool w, bool b) {
  const ref_array *x = in[0];
  ref_array *r = ref_new(x->ndim, x->shape, odt);
  int64_t n = x->ndim ? x->shape[x->ndim - 1] : 1, rows = n ? x->size / n : 0;
  for (int64_t i = 0; i < rows; i++) {
    const double *p = x->re + i * n;
    double mu = 0, q = 0;
    if (center) {
      for (int64_t j = 0; j < n; j++) mu += p[j];
      mu /= (double)n;
    }
    for (int64_t j = 0; j < n; j++) q += (p[j] - mu) * (p[j] - mu);
    double rs = 1 / sqrt(q / (double)n + EPS);
    for (int64_t j = 0; j < n; j++) {
      double v = (p[j] - mu) * rs;
      if (w) v *= w_at(j);
      if (b) v += b_at(j);
      r->re[i * n + j] = v;
    }
  }
  return r;
}

#define NORM_CASE(NAME, CALL, CENTER, W, B)                                     \
  static mx_array *b_##NAME(mx_array *const *in) {                              \
    mx_array *x = in[0];                                                        \
    mx_array *w = W ? make_param(x, w_at) : NULL;                               \
    mx_array *b = B ? make_param(x, b_at) : NULL;                               \
    (void)w;                                                                    \
    (void)b;                                                                    \
    return CALL;                                                                \
  }                                                                             \
  static ref_array *r_##NAME(ref_array *const *in, mx_dtype odt) {              \
    return norm_ref(in, odt, CENTER, W, B);                                     \
  }
NORM_CASE(ln, mx_layer_norm(x, NULL, NULL, EPS), true, false, false)
NORM_CASE(ln_w, mx_layer_norm(x, w, NULL, EPS), true, true, false)
NORM_CASE(ln_b, mx_layer_norm(x, NULL, b, EPS), true, false, true)
NORM_CASE(ln_wb, mx_layer_norm(x, w, b, EPS), true, true, true)
NORM_CASE(rms, mx_rms_norm(x, NULL, EPS), false, false, false)
NORM_CASE(rms_w, mx_rms_norm(x, w, EPS), false, true, false)

#define NOT_0D (SH_ALL & ~SH_SCALAR)
#define ND2 (SH_EMPTY | SH_MATRIX | SH_3D | SH_TRANSPOSED | SH_STRIDED | SH_LARGE)
#define WHOLE(NM, BUILD, REF, SHAPES, DOM)                                                 \
  {.name = NM, .nin = 1, .dtypes = DT_REAL, .dom = {DOM}, .build = BUILD,                  \
   .out_dtype = to_float, .ref = REF, .shapes = SHAPES}

static const sweep_op ops[] = {
    WHOLE("softmax(-1)", b_sm_last, r_sm_last, NOT_0D, DOM_FINITE),
    WHOLE("softmax(-1) specials", b_sm_last, r_sm_last, NOT_0D, DOM_ANY),
    WHOLE("softmax(all)", b_sm_all, r_sm_all, SH_ALL, DOM_FINITE),
    WHOLE("softmax(0)", b_sm_first, r_sm_first, NOT_0D, DOM_FINITE),
    WHOLE("softmax(0,-1)", b_sm_outer, r_sm_outer, ND2, DOM_FINITE),
    WHOLE("softmax(1,0)", b_sm_lead, r_sm_lead, ND2, DOM_FINITE),
    WHOLE("softmax(())", b_sm_none, r_sm_none, SH_ALL, DOM_ANY),
    WHOLE("log_softmax(-1)", b_lsm_last, r_lsm_last, NOT_0D, DOM_FINITE),
    WHOLE("log_softmax(-1) specials", b_lsm_last, r_lsm_last, NOT_0D, DOM_ANY),
    WHOLE("log_softmax(all)", b_lsm_all, r_lsm_all, SH_ALL, DOM_FINITE),
    WHOLE("log_softmax(0)", b_lsm_first, r_lsm_first, NOT_0D, DOM_FINITE),
    WHOLE("log_softmax(0,-1)", b_lsm_outer, r_lsm_outer, ND2, DOM_FINITE),
    WHOLE("log_softmax(1,0)", b_lsm_lead, r_lsm_lead, ND2, DOM_FINITE),
    WHOLE("log_softmax(())", b_lsm_none, r_lsm_none, SH_ALL, DOM_ANY),
    WHOLE("layer_norm", b_ln, r_ln, NOT_0D, DOM_FINITE),
    WHOLE("layer_norm(w)", b_ln_w, r_ln_w, NOT_0D, DOM_FINITE),
    WHOLE("layer_norm(b)", b_ln_b, r_ln_b, NOT_0D, DOM_FINITE),
    WHOLE("layer_norm(w,b)", b_ln_wb, r_ln_wb, NOT_0D, DOM_FINITE),
    WHOLE("rms_norm", b_rms, r_rms, NOT_0D, DOM_FINITE),
    WHOLE("rms_norm(w)", b_rms_w, r_rms_w, NOT_0D, DOM_FINITE),
    {.name = "relu", .nin = 1, .dtypes = DT_REAL, .dom = {DOM_ANY}, .build = b_relu,
     .ref1 = r_relu, .refi1 = i_relu, .int_dom_dtypes = DT_INT},
    {.name = "gelu", .nin = 1, .dtypes = DT_REAL, .dom = {DOM_ANY}, .build = b_gelu,
     .out_dtype = to_float, .ref1 = r_gelu},
    {.name = "gelu_tanh", .nin = 1, .dtypes = DT_REAL, .dom = {DOM_ANY}, .build = b_gelu_tanh,
     .out_dtype = to_float, .ref1 = r_gelu_tanh},
    {.name = "silu", .nin = 1, .dtypes = DT_REAL, .dom = {DOM_ANY}, .build = b_silu,
     .out_dtype = to_float, .ref1 = r_silu},
};

TEST(sweep_nn) {
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) sweep_run(&ops[i]);
}

/* ---- helpers for the direct tests ---- */

static mx_array *rand_f(mx_shape s, mx_dtype dt, double lo, double hi, uint64_t seed) {
  ref_array *r = ref_new_shape(s, MX_FLOAT64);
  uint64_t st = seed;
  for (int64_t i = 0; i < r->size; i++) r->re[i] = ref_uniform(&st, lo, hi);
  mx_array *a = mx_astype(ref_to_mx(r), dt);
  ref_free(r);
  return a;
}

/* max |a - b| <= atol + rtol |b| elementwise, NaN where both are NaN. */
static bool close_all(mx_array *a, mx_array *b, double rtol, double atol, const char *what) {
  ref_array *x = ref_from(a), *y = ref_from(b);
  bool ok = x && y && x->size == y->size;
  for (int64_t i = 0; ok && i < x->size; i++) {
    double u = x->re[i], v = y->re[i];
    bool same = (isnan(u) && isnan(v)) || u == v || fabs(u - v) <= atol + rtol * fabs(v);
    if (!same) {
      FAIL("%s: element %lld is %.17g, composition gives %.17g", what, (long long)i, u, v);
      ok = false;
    }
  }
  ref_free(x);
  ref_free(y);
  return ok;
}

/* ---- fused primitives against their compositions (DESIGN §3) ---- */

static mx_array *softmax_composed(mx_array *x, mx_axes axes) {
  mx_array *e = mx_exp(mx_subtract(x, mx_max(x, axes, true)));
  return mx_divide(e, mx_sum(e, axes, true));
}

TEST(softmax_matches_composition) {
  const mx_dtype dts[] = {MX_FLOAT32, MX_FLOAT64};
  const mx_shape shapes[] = {MX_SHAPE(64, 257), MX_SHAPE(3, 5000), MX_SHAPE(2000, 3), MX_SHAPE(4, 6, 33)};
  const mx_axes axes[] = {MX_AXES(-1), MX_AXES(0), MX_AXES(0, -1)};
  for (int d = 0; d < 2; d++)
    for (int s = 0; s < 4; s++)
      for (int a = 0; a < 3; a++) {
        mx_scope sc = mx_scope_begin();
        mx_array *x = rand_f(shapes[s], dts[d], -20, 20, (uint64_t)(d * 100 + s * 10 + a + 1));
        double rtol = dts[d] == MX_FLOAT64 ? 1e-12 : 3e-6, atol = dts[d] == MX_FLOAT64 ? 1e-300 : 1e-30;
        close_all(mx_softmax(x, axes[a]), softmax_composed(x, axes[a]), rtol, atol, "softmax");
        mx_array *lsm = mx_subtract(x, mx_logsumexp(x, axes[a], true));
        close_all(mx_log_softmax(x, axes[a]), lsm, rtol, dts[d] == MX_FLOAT64 ? 1e-12 : 1e-5,
                  "log_softmax");
        mx_scope_end(sc);
      }
}

static mx_array *layer_norm_composed(mx_array *x, mx_array *w, mx_array *b, double eps) {
  mx_dtype dt = mx_array_dtype(x);
  mx_array *d = mx_subtract(x, mx_mean(x, MX_AXES(-1), true));
  mx_array *var = mx_mean(mx_square(d), MX_AXES(-1), true);
  mx_array *y = mx_multiply(d, mx_rsqrt(mx_add(var, mx_scalar_typed(eps, dt))));
  if (w) y = mx_multiply(y, w);
  if (b) y = mx_add(y, b);
  return y;
}

static mx_array *rms_norm_composed(mx_array *x, mx_array *w, double eps) {
  mx_dtype dt = mx_array_dtype(x);
  mx_array *ms = mx_mean(mx_square(x), MX_AXES(-1), true);
  mx_array *y = mx_multiply(x, mx_rsqrt(mx_add(ms, mx_scalar_typed(eps, dt))));
  return w ? mx_multiply(y, w) : y;
}

/* The compositions run in float64 on the same (rounded) inputs: a float32 composition is itself
 * off by ulp(mean) / std, which the rows of 3 with a far mean below make large. */
TEST(norms_match_composition) {
  const mx_dtype dts[] = {MX_FLOAT32, MX_FLOAT64};
  const mx_shape shapes[] = {MX_SHAPE(64, 257), MX_SHAPE(3, 5000), MX_SHAPE(3000, 3), MX_SHAPE(2, 3, 40)};
  for (int d = 0; d < 2; d++)
    for (int s = 0; s < 4; s++) {
      mx_scope sc = mx_scope_begin();
      mx_dtype dt = dts[d];
      /* an offset mean: a one-pass E[x^2] - E[x]^2 would lose digits here */
      mx_array *x = rand_f(shapes[s], dt, 100, 104, (uint64_t)(d * 10 + s + 7));
      int64_t n = mx_array_dim(x, -1);
      mx_array *w = rand_f(MX_SHAPE(n), dt, 0.5, 2, 99), *b = rand_f(MX_SHAPE(n), dt, -1, 1, 98);
      mx_array *x64 = mx_astype(x, MX_FLOAT64), *w64 = mx_astype(w, MX_FLOAT64), *b64 = mx_astype(b, MX_FLOAT64);
      double tol = dt == MX_FLOAT64 ? 1e-10 : 1e-5;
      close_all(mx_layer_norm(x, w, b, 1e-5), layer_norm_composed(x64, w64, b64, 1e-5), tol, tol, "layer_norm(w,b)");
      close_all(mx_layer_norm(x, NULL, NULL, 1e-3), layer_norm_composed(x64, NULL, NULL, 1e-3), tol, tol,
                "layer_norm");
      close_all(mx_layer_norm(x, NULL, b, 1e-3), layer_norm_composed(x64, NULL, b64, 1e-3), tol, tol,
                "layer_norm(b)");
      close_all(mx_rms_norm(x, w, 1e-6), rms_norm_composed(x64, w64, 1e-6), tol, tol, "rms_norm(w)");
      close_all(mx_rms_norm(x, NULL, 1e-6), rms_norm_composed(x64, NULL, 1e-6), tol, tol, "rms_norm");
      if (dt == MX_FLOAT32) /* and against the float32 composition, within its own error */
        close_all(mx_layer_norm(x, w, b, 1e-2), layer_norm_composed(x, w, b, 1e-2), 1e-4, 1e-4,
                  "layer_norm(w,b) float32 composition");
      mx_scope_end(sc);
    }
}

/* ---- values and special cases ---- */

static void check_values(mx_array *a, const double *want, int64_t n, double rtol, const char *what) {
  ref_array *r = ref_from(a);
  if (!r) return;
  if (r->size != n) FAIL("%s: %lld elements, want %lld", what, (long long)r->size, (long long)n);
  for (int64_t i = 0; i < n && i < r->size; i++)
    if (!((isnan(want[i]) && isnan(r->re[i])) || r->re[i] == want[i] || fabs(r->re[i] - want[i]) <= rtol * fabs(want[i]) + 1e-7))
      FAIL("%s[%lld] = %.9g, want %.9g", what, (long long)i, r->re[i], want[i]);
  ref_free(r);
}

TEST(softmax_special_rows) {
  const double inf = INFINITY, nan = NAN;
  /* rows: large values (no overflow), all -inf, one +inf, a NaN, a -inf among finite */
  const double x[5][3] = {{1000, 1001, 1002}, {-inf, -inf, -inf}, {0, inf, 1}, {0, nan, 1}, {-inf, 0, 0}};
  mx_array *a = mx_array_new(x, MX_SHAPE(5, 3), MX_FLOAT64);
  double e0 = exp(-2), e1 = exp(-1), s = e0 + e1 + 1;
  const double want[15] = {e0 / s, e1 / s, 1 / s, nan, nan, nan, nan, nan, nan, nan, nan, nan, 0, 0.5, 0.5};
  const double wlog[15] = {-2 - log(s), -1 - log(s), -log(s), nan, nan, nan, nan, nan, nan, nan, nan, nan,
                           -inf, -log(2), -log(2)};
  for (int f = 0; f < 2; f++) {
    mx_array *in = f ? mx_astype(a, MX_FLOAT32) : a;
    check_values(mx_softmax(in, MX_AXES(-1)), want, 15, 1e-6, "softmax special rows");
    check_values(mx_log_softmax(in, MX_AXES(-1)), wlog, 15, 1e-6, "log_softmax special rows");
  }
  /* a row sums to 1 and long rows go through the vector lanes and the tail */
  mx_array *big = rand_f(MX_SHAPE(2, 1037), MX_FLOAT32, -30, 30, 5);
  ref_array *s1 = ref_from(mx_sum(mx_softmax(big, MX_AXES(-1)), MX_AXES(-1), false));
  for (int i = 0; s1 && i < 2; i++) CHECK_CLOSE(s1->re[i], 1.0, 1e-5, 0);
  ref_free(s1);
}

TEST(norm_special_cases) {
  /* constant rows: variance 0, output 0 (times weight, plus bias) */
  const float c[2][4] = {{3, 3, 3, 3}, {-1, -1, -1, -1}};
  mx_array *x = mx_array_new(c, MX_SHAPE(2, 4), MX_FLOAT32);
  const float bv[4] = {1, 2, 3, 4};
  mx_array *b = mx_array_new(bv, MX_SHAPE(4), MX_FLOAT32);
  const double want[8] = {1, 2, 3, 4, 1, 2, 3, 4};
  check_values(mx_layer_norm(x, NULL, b, 1e-5), want, 8, 1e-6, "layer_norm constant rows");
  /* rms_norm of [3, 4] is [3, 4] / sqrt(12.5) */
  const float v[2] = {3, 4};
  const double wr[2] = {3 / sqrt(12.5 + 1e-6), 4 / sqrt(12.5 + 1e-6)};
  check_values(mx_rms_norm(mx_array_new(v, MX_SHAPE(2), MX_FLOAT32), NULL, 1e-6), wr, 2, 1e-6, "rms_norm");
  /* an empty last axis, and a weight that is a strided view */
  mx_array *e = mx_layer_norm(mx_zeros(MX_SHAPE(3, 0), MX_FLOAT32), mx_zeros(MX_SHAPE(0), MX_FLOAT32), NULL, 1e-5);
  CHECK_OK(e);
  CHECK_INT(mx_array_size(e), 0);
  CHECK_INT(mx_array_dim(e, 0), 3);
  const float wv[8] = {2, -9, 2, -9, 2, -9, 2, -9};
  mx_array *w = mx_slice_axis(mx_array_new(wv, MX_SHAPE(8), MX_FLOAT32), 0, 0, 8, 2); /* [2, 2, 2, 2] */
  const float xv[4] = {1, 2, 3, 4};
  double mu = 2.5, sd = sqrt(1.25 + 1e-5);
  const double wl[4] = {2 * (1 - mu) / sd, 2 * (2 - mu) / sd, 2 * (3 - mu) / sd, 2 * (4 - mu) / sd};
  check_values(mx_layer_norm(mx_array_new(xv, MX_SHAPE(4), MX_FLOAT32), w, NULL, 1e-5), wl, 4, 1e-6,
               "layer_norm strided weight");
}

TEST(nn_dtype_rules) {
  mx_array *i8 = mx_array_new((int8_t[]){-3, 0, 5}, MX_SHAPE(3), MX_INT8);
  CHECK_INT(mx_array_dtype(mx_relu(i8)), MX_INT8);
  const double r[3] = {0, 0, 5};
  check_values(mx_relu(i8), r, 3, 0, "relu int8");
  mx_array *u8 = mx_array_new((uint8_t[]){1, 2}, MX_SHAPE(2), MX_UINT8);
  CHECK(mx_relu(u8) == u8); /* unsigned: nothing to clip */
  CHECK_INT(mx_array_dtype(mx_gelu(i8)), MX_FLOAT32);
  CHECK_INT(mx_array_dtype(mx_silu(mx_array_new((bool[]){true, false}, MX_SHAPE(2), MX_BOOL))), MX_FLOAT32);
  CHECK_INT(mx_array_dtype(mx_softmax(i8, MX_ALL_AXES)), MX_FLOAT32);
  CHECK_INT(mx_array_dtype(mx_gelu_tanh(mx_zeros(MX_SHAPE(2), MX_BFLOAT16))), MX_BFLOAT16);
  CHECK_INT(mx_array_dtype(mx_softmax(mx_zeros(MX_SHAPE(2), MX_FLOAT16), MX_ALL_AXES)), MX_FLOAT16);
  /* float16 x with a float32 weight computes and returns float32, as x * w would */
  mx_array *ln = mx_layer_norm(mx_zeros(MX_SHAPE(2, 3), MX_FLOAT16), mx_ones(MX_SHAPE(3), MX_FLOAT32), NULL, 1e-5);
  CHECK_INT(mx_array_dtype(ln), MX_FLOAT32);
  CHECK_INT(mx_array_dtype(mx_rms_norm(mx_ones(MX_SHAPE(2, 3), MX_INT32), NULL, 1e-5)), MX_FLOAT32);
  /* softmax over another axis returns the input's layout (shape), not the moved one */
  mx_array *t = mx_softmax(mx_zeros(MX_SHAPE(2, 3, 4), MX_FLOAT32), MX_AXES(1));
  CHECK_INT(mx_array_dim(t, 0), 2);
  CHECK_INT(mx_array_dim(t, 1), 3);
  CHECK_INT(mx_array_dim(t, 2), 4);
  ref_array *tv = ref_from(t);
  for (int64_t i = 0; tv && i < tv->size; i++) CHECK_CLOSE(tv->re[i], 1.0 / 3, 1e-6, 0);
  ref_free(tv);
}

TEST(nn_errors) {
  mx_array *x = mx_zeros(MX_SHAPE(2, 3), MX_FLOAT32);
  CHECK_ERROR(mx_softmax(x, MX_AXES(2)), "mx_softmax: axis 2 is out of range");
  CHECK_ERROR(mx_log_softmax(x, MX_AXES(0, -2)), "repeated");
  CHECK_ERROR(mx_softmax(mx_zeros(MX_SHAPE(2), MX_COMPLEX64), MX_ALL_AXES), "complex64");
  CHECK_ERROR(mx_layer_norm(x, mx_ones(MX_SHAPE(2), MX_FLOAT32), NULL, 1e-5),
              "mx_layer_norm: weight has shape (2); expected (3,)");
  CHECK_ERROR(mx_layer_norm(x, mx_ones(MX_SHAPE(1, 3), MX_FLOAT32), NULL, 1e-5), "weight has shape (1,3)");
  CHECK_ERROR(mx_layer_norm(x, NULL, mx_ones(MX_SHAPE(4), MX_FLOAT32), 1e-5), "mx_layer_norm: bias has shape (4)");
  CHECK_ERROR(mx_rms_norm(x, mx_ones(MX_SHAPE(3, 1), MX_FLOAT32), 1e-5), "mx_rms_norm: weight has shape");
  CHECK_ERROR(mx_layer_norm(mx_scalar(1), NULL, NULL, 1e-5), "at least one axis");
  CHECK_ERROR(mx_rms_norm(x, NULL, -1), "eps");
  CHECK_ERROR(mx_layer_norm(x, mx_ones(MX_SHAPE(3), MX_COMPLEX64), NULL, 1e-5), "complex64");
  CHECK_ERROR(mx_gelu(mx_zeros(MX_SHAPE(2), MX_COMPLEX64)), "mx_gelu: complex64");
  CHECK_ERROR(mx_relu(mx_zeros(MX_SHAPE(2), MX_COMPLEX64)), "mx_relu: complex64");
  /* errors propagate, NULL is an error */
  mx_array *bad = mx_reshape(x, MX_SHAPE(7));
  CHECK_ERROR(mx_softmax(bad, MX_AXES(-1)), "mx_reshape");
  CHECK_ERROR(mx_layer_norm(x, bad, NULL, 1e-5), "mx_reshape");
  CHECK_ERROR(mx_silu(NULL), "mx_silu: input 0 is NULL");
}
