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

/* Transformation rules (src/transforms). Typed there; stored here untyped to keep the layers
 * one-way. */
typedef struct mx_prim_info {
  const char *name;
  int arity;            /* -1: variadic */
  mx_infer_fn infer;
  mx_view_fn view;      /* non-NULL for view primitives: evaluated by core on every backend */
  void (*vjp)(void);
  void (*jvp)(void);
  void (*vmap)(void);
  /* Releases what params point to (only primitives whose params hold references). */
  void (*release_params)(mx_params *p);
} mx_prim_info;

extern mx_prim_info mxi_prims[MX_NUM_PRIMS];

/* Applies primitive prim: checks inputs for errors, infers shape/dtype, records a node owned by
 * the current scope. Op constructors and transformations both build graphs through it. */
mx_array *mxi_apply(mx_prim prim, int n, mx_array *const *in, const mx_params *p);

/* Family registration: each src/ops file fills in its primitives' entries. */
void mxi_register_creation(mx_prim_info *t);
void mxi_register_unary(mx_prim_info *t);
void mxi_register_binary(mx_prim_info *t);
void mxi_register_reduce(mx_prim_info *t);
void mxi_register_scan(mx_prim_info *t);
void mxi_register_layout(mx_prim_info *t);
void mxi_register_join(mx_prim_info *t);
void mxi_register_indexing(mx_prim_info *t);
void mxi_register_sort(mx_prim_info *t);
void mxi_register_linalg(mx_prim_info *t);
void mxi_register_nn(mx_prim_info *t);
void mxi_register_conv(mx_prim_info *t);
void mxi_register_conv_grad(mx_prim_info *t); /* called by mxi_register_conv */
void mxi_register_random(mx_prim_info *t);
/* The transformations' primitives and every primitive's vjp/jvp/vmap rules (src/transforms). */
void mxi_register_transforms(mx_prim_info *t);

/* Sets out's error message from a kernel (out becomes an error array after eval). */
void mxi_kernel_fail(mx_array *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
