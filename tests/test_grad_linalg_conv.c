/* test_grad_linalg_conv.c — gradient, forward-mode and batching checks (tests/lib/gradcheck.h)
 * of matmul and the products built on it, and of convolution over stride/padding (asymmetric
 * too)/dilation/groups, including its gradient primitives themselves (so grad of grad is
 * checked); second derivatives of matmul chains against analytic Hessians; a small conv net;
 * the conv gradient kernels at sizes that take several chunks and threads, and in float32,
 * float16 and bfloat16 against float64. */
#include "core/registry.h"
#include "gradcheck.h"

#define S(...) MX_SHAPE(__VA_ARGS__)

static mx_array *rnd(mx_shape s, uint64_t seed) {
  ref_array *r = ref_new_shape(s, MX_FLOAT64);
  ref_fill(r, DOM_FINITE, seed);
  mx_array *a = ref_to_mx(r);
  ref_free(r);
  return a;
}

static double dot(mx_array *a, mx_array *b) {
  return mx_item_f64(mx_sum(mx_multiply(mx_astype(a, MX_FLOAT64), mx_astype(b, MX_FLOAT64)), MX_ALL_AXES, false));
}

/* ---- matmul and friends ---- */
static mx_array *b_matmul(mx_array *const *in) { return mx_matmul(in[0], in[1]); }
static mx_array *b_addmm(mx_array *const *in) { return mx_addmm(in[0], in[1], in[2], 0.5, -2); }
static mx_array *b_tensordot(mx_array *const *in) { return mx_tensordot(in[0], in[1], 2); }
static mx_array *b_tensordot_axes(mx_array *const *in) {
  return mx_tensordot_axes(in[0], in[1], 2, (int[]){0, 2}, (int[]){1, 0});
}
static mx_array *b_inner(mx_array *const *in) { return mx_inner(in[0], in[1]); }
static mx_array *b_outer(mx_array *const *in) { return mx_outer(in[0], in[1]); }
static mx_array *b_trace(mx_array *const *in) { return mx_trace(in[0], 1, 0, 1); }
#define EINSUM(NAME, SUB, N) \
  static mx_array *NAME(mx_array *const *in) { return mx_einsum(SUB, N, in); }
EINSUM(b_es_mm, "ij,jk->ik", 2)
EINSUM(b_es_bmm, "bij,bjk->bik", 2)
EINSUM(b_es_trace, "ii->", 1)
EINSUM(b_es_diag, "ii->i", 1)
EINSUM(b_es_chain, "ij,jk,kl->il", 3)
EINSUM(b_es_outer_batch, "bi,bj->bij", 2)
EINSUM(b_es_ellipsis, "...ij,...j->...i", 2)
EINSUM(b_es_dot, "i,i", 2)

