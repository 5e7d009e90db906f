/* test_losses.c — every loss against a float64 reference written out here, for several target
 * dtypes (a narrow unsigned dtype must not turn the default ignore_index into class 0). */
#include "harness.h"

enum { N = 6, C = 4 };
static const double L[N][C] = {{1, 2, 0.5, -1}, {0.1, -0.3, 2.2, 0}, {3, 1, -2, 0.5},
                               {-1, -1, -1, -1}, {0.3, 0.2, 0.1, 0}, {5, -5, 0, 1}};
static const int Y[N] = {0, 2, 1, 3, 0, 2};

static double logp(int i, int j) {
  double m = -1e300, z = 0;
  for (int k = 0; k < C; k++) m = fmax(m, L[i][k]);
  for (int k = 0; k < C; k++) z += exp(L[i][k] - m);
  return L[i][j] - m - log(z);
}

static mx_array *logits(void) { return mx_array_new(&L[0][0], MX_SHAPE(N, C), MX_FLOAT64); }
static mx_array *labels(mx_dtype dt) {
  int64_t y[N];
  for (int i = 0; i < N; i++) y[i] = Y[i];
  return mx_astype(mx_array_new(y, MX_SHAPE(N), MX_INT64), dt);
}

TEST(cross_entropy_integer_targets_all_dtypes) {
  double want = 0;
  for (int i = 0; i < N; i++) want -= logp(i, Y[i]);
  want /= N;
  mx_dtype dts[] = {MX_UINT8, MX_INT8, MX_INT16, MX_UINT16, MX_INT32, MX_UINT32, MX_INT64, MX_UINT64};
  for (size_t k = 0; k < sizeof dts / sizeof dts[0]; k++)
    CHECK_CLOSE(mx_item_f64(mx_cross_entropy(logits(), labels(dts[k]), 0, -100, MX_REDUCE_MEAN)), want, 1e-12, 0);
  CHECK_CLOSE(mx_item_f64(mx_cross_entropy(logits(), labels(MX_INT32), 0, -100, MX_REDUCE_SUM)), want * N, 1e-12, 0);
  mx_array *none = mx_cross_entropy(logits(), labels(MX_INT32), 0, -100, MX_REDUCE_NONE);
  for (int i = 0; i < N; i++) CHECK_CLOSE(mx_array_get_f64(none, (int64_t[]){i}), -logp(i, Y[i]), 1e-12, 0);
  /* nll_loss on log-probabilities gives the same */
  CHECK_CLOSE(mx_item_f64(mx_nll_loss(mx_log_softmax(logits(), MX_AXES(-1)), labels(MX_UINT8), -100, MX_REDUCE_MEAN)), want, 1e-12, 0);
}

TEST(cross_entropy_ignore_index_and_smoothing) {
  /* ignore class 2: the mean is over the four other rows */
  double want = 0;
  int kept = 0;
  for (int i = 0; i < N; i++)
    if (Y[i] != 2) {
      want -= logp(i, Y[i]);
      kept++;
    }
  CHECK_CLOSE(mx_item_f64(mx_cross_entropy(logits(), labels(MX_INT32), 0, 2, MX_REDUCE_MEAN)), want / kept, 1e-12, 0);
  double eps = 0.1, sm = 0;
  for (int i = 0; i < N; i++) {
    double mean_logp = 0;
    for (int j = 0; j < C; j++) mean_logp += logp(i, j) / C;
    sm += (1 - eps) * -logp(i, Y[i]) + eps * -mean_logp;
  }
  CHECK_CLOSE(mx_item_f64(mx_cross_entropy(logits(), labels(MX_INT32), eps, -100, MX_REDUCE_MEAN)), sm / N, 1e-12, 0);
  /* probability targets (one-hot with smoothing) give the same as smoothed class targets */
  double onehot[N][C] = {{0}};
  for (int i = 0; i < N; i++) onehot[i][Y[i]] = 1;
  mx_array *p = mx_array_new(&onehot[0][0], MX_SHAPE(N, C), MX_FLOAT64);
  CHECK_CLOSE(mx_item_f64(mx_cross_entropy(logits(), p, eps, -100, MX_REDUCE_MEAN)), sm / N, 1e-12, 0);
  CHECK_ERROR(mx_cross_entropy(logits(), mx_ones(MX_SHAPE(N, 3), MX_FLOAT64), 0, -100, MX_REDUCE_MEAN), "must match");
  CHECK_ERROR(mx_cross_entropy(logits(), mx_ones(MX_SHAPE(5), MX_INT32), 0, -100, MX_REDUCE_MEAN), "do not match");
  CHECK_ERROR(mx_cross_entropy(logits(), labels(MX_INT32), 1.5, -100, MX_REDUCE_MEAN), "label_smoothing");
}

