/* grad.c — the gradient of a loss with respect to a module's trainable parameters: a function
 * of (parameters..., batch...) that swaps the traced parameters into the module while the loss
 * is built, transformed with value_and_grad. */
#include <stdlib.h>

#include "module.h"
#include "mx/transforms.h"

typedef struct slots {
  mxi_entry **e;
  int n;
  bool failed; /* out of memory */
} slots;

static void collect(void *ctx, const char *dotted, mxi_entry *e) {
  (void)dotted;
  slots *s = ctx;
  mxi_entry **grown = s->failed ? NULL : realloc(s->e, (size_t)(s->n + 1) * sizeof *s->e);
  if (!grown) {
    s->failed = true;
    return;
  }
  s->e = grown;
  s->e[s->n++] = e;
}

typedef struct loss_ctx {
  mx_module *m;
  mx_loss_fn fn;
  void *ctx;
  slots s;
} loss_ctx;

static void loss_call(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  loss_ctx *c = p;
  (void)n_out;
  mx_array **saved = malloc((size_t)(c->s.n ? c->s.n : 1) * sizeof *saved);
  if (!saved) {
    out[0] = nn_oom("value_and_grad_module", "calling the loss");
    return;
  }
  /* the module reads its parameters during the loss: give it the traced ones for the call */
  for (int i = 0; i < c->s.n; i++) {
    saved[i] = c->s.e[i]->value;
    c->s.e[i]->value = in[i];
  }
  out[0] = c->fn(c->ctx, c->m, n_in - c->s.n, in + c->s.n);
  for (int i = 0; i < c->s.n; i++) c->s.e[i]->value = saved[i];
  free(saved);
}

mx_status mx_value_and_grad_module(mx_module *m, mx_loss_fn loss_fn, void *ctx, int n,
                                   mx_array *const *batch, mx_array **loss, mx_array **grads) {
  loss_ctx c = {m, loss_fn, ctx, {NULL, 0, false}};
  if (!m || !loss_fn) {
    *loss = mx_error_new("mx_value_and_grad_module: module and loss function are required");
    return MX_ERROR;
  }
  mxi_module_walk(m, MX_PARAMS_TRAINABLE, collect, &c.s);
  int P = c.s.n;
  mx_array **in = malloc((size_t)(P + n + 1) * sizeof *in);
  mx_array **out = malloc((size_t)(P + 1) * sizeof *out);
  int *argnums = malloc((size_t)(P ? P : 1) * sizeof *argnums);
  mx_function *f = NULL;
  if (c.s.failed || !in || !out || !argnums || !(f = mx_function_new(loss_call, &c, P + n, 1))) {
    *loss = nn_oom("value_and_grad_module", "collecting the parameters");
    for (int i = 0, k = mx_module_count(m, MX_PARAMS_TRAINABLE); i < k; i++) grads[i] = *loss;
    free(in);
    free(out);
    free(argnums);
    free(c.s.e);
    return MX_ERROR;
  }
  for (int i = 0; i < P; i++) {
    in[i] = c.s.e[i]->value;
    argnums[i] = i;
  }
  for (int i = 0; i < n; i++) in[P + i] = batch[i];
  mx_status st;
  if (P == 0) { /* nothing to train: just the loss */
    st = mx_call(f, n, in, 1, loss);
  } else {
    mx_function *vg = mx_value_and_grad_fn(f, P, argnums);
    st = mx_call(vg, P + n, in, 1 + P, out);
    mx_function_free(vg);
    *loss = out[0];
    for (int i = 0; i < P; i++) grads[i] = out[1 + i];
  }
  mx_function_free(f);
  free(in);
  free(out);
  free(argnums);
  free(c.s.e);
  return st;
}
