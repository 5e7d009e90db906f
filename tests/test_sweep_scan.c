/* test_sweep_scan.c — the op sweep for scans (cumsum, cumprod, cummax, cummin, logcumsumexp):
 * every dtype x shape family x (axis, reverse, inclusive) against float64 references (exact
 * 64-bit integer arithmetic for integer inputs); then overflow wrap, NaN and -inf handling,
 * the multi-threaded and copy paths, and error paths. */
#include <complex.h>

#include "sweep.h"

typedef enum { OP_SUM, OP_PROD, OP_MAX, OP_MIN, OP_LCSE } scan_op;

static double lae(double a, double b) {
  if (isnan(a) || isnan(b)) return NAN;
  double m = fmax(a, b);
  if (isinf(m)) return m;
  return m + log1p(exp(-fabs(a - b)));
}

/* Lowest / highest value of an integer (or bool) dtype as int64 bits (uint64 max is -1). */
static int64_t int_lowest(mx_dtype dt) {
  switch (dt) {
    case MX_INT8: return INT8_MIN;
    case MX_INT16: return INT16_MIN;
    case MX_INT32: return INT32_MIN;
    case MX_INT64: return INT64_MIN;
    default: return 0;
  }
}
static int64_t int_highest(mx_dtype dt) {
  switch (dt) {
    case MX_BOOL: return 1;
    case MX_UINT8: return UINT8_MAX;
    case MX_UINT16: return UINT16_MAX;
    case MX_UINT32: return UINT32_MAX;
    case MX_UINT64: return -1;
    case MX_INT8: return INT8_MAX;
    case MX_INT16: return INT16_MAX;
    case MX_INT32: return INT32_MAX;
    default: return INT64_MAX;
  }
}

/* The reference scan of a along axis (MX_AXIS_NONE: flattened) into dtype odt. */
static ref_array *scan_ref(const ref_array *a, mx_dtype odt, scan_op op, int axis, bool rev,
                           bool incl) {
  int nd, ax;
  int64_t shape[MX_MAX_DIMS];
  if (axis == MX_AXIS_NONE) {
    nd = 1;
    shape[0] = a->size;
    ax = 0;
  } else {
    nd = a->ndim;
    memcpy(shape, a->shape, sizeof shape);
    ax = axis < 0 ? axis + nd : axis;
  }
  ref_array *r = ref_new(nd, shape, odt);
  int64_t N = shape[ax], In = 1;
  for (int i = ax + 1; i < nd; i++) In *= shape[i];
  if (r->size == 0) return r;
  int64_t O = r->size / (N * In);
  mx_dtype idt = a->dtype;
  bool ints = (idt == MX_BOOL || mx_dtype_is_integer(idt)) && op != OP_LCSE;
  bool uns64 = idt == MX_UINT64;
  for (int64_t o = 0; o < O; o++)
    for (int64_t j = 0; j < In; j++) {
      uint64_t u = op == OP_PROD ? 1 : 0; /* integer accumulator (bits) */
      if (op == OP_MAX) u = (uint64_t)int_lowest(idt);
      if (op == OP_MIN) u = (uint64_t)int_highest(idt);
      double complex c = op == OP_PROD ? 1 : 0;
      double f = op == OP_SUM ? 0 : op == OP_PROD ? 1 : op == OP_MIN ? INFINITY : -INFINITY;
      for (int64_t p = 0; p < N; p++) {
        int64_t k = rev ? N - 1 - p : p, e = (o * N + k) * In + j;
        for (int step = 0; step < 2; step++) {
          bool combine = (step == 0) == incl; /* inclusive: combine, then store */
          if (combine) {
            if (ints) {
              uint64_t v = a->iv ? (uint64_t)a->iv[e] : (uint64_t)(int64_t)a->re[e];
              if (op == OP_SUM) u += v;
              else if (op == OP_PROD) u *= v;
              else if (op == OP_MAX) u = (uns64 ? v > u : (int64_t)v > (int64_t)u) ? v : u;
              else u = (uns64 ? v < u : (int64_t)v < (int64_t)u) ? v : u;
            } else if (a->im) {
              double complex v = ref_cmplx(a->re[e], a->im[e]);
              c = op == OP_SUM ? c + v : c * v;
            } else {
              double v = a->re[e];
              if (op == OP_SUM) f += v;
              else if (op == OP_PROD) f *= v;
              else if (op == OP_MAX) f = (v > f || isnan(v)) ? v : f;
              else if (op == OP_MIN) f = (v < f || isnan(v)) ? v : f;
              else f = lae(f, v);
            }
          } else if (ints) {
            r->re[e] = (odt == MX_UINT64 || uns64) ? (double)u : (double)(int64_t)u;
            if (r->iv) {
              r->iv[e] = (int64_t)u;
              r->exact = true;
            }
          } else if (r->im) {
            r->re[e] = creal(c);
            r->im[e] = cimag(c);
          } else {
            r->re[e] = f;
          }
        }
      }
    }
  return r;
}

