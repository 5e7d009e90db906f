/* train.c — trains the character-level GPT on the King James Bible (data/kjv.txt, from Debian's
 * bibledit-data; scripts/fetch_data.sh kjv) with cross entropy, AdamW and a warmup + cosine
 * schedule, prints the loss against the unigram entropy, samples text, and saves the model.
 * Usage: gpt_train [--steps N] [--dims D] [--layers L] [--heads H] [--block T] [--batch B]
 *                  [--lr X] [--out DIR] [--text FILE] [--sample N] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../transfers.h"
#include "model.h"

typedef struct corpus {
  uint8_t *ids; /* the text as vocabulary indices */
  int64_t n;
  int vocab;
  unsigned char chars[256]; /* index -> byte */
  double unigram_entropy;   /* nats per character */
} corpus;

static int load_corpus(const char *path, corpus *c) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s (run scripts/fetch_data.sh kjv)\n", path);
    return -1;
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *text = malloc((size_t)size);
  if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
    fclose(f);
    free(text);
    return -1;
  }
  fclose(f);
  int64_t count[256] = {0};
  for (long i = 0; i < size; i++) count[text[i]]++;
  int index[256];
  c->vocab = 0;
  c->unigram_entropy = 0;
  for (int b = 0; b < 256; b++) {
    index[b] = -1;
    if (!count[b]) continue;
    index[b] = c->vocab;
    c->chars[c->vocab++] = (unsigned char)b;
    double p = (double)count[b] / (double)size;
    c->unigram_entropy -= p * log(p);
  }
  c->ids = malloc((size_t)size);
  for (long i = 0; i < size; i++) c->ids[i] = (uint8_t)index[text[i]];
  c->n = size;
  free(text);
  return 0;
}

typedef struct step_ctx {
  int dummy;
} step_ctx;

static mx_array *loss_fn(void *ctx, mx_module *m, int n, mx_array **batch) {
  (void)ctx;
  (void)n;
  mx_array *logits = mx_module_forward(m, batch[0]);
  return mx_cross_entropy(logits, batch[1], 0, -100, MX_REDUCE_MEAN);
}

/* A batch of random windows: inputs [B, T] and next-character targets [B, T] (int32). */
static void make_batch(const corpus *c, int B, int T, uint64_t *rng, mx_array **x, mx_array **y) {
  int32_t *xi = malloc((size_t)B * T * sizeof *xi), *yi = malloc((size_t)B * T * sizeof *yi);
  for (int b = 0; b < B; b++) {
    *rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
    int64_t start = (int64_t)((*rng >> 11) % (uint64_t)(c->n - T - 1));
    for (int t = 0; t < T; t++) {
      xi[b * T + t] = c->ids[start + t];
      yi[b * T + t] = c->ids[start + t + 1];
    }
  }
  *x = mx_array_new(xi, MX_SHAPE(B, T), MX_INT32);
  *y = mx_array_new(yi, MX_SHAPE(B, T), MX_INT32);
  free(xi);
  free(yi);
}

static void sample(mx_module *m, const corpus *c, int block, int n, const char *prompt) {
  mx_module_train(m, false);
  int len = (int)strlen(prompt);
  int32_t *ctx = malloc((size_t)(len + n) * sizeof *ctx);
  for (int i = 0; i < len; i++) {
    int id = 0;
    for (int v = 0; v < c->vocab; v++)
      if (c->chars[v] == (unsigned char)prompt[i]) id = v;
    ctx[i] = id;
  }
  printf("%s", prompt);
  mx_array *key = mx_random_key(7);
  for (int t = len; t < len + n; t++) {
    mx_scope s = mx_scope_begin();
    int start = t > block ? t - block : 0;
    mx_array *x = mx_array_new(ctx + start, MX_SHAPE(1, t - start), MX_INT32);
    mx_array *logits = mx_slice_axis(mx_module_forward(m, x), 1, -1, MX_END, 1); /* last position */
    mx_array *keys[2];
    mx_unstack(mx_random_split(key, 2), 0, 2, keys);
    key = mx_keep(keys[0]);
    mx_array *next = mx_random_categorical(keys[1], mx_divide(logits, mx_scalar(0.8)), -1);
    ctx[t] = (int32_t)mx_item_i64(next);
    putchar(c->chars[ctx[t]]);
    fflush(stdout);
    mx_scope_end(s);
  }
  printf("\n");
  free(ctx);
  mx_module_train(m, true);
}

