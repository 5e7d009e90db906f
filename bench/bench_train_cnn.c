/* bench_train_cnn.c — mx's side of the CNN training-step benchmark (bench/train_cnn.py runs
 * PyTorch on the same model): the demo's Fashion-MNIST CNN, batch 64 of 28x28 images, cross
 * entropy, value_and_grad + Adam, evaluated. Prints "train_step_cnn seconds". */
#include <stdio.h>

#include "../examples/fashion/model.h"
#include "bench_util.h"

static mx_array *loss_fn(void *ctx, mx_module *m, int n, mx_array **batch) {
  (void)ctx;
  (void)n;
  return mx_cross_entropy(mx_module_forward(m, batch[0]), batch[1], 0, -100, MX_REDUCE_MEAN);
}

int main(void) {
  mx_scope root = mx_scope_begin();
  mx_module *model = fashion_cnn(mx_random_key(0));
  mx_optimizer *opt = mx_optim_adam(1e-3, 0.9, 0.999, 1e-8);
  mx_array *x = mx_random_normal(mx_random_key(1), MX_SHAPE(64, 28, 28, 1), 0, 1, MX_FLOAT32);
  mx_array *y = mx_random_randint(mx_random_key(2), MX_SHAPE(64), 0, 10, MX_INT32);
  mx_eval(x);
  mx_eval(y);
  int P = mx_module_count(model, MX_PARAMS_TRAINABLE);
  mx_array *grads[16], *all[17], *loss, *batch[2] = {x, y};
  double t[30];
  for (int r = -5; r < 30; r++) {
    mx_scope s = mx_scope_begin();
    double t0 = bench_now();
    mx_value_and_grad_module(model, loss_fn, NULL, 2, batch, &loss, grads);
    all[0] = loss;
    for (int i = 0; i < P; i++) all[1 + i] = grads[i];
    if (mx_eval_many(P + 1, all) != MX_OK || mx_optim_update(opt, model, P, grads) != MX_OK) {
      fprintf(stderr, "bench: %s\n", mx_last_error());
      return 1;
    }
    double t1 = bench_now();
    mx_scope_end(s);
    if (r >= 0) t[r] = t1 - t0;
  }
  printf("train_step_cnn %.6e\n", bench_median(t, 30));
  mx_optim_free(opt);
  mx_module_free(model);
  mx_scope_end(root);
  mx_shutdown();
  return 0;
}