/* ---- expected dtypes ---- */
static mx_dtype sum_dtype(mx_dtype d) {
  if (d == MX_BOOL || d == MX_INT8 || d == MX_INT16 || d == MX_INT32) return MX_INT64;
  if (d == MX_UINT8 || d == MX_UINT16 || d == MX_UINT32) return MX_UINT64;
  return d;
}
static mx_dtype float_dtype(mx_dtype d) { return mx_dtype_is_float(d) ? d : MX_FLOAT32; }

/* ---- one builder and reference per (op, axis, reverse, inclusive) ---- */
#define CASE(ID, FN, OP, AXIS, REV, INCL)                                          \
  static mx_array *b_##ID(mx_array *const *in) { return FN(in[0], AXIS, REV, INCL); } \
  static ref_array *r_##ID(ref_array *const *in, mx_dtype odt) {                   \
    return scan_ref(in[0], odt, OP, AXIS, REV, INCL);                              \
  }
#define NONE MX_AXIS_NONE
CASE(sum_a, mx_cumsum, OP_SUM, 0, false, true)
CASE(sum_b, mx_cumsum, OP_SUM, -1, true, true)
CASE(sum_c, mx_cumsum, OP_SUM, NONE, false, false)
CASE(sum_d, mx_cumsum, OP_SUM, 0, true, false)
CASE(prod_a, mx_cumprod, OP_PROD, -1, false, true)
CASE(prod_b, mx_cumprod, OP_PROD, 0, true, false)
CASE(prod_c, mx_cumprod, OP_PROD, NONE, false, true)
CASE(max_a, mx_cummax, OP_MAX, -1, false, true)
CASE(max_b, mx_cummax, OP_MAX, 0, true, false)
CASE(max_c, mx_cummax, OP_MAX, NONE, false, true)
CASE(min_a, mx_cummin, OP_MIN, 0, false, true)
CASE(min_b, mx_cummin, OP_MIN, -1, true, false)
CASE(min_c, mx_cummin, OP_MIN, NONE, true, true)
CASE(lcse_a, mx_logcumsumexp, OP_LCSE, -1, false, true)
CASE(lcse_b, mx_logcumsumexp, OP_LCSE, 0, true, false)
CASE(lcse_c, mx_logcumsumexp, OP_LCSE, NONE, false, false)
CASE(lcse_d, mx_logcumsumexp, OP_LCSE, -1, true, true)
/* axis 1 of 2-d and 3-d inputs: outer and inner dims both present in 3-d */
CASE(sum_e, mx_cumsum, OP_SUM, 1, true, false)
CASE(max_e, mx_cummax, OP_MAX, 1, false, false)
CASE(lcse_e, mx_logcumsumexp, OP_LCSE, 1, false, true)