static const grad_case linalg_cases[] = {
    {.name = "matmul 2-D", .nin = 2, .shapes = {S(3, 4), S(4, 5)}, .build = b_matmul, .transpose_first = true},
    {.name = "matmul batched, broadcast", .nin = 2, .shapes = {S(2, 1, 3, 4), S(3, 4, 2)}, .build = b_matmul},
    {.name = "matmul stack @ matrix", .nin = 2, .shapes = {S(2, 3, 4), S(4, 5)}, .build = b_matmul, .transpose_first = true},
    {.name = "matmul matrix @ stack", .nin = 2, .shapes = {S(3, 4), S(2, 4, 5)}, .build = b_matmul},
    {.name = "matmul 1-D @ 2-D", .nin = 2, .shapes = {S(4), S(4, 5)}, .build = b_matmul},
    {.name = "matmul 2-D @ 1-D", .nin = 2, .shapes = {S(3, 4), S(4)}, .build = b_matmul, .transpose_first = true},
    {.name = "matmul 1-D @ 1-D", .nin = 2, .shapes = {S(4), S(4)}, .build = b_matmul},
    {.name = "matmul 1-D @ batched", .nin = 2, .shapes = {S(4), S(2, 4, 3)}, .build = b_matmul},
    {.name = "addmm", .nin = 3, .shapes = {S(5), S(3, 4), S(4, 5)}, .build = b_addmm},
    {.name = "tensordot 2", .nin = 2, .shapes = {S(2, 3, 4), S(3, 4, 5)}, .build = b_tensordot},
    {.name = "tensordot axes", .nin = 2, .shapes = {S(3, 2, 4), S(4, 3, 5)}, .build = b_tensordot_axes},
    {.name = "inner", .nin = 2, .shapes = {S(2, 4), S(3, 4)}, .build = b_inner},
    {.name = "outer", .nin = 2, .shapes = {S(3), S(4)}, .build = b_outer},
    {.name = "trace offset 1", .nin = 1, .shapes = {S(4, 5)}, .build = b_trace, .transpose_first = true},
    {.name = "einsum ij,jk->ik", .nin = 2, .shapes = {S(3, 4), S(4, 2)}, .build = b_es_mm},
    {.name = "einsum bij,bjk->bik", .nin = 2, .shapes = {S(2, 3, 4), S(2, 4, 2)}, .build = b_es_bmm},
    {.name = "einsum ii-> (trace)", .nin = 1, .shapes = {S(4, 4)}, .build = b_es_trace},
    {.name = "einsum ii->i", .nin = 1, .shapes = {S(3, 3)}, .build = b_es_diag},
    {.name = "einsum ij,jk,kl->il", .nin = 3, .shapes = {S(2, 3), S(3, 4), S(4, 2)}, .build = b_es_chain},
    {.name = "einsum bi,bj->bij", .nin = 2, .shapes = {S(2, 3), S(2, 4)}, .build = b_es_outer_batch},
    {.name = "einsum ...ij,...j->...i", .nin = 2, .shapes = {S(2, 3, 4), S(4)}, .build = b_es_ellipsis},
    {.name = "einsum i,i", .nin = 2, .shapes = {S(5), S(5)}, .build = b_es_dot},
};

TEST(grad_linalg) {
  for (size_t i = 0; i < sizeof linalg_cases / sizeof linalg_cases[0]; i++) gradcheck_run(&linalg_cases[i]);
}

/* ---- convolution ---- */
/* A CONV family primitive with explicit (possibly asymmetric) padding, as the rules build them. */
typedef struct cv {
  int ns, s[2], lo[2], hi[2], d[2], g;
} cv;

static mx_params params_of(const cv *c) {
  mx_params p;
  memset(&p, 0, sizeof p);
  p.conv.nspatial = c->ns;
  p.conv.groups = c->g;
  for (int i = 0; i < c->ns; i++) {
    p.conv.stride[i] = c->s[i] ? c->s[i] : 1;
    p.conv.pad_lo[i] = c->lo[i];
    p.conv.pad_hi[i] = c->hi[i];
    p.conv.dilation[i] = c->d[i] ? c->d[i] : 1;
  }
  return p;
}
static mx_array *raw_conv(const cv *c, mx_array *x, mx_array *w) {
  mx_params p = params_of(c);
  return mxi_apply(MX_PRIM_CONV, 2, (mx_array *[]){x, w}, &p);
}
static mx_array *raw_grad_input(const cv *c, mx_array *cot, mx_array *w, const int64_t *size) {
  mx_params p = params_of(c);
  for (int i = 0; i < c->ns; i++) p.conv_grad.size[i] = size[i];
  return mxi_apply(MX_PRIM_CONV_GRAD_INPUT, 2, (mx_array *[]){cot, w}, &p);
}
static mx_array *raw_grad_weight(const cv *c, mx_array *x, mx_array *cot, const int64_t *size) {
  mx_params p = params_of(c);
  for (int i = 0; i < c->ns; i++) p.conv_grad.size[i] = size[i];
  return mxi_apply(MX_PRIM_CONV_GRAD_WEIGHT, 2, (mx_array *[]){x, cot}, &p);
}

#define C1(NAME, S_, P_, D_, G_) \
  static mx_array *NAME(mx_array *const *in) { return mx_conv1d(in[0], in[1], (int[]){S_}, (int[]){P_}, (int[]){D_}, G_); }
