/* test_grad_join_scan.c — gradient, forward-mode and batching checks of the join ops and scans, and
 * hand-checked cases: cumprod with zeros, cummax ties, large inputs, second derivatives, vmap of grad. */
#include "gradcheck.h"

#define S(...) MX_SHAPE(__VA_ARGS__)
#define I64(...) ((int64_t[]){__VA_ARGS__})

/* ---- joins ---- */
static mx_array *b_cat3(mx_array *const *in) { return mx_concatenate(3, in, 0); }
static mx_array *b_cat_last(mx_array *const *in) { return mx_concatenate(2, in, -1); }
static mx_array *b_cat_mid(mx_array *const *in) { return mx_concatenate(3, in, 1); }
static mx_array *b_cat_none(mx_array *const *in) { return mx_concatenate(2, in, MX_AXIS_NONE); }
static mx_array *b_stack(mx_array *const *in) { return mx_stack(2, in, 1); }
static mx_array *b_stack_last(mx_array *const *in) { return mx_stack(3, in, -1); }
static mx_array *b_split(mx_array *const *in) {
  mx_array *out[3];
  mx_split(in[0], 3, 1, 3, out);
  return out[1];
}
static mx_array *b_split_at(mx_array *const *in) {
  mx_array *out[3];
  mx_split_at(in[0], 2, I64(1, 4), 0, 3, out);
  return mx_multiply(out[1], out[1]); /* a nonlinear use, so the cotangent depends on x */
}
static mx_array *b_unstack(mx_array *const *in) {
  mx_array *out[4];
  mx_unstack(in[0], 1, 4, out);
  return out[2];
}
static mx_array *b_tile(mx_array *const *in) { return mx_tile(in[0], S(2, 1, 2)); }
static mx_array *b_repeat_last(mx_array *const *in) { return mx_repeat(in[0], 3, 1); }
static mx_array *b_repeat_first(mx_array *const *in) { return mx_repeat(in[0], 2, 0); }
static mx_array *b_repeat_none(mx_array *const *in) { return mx_repeat(in[0], 2, MX_AXIS_NONE); }
static mx_array *b_pad_const(mx_array *const *in) {
  return mx_pad(in[0], 2, I64(1, 0), I64(2, 3), MX_PAD_CONSTANT, 1.5);
}
static mx_array *b_pad_edge(mx_array *const *in) {
  return mx_pad(in[0], 2, I64(2, 1), I64(0, 3), MX_PAD_EDGE, 0);
}
static mx_array *b_pad_edge_one(mx_array *const *in) { /* a length-1 axis padded on both sides */
  return mx_pad(in[0], 2, I64(2, 1), I64(1, 0), MX_PAD_EDGE, 0);
}
static mx_array *b_pad_edge_3d(mx_array *const *in) { /* widths for the first axis only */
  return mx_square(mx_pad(in[0], 1, I64(1), I64(2), MX_PAD_EDGE, 0));
}
static mx_array *b_roll(mx_array *const *in) { return mx_roll(in[0], 2, 1); }
static mx_array *b_roll_neg(mx_array *const *in) { return mx_roll(in[0], -1, 0); }
static mx_array *b_roll_none(mx_array *const *in) { return mx_roll(in[0], 4, MX_AXIS_NONE); }

/* ---- scans ---- */
/* Exclusive max/min/logcumsumexp start with the identity (-inf, +inf): constant, and infinite in
 * <y, w>, so those cases drop it (position 0, or n - 1 for a reverse scan). */
static mx_array *drop_identity(mx_array *y, int axis, bool reverse) {
  int64_t n = mx_array_shape(y)[axis];
  return reverse ? mx_slice_axis(y, axis, 0, n - 1, 1) : mx_slice_axis(y, axis, 1, n, 1);
}
#define SCAN(name, fn, ax, rev, incl)                                          \
  static mx_array *b_##name(mx_array *const *in) { return mx_##fn(in[0], ax, rev, incl); }
#define SCANX(name, fn, ax, rev) /* exclusive, identity dropped (ax >= 0 here) */ \
  static mx_array *b_##name(mx_array *const *in) {                            \
    return drop_identity(mx_##fn(in[0], ax, rev, false), ax, rev);            \
  }