#define SH_AXIS (SH_ALL & ~SH_SCALAR) /* an axis needs ndim >= 1; MX_AXIS_NONE takes 0-d */
#define SH_2D_UP (SH_EMPTY | SH_MATRIX | SH_3D | SH_TRANSPOSED | SH_STRIDED | SH_LARGE)
#define S(ID, label, dts, dom0, outdt, shp, ...)                                              \
  {.name = label, .nin = 1, .dtypes = dts, .dom = {dom0}, .build = b_##ID, .ref = r_##ID,    \
   .out_dtype = outdt, .shapes = shp, __VA_ARGS__}

static const sweep_op scan_ops[] = {
    /* integer inputs include the dtype's min and max: int64/uint64 sums and products wrap */
    S(sum_a, "cumsum(axis=0)", DT_ALL, DOM_FINITE, sum_dtype, SH_AXIS, .int_dom_dtypes = DT_INT),
    S(sum_b, "cumsum(axis=-1, reverse)", DT_ALL, DOM_FINITE, sum_dtype, SH_AXIS, .int_dom_dtypes = DT_INT),
    S(sum_c, "cumsum(axis=None, exclusive)", DT_ALL, DOM_FINITE, sum_dtype, SH_ALL, .int_dom_dtypes = DT_INT),
    S(sum_d, "cumsum(axis=0, reverse, exclusive)", DT_ALL, DOM_ANY, sum_dtype, SH_AXIS),
    S(prod_a, "cumprod(axis=-1)", DT_ALL, DOM_UNIT, sum_dtype, SH_AXIS, .int_dom_dtypes = DT_INT),
    S(prod_b, "cumprod(axis=0, reverse, exclusive)", DT_ALL, DOM_UNIT, sum_dtype, SH_AXIS),
    S(prod_c, "cumprod(axis=None)", DT_ALL, DOM_NONZERO, sum_dtype, SH_ALL & ~SH_LARGE),
    S(max_a, "cummax(axis=-1)", DT_REAL, DOM_FINITE, NULL, SH_AXIS, .int_dom_dtypes = DT_INT),
    S(max_b, "cummax(axis=0, reverse, exclusive)", DT_REAL, DOM_ANY, NULL, SH_AXIS, .int_dom_dtypes = DT_INT),
    S(max_c, "cummax(axis=None)", DT_REAL, DOM_FINITE, NULL, SH_ALL),
    S(min_a, "cummin(axis=0)", DT_REAL, DOM_FINITE, NULL, SH_AXIS, .int_dom_dtypes = DT_INT),
    S(min_b, "cummin(axis=-1, reverse, exclusive)", DT_REAL, DOM_ANY, NULL, SH_AXIS, .int_dom_dtypes = DT_INT),
    S(min_c, "cummin(axis=None, reverse)", DT_REAL, DOM_FINITE, NULL, SH_ALL),
    S(lcse_a, "logcumsumexp(axis=-1)", DT_REAL, DOM_FINITE, float_dtype, SH_AXIS),
    S(lcse_b, "logcumsumexp(axis=0, reverse, exclusive)", DT_REAL, DOM_FINITE, float_dtype, SH_AXIS),
    S(lcse_c, "logcumsumexp(axis=None, exclusive)", DT_REAL, DOM_FINITE, float_dtype, SH_ALL),
    S(lcse_d, "logcumsumexp(axis=-1, reverse)", DT_REAL, DOM_ANY, float_dtype, SH_AXIS),
    S(sum_e, "cumsum(axis=1, reverse, exclusive)", DT_ALL, DOM_FINITE, sum_dtype, SH_2D_UP, .int_dom_dtypes = DT_INT),
    S(max_e, "cummax(axis=1, exclusive)", DT_REAL, DOM_ANY, NULL, SH_2D_UP),
    S(lcse_e, "logcumsumexp(axis=1)", DT_REAL, DOM_FINITE, float_dtype, SH_2D_UP),
};

TEST(sweep_scan) {
  for (size_t i = 0; i < sizeof scan_ops / sizeof scan_ops[0]; i++) sweep_run(&scan_ops[i]);
}

/* ---- targeted checks ---- */

static mx_array *i64s(const int64_t *v, int64_t n) { return mx_array_new(v, MX_SHAPE(n), MX_INT64); }
static mx_array *f64s(const double *v, int64_t n) { return mx_array_new(v, MX_SHAPE(n), MX_FLOAT64); }

