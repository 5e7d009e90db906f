/* eval.c — the edge device: a separate, CPU-only process that loads the trained model file and
 * reports the test accuracy, and the largest difference between its logits and the trainer's on
 * the same test batch. Usage: fashion_eval [--out DIR] [--data DIR] */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../idx.h"
#include "model.h"

int main(int argc, char **argv) {
  const char *out = "demo_out", *data = "data/fashion-mnist";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--out")) out = argv[i + 1];
    else if (!strcmp(argv[i], "--data")) data = argv[i + 1];
  }
  mx_set_default_stream(mx_device_stream(mx_cpu_device())); /* deploy target: CPU only */
  mx_scope root = mx_scope_begin();
  char path[1024];
  snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte", data);
  mx_array *test_x = idx_load(path);
  snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte", data);
  mx_array *test_y = idx_load(path);
  if (!test_x || !test_y) return 1;
  mx_module *model = fashion_cnn(mx_random_key(0)); /* the architecture; weights come from the file */
  snprintf(path, sizeof path, "%s/model.safetensors", out);
  if (mx_module_load(model, path) != MX_OK) {
    fprintf(stderr, "loading failed: %s\n", mx_last_error());
    return 1;
  }
  mx_module_train(model, false);
  int64_t n = mx_array_shape(test_x)[0], correct = 0;
  for (int64_t i = 0; i < n; i += 1000) {
    mx_scope s = mx_scope_begin();
    int64_t j = i + 1000 < n ? i + 1000 : n;
    mx_array *logits = mx_module_forward(model, fashion_normalize(mx_slice_axis(test_x, 0, i, j, 1)));
    mx_array *pred = mx_argmax(logits, -1, false);
    correct += mx_item_i64(mx_sum(mx_equal(pred, mx_astype(mx_slice_axis(test_y, 0, i, j, 1), MX_INT64)),
                                  MX_ALL_AXES, false));
    mx_scope_end(s);
  }
  printf("edge process (CPU only): loaded %s, test accuracy %.2f%% (%lld/%lld)\n", path,
         100.0 * (double)correct / (double)n, (long long)correct, (long long)n);
  mx_array *logits = mx_module_forward(model, fashion_normalize(mx_slice_axis(test_x, 0, 0, 256, 1)));
  snprintf(path, sizeof path, "%s/test_logits.npy", out);
  mx_array *theirs = mx_load_npy(path);
  double diff = mx_item_f64(mx_max(mx_abs(mx_subtract(logits, theirs)), MX_ALL_AXES, false));
  if (mx_is_error(theirs) || isnan(diff)) {
    fprintf(stderr, "comparing logits failed: %s\n", mx_last_error());
    return 1;
  }
  printf("largest difference between the two processes' logits on the same 256 test images: %.3g\n", diff);
  mx_module_free(model);
  mx_scope_end(root);
  mx_shutdown();
  return 0;
}