int main(int argc, char **argv) {
  int steps = 2000, dims = 128, layers = 4, heads = 4, block = 128, batch = 32, n_sample = 300;
  double lr = 3e-3;
  const char *out = "gpt_out", *text = "data/kjv.txt";
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *a = argv[i], *v = argv[i + 1];
    if (!strcmp(a, "--steps")) steps = atoi(v);
    else if (!strcmp(a, "--dims")) dims = atoi(v);
    else if (!strcmp(a, "--layers")) layers = atoi(v);
    else if (!strcmp(a, "--heads")) heads = atoi(v);
    else if (!strcmp(a, "--block")) block = atoi(v);
    else if (!strcmp(a, "--batch")) batch = atoi(v);
    else if (!strcmp(a, "--lr")) lr = atof(v);
    else if (!strcmp(a, "--out")) out = v;
    else if (!strcmp(a, "--text")) text = v;
    else if (!strcmp(a, "--sample")) n_sample = atoi(v);
    else {
      fprintf(stderr, "unknown option %s\n", a);
      return 2;
    }
  }
  corpus c;
  if (load_corpus(text, &c)) return 1;
  mkdir(out, 0755);
  mx_scope root = mx_scope_begin();
  gpt_config cfg = {c.vocab, dims, heads, layers, block};
  mx_module *m = gpt_new(cfg, mx_random_key(1));
  char dev[160];
  mx_device_describe(mx_default_device(), dev, sizeof dev);
  printf("char GPT on %s: %lld characters, vocabulary %d, %d layers x %d dims, %lld parameters\n", dev,
         (long long)c.n, c.vocab, layers, dims, (long long)mx_module_num_elements(m, MX_PARAMS_ALL));
  printf("unigram entropy of the text: %.3f nats per character\n", c.unigram_entropy);
  mx_optimizer *opt = mx_optim_adamw(lr, 0.9, 0.95, 1e-8, 0.1);
  int warm = steps / 20 > 0 ? steps / 20 : 1;
  mx_schedule *parts[2] = {mx_schedule_linear(lr / 10, lr, warm), mx_schedule_cosine(lr, steps - warm > 0 ? steps - warm : 1, lr / 10)};
  mx_optim_set_schedule(opt, mx_schedule_join(2, parts, (int64_t[]){warm}));
  int P = mx_module_count(m, MX_PARAMS_TRAINABLE);
  mx_array **grads = malloc((size_t)P * sizeof *grads), **all = malloc((size_t)(P + 1) * sizeof *all);
  uint64_t rng = 12345;
  double avg = 0;
  for (int s = 0; s < steps; s++) {
    mx_scope sc = mx_scope_begin();
    mx_array *b[2], *loss;
    make_batch(&c, batch, block, &rng, &b[0], &b[1]);
    mx_value_and_grad_module(m, loss_fn, NULL, 2, b, &loss, grads);
    mx_clip_grad_norm(P, grads, 1.0);
    all[0] = loss;
    for (int i = 0; i < P; i++) all[1 + i] = grads[i];
    if (mx_eval_many(P + 1, all) != MX_OK || mx_optim_update(opt, m, P, grads) != MX_OK) {
      fprintf(stderr, "training failed: %s\n", mx_last_error());
      return 1;
    }
    double l = mx_item_f64(loss);
    avg = s ? 0.95 * avg + 0.05 * l : l;
    if ((s + 1) % 10 == 0 || s + 1 == steps) {
      printf("\rstep %5d/%d  loss %.4f (avg %.4f)  lr %.2e", s + 1, steps, l, avg, mx_optim_learning_rate(opt));
      fflush(stdout);
    }
    mx_scope_end(sc);
  }
  printf("\nfinal average loss %.4f nats/char vs unigram entropy %.4f\n", avg, c.unigram_entropy);
  print_transfers(steps);
  char path[1024];
  snprintf(path, sizeof path, "%s/gpt.safetensors", out);
  if (mx_module_save(m, path) != MX_OK) {
    fprintf(stderr, "saving failed: %s\n", mx_last_error());
    return 1;
  }
  printf("saved %s\n", path);
  /* the configuration and the logits of the text's first window, for gpt_eval's comparison */
  snprintf(path, sizeof path, "%s/gpt_config.txt", out);
  FILE *cf = fopen(path, "w");
  if (cf) {
    fprintf(cf, "%d %d %d %d %d\n", c.vocab, dims, heads, layers, block);
    fclose(cf);
  }
  mx_module_train(m, false);
  int32_t *first = malloc((size_t)block * sizeof *first);
  for (int t = 0; t < block; t++) first[t] = c.ids[t];
  mx_array *logits = mx_module_forward(m, mx_array_new(first, MX_SHAPE(1, block), MX_INT32));
  free(first);
  snprintf(path, sizeof path, "%s/gpt_logits.npy", out);
  if (mx_save_npy(path, logits) != MX_OK) fprintf(stderr, "saving logits failed: %s\n", mx_last_error());
  mx_module_train(m, true);
  if (n_sample > 0) sample(m, &c, block, n_sample, "And God said");
  free(grads);
  free(all);
  free(c.ids);
  mx_optim_free(opt);
  mx_module_free(m);
  mx_scope_end(root);
  mx_shutdown();
  return 0;
}