SCAN(cumsum, cumsum, 1, false, true)
SCAN(cumsum_rx0, cumsum, 0, true, false)
SCAN(cumsum_none, cumsum, MX_AXIS_NONE, false, true)
SCAN(cumprod, cumprod, 1, false, true)
SCAN(cumprod_r0, cumprod, 0, true, true)
SCAN(cumprod_x, cumprod, 1, false, false)
SCAN(cumprod_rx, cumprod, -1, true, false)
SCAN(cummax, cummax, 1, false, true)
SCAN(cummax_r0, cummax, 0, true, true)
SCANX(cummax_x, cummax, 1, false)
SCAN(cummin, cummin, 0, false, true)
SCANX(cummin_rx, cummin, 1, true)
SCAN(lcse, logcumsumexp, 1, false, true)
SCAN(lcse_r0, logcumsumexp, 0, true, true)
SCANX(lcse_x, logcumsumexp, 1, false)
SCANX(lcse_rx0, logcumsumexp, 0, true)
static mx_array *b_cumprod_sq(mx_array *const *in) { /* nonlinear around the scan */
  return mx_square(mx_cumprod(mx_sin(in[0]), 1, false, true));
}

#define G1(nm, shp, fn, ...) {.name = nm, .nin = 1, .shapes = {shp}, .build = b_##fn, __VA_ARGS__}
static const grad_case cases[] = {
    {.name = "concatenate 3 inputs axis 0", .nin = 3, .shapes = {S(2, 3), S(1, 3), S(3, 3)}, .build = b_cat3},
    {.name = "concatenate axis -1, input 1 constant (unbatched)", .nin = 2, .shapes = {S(3, 2), S(3, 4)},
     .constant = {false, true}, .build = b_cat_last, .transpose_first = true},
    {.name = "concatenate axis 1 of 3-d", .nin = 3, .shapes = {S(2, 1, 3), S(2, 2, 3), S(2, 3, 3)}, .build = b_cat_mid},
    {.name = "concatenate MX_AXIS_NONE", .nin = 2, .shapes = {S(2, 3), S(4)}, .build = b_cat_none},
    {.name = "stack axis 1", .nin = 2, .shapes = {S(3, 4), S(3, 4)}, .build = b_stack},
    {.name = "stack axis -1, input 2 constant", .nin = 3, .shapes = {S(2, 3), S(2, 3), S(2, 3)},
     .constant = {false, false, true}, .build = b_stack_last},
    G1("split (part 1)", S(2, 6), split, .transpose_first = true),
    G1("split_at (part 1, squared)", S(6, 2), split_at),
    G1("unstack (part 2)", S(3, 4), unstack),
    G1("tile", S(2, 3), tile, .transpose_first = true),
    G1("repeat last axis", S(2, 3), repeat_last),
    G1("repeat axis 0", S(2, 3), repeat_first),
    G1("repeat MX_AXIS_NONE", S(2, 3), repeat_none),
    G1("pad constant, asymmetric", S(3, 4), pad_const, .transpose_first = true),
    G1("pad edge, asymmetric", S(3, 4), pad_edge, .transpose_first = true),
    G1("pad edge of a length-1 axis", S(1, 3), pad_edge_one),
    G1("pad edge, first axis of 3-d, squared", S(2, 3, 2), pad_edge_3d),
    G1("roll axis 1", S(3, 5), roll),
    G1("roll -1 axis 0", S(3, 5), roll_neg),
    G1("roll MX_AXIS_NONE", S(3, 5), roll_none),
    G1("cumsum", S(3, 5), cumsum, .transpose_first = true),
    G1("cumsum axis 0 reverse exclusive", S(4, 3), cumsum_rx0),
    G1("cumsum MX_AXIS_NONE", S(3, 4), cumsum_none),
    G1("cumprod", S(3, 6), cumprod, .transpose_first = true),
    G1("cumprod axis 0 reverse", S(5, 3), cumprod_r0),
    G1("cumprod exclusive", S(3, 5), cumprod_x),
    G1("cumprod reverse exclusive", S(2, 7), cumprod_rx),
    G1("square(cumprod(sin x))", S(2, 9), cumprod_sq),
    G1("cummax", S(3, 6), cummax, .dom = {DOM_PERM}, .transpose_first = true),
    G1("cummax axis 0 reverse", S(5, 3), cummax_r0, .dom = {DOM_PERM}),
    G1("cummax exclusive", S(3, 6), cummax_x, .dom = {DOM_PERM}),
    G1("cummin axis 0", S(6, 3), cummin, .dom = {DOM_PERM}),
    G1("cummin reverse exclusive", S(3, 6), cummin_rx, .dom = {DOM_PERM}),
    G1("logcumsumexp", S(3, 6), lcse, .transpose_first = true),
    G1("logcumsumexp axis 0 reverse", S(5, 3), lcse_r0),
    G1("logcumsumexp exclusive", S(3, 6), lcse_x),
    G1("logcumsumexp axis 0 reverse exclusive", S(5, 3), lcse_rx0),
};

