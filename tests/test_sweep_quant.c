/* test_sweep_quant.c — the op sweep's cases for the quantization primitives (reached through
 * mx_quantize, mx_dequantize and mx_quantized_matmul): every bits x group size, every floating
 * dtype of weights/scales/activations, stacked and single rows, leading batch axes and
 * transposed views, each against an independent reference (tests/lib/quant_ref.h) in float64.
 * Under MX_SWEEP_DEVICE=cuda each also runs on the GPU against the CPU. */
#include <stdlib.h>

#include "quant_ref.h"
#include "sweep.h"

static const int BITS[] = {2, 3, 4, 5, 6, 8};
static const int GROUPS[] = {32, 64, 128};
static const mx_dtype FLOATS[] = {MX_FLOAT32, MX_FLOAT16, MX_BFLOAT16, MX_FLOAT64};

typedef struct qcase {
  int bits, gs;
  mx_dtype dt;
  int64_t rows, cols; /* the packed matrix's logical shape */
  bool transpose, view;
  mx_array *w, *wq, *s, *b, *x;
} qcase;

static mx_array *rnd(mx_shape s, uint64_t seed, mx_dtype dt) {
  return mx_random_normal(mx_random_key(seed), s, 0, 1, dt);
}

/* ---- quantize: the packed words against MLX's rounding and the bit-by-bit packer ---- */

static mx_array *b_quantize(const void *p) {
  const qcase *c = p;
  mx_array *w = c->view ? mx_transpose(c->w, MX_ALL_AXES) : c->w, *wq, *s, *b;
  mx_quantize(w, c->gs, c->bits, MX_QUANT_AFFINE, &wq, &s, &b);
  return wq;
}

static void check_quantize(mx_array *got, const void *p, const char *label) {
  const qcase *c = p;
  mx_array *w = c->view ? mx_transpose(c->w, MX_ALL_AXES) : c->w;
  mx_array *wf = mx_astype(w, MX_FLOAT32);
  const float *wd = mx_array_data(wf);
  const uint8_t *g = mx_array_data(got);
  if (!wd || !g) {
    FAIL("%s: %s", label, mx_last_error());
    return;
  }
  int64_t rows = c->rows, cols = c->cols, rb = cols * c->bits / 8;
  uint8_t *q = malloc((size_t)cols), *want = malloc((size_t)rb);
  int bad = 0;
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t k = 0; k < cols / c->gs; k++) {
      float sc, bs;
      qref_group(wd + r * cols + k * c->gs, c->gs, c->bits, q + k * c->gs, &sc, &bs);
    }
    qref_pack(q, cols, c->bits, want);
    bad += memcmp(want, g + r * rb, (size_t)rb) != 0;
  }
  if (bad) FAIL("%s: %d of %lld packed rows differ", label, bad, (long long)rows);
  free(q);
  free(want);
}

/* ---- dequantize: random words, scales and biases against s * code + b in float64 ---- */

static mx_array *b_dequantize(const void *p) {
  const qcase *c = p;
  return mx_dequantize(c->wq, c->s, c->b, c->gs, c->bits, MX_QUANT_AFFINE);
}

static ref_array *r_dequantize(const void *p) {
  const qcase *c = p;
  ref_array *s = ref_from(c->s), *b = ref_from(c->b);
  const uint8_t *w = mx_array_data(c->wq);
  ref_array *r = ref_new(2, (int64_t[]){c->rows, c->cols}, c->dt);
  int64_t groups = c->cols / c->gs, rb = c->cols * c->bits / 8;
  for (int64_t i = 0; i < c->rows; i++)
    for (int64_t j = 0; j < c->cols; j++) {
      int64_t g = i * groups + j / c->gs;
      ref_set_converted(r, i * c->cols + j, s->re[g] * qref_code(w + i * rb, j, c->bits) + b->re[g]);
    }
  ref_free(s);
  ref_free(b);
  return r;
}

/* ---- quantized_matmul: against the float64 product with W = s * code + b ---- */

static mx_array *x_of(const qcase *c) { return c->view ? mx_swapaxes(c->x, -1, -2) : c->x; }

static mx_array *b_qmm(const void *p) {
  const qcase *c = p;
  return mx_quantized_matmul(x_of(c), c->wq, c->s, c->b, c->transpose, c->gs, c->bits, MX_QUANT_AFFINE);
}

