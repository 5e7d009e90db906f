/* test_grad_nn.c — transformation rules of the nn family (softmax, log_softmax, layer_norm,
 * rms_norm, the activations, logsumexp) and of the random primitives: gradcheck cases, second
 * derivatives against analytic values and finite differences, half-precision gradients, and
 * vmap over keys. */
#include "gradcheck.h"

#define S(...) MX_SHAPE(__VA_ARGS__)
#define EPS 1e-5

static mx_array *b_softmax(mx_array *const *in) { return mx_softmax(in[0], MX_AXES(-1)); }
static mx_array *b_softmax_0(mx_array *const *in) { return mx_softmax(in[0], MX_AXES(0)); }
static mx_array *b_softmax_02(mx_array *const *in) { return mx_softmax(in[0], MX_AXES(0, 2)); }
static mx_array *b_softmax_12(mx_array *const *in) { return mx_softmax(in[0], MX_AXES(1, 2)); }
static mx_array *b_lsm(mx_array *const *in) { return mx_log_softmax(in[0], MX_AXES(-1)); }
static mx_array *b_lsm_0(mx_array *const *in) { return mx_log_softmax(in[0], MX_AXES(0)); }
static mx_array *b_lsm_02(mx_array *const *in) { return mx_log_softmax(in[0], MX_AXES(0, 2)); }
static mx_array *b_lsm_all(mx_array *const *in) { return mx_log_softmax(in[0], MX_ALL_AXES); }
static mx_array *b_ln(mx_array *const *in) { return mx_layer_norm(in[0], NULL, NULL, EPS); }
static mx_array *b_ln_w(mx_array *const *in) { return mx_layer_norm(in[0], in[1], NULL, EPS); }
static mx_array *b_ln_b(mx_array *const *in) { return mx_layer_norm(in[0], NULL, in[1], EPS); }
static mx_array *b_ln_wb(mx_array *const *in) { return mx_layer_norm(in[0], in[1], in[2], EPS); }
/* a large eps makes the eps term matter in the derivative */
static mx_array *b_ln_eps(mx_array *const *in) { return mx_layer_norm(in[0], in[1], in[2], 0.7); }
static mx_array *b_rms(mx_array *const *in) { return mx_rms_norm(in[0], NULL, EPS); }
static mx_array *b_rms_w(mx_array *const *in) { return mx_rms_norm(in[0], in[1], EPS); }
static mx_array *b_rms_eps(mx_array *const *in) { return mx_rms_norm(in[0], in[1], 0.7); }
static mx_array *b_relu(mx_array *const *in) { return mx_relu(in[0]); }
static mx_array *b_gelu(mx_array *const *in) { return mx_gelu(in[0]); }
static mx_array *b_gelu_tanh(mx_array *const *in) { return mx_gelu_tanh(in[0]); }
static mx_array *b_silu(mx_array *const *in) { return mx_silu(in[0]); }
static mx_array *b_lse_0(mx_array *const *in) { return mx_logsumexp(in[0], MX_AXES(0), false); }
static mx_array *b_lse_all(mx_array *const *in) { return mx_logsumexp(in[0], MX_ALL_AXES, true); }
/* permute(key, a): a differentiable, the key a constant uint32 [2] */
static mx_array *b_permute(mx_array *const *in) { return mx_random_permute(in[1], in[0]); }
/* softmax feeding layer_norm feeding log_softmax: rules chained through each other */
static mx_array *b_chain(mx_array *const *in) {
  return mx_log_softmax(mx_layer_norm(mx_softmax(in[0], MX_AXES(0)), in[1], NULL, EPS), MX_AXES(-1));
}

#define X1(nm, shp, fn) {.name = nm, .nin = 1, .shapes = {shp}, .build = fn, .transpose_first = true}

