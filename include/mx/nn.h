/* mx/nn.h — neural networks: modules with named parameters (e.g. "layers.0.attn.wq.weight"),
 * the standard layers, activations, losses, initializers, and the gradient of a loss with respect
 * to a module's trainable parameters. */
#ifndef MX_NN_H
#define MX_NN_H

#include "array.h"
#include "io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- modules ------------------------------------------------------------------------------
 * A module holds named arrays — trainable parameters and state buffers (BatchNorm's running
 * statistics) — and named child modules. A module owns its children: free the root with
 * mx_module_free. Arrays stored in a module are retained by it. */
typedef struct mx_module mx_module;

/* forward(m, n, inputs): the layer's computation; results belong to the caller's scope. */
typedef mx_array *(*mx_forward_fn)(mx_module *m, int n, mx_array **inputs);

/* A module of your own: type name, forward, and a configuration block owned by the module
 * (freed with free_cfg, which may be NULL). NULL when out of memory (cfg is freed then). */
mx_module *mx_module_new(const char *type, mx_forward_fn forward, void *cfg, void (*free_cfg)(void *));
void mx_module_free(mx_module *m);
const char *mx_module_type(const mx_module *m);
void *mx_module_cfg(const mx_module *m);
/* Adds (or replaces) a trainable parameter / a state buffer / a child (the child becomes owned).
 * A child that already has a parent, or that is m or an ancestor of m, is refused (MX_ERROR) and
 * left as it is; on the other errors the child is freed. */
mx_status mx_module_add_param(mx_module *m, const char *name, mx_array *value);
mx_status mx_module_add_buffer(mx_module *m, const char *name, mx_array *value);
mx_status mx_module_add_child(mx_module *m, const char *name, mx_module *child);
/* A direct parameter or buffer of m by its own name ("weight"), or NULL. */
mx_array *mx_module_get(const mx_module *m, const char *name);
/* Replaces the value of a direct parameter or buffer (retains the new, releases the old). */
mx_status mx_module_set(mx_module *m, const char *name, mx_array *value);
mx_module *mx_module_child(const mx_module *m, const char *name);
/* NULL when m and all its descendants were built fine; otherwise the first constructor error
 * found (depth first), e.g. a layer given bad sizes. "NULL module" for m NULL. */
const char *mx_module_error(const mx_module *m);

/* Runs the module. */
mx_array *mx_module_forward(mx_module *m, mx_array *x);
mx_array *mx_module_forward_n(mx_module *m, int n, mx_array **inputs);

/* ---- parameter trees ---- */
typedef enum mx_param_filter {
  MX_PARAMS_TRAINABLE = 1, /* parameters that are not frozen */
  MX_PARAMS_ALL = 2,       /* every parameter, frozen or not */
  MX_PARAMS_STATE = 4,     /* parameters and buffers: everything a checkpoint must hold */
} mx_param_filter;

/* Number of arrays selected, and their total number of elements. */
int mx_module_count(const mx_module *m, mx_param_filter f);
int64_t mx_module_num_elements(const mx_module *m, mx_param_filter f);
/* Writes up to cap (dotted name, array) pairs in a fixed depth-first order (a module's own
 * arrays in insertion order, then its children); returns the number selected, or -1 when out of
 * memory for the names. Names are owned by the module and valid until it changes. */
int mx_module_list(const mx_module *m, mx_param_filter f, mx_named_array *out, int cap);
/* Looks up a dotted name anywhere in the tree. */
mx_array *mx_module_find(const mx_module *m, const char *dotted_name);
/* Freezes/unfreezes every parameter whose dotted name starts with prefix ("" for all). */
void mx_module_freeze(mx_module *m, const char *prefix);
void mx_module_unfreeze(mx_module *m, const char *prefix);
/* Training mode (dropout active, batch statistics used) for the whole tree. */
void mx_module_train(mx_module *m, bool training);
bool mx_module_is_training(const mx_module *m);

/* safetensors files of the whole state (parameters and buffers) by dotted name. Loading checks
 * that every name exists with the same shape (strict); dtypes are converted to the module's. */
mx_status mx_module_save(const mx_module *m, const char *path);
mx_status mx_module_load(mx_module *m, const char *path);

/* The loss and its gradient with respect to every trainable parameter (in mx_module_list
 * order): loss_fn(ctx, m, n, batch) builds the loss from the module and the batch. grads must
 * hold mx_module_count(m, MX_PARAMS_TRAINABLE) entries. Nothing is evaluated. */
typedef mx_array *(*mx_loss_fn)(void *ctx, mx_module *m, int n, mx_array **batch);
mx_status mx_value_and_grad_module(mx_module *m, mx_loss_fn loss_fn, void *ctx, int n,
                                   mx_array *const *batch, mx_array **loss, mx_array **grads);

/* ---- layers ---------------------------------------------------------------------------------
 * key: the random key for initialization (NULL: the global key, see mx_random_seed).
 * Layouts follow MLX: Linear.weight is [out, in]; convolutions are channels-last.
 * Bad arguments (or running out of memory) give an error module, as ops give error arrays: its
 * forward returns the error, mx_module_save/load fail with it, and mx_module_error reports it
 * for the module and for every module it becomes part of. Free it like any module. */
mx_module *mx_nn_linear(int in_features, int out_features, bool bias, mx_array *key);
mx_module *mx_nn_embedding(int num_embeddings, int dims, mx_array *key);
mx_module *mx_nn_conv1d(int in_channels, int out_channels, int kernel, int stride, int padding,
                        int dilation, int groups, bool bias, mx_array *key);
mx_module *mx_nn_conv2d(int in_channels, int out_channels, int kernel_h, int kernel_w, int stride,
                        int padding, int dilation, int groups, bool bias, mx_array *key);
