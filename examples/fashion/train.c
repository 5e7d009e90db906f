/* train.c — the main job (make demo): trains the Fashion-MNIST CNN on CUDA when a GPU is present,
 * else on the CPU, with a live progress line; saves the model (safetensors), the logits of the
 * first test batch (npy, for the evaluator's comparison) and the loss/accuracy curves (SVG).
 * Usage: fashion_train [--epochs N] [--train N] [--batch N] [--lr X] [--out DIR] [--data DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../idx.h"
#include "../plot_svg.h"
#include "../transfers.h"
#include "model.h"

typedef struct opts {
  int epochs, train, batch;
  double lr;
  const char *out, *data;
} opts;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static mx_array *loss_fn(void *ctx, mx_module *m, int n, mx_array **batch) {
  (void)n;
  mx_array **logits = ctx; /* handed back so accuracy shares the forward pass */
  *logits = mx_module_forward(m, batch[0]);
  return mx_cross_entropy(*logits, batch[1], 0, -100, MX_REDUCE_MEAN);
}

static mx_array *count_correct(mx_array *logits, mx_array *labels) {
  mx_array *pred = mx_argmax(logits, -1, false);
  return mx_sum(mx_equal(pred, mx_astype(labels, MX_INT64)), MX_ALL_AXES, false);
}

static double test_accuracy(mx_module *m, mx_array *tx, mx_array *ty) {
  mx_module_train(m, false);
  int64_t n = mx_array_shape(tx)[0], correct = 0;
  for (int64_t i = 0; i < n; i += 1000) {
    mx_scope s = mx_scope_begin();
    int64_t j = i + 1000 < n ? i + 1000 : n;
    mx_array *x = fashion_normalize(mx_slice_axis(tx, 0, i, j, 1));
    correct += mx_item_i64(count_correct(mx_module_forward(m, x), mx_slice_axis(ty, 0, i, j, 1)));
    mx_scope_end(s);
  }
  mx_module_train(m, true);
  return (double)correct / (double)n;
}