TEST(grad_join_scan) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) gradcheck_run(&cases[i]);
}

/* ---- helpers for hand-checked cases ---- */
typedef mx_array *(*unary_build)(mx_array *x);
static void call_unary(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  out[0] = (*(unary_build *)ctx)(in[0]);
}
/* vjp(c) and jvp(v) of build at x. */
static void vjp_jvp(unary_build b, mx_array *x, mx_array *c, mx_array *v, mx_array **g, mx_array **t) {
  mx_function *f = mx_function_new(call_unary, &b, 1, 1);
  mx_array *y;
  if (g && mx_vjp(f, 1, &x, &c, 1, &y, g) != MX_OK) FAIL("vjp: %s", mx_last_error());
  if (t && mx_jvp(f, 1, &x, &v, 1, &y, t) != MX_OK) FAIL("jvp: %s", mx_last_error());
  mx_function_free(f);
}
static void check_values(mx_array *got, const double *want, int64_t n, double tol, const char *what) {
  if (mx_eval(got) != MX_OK || mx_array_size(got) != n) {
    FAIL("%s: %s", what, mx_eval(got) != MX_OK ? mx_last_error() : "wrong size");
    mx_clear_error();
    return;
  }
  double *v = malloc((size_t)n * sizeof *v);
  mx_array_copy_to(got, v, (size_t)n, MX_FLOAT64);
  for (int64_t i = 0; i < n; i++)
    if (!(fabs(v[i] - want[i]) <= tol * (1 + fabs(want[i]))))
      FAIL("%s[%lld]: got %.15g, want %.15g", what, (long long)i, v[i], want[i]);
  free(v);
}

/* ---- cumprod with zeros, against the exact Jacobian ---- */
/* dy_j/dx_i of a cumprod of one row: the product of the other scanned elements. */
static double cumprod_partial(const double *x, int n, int j, int i, bool rev, bool incl) {
#define IN_SCAN(k) (rev ? (incl ? (k) >= j : (k) > j) : (incl ? (k) <= j : (k) < j))
  if (!IN_SCAN(i)) return 0;
  double p = 1;
  for (int k = 0; k < n; k++)
    if (k != i && IN_SCAN(k)) p *= x[k];
  return p;
#undef IN_SCAN
}
static bool g_rev, g_incl;
static mx_array *b_cumprod_rows(mx_array *x) { return mx_cumprod(x, 1, g_rev, g_incl); }
static mx_array *b_cumprod_cols(mx_array *x) { return mx_cumprod(x, 0, g_rev, g_incl); }