/* Checks a's values (converted to float64; NaN matches NaN). */
static void check_f64(mx_array *a, const double *want, int64_t n, const char *what) {
  double got[64];
  if (!CHECK(mx_array_size(a) == n) || mx_array_copy_to(a, got, 64, MX_FLOAT64) != MX_OK) {
    FAIL("%s: evaluation failed: %s", what, mx_last_error() ? mx_last_error() : "?");
    mx_clear_error();
    return;
  }
  for (int64_t i = 0; i < n; i++)
    if (!((isnan(got[i]) && isnan(want[i])) || got[i] == want[i]))
      FAIL("%s: element %lld is %.17g, want %.17g", what, (long long)i, got[i], want[i]);
}

TEST(integer_overflow_wraps) {
  const int64_t v[] = {INT64_MAX, 1, INT64_MIN, -1};
  const int64_t *d = mx_array_data(mx_cumsum(i64s(v, 4), 0, false, true));
  if (CHECK(d != NULL)) {
    CHECK_INT(d[0], INT64_MAX);
    CHECK_INT(d[1], INT64_MIN); /* wrapped */
    CHECK_INT(d[2], 0);         /* INT64_MIN + INT64_MIN wraps to 0 */
    CHECK_INT(d[3], -1);
  }
  const uint64_t u[] = {UINT64_MAX, 2, 3};
  const uint64_t *du = mx_array_data(mx_cumsum(mx_array_new(u, MX_SHAPE(3), MX_UINT64), 0, false, true));
  if (CHECK(du != NULL)) CHECK(du[0] == UINT64_MAX && du[1] == 1 && du[2] == 4);
  /* int32 products widen to int64 and wrap there: 2^16^4 = 2^64 -> 0 */
  const int32_t p[] = {65536, 65536, 65536, 65536, 7};
  mx_array *cp = mx_cumprod(mx_array_new(p, MX_SHAPE(5), MX_INT32), 0, false, true);
  CHECK_INT(mx_array_dtype(cp), MX_INT64);
  const int64_t *dp = mx_array_data(cp);
  if (CHECK(dp != NULL)) {
    CHECK_INT(dp[2], (int64_t)1 << 48);
    CHECK_INT(dp[3], 0);
    CHECK_INT(dp[4], 0);
  }
  /* narrow types do not wrap at their own width: they accumulate in 64 bits */
  const int8_t s8[] = {100, 100, 100};
  const double w8[] = {100, 200, 300};
  check_f64(mx_cumsum(mx_array_new(s8, MX_SHAPE(3), MX_INT8), 0, false, true), w8, 3, "int8 cumsum");
  const uint8_t b[] = {1, 1, 0, 1};
  const double wb[] = {3, 2, 1, 1};
  mx_array *cb = mx_cumsum(mx_array_new(b, MX_SHAPE(4), MX_BOOL), 0, true, true);
  CHECK_INT(mx_array_dtype(cb), MX_INT64);
  check_f64(cb, wb, 4, "bool reverse cumsum");
  /* int64 products wrap: 3^41 mod 2^64 */
  int64_t three[41];
  for (int i = 0; i < 41; i++) three[i] = 3;
  const int64_t *d3 = mx_array_data(mx_cumprod(i64s(three, 41), 0, false, true));
  uint64_t want = 1;
  for (int i = 0; i < 41; i++) want *= 3;
  if (CHECK(d3 != NULL)) CHECK_INT(d3[40], (int64_t)want);
}

