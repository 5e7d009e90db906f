/* test_quant.c — affine quantization (mx/quant.h): the packed layout against an independent
 * bit-by-bit packer, quantization against a transcription of MLX's rounding (byte for byte),
 * round-trip error bounds, quantized_matmul against dequantize + a float64 product for every
 * bits x group x transpose and shapes (batch 1, stacked rows), gradients and batching against
 * the float path, and bad arguments. MLX's own output is checked by test_quant_mlx. */
#include <stdlib.h>

#include "harness.h"
#include "quant_ref.h"
#include "ref.h"

static const int BITS[] = {2, 3, 4, 5, 6, 8};
static const int GROUPS[] = {32, 64, 128};

static mx_array *normal(int64_t r, int64_t c, uint64_t seed) {
  return mx_random_normal(mx_random_key(seed), MX_SHAPE(r, c), 0, 1, MX_FLOAT32);
}

TEST(quantize_matches_mlx_rounding_byte_for_byte) {
  for (size_t bi = 0; bi < sizeof BITS / sizeof *BITS; bi++)
    for (size_t gi = 0; gi < sizeof GROUPS / sizeof *GROUPS; gi++) {
      int bits = BITS[bi], gs = GROUPS[gi];
      int64_t rows = 3, cols = 2 * gs;
      mx_array *w = normal(rows, cols, 100 + bits * 7 + gs);
      /* a constant group and an all-zero group exercise the edge cases (q0 == 0, eps) */
      float *host = malloc((size_t)(rows * cols) * sizeof(float));
      memcpy(host, mx_array_data(w), (size_t)(rows * cols) * sizeof(float));
      for (int j = 0; j < gs; j++) {
        host[cols + j] = 0.25f;
        host[2 * cols + gs + j] = 0;
      }
      w = mx_array_new(host, MX_SHAPE(rows, cols), MX_FLOAT32);
      free(host);
      mx_array *wq, *s, *b;
      CHECK(mx_quantize(w, gs, bits, MX_QUANT_AFFINE, &wq, &s, &b) == MX_OK);
      CHECK_OK(wq);
      CHECK(mx_array_dtype(wq) == MX_UINT32);
      CHECK_INT(mx_array_shape(wq)[1], cols * bits / 32);
      CHECK_INT(mx_array_shape(s)[1], cols / gs);
      const float *wd = mx_array_data(w);
      const uint8_t *got = mx_array_data(wq);
      const float *gs_ = mx_array_data(s), *gb = mx_array_data(b);
      uint8_t *q = malloc((size_t)cols), *want = malloc((size_t)(cols * bits / 8));
      int bad = 0;
      for (int64_t r = 0; r < rows; r++) {
        for (int64_t g = 0; g < cols / gs; g++) {
          float sc, bs;
          qref_group(wd + r * cols + g * gs, gs, bits, q + g * gs, &sc, &bs);
          if (sc != gs_[r * (cols / gs) + g] || bs != gb[r * (cols / gs) + g]) bad++;
        }
        qref_pack(q, cols, bits, want);
        if (memcmp(want, got + r * cols * bits / 8, (size_t)(cols * bits / 8)) != 0) bad++;
      }
      if (bad) FAIL("bits %d group %d: %d rows/groups differ from MLX's rounding", bits, gs, bad);
      free(q);
      free(want);
    }
}