TEST(cumprod_with_zeros_is_exact) {
  enum { R = 4, N = 6 };
  /* a leading zero, two zeros, a trailing zero, no zero */
  double x[R][N] = {{0, 2, -1.5, 3, 0.5, 1.25}, {1.5, 0, 2, 0, -3, 0.75},
                    {-0.5, 2.5, 1.5, -2, 3, 0}, {1.1, -0.9, 2.2, 0.6, -1.7, 1.3}};
  double c[R][N], v[R][N], xt[N][R], ct[N][R], vt[N][R];
  for (int r = 0; r < R; r++)
    for (int i = 0; i < N; i++) {
      c[r][i] = 0.25 + 0.5 * i - 0.3 * r;
      v[r][i] = 1 - 0.2 * i + 0.4 * r;
      xt[i][r] = x[r][i], ct[i][r] = c[r][i], vt[i][r] = v[r][i];
    }
  for (int variant = 0; variant < 4; variant++) {
    g_rev = variant & 1;
    g_incl = !(variant & 2);
    double gw[R][N], tw[R][N], gwt[N][R], twt[N][R];
    for (int r = 0; r < R; r++)
      for (int i = 0; i < N; i++) {
        gw[r][i] = tw[r][i] = 0;
        for (int j = 0; j < N; j++) {
          gw[r][i] += c[r][j] * cumprod_partial(x[r], N, j, i, g_rev, g_incl);
          tw[r][i] += cumprod_partial(x[r], N, i, j, g_rev, g_incl) * v[r][j];
        }
        gwt[i][r] = gw[r][i], twt[i][r] = tw[r][i];
      }
    char what[96];
    mx_array *g, *t;
    vjp_jvp(b_cumprod_rows, mx_array_new(x, S(R, N), MX_FLOAT64), mx_array_new(c, S(R, N), MX_FLOAT64),
            mx_array_new(v, S(R, N), MX_FLOAT64), &g, &t);
    snprintf(what, sizeof what, "cumprod axis 1 reverse %d inclusive %d vjp", g_rev, g_incl);
    check_values(g, &gw[0][0], R * N, 1e-13, what);
    snprintf(what, sizeof what, "cumprod axis 1 reverse %d inclusive %d jvp", g_rev, g_incl);
    check_values(t, &tw[0][0], R * N, 1e-13, what);
    vjp_jvp(b_cumprod_cols, mx_array_new(xt, S(N, R), MX_FLOAT64), mx_array_new(ct, S(N, R), MX_FLOAT64),
            mx_array_new(vt, S(N, R), MX_FLOAT64), &g, &t);
    snprintf(what, sizeof what, "cumprod axis 0 reverse %d inclusive %d vjp", g_rev, g_incl);
    check_values(g, &gwt[0][0], R * N, 1e-13, what);
    snprintf(what, sizeof what, "cumprod axis 0 reverse %d inclusive %d jvp", g_rev, g_incl);
    check_values(t, &twt[0][0], R * N, 1e-13, what);
  }
}

/* ---- cummax/cummin: ties and NaN ---- */
static mx_array *b_cummax_f(mx_array *x) { return mx_cummax(x, 0, false, true); }
static mx_array *b_cummax_r(mx_array *x) { return mx_cummax(x, 0, true, true); }
static mx_array *b_cummin_x(mx_array *x) { return mx_cummin(x, 0, false, false); }

TEST(cummax_ties_go_to_the_first_in_scan_order) {
  mx_array *ones = mx_ones(S(5), MX_FLOAT64), *g, *t;
  mx_array *v = mx_array_new((double[]){10, 20, 30, 40, 50}, S(5), MX_FLOAT64);
  /* y = [1, 3, 3, 3, 5]: x[1] set the 3 that x[2] ties */
  mx_array *x = mx_array_new((double[]){1, 3, 3, 2, 5}, S(5), MX_FLOAT64);
  vjp_jvp(b_cummax_f, x, ones, v, &g, &t);
  check_values(g, (double[]){1, 3, 0, 0, 1}, 5, 0, "cummax ties vjp");
  check_values(t, (double[]){10, 20, 20, 20, 50}, 5, 0, "cummax ties jvp");
  /* reverse: the scan starts at x[4]; x[3] = 5 ties it */
  x = mx_array_new((double[]){2, 3, 1, 5, 5}, S(5), MX_FLOAT64);
  vjp_jvp(b_cummax_r, x, ones, v, &g, &t);
  check_values(g, (double[]){0, 0, 0, 0, 5}, 5, 0, "reverse cummax ties vjp");
  check_values(t, (double[]){50, 50, 50, 50, 50}, 5, 0, "reverse cummax ties jvp");
  /* a NaN takes over from where it appears */
  x = mx_array_new((double[]){1, NAN, 2, NAN, 7}, S(5), MX_FLOAT64);
  vjp_jvp(b_cummax_f, x, ones, v, &g, &t);
  check_values(g, (double[]){1, 4, 0, 0, 0}, 5, 0, "cummax NaN vjp");
  check_values(t, (double[]){10, 20, 20, 20, 20}, 5, 0, "cummax NaN jvp");
  /* exclusive cummin: y = [inf, 4, 4, 1, 1]; y[0] is the identity (no gradient) */
  x = mx_array_new((double[]){4, 6, 1, 1, 3}, S(5), MX_FLOAT64);
  vjp_jvp(b_cummin_x, x, ones, v, &g, &t);
  check_values(g, (double[]){2, 0, 2, 0, 0}, 5, 0, "exclusive cummin vjp");
  check_values(t, (double[]){0, 10, 10, 30, 30}, 5, 0, "exclusive cummin jvp");
}

