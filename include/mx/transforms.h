/* mx/transforms.h — composable function transformations (DESIGN §6): vjp, jvp, grad,
 * value_and_grad, vmap, stop_gradient, custom_vjp, checkpoint.
 *
 * A function to transform is a C callback that reads n_in arrays and writes n_out arrays; its
 * results follow scope ownership like any op. Transformations return new functions (mx_function)
 * that can be called or transformed again: grad of grad, vmap of grad, jvp of vjp... */
#ifndef MX_TRANSFORMS_H
#define MX_TRANSFORMS_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*mx_fn)(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out);

/* A function object: a callback, its context and its arity. Owned by the caller: release it with
 * mx_function_free (a transformed function keeps what it wraps alive). */
typedef struct mx_function mx_function;

mx_function *mx_function_new(mx_fn fn, void *ctx, int n_in, int n_out);
void mx_function_free(mx_function *f);
int mx_function_n_in(const mx_function *f);
int mx_function_n_out(const mx_function *f);
/* Calls f. On a wrong arity or an error inside, outputs are error arrays and MX_ERROR returns. */
mx_status mx_call(mx_function *f, int n_in, mx_array *const *in, int n_out, mx_array **out);
/* mx_call as an mx_fn, so a function object can be passed where a callback is expected
 * (ctx is the mx_function). */
void mx_function_apply(void *f, int n_in, mx_array **in, int n_out, mx_array **out);

/* ---- direct forms ---- */

/* mx_vjp and mx_jvp take their arguments in one order, as MLX's vjp/jvp do: the function, the
 * n_in primals, the seeds (cotangents: one per output; tangents: one per input), then n_out and
 * the arrays written (f's outputs and the products). */
/* Outputs of f at primals, and the vector-Jacobian product of cotangents (one per output, shaped
 * like it) with respect to every input. */
mx_status mx_vjp(mx_function *f, int n_in, mx_array *const *primals, mx_array *const *cotangents,
                 int n_out, mx_array **outputs, mx_array **vjps);
/* Outputs of f at primals, and the Jacobian-vector product with tangents (one per input). */
mx_status mx_jvp(mx_function *f, int n_in, mx_array *const *primals, mx_array *const *tangents,
                 int n_out, mx_array **outputs, mx_array **jvps);

/* ---- transformed functions ---- */

/* The gradient of f's first output (a scalar; a real float dtype) with respect to the inputs in
 * argnums (NULL, 0: input 0). The new function takes f's inputs and returns one gradient per
 * argnum. f's other outputs are auxiliary and not differentiated. */
mx_function *mx_grad_fn(mx_function *f, int n_argnums, const int *argnums);
/* Like mx_grad_fn, returning f's outputs first (value and auxiliaries), then the gradients. */
mx_function *mx_value_and_grad_fn(mx_function *f, int n_argnums, const int *argnums);
/* The function (primals..., cotangents...) -> vjps... (one per input). */
mx_function *mx_vjp_fn(mx_function *f);
/* The function (primals..., tangents...) -> jvps... (one per output). */
mx_function *mx_jvp_fn(mx_function *f);
/* Vectorizes f over a batch axis: in_axes[i] is the batched axis of input i (MX_UNBATCHED: not
 * batched; NULL: all 0), out_axes[j] where the batch axis goes in output j (NULL: all 0). */
#define MX_UNBATCHED (-2147483647 - 1)
mx_function *mx_vmap_fn(mx_function *f, const int *in_axes, const int *out_axes);
/* f with its backward replaced: vjp(ctx, n_in, primals, n_out, outputs, cotangents, vjps) writes
 * one vjp per input (NULL: no gradient). Forward mode goes through f itself; under vmap the forward
 * is batched through f and the backward is vjp, vmapped, so a gradient of a vmapped custom_vjp
 * function still uses vjp (the callback sees one example). */
typedef void (*mx_vjp_callback)(void *ctx, int n_in, mx_array **primals, int n_out,
                                mx_array **outputs, mx_array **cotangents, mx_array **vjps);
mx_function *mx_custom_vjp_fn(mx_function *f, mx_vjp_callback vjp, void *ctx);
/* f whose intermediates are not kept for the backward pass: they are recomputed from its inputs
 * when the gradient is evaluated (less memory, one more forward). */
mx_function *mx_checkpoint_fn(mx_function *f);

/* x, but with a zero gradient: transformations treat it as a constant. */
mx_array *mx_stop_gradient(mx_array *x);

#ifdef __cplusplus
}
#endif
#endif
