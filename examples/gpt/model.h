/* model.h — a character-level GPT: token embedding, pre-norm transformer blocks (causal
 * attention with rotary positions), final LayerNorm, a linear head over the byte vocabulary. */
#ifndef MX_EXAMPLES_GPT_MODEL_H
#define MX_EXAMPLES_GPT_MODEL_H

#include <stdlib.h>

#include "mx/mx.h"

typedef struct gpt_config {
  int vocab, dims, heads, layers, block;
} gpt_config;

static mx_array *gpt_forward(mx_module *m, int n, mx_array **in) {
  (void)n;
  mx_array *x = mx_module_forward(mx_module_child(m, "embed"), in[0]); /* [B, T, D] */
  x = mx_module_forward(mx_module_child(m, "layers"), x);
  x = mx_module_forward(mx_module_child(m, "norm"), x);
  return mx_module_forward(mx_module_child(m, "head"), x); /* [B, T, vocab] */
}

static mx_module *gpt_new(gpt_config c, mx_array *key) {
  mx_array **k = malloc((size_t)(c.layers + 2) * sizeof *k);
  mx_unstack(mx_random_split(key, c.layers + 2), 0, c.layers + 2, k);
  gpt_config *cfg = malloc(sizeof *cfg);
  *cfg = c;
  mx_module *m = mx_module_new("GPT", gpt_forward, cfg, free);
  mx_module_add_child(m, "embed", mx_nn_embedding(c.vocab, c.dims, k[0]));
  mx_module **blocks = malloc((size_t)c.layers * sizeof *blocks);
  for (int i = 0; i < c.layers; i++)
    blocks[i] = mx_nn_transformer_block(c.dims, c.heads, 4 * c.dims, true, true, k[2 + i]);
  mx_module_add_child(m, "layers", mx_nn_sequential(c.layers, blocks));
  mx_module_add_child(m, "norm", mx_nn_layer_norm(c.dims, 1e-5, true));
  mx_module_add_child(m, "head", mx_nn_linear(c.dims, c.vocab, false, k[1]));
  free(blocks);
  free(k);
  return m;
}

#endif
