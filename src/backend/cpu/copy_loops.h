/* copy_loops.h — strided element copies by element size, shared by every kernel that moves
 * data without converting it (copy, concatenate, pad, gather, ...). */
#ifndef MX_CPU_COPY_LOOPS_H
#define MX_CPU_COPY_LOOPS_H

#include "cpu.h"

/* The 2-operand (out, in) copy loop for an element size of 1, 2, 4, 8 or 16 bytes. */
mxi_loop_fn mxi_copy_loop(size_t itemsize);
/* Copies in (evaluated, any layout) into out's already allocated buffer, in out's layout. */
void mxi_copy_into(mx_array *out, mx_array *in);

#endif