int main(int argc, char **argv) {
  opts o = {3, 60000, 64, 2e-3, "demo_out", "data/fashion-mnist"};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--epochs")) o.epochs = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--train")) o.train = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--batch")) o.batch = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--lr")) o.lr = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--out")) o.out = argv[i + 1];
    else if (!strcmp(argv[i], "--data")) o.data = argv[i + 1];
    else {
      fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  mkdir(o.out, 0755);
  mx_scope root = mx_scope_begin();
  char path[1024], dev[160];
  mx_device_describe(mx_default_device(), dev, sizeof dev);
  snprintf(path, sizeof path, "%s/train-images-idx3-ubyte", o.data);
  mx_array *train_x = idx_load(path);
  snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", o.data);
  mx_array *train_y = idx_load(path);
  snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte", o.data);
  mx_array *test_x = idx_load(path);
  snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte", o.data);
  mx_array *test_y = idx_load(path);
  if (!train_x || !train_y || !test_x || !test_y) return 1;
  int64_t ntrain = mx_array_shape(train_x)[0] < o.train ? mx_array_shape(train_x)[0] : o.train;
  int steps = (int)(ntrain / o.batch);
  printf("training the Fashion-MNIST CNN on %s: %lld images, batch %d, %d epochs (%d steps each)\n",
         dev, (long long)ntrain, o.batch, o.epochs, steps);

  mx_module *model = fashion_cnn(mx_random_key(42));
  printf("model: %lld parameters\n", (long long)mx_module_num_elements(model, MX_PARAMS_ALL));
  mx_optimizer *opt = mx_optim_adam(o.lr, 0.9, 0.999, 1e-8);
  int P = mx_module_count(model, MX_PARAMS_TRAINABLE);
  mx_optim_set_schedule(opt, mx_schedule_cosine(o.lr, (int64_t)o.epochs * steps, o.lr / 20));
  mx_array **grads = malloc((size_t)P * sizeof *grads), **eval = malloc((size_t)(P + 2) * sizeof *eval);
  int total = o.epochs * steps, npts = 0;
  double *cx = malloc((size_t)total * sizeof *cx), *closs = malloc((size_t)total * sizeof *closs),
         *cacc = malloc((size_t)total * sizeof *cacc);
  double t_start = now();
  for (int e = 0; e < o.epochs; e++) {
    mx_array *perm = mx_keep(mx_random_permutation(mx_random_key(1000 + (uint64_t)e), ntrain));
    double t0 = now(), run_loss = 0, run_correct = 0;
    int run_n = 0;
    for (int s = 0; s < steps; s++) {
      mx_scope sc = mx_scope_begin();
      mx_array *idx = mx_slice_axis(perm, 0, (int64_t)s * o.batch, (int64_t)(s + 1) * o.batch, 1);
      mx_array *batch[2] = {fashion_normalize(mx_take(train_x, idx, 0)), mx_take(train_y, idx, 0)};
      mx_array *loss, *logits = NULL;
      mx_value_and_grad_module(model, loss_fn, &logits, 2, batch, &loss, grads);
      /* one evaluation for the loss, the accuracy and the gradients: they share the forward pass */
      eval[0] = loss;
      eval[1] = count_correct(logits, batch[1]);
      for (int i = 0; i < P; i++) eval[2 + i] = grads[i];
      if (mx_eval_many(P + 2, eval) != MX_OK || mx_optim_update(opt, model, P, grads) != MX_OK) {
        fprintf(stderr, "\ntraining failed: %s\n", mx_last_error());
        return 1;
      }
      run_loss += mx_item_f64(loss);
      run_correct += (double)mx_item_i64(eval[1]);
      run_n++;
      cx[npts] = (double)(e * steps + s + 1);
      closs[npts] = mx_item_f64(loss);
      cacc[npts++] = (double)mx_item_i64(eval[1]) / o.batch;
      if ((s + 1) % 20 == 0 || s + 1 == steps) {
        double dt = now() - t0;
        printf("\repoch %d/%d  step %4d/%d  loss %.4f  acc %5.1f%%  %6.0f samples/s", e + 1, o.epochs,
               s + 1, steps, run_loss / run_n, 100 * run_correct / (run_n * (double)o.batch),
               (s + 1) * (double)o.batch / dt);
        fflush(stdout);
        run_loss = run_correct = 0;
        run_n = 0;
      }
      mx_scope_end(sc);
    }
    printf("\n  test accuracy after epoch %d: %.2f%%\n", e + 1, 100 * test_accuracy(model, test_x, test_y));
  }
  printf("trained in %.1f s\n", now() - t_start);
  print_transfers(total);

  mx_module_train(model, false);
  snprintf(path, sizeof path, "%s/model.safetensors", o.out);
  if (mx_module_save(model, path) != MX_OK) {
    fprintf(stderr, "saving failed: %s\n", mx_last_error());
    return 1;
  }
  printf("saved %s\n", path);
  mx_array *logits = mx_module_forward(model, fashion_normalize(mx_slice_axis(test_x, 0, 0, 256, 1)));
  snprintf(path, sizeof path, "%s/test_logits.npy", o.out);
  if (mx_save_npy(path, logits) != MX_OK) {
    fprintf(stderr, "saving logits failed: %s\n", mx_last_error());
    return 1;
  }
  /* smooth the per-step curves over 50 steps for the picture */
  for (int i = npts - 1; i >= 0; i--) {
    double sl = 0, sa = 0;
    int k = 0;
    for (int j = i; j >= 0 && j > i - 50; j--, k++) {
      sl += closs[j];
      sa += cacc[j];
    }
    closs[i] = sl / k;
    cacc[i] = 100 * sa / k;
  }
  svg_series curves[2] = {{"training loss (50-step average)", cx, closs, npts, "#c0392b"},
                          {"training accuracy % (50-step average)", cx, cacc, npts, "#2471a3"}};
  snprintf(path, sizeof path, "%s/curves.svg", o.out);
  if (svg_write(path, 2, curves) == 0) printf("wrote %s\n", path);
  free(cx);
  free(closs);
  free(cacc);
  free(grads);
  free(eval);
  mx_optim_free(opt);
  mx_module_free(model);
  mx_scope_end(root);
  mx_shutdown();
  return 0;
}
