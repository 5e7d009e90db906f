/* test_nn_modules.c — modules: dotted parameter names, counting, freezing, training mode; each
 * layer's forward against a direct computation; activations and initializers. */
#include "harness.h"

static mx_array *randn(mx_shape s, uint64_t seed) {
  return mx_random_normal(mx_random_key(seed), s, 0, 1, MX_FLOAT32);
}
static double maxdiff(mx_array *a, mx_array *b) {
  return mx_item_f64(mx_max(mx_abs(mx_subtract(mx_astype(a, MX_FLOAT64), mx_astype(b, MX_FLOAT64))), MX_ALL_AXES, false));
}

/* a model with a "layers" list of transformer blocks and a head */
static mx_array *model_forward(mx_module *m, int n, mx_array **in) {
  (void)n;
  mx_array *x = mx_module_forward(mx_module_child(m, "layers"), in[0]);
  return mx_module_forward(mx_module_child(m, "head"), x);
}

TEST(dotted_names_counts_and_freezing) {
  mx_module *blocks[2] = {mx_nn_transformer_block(8, 2, 16, true, true, mx_random_key(1)),
                          mx_nn_transformer_block(8, 2, 16, true, true, mx_random_key(2))};
  mx_module *m = mx_module_new("Model", model_forward, NULL, NULL);
  CHECK(mx_module_add_child(m, "layers", mx_nn_sequential(2, blocks)) == MX_OK);
  CHECK(mx_module_add_child(m, "head", mx_nn_linear(8, 3, false, mx_random_key(3))) == MX_OK);
  mx_named_array list[64];
  int n = mx_module_list(m, MX_PARAMS_ALL, list, 64);
  /* per block: ln1 (2), attn 4 x (weight, bias), ln2 (2), mlp 2 x (weight, bias) = 16; head 1 */
  CHECK_INT(n, 33);
  CHECK_STR(list[0].name, "layers.0.ln1.weight");
  CHECK_STR(list[2].name, "layers.0.attn.wq.weight");
  CHECK_STR(list[15].name, "layers.0.mlp.2.bias");
  CHECK_STR(list[32].name, "head.weight");
  CHECK(mx_module_find(m, "layers.1.attn.wo.bias") != NULL);
  CHECK(mx_module_find(m, "layers.1.attn.nope") == NULL);
  int64_t per_block = 2 * 8 + 4 * (64 + 8) + 2 * 8 + (8 * 16 + 16) + (16 * 8 + 8);
  CHECK_INT(mx_module_num_elements(m, MX_PARAMS_ALL), 2 * per_block + 24);
  mx_module_freeze(m, "layers.0");
  CHECK_INT(mx_module_count(m, MX_PARAMS_TRAINABLE), 17);
  mx_module_freeze(m, "layers.1"); /* a prefix must match whole name parts: "layers.1" != "layers.10" */
  mx_module_unfreeze(m, "layers.1.mlp");
  CHECK_INT(mx_module_count(m, MX_PARAMS_TRAINABLE), 5);
  mx_module_unfreeze(m, "");
  CHECK_INT(mx_module_count(m, MX_PARAMS_TRAINABLE), 33);
  mx_module_train(m, false);
  CHECK(!mx_module_is_training(mx_module_child(mx_module_child(m, "layers"), "1")));
  /* forward runs and keeps the shape; causal: changing a later token leaves earlier outputs */
  mx_array *x = randn(MX_SHAPE(2, 5, 8), 4);
  mx_array *y = mx_module_forward(m, x);
  CHECK_INT(mx_array_shape(y)[2], 3);
  mx_array *x2 = mx_slice_update(x, mx_ones(MX_SHAPE(2, 1, 8), MX_FLOAT32), 3,
                                 (int64_t[]){0, 4, 0}, (int64_t[]){2, 5, 8}, NULL);
  mx_array *y2 = mx_module_forward(m, x2);
  mx_array *early = mx_slice_axis(y, 1, 0, 4, 1), *early2 = mx_slice_axis(y2, 1, 0, 4, 1);
  CHECK(maxdiff(early, early2) < 1e-6);
  CHECK(maxdiff(mx_slice_axis(y, 1, 4, 5, 1), mx_slice_axis(y2, 1, 4, 5, 1)) > 1e-4);
  mx_module_free(m);
}

