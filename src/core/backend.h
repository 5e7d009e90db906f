/* backend.h — the backend contract (DESIGN §7, the ggml pattern): a table of function pointers
 * plus a context. Core knows a backend only through this table: eval asks supports(node) once per
 * node and runs it with kernels[prim], or on the host backend with a one-time warning (unified
 * memory keeps that correct); buffers reach a backend's device copy only through its buffer
 * operations. The host backend (MX_CPU) works on the host copy that core allocates itself. */
#ifndef MX_CORE_BACKEND_H
#define MX_CORE_BACKEND_H

#include "registry.h"

/* mx_backend is declared in internal.h (a buffer names the backend of its device copy). */

#define MXI_MAX_BACKENDS 2 /* one per mx_device_type */

struct mx_backend {
  const char *name;     /* "cpu", "cuda" */
  mx_device_type type;
  void *ctx;            /* the backend's own state, passed to every operation below */
  mx_kernel_fn kernels[MX_NUM_PRIMS];
  /* True when kernels[node->prim] runs this node (its dtypes and params), its inputs evaluated.
   * NULL: every primitive that has a kernel. Eval alone calls it. */
  bool (*supports)(void *ctx, const mx_array *node);

  /* ---- devices and streams (device indices count from 0 within this backend) ---- */
  int (*device_count)(void *ctx);
  void (*describe)(void *ctx, int device, char *buf, size_t len);
  int (*new_stream)(void *ctx, int device); /* a stream index, -1 on failure (error recorded) */
  /* Waits for the stream's queued work (stream -1: all streams; device -1: every device). */
  mx_status (*synchronize)(void *ctx, int device, int stream);

  /* ---- the device copy of a buffer: b->dev is this backend's handle, opaque to core ----
   * All NULL for a backend that computes on the host copy. Core decides when data moves (on
   * demand, before a node runs: mxi_buffer_to_device) and when outputs take over an input's
   * buffer; the backend orders its streams' reads and writes of each handle. */
  /* A device copy of nbytes on device, to be used first on stream: the handle, or NULL with
   * the reason (out of memory, the limit) written into err. */
  void *(*buffer_alloc)(void *ctx, int device, size_t nbytes, int stream, char *err, size_t errlen);
  /* Releases a handle; queued work may still read it, the backend orders its reuse after. */
  void (*buffer_free)(void *ctx, void *handle);
  /* Copies host into the handle in the order of stream (after the handle's queued readers and
   * writers); host may be reused once this returns. */
  mx_status (*buffer_copy_in)(void *ctx, void *handle, const void *host, size_t nbytes,
                              int stream, char *err, size_t errlen);
  /* Copies the handle into host after the work queued on it; returns once host holds the data.
   * On failure records an error and returns MX_ERROR. */
  mx_status (*buffer_copy_out)(void *ctx, void *handle, void *host, size_t nbytes);

  /* ---- memory ---- */
  void (*memory_stats)(void *ctx, int device, mx_memory_stats *out);
  void (*reset_peak)(void *ctx, int device);
  void (*set_limit)(void *ctx, int device, size_t limit);
  void (*clear_cache)(void *ctx, int device);
  /* Debug builds of the parity tests (MX_CUDA_GUARD=1): checks the canary bytes after every live
   * device allocation; returns how many were ever found overwritten. NULL when unsupported. */
  size_t (*guard_violations)(void *ctx, int device);
};

/* The backend of a device type, or NULL when none is registered. A lazily registered backend is
 * initialized on the first call that asks for its type. */
mx_backend *mxi_backend(mx_device_type type);
/* Registration, by the library's top level (src/init.c): b stays owned by the caller. */
void mxi_register_backend(mx_backend *b);
/* init registers the backend of type when first asked for (a GPU runtime starts only when a
 * program touches that device type). */
void mxi_register_backend_lazy(mx_device_type type, void (*init)(void));

/* True when be has a kernel for node's primitive and supports node (be may be NULL). */
bool mxi_backend_runs(const mx_backend *be, const mx_array *node);

/* The backend that runs node: its stream's backend when that supports it, else the host backend
 * (warning once per primitive, dtype and backend). NULL when no backend has a kernel. */
mx_backend *mxi_backend_for(const mx_array *node);

/* Allocates out's buffer on the host, row-major. Takes over the buffer of an input flagged for
 * donation when shapes and sizes match (in may be NULL, n 0). On failure reports out of memory
 * through mxi_kernel_fail and returns false. */
bool mxi_out_alloc(mx_array *out, mx_array *const *in, int n);

/* The device-kernel form of mxi_out_alloc: out's buffer born on (be, device), used first on
 * stream, or an input's buffer whose device copy is current there. Returns out's handle
 * (out->buf->dev), or NULL with out failed (out of memory, naming the output). */
void *mxi_out_alloc_device(mx_array *out, mx_array *const *in, int n, mx_backend *be, int device,
                           int stream);

/* True when out may take over input x's buffer: x is flagged for donation by eval (this is its
 * last use and nobody else holds it), and the sizes and layout match. on_device: the buffer's
 * device copy must be current (device kernels), else its host copy. */
bool mxi_can_donate(const mx_array *out, const mx_array *x, bool on_device);

/* Runs node's kernel on be (NULL: mxi_backend_for(node)) after making its inputs' data current
 * there. On failure node carries the error (naming its op) and MX_ERROR is returned. */
mx_status mxi_run_kernel(mx_array *node, mx_backend *be);

/* A row-major contiguous copy of an evaluated array, made by backend be (NULL: where a copy on
 * out_for_errors's stream runs), as a new leaf not owned by any scope (release it). NULL on
 * failure with the error recorded on out_for_errors. Kernels pass their own backend. */
mx_array *mxi_contiguous_copy(mx_array *a, mx_backend *be, mx_array *out_for_errors);

/* Eval scratch bits (mx_array.scratch). */
enum { MXI_SCR_TARGET = 1, MXI_SCR_DONATE = 2, MXI_SCR_COMPUTED = 4 };

#endif