#define C2(NAME, SH, SW, PH, PW, DH, DW, G_)                                               \
  static mx_array *NAME(mx_array *const *in) {                                              \
    return mx_conv2d(in[0], in[1], (int[]){SH, SW}, (int[]){PH, PW}, (int[]){DH, DW}, G_); \
  }
#define CRAW(NAME, ...)                                  \
  static mx_array *NAME(mx_array *const *in) {           \
    static const cv c = __VA_ARGS__;                     \
    return raw_conv(&c, in[0], in[1]);                   \
  }
C1(c1_basic, 1, 0, 1, 1)
C1(c1_stride_pad, 2, 1, 1, 1)
C1(c1_dilation, 1, 2, 2, 1)
C1(c1_groups, 1, 1, 1, 2)
C1(c1_depthwise, 1, 1, 1, 3)
C1(c1_all, 2, 1, 2, 2)
C1(c1_tail, 3, 0, 1, 1) /* the last inputs are never read: their gradient is zero */
C1(c1_pointwise, 1, 0, 1, 1)
CRAW(c1_asym, {.ns = 1, .s = {2}, .lo = {2}, .hi = {0}, .g = 1})
C2(c2_basic, 1, 1, 0, 0, 1, 1, 1)
C2(c2_stride_pad, 2, 1, 1, 2, 1, 1, 1)
C2(c2_dilation, 1, 1, 2, 1, 2, 1, 1)
C2(c2_groups, 1, 1, 1, 1, 1, 1, 2)
C2(c2_depthwise, 1, 1, 1, 1, 1, 1, 3)
C2(c2_depthwise_m2, 2, 2, 1, 1, 1, 1, 3)
C2(c2_pointwise, 1, 1, 0, 0, 1, 1, 1)
C2(c2_pointwise_s2, 2, 2, 0, 0, 1, 1, 2)
C2(c2_all, 2, 3, 1, 2, 2, 1, 2)
CRAW(c2_asym, {.ns = 2, .s = {2, 2}, .lo = {0, 2}, .hi = {1, 0}, .d = {1, 2}, .g = 2})

/* The gradient primitives as ops of their own: their rules must be right for grad of grad. */
static const cv gp2 = {.ns = 2, .s = {2, 1}, .lo = {1, 0}, .hi = {0, 2}, .d = {1, 2}, .g = 2};
static mx_array *b_gi2(mx_array *const *in) { return raw_grad_input(&gp2, in[0], in[1], (int64_t[]){5, 4}); }
static mx_array *b_gw2(mx_array *const *in) { return raw_grad_weight(&gp2, in[0], in[1], (int64_t[]){3, 2}); }
static const cv gp1 = {.ns = 1, .s = {2}, .lo = {1}, .hi = {1}, .g = 3};
static mx_array *b_gi1_dw(mx_array *const *in) { return raw_grad_input(&gp1, in[0], in[1], (int64_t[]){7}); }
static mx_array *b_gw1_dw(mx_array *const *in) { return raw_grad_weight(&gp1, in[0], in[1], (int64_t[]){3}); }

/* grad of sum(conv(x, w)^2) with respect to x: differentiating it runs the gradient
 * primitives' own rules (second order through conv). */
static void f_conv_sq(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_sum(mx_square(mx_conv2d(in[0], in[1], (int[]){2, 1}, (int[]){1, 1}, (int[]){1, 2}, 2)), MX_ALL_AXES, false);
}
static mx_array *grad_conv_sq(mx_array *const *in, int argnum) {
  mx_function *f = mx_function_new(f_conv_sq, NULL, 2, 1), *g = mx_grad_fn(f, 1, &argnum);
  mx_array *r;
  mx_call(g, 2, (mx_array **)in, 1, &r);
  mx_function_free(g);
  mx_function_free(f);
  return r;
}
static mx_array *b_ggx(mx_array *const *in) { return grad_conv_sq(in, 0); }
static mx_array *b_ggw(mx_array *const *in) { return grad_conv_sq(in, 1); }