TEST(round_trip_error_is_at_most_half_a_step) {
  for (size_t bi = 0; bi < sizeof BITS / sizeof *BITS; bi++) {
    int bits = BITS[bi], gs = 64;
    mx_array *w = normal(4, 256, 7 + bits), *wq, *s, *b;
    mx_quantize(w, gs, bits, MX_QUANT_AFFINE, &wq, &s, &b);
    mx_array *d = mx_dequantize(wq, s, b, gs, bits, MX_QUANT_AFFINE);
    /* in steps of |scale|: rounding gives at most 1/2, except at the end opposite the exactly
     * represented edge, which MLX's rescaling may clip by up to n/(n-1) steps (n = 2^bits - 1);
     * on average a rounding error is 1/4 step */
    mx_array *steps = mx_divide(mx_reshape(mx_abs(mx_subtract(w, d)), MX_SHAPE(4, 4, gs)),
                                mx_expand_dims(mx_abs(s), MX_AXES(-1)));
    double n = (double)((1 << bits) - 1), worst = mx_item_f64(mx_max(steps, MX_ALL_AXES, false));
    double mean = mx_item_f64(mx_mean(steps, MX_ALL_AXES, false));
    if (!(worst <= n / (n - 1) + 1e-4)) FAIL("bits %d: worst error %.4f steps", bits, worst);
    if (!(mean <= 0.3)) FAIL("bits %d: mean error %.4f steps", bits, mean);
  }
  /* float16 and bfloat16 weights: scales and biases in the weights' dtype */
  mx_array *h = mx_astype(normal(2, 64, 3), MX_BFLOAT16), *wq, *s, *b;
  CHECK(mx_quantize(h, 32, 8, MX_QUANT_AFFINE, &wq, &s, &b) == MX_OK);
  CHECK(mx_array_dtype(s) == MX_BFLOAT16 && mx_array_dtype(b) == MX_BFLOAT16);
  mx_array *d = mx_dequantize(wq, s, b, 32, 8, MX_QUANT_AFFINE);
  CHECK(mx_array_dtype(d) == MX_BFLOAT16);
  CHECK(mx_item_f64(mx_max(mx_abs(mx_subtract(mx_astype(d, MX_FLOAT32), mx_astype(h, MX_FLOAT32))),
                           MX_ALL_AXES, false)) < 0.05);
}

/* float64 reference of x @ Wᵀ (transpose) or x @ W, W = dequantize(...) evaluated in float64;
 * *mag gets sum |x| |W| per output, the scale of a float32 product's rounding error. */
static ref_array *ref_product(mx_array *x, mx_array *wd, bool transpose, ref_array **mag) {
  ref_array *rx = ref_from(x), *rw = ref_from(wd);
  int64_t k = rx->shape[rx->ndim - 1], m = rx->size / k;
  int64_t n = transpose ? rw->shape[0] : rw->shape[1];
  int64_t shape[MX_MAX_DIMS];
  for (int i = 0; i < rx->ndim; i++) shape[i] = rx->shape[i];
  shape[rx->ndim - 1] = n;
  ref_array *r = ref_new(rx->ndim, shape, MX_FLOAT32);
  *mag = ref_new(rx->ndim, shape, MX_FLOAT64);
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++) {
      double acc = 0, abs_acc = 0;
      for (int64_t t = 0; t < k; t++) {
        double v = rx->re[i * k + t] * (transpose ? rw->re[j * k + t] : rw->re[t * n + j]);
        acc += v;
        abs_acc += fabs(v);
      }
      r->re[i * n + j] = acc;
      (*mag)->re[i * n + j] = abs_acc;
    }
  ref_free(rx);
  ref_free(rw);
  return r;
}

