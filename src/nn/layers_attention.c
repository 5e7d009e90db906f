/* layers_attention.c — multi-head attention (causal and padding masks, optional rotary
 * position embeddings) and the pre-norm transformer block. */
#include <math.h>
#include <stdlib.h>

#include "nn_util.h"
#include "module.h"

typedef struct attn_cfg {
  int dims, heads;
  bool causal, rope;
} attn_cfg;

/* [B, T, D] -> [B, H, T, D/H] */
static mx_array *split_heads(mx_array *x, int heads) {
  mx_shape s = {.ndim = 4};
  s.dims[0] = nn_dim(x, 0);
  s.dims[1] = nn_dim(x, 1);
  s.dims[2] = heads;
  s.dims[3] = nn_dim(x, 2) / heads;
  return mx_transpose(mx_reshape(x, s), MX_AXES(0, 2, 1, 3));
}

/* Rotary embeddings on [B, H, T, Dh]: the two halves of each head rotate by angle t * theta_i,
 * theta_i = 10000^(-2i / Dh) (the "non-traditional" layout of GPT-NeoX and MLX). */
static mx_array *rope(mx_array *x) {
  int64_t T = nn_dim(x, 2), dh = nn_dim(x, 3), half = dh / 2;
  mx_array *i = mx_arange(0, (double)half, 1, MX_FLOAT32);
  mx_array *theta = mx_exp(mx_multiply(i, mx_scalar(-2.0 * log(10000.0) / (double)dh)));
  mx_array *t = mx_arange(0, (double)T, 1, MX_FLOAT32);
  mx_array *ang = mx_multiply(mx_expand_dims(t, MX_AXES(1)), mx_expand_dims(theta, MX_AXES(0))); /* [T, half] */
  mx_array *cs = mx_astype(mx_cos(ang), mx_array_dtype(x)), *sn = mx_astype(mx_sin(ang), mx_array_dtype(x));
  mx_array *x1 = mx_slice_axis(x, -1, 0, half, 1), *x2 = mx_slice_axis(x, -1, half, 2 * half, 1);
  mx_array *parts[2] = {mx_subtract(mx_multiply(x1, cs), mx_multiply(x2, sn)),
                        mx_add(mx_multiply(x1, sn), mx_multiply(x2, cs))};
  return mx_concatenate(2, parts, -1);
}

static mx_array *attention_forward(mx_module *m, int n, mx_array **in) {
  const attn_cfg *c = mx_module_cfg(m);
  mx_array *q_in = in[0], *k_in = n > 1 && in[1] ? in[1] : in[0], *v_in = n > 2 && in[2] ? in[2] : k_in;
  mx_array *mask = n > 3 ? in[3] : NULL;
  for (int i = 0; i < 3; i++) {
    mx_array *x = i == 0 ? q_in : i == 1 ? k_in : v_in;
    if (nn_ndim(x) != 3 || nn_dim(x, 2) != c->dims) {
      char s[MX_SHAPE_STR_LEN];
      return mx_error_new("mx_nn_multihead_attention: input of shape %s is not [B, T, %d]",
                       mx_array_shape_str(x, s, sizeof s), c->dims);
    }
  }
  mx_array *q = split_heads(mx_module_forward(mx_module_child(m, "wq"), q_in), c->heads);
  mx_array *k = split_heads(mx_module_forward(mx_module_child(m, "wk"), k_in), c->heads);
  mx_array *v = split_heads(mx_module_forward(mx_module_child(m, "wv"), v_in), c->heads);
  if (c->rope) {
    q = rope(q);
    k = rope(k);
  }
  double scale = 1.0 / sqrt((double)(c->dims / c->heads));
  mx_array *scores = mx_multiply(mx_matmul(q, mx_swapaxes(k, -1, -2)), mx_scalar(scale)); /* [B,H,T,S] */
  mx_array *neg_inf = mx_scalar(-INFINITY);
  if (c->causal) {
    int64_t T = nn_dim(scores, 2), S = nn_dim(scores, 3);
    scores = mx_where(mx_tri(T, S, (int)(S - T), MX_BOOL), scores, neg_inf);
  }
  if (mask) {
    if (mx_array_dtype(mask) == MX_BOOL)
      scores = mx_where(mask, scores, neg_inf);
    else
      scores = mx_add(scores, mask);
  }
  mx_array *out = mx_matmul(mx_softmax(scores, MX_AXES(-1)), v); /* [B, H, T, Dh] */
  out = mx_transpose(out, MX_AXES(0, 2, 1, 3));
  out = mx_reshape(out, MX_SHAPE(nn_dim(out, 0), nn_dim(out, 1), c->dims));
  return mx_module_forward(mx_module_child(m, "wo"), out);
}