/* ---- logcumsumexp: large inputs, -inf ---- */
static mx_array *b_lcse0(mx_array *x) { return mx_logcumsumexp(x, 0, false, true); }

TEST(logcumsumexp_gradient_is_stable) {
  /* values whose exp overflows: the weights are e^(x_i - y_j). float32 rounds y near 200 to
   * about 1e-5, which bounds the weights' accuracy; float64 at 1e4 keeps about 1e-12 */
  for (int f64 = 0; f64 < 2; f64++) {
    double base = f64 ? 1e4 : 200, d[5] = {0, 1, -2, 3, -1}, xs[5], want[5] = {0}, m = -INFINITY;
    for (int j = 0; j < 5; j++) {
      xs[j] = base + d[j];
      m = xs[j] > m ? xs[j] : m;
      double s = 0;
      for (int i = 0; i <= j; i++) s += exp(xs[i] - m);
      for (int i = 0; i <= j; i++) want[i] += exp(xs[i] - m) / s;
    }
    mx_dtype dt = f64 ? MX_FLOAT64 : MX_FLOAT32;
    mx_array *x = mx_astype(mx_array_new(xs, S(5), MX_FLOAT64), dt), *g;
    vjp_jvp(b_lcse0, x, mx_ones(S(5), dt), NULL, &g, NULL);
    check_values(g, want, 5, f64 ? 1e-10 : 1e-4, f64 ? "logcumsumexp(1e4 + d) vjp" : "logcumsumexp(200 + d) vjp float32");
  }
  /* leading -inf: log(0) outputs have no gradient, not NaN */
  mx_array *x = mx_array_new((double[]){-INFINITY, -INFINITY, 0, log(3.0)}, S(4), MX_FLOAT64), *g, *t;
  vjp_jvp(b_lcse0, x, mx_ones(S(4), MX_FLOAT64), mx_ones(S(4), MX_FLOAT64), &g, &t);
  check_values(g, (double[]){0, 0, 1.25, 0.75}, 4, 1e-14, "logcumsumexp(-inf, ...) vjp");
  check_values(t, (double[]){0, 0, 1, 1}, 4, 1e-14, "logcumsumexp(-inf, ...) jvp");
}

/* ---- pad edge by hand ---- */
static mx_array *b_pad_edge_1d(mx_array *x) { return mx_pad(x, 1, I64(2), I64(1), MX_PAD_EDGE, 0); }

TEST(pad_edge_sums_border_cotangents) {
  mx_array *x = mx_array_new((double[]){1, 2, 3}, S(3), MX_FLOAT64), *g, *t;
  mx_array *c = mx_array_new((double[]){1, 2, 3, 4, 5, 6}, S(6), MX_FLOAT64);
  vjp_jvp(b_pad_edge_1d, x, c, mx_array_new((double[]){7, 8, 9}, S(3), MX_FLOAT64), &g, &t);
  check_values(g, (double[]){1 + 2 + 3, 4, 5 + 6}, 3, 0, "pad edge vjp");
  check_values(t, (double[]){7, 7, 7, 8, 9, 9}, 6, 0, "pad edge jvp");
}

