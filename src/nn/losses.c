/* losses.c — loss functions, composed from ops (so they differentiate, batch and run on every
 * backend). Cross entropy takes class indices or probabilities, label smoothing and an ignored
 * index, like PyTorch. */
#include "nn_util.h"
#include "mx/nn.h"

static mx_array *reduce(mx_array *loss, mx_reduction r, const char *op) {
  switch (r) {
    case MX_REDUCE_MEAN: return mx_mean(loss, MX_ALL_AXES, false);
    case MX_REDUCE_SUM: return mx_sum(loss, MX_ALL_AXES, false);
    case MX_REDUCE_NONE: return loss;
    default: return mx_error_new("mx_%s: unknown reduction %d", op, (int)r);
  }
}

/* -log p[target] with ignored targets masked out; mean over the targets kept. */
static mx_array *nll(const char *op, mx_array *logp, mx_array *targets, double smoothing,
                     int64_t ignore_index, mx_reduction r) {
  if (!mx_dtype_is_integer(mx_array_dtype(targets)))
    return mx_error_new("mx_%s: targets of dtype %s: class indices must be integers", op,
                     mx_dtype_name(mx_array_dtype(targets)));
  bool shape_ok = nn_ndim(targets) == nn_ndim(logp) - 1;
  for (int i = 0; shape_ok && i < nn_ndim(targets); i++) shape_ok = nn_dim(targets, i) == nn_dim(logp, i);
  if (!shape_ok) {
    char s1[MX_SHAPE_STR_LEN], s2[MX_SHAPE_STR_LEN];
    return mx_error_new("mx_%s: targets of shape %s do not match predictions of shape %s (classes last)", op,
                     mx_array_shape_str(targets, s1, sizeof s1),
                     mx_array_shape_str(logp, s2, sizeof s2));
  }
  /* compared in int64: ignore_index (-100 by default) must not saturate into a real class of a
   * narrow or unsigned target dtype */
  mx_array *keep = mx_not_equal(mx_astype(targets, MX_INT64), mx_scalar_typed((double)ignore_index, MX_INT64));
  mx_array *safe = mx_where(keep, targets, mx_zeros_like(targets)); /* ignored -> any valid class */
  mx_array *picked = mx_squeeze(mx_take_along_axis(logp, mx_expand_dims(safe, MX_AXES(-1)), -1), MX_AXES(-1));
  mx_array *loss = mx_negative(picked);
  if (smoothing > 0)
    loss = mx_add(mx_multiply(mx_scalar(1 - smoothing), loss),
                  mx_multiply(mx_scalar(smoothing), mx_negative(mx_mean(logp, MX_AXES(-1), false))));
  mx_array *kf = mx_astype(keep, mx_array_dtype(loss));
  loss = mx_multiply(loss, kf);
  if (r == MX_REDUCE_MEAN) /* average over the targets that count (PyTorch) */
    return mx_divide(mx_sum(loss, MX_ALL_AXES, false), mx_sum(kf, MX_ALL_AXES, false));
  return reduce(loss, r, op);
}

mx_array *mx_cross_entropy(mx_array *logits, mx_array *targets, double label_smoothing,
                           int64_t ignore_index, mx_reduction reduction) {
  NN_CHECK("cross_entropy", logits, targets);
  if (nn_ndim(logits) < 1) return mx_error_new("mx_cross_entropy: logits must have a class axis");
  if (label_smoothing < 0 || label_smoothing > 1)
    return mx_error_new("mx_cross_entropy: label_smoothing %g is outside [0, 1]", label_smoothing);
  mx_array *logp = mx_log_softmax(logits, MX_AXES(-1));
  if (mx_dtype_is_float(mx_array_dtype(targets))) { /* class probabilities */
    bool same = nn_ndim(targets) == nn_ndim(logits);
    for (int i = 0; same && i < nn_ndim(logits); i++) same = nn_dim(targets, i) == nn_dim(logits, i);
    if (!same) {
      char s1[MX_SHAPE_STR_LEN], s2[MX_SHAPE_STR_LEN];
      return mx_error_new("mx_cross_entropy: probability targets of shape %s must match logits of shape %s",
                       mx_array_shape_str(targets, s1, sizeof s1),
                       mx_array_shape_str(logits, s2, sizeof s2));
    }
    mx_array *t = targets;
    if (label_smoothing > 0) {
      double c = (double)nn_dim(logits, nn_ndim(logits) - 1);
      t = mx_add(mx_multiply(t, mx_scalar(1 - label_smoothing)), mx_scalar(label_smoothing / c));
    }
    mx_array *loss = mx_negative(mx_sum(mx_multiply(t, logp), MX_AXES(-1), false));
    return reduce(loss, reduction, "cross_entropy");
  }
  return nll("cross_entropy", logp, targets, label_smoothing, ignore_index, reduction);
}