static const grad_case conv_cases[] = {
    {.name = "conv1d", .nin = 2, .shapes = {S(2, 7, 3), S(4, 3, 3)}, .build = c1_basic},
    {.name = "conv1d stride 2 pad 1", .nin = 2, .shapes = {S(2, 7, 3), S(4, 3, 3)}, .build = c1_stride_pad},
    {.name = "conv1d dilation 2 pad 1", .nin = 2, .shapes = {S(2, 7, 3), S(4, 3, 3)}, .build = c1_dilation},
    {.name = "conv1d groups 2", .nin = 2, .shapes = {S(2, 7, 4), S(6, 3, 2)}, .build = c1_groups},
    {.name = "conv1d depthwise x2", .nin = 2, .shapes = {S(2, 7, 3), S(6, 3, 1)}, .build = c1_depthwise},
    {.name = "conv1d stride/pad/dilation/groups", .nin = 2, .shapes = {S(2, 9, 4), S(4, 3, 2)}, .build = c1_all},
    {.name = "conv1d unread tail", .nin = 2, .shapes = {S(1, 8, 2), S(3, 3, 2)}, .build = c1_tail},
    {.name = "conv1d 1x1", .nin = 2, .shapes = {S(2, 5, 4), S(3, 1, 4)}, .build = c1_pointwise, .transpose_first = true},
    {.name = "conv1d asymmetric pad 2/0 stride 2", .nin = 2, .shapes = {S(2, 7, 2), S(3, 3, 2)}, .build = c1_asym},
    {.name = "conv2d", .nin = 2, .shapes = {S(2, 5, 6, 3), S(4, 3, 2, 3)}, .build = c2_basic},
    {.name = "conv2d stride (2,1) pad (1,2)", .nin = 2, .shapes = {S(2, 5, 4, 3), S(4, 3, 3, 3)}, .build = c2_stride_pad},
    {.name = "conv2d dilation (2,1) pad (2,1)", .nin = 2, .shapes = {S(1, 5, 5, 2), S(3, 3, 3, 2)}, .build = c2_dilation},
    {.name = "conv2d groups 2", .nin = 2, .shapes = {S(2, 5, 5, 4), S(6, 3, 2, 2)}, .build = c2_groups},
    {.name = "conv2d depthwise", .nin = 2, .shapes = {S(2, 5, 5, 3), S(3, 3, 3, 1)}, .build = c2_depthwise},
    {.name = "conv2d depthwise x2 stride 2", .nin = 2, .shapes = {S(2, 6, 5, 3), S(6, 3, 3, 1)}, .build = c2_depthwise_m2},
    {.name = "conv2d 1x1", .nin = 2, .shapes = {S(2, 4, 5, 4), S(6, 1, 1, 4)}, .build = c2_pointwise},
    {.name = "conv2d 1x1 stride 2 groups 2", .nin = 2, .shapes = {S(2, 5, 5, 4), S(6, 1, 1, 2)}, .build = c2_pointwise_s2},
    {.name = "conv2d stride/pad/dilation/groups", .nin = 2, .shapes = {S(2, 6, 7, 4), S(4, 3, 2, 2)}, .build = c2_all},
    {.name = "conv2d asymmetric pads", .nin = 2, .shapes = {S(2, 6, 5, 4), S(4, 2, 2, 2)}, .build = c2_asym},
    /* x [2, 5, 4, 4] -> cot [2, 2, 4, 6] with w [6, 3, 2, 2] */
    {.name = "conv_grad_input", .nin = 2, .shapes = {S(2, 2, 4, 6), S(6, 3, 2, 2)}, .build = b_gi2},
    {.name = "conv_grad_weight", .nin = 2, .shapes = {S(2, 5, 4, 4), S(2, 2, 4, 6)}, .build = b_gw2},
    /* x [2, 7, 3] -> cot [2, 4, 6] with w [6, 3, 1] */
    {.name = "conv_grad_input depthwise", .nin = 2, .shapes = {S(2, 4, 6), S(6, 3, 1)}, .build = b_gi1_dw},
    {.name = "conv_grad_weight depthwise", .nin = 2, .shapes = {S(2, 7, 3), S(2, 4, 6)}, .build = b_gw1_dw},
    {.name = "grad_x sum(conv^2)", .nin = 2, .shapes = {S(2, 5, 4, 4), S(6, 3, 2, 2)}, .build = b_ggx},
    {.name = "grad_w sum(conv^2)", .nin = 2, .shapes = {S(2, 5, 4, 4), S(6, 3, 2, 2)}, .build = b_ggw},
};