static void check_qmm(mx_array *got, const void *p, const char *label) {
  const qcase *c = p;
  ref_array *x = ref_from(x_of(c)), *s = ref_from(c->s), *b = ref_from(c->b), *y = ref_from(got);
  if (!x || !s || !b || !y) {
    FAIL("%s: %s", label, mx_last_error());
    return;
  }
  const uint8_t *w = mx_array_data(c->wq);
  int64_t k = c->transpose ? c->cols : c->rows, n = c->transpose ? c->rows : c->cols;
  int64_t m = x->size / k, groups = c->cols / c->gs, rb = c->cols * c->bits / 8;
  /* float32 accumulation (and the output dtype's rounding) against sum |x| |w| */
  double rtol = c->dt == MX_FLOAT16 ? 2e-3 : c->dt == MX_BFLOAT16 ? 1.6e-2 : 4e-6;
  int bad = 0;
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++) {
      double acc = 0, mag = 0;
      for (int64_t t = 0; t < k; t++) {
        int64_t r = c->transpose ? j : t, col = c->transpose ? t : j, g = r * groups + col / c->gs;
        double wv = s->re[g] * qref_code(w + r * rb, col, c->bits) + b->re[g];
        acc += x->re[i * k + t] * wv;
        mag += fabs(x->re[i * k + t] * wv);
      }
      double got_v = y->re[i * n + j];
      if (!(fabs(got_v - acc) <= rtol * (mag + fabs(acc)) + 1e-30)) bad++;
    }
  if (bad || y->size != m * n) FAIL("%s: %d of %lld outputs off", label, bad, (long long)(m * n));
  ref_free(x);
  ref_free(s);
  ref_free(b);
  ref_free(y);
}

static void setup_packed(qcase *c, uint64_t seed) {
  int64_t words = c->cols * c->bits / 32;
  c->wq = mx_random_bits(mx_random_key(seed), MX_SHAPE(c->rows, words));
  c->s = mx_multiply(rnd(MX_SHAPE(c->rows, c->cols / c->gs), seed + 1, c->dt), mx_scalar(0.05));
  c->b = mx_multiply(rnd(MX_SHAPE(c->rows, c->cols / c->gs), seed + 2, c->dt), mx_scalar(0.1));
  mx_eval_many(3, (mx_array *[]){c->wq, c->s, c->b});
}

TEST(sweep_quantize) {
  for (size_t bi = 0; bi < 6; bi++)
    for (size_t gi = 0; gi < 3; gi++)
      for (size_t d = 0; d < 4; d++)
        for (int view = 0; view < 2; view++) {
          qcase c = {.bits = BITS[bi], .gs = GROUPS[gi], .dt = FLOATS[d], .rows = 3, .cols = 2 * GROUPS[gi], .view = view != 0};
          mx_shape sh = view ? MX_SHAPE(c.cols, c.rows) : MX_SHAPE(c.rows, c.cols);
          c.w = rnd(sh, 10 + bi * 7 + gi, c.dt);
          mx_eval(c.w);
          char label[96];
          snprintf(label, sizeof label, "quantize(%s) bits %d group %d%s", mx_dtype_name(c.dt), c.bits,
                   c.gs, view ? " of a transposed view" : "");
          sweep_case_run(&(sweep_case){.label = label, .build = b_quantize, .check = check_quantize, .ctx = &c});
        }
}

TEST(sweep_dequantize) {
  for (size_t bi = 0; bi < 6; bi++)
    for (size_t gi = 0; gi < 3; gi++)
      for (size_t d = 0; d < 4; d++) {
        qcase c = {.bits = BITS[bi], .gs = GROUPS[gi], .dt = FLOATS[d], .rows = 5, .cols = 2 * GROUPS[gi]};
        setup_packed(&c, 100 + bi * 11 + gi * 3 + d);
        char label[96];
        snprintf(label, sizeof label, "dequantize(%s) bits %d group %d", mx_dtype_name(c.dt), c.bits, c.gs);
        sweep_case_run(&(sweep_case){.label = label, .build = b_dequantize, .ref = r_dequantize, .ctx = &c});
      }
}

TEST(sweep_quantized_matmul) {
  for (size_t bi = 0; bi < 6; bi++)
    for (size_t gi = 0; gi < 3; gi++)
      for (size_t d = 0; d < 4; d++)
        for (int tr = 0; tr < 2; tr++)
          for (int shape = 0; shape < 3; shape++) {
            int gs = GROUPS[gi];
            /* transposed: W [N, K] with N = 9; else W [K, N] with N two groups */
            qcase c = {.bits = BITS[bi], .gs = gs, .dt = FLOATS[d], .rows = tr ? 9 : 40, .cols = 2 * gs,
                       .transpose = tr != 0, .view = shape == 2};
            int64_t k = tr ? c.cols : c.rows;
            setup_packed(&c, 300 + bi * 13 + gi * 5 + d * 2 + tr);
            /* one row (decode), leading batch axes, a transposed view of stacked rows */
            mx_shape xs = shape == 0 ? MX_SHAPE(1, k) : shape == 1 ? MX_SHAPE(2, 3, k) : MX_SHAPE(k, 4);
            c.x = rnd(xs, 900 + bi + gi + d, c.dt);
            mx_eval(c.x);
            char label[128];
            snprintf(label, sizeof label, "quantized_matmul(%s) bits %d group %d transpose %d shape %d",
                     mx_dtype_name(c.dt), c.bits, gs, tr, shape);
            sweep_case_run(&(sweep_case){.label = label, .build = b_qmm, .check = check_qmm, .ctx = &c});
          }
}