static const grad_case cases[] = {
    X1("softmax(-1)", S(3, 5), b_softmax),
    X1("softmax(0)", S(4, 3), b_softmax_0),
    X1("softmax(0, 2)", S(3, 2, 4), b_softmax_02),
    X1("softmax(1, 2)", S(2, 3, 4), b_softmax_12),
    X1("log_softmax(-1)", S(3, 5), b_lsm),
    X1("log_softmax(0)", S(4, 3), b_lsm_0),
    X1("log_softmax(0, 2)", S(3, 2, 4), b_lsm_02),
    X1("log_softmax(all)", S(3, 4), b_lsm_all),
    X1("layer_norm", S(3, 6), b_ln),
    {.name = "layer_norm(w)", .nin = 2, .shapes = {S(3, 6), S(6)}, .build = b_ln_w, .transpose_first = true},
    {.name = "layer_norm(b)", .nin = 2, .shapes = {S(3, 6), S(6)}, .build = b_ln_b},
    {.name = "layer_norm(w, b)", .nin = 3, .shapes = {S(2, 3, 5), S(5), S(5)}, .build = b_ln_wb, .transpose_first = true},
    {.name = "layer_norm(w, b, eps 0.7)", .nin = 3, .shapes = {S(4, 3), S(3), S(3)}, .dom = {DOM_UNIT}, .build = b_ln_eps},
    {.name = "layer_norm(1-d)", .nin = 3, .shapes = {S(7), S(7), S(7)}, .build = b_ln_wb},
    X1("rms_norm", S(3, 6), b_rms),
    {.name = "rms_norm(w)", .nin = 2, .shapes = {S(2, 3, 5), S(5)}, .build = b_rms_w, .transpose_first = true},
    {.name = "rms_norm(w, eps 0.7)", .nin = 2, .shapes = {S(4, 3), S(3)}, .dom = {DOM_UNIT}, .build = b_rms_eps},
    X1("relu", S(3, 4), b_relu),
    X1("gelu", S(3, 4), b_gelu),
    X1("gelu_tanh", S(3, 4), b_gelu_tanh),
    X1("silu", S(3, 4), b_silu),
    X1("logsumexp(0)", S(4, 3), b_lse_0),
    X1("logsumexp(all, keepdims)", S(3, 4), b_lse_all),
    {.name = "random_permute(key, a)", .nin = 2, .shapes = {S(5, 3), S(2)}, .constant = {false, true},
     .dtypes = {0, MX_UINT32}, .build = b_permute, .transpose_first = true},
    {.name = "softmax -> layer_norm -> log_softmax", .nin = 2, .shapes = {S(3, 4), S(4)}, .build = b_chain},
};

TEST(grad_nn) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) gradcheck_run(&cases[i]);
}

/* ---- helpers ---- */

static mx_array *f64(const double *v, mx_shape s) { return mx_array_new(v, s, MX_FLOAT64); }

/* Values of a as doubles (n of them); false with a test failure when a is an error. */
static bool values(mx_array *a, double *out, size_t n) {
  if (mx_array_copy_to(mx_astype(a, MX_FLOAT64), out, n, MX_FLOAT64) != MX_OK) {
    FAIL("evaluation failed: %s", mx_last_error());
    mx_clear_error();
    return false;
  }
  return true;
}

/* got and want agree elementwise within |got - want| <= atol + rtol |want|. */
static void check_arrays(const char *label, mx_array *got, mx_array *want, double rtol, double atol) {
  int64_t n = mx_array_size(want);
  if (mx_array_size(got) != n) {
    FAIL("%s: %lld elements, want %lld", label, (long long)mx_array_size(got), (long long)n);
    return;
  }
  double *g = malloc((size_t)(n ? n : 1) * sizeof *g), *w = malloc((size_t)(n ? n : 1) * sizeof *w);
  int bad = 0;
  if (values(got, g, (size_t)n) && values(want, w, (size_t)n))
    for (int64_t i = 0; i < n && bad < 3; i++)
      if (!(fabs(g[i] - w[i]) <= atol + rtol * fabs(w[i]))) {
        FAIL("%s[%lld] = %.12g, want %.12g", label, (long long)i, g[i], w[i]);
        bad++;
      }
  free(g);
  free(w);
}