TEST(inclusive_exclusive_reverse_combos) {
  const double x[] = {1, 2, 3, 4};
  mx_array *a = f64s(x, 4);
  const double s[4][4] = {{1, 3, 6, 10}, {0, 1, 3, 6}, {10, 9, 7, 4}, {9, 7, 4, 0}};
  const double p[4][4] = {{1, 2, 6, 24}, {1, 1, 2, 6}, {24, 24, 12, 4}, {24, 12, 4, 1}};
  for (int k = 0; k < 4; k++) {
    bool rev = k >= 2, incl = k % 2 == 0;
    check_f64(mx_cumsum(a, 0, rev, incl), s[k], 4, "cumsum combo");
    check_f64(mx_cumprod(a, 0, rev, incl), p[k], 4, "cumprod combo");
  }
  const int32_t m[] = {3, 1, 4, 1};
  mx_array *mi = mx_array_new(m, MX_SHAPE(4), MX_INT32);
  const double mx_incl[] = {3, 3, 4, 4}, mx_excl[] = {INT32_MIN, 3, 3, 4};
  const double mn_rev_excl[] = {1, 1, 1, INT32_MAX}, mn_rev[] = {1, 1, 1, 1};
  check_f64(mx_cummax(mi, 0, false, true), mx_incl, 4, "cummax");
  check_f64(mx_cummax(mi, 0, false, false), mx_excl, 4, "cummax exclusive");
  check_f64(mx_cummin(mi, 0, true, false), mn_rev_excl, 4, "cummin reverse exclusive");
  check_f64(mx_cummin(mi, 0, true, true), mn_rev, 4, "cummin reverse");
  const uint8_t ub[] = {5, 2};
  const double ub_want[] = {2, 255};
  check_f64(mx_cummin(mx_array_new(ub, MX_SHAPE(2), MX_UINT8), 0, true, false), ub_want, 2, "uint8 identity");
  /* 2-d along both axes */
  mx_array *g = mx_reshape(mx_arange(1, 7, 1, MX_FLOAT32), MX_SHAPE(2, 3));
  const double ax0[] = {1, 2, 3, 5, 7, 9}, ax1[] = {1, 3, 6, 4, 9, 15};
  check_f64(mx_cumsum(g, 0, false, true), ax0, 6, "cumsum axis 0");
  check_f64(mx_cumsum(g, 1, false, true), ax1, 6, "cumsum axis 1");
  check_f64(mx_cumsum(g, -1, false, true), ax1, 6, "cumsum axis -1");
  const double none[] = {0, 1, 3, 6, 10, 15};
  mx_array *n = mx_cumsum(g, MX_AXIS_NONE, false, false);
  CHECK_INT(mx_array_ndim(n), 1);
  check_f64(n, none, 6, "cumsum axis None exclusive");
  mx_array *z = mx_cumsum(mx_scalar_typed(5, MX_INT16), MX_AXIS_NONE, false, true);
  CHECK_INT(mx_array_ndim(z), 1);
  CHECK_INT(mx_item_i64(z), 5);
}

TEST(nan_propagates_in_cummax_cummin) {
  const double x[] = {1, NAN, 3, 0};
  const double mx_w[] = {1, NAN, NAN, NAN}, mx_excl[] = {-INFINITY, 1, NAN, NAN};
  const double mx_rev[] = {NAN, NAN, 3, 0};
  check_f64(mx_cummax(f64s(x, 4), 0, false, true), mx_w, 4, "cummax NaN");
  check_f64(mx_cummax(f64s(x, 4), 0, false, false), mx_excl, 4, "cummax NaN exclusive");
  check_f64(mx_cummax(f64s(x, 4), 0, true, true), mx_rev, 4, "cummax NaN reverse");
  check_f64(mx_cummin(f64s(x, 4), 0, false, true), mx_w, 4, "cummin NaN");
  const double mn_excl[] = {INFINITY, 1, NAN, NAN};
  check_f64(mx_cummin(f64s(x, 4), 0, false, false), mn_excl, 4, "cummin NaN exclusive");
  /* float16 and float32 too */
  for (int dt = MX_FLOAT16; dt <= MX_FLOAT32; dt++) {
    mx_array *h = mx_astype(f64s(x, 4), (mx_dtype)dt);
    check_f64(mx_cummax(h, 0, false, true), mx_w, 4, "cummax NaN (half/float)");
    const double mn_rev[] = {NAN, NAN, 0, 0};
    check_f64(mx_cummin(h, 0, true, true), mn_rev, 4, "cummin NaN reverse (half/float)");
  }
  /* a NaN in the middle of a long line: everything after it is NaN (split path included) */
  enum { N = 300001 };
  float *v = malloc(sizeof(float) * N);
  for (int i = 0; i < N; i++) v[i] = (float)(((int64_t)i * 7919) % 1000);
  v[N / 2] = NAN;
  const float *d = mx_array_data(mx_cummax(mx_array_new(v, MX_SHAPE(N), MX_FLOAT32), 0, false, true));
  if (CHECK(d != NULL)) {
    bool ok = true;
    float m = -INFINITY;
    for (int i = 0; i < N / 2; i++) {
      m = v[i] > m ? v[i] : m;
      ok &= d[i] == m;
    }
    for (int i = N / 2; i < N; i++) ok &= isnan(d[i]);
    CHECK(ok);
  }
  free(v);
}

