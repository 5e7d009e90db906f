/* scan_loops.h — the typed inner loops of the scan kernels (cumsum, cumprod, cummax, cummin,
 * logcumsumexp), one set per primitive and input dtype, behind a small table of functions. */
#ifndef MX_CPU_SCAN_LOOPS_H
#define MX_CPU_SCAN_LOOPS_H

#include "cpu.h"

/* Accumulators are opaque blocks of acc_size bytes each (aligned to 16). Strides are in bytes
 * and may be negative or 0. An out of NULL means "accumulate only" (no stores). Every loop
 * loads element i before it stores element i, so out may alias in exactly. */
typedef struct mxi_scan_fns {
  size_t acc_size;
  bool exact; /* exactly associative (integers, max/min): a scan may be split into pieces */
  /* Sets n accumulators to the identity (0, 1, lowest, highest, -inf). */
  void (*init)(void *acc, int64_t n);
  /* Scans n elements of one line into *acc. */
  void (*row)(const char *in, int64_t si, char *out, int64_t so, int64_t n, void *acc,
              bool inclusive);
  /* One step along the axis for n independent lines: in[j] (stride si) into acc[j], result to
   * out[j] (contiguous). */
  void (*cols)(const char *in, int64_t si, char *out, int64_t n, void *acc, bool inclusive);
  /* acc[j] = op(acc[j], b[j]) for j < n. */
  void (*combine)(void *acc, const void *b, int64_t n);
} mxi_scan_fns;

/* The loops of a scan primitive for an input dtype (NULL if it does not take that dtype). */
const mxi_scan_fns *mxi_scan_fns_for(mx_prim prim, mx_dtype in);

#endif
