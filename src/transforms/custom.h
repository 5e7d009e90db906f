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

#endif
