/* test_sweep_conv_grad.c — the op sweep for CONV_GRAD_INPUT (the transposed convolution) and
 * CONV_GRAD_WEIGHT, reached as users reach them: the vjp of mx_conv1d / mx_conv2d with respect
 * to the input or the weight. The reference is the adjoint of the naive float64 convolution, by
 * direct loops: each term x[n, i] * w[co, k] of the forward sum sends cot[n, o, co] * w to dx and
 * x * cot to dw. Every float dtype (the others are rejected); strides larger than the kernel
 * (input positions no output reads: zero gradient), trailing inputs a stride skips, padding,
 * dilation, groups and depthwise, a kernel as large as the padded input, operands that are strided
 * views, zero-size batch and channels, and a size that takes several threads. */
#include "linalg_ref.h"
#include "sweep.h"

typedef struct cg_case {
  int ns;                 /* spatial axes: 1 or 2 */
  int64_t n, h, w, c;     /* x [N, (H,) W, C_in]; h is 1 for 1-D */
  int64_t co, kh, kw;     /* weight [C_out, (KH,) KW, C_in / groups] */
  int stride[2], pad[2], dil[2], groups;
  bool view;              /* operands given as strided views */
  bool weight;            /* CONV_GRAD_WEIGHT (else CONV_GRAD_INPUT) */
  mx_dtype dt;
  /* filled by setup: the operands' float64 values */
  ref_array *x, *wt, *cot;
  int64_t oh, ow;
} cg_case;

static int64_t out_len(int64_t in, int64_t k, int s, int p, int d) {
  return (in + 2 * p - (k - 1) * d - 1) / s + 1;
}

static mx_shape sp_shape(const cg_case *c, int64_t a, int64_t h, int64_t w, int64_t b) {
  return c->ns == 2 ? MX_SHAPE(a, h, w, b) : MX_SHAPE(a, w, b);
}

static void setup(cg_case *c, uint64_t seed) {
  c->oh = c->ns == 2 ? out_len(c->h, c->kh, c->stride[0], c->pad[0], c->dil[0]) : 1;
  c->ow = out_len(c->w, c->kw, c->stride[c->ns - 1], c->pad[c->ns - 1], c->dil[c->ns - 1]);
  c->x = ref_new_shape(sp_shape(c, c->n, c->h, c->w, c->c), c->dt);
  c->wt = ref_new_shape(sp_shape(c, c->co, c->kh, c->kw, c->c / c->groups), c->dt);
  c->cot = ref_new_shape(sp_shape(c, c->n, c->oh, c->ow, c->co), c->dt);
  ref_fill(c->x, DOM_UNIT, seed);
  ref_fill(c->wt, DOM_UNIT, seed + 1);
  ref_fill(c->cot, DOM_UNIT, seed + 2);
}

static void teardown(cg_case *c) {
  ref_free(c->x);
  ref_free(c->wt);
  ref_free(c->cot);
}

/* r as an mx array; a view (every other row of an array twice as long on axis 0) when view. */
static mx_array *operand(const ref_array *r, bool view) {
  if (!view) return ref_to_mx(r);
  ref_array *b = ref_new(r->ndim, r->shape, r->dtype);
  b->shape[0] *= 2;
  b->size *= 2;
  free(b->re);
  b->re = calloc((size_t)(b->size ? b->size : 1), sizeof(double));
  int64_t row = r->shape[0] ? r->size / r->shape[0] : 0;
  for (int64_t i = 0; i < b->size; i++) b->re[i] = 7; /* rows the view skips */
  for (int64_t i = 0; i < r->shape[0]; i++)
    memcpy(b->re + 2 * i * row, r->re + i * row, (size_t)row * sizeof(double));
  mx_array *base = ref_to_mx(b);
  ref_free(b);
  return mx_slice_axis(base, 0, 0, MX_END, 2);
}

/* ---- the op: vjp of the convolution with respect to x (or w), the other operand fixed ---- */