/* Hessian-vector products of f (n inputs, scalar output) at x along v, both ways:
 * forward over reverse (jvp of grad) and reverse over reverse (grad of <grad, v>). */
typedef struct hvp_ctx {
  mx_function *g;
  mx_array **v;
  int n;
} hvp_ctx;

static void f_grad_dot_v(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  hvp_ctx *h = p;
  (void)n_out;
  mx_array *gs[4];
  mx_call(h->g, n_in, in, h->n, gs);
  mx_array *s = mx_scalar_typed(0, MX_FLOAT64);
  for (int k = 0; k < h->n; k++) s = mx_add(s, mx_sum(mx_multiply(gs[k], h->v[k]), MX_ALL_AXES, false));
  out[0] = s;
}

static void hvp_both(mx_function *f, int n, mx_array **x, mx_array **v, mx_array **fwd, mx_array **rev) {
  int argnums[4] = {0, 1, 2, 3};
  mx_function *g = mx_grad_fn(f, n, argnums);
  mx_array *outs[4];
  CHECK(mx_jvp(g, n, x, v, n, outs, fwd) == MX_OK);
  hvp_ctx h = {g, v, n};
  mx_function *gv = mx_function_new(f_grad_dot_v, &h, n, 1);
  mx_function *gg = mx_grad_fn(gv, n, argnums);
  CHECK(mx_call(gg, n, x, n, rev) == MX_OK);
  mx_function_free(gg);
  mx_function_free(gv);
  mx_function_free(g);
}

/* ---- second derivatives of softmax and log_softmax against the analytic Hessian ---- */

#define R 3
#define N 5
static const double XS[R * N] = {0.3, -1.2, 2.0, 0.1, -0.4, 1.5, 1.5, -2.2, 0.0, 0.7, -3.0, 0.2, 0.9, -0.6, 2.4};
static const double WS[R * N] = {1.0, -0.5, 2.0, 0.3, -1.1, 0.4, 0.8, -0.2, 1.7, -0.9, 0.6, 0.0, -1.4, 1.2, 0.5};
static const double VS[R * N] = {0.7, 0.2, -1.0, 0.5, 1.3, -0.3, 0.9, 0.4, -0.8, 0.1, 1.1, -0.7, 0.6, 0.0, -0.2};

static void f_w_softmax(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out; /* sum(w * softmax(x)) */
  out[0] = mx_sum(mx_multiply(ctx, mx_softmax(in[0], MX_AXES(-1))), MX_ALL_AXES, false);
}
static void f_w_log_softmax(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out; /* sum(w * log_softmax(x)) */
  out[0] = mx_sum(mx_multiply(ctx, mx_log_softmax(in[0], MX_AXES(-1))), MX_ALL_AXES, false);
}

static void row_softmax(const double *x, double *s) {
  double m = x[0], z = 0;
  for (int j = 1; j < N; j++) m = x[j] > m ? x[j] : m;
  for (int j = 0; j < N; j++) z += s[j] = exp(x[j] - m);
  for (int j = 0; j < N; j++) s[j] /= z;
}

TEST(softmax_hessian_vector_product) {
  /* f = sum(w s), s = softmax(x), a = sum(w s) per row:
   * (H v)_i = s_i (w_i - a) v_i - s_i (w_i - a) (s . v) - s_i sum_j s_j (w_j - a) v_j */
  double want[R * N];
  for (int r = 0; r < R; r++) {
    const double *x = XS + r * N, *w = WS + r * N, *v = VS + r * N;
    double s[N], a = 0, sv = 0, swv = 0;
    row_softmax(x, s);
    for (int j = 0; j < N; j++) a += w[j] * s[j];
    for (int j = 0; j < N; j++) {
      sv += s[j] * v[j];
      swv += s[j] * (w[j] - a) * v[j];
    }
    for (int i = 0; i < N; i++)
      want[r * N + i] = s[i] * (w[i] - a) * v[i] - s[i] * (w[i] - a) * sv - s[i] * swv;
  }
  mx_function *f = mx_function_new(f_w_softmax, f64(WS, S(R, N)), 1, 1);
  mx_array *x = f64(XS, S(R, N)), *v = f64(VS, S(R, N)), *fwd, *rev;
  hvp_both(f, 1, &x, &v, &fwd, &rev);
  check_arrays("softmax H v (jvp of grad)", fwd, f64(want, S(R, N)), 1e-12, 1e-14);
  check_arrays("softmax H v (grad of grad)", rev, f64(want, S(R, N)), 1e-12, 1e-14);
  mx_function_free(f);
}

