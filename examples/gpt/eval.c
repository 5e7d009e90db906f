/* eval.c — the deploy side of the character GPT: a CPU-only process loads the trained model
 * file and compares its logits on the text's first window with the trainer's (npy).
 * Usage: gpt_eval [--out DIR] [--text FILE] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int main(int argc, char **argv) {
  const char *out = "gpt_out", *text = "data/kjv.txt";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--out")) out = argv[i + 1];
    else if (!strcmp(argv[i], "--text")) text = argv[i + 1];
  }
  mx_set_default_stream(mx_device_stream(mx_cpu_device())); /* deploy target: CPU only */
  char path[1024];
  snprintf(path, sizeof path, "%s/gpt_config.txt", out);
  FILE *cf = fopen(path, "r");
  gpt_config c;
  if (!cf || fscanf(cf, "%d %d %d %d %d", &c.vocab, &c.dims, &c.heads, &c.layers, &c.block) != 5) {
    fprintf(stderr, "cannot read %s\n", path);
    return 1;
  }
  fclose(cf);
  /* the same byte vocabulary as the trainer: sorted distinct bytes of the text */
  FILE *f = fopen(text, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", text);
    return 1;
  }
  static unsigned char buf[1 << 22];
  size_t n = fread(buf, 1, sizeof buf, f);
  int present[256] = {0}, index[256];
  int ch;
  for (size_t i = 0; i < n; i++) present[buf[i]] = 1;
  while ((ch = fgetc(f)) != EOF) present[ch] = 1;
  fclose(f);
  for (int b = 0, k = 0; b < 256; b++) index[b] = present[b] ? k++ : -1;
  mx_scope root = mx_scope_begin();
  mx_module *m = gpt_new(c, mx_random_key(0));
  snprintf(path, sizeof path, "%s/gpt.safetensors", out);
  if (mx_module_load(m, path) != MX_OK) {
    fprintf(stderr, "loading failed: %s\n", mx_last_error());
    return 1;
  }
  mx_module_train(m, false);
  int32_t *first = malloc((size_t)c.block * sizeof *first);
  for (int t = 0; t < c.block; t++) first[t] = index[buf[t]];
  mx_array *logits = mx_module_forward(m, mx_array_new(first, MX_SHAPE(1, c.block), MX_INT32));
  free(first);
  char logits_path[1024];
  snprintf(logits_path, sizeof logits_path, "%s/gpt_logits.npy", out);
  mx_array *theirs = mx_load_npy(logits_path);
  mx_array *rel = mx_divide(mx_abs(mx_subtract(logits, theirs)), mx_add(mx_abs(theirs), mx_scalar(1e-6)));
  double worst = mx_item_f64(mx_max(rel, MX_ALL_AXES, false));
  if (isnan(worst)) {
    fprintf(stderr, "comparing logits failed: %s\n", mx_last_error());
    return 1;
  }
  printf("edge process (CPU only): loaded %s; largest relative difference of the logits: %.3g\n", path, worst);
  mx_module_free(m);
  mx_scope_end(root);
  mx_shutdown();
  return worst <= 1e-3 ? 0 : 1;
}