static mx_array *conv(mx_array *x, mx_array *w, const cg_case *c) {
  if (c->ns == 1) return mx_conv1d(x, w, c->stride, c->pad, c->dil, c->groups);
  return mx_conv2d(x, w, c->stride, c->pad, c->dil, c->groups);
}

typedef struct fixed {
  const cg_case *c;
  mx_array *other;
} fixed;

static void f_conv(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  const fixed *f = p;
  (void)n_in;
  (void)n_out;
  out[0] = f->c->weight ? conv(f->other, in[0], f->c) : conv(in[0], f->other, f->c);
}

static mx_array *b_grad(const void *p) {
  const cg_case *c = p;
  mx_array *x = operand(c->x, c->view), *w = operand(c->wt, c->view), *cot = operand(c->cot, c->view);
  fixed f = {c, c->weight ? x : w};
  mx_function *fn = mx_function_new(f_conv, &f, 1, 1), *vfn = mx_vjp_fn(fn);
  mx_array *in[2] = {c->weight ? w : x, cot}, *g;
  mx_call(vfn, 2, in, 1, &g);
  mx_function_free(vfn);
  mx_function_free(fn);
  return g;
}

/* ---- the reference: the forward loops of the naive convolution, run as their adjoint ---- */

static void check_grad(mx_array *got, const void *p, const char *label) {
  const cg_case *c = p;
  const ref_array *x = c->x, *w = c->wt, *cot = c->cot;
  ref_array *want = ref_new(c->weight ? w->ndim : x->ndim, c->weight ? w->shape : x->shape, c->dt);
  double *sumabs = calloc((size_t)(want->size + 1), sizeof(double));
  int64_t H = c->h, W = c->w, C = c->c, CO = c->co, KH = c->kh, KW = c->kw, CG = C / c->groups;
  int ns = c->ns, sh = ns == 2 ? c->stride[0] : 1, sw = c->stride[ns - 1];
  int ph = ns == 2 ? c->pad[0] : 0, pw = c->pad[ns - 1], dh = ns == 2 ? c->dil[0] : 1, dw = c->dil[ns - 1];
  int64_t og = CO / c->groups;
  for (int64_t n = 0; n < c->n; n++)
    for (int64_t oh = 0; oh < c->oh; oh++)
      for (int64_t ow = 0; ow < c->ow; ow++)
        for (int64_t co = 0; co < CO; co++) {
          double cv = cot->re[((n * c->oh + oh) * c->ow + ow) * CO + co];
          for (int64_t kh = 0; kh < KH; kh++)
            for (int64_t kw = 0; kw < KW; kw++) {
              int64_t ih = oh * sh - ph + kh * dh, iw = ow * sw - pw + kw * dw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              for (int64_t ci = 0; ci < CG; ci++) {
                int64_t xi = ((n * H + ih) * W + iw) * C + (co / og) * CG + ci;
                int64_t wi = ((co * KH + kh) * KW + kw) * CG + ci;
                double term = c->weight ? x->re[xi] * cv : cv * w->re[wi];
                int64_t o = c->weight ? wi : xi;
                want->re[o] += term;
                sumabs[o] += fabs(term);
              }
            }
        }
  int64_t K = c->weight ? c->n * c->oh * c->ow : KH * KW * og;
  lt_check(got, want, sumabs, K, label);
  free(sumabs);
  ref_free(want);
}

/* ---- the cases ---- */

typedef struct cfg {
  int ns;
  int64_t n, h, w, c, co, kh, kw;
  int stride[2], pad[2], dil[2], groups;
  bool view;
} cfg;