TEST(logcumsumexp_infinities) {
  const double x[] = {-INFINITY, -INFINITY, 0, -INFINITY, 0};
  const double incl[] = {-INFINITY, -INFINITY, 0, 0, log(2.0)};
  const double excl[] = {-INFINITY, -INFINITY, -INFINITY, 0, 0};
  const double rev[] = {log(2.0), log(2.0), log(2.0), 0, 0};
  const double rev_excl[] = {log(2.0), log(2.0), 0, 0, -INFINITY};
  check_f64(mx_logcumsumexp(f64s(x, 5), 0, false, true), incl, 5, "lcse -inf");
  check_f64(mx_logcumsumexp(f64s(x, 5), 0, false, false), excl, 5, "lcse -inf exclusive");
  check_f64(mx_logcumsumexp(f64s(x, 5), 0, true, true), rev, 5, "lcse -inf reverse");
  check_f64(mx_logcumsumexp(f64s(x, 5), 0, true, false), rev_excl, 5, "lcse -inf reverse exclusive");
  const double y[] = {1, INFINITY, 2, NAN, 3};
  const double yw[] = {1, INFINITY, INFINITY, NAN, NAN};
  check_f64(mx_logcumsumexp(f64s(y, 5), 0, false, true), yw, 5, "lcse inf/NaN");
  /* large values do not overflow */
  const double big[] = {1000, 1000};
  const double bw[] = {1000, 1000 + log(2.0)};
  check_f64(mx_logcumsumexp(f64s(big, 2), 0, false, true), bw, 2, "lcse large");
  /* integers compute in float32 */
  const int32_t iv[] = {0, 0};
  mx_array *li = mx_logcumsumexp(mx_array_new(iv, MX_SHAPE(2), MX_INT32), 0, false, true);
  CHECK_INT(mx_array_dtype(li), MX_FLOAT32);
  CHECK_CLOSE(mx_array_get_f64(li, (int64_t[]){1}), log(2.0), 1e-7, 0);
}

TEST(output_dtypes) {
  for (int d = 0; d < MX_NUM_DTYPES; d++) {
    mx_dtype dt = (mx_dtype)d;
    mx_array *a = mx_zeros(MX_SHAPE(3), dt);
    CHECK_INT(mx_array_dtype(mx_cumsum(a, 0, false, true)), sum_dtype(dt));
    CHECK_INT(mx_array_dtype(mx_cumprod(a, 0, false, true)), sum_dtype(dt));
    if (dt == MX_COMPLEX64) continue;
    CHECK_INT(mx_array_dtype(mx_cummax(a, 0, false, true)), dt);
    CHECK_INT(mx_array_dtype(mx_cummin(a, 0, false, true)), dt);
    CHECK_INT(mx_array_dtype(mx_logcumsumexp(a, 0, false, true)), float_dtype(dt));
  }
}