mx_array *mx_nll_loss(mx_array *log_probs, mx_array *targets, int64_t ignore_index, mx_reduction reduction) {
  NN_CHECK("nll_loss", log_probs, targets);
  if (nn_ndim(log_probs) < 1) return mx_error_new("mx_nll_loss: log_probs must have a class axis");
  return nll("nll_loss", log_probs, targets, 0, ignore_index, reduction);
}

static mx_array *diff(const char *op, mx_array *p, mx_array *t) {
  mx_array *bad = nn_check_inputs(op, 2, (mx_array *[]){p, t});
  if (bad) return bad;
  /* checked here, so that a mismatch names the loss rather than its subtraction */
  int np = nn_ndim(p), nt = nn_ndim(t);
  for (int i = 1; i <= np && i <= nt; i++) {
    int64_t a = nn_dim(p, np - i), b = nn_dim(t, nt - i);
    if (a != b && a != 1 && b != 1) {
      char s1[MX_SHAPE_STR_LEN], s2[MX_SHAPE_STR_LEN];
      return mx_error_new("mx_%s: predictions of shape %s and targets of shape %s do not broadcast", op,
                          mx_array_shape_str(p, s1, sizeof s1), mx_array_shape_str(t, s2, sizeof s2));
    }
  }
  return mx_subtract(p, t);
}

mx_array *mx_mse_loss(mx_array *pred, mx_array *target, mx_reduction reduction) {
  return reduce(mx_square(diff("mse_loss", pred, target)), reduction, "mse_loss");
}

mx_array *mx_l1_loss(mx_array *pred, mx_array *target, mx_reduction reduction) {
  return reduce(mx_abs(diff("l1_loss", pred, target)), reduction, "l1_loss");
}

mx_array *mx_smooth_l1_loss(mx_array *pred, mx_array *target, double beta, mx_reduction reduction) {
  if (beta <= 0) return mx_l1_loss(pred, target, reduction);
  mx_array *d = mx_abs(diff("smooth_l1_loss", pred, target));
  mx_array *quad = mx_divide(mx_multiply(mx_scalar(0.5), mx_square(d)), mx_scalar(beta));
  mx_array *lin = mx_subtract(d, mx_scalar(0.5 * beta));
  return reduce(mx_where(mx_less(d, mx_scalar(beta)), quad, lin), reduction, "smooth_l1_loss");
}

mx_array *mx_binary_cross_entropy(mx_array *probs, mx_array *targets, mx_reduction reduction) {
  NN_CHECK("binary_cross_entropy", probs, targets);
  /* log clamped at -100 like PyTorch, so p = 0 or 1 gives a finite loss */
  mx_array *lo = mx_scalar(-100);
  mx_array *lp = mx_maximum(mx_log(probs), lo), *l1p = mx_maximum(mx_log1p(mx_negative(probs)), lo);
  mx_array *loss = mx_negative(mx_add(mx_multiply(targets, lp), mx_multiply(mx_subtract(mx_scalar(1), targets), l1p)));
  return reduce(loss, reduction, "binary_cross_entropy");
}

mx_array *mx_binary_cross_entropy_with_logits(mx_array *logits, mx_array *targets, mx_reduction reduction) {
  NN_CHECK("binary_cross_entropy_with_logits", logits, targets);
  /* max(x, 0) - x t + log(1 + e^-|x|): stable for large |x| */
  mx_array *x = logits;
  mx_array *loss = mx_add(mx_subtract(mx_maximum(x, mx_scalar(0)), mx_multiply(x, targets)),
                          mx_log1p(mx_exp(mx_negative(mx_abs(x)))));
  return reduce(loss, reduction, "binary_cross_entropy_with_logits");
}

mx_array *mx_kl_div_loss(mx_array *log_input, mx_array *target, mx_reduction reduction) {
  NN_CHECK("kl_div_loss", log_input, target);
  /* t (log t - x), 0 where t == 0 */
  mx_array *zero = mx_equal(target, mx_scalar(0));
  mx_array *logt = mx_log(mx_where(zero, mx_ones_like(target), target));
  mx_array *loss = mx_where(zero, mx_zeros_like(target), mx_multiply(target, mx_subtract(logt, log_input)));
  return reduce(loss, reduction, "kl_div_loss");
}