static const cfg cfgs[] = {
    /* 1-D: plain; stride 3 over kernel 2 (gaps); a stride that skips trailing inputs; padding
     * and dilation; groups; a kernel spanning the whole padded input; 1x1 with stride 2 */
    {1, 2, 1, 11, 6, 4, 1, 3, {1, 1}, {0, 0}, {1, 1}, 1, false},
    {1, 2, 1, 11, 6, 4, 1, 2, {3, 1}, {0, 0}, {1, 1}, 1, false},
    {1, 3, 1, 12, 4, 6, 1, 3, {2, 1}, {2, 0}, {2, 1}, 2, true},
    {1, 2, 1, 10, 6, 6, 1, 3, {1, 1}, {1, 0}, {1, 1}, 3, false},
    {1, 2, 1, 5, 3, 2, 1, 7, {1, 1}, {1, 0}, {1, 1}, 1, false},
    {1, 2, 1, 9, 4, 3, 1, 1, {2, 1}, {0, 0}, {1, 1}, 1, true},
    /* 2-D: asymmetric stride, padding and dilation; depthwise (groups = C_in, two outputs per
     * channel); views; a larger case for several threads */
    {2, 2, 7, 6, 4, 8, 3, 2, {2, 1}, {1, 0}, {1, 2}, 1, false},
    {2, 2, 7, 6, 4, 8, 3, 3, {1, 3}, {1, 2}, {1, 1}, 4, true},
    {2, 1, 8, 8, 4, 6, 2, 2, {3, 3}, {0, 0}, {1, 1}, 2, false},
    {2, 4, 32, 32, 16, 32, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1, false},
    /* zero sizes: batch, output channels, input channels, a zero-length spatial axis padded */
    {2, 0, 5, 5, 3, 4, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1, false},
    {2, 2, 5, 5, 3, 0, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1, false},
    {2, 2, 5, 5, 0, 4, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1, false},
    {2, 2, 0, 5, 2, 4, 1, 3, {1, 1}, {1, 1}, {1, 1}, 1, false},
};

static const mx_dtype float_dts[] = {MX_FLOAT32, MX_FLOAT64, MX_FLOAT16, MX_BFLOAT16};

TEST(sweep_conv_grad) {
  for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++)
    for (int weight = 0; weight < 2; weight++)
      for (size_t d = 0; d < 4; d++) {
        const cfg *f = &cfgs[i];
        cg_case c = {f->ns, f->n, f->h, f->w, f->c, f->co, f->kh, f->kw,
                     {f->stride[0], f->stride[1]}, {f->pad[0], f->pad[1]}, {f->dil[0], f->dil[1]},
                     f->groups, f->view, weight != 0, float_dts[d], NULL, NULL, NULL, 0, 0};
        setup(&c, (uint64_t)(i * 10 + d));
        char label[160];
        snprintf(label, sizeof label, "%s(%s) case %zu: conv%dd stride (%d,%d) pad (%d,%d) dil (%d,%d) groups %d%s",
                 weight ? "conv_grad_weight" : "conv_grad_input", mx_dtype_name(c.dt), i, c.ns,
                 c.stride[0], c.stride[1], c.pad[0], c.pad[1], c.dil[0], c.dil[1], c.groups,
                 c.view ? " views" : "");
        sweep_case_run(&(sweep_case){.label = label, .build = b_grad, .check = check_grad, .ctx = &c, .tol = 4});
        teardown(&c);
      }
}

/* Other dtypes: the convolution rejects them, so no gradient primitive is ever built. */
TEST(conv_grad_rejects_other_dtypes) {
  for (int dt = 0; dt < MX_NUM_DTYPES; dt++) {
    if (mx_dtype_is_float((mx_dtype)dt)) continue;
    for (int weight = 0; weight < 2; weight++) {
      cg_case c = {1, 2, 1, 6, 2, 3, 1, 3, {1, 1}, {0, 0}, {1, 1}, 1, false, weight != 0, (mx_dtype)dt,
                   NULL, NULL, NULL, 0, 0};
      setup(&c, 1);
      mx_array *g = b_grad(&c);
      CHECK(mx_is_error(g) && strstr(mx_array_error(g), "mx_conv1d"));
      mx_clear_error();
      teardown(&c);
    }
  }
}
