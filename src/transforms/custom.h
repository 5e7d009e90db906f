/* custom.h — custom_vjp's bookkeeping during a backward pass (the outputs of one custom_vjp call
 * share a group, whose backward runs once with all their cotangents). */
#ifndef MX_TRANSFORMS_CUSTOM_H
#define MX_TRANSFORMS_CUSTOM_H

#include "tape.h"

/* Resets every group on the tape before a backward pass. */
void mxi_custom_begin(const mxi_tape *t);
/* Called for each CUSTOM_OUT node in reverse order; runs the group's backward at its last one. */
void mxi_custom_backward(const mxi_tape *t, mx_array *node, mx_array **cot);
/* Adds g, the cotangent of input (of node), to cot at input's tape position (vjp.c). */
void mxi_accumulate_grad(const mxi_tape *t, mx_array **cot, mx_array *node, mx_array *input, mx_array *g);

/* vmap of custom_vjp calls: the batched groups made during one replay, by original group. */
typedef struct mxi_custom_memo {
  int n, cap;
  struct mxi_custom_group **from, **to;
} mxi_custom_memo;
/* A CUSTOM_OUT node replayed by vmap with batched inputs nin (batch axes nax, -1 for none): the
 * batched output (batch on axis 0, *out_axis = 0), a member of a group whose backward is the
 * user's vjp vmapped. */
mx_array *mxi_custom_vmap(mxi_custom_memo *m, mx_array *node, mx_array **nin, const int *nax,
                          int64_t batch, int *out_axis);
void mxi_custom_memo_free(mxi_custom_memo *m);

#endif