mx_module *mx_nn_multihead_attention(int dims, int num_heads, bool bias, bool causal, bool use_rope,
                                     mx_array *key) {
  if (dims <= 0 || num_heads <= 0 || dims % num_heads || (use_rope && (dims / num_heads) % 2)) {
    return nn_error_module("mx_nn_multihead_attention: dims must be a positive multiple of num_heads "
                           "(and the head size even with rope); got dims %d, num_heads %d%s",
                           dims, num_heads, use_rope ? " with rope" : "");
  }
  attn_cfg *c = malloc(sizeof *c);
  if (!c) return mxi_module_done(NULL, false, "nn_multihead_attention");
  *c = (attn_cfg){dims, num_heads, causal, use_rope};
  mx_module *m = mx_module_new("MultiHeadAttention", attention_forward, c, free);
  mx_array *keys[4] = {NULL, NULL, NULL, NULL};
  if (key) mx_unstack(mx_random_split(key, 4), 0, 4, keys);
  const char *names[4] = {"wq", "wk", "wv", "wo"};
  bool ok = m != NULL;
  for (int i = 0; i < 4; i++) ok = mx_module_add_child(m, names[i], mx_nn_linear(dims, dims, bias, keys[i])) == MX_OK && ok;
  return mxi_module_done(m, ok, "nn_multihead_attention");
}

/* ---- pre-norm transformer block ---- */
static mx_array *block_forward(mx_module *m, int n, mx_array **in) {
  mx_array *x = in[0], *mask = n > 1 ? in[1] : NULL;
  mx_array *h = mx_module_forward(mx_module_child(m, "ln1"), x);
  mx_array *args[4] = {h, h, h, mask};
  x = mx_add(x, mx_module_forward_n(mx_module_child(m, "attn"), mask ? 4 : 1, args));
  mx_array *f = mx_module_forward(mx_module_child(m, "mlp"), mx_module_forward(mx_module_child(m, "ln2"), x));
  return mx_add(x, f);
}

mx_module *mx_nn_transformer_block(int dims, int num_heads, int mlp_dims, bool causal, bool use_rope,
                                   mx_array *key) {
  if (mlp_dims <= 0)
    return nn_error_module("mx_nn_transformer_block: mlp_dims must be positive (got %d)", mlp_dims);
  if (dims <= 0 || num_heads <= 0 || dims % num_heads || (use_rope && (dims / num_heads) % 2))
    return nn_error_module("mx_nn_transformer_block: dims must be a positive multiple of num_heads (and "
                           "the head size even with rope); got dims %d, num_heads %d%s", dims,
                           num_heads, use_rope ? " with rope" : "");
  mx_array *keys[2] = {NULL, NULL};
  if (key) mx_unstack(mx_random_split(key, 2), 0, 2, keys);
  mx_module *attn = mx_nn_multihead_attention(dims, num_heads, true, causal, use_rope, keys[0]);
  mx_module *m = mx_module_new("TransformerBlock", block_forward, NULL, NULL);
  bool ok = mx_module_add_child(m, "ln1", mx_nn_layer_norm(dims, 1e-5, true)) == MX_OK;
  ok = mx_module_add_child(m, "attn", attn) == MX_OK && ok; /* each call takes its child */
  ok = mx_module_add_child(m, "ln2", mx_nn_layer_norm(dims, 1e-5, true)) == MX_OK && ok;
  ok = mx_module_add_child(m, "mlp", mx_nn_mlp(3, (int[]){dims, mlp_dims, dims}, MX_ACT_GELU, true, keys[1])) == MX_OK && ok;
  return mxi_module_done(m, ok, "nn_transformer_block");
}