TEST(log_softmax_hessian_vector_product) {
  /* f = sum(w log_softmax(x)): grad = w - s W (W = sum of w over the row), so
   * H v = -W (s * v - s (s . v)) */
  double want[R * N];
  for (int r = 0; r < R; r++) {
    const double *x = XS + r * N, *w = WS + r * N, *v = VS + r * N;
    double s[N], W = 0, sv = 0;
    row_softmax(x, s);
    for (int j = 0; j < N; j++) {
      W += w[j];
      sv += s[j] * v[j];
    }
    for (int i = 0; i < N; i++) want[r * N + i] = -W * (s[i] * v[i] - s[i] * sv);
  }
  mx_function *f = mx_function_new(f_w_log_softmax, f64(WS, S(R, N)), 1, 1);
  mx_array *x = f64(XS, S(R, N)), *v = f64(VS, S(R, N)), *fwd, *rev;
  hvp_both(f, 1, &x, &v, &fwd, &rev);
  check_arrays("log_softmax H v (jvp of grad)", fwd, f64(want, S(R, N)), 1e-12, 1e-14);
  check_arrays("log_softmax H v (grad of grad)", rev, f64(want, S(R, N)), 1e-12, 1e-14);
  mx_function_free(f);
}

/* ---- second derivatives of the norms against finite differences of the gradient ---- */

typedef struct norm_fn {
  bool rms;
  mx_array *u; /* the fixed weights of the scalar loss sum(u * norm(x, w, b)) */
} norm_fn;

static void f_norm_loss(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  norm_fn *c = p;
  (void)n_in; (void)n_out;
  mx_array *y = c->rms ? mx_rms_norm(in[0], in[1], 0.1) : mx_layer_norm(in[0], in[1], in[2], 0.1);
  out[0] = mx_sum(mx_multiply(c->u, mx_square(y)), MX_ALL_AXES, false); /* square: curvature in y too */
}

/* H v at (x, w, b) along (vx, vw, vb) by both second-order routes, against
 * (grad(p + h v) - grad(p - h v)) / 2h in float64. */