/* ---- second derivatives ---- */
static void f_sum_of(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  mx_array *y;
  mx_call(ctx, 1, in, 1, &y);
  out[0] = mx_sum(y, MX_ALL_AXES, false);
}
static void f_sum_cumprod(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  out[0] = mx_sum(mx_cumprod(in[0], 0, *(bool *)ctx, true), MX_ALL_AXES, false);
}

TEST(second_derivative_of_cumprod_with_a_zero) {
  /* f = sum_j prod_{k<=j} x_k; d/dx_k sum_i df/dx_i = sum_{i != k} sum_{j >= max(i,k)}
   * prod_{l <= j, l != i, k} x_l (mirrored for the reverse scan) */
  enum { N = 5 };
  double x[N] = {0.7, -1.2, 0, 2, 1.5};
  for (int rev = 0; rev < 2; rev++) {
    double want[N] = {0};
    for (int k = 0; k < N; k++)
      for (int i = 0; i < N; i++)
        for (int j = 0; j < N && i != k; j++) {
          bool in_i = rev ? i >= j : i <= j, in_k = rev ? k >= j : k <= j;
          if (!in_i || !in_k) continue;
          double p = 1;
          for (int l = 0; l < N; l++)
            if (l != i && l != k && (rev ? l >= j : l <= j)) p *= x[l];
          want[k] += p;
        }
    bool r = rev;
    mx_function *f = mx_function_new(f_sum_cumprod, &r, 1, 1), *g1 = mx_grad_fn(f, 0, NULL);
    mx_function *s1 = mx_function_new(f_sum_of, g1, 1, 1), *g2 = mx_grad_fn(s1, 0, NULL);
    mx_array *xa = mx_array_new(x, S(N), MX_FLOAT64), *h;
    CHECK(mx_call(g2, 1, &xa, 1, &h) == MX_OK);
    check_values(h, want, N, 1e-13, rev ? "grad(sum(grad(sum(cumprod reverse))))" : "grad(sum(grad(sum(cumprod))))");
    mx_function_free(g2);
    mx_function_free(s1);
    mx_function_free(g1);
    mx_function_free(f);
  }
}

/* g(x) = <u, grad f(x)> with f = <w, logcumsumexp(x)>; its gradient is H u. */
static const double LW[5] = {0.5, -1, 2, 0.25, 1.5}, LU[5] = {1, -0.5, 0.75, 2, -1.25};
static void f_wlcse(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  mx_array *w = mx_array_new(LW, S(5), MX_FLOAT64);
  out[0] = mx_sum(mx_multiply(w, mx_logcumsumexp(in[0], 0, false, true)), MX_ALL_AXES, false);
}
static void f_u_dot(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  mx_array *gx;
  mx_call(ctx, 1, in, 1, &gx);
  out[0] = mx_sum(mx_multiply(mx_array_new(LU, S(5), MX_FLOAT64), gx), MX_ALL_AXES, false);
}

TEST(second_derivative_of_logcumsumexp) {
  /* y_j = lse(x_0..x_j), p_ji = e^(x_i - y_j): d2y_j/dx_i dx_k = p_ji [i = k] - p_ji p_jk, so
   * (H u)_k = sum_{j >= k} w_j p_jk (u_k - sum_{i <= j} u_i p_ji) */
  double x[5] = {0.3, -1.1, 2.0, 0.4, 1.7}, want[5] = {0};
  for (int j = 0; j < 5; j++) {
    double s = 0, up = 0;
    for (int i = 0; i <= j; i++) s += exp(x[i]);
    for (int i = 0; i <= j; i++) up += LU[i] * exp(x[i]) / s;
    for (int k = 0; k <= j; k++) want[k] += LW[j] * exp(x[k]) / s * (LU[k] - up);
  }
  mx_function *f = mx_function_new(f_wlcse, NULL, 1, 1), *g1 = mx_grad_fn(f, 0, NULL);
  mx_function *s1 = mx_function_new(f_u_dot, g1, 1, 1), *g2 = mx_grad_fn(s1, 0, NULL);
  mx_array *xa = mx_array_new(x, S(5), MX_FLOAT64), *h;
  CHECK(mx_call(g2, 1, &xa, 1, &h) == MX_OK);
  check_values(h, want, 5, 1e-12, "Hessian-vector product of logcumsumexp");
  mx_function_free(g2);
  mx_function_free(s1);
  mx_function_free(g1);
  mx_function_free(f);
}