TEST(grad_conv) {
  for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++) gradcheck_run(&conv_cases[i]);
}

/* ---- second derivatives of matmul chains against analytic Hessians ---- */
typedef struct chain_ctx {
  mx_array *a, *b, *v;
  mx_function *inner;
} chain_ctx;

/* f(x) = sum((A x)^2): gradient 2 AᵀA x, Hessian 2 AᵀA. */
static void f_ax_sq(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  chain_ctx *c = p;
  out[0] = mx_sum(mx_square(mx_matmul(c->a, in[0])), MX_ALL_AXES, false);
}
/* f(X) = sum((A X B)^2) with A a stack that broadcasts: Hessian-vector product
 * sum_b 2 A_bᵀ A_b V B Bᵀ. */
static void f_axb_sq(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  chain_ctx *c = p;
  out[0] = mx_sum(mx_square(mx_matmul(mx_matmul(c->a, in[0]), c->b)), MX_ALL_AXES, false);
}
/* <inner(x), v>: its gradient is the Hessian-vector product when inner is a gradient. */
static void f_dir(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  chain_ctx *c = p;
  mx_array *g;
  mx_call(c->inner, 1, in, 1, &g);
  out[0] = mx_sum(mx_multiply(g, c->v), MX_ALL_AXES, false);
}
/* Forward over reverse: (x, v) -> jvp of inner at x along v. */
static void f_fwd_over_rev(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  chain_ctx *c = p;
  mx_array *y;
  mx_jvp(c->inner, 1, &in[0], &in[1], 1, &y, out);
}

static void check_close_arrays(mx_array *got, mx_array *want, double tol, const char *what) {
  ref_array *w = ref_from(want);
  if (!w) return;
  ref_check(got, w, tol / 1e-12, what); /* float64 default tolerance is about 1e-12 */
  ref_free(w);
}

TEST(hessian_vector_products_of_matmul_chains) {
  chain_ctx c = {.a = rnd(S(3, 4), 1), .v = rnd(S(4), 2)};
  mx_function *f = mx_function_new(f_ax_sq, &c, 1, 1), *gf = mx_grad_fn(f, 0, NULL);
  c.inner = gf;
  mx_function *dir = mx_function_new(f_dir, &c, 1, 1), *hvp = mx_grad_fn(dir, 0, NULL);
  mx_array *x = rnd(S(4), 3), *got, *ata2 = mx_multiply(mx_scalar(2), mx_matmul(mx_transpose(c.a, MX_ALL_AXES), c.a));
  CHECK(mx_call(gf, 1, &x, 1, &got) == MX_OK);
  check_close_arrays(got, mx_matmul(ata2, x), 1e-10, "grad sum((Ax)^2) = 2 AᵀA x");
  CHECK(mx_call(hvp, 1, &x, 1, &got) == MX_OK);
  check_close_arrays(got, mx_matmul(ata2, c.v), 1e-10, "reverse over reverse Hv");
  /* forward over reverse, and the whole Hessian as vmap of it over the identity's rows */
  mx_function *fr = mx_function_new(f_fwd_over_rev, &c, 2, 1);
  CHECK(mx_call(fr, 2, (mx_array *[]){x, c.v}, 1, &got) == MX_OK);
  check_close_arrays(got, mx_matmul(ata2, c.v), 1e-10, "forward over reverse Hv");
  mx_function *hess = mx_vmap_fn(fr, (int[]){MX_UNBATCHED, 0}, NULL);
  CHECK(mx_call(hess, 2, (mx_array *[]){x, mx_eye(4, 4, 0, MX_FLOAT64)}, 1, &got) == MX_OK);
  check_close_arrays(got, ata2, 1e-10, "vmap(forward over reverse) = Hessian 2 AᵀA");
  mx_function_free(hess);
  mx_function_free(fr);
  mx_function_free(hvp);
  mx_function_free(dir);
  mx_function_free(gf);
  mx_function_free(f);

  chain_ctx m = {.a = rnd(S(2, 3, 4), 4), .b = rnd(S(2, 5), 5), .v = rnd(S(4, 2), 6)};
  f = mx_function_new(f_axb_sq, &m, 1, 1);
  gf = mx_grad_fn(f, 0, NULL);
  m.inner = gf;
  dir = mx_function_new(f_dir, &m, 1, 1);
  hvp = mx_grad_fn(dir, 0, NULL);
  x = rnd(S(4, 2), 7);
  mx_array *at = mx_swapaxes(m.a, -1, -2), *bbt = mx_matmul(m.b, mx_transpose(m.b, MX_ALL_AXES));
  mx_array *want_g = mx_sum(mx_matmul(mx_matmul(at, mx_matmul(mx_matmul(m.a, x), m.b)), mx_transpose(m.b, MX_ALL_AXES)), MX_AXES(0), false);
  CHECK(mx_call(gf, 1, &x, 1, &got) == MX_OK);
  check_close_arrays(got, mx_multiply(mx_scalar(2), want_g), 1e-10, "grad sum((AXB)^2), A broadcast");
  mx_array *want_h = mx_sum(mx_matmul(mx_matmul(at, mx_matmul(m.a, m.v)), bbt), MX_AXES(0), false);
  CHECK(mx_call(hvp, 1, &x, 1, &got) == MX_OK);
  check_close_arrays(got, mx_multiply(mx_scalar(2), want_h), 1e-10, "Hv of sum((AXB)^2)");
  mx_function_free(hvp);
  mx_function_free(dir);
  mx_function_free(gf);
  mx_function_free(f);
}

