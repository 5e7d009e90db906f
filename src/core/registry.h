/* registry.h — one entry per primitive (DESIGN §3): its name, arity, shape/dtype rule, how a
 * view primitive lays out its output, and its transformation rules. Kernels live in each
 * backend's table, indexed by the same id. */
#ifndef MX_CORE_REGISTRY_H
#define MX_CORE_REGISTRY_H

#include "internal.h"

/* Output shape and dtype of a primitive applied to in[0..n) with params p. On bad input writes
 * a message (without the op name) to err and returns false. */
typedef bool (*mx_infer_fn)(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                            int *ndim, int64_t *shape, mx_dtype *dtype, char *err,
                            size_t errlen);
/* View primitives: set out's strides and offset over in's buffer (already shared). Returns false
 * if in's layout does not allow a view; eval then retries on a contiguous copy of in. */
typedef bool (*mx_view_fn)(mx_array *out, const mx_array *in, const mx_params *p);
/* A backend's kernel: fills out (allocating its buffer) from evaluated inputs. On failure it
 * calls mxi_kernel_fail and returns MX_ERROR. */
typedef mx_status (*mx_kernel_fn)(mx_array *out, mx_array *const *in, int n, const mx_params *p);

/* Transformation rules (src/transforms fills them in; core only stores them).
 * Reverse mode: the cotangents of node's inputs from cot, the cotangent of its output. need[i]
 * says which inputs want one; write grads[i] (NULL means zero). */
typedef void (*mxi_vjp_rule)(mx_array *node, mx_array *cot, const bool *need, mx_array **grads);
/* Forward mode: the tangent of node's output from its inputs' tangents (NULL means zero).
 * Returning NULL means a zero tangent. */
typedef mx_array *(*mxi_jvp_rule)(mx_array *node, mx_array *const *tangents);
/* Batching: node's primitive applied to inputs whose batch axis is axes[i] (-1: not batched);
 * returns the result and its batch axis. */
typedef mx_array *(*mxi_vmap_rule)(mx_array *node, mx_array *const *inputs, const int *axes,
                                   int *out_axis);

typedef struct mx_prim_info {
  const char *name;
  int arity;            /* -1: variadic */
  mx_infer_fn infer;
  mx_view_fn view;      /* non-NULL for view primitives: evaluated by core on every backend */
  mxi_vjp_rule vjp;
  mxi_jvp_rule jvp;
  mxi_vmap_rule vmap;
  /* Releases what params point to (only primitives whose params hold references). */
  void (*release_params)(mx_params *p);
} mx_prim_info;

/* Indexed by mx_prim. Names and arities are set statically; the library's top level (src/init.c)
 * has each op family (src/ops/families.h) and the transformations fill in the rest at start-up. */
extern mx_prim_info mxi_prims[MX_NUM_PRIMS];

/* Applies primitive prim: checks inputs for errors, infers shape/dtype, records a node owned by
 * the current scope. Op constructors and transformations both build graphs through it. */
mx_array *mxi_apply(mx_prim prim, int n, mx_array *const *in, const mx_params *p);

/* Sets out's error message from a kernel (out becomes an error array after eval). */
void mxi_kernel_fail(mx_array *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
