/* function.h — the function object behind mx_function, shared by the transformations. */
#ifndef MX_TRANSFORMS_FUNCTION_H
#define MX_TRANSFORMS_FUNCTION_H

#include "../core/internal.h"
#include "mx/transforms.h"

struct mx_function {
  int refcount;
  int n_in, n_out;
  mx_fn fn;
  void *ctx;
  void (*free_ctx)(void *ctx); /* transformed functions own their context */
};

/* A function whose context is owned (freed with free_ctx when the function goes). NULL when out
 * of memory (ctx is freed then, the error recorded). */
mx_function *mxi_function_owned(mx_fn fn, void *ctx, void (*free_ctx)(void *), int n_in, int n_out);
mx_function *mxi_function_retain(mx_function *f);
/* Writes an error array "mx_<op>: ..." to each of the n outputs. */
void mxi_fill_errors(int n, mx_array **out, mx_array *err);

/* The transformations' depth on this thread (see mxi_is_traced). */
void mxi_trace_enter(void);
void mxi_trace_exit(void);
/* A distinct traced node standing for input x of the transformation now running. */
mx_array *mxi_trace_input(mx_array *x);

#endif
