/* bench_train_mlp.c — mx's side of the training-step benchmark (bench/train_mlp.py runs PyTorch
 * on the same model): a 4-layer MLP (512 -> 512 -> 512 -> 512 -> 10, ReLU), batch 64, float32,
 * cross entropy, value_and_grad over the parameters + an SGD update, evaluated. Also the cost of
 * building the gradient graph per forward node. Prints "name seconds" lines. */
#include <stdio.h>

#include "bench_util.h"
#include "core/internal.h"
#include "mx/mx.h"

static mx_array *loss_fn(void *ctx, mx_module *m, int n, mx_array **batch) {
  (void)ctx;
  (void)n;
  return mx_cross_entropy(mx_module_forward(m, batch[0]), batch[1], 0, -100, MX_REDUCE_MEAN);
}

/* Number of unevaluated nodes reachable from a (the forward graph's size). */
static int count_nodes(mx_array *a, int depth) {
  if (!a || a->buf || a->nin == 0 || depth > 200) return 0;
  int n = 1;
  for (int i = 0; i < a->nin; i++) n += count_nodes(a->in[i], depth + 1);
  return n;
}

int main(void) {
  mx_scope root = mx_scope_begin();
  mx_module *model = mx_nn_mlp(5, (int[]){512, 512, 512, 512, 10}, MX_ACT_RELU, true, mx_random_key(0));
  mx_optimizer *opt = mx_optim_sgd(0.01, 0, 0, false);
  mx_array *x = mx_random_normal(mx_random_key(1), MX_SHAPE(64, 512), 0, 1, MX_FLOAT32);
  mx_array *y = mx_random_randint(mx_random_key(2), MX_SHAPE(64), 0, 10, MX_INT32);
  mx_eval(x);
  mx_eval(y);
  int P = mx_module_count(model, MX_PARAMS_TRAINABLE);
  mx_array *grads[16], *loss, *batch[2] = {x, y};
  double t[50];
  for (int r = -5; r < 50; r++) {
    mx_scope s = mx_scope_begin();
    double t0 = bench_now();
    mx_value_and_grad_module(model, loss_fn, NULL, 2, batch, &loss, grads);
    mx_array *all[17] = {loss};
    for (int i = 0; i < P; i++) all[1 + i] = grads[i];
    mx_eval_many(P + 1, all); /* loss and gradients share the forward pass: one evaluation */
    if (mx_optim_update(opt, model, P, grads) != MX_OK) {
      fprintf(stderr, "bench: %s\n", mx_last_error());
      return 1;
    }
    double t1 = bench_now();
    mx_scope_end(s);
    if (r >= 0) t[r] = t1 - t0;
  }
  printf("train_step_mlp %.6e\n", bench_median(t, 50));
  /* graph building: value_and_grad without evaluation, per node of the forward graph */
  mx_scope s = mx_scope_begin();
  int fwd = count_nodes(loss_fn(NULL, model, 2, batch), 0);
  double b[20];
  for (int r = 0; r < 20; r++) {
    mx_scope s2 = mx_scope_begin();
    double t0 = bench_now();
    mx_value_and_grad_module(model, loss_fn, NULL, 2, batch, &loss, grads);
    b[r] = bench_now() - t0;
    mx_scope_end(s2);
  }
  printf("grad_graph_per_forward_node %.6e\n", bench_median(b, 20) / fwd);
  printf("forward_nodes %d\n", fwd);
  mx_scope_end(s);
  mx_optim_free(opt);
  mx_module_free(model);
  mx_scope_end(root);
  mx_shutdown();
  return 0;
}