static void check_norm_hvp(bool rms) {
  const int n = rms ? 2 : 3;
  norm_fn c = {rms, f64(WS, S(R, N))};
  mx_function *f = mx_function_new(f_norm_loss, &c, n, 1);
  const double wv[N] = {1.2, -0.7, 0.4, 2.0, 0.9}, bv[N] = {0.1, -0.3, 0.5, 0.0, 0.2};
  const double dw[N] = {0.3, 0.6, -0.5, 0.2, -0.1}, db[N] = {-0.4, 0.2, 0.7, 0.1, 0.3};
  mx_array *p[3] = {f64(XS, S(R, N)), f64(wv, S(N)), f64(bv, S(N))};
  mx_array *v[3] = {f64(VS, S(R, N)), f64(dw, S(N)), f64(db, S(N))};
  mx_array *fwd[3], *rev[3];
  hvp_both(f, n, p, v, fwd, rev);
  int argnums[3] = {0, 1, 2};
  mx_function *g = mx_grad_fn(f, n, argnums);
  const double h = 1e-5;
  mx_array *gp[3], *gm[3], *pp[3], *pm[3];
  for (int k = 0; k < n; k++) {
    pp[k] = mx_add(p[k], mx_multiply(v[k], mx_scalar_typed(h, MX_FLOAT64)));
    pm[k] = mx_subtract(p[k], mx_multiply(v[k], mx_scalar_typed(h, MX_FLOAT64)));
  }
  CHECK(mx_call(g, n, pp, n, gp) == MX_OK);
  CHECK(mx_call(g, n, pm, n, gm) == MX_OK);
  const char *names[3] = {"x", "weight", "bias"};
  for (int k = 0; k < n; k++) {
    mx_array *fd = mx_divide(mx_subtract(gp[k], gm[k]), mx_scalar_typed(2 * h, MX_FLOAT64));
    char label[96];
    snprintf(label, sizeof label, "%s H v, %s part (jvp of grad vs FD)", rms ? "rms_norm" : "layer_norm", names[k]);
    check_arrays(label, fwd[k], fd, 1e-6, 1e-7);
    snprintf(label, sizeof label, "%s H v, %s part (grad of grad vs FD)", rms ? "rms_norm" : "layer_norm", names[k]);
    check_arrays(label, rev[k], fd, 1e-6, 1e-7);
  }
  mx_function_free(g);
  mx_function_free(f);
}

TEST(layer_norm_second_derivative) { check_norm_hvp(false); }
TEST(rms_norm_second_derivative) { check_norm_hvp(true); }

/* ---- float16 / bfloat16: gradients in the input's dtype, close to the float64 ones ---- */

typedef struct half_ctx {
  int op; /* 0 softmax, 1 log_softmax, 2 layer_norm(w, b), 3 rms_norm(w) */
  mx_array *u;
} half_ctx;

static void f_half(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  half_ctx *c = p;
  (void)n_in; (void)n_out;
  mx_array *y;
  switch (c->op) {
    case 0: y = mx_softmax(in[0], MX_AXES(-1)); break;
    case 1: y = mx_log_softmax(in[0], MX_AXES(-1)); break;
    case 2: y = mx_layer_norm(in[0], in[1], in[2], EPS); break;
    default: y = mx_rms_norm(in[0], in[1], EPS); break;
  }
  mx_array *u = mx_astype(c->u, mx_array_dtype(y));
  out[0] = mx_astype(mx_sum(mx_astype(mx_multiply(u, y), MX_FLOAT32), MX_ALL_AXES, false), mx_array_dtype(y));
}

TEST(half_precision_gradients) {
  const double wv[N] = {1.2, -0.7, 0.4, 2.0, 0.9}, bv[N] = {0.1, -0.3, 0.5, 0.0, 0.2};
  const mx_dtype dts[2] = {MX_FLOAT16, MX_BFLOAT16};
  const int nin[4] = {1, 1, 3, 2};
  for (int op = 0; op < 4; op++) {
    half_ctx c = {op, f64(WS, S(R, N))};
    mx_function *f = mx_function_new(f_half, &c, nin[op], 1);
    int argnums[3] = {0, 1, 2};
    mx_function *g = mx_grad_fn(f, nin[op], argnums);
    mx_array *p64[3] = {f64(XS, S(R, N)), f64(wv, S(N)), f64(bv, S(N))}, *want[3];
    CHECK(mx_call(g, nin[op], p64, nin[op], want) == MX_OK);
    for (int d = 0; d < 2; d++) {
      mx_array *ph[3], *got[3];
      for (int k = 0; k < nin[op]; k++) ph[k] = mx_astype(p64[k], dts[d]);
      if (!CHECK(mx_call(g, nin[op], ph, nin[op], got) == MX_OK)) continue;
      for (int k = 0; k < nin[op]; k++) {
        char label[64];
        snprintf(label, sizeof label, "op %d, %s, grad %d", op, mx_dtype_name(dts[d]), k);
        CHECK_INT(mx_array_dtype(got[k]), dts[d]);
        /* inputs rounded to half, then one rounding of the result: a few half ulps */
        double tol = dts[d] == MX_FLOAT16 ? 2e-2 : 1e-1;
        check_arrays(label, got[k], want[k], tol, tol / 4);
      }
    }
    mx_function_free(g);
    mx_function_free(f);
  }
}