TEST(linear_embedding_conv_layers) {
  mx_module *lin = mx_nn_linear(3, 2, true, mx_random_key(5));
  mx_array *w = mx_module_get(lin, "weight"), *b = mx_module_get(lin, "bias");
  CHECK_INT(mx_array_shape(w)[0], 2);
  double bound = 1 / sqrt(3.0);
  CHECK(mx_item_f64(mx_max(mx_abs(w), MX_ALL_AXES, false)) <= bound);
  mx_array *x = randn(MX_SHAPE(4, 3), 6);
  mx_array *want = mx_add(mx_matmul(x, mx_transpose(w, MX_ALL_AXES)), b);
  CHECK(maxdiff(mx_module_forward(lin, x), want) < 1e-6);
  CHECK_ERROR(mx_module_forward(lin, randn(MX_SHAPE(4, 5), 7)), "does not end in 3 features");
  mx_module_free(lin);

  mx_module *emb = mx_nn_embedding(10, 4, mx_random_key(8));
  mx_array *idx = mx_array_new((int32_t[]){3, 0, 9, 3}, MX_SHAPE(2, 2), MX_INT32);
  mx_array *e = mx_module_forward(emb, idx);
  CHECK_INT(mx_array_ndim(e), 3);
  CHECK(maxdiff(mx_slice_axis(mx_reshape(e, MX_SHAPE(4, 4)), 0, 3, 4, 1),
                mx_slice_axis(mx_module_get(emb, "weight"), 0, 3, 4, 1)) == 0);
  CHECK_ERROR(mx_module_forward(emb, mx_ones(MX_SHAPE(2), MX_FLOAT32)), "integers");
  mx_module_free(emb);

  mx_module *conv = mx_nn_conv2d(3, 4, 3, 3, 2, 1, 1, 1, true, mx_random_key(9));
  mx_array *img = randn(MX_SHAPE(2, 7, 7, 3), 10);
  mx_array *out = mx_module_forward(conv, img);
  CHECK_INT(mx_array_shape(out)[1], 4); /* (7 + 2 - 3) / 2 + 1 */
  CHECK_INT(mx_array_shape(out)[3], 4);
  mx_array *direct = mx_add(mx_conv2d(img, mx_module_get(conv, "weight"), (int[]){2, 2}, (int[]){1, 1}, NULL, 1),
                            mx_module_get(conv, "bias"));
  CHECK(maxdiff(out, direct) < 1e-6);
  mx_module_free(conv);
  mx_module *bad = mx_nn_conv2d(3, 4, 3, 3, 1, 0, 1, 2, true, NULL); /* 3 channels, 2 groups */
  CHECK(mx_module_error(bad) && strstr(mx_module_error(bad), "mx_nn_conv2d: invalid sizes (channels 3 -> 4, groups 2"));
  CHECK(mx_last_error() && strstr(mx_last_error(), "mx_nn_conv2d"));
  mx_module_free(bad);
  mx_clear_error();
}

/* A constructor given bad arguments returns an error module, as an op returns an error array:
 * forward gives the error, so do save and load, and the error shows in every parent. */