/* ---- a small conv net against finite differences (and vmap with batched weights) ---- */
static mx_array *b_convnet(mx_array *const *in) {
  mx_array *h = mx_tanh(mx_conv2d(in[0], in[1], NULL, (int[]){1, 1}, NULL, 1));          /* [2,6,6,3] */
  h = mx_tanh(mx_conv2d(h, in[2], (int[]){2, 2}, (int[]){1, 1}, NULL, 1));                /* [2,3,3,4] */
  mx_array *logits = mx_matmul(mx_reshape(h, S(2, 36)), in[3]);                           /* [2,3] */
  return mx_mean(mx_subtract(mx_logsumexp(logits, MX_AXES(-1), false),
                             mx_slice_axis(logits, 1, 0, 1, 1)), MX_ALL_AXES, false);
}

TEST(conv_net_gradient) {
  grad_case c = {.name = "conv net", .nin = 4,
                 .shapes = {S(2, 6, 6, 2), S(3, 3, 3, 2), S(4, 3, 3, 3), S(36, 3)},
                 .dom = {DOM_UNIT, DOM_UNIT, DOM_UNIT, DOM_UNIT},
                 .build = b_convnet};
  gradcheck_run(&c);
}

/* ---- the gradient kernels at scale: several chunks, threads, every path ---- */
typedef struct big_case {
  const char *name;
  cv c;
  mx_shape x, w;
} big_case;

static const big_case big_cases[] = {
    {"general, several chunks", {.ns = 2, .lo = {1, 1}, .hi = {1, 1}, .g = 1}, S(6, 32, 32, 24), S(16, 3, 3, 24)},
    {"strided, asymmetric, dilated, groups 4", {.ns = 2, .s = {2, 3}, .lo = {1, 0}, .hi = {2, 1}, .d = {2, 1}, .g = 4},
     S(3, 17, 19, 8), S(12, 3, 2, 2)},
    {"depthwise x2", {.ns = 2, .lo = {1, 1}, .hi = {1, 1}, .g = 16}, S(4, 24, 24, 16), S(32, 3, 3, 1)},
    {"depthwise stride 2", {.ns = 2, .s = {2, 2}, .lo = {1, 1}, .hi = {0, 0}, .g = 8}, S(2, 15, 16, 8), S(8, 3, 3, 1)},
    {"1x1", {.ns = 2, .g = 1}, S(4, 16, 16, 32), S(24, 1, 1, 32)},
    {"conv1d groups 2", {.ns = 1, .s = {2}, .lo = {2}, .hi = {2}, .g = 2}, S(8, 300, 16), S(16, 5, 8)},
};