/* Empty rows and an empty batch differentiate to empty gradients, without errors. */
TEST(empty_gradients) {
  for (int op = 0; op < 4; op++) {
    half_ctx c = {op, mx_zeros(S(0, 4), MX_FLOAT64)};
    const int nin[4] = {1, 1, 3, 2};
    mx_function *f = mx_function_new(f_half, &c, nin[op], 1);
    int argnums[3] = {0, 1, 2};
    mx_function *g = mx_grad_fn(f, nin[op], argnums);
    mx_array *p[3] = {mx_zeros(S(0, 4), MX_FLOAT64), mx_ones(S(4), MX_FLOAT64), mx_ones(S(4), MX_FLOAT64)}, *got[3];
    CHECK(mx_call(g, nin[op], p, nin[op], got) == MX_OK);
    CHECK_INT(mx_array_size(got[0]), 0);
    for (int k = 1; k < nin[op]; k++) CHECK_CLOSE(mx_item_f64(mx_sum(got[k], MX_ALL_AXES, false)), 0, 0, 0);
    mx_function_free(g);
    mx_function_free(f);
  }
}

/* ---- vmap: batches of parameters, the batch on the reduced axis, vmap of grad ---- */

static void f_ln_xw(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_layer_norm(in[0], in[1], in[2], EPS);
}
static void f_rms_xw(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_rms_norm(in[0], in[1], EPS);
}

/* vmap(f, in_axes) on in against stacking f over the examples. */
static void check_vmap_loop(const char *label, mx_fn fn, int n, mx_array **in, const int *axes,
                            double tol) {
  mx_function *f = mx_function_new(fn, NULL, n, 1), *vf = mx_vmap_fn(f, axes, NULL);
  mx_array *got;
  if (!CHECK(mx_call(vf, n, in, 1, &got) == MX_OK)) goto done;
  int64_t B = -1;
  for (int k = 0; k < n; k++)
    if (axes[k] != MX_UNBATCHED) B = mx_array_shape(in[k])[axes[k] < 0 ? axes[k] + mx_array_ndim(in[k]) : axes[k]];
  mx_array *res[8];
  for (int64_t b = 0; b < B; b++) {
    mx_array *ex[4];
    for (int k = 0; k < n; k++)
      ex[k] = axes[k] == MX_UNBATCHED ? in[k] : mx_take(in[k], mx_scalar_int(b), axes[k]);
    mx_call(f, n, ex, 1, &res[b]);
  }
  check_arrays(label, got, mx_stack((int)B, res, 0), tol, tol);
done:
  mx_function_free(vf);
  mx_function_free(f);
}

static mx_array *randn(uint64_t seed, mx_shape s, mx_dtype dt) {
  return mx_random_normal(mx_random_key(seed), s, 0, 1, dt);
}