TEST(regression_and_binary_losses) {
  double p[5] = {0.5, -1, 2, 0.1, 3}, t[5] = {0, -1.5, 2.5, 0.1, 1};
  mx_array *P = mx_array_new(p, MX_SHAPE(5), MX_FLOAT64), *T = mx_array_new(t, MX_SHAPE(5), MX_FLOAT64);
  double mse = 0, l1 = 0, sl1 = 0;
  for (int i = 0; i < 5; i++) {
    double d = fabs(p[i] - t[i]);
    mse += d * d / 5;
    l1 += d / 5;
    sl1 += (d < 1 ? 0.5 * d * d : d - 0.5) / 5;
  }
  CHECK_CLOSE(mx_item_f64(mx_mse_loss(P, T, MX_REDUCE_MEAN)), mse, 1e-14, 0);
  CHECK_CLOSE(mx_item_f64(mx_l1_loss(P, T, MX_REDUCE_MEAN)), l1, 1e-14, 0);
  CHECK_CLOSE(mx_item_f64(mx_smooth_l1_loss(P, T, 1.0, MX_REDUCE_MEAN)), sl1, 1e-14, 0);
  double x[4] = {-30, -0.5, 0.5, 40}, y[4] = {0, 1, 0.3, 1}, probs[4], bce = 0, bcel = 0;
  for (int i = 0; i < 4; i++) {
    probs[i] = 1 / (1 + exp(-x[i]));
    double lp = fmax(log(probs[i]), -100), l1p = fmax(log1p(-probs[i]), -100);
    bce -= (y[i] * lp + (1 - y[i]) * l1p) / 4;
    bcel += (fmax(x[i], 0) - x[i] * y[i] + log1p(exp(-fabs(x[i])))) / 4;
  }
  mx_array *X = mx_array_new(x, MX_SHAPE(4), MX_FLOAT64), *Y4 = mx_array_new(y, MX_SHAPE(4), MX_FLOAT64);
  CHECK_CLOSE(mx_item_f64(mx_binary_cross_entropy(mx_array_new(probs, MX_SHAPE(4), MX_FLOAT64), Y4, MX_REDUCE_MEAN)), bce, 1e-12, 0);
  CHECK_CLOSE(mx_item_f64(mx_binary_cross_entropy_with_logits(X, Y4, MX_REDUCE_MEAN)), bcel, 1e-12, 0);
  double li[3] = {log(0.2), log(0.5), log(0.3)}, tg[3] = {0.0, 0.6, 0.4}, kl = 0;
  for (int i = 0; i < 3; i++) kl += tg[i] > 0 ? tg[i] * (log(tg[i]) - li[i]) / 3 : 0;
  CHECK_CLOSE(mx_item_f64(mx_kl_div_loss(mx_array_new(li, MX_SHAPE(3), MX_FLOAT64),
                                         mx_array_new(tg, MX_SHAPE(3), MX_FLOAT64), MX_REDUCE_MEAN)), kl, 1e-14, 0);
}

/* A shape mismatch names the loss, not the subtraction inside it. */
TEST(mismatched_shapes_name_the_loss) {
  mx_array *p = mx_zeros(MX_SHAPE(4, 3), MX_FLOAT32), *t = mx_zeros(MX_SHAPE(4, 2), MX_FLOAT32);
  mx_clear_error();
  CHECK_ERROR(mx_mse_loss(p, t, MX_REDUCE_MEAN), "mx_mse_loss: predictions of shape (4,3) and targets of shape (4,2) do not broadcast");
  CHECK_ERROR(mx_l1_loss(p, t, MX_REDUCE_SUM), "mx_l1_loss: predictions of shape (4,3)");
  CHECK_ERROR(mx_smooth_l1_loss(p, t, 1.0, MX_REDUCE_NONE), "mx_smooth_l1_loss: predictions");
  CHECK_OK(mx_mse_loss(p, mx_zeros(MX_SHAPE(3), MX_FLOAT32), MX_REDUCE_MEAN)); /* broadcasts */
}
