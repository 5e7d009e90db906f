/* tape.h — the nodes between a transformation's sources (its traced inputs) and the outputs, in
 * topological order: what reverse mode walks backward, forward mode and vmap walk forward. */
#ifndef MX_TRANSFORMS_TAPE_H
#define MX_TRANSFORMS_TAPE_H

#include "../core/internal.h"
#include "ptrmap.h"

typedef struct mxi_tape {
  mx_array **nodes; /* every node that depends on a source, sources first, in topological order */
  int n;
  mxi_ptrmap index; /* node -> position in nodes */
} mxi_tape;

/* Builds the tape from outputs back to sources (sources are not entered). False when out of
 * memory (nothing to free then). */
bool mxi_tape_build(mxi_tape *t, int n_out, mx_array *const *outs, int n_src, mx_array *const *srcs);
void mxi_tape_free(mxi_tape *t);
/* Position of a on the tape, or -1. */
int mxi_tape_find(const mxi_tape *t, const mx_array *a);

#endif