TEST(quantized_matmul_against_float64) {
  for (size_t bi = 0; bi < sizeof BITS / sizeof *BITS; bi++)
    for (size_t gi = 0; gi < sizeof GROUPS / sizeof *GROUPS; gi++)
      for (int tr = 0; tr < 2; tr++) {
        int bits = BITS[bi], gs = GROUPS[gi];
        int64_t k = 2 * gs, n = tr ? 40 : gs; /* untransposed: N is the quantized axis */
        mx_array *w = tr ? normal(n, k, bits + gs) : normal(k, n, bits + gs), *wq, *s, *b;
        mx_quantize(w, gs, bits, MX_QUANT_AFFINE, &wq, &s, &b);
        mx_array *wd = mx_dequantize(wq, s, b, gs, bits, MX_QUANT_AFFINE);
        /* batch 1 (decode), a stack of rows (prefill), leading batch axes, a transposed view */
        mx_array *xs[4] = {normal(1, k, 1), normal(7, k, 2),
                           mx_reshape(normal(6, k, 3), MX_SHAPE(2, 3, k)),
                           mx_transpose(normal(k, 5, 4), MX_ALL_AXES)};
        for (int c = 0; c < 4; c++) {
          mx_array *y = mx_quantized_matmul(xs[c], wq, s, b, tr, gs, bits, MX_QUANT_AFFINE);
          ref_array *mag, *want = ref_product(xs[c], wd, tr, &mag), *got = ref_from(y);
          int bad = 0;
          for (int64_t i = 0; got && i < want->size; i++)
            bad += !(fabs(got->re[i] - want->re[i]) <= 2e-6 * mag->re[i] + 1e-30);
          if (!got || got->size != want->size || bad)
            FAIL("qmm bits %d group %d transpose %d case %d: %d of %lld outside 2e-6 sum|x||w|",
                 bits, gs, tr, c, bad, (long long)want->size);
          ref_free(want);
          ref_free(mag);
          if (got) ref_free(got);
        }
      }
  /* float16 activations keep their dtype */
  mx_array *w = normal(16, 64, 5), *wq, *s, *b;
  mx_quantize(w, 64, 4, MX_QUANT_AFFINE, &wq, &s, &b);
  mx_array *y = mx_quantized_matmul(mx_astype(normal(2, 64, 6), MX_FLOAT16), wq, s, b, true, 64, 4,
                                    MX_QUANT_AFFINE);
  CHECK(mx_array_dtype(y) == MX_FLOAT16);
  CHECK_OK(y);
}

typedef struct qctx {
  mx_array *wq;
  int bits, gs;
  bool transpose, quantized;
} qctx;

/* (x, scales, biases) -> sum(f(x @ W)) through the packed product or the float path */
static void loss_fn(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in;
  (void)n_out;
  const qctx *q = ctx;
  mx_array *y;
  if (q->quantized) {
    y = mx_quantized_matmul(in[0], q->wq, in[1], in[2], q->transpose, q->gs, q->bits, MX_QUANT_AFFINE);
  } else {
    mx_array *w = mx_dequantize(q->wq, in[1], in[2], q->gs, q->bits, MX_QUANT_AFFINE);
    y = mx_matmul(in[0], q->transpose ? mx_transpose(w, MX_ALL_AXES) : w);
  }
  out[0] = mx_sum(mx_multiply(mx_tanh(y), y), MX_ALL_AXES, false);
}

static double maxdiff(mx_array *a, mx_array *b) {
  return mx_item_f64(mx_max(mx_abs(mx_subtract(a, b)), MX_ALL_AXES, false));
}

TEST(gradients_and_jvp_match_the_float_path) {
  for (int tr = 0; tr < 2; tr++)
    for (int bits = 3; bits <= 4; bits++) {
      int gs = 32;
      int64_t k = 64, n = tr ? 24 : 64;
      mx_array *w = tr ? normal(n, k, 11) : normal(k, n, 11), *wq, *s, *b;
      mx_quantize(w, gs, bits, MX_QUANT_AFFINE, &wq, &s, &b);
      mx_array *x = mx_reshape(normal(6, k, 12), MX_SHAPE(2, 3, k));
      qctx qq = {wq, bits, gs, tr, true}, qf = {wq, bits, gs, tr, false};
      int argnums[3] = {0, 1, 2};
      mx_function *fq = mx_function_new(loss_fn, &qq, 3, 1), *ff = mx_function_new(loss_fn, &qf, 3, 1);
      mx_function *gq = mx_grad_fn(fq, 3, argnums), *gf = mx_grad_fn(ff, 3, argnums);
      mx_array *in[3] = {x, s, b}, *a[3], *e[3];
      CHECK(mx_call(gq, 3, in, 3, a) == MX_OK);
      CHECK(mx_call(gf, 3, in, 3, e) == MX_OK);
      for (int i = 0; i < 3; i++) {
        double d = maxdiff(a[i], e[i]), mag = mx_item_f64(mx_max(mx_abs(e[i]), MX_ALL_AXES, false));
        if (!(d <= 1e-4 * (1 + mag))) FAIL("transpose %d bits %d: gradient %d differs by %g", tr, bits, i, d);
      }
      /* forward mode: tangents on x, scales and biases at once */
      mx_array *t[3] = {normal(6, k, 13), mx_multiply(s, mx_scalar(0.1)), mx_multiply(b, mx_scalar(-0.2))};
      t[0] = mx_reshape(t[0], MX_SHAPE(2, 3, k));
      mx_array *oq, *jq, *of, *jf;
      CHECK(mx_jvp(fq, 3, in, t, 1, &oq, &jq) == MX_OK);
      CHECK(mx_jvp(ff, 3, in, t, 1, &of, &jf) == MX_OK);
      CHECK_CLOSE(mx_item_f64(jq), mx_item_f64(jf), 1e-4, 1e-3);
      mx_function_free(gq);
      mx_function_free(gf);
      mx_function_free(fq);
      mx_function_free(ff);
    }
}