static int64_t out_len(int64_t in, int64_t k, int s, int lo, int hi, int d) {
  return (in + lo + hi - (k - 1) * d - 1) / s + 1;
}

/* <c, conv(x, w)> = <grad_input(c, w), x> = <grad_weight(x, c), w> in float64, with a tolerance
 * from the sum of the terms' magnitudes: a wrong or missing element of either gradient shows. */
TEST(conv_gradient_kernels_adjoint_at_scale) {
  for (size_t i = 0; i < sizeof big_cases / sizeof big_cases[0]; i++) {
    mx_scope sc = mx_scope_begin();
    const big_case *b = &big_cases[i];
    const cv *c = &b->c;
    mx_shape cs = b->x;
    cs.dims[c->ns + 1] = b->w.dims[0];
    for (int k = 0; k < c->ns; k++)
      cs.dims[1 + k] = out_len(b->x.dims[1 + k], b->w.dims[1 + k], c->s[k] ? c->s[k] : 1, c->lo[k],
                               c->hi[k], c->d[k] ? c->d[k] : 1);
    mx_array *x = rnd(b->x, 11 + i), *w = rnd(b->w, 12 + i), *ct = rnd(cs, 13 + i);
    mx_array *y = raw_conv(c, x, w);
    double lhs = dot(ct, y);
    double mag = dot(mx_abs(ct), raw_conv(c, mx_abs(x), mx_abs(w)));
    double via_x = dot(raw_grad_input(c, ct, w, b->x.dims + 1), x);
    double via_w = dot(raw_grad_weight(c, x, ct, b->w.dims + 1), w);
    if (!(fabs(via_x - lhs) <= 1e-13 * mag)) FAIL("%s: <grad_input, x> = %.17g, <c, conv> = %.17g", b->name, via_x, lhs);
    if (!(fabs(via_w - lhs) <= 1e-13 * mag)) FAIL("%s: <grad_weight, w> = %.17g, <c, conv> = %.17g", b->name, via_w, lhs);
    mx_scope_end(sc);
  }
}

/* float32, float16 and bfloat16 gradients against float64 ones of the same (rounded) values:
 * the reduced-precision kernels compute in float32 and round once. The cotangent comes in as a
 * transposed view, so the dense-copy path is exercised too. */
static void f_conv_cv(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  out[0] = raw_conv(p, in[0], in[1]);
}

TEST(conv_gradients_in_reduced_precision) {
  const mx_dtype dts[3] = {MX_FLOAT32, MX_FLOAT16, MX_BFLOAT16};
  const double tol[3] = {1e-5, 4e-3, 3e-2};
  for (size_t i = 0; i < sizeof big_cases / sizeof big_cases[0]; i++)
    for (int d = 0; d < 3; d++) {
      mx_scope sc = mx_scope_begin();
      const big_case *b = &big_cases[i];
      cv c = b->c;
      mx_function *f = mx_function_new(f_conv_cv, &c, 2, 1);
      mx_array *in[2] = {mx_astype(rnd(b->x, 21 + i), dts[d]), mx_astype(rnd(b->w, 22 + i), dts[d])};
      mx_array *y, *got[2], *want[2], *in64[2] = {mx_astype(in[0], MX_FLOAT64), mx_astype(in[1], MX_FLOAT64)};
      mx_call(f, 2, in, 1, &y);
      mx_array *ct = mx_astype(rnd(mx_array_shape_of(y), 23 + i), dts[d]);
      ct = mx_swapaxes(mx_contiguous(mx_swapaxes(ct, 0, 1)), 0, 1);
      CHECK(mx_vjp(f, 2, in, &ct, 1, &y, got) == MX_OK);
      CHECK(mx_vjp(f, 2, in64, (mx_array *[]){mx_astype(ct, MX_FLOAT64)}, 1, &y, want) == MX_OK);
      for (int k = 0; k < 2; k++) {
        CHECK_INT(mx_array_dtype(got[k]), dts[d]);
        double scale = mx_item_f64(mx_max(mx_abs(want[k]), MX_ALL_AXES, false));
        double err = mx_item_f64(mx_max(mx_abs(mx_subtract(mx_astype(got[k], MX_FLOAT64), want[k])), MX_ALL_AXES, false));
        if (!(err <= tol[d] * scale))
          FAIL("%s %s: d/d%s max error %.3g of max %.3g", b->name, mx_dtype_name(dts[d]), k ? "w" : "x", err, scale);
      }
      mx_function_free(f);
      mx_scope_end(sc);
    }
}