TEST(vmap_norm_batched_parameters) {
  const mx_dtype dts[3] = {MX_FLOAT32, MX_FLOAT64, MX_BFLOAT16};
  for (int d = 0; d < 3; d++) {
    mx_dtype dt = dts[d];
    double tol = dt == MX_BFLOAT16 ? 1e-2 : dt == MX_FLOAT32 ? 1e-6 : 1e-13;
    mx_array *x = randn(1, S(2, 3, 5), dt), *xb = randn(2, S(2, 4, 3, 5), dt);
    mx_array *w = randn(3, S(5), dt), *wb = randn(4, S(5, 4), dt), *b = randn(5, S(5), dt);
    mx_array *bb = randn(6, S(4, 5), dt);
    /* x shared, weight batched on its last axis; bias shared */
    check_vmap_loop("layer_norm, batched weight only", f_ln_xw, 3, (mx_array *[]){x, wb, b},
                    (int[]){MX_UNBATCHED, 1, MX_UNBATCHED}, tol);
    /* x batched on axis 1, weight on axis 1, bias on axis 0 */
    check_vmap_loop("layer_norm, all batched", f_ln_xw, 3, (mx_array *[]){xb, wb, bb}, (int[]){1, 1, 0}, tol);
    /* x batched on its last axis (the reduced one moves), parameters shared */
    mx_array *xl = randn(7, S(2, 5, 4), dt);
    check_vmap_loop("layer_norm, batch on the last axis", f_ln_xw, 3, (mx_array *[]){xl, w, b},
                    (int[]){-1, MX_UNBATCHED, MX_UNBATCHED}, tol);
    check_vmap_loop("rms_norm, batched weight only", f_rms_xw, 2, (mx_array *[]){x, wb},
                    (int[]){MX_UNBATCHED, 1}, tol);
    check_vmap_loop("rms_norm, x and weight batched", f_rms_xw, 2, (mx_array *[]){xb, wb}, (int[]){1, 1}, tol);
  }
}

static void f_softmax_last(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_softmax(in[0], MX_AXES(-1));
}
static void f_lsm_first(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_log_softmax(in[0], MX_AXES(0));
}

TEST(vmap_softmax_batch_axes) {
  mx_array *x = randn(11, S(3, 4, 5), MX_FLOAT32);
  for (int ax = 0; ax < 3; ax++) {
    char label[64];
    snprintf(label, sizeof label, "softmax(-1), batch axis %d", ax);
    check_vmap_loop(label, f_softmax_last, 1, &x, (int[]){ax}, 1e-6);
    snprintf(label, sizeof label, "log_softmax(0), batch axis %d", ax);
    check_vmap_loop(label, f_lsm_first, 1, &x, (int[]){ax}, 1e-6);
  }
}

/* vmap of grad: per-example gradients of a layer_norm loss, against a loop. */
static void f_ln_loss(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out; /* mean(log_softmax(layer_norm(x, w, b)) * t) */
  mx_array *y = mx_log_softmax(mx_layer_norm(in[0], in[1], in[2], EPS), MX_AXES(-1));
  out[0] = mx_mean(mx_multiply(y, in[3]), MX_ALL_AXES, false);
}
static mx_function *g_ln_loss;
static void f_ln_loss_grads(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_out;
  mx_array *g[3];
  mx_call(g_ln_loss, n_in, in, 3, g); /* x, w, b gradients, concatenated flat for one output */
  out[0] = mx_concatenate(3, (mx_array *[]){mx_reshape(g[0], S(-1)), g[1], g[2]}, 0);
}

TEST(vmap_of_grad_layer_norm) {
  mx_function *f = mx_function_new(f_ln_loss, NULL, 4, 1);
  g_ln_loss = mx_grad_fn(f, 3, (int[]){0, 1, 2});
  mx_array *x = randn(21, S(3, 2, 5), MX_FLOAT64), *w = randn(22, S(5), MX_FLOAT64);
  mx_array *b = randn(23, S(5, 3), MX_FLOAT64), *t = randn(24, S(2, 5), MX_FLOAT64);
  /* x batched on axis 0, bias on axis 1, w and t shared */
  check_vmap_loop("vmap of grad(layer_norm loss)", f_ln_loss_grads, 4, (mx_array *[]){x, w, b, t},
                  (int[]){0, MX_UNBATCHED, 1, MX_UNBATCHED}, 1e-12);
  mx_function_free(g_ln_loss);
  mx_function_free(f);
}

/* ---- random: vmap over a batch of keys draws per key ---- */

static void f_bits(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_random_bits(in[0], S(3, 5));
}
static void f_normal(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_random_normal(in[0], S(7), 0, 1, MX_FLOAT64);
}
static void f_perm(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_random_permutation(in[0], 9);
}
static void f_permute(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_random_permute(in[0], in[1]);
}
static void f_split(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_random_split(in[0], 3);
}

