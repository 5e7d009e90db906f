/* backend.h — a backend is a table of kernels plus a few device operations (the ggml pattern).
 * Eval sends each node to the backend of its stream's device; a primitive a backend lacks runs
 * on the CPU backend with a one-time warning (unified memory keeps that correct). */
#ifndef MX_CORE_BACKEND_H
#define MX_CORE_BACKEND_H

#include "registry.h"

typedef struct mx_backend {
  const char *name;
  mx_device_type type;
  mx_kernel_fn kernels[MX_NUM_PRIMS];
  int (*device_count)(void);
  void (*describe)(int index, char *buf, size_t len);
  int (*new_stream)(int device);                 /* returns a stream index, -1 on failure */
  mx_status (*synchronize)(int device, int stream);
  void (*memory_stats)(int device, mx_memory_stats *out);
  void (*reset_peak)(int device);
  void (*set_limit)(int device, size_t limit);
  void (*clear_cache)(int device);
  /* Debug builds of the parity tests (MX_CUDA_GUARD=1): checks the canary bytes after every live
   * device allocation; returns how many were ever found overwritten. NULL when unsupported. */
  size_t (*guard_violations)(int device);
} mx_backend;

/* The backend of a device type, or NULL when that backend is not built or has no device. */
mx_backend *mxi_backend(mx_device_type type);
void mxi_register_backend(mx_backend *b);
extern mx_backend mxi_cpu_backend;

/* Allocates out's buffer on the host, row-major. Takes over the buffer of an input flagged for
 * donation when shapes and sizes match (in may be NULL, n 0). On failure reports out of memory
 * through mxi_kernel_fail and returns false. */
bool mxi_out_alloc(mx_array *out, mx_array *const *in, int n);

/* True when out may take over input x's buffer: x is flagged for donation by eval (this is its
 * last use and nobody else holds it), and the sizes and layout match. on_device: the buffer's
 * device copy must be current (CUDA kernels), else its host copy. */
bool mxi_can_donate(const mx_array *out, const mx_array *x, bool on_device);

/* A row-major contiguous copy of an evaluated array, as a new leaf not owned by any scope
 * (release it). NULL on failure with the error recorded on out_for_errors. */
mx_array *mxi_contiguous_copy(mx_array *a, mx_array *out_for_errors);

/* Eval scratch bits (mx_array.donate). */
enum { MXI_SCR_TARGET = 1, MXI_SCR_DONATE = 2, MXI_SCR_COMPUTED = 4 };

#endif