/* vmap of per-example gradients (batched input and cotangent, shared weight) against a loop:
 * the batch folds into N for conv_grad_input and into the groups of conv_grad_weight. */
static void f_grads(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  mx_function *f = mx_function_new(f_conv_cv, p, 2, 1);
  mx_array *y;
  mx_vjp(f, 2, (mx_array *[]){in[0], in[1]}, &in[2], 1, &y, out);
  mx_function_free(f);
}

TEST(per_example_conv_gradients) {
  cv c = {.ns = 2, .s = {2, 1}, .lo = {1, 1}, .hi = {1, 0}, .g = 2};
  mx_array *x = rnd(S(3, 2, 7, 6, 4), 31), *w = rnd(S(6, 3, 3, 2), 32), *ct = rnd(S(3, 2, 4, 5, 6), 33);
  mx_function *f = mx_function_new(f_grads, &c, 3, 2), *vf = mx_vmap_fn(f, (int[]){0, MX_UNBATCHED, 0}, NULL);
  mx_array *got[2], *res[2][3];
  CHECK(mx_call(vf, 3, (mx_array *[]){x, w, ct}, 2, got) == MX_OK);
  for (int b = 0; b < 3; b++) {
    mx_array *xb = mx_squeeze(mx_slice_axis(x, 0, b, b + 1, 1), MX_AXES(0));
    mx_array *cb = mx_squeeze(mx_slice_axis(ct, 0, b, b + 1, 1), MX_AXES(0)), *r[2];
    mx_call(f, 3, (mx_array *[]){xb, w, cb}, 2, r);
    res[0][b] = r[0];
    res[1][b] = r[1];
  }
  check_close_arrays(got[0], mx_stack(3, res[0], 0), 1e-10, "vmap(input gradient) vs loop");
  check_close_arrays(got[1], mx_stack(3, res[1], 0), 1e-10, "vmap(weight gradient) vs loop");
  mx_function_free(vf);
  mx_function_free(f);
}

/* Empty batches and empty channel counts: gradients of the right shape, zeros where a weight's
 * sum runs over no terms. */
static void f_conv_sum(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)p; (void)n_in; (void)n_out;
  out[0] = mx_sum(mx_conv2d(in[0], in[1], (int[]){2, 1}, (int[]){1, 0}, NULL, 1), MX_ALL_AXES, false);
}

TEST(conv_gradients_of_empty_shapes) {
  mx_function *f = mx_function_new(f_conv_sum, NULL, 2, 1), *g = mx_grad_fn(f, 2, (int[]){0, 1});
  const mx_shape xs[2] = {S(0, 5, 4, 3), S(2, 5, 4, 3)}, ws[2] = {S(4, 3, 2, 3), S(0, 3, 2, 3)};
  for (int i = 0; i < 2; i++) {
    mx_array *in[2] = {rnd(xs[i], 41), rnd(ws[i], 42)}, *gr[2];
    if (!CHECK(mx_call(g, 2, in, 2, gr) == MX_OK)) continue;
    for (int k = 0; k < 2; k++) {
      CHECK_INT(mx_array_ndim(gr[k]), 4);
      for (int d = 0; d < 4; d++) CHECK_INT(mx_array_shape(gr[k])[d], mx_array_shape(in[k])[d]);
      if (mx_array_size(gr[k]) > 0) CHECK_CLOSE(mx_item_f64(mx_max(mx_abs(gr[k]), MX_ALL_AXES, false)), 0, 0, 0);
    }
  }
  mx_function_free(g);
  mx_function_free(f);
}