/* Long lines and few lines: the split (two-pass) path must equal a sequential scan. */
TEST(split_paths_match_sequential) {
  enum { N = 1000003 };
  int64_t *v = malloc(sizeof(int64_t) * N);
  for (int64_t i = 0; i < N; i++) v[i] = (int64_t)((uint64_t)i * 0x9e3779b97f4a7c15ull);
  mx_array *a = i64s(v, N);
  for (int mode = 0; mode < 4; mode++) {
    bool rev = mode & 1, incl = !(mode & 2);
    const int64_t *d = mx_array_data(mx_cumsum(a, 0, rev, incl));
    if (!CHECK(d != NULL)) continue;
    uint64_t acc = 0;
    bool ok = true;
    for (int64_t p = 0; p < N; p++) {
      int64_t k = rev ? N - 1 - p : p;
      if (incl) acc += (uint64_t)v[k];
      ok &= d[k] == (int64_t)acc;
      if (!incl) acc += (uint64_t)v[k];
    }
    CHECK(ok);
  }
  free(v);
  /* few lines scanned along axis 0 with 3 inner elements */
  enum { R = 100000 };
  int32_t *w = malloc(sizeof(int32_t) * R * 3);
  for (int i = 0; i < R * 3; i++) w[i] = (i * 37) % 201 - 100;
  mx_array *b = mx_array_new(w, MX_SHAPE(R, 3), MX_INT32);
  const int64_t *s = mx_array_data(mx_cumsum(b, 0, true, false));
  const int32_t *m = mx_array_data(mx_cummin(b, 0, false, true));
  if (CHECK(s != NULL && m != NULL)) {
    bool ok = true;
    for (int j = 0; j < 3; j++) {
      int64_t acc = 0;
      for (int i = R - 1; i >= 0; i--) {
        ok &= s[i * 3 + j] == acc;
        acc += w[i * 3 + j];
      }
      int32_t mn = INT32_MAX;
      for (int i = 0; i < R; i++) {
        mn = w[i * 3 + j] < mn ? w[i * 3 + j] : mn;
        ok &= m[i * 3 + j] == mn;
      }
    }
    CHECK(ok);
  }
  free(w);
}

/* Views: transposed 3-d (inner axes do not merge: copied), broadcast (zero strides), negative
 * strides, and intermediates whose buffer is donated to the scan. */
TEST(views_and_donation) {
  mx_array *base = mx_reshape(mx_arange(0, 60, 1, MX_FLOAT64), MX_SHAPE(3, 4, 5));
  mx_array *t = mx_transpose(base, MX_AXES(1, 2, 0)); /* [4, 5, 3] */
  const double *d = mx_array_data(mx_cumsum(t, 0, false, true));
  if (CHECK(d != NULL)) {
    bool ok = true;
    for (int j = 0; j < 5; j++)
      for (int k = 0; k < 3; k++) {
        double acc = 0;
        for (int i = 0; i < 4; i++) {
          acc += k * 20 + i * 5 + j;
          ok &= d[(i * 5 + j) * 3 + k] == acc;
        }
      }
    CHECK(ok);
  }
  mx_array *row = mx_arange(1, 6, 1, MX_INT32);
  mx_array *bc = mx_broadcast_to(row, MX_SHAPE(4, 5));
  const double w0[] = {1, 2, 3, 4, 5, 2, 4, 6, 8, 10, 3, 6, 9, 12, 15, 4, 8, 12, 16, 20};
  check_f64(mx_cumsum(bc, 0, false, true), w0, 20, "broadcast axis 0");
  mx_array *col = mx_broadcast_to(mx_reshape(row, MX_SHAPE(5, 1)), MX_SHAPE(5, 3));
  const double w1[] = {1, 2, 3, 2, 4, 6, 3, 6, 9, 4, 8, 12, 5, 10, 15};
  check_f64(mx_cumsum(col, 1, false, true), w1, 15, "broadcast axis 1 (zero stride)");
  mx_array *neg = mx_flip(row, MX_ALL_AXES);
  const double wn[] = {5, 9, 12, 14, 15};
  check_f64(mx_cumsum(neg, 0, false, true), wn, 5, "negative stride");
  /* donated buffers: exclusive scans in place (loads before stores) */
  mx_array *x = mx_reshape(mx_arange(0, 2000, 1, MX_FLOAT32), MX_SHAPE(50, 40));
  mx_array *y0 = mx_cummax(mx_negative(x), 0, false, false);
  mx_array *y1 = mx_cummax(mx_negative(x), 1, true, false);
  const float *a0 = mx_array_data(y0), *a1 = mx_array_data(y1);
  if (CHECK(a0 && a1)) {
    bool ok = true;
    for (int i = 0; i < 50; i++)
      for (int j = 0; j < 40; j++) {
        ok &= a0[i * 40 + j] == (i == 0 ? -INFINITY : -(float)j);
        ok &= a1[i * 40 + j] == (j == 39 ? -INFINITY : -(float)(i * 40 + j + 1));
      }
    CHECK(ok);
  }
}

