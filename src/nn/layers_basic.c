/* layers_basic.c — Linear, Embedding, activation modules, Sequential, MLP, Dropout. */
#include <math.h>
#include <stdlib.h>

#include "nn_util.h"
#include "module.h"

static int *int_cfg(int v) {
  int *c = malloc(sizeof *c);
  if (c) *c = v;
  return c;
}

/* ---- Linear: y = x W^T + b, W [out, in] ---- */
static mx_array *linear_forward(mx_module *m, int n, mx_array **in) {
  (void)n;
  mx_array *w = mx_module_get(m, "weight"), *b = mx_module_get(m, "bias");
  mx_array *x = in[0];
  if (nn_ndim(x) < 1 || nn_dim(x, nn_ndim(x) - 1) != nn_dim(w, 1)) {
    char s[MX_SHAPE_STR_LEN];
    return mx_error_new("mx_nn_linear: input of shape %s does not end in %lld features",
                     mx_array_shape_str(x, s, sizeof s), (long long)nn_dim(w, 1));
  }
  mx_array *y = mx_matmul(x, mx_transpose(w, MX_ALL_AXES)); /* a transposed view: no copy */
  return b ? mx_add(y, b) : y;
}

mx_module *mx_nn_linear(int in_features, int out_features, bool bias, mx_array *key) {
  if (in_features <= 0 || out_features <= 0) {
    return nn_error_module("mx_nn_linear: feature counts must be positive (got %d -> %d)", in_features,
                           out_features);
  }
  mx_module *m = mx_module_new("Linear", linear_forward, NULL, NULL);
  double s = 1.0 / sqrt((double)in_features); /* uniform(-1/sqrt(in), 1/sqrt(in)), as MLX/PyTorch */
  mx_array *keys[2] = {NULL, NULL};
  if (key) mx_unstack(mx_random_split(key, 2), 0, 2, keys);
  bool ok = mx_module_add_param(m, "weight", mx_init_uniform(MX_SHAPE(out_features, in_features), -s, s, MX_FLOAT32, keys[0])) == MX_OK;
  if (bias) ok = ok && mx_module_add_param(m, "bias", mx_init_uniform(MX_SHAPE(out_features), -s, s, MX_FLOAT32, keys[1])) == MX_OK;
  return mxi_module_done(m, ok, "nn_linear");
}

/* ---- Embedding: rows of the table ---- */
static mx_array *embedding_forward(mx_module *m, int n, mx_array **in) {
  (void)n;
  if (!mx_dtype_is_integer(mx_array_dtype(in[0])))
    return mx_error_new("mx_nn_embedding: indices must be integers, got %s", mx_dtype_name(mx_array_dtype(in[0])));
  return mx_take(mx_module_get(m, "weight"), in[0], 0);
}

mx_module *mx_nn_embedding(int num_embeddings, int dims, mx_array *key) {
  if (num_embeddings <= 0 || dims <= 0) {
    return nn_error_module("mx_nn_embedding: sizes must be positive (got %d embeddings of %d dims)",
                           num_embeddings, dims);
  }
  mx_module *m = mx_module_new("Embedding", embedding_forward, NULL, NULL);
  return mxi_module_done(m, mx_module_add_param(m, "weight", mx_init_normal(MX_SHAPE(num_embeddings, dims), 0, 1, MX_FLOAT32, key)) == MX_OK, "nn_embedding");
}

/* ---- activations as modules ---- */
static mx_array *activation_forward(mx_module *m, int n, mx_array **in) {
  (void)n;
  return mx_activate(in[0], (mx_activation) * (int *)mx_module_cfg(m));
}

mx_module *mx_nn_activation(mx_activation act) {
  int *c = int_cfg((int)act);
  return mxi_module_done(c ? mx_module_new("Activation", activation_forward, c, free) : NULL, true, "nn_activation");
}

/* ---- Sequential ---- */
static mx_array *sequential_forward(mx_module *m, int n, mx_array **in) {
  mx_array *x = in[0];
  for (int i = 0; i < m->n_children; i++) {
    mx_array *args[4] = {x, n > 1 ? in[1] : NULL, n > 2 ? in[2] : NULL, n > 3 ? in[3] : NULL};
    x = mx_module_forward_n(m->children[i].m, n < 4 ? n : 4, args); /* extra inputs pass along */
    if (mx_array_error(x)) return x;
  }
  return x;
}

mx_module *mx_nn_sequential(int n, mx_module **layers) {
  if (n < 0 || (n > 0 && !layers)) return nn_error_module("mx_nn_sequential: %d layers given%s", n, layers ? "" : " in a NULL list");
  mx_module *m = mx_module_new("Sequential", sequential_forward, NULL, NULL);
  bool ok = m != NULL;
  for (int i = 0; i < n; i++) {
    char name[16];
    snprintf(name, sizeof name, "%d", i);
    if (!layers[i]) {
      mx_module_free(m);
      for (int j = i + 1; j < n; j++) mx_module_free(layers[j]);
      return nn_error_module("mx_nn_sequential: layer %d is NULL", i);
    }
    ok = mx_module_add_child(m, name, layers[i]) == MX_OK && ok; /* takes the layer either way */
  }
  return mxi_module_done(m, ok, "nn_sequential");
}

mx_module *mx_nn_mlp(int n_dims, const int *dims, mx_activation act, bool bias, mx_array *key) {
  if (n_dims < 2 || !dims)
    return nn_error_module("mx_nn_mlp: at least an input and an output size are required (got %d sizes)", n_dims);
  for (int i = 0; i < n_dims; i++)
    if (dims[i] <= 0) return nn_error_module("mx_nn_mlp: sizes must be positive (dims[%d] is %d)", i, dims[i]);
  int n_layers = 2 * (n_dims - 1) - 1;
  mx_module **layers = malloc((size_t)n_layers * sizeof *layers);
  mx_array **keys = calloc((size_t)(n_dims - 1), sizeof *keys);
  if (!layers || !keys) {
    free(layers);
    free(keys);
    return mxi_module_done(NULL, false, "nn_mlp");
  }
  if (key) mx_unstack(mx_random_split(key, n_dims - 1), 0, n_dims - 1, keys);
  for (int i = 0, k = 0; i < n_dims - 1; i++) {
    layers[k++] = mx_nn_linear(dims[i], dims[i + 1], bias, keys[i]);
    if (i + 1 < n_dims - 1) layers[k++] = mx_nn_activation(act);
  }
  mx_module *m = mx_nn_sequential(n_layers, layers);
  free(layers);
  free(keys);
  return m;
}

/* ---- Dropout: inverted dropout in training, identity in evaluation ---- */
static mx_array *dropout_forward(mx_module *m, int n, mx_array **in) {
  (void)n;
  double p = *(double *)mx_module_cfg(m);
  if (!mx_module_is_training(m) || p == 0) return in[0];
  mx_array *x = in[0];
  mx_array *keep = mx_random_bernoulli(NULL, mx_array_shape_of(x), 1 - p);
  return mx_multiply(mx_where(keep, x, mx_zeros_like(x)), mx_scalar(1 / (1 - p)));
}

mx_module *mx_nn_dropout(double p) {
  if (!(p >= 0 && p < 1)) {
    return nn_error_module("mx_nn_dropout: p must be in [0, 1) (got %g)", p);
  }
  double *c = malloc(sizeof *c);
  if (!c) return mxi_module_done(NULL, false, "nn_dropout");
  *c = p;
  return mxi_module_done(mx_module_new("Dropout", dropout_forward, c, free), true, "nn_dropout");
}