/* vmap(fn) over keys equals fn per key, exactly. */
static void check_keys(const char *label, mx_fn fn, int n, mx_array **in, const int *axes) {
  mx_function *f = mx_function_new(fn, NULL, n, 1), *vf = mx_vmap_fn(f, axes, NULL);
  mx_array *got;
  if (CHECK(mx_call(vf, n, in, 1, &got) == MX_OK)) {
    int64_t B = mx_array_shape(in[0])[axes[0]];
    mx_array *res[8];
    for (int64_t b = 0; b < B; b++) {
      mx_array *ex[2];
      for (int k = 0; k < n; k++)
        ex[k] = axes[k] == MX_UNBATCHED ? in[k] : mx_take(in[k], mx_scalar_int(b), axes[k]);
      mx_call(f, n, ex, 1, &res[b]);
    }
    mx_array *want = mx_stack((int)B, res, 0);
    bool same = mx_array_ndim(got) == mx_array_ndim(want) && mx_item_bool(mx_array_equal(got, want, false));
    if (!same) FAIL("%s: vmap over keys differs from drawing per key", label);
    if (B > 1 && mx_item_bool(mx_array_equal(res[0], res[1], false)))
      FAIL("%s: two keys drew the same values", label);
  }
  mx_function_free(vf);
  mx_function_free(f);
}

TEST(vmap_random_over_keys) {
  mx_array *keys = mx_random_split(mx_random_key(42), 4); /* [4, 2] */
  check_keys("random_bits, keys on axis 0", f_bits, 1, &keys, (int[]){0});
  mx_array *keys_t = mx_transpose(keys, MX_ALL_AXES); /* [2, 4]: strided keys */
  check_keys("random_bits, keys on axis 1", f_bits, 1, &keys_t, (int[]){1});
  check_keys("random_normal (float64)", f_normal, 1, &keys, (int[]){0});
  check_keys("random_split", f_split, 1, &keys, (int[]){0});
  check_keys("random_permutation", f_perm, 1, &keys, (int[]){0});
  mx_array *a = mx_reshape(mx_arange(0, 4 * 6 * 2, 1, MX_FLOAT32), S(4, 6, 2));
  check_keys("random_permute, keys and arrays batched", f_permute, 2, (mx_array *[]){keys, a}, (int[]){0, 0});
  check_keys("random_permute, keys batched, array shared", f_permute, 2,
             (mx_array *[]){keys, mx_take(a, mx_scalar_int(0), 0)}, (int[]){0, MX_UNBATCHED});
  /* one key, a batch of arrays (batch on axis 1): the same permutation for every example */
  mx_function *f = mx_function_new(f_permute, NULL, 2, 1);
  mx_function *vf = mx_vmap_fn(f, (int[]){MX_UNBATCHED, 1}, NULL);
  mx_array *key = mx_random_key(7), *got;
  if (CHECK(mx_call(vf, 2, (mx_array *[]){key, a}, 1, &got) == MX_OK)) {
    mx_array *want = mx_moveaxis(mx_random_permute(key, a), 1, 0); /* rows of every example */
    CHECK(mx_item_bool(mx_array_equal(got, want, false)));
  }
  mx_function_free(vf);
  mx_function_free(f);
}

/* An empty batch of keys draws nothing. */
TEST(vmap_random_empty_batch) {
  mx_function *f = mx_function_new(f_bits, NULL, 1, 1), *vf = mx_vmap_fn(f, NULL, NULL);
  mx_array *keys = mx_zeros(S(0, 2), MX_UINT32), *got;
  if (CHECK(mx_call(vf, 1, &keys, 1, &got) == MX_OK)) {
    CHECK_INT(mx_array_ndim(got), 3);
    CHECK_INT(mx_array_shape(got)[0], 0);
    CHECK_INT(mx_array_dtype(got), MX_UINT32);
  }
  mx_function_free(vf);
  mx_function_free(f);
}