/* A 4-d view with a step-2 outer axis and a reversed axis: outer dims that do not merge. */
TEST(strided_4d_view) {
  mx_array *base = mx_reshape(mx_arange(0, 360, 1, MX_FLOAT64), MX_SHAPE(6, 4, 5, 3));
  int64_t start[2] = {1, MX_END}, stop[2] = {MX_END, MX_END}, step[2] = {2, -1};
  mx_array *v = mx_slice(base, 2, start, stop, step); /* [3, 4, 5, 3] */
  for (int axis = 0; axis < 4; axis++) {
    const double *d = mx_array_data(mx_cumsum(v, axis, true, false));
    if (!CHECK(d != NULL)) continue;
    bool ok = true;
    int64_t dims[4] = {3, 4, 5, 3}, idx[4];
    for (int64_t f = 0; f < 180; f++) {
      int64_t r = f;
      for (int i = 3; i >= 0; i--) {
        idx[i] = r % dims[i];
        r /= dims[i];
      }
      double want = 0; /* reverse exclusive: the sum of the elements after idx along axis */
      for (int64_t k = idx[axis] + 1; k < dims[axis]; k++) {
        int64_t j[4] = {idx[0], idx[1], idx[2], idx[3]};
        j[axis] = k;
        want += (double)((((1 + 2 * j[0]) * 4 + (3 - j[1])) * 5 + j[2]) * 3 + j[3]);
      }
      ok &= d[f] == want;
    }
    if (!ok) FAIL("4-d strided view, axis %d", axis);
  }
}

TEST(errors_scan) {
  mx_array *a = mx_zeros(MX_SHAPE(2, 3), MX_FLOAT32);
  CHECK_ERROR(mx_cumsum(a, 2, false, true), "mx_cumsum: axis 2 is out of range for an array of shape (2,3)");
  CHECK_ERROR(mx_cumprod(a, -3, false, true), "mx_cumprod: axis -3");
  CHECK_ERROR(mx_cummax(mx_scalar(1), 0, false, true), "mx_cummax: axis 0 is out of range");
  CHECK_ERROR(mx_cummin(mx_zeros(MX_SHAPE(2), MX_COMPLEX64), 0, false, true), "mx_cummin: complex64");
  CHECK_ERROR(mx_cummax(mx_zeros(MX_SHAPE(2), MX_COMPLEX64), MX_AXIS_NONE, false, true), "mx_cummax: complex64");
  CHECK_ERROR(mx_logcumsumexp(mx_zeros(MX_SHAPE(2), MX_COMPLEX64), 0, false, true), "mx_logcumsumexp: complex64");
  CHECK_ERROR(mx_cumsum(mx_reshape(a, MX_SHAPE(5)), 0, false, true), "mx_reshape:");
  CHECK_ERROR(mx_cumsum(NULL, 0, false, true), "mx_cumsum:");
  /* still working afterwards, and empty arrays scan to empty arrays */
  CHECK_OK(mx_cumsum(a, 1, false, true));
  mx_array *e = mx_cumsum(mx_zeros(MX_SHAPE(0, 3), MX_INT8), 1, false, false);
  CHECK_OK(e);
  CHECK_INT(mx_array_dtype(e), MX_INT64);
  CHECK_INT(mx_array_size(e), 0);
}