/* ---- vmap: batch axes anywhere, unbatched inputs, vmap of grad ---- */
static void f_cat_pad(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out; /* [a; b; c] along axis 0, then edge-padded on axis 1 */
  mx_array *cat = mx_concatenate(3, in, 0);
  out[0] = mx_pad(cat, 2, I64(0, 1), I64(1, 2), MX_PAD_EDGE, 0);
}
static void f_sq_cummax(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  mx_array *y = mx_cummax(mx_sin(in[0]), 0, true, true);
  out[0] = mx_sum(mx_multiply(y, mx_cumprod(in[0], 1, false, false)), MX_ALL_AXES, false);
}
static mx_array *rand_array(mx_shape s, uint64_t seed) {
  ref_array *r = ref_new_shape(s, MX_FLOAT64);
  ref_fill(r, DOM_FINITE, seed);
  mx_array *a = ref_to_mx(r);
  ref_free(r);
  return a;
}
static void check_close_arrays(mx_array *got, mx_array *want, const char *label) {
  ref_array *w = ref_from(want);
  if (w) ref_check(got, w, 1, label);
  ref_free(w);
}

TEST(vmap_batch_axes_anywhere) {
  enum { B = 3 };
  /* a batched on its last axis, b unbatched, c batched on axis 0; output batch on axis 1 */
  mx_array *a = rand_array(S(2, 4, B), 1), *b = rand_array(S(1, 4), 2), *c = rand_array(S(B, 3, 4), 3);
  mx_function *f = mx_function_new(f_cat_pad, NULL, 3, 1);
  mx_function *vf = mx_vmap_fn(f, (int[]){-1, MX_UNBATCHED, 0}, (int[]){1});
  mx_array *ins[3] = {a, b, c}, *got, *res[B];
  CHECK(mx_call(vf, 3, ins, 1, &got) == MX_OK);
  for (int k = 0; k < B; k++) {
    mx_array *ex[3] = {mx_squeeze(mx_slice_axis(a, 2, k, k + 1, 1), MX_AXES(2)), b,
                       mx_squeeze(mx_slice_axis(c, 0, k, k + 1, 1), MX_AXES(0))};
    f_cat_pad(NULL, 3, ex, 1, &res[k]);
  }
  check_close_arrays(got, mx_stack(B, res, 1), "vmap(concatenate + pad), in_axes (-1, none, 0)");
  mx_function_free(vf);
  mx_function_free(f);

  /* vmap of grad, batch on axis 2, through cummax, cumprod and their rules */
  mx_function *h = mx_function_new(f_sq_cummax, NULL, 1, 1), *gh = mx_grad_fn(h, 0, NULL);
  mx_function *vg = mx_vmap_fn(gh, (int[]){2}, (int[]){-1});
  mx_array *x = rand_array(S(4, 5, B), 4);
  CHECK(mx_call(vg, 1, &x, 1, &got) == MX_OK);
  for (int k = 0; k < B; k++) {
    mx_array *xk = mx_squeeze(mx_slice_axis(x, 2, k, k + 1, 1), MX_AXES(2));
    mx_call(gh, 1, &xk, 1, &res[k]);
  }
  check_close_arrays(got, mx_stack(B, res, -1), "vmap(grad(cummax * cumprod)), in_axes 2");
  mx_function_free(vg);
  mx_function_free(gh);
  mx_function_free(h);

  /* integer scans batch too (no gradient involved) */
  mx_array *xi = mx_astype(mx_multiply(rand_array(S(4, B), 5), mx_scalar(3)), MX_INT32);
  mx_function *fi = mx_function_new(call_unary, &(unary_build){b_cummax_f}, 1, 1);
  mx_function *vi = mx_vmap_fn(fi, (int[]){1}, (int[]){1});
  CHECK(mx_call(vi, 1, &xi, 1, &got) == MX_OK);
  check_close_arrays(got, mx_cummax(xi, 0, false, true), "vmap(int32 cummax)");
  mx_function_free(vi);
  mx_function_free(fi);
}