static void qmm_fn(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in;
  (void)n_out;
  const qctx *q = ctx;
  out[0] = mx_quantized_matmul(in[0], q->wq, in[1], in[2], q->transpose, q->gs, q->bits, MX_QUANT_AFFINE);
}

TEST(vmap_over_activations_and_over_weights) {
  mx_array *w = normal(8, 64, 21), *wq, *s, *b;
  mx_quantize(w, 32, 4, MX_QUANT_AFFINE, &wq, &s, &b);
  qctx q = {wq, 4, 32, true, true};
  mx_array *xb = mx_random_normal(mx_random_key(22), MX_SHAPE(3, 64, 5), 0, 1, MX_FLOAT32);
  /* batch on axis 2 of x: example i is x[:, :, i], of shape [3, 64] */
  mx_function *inner = mx_function_new(qmm_fn, &q, 3, 1);
  mx_function *f = mx_vmap_fn(inner, (int[]){2, MX_UNBATCHED, MX_UNBATCHED}, NULL);
  mx_array *y;
  CHECK(mx_call(f, 3, (mx_array *[]){xb, s, b}, 1, &y) == MX_OK);
  for (int i = 0; i < 5; i++) {
    mx_array *xi = mx_squeeze(mx_slice_axis(xb, 2, i, i + 1, 1), MX_AXES(2));
    mx_array *want = mx_quantized_matmul(xi, wq, s, b, true, 32, 4, MX_QUANT_AFFINE);
    CHECK(maxdiff(mx_squeeze(mx_slice_axis(y, 0, i, i + 1, 1), MX_AXES(0)), want) < 1e-5);
  }
  mx_function_free(f);
  /* batched scales (a stack of weight variants sharing codes): example by example */
  mx_array *sb = mx_stack(2, (mx_array *[]){s, mx_multiply(s, mx_scalar(2))}, 0);
  mx_function *g = mx_vmap_fn(inner, (int[]){MX_UNBATCHED, 0, MX_UNBATCHED}, NULL);
  mx_array *x = normal(2, 64, 23), *z;
  CHECK(mx_call(g, 3, (mx_array *[]){x, sb, b}, 1, &z) == MX_OK);
  mx_array *z1 = mx_quantized_matmul(x, wq, mx_multiply(s, mx_scalar(2)), b, true, 32, 4, MX_QUANT_AFFINE);
  CHECK(maxdiff(mx_squeeze(mx_slice_axis(z, 0, 1, 2, 1), MX_AXES(0)), z1) < 1e-5);
  mx_function_free(g);
  mx_function_free(inner);
}

