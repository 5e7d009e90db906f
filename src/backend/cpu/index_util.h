/* index_util.h — what the CPU indexing kernels share: reading index values of any integer
 * dtype, an n-d walker over arrays of one shape with their own strides, and recording the first
 * bad index found by parallel workers. */
#ifndef MX_CPU_INDEX_UTIL_H
#define MX_CPU_INDEX_UTIL_H

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "../common/index.h"
#include "../common/index_errors.h"
#include "cpu.h"

/* Walks a shape in row-major order keeping a byte offset per operand. */
#define MXI_WALK_OPS (MX_MAX_DIMS + 2)
typedef struct mxi_walk {
  int nd, nops;
  int64_t shape[MX_MAX_DIMS];
  int64_t strides[MXI_WALK_OPS][MX_MAX_DIMS];
  int64_t idx[MX_MAX_DIMS];
  int64_t off[MXI_WALK_OPS];
} mxi_walk;

/* Positions w at flat element f (the shape must not be empty). */
static inline void mxi_walk_seek(mxi_walk *w, int64_t f) {
  for (int k = 0; k < w->nops; k++) w->off[k] = 0;
  for (int i = w->nd - 1; i >= 0; i--) {
    int64_t q = f % w->shape[i];
    f /= w->shape[i];
    w->idx[i] = q;
    for (int k = 0; k < w->nops; k++) w->off[k] += q * w->strides[k][i];
  }
}

static inline void mxi_walk_next(mxi_walk *w) {
  for (int i = w->nd - 1; i >= 0; i--) {
    for (int k = 0; k < w->nops; k++) w->off[k] += w->strides[k][i];
    if (++w->idx[i] < w->shape[i]) return;
    for (int k = 0; k < w->nops; k++) w->off[k] -= w->strides[k][i] * w->shape[i];
    w->idx[i] = 0;
  }
}

/* The first failing position reported by any worker (INT64_MAX: none). */
static inline void mxi_note_bad(_Atomic int64_t *bad, int64_t pos) {
  int64_t cur = atomic_load(bad);
  while (pos < cur && !atomic_compare_exchange_weak(bad, &cur, pos)) {
  }
}

/* Copies one element of itemsize bytes. */
static inline void mxi_copy_elem(char *dst, const char *src, size_t itemsize) {
  switch (itemsize) {
    case 1: *(uint8_t *)dst = *(const uint8_t *)src; break;
    case 2: *(uint16_t *)dst = *(const uint16_t *)src; break;
    case 4: *(uint32_t *)dst = *(const uint32_t *)src; break;
    case 8: *(uint64_t *)dst = *(const uint64_t *)src; break;
    default: memcpy(dst, src, itemsize); break;
  }
}

/* The positions that GATHER and SCATTER index: n index arrays of one shape I, index k selecting
 * along axis axes[k] of a target of shape dims and byte strides, where a block of block[axis]
 * elements must fit. */
typedef struct mxi_index_set {
  int n;
  mx_array *const *idx;
  const int *axes;
  const int64_t *dims, *block, *strides;
  const mx_array *extra; /* optional: an array whose leading dims (I) are walked too */
  const char *op;        /* the public op named in errors (NULL: the primitive's) */
} mxi_index_set;

/* Byte offsets into the target (offs) and into extra (xoffs, when extra is set) of each of the
 * nI positions of I, checking every index. On a bad index fails out with a message naming the
 * index and returns false (offs is then partly written; nothing else is touched). */
bool mxi_index_offsets(mx_array *out, const mxi_index_set *s, int64_t nI, int64_t *offs,
                       int64_t *xoffs);

/* Sets up w over every axis but ax of shape, for nops (<= 3) operands' strides. */
void mxi_along_walk(mxi_walk *w, const int64_t *shape, int nd, int ax, int nops,
                    mx_array *const *ops);

#endif