/* ---- concatenate of more than 64 inputs (the engines once kept 64 per node) ---- */
static void f_restack(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  mx_array *parts[70];
  mx_unstack(in[0], 0, 70, parts);
  for (int k = 0; k < 70; k++) parts[k] = mx_multiply(parts[k], mx_scalar(k + 1));
  out[0] = mx_stack(70, parts, 0);
}

TEST(concatenate_of_many_inputs) {
  double w[70], want[70];
  for (int k = 0; k < 70; k++) w[k] = 0.5 + k, want[k] = w[k] * (k + 1);
  mx_function *f = mx_function_new(f_restack, NULL, 1, 1);
  mx_array *x = rand_array(S(70), 6), *wa = mx_array_new(w, S(70), MX_FLOAT64), *y, *g, *t;
  CHECK(mx_vjp(f, 1, &x, &wa, 1, &y, &g) == MX_OK);
  check_values(g, want, 70, 0, "vjp of stack(70)");
  CHECK(mx_jvp(f, 1, &x, &wa, 1, &y, &t) == MX_OK);
  check_values(t, want, 70, 0, "jvp of stack(70)");
  mx_function *vf = mx_vmap_fn(f, (int[]){1}, NULL);
  mx_array *xb = rand_array(S(70, 2), 7), *got;
  CHECK(mx_call(vf, 1, &xb, 1, &got) == MX_OK);
  mx_array *scale = mx_reshape(mx_arange(1, 71, 1, MX_FLOAT64), S(70, 1));
  check_close_arrays(got, mx_transpose(mx_multiply(xb, scale), MX_AXES(1, 0)), "vmap of stack(70)");
  mx_function_free(vf);
  mx_function_free(f);
}

/* ---- degenerate lengths: a scanned axis of 1 or 0, an empty concatenation part ---- */
static mx_array *b_degenerate(mx_array *x) {
  mx_array *a = mx_cumprod(x, 1, false, false), *b = mx_cummax(x, 1, true, true);
  mx_array *c = mx_logcumsumexp(x, 0, false, true);
  mx_array *parts[3] = {mx_multiply(a, b), mx_slice_axis(x, 0, 0, 0, 1), c};
  return mx_concatenate(3, parts, 0);
}

TEST(degenerate_lengths) {
  /* x: 2 x 1. cumprod exclusive of one element is the constant 1; cummax of one element is x;
   * logcumsumexp along axis 0 of [p, q]: y = [p, lse(p, q)] */
  double p = 0.3, q = -0.8, s = exp(p) + exp(q);
  mx_array *x = mx_array_new((double[]){p, q}, S(2, 1), MX_FLOAT64), *g, *t;
  mx_array *c = mx_array_new((double[]){1, 2, 3, 4}, S(4, 1), MX_FLOAT64);
  vjp_jvp(b_degenerate, x, c, mx_array_new((double[]){5, 7}, S(2, 1), MX_FLOAT64), &g, &t);
  check_values(g, (double[]){1 + 3 + 4 * exp(p) / s, 2 + 4 * exp(q) / s}, 2, 1e-14, "degenerate vjp");
  check_values(t, (double[]){5, 7, 5, (5 * exp(p) + 7 * exp(q)) / s}, 4, 1e-14, "degenerate jvp");
  /* an empty scanned axis: the gradient is empty too */
  mx_array *e = mx_zeros(S(0, 3), MX_FLOAT64);
  vjp_jvp(b_lcse0, e, mx_zeros(S(0, 3), MX_FLOAT64), e, &g, &t);
  CHECK_OK(g);
  CHECK_OK(t);
  CHECK_INT(mx_array_size(g), 0);
}