TEST(bad_arguments_give_errors) {
  mx_array *w = normal(4, 64, 1), *wq, *s, *b;
  CHECK(mx_quantize(w, 64, 7, MX_QUANT_AFFINE, &wq, &s, &b) == MX_ERROR);
  CHECK_ERROR(wq, "mx_quantize: bits must be 2, 3, 4, 5, 6 or 8 (got 7)");
  CHECK(mx_quantize(w, 48, 4, MX_QUANT_AFFINE, &wq, &s, &b) == MX_ERROR);
  CHECK_ERROR(s, "mx_quantize: group_size must be 32, 64 or 128 (got 48)");
  CHECK(mx_quantize(w, 128, 4, MX_QUANT_AFFINE, &wq, &s, &b) == MX_ERROR);
  CHECK_ERROR(b, "mx_quantize: w of shape (4,64) must be at least 2-D with a last dimension that is a multiple of group_size 128");
  CHECK(mx_quantize(mx_ones(MX_SHAPE(64), MX_FLOAT32), 64, 4, MX_QUANT_AFFINE, &wq, &s, &b) == MX_ERROR);
  CHECK(mx_quantize(mx_ones(MX_SHAPE(2, 64), MX_INT32), 64, 4, MX_QUANT_AFFINE, &wq, &s, &b) == MX_ERROR);
  CHECK_ERROR(wq, "mx_quantize: w must be floating (got int32)");
  CHECK(mx_quantize(w, 64, 4, (mx_quant_mode)9, &wq, &s, &b) == MX_ERROR);
  CHECK_ERROR(wq, "unknown quantization mode 9");
  CHECK(mx_quantize(w, 64, 4, MX_QUANT_AFFINE, NULL, &s, &b) == MX_ERROR);
  CHECK_ERROR(s, "the three outputs must not be NULL");
  CHECK(mx_quantize(NULL, 64, 4, MX_QUANT_AFFINE, &wq, &s, &b) == MX_ERROR);
  CHECK_ERROR(wq, "mx_quantize: input 0 is NULL");
  CHECK(mx_quantize(w, 32, 4, MX_QUANT_AFFINE, &wq, &s, &b) == MX_OK);
  /* mismatched layouts and operands */
  CHECK_ERROR(mx_dequantize(wq, s, b, 64, 4, MX_QUANT_AFFINE), "mx_dequantize: packed weights (4,8) (4 bits, groups of 64) do not match scales (4,2)");
  CHECK_ERROR(mx_dequantize(wq, s, b, 32, 8, MX_QUANT_AFFINE), "do not match");
  CHECK_ERROR(mx_dequantize(mx_astype(wq, MX_INT32), s, b, 32, 4, MX_QUANT_AFFINE), "packed weights must be uint32 (got int32)");
  CHECK_ERROR(mx_dequantize(wq, s, mx_astype(b, MX_FLOAT16), 32, 4, MX_QUANT_AFFINE), "scales and biases must be floating and of one dtype");
  CHECK_ERROR(mx_quantized_matmul(normal(2, 63, 2), wq, s, b, true, 32, 4, MX_QUANT_AFFINE),
              "mx_quantized_matmul: x of shape (2,63) does not match the transposed weights (4,8): its last dimension must be 64");
  CHECK_ERROR(mx_quantized_matmul(normal(2, 64, 2), wq, s, b, false, 32, 4, MX_QUANT_AFFINE), "its last dimension must be 4");
  CHECK_ERROR(mx_quantized_matmul(mx_ones(MX_SHAPE(2, 64), MX_INT8), wq, s, b, true, 32, 4, MX_QUANT_AFFINE), "x must be floating (got int8)");
  CHECK_ERROR(mx_quantized_matmul(mx_scalar(1), wq, s, b, true, 32, 4, MX_QUANT_AFFINE), "x must be at least 1-D");
  CHECK_ERROR(mx_quantized_matmul(normal(2, 64, 2), mx_reshape(wq, MX_SHAPE(1, 4, 8)), mx_reshape(s, MX_SHAPE(1, 4, 2)),
                                  mx_reshape(b, MX_SHAPE(1, 4, 2)), true, 32, 4, MX_QUANT_AFFINE), "(the weights must be 2-D)");
  CHECK_ERROR(mx_quantized_matmul(NULL, wq, s, b, true, 32, 4, MX_QUANT_AFFINE), "mx_quantized_matmul: input 0 is NULL");
  /* empty operands are fine */
  mx_array *y = mx_quantized_matmul(mx_zeros(MX_SHAPE(0, 64), MX_FLOAT32), wq, s, b, true, 32, 4, MX_QUANT_AFFINE);
  CHECK_OK(y);
  CHECK_INT(mx_array_shape(y)[1], 4);
}