TEST(bad_constructor_arguments_give_error_modules) {
  struct {
    mx_module *m;
    const char *msg;
  } cases[] = {
      {mx_nn_linear(0, 3, true, NULL), "mx_nn_linear: feature counts must be positive (got 0 -> 3)"},
      {mx_nn_embedding(10, -1, NULL), "mx_nn_embedding: sizes must be positive"},
      {mx_nn_conv1d(2, 2, 0, 1, 0, 1, 1, true, NULL), "mx_nn_conv1d: invalid sizes"},
      {mx_nn_maxpool2d(0, 1, 0), "mx_nn_maxpool2d: need kernel > 0"},
      {mx_nn_avgpool2d(2, 1, 2), "mx_nn_avgpool2d: need kernel > 0, stride >= 0, 0 <= padding <= kernel / 2 (got kernel 2, stride 1, padding 2)"},
      {mx_nn_layer_norm(0, 1e-5, true), "mx_nn_layer_norm: dims must be positive (got 0)"},
      {mx_nn_rms_norm(-2, 1e-5), "mx_nn_rms_norm"},
      {mx_nn_batch_norm(4, 1e-5, 1.5, true), "mx_nn_batch_norm"},
      {mx_nn_group_norm(3, 8, 1e-5, true), "mx_nn_group_norm: dims must be a positive multiple of num_groups (got 8, 3)"},
      {mx_nn_dropout(1.0), "mx_nn_dropout: p must be in [0, 1) (got 1)"},
      {mx_nn_mlp(3, (int[]){4, 0, 2}, MX_ACT_RELU, true, NULL), "mx_nn_mlp: sizes must be positive (dims[1] is 0)"},
      {mx_nn_mlp(1, (int[]){4}, MX_ACT_RELU, true, NULL), "mx_nn_mlp: at least an input and an output size"},
      {mx_nn_sequential(2, (mx_module *[]){mx_nn_linear(2, 2, true, NULL), NULL}), "mx_nn_sequential: layer 1 is NULL"},
      {mx_nn_multihead_attention(6, 4, true, false, false, NULL), "mx_nn_multihead_attention: dims must be a positive multiple"},
      {mx_nn_transformer_block(8, 2, 0, true, false, NULL), "mx_nn_transformer_block: mlp_dims must be positive (got 0)"},
      {mx_nn_transformer_block(6, 4, 8, true, false, NULL), "mx_nn_transformer_block: dims must be a positive multiple"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mx_module *m = cases[i].m;
    CHECK(m != NULL);
    CHECK(mx_module_error(m) && strstr(mx_module_error(m), cases[i].msg));
    CHECK_ERROR(mx_module_forward(m, mx_ones(MX_SHAPE(1, 4, 4, 2), MX_FLOAT32)), cases[i].msg);
    CHECK(mx_module_save(m, "/tmp/mx_error_module.safetensors") == MX_ERROR);
    CHECK(mx_last_error() && strstr(mx_last_error(), "mx_module_save: the module did not build"));
    mx_clear_error();
    mx_module_free(m);
  }
  /* an error layer inside a model: the model reports it, and its forward gives it */
  mx_module *model = mx_nn_sequential(2, (mx_module *[]){mx_nn_linear(4, 8, true, NULL), mx_nn_linear(8, 0, true, NULL)});
  CHECK(mx_module_error(model) && strstr(mx_module_error(model), "mx_nn_linear: feature counts must be positive (got 8 -> 0)"));
  CHECK_ERROR(mx_module_forward(model, mx_ones(MX_SHAPE(2, 4), MX_FLOAT32)), "mx_nn_linear: feature counts");
  CHECK(mx_module_load(model, "/nonexistent.safetensors") == MX_ERROR);
  CHECK(mx_last_error() && strstr(mx_last_error(), "mx_module_load: the module did not build"));
  mx_clear_error();
  mx_module_free(model);
  mx_module *good = mx_nn_linear(2, 3, true, NULL);
  CHECK(mx_module_error(good) == NULL);
  CHECK(mx_module_error(NULL) && strcmp(mx_module_error(NULL), "NULL module") == 0);
  mx_module_free(good);
}

TEST(pools_against_loops) {
  mx_array *x = randn(MX_SHAPE(1, 5, 5, 2), 11);
  const float *xd = mx_array_data(x);
  mx_module *mp = mx_nn_maxpool2d(3, 2, 1), *ap = mx_nn_avgpool2d(2, 0, 0);
  mx_array *m = mx_module_forward(mp, x), *a = mx_module_forward(ap, x);
  CHECK_INT(mx_array_shape(m)[1], 3);
  CHECK_INT(mx_array_shape(a)[1], 2);
  for (int oi = 0; oi < 3; oi++)
    for (int oj = 0; oj < 3; oj++)
      for (int c = 0; c < 2; c++) {
        double best = -INFINITY;
        for (int di = 0; di < 3; di++)
          for (int dj = 0; dj < 3; dj++) {
            int i = oi * 2 - 1 + di, j = oj * 2 - 1 + dj;
            if (i >= 0 && i < 5 && j >= 0 && j < 5) best = fmax(best, xd[(i * 5 + j) * 2 + c]);
          }
        CHECK_CLOSE(mx_array_get_f64(m, (int64_t[]){0, oi, oj, c}), best, 0, 0);
      }
  for (int oi = 0; oi < 2; oi++)
    for (int c = 0; c < 2; c++) {
      double s = 0;
      for (int di = 0; di < 2; di++)
        for (int dj = 0; dj < 2; dj++) s += xd[((oi * 2 + di) * 5 + (1 * 2 + dj)) * 2 + c];
      CHECK_CLOSE(mx_array_get_f64(a, (int64_t[]){0, oi, 1, c}), s / 4, 1e-6, 1e-7);
    }
  mx_module_free(mp);
  mx_module_free(ap);
}

TEST(norm_layers_and_dropout) {
  mx_array *x = mx_add(mx_multiply(randn(MX_SHAPE(6, 2, 4), 12), mx_scalar(3)), mx_scalar(1));
  mx_module *bn = mx_nn_batch_norm(4, 1e-5, 0.1, true);
  mx_array *y = mx_module_forward(bn, x);
  /* per channel over (N, H): zero mean, unit (biased) variance */
  CHECK(mx_item_f64(mx_max(mx_abs(mx_mean(y, MX_AXES(0, 1), false)), MX_ALL_AXES, false)) < 1e-5);
  CHECK(mx_item_f64(mx_max(mx_abs(mx_subtract(mx_var(y, MX_AXES(0, 1), false, 0), mx_scalar(1))), MX_ALL_AXES, false)) < 1e-3);
  /* running stats moved 10% toward the batch statistics (unbiased variance) */
  mx_array *rm = mx_module_get(bn, "running_mean"), *rv = mx_module_get(bn, "running_var");
  CHECK(maxdiff(rm, mx_multiply(mx_mean(x, MX_AXES(0, 1), false), mx_scalar(0.1))) < 1e-6);
  mx_array *uv = mx_var(x, MX_AXES(0, 1), false, 1);
  CHECK(maxdiff(rv, mx_add(mx_scalar(0.9), mx_multiply(uv, mx_scalar(0.1)))) < 1e-5);
  mx_module_train(bn, false);
  mx_array *ye = mx_module_forward(bn, x);
  mx_array *want = mx_divide(mx_subtract(x, rm), mx_sqrt(mx_add(rv, mx_scalar(1e-5))));
  CHECK(maxdiff(ye, want) < 1e-5);
  CHECK_INT(mx_module_count(bn, MX_PARAMS_STATE), 4);
  CHECK_INT(mx_module_count(bn, MX_PARAMS_ALL), 2);
  mx_module_free(bn);

  mx_module *gn = mx_nn_group_norm(2, 4, 1e-5, true);
  mx_array *g = mx_module_forward(gn, x);
  mx_array *grp = mx_reshape(g, MX_SHAPE(6, 2, 2, 2));
  CHECK(mx_item_f64(mx_max(mx_abs(mx_mean(grp, MX_AXES(1, 3), false)), MX_ALL_AXES, false)) < 1e-5);
  mx_module_free(gn);

  mx_module *ln = mx_nn_layer_norm(4, 1e-5, true), *rms = mx_nn_rms_norm(4, 1e-6);
  CHECK(maxdiff(mx_module_forward(ln, x), mx_layer_norm(x, NULL, NULL, 1e-5)) < 1e-6);
  CHECK(maxdiff(mx_module_forward(rms, x), mx_rms_norm(x, NULL, 1e-6)) < 1e-6);
  mx_module_free(ln);
  mx_module_free(rms);

  mx_module *drop = mx_nn_dropout(0.25);
  mx_random_seed(7);
  mx_array *ones = mx_ones(MX_SHAPE(100000), MX_FLOAT32);
  mx_array *d = mx_module_forward(drop, ones);
  double kept = mx_item_f64(mx_mean(mx_astype(mx_not_equal(d, mx_scalar(0)), MX_FLOAT32), MX_ALL_AXES, false));
  CHECK(fabs(kept - 0.75) < 0.01);
  CHECK_CLOSE(mx_item_f64(mx_max(d, MX_ALL_AXES, false)), 1 / 0.75, 1e-6, 0);
  mx_module_train(drop, false);
  CHECK(mx_module_forward(drop, ones) == ones);
  mx_module_free(drop);
}

TEST(attention_matches_direct_formula) {
  mx_module *att = mx_nn_multihead_attention(4, 2, false, false, false, mx_random_key(13));
  mx_array *x = randn(MX_SHAPE(1, 3, 4), 14);
  mx_array *mask = mx_array_new((uint8_t[]){1, 1, 0}, MX_SHAPE(1, 1, 1, 3), MX_BOOL); /* hide key 2 */
  mx_array *in[4] = {x, x, x, mask};
  mx_array *y = mx_module_forward_n(att, 4, in);
  /* direct: per head h, softmax over keys 0..1 of q.k / sqrt(2) */
  mx_array *wq = mx_module_get(mx_module_child(att, "wq"), "weight"), *wk = mx_module_get(mx_module_child(att, "wk"), "weight");
  mx_array *wv = mx_module_get(mx_module_child(att, "wv"), "weight"), *wo = mx_module_get(mx_module_child(att, "wo"), "weight");
  mx_array *x2 = mx_reshape(x, MX_SHAPE(3, 4));
  mx_array *q = mx_matmul(x2, mx_transpose(wq, MX_ALL_AXES)), *k = mx_matmul(x2, mx_transpose(wk, MX_ALL_AXES));
  mx_array *v = mx_matmul(x2, mx_transpose(wv, MX_ALL_AXES));
  mx_array *heads[2];
  for (int h = 0; h < 2; h++) {
    mx_array *qh = mx_slice_axis(q, 1, 2 * h, 2 * h + 2, 1), *kh = mx_slice_axis(mx_slice_axis(k, 1, 2 * h, 2 * h + 2, 1), 0, 0, 2, 1);
    mx_array *vh = mx_slice_axis(mx_slice_axis(v, 1, 2 * h, 2 * h + 2, 1), 0, 0, 2, 1);
    mx_array *s = mx_multiply(mx_matmul(qh, mx_transpose(kh, MX_ALL_AXES)), mx_scalar(1 / sqrt(2.0)));
    heads[h] = mx_matmul(mx_softmax(s, MX_AXES(-1)), vh);
  }
  mx_array *cat = mx_concatenate(2, heads, 1);
  mx_array *want = mx_matmul(cat, mx_transpose(wo, MX_ALL_AXES));
  CHECK(maxdiff(mx_reshape(y, MX_SHAPE(3, 4)), want) < 1e-5);
  mx_module_free(att);
  mx_module *bad = mx_nn_multihead_attention(6, 4, true, false, false, NULL);
  CHECK(mx_module_error(bad) != NULL);
  mx_module_free(bad);
  mx_clear_error();
}

TEST(activations_and_initializers) {
  double xs[5] = {-30, -1.5, 0, 0.7, 40};
  mx_array *x = mx_array_new(xs, MX_SHAPE(5), MX_FLOAT64);
  for (int i = 0; i < 5; i++) {
    double v = xs[i];
    int64_t at[1] = {i};
    CHECK_CLOSE(mx_array_get_f64(mx_softplus(x), at), v > 30 ? v : log1p(exp(v)), 1e-12, 1e-300);
    CHECK_CLOSE(mx_array_get_f64(mx_leaky_relu(x, 0.1), at), v > 0 ? v : 0.1 * v, 1e-15, 0);
    CHECK_CLOSE(mx_array_get_f64(mx_elu(x, 2), at), v > 0 ? v : 2 * expm1(v), 1e-15, 0);
  }
  mx_array *g = mx_glu(mx_array_new((double[]){1, 2, 0, 3}, MX_SHAPE(4), MX_FLOAT64), 0);
  CHECK_CLOSE(mx_array_get_f64(g, (int64_t[]){1}), 2 / (1 + exp(-3.0)), 1e-15, 0);
  CHECK_ERROR(mx_glu(mx_ones(MX_SHAPE(3), MX_FLOAT32), 0), "odd size");
  mx_array *gu = mx_init_glorot_uniform(MX_SHAPE(200, 300), 1, MX_FLOAT32, mx_random_key(15));
  double limit = sqrt(6.0 / 500);
  CHECK(mx_item_f64(mx_max(mx_abs(gu), MX_ALL_AXES, false)) <= limit);
  CHECK_CLOSE(mx_item_f64(mx_var(gu, MX_ALL_AXES, false, 0)), limit * limit / 3, 0.02, 0);
  mx_array *hn = mx_init_he_normal(MX_SHAPE(64, 3, 3, 32), MX_FLOAT32, mx_random_key(16));
  CHECK_CLOSE(mx_item_f64(mx_std(hn, MX_ALL_AXES, false, 0)), sqrt(2.0 / (32 * 9)), 0.02, 0);
  mx_array *tn = mx_init_truncated_normal(MX_SHAPE(10000), 0.5, MX_FLOAT32, mx_random_key(17));
  CHECK(mx_item_f64(mx_max(mx_abs(tn), MX_ALL_AXES, false)) <= 1.0 + 1e-6);
}