/* Pools over [N, H, W, C]; stride 0 means stride = kernel; padding at most kernel / 2. Max pooling
 * pads with -inf; average pooling pads with zeros and divides every window's sum by kernel²,
 * padded positions included (PyTorch's count_include_pad=True, as MLX does). */
mx_module *mx_nn_maxpool2d(int kernel, int stride, int padding);
mx_module *mx_nn_avgpool2d(int kernel, int stride, int padding);
mx_module *mx_nn_layer_norm(int dims, double eps, bool affine);
mx_module *mx_nn_rms_norm(int dims, double eps);
/* Normalizes over every axis but the last (channels); running statistics in eval mode. */
mx_module *mx_nn_batch_norm(int num_features, double eps, double momentum, bool affine);
mx_module *mx_nn_group_norm(int num_groups, int dims, double eps, bool affine);
mx_module *mx_nn_dropout(double p);

typedef enum mx_activation {
  MX_ACT_NONE = 0, MX_ACT_RELU, MX_ACT_GELU, MX_ACT_GELU_TANH, MX_ACT_SILU, MX_ACT_SIGMOID,
  MX_ACT_TANH, MX_ACT_SOFTPLUS, MX_ACT_LEAKY_RELU, MX_ACT_ELU
} mx_activation;
mx_module *mx_nn_activation(mx_activation act);
/* Linear layers of sizes dims[0] -> dims[1] -> ... with act between them (not after the last). */
mx_module *mx_nn_mlp(int n_dims, const int *dims, mx_activation act, bool bias, mx_array *key);
/* Takes ownership of the layers; children are named "0", "1", ... */
mx_module *mx_nn_sequential(int n, mx_module **layers);

/* Multi-head attention. forward_n inputs: queries [B, T, D], then optionally keys and values
 * (default: the queries), then an optional additive or boolean mask broadcastable to
 * [B, heads, T, S] (true = keep). causal applies a causal mask; rope applies rotary position
 * embeddings to queries and keys. Children: wq, wk, wv, wo. */
mx_module *mx_nn_multihead_attention(int dims, int num_heads, bool bias, bool causal, bool rope,
                                     mx_array *key);
/* A pre-norm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)) (GELU MLP of mlp_dims).
 * forward_n inputs: x and an optional mask. Children: ln1, attn, ln2, mlp. */
mx_module *mx_nn_transformer_block(int dims, int num_heads, int mlp_dims, bool causal, bool rope,
                                   mx_array *key);

/* ---- activations (functions; relu, gelu, gelu_tanh, silu are in nn_ops.h) ---- */
mx_array *mx_softplus(mx_array *x);
mx_array *mx_leaky_relu(mx_array *x, double negative_slope);
mx_array *mx_elu(mx_array *x, double alpha);
/* Splits axis in two halves a, b: a * sigmoid(b). */
mx_array *mx_glu(mx_array *x, int axis);
mx_array *mx_activate(mx_array *x, mx_activation act);

/* ---- losses ----------------------------------------------------------------------------------
 * reduction: mean over elements (or over non-ignored targets), sum, or none (per element). */
typedef enum mx_reduction { MX_REDUCE_MEAN = 0, MX_REDUCE_SUM, MX_REDUCE_NONE } mx_reduction;

/* logits [..., C] (class axis last). targets: integer class indices [...] (entries equal to
 * ignore_index contribute nothing), or probabilities [..., C] (floating dtype). */
mx_array *mx_cross_entropy(mx_array *logits, mx_array *targets, double label_smoothing,
                           int64_t ignore_index, mx_reduction reduction);
/* log-probabilities [..., C], integer targets. */
mx_array *mx_nll_loss(mx_array *log_probs, mx_array *targets, int64_t ignore_index, mx_reduction reduction);
mx_array *mx_mse_loss(mx_array *pred, mx_array *target, mx_reduction reduction);
mx_array *mx_l1_loss(mx_array *pred, mx_array *target, mx_reduction reduction);
mx_array *mx_smooth_l1_loss(mx_array *pred, mx_array *target, double beta, mx_reduction reduction);
/* probabilities in (0, 1) / logits, and targets in [0, 1]. */
mx_array *mx_binary_cross_entropy(mx_array *probs, mx_array *targets, mx_reduction reduction);
mx_array *mx_binary_cross_entropy_with_logits(mx_array *logits, mx_array *targets, mx_reduction reduction);
/* KL(target || input) with input as log-probabilities and target as probabilities (PyTorch). */
mx_array *mx_kl_div_loss(mx_array *log_input, mx_array *target, mx_reduction reduction);

/* ---- initializers (shape, dtype, key; NULL key: the global key) ---- */
mx_array *mx_init_normal(mx_shape shape, double mean, double std, mx_dtype dtype, mx_array *key);
mx_array *mx_init_uniform(mx_shape shape, double low, double high, mx_dtype dtype, mx_array *key);
mx_array *mx_init_truncated_normal(mx_shape shape, double std, mx_dtype dtype, mx_array *key); /* +-2 std */
/* fan_in/fan_out from the shape: [out, in] or [out, k..., in] (channels-last kernels). */
mx_array *mx_init_glorot_uniform(mx_shape shape, double gain, mx_dtype dtype, mx_array *key);
mx_array *mx_init_glorot_normal(mx_shape shape, double gain, mx_dtype dtype, mx_array *key);
mx_array *mx_init_he_uniform(mx_shape shape, mx_dtype dtype, mx_array *key);
mx_array *mx_init_he_normal(mx_shape shape, mx_dtype dtype, mx_array *key);

#ifdef __cplusplus
}
#endif
#endif
