/* internal.h — the array object, buffers and the internal helpers shared by core, ops and
 * backends. Nothing here is public API; internal functions are named mxi_*. */
#ifndef MX_CORE_INTERNAL_H
#define MX_CORE_INTERNAL_H

#include <stdarg.h>

/* internal.h is also read by the CUDA sources (C++): thread-local storage by either name. */
#ifdef __cplusplus
#define MXI_THREAD_LOCAL thread_local
#else
#define MXI_THREAD_LOCAL _Thread_local
#endif

#include "mx/array.h"
#include "mx/device.h"
#include "mx/dtype.h"
#include "params.h"

/* ---- primitive ids ---- */
typedef enum mx_prim {
  MX_PRIM_NONE = 0, /* a leaf: data given by the user or an evaluated result */
#define X(id, name, arity) MX_PRIM_##id,
#include "primitives.def"
#undef X
  MX_NUM_PRIMS
} mx_prim;

/* ---- buffers: reference-counted memory with a host copy and/or a device copy ---- */
typedef struct mx_backend mx_backend; /* core/backend.h */
typedef struct mx_buffer {
  int32_t refcount;
  size_t nbytes;
  void *host;        /* host memory (NULL until needed for a device-born buffer) */
  bool host_valid;   /* host holds the current data */
  bool dev_valid;    /* dev holds the current data */
  int dev_device;    /* which of dev_backend's devices holds dev */
  mx_backend *dev_backend; /* the backend whose device copy dev is (NULL: none) */
  void *dev;         /* that backend's handle of the device copy, opaque to core */
  void (*free_fn)(void *data, void *ctx); /* wrapped user memory: how to give it back */
  void *free_ctx;
  bool user_memory;  /* host is the user's (mx_array_wrap) */
} mx_buffer;

enum {
  MX_FLAG_WEAK = 1 << 0,        /* weakly typed scalar (mx_scalar) */
  MX_FLAG_PLACEHOLDER = 1 << 1, /* vmap's stand-in for one example: has no data */
  MX_FLAG_WEAK_VALUE = 1 << 2,  /* a weak scalar leaf whose exact value is in weak_value */
};

struct mx_array {
  int32_t refcount;
  uint16_t prim;   /* mx_prim; MX_PRIM_NONE for a leaf */
  uint8_t dtype;   /* mx_dtype */
  uint8_t ndim;
  uint8_t flags;
  uint8_t scratch; /* eval scratch bits (MXI_SCR_*) */
  int32_t nin;
  int64_t size;
  int64_t shape[MX_MAX_DIMS];
  int64_t strides[MX_MAX_DIMS]; /* in bytes; valid once buf is set */
  int64_t offset;               /* in bytes from buf's start */
  mx_buffer *buf;               /* NULL until evaluated */
  mx_array **in;                /* inputs (references held) */
  mx_params *params;            /* NULL when the primitive takes none */
  mx_stream stream;
  char *error;                  /* set on an error array: its message */
  uint16_t trace_level;         /* outermost transformation this node is traced by (0: none) */
  double weak_value;            /* mx_scalar's value, so that casting it is exact (float64) */
  uint32_t epoch;               /* eval scratch: visit mark */
  int32_t pending;              /* eval scratch: consumers yet to run */
  int32_t uses;                 /* eval scratch: consumers in this eval */
  void *trace;                  /* transforms scratch */
  mx_array *inline_in[3];
};

/* ---- arrays (array.c) ---- */
/* A new leaf or node with refcount 1 and no owner; give it to a scope with mxi_own. NULL when
 * out of memory. */
mx_array *mxi_array_alloc(int nin);
/* Hands a to the current scope and returns it; when the scope cannot grow, releases a and returns
 * an out-of-memory error array instead. */
mx_array *mxi_own(mx_array *a);
void mxi_set_shape(mx_array *a, int ndim, const int64_t *shape);
void mxi_set_row_strides(mx_array *a);     /* row-major strides for a's shape and dtype */
bool mxi_is_row_contiguous(const mx_array *a);
/* a's data on the host (evaluated, host copy made current). */
void *mxi_host_ptr(mx_array *a);
/* Drops a's node (inputs, params): a becomes a leaf holding its data. */
void mxi_detach(mx_array *a);

/* Nodes run by evaluation on this thread (eval.c): lets tests check that shared subgraphs are
 * computed once. */
extern MXI_THREAD_LOCAL uint64_t mxi_nodes_run;
/* Frees the calling thread's evaluation work vectors (mx_shutdown; thread exit does it too). */
void mxi_eval_free_thread(void);

/* ---- transformations' tracing (src/transforms) ---- */
/* Depth of the transformations running on this thread. A node with 0 < trace_level <= depth is
 * part of a function being transformed: evaluation must not drop its graph. */
extern MXI_THREAD_LOCAL uint16_t mxi_trace_depth;
static inline bool mxi_is_traced(const mx_array *a) {
  return a->trace_level && a->trace_level <= mxi_trace_depth;
}

/* ---- errors (error.c) ---- */
/* A new error array, "op: message", recorded as the thread's last error. Owned by the scope. */
mx_array *mxi_error(const char *op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error array carrying src's message (not recorded again). */
mx_array *mxi_error_from(const mx_array *src);
/* Records a message as the thread's error without creating an array. */
/* The message most recently recorded on this thread (mx_last_error keeps the first). */
const char *mxi_latest_error(void);
/* An error array with msg, not recorded again (the message was reported already). */
mx_array *mxi_error_quiet(const char *msg);
void mxi_record_error(const char *msg);
/* An error already reported (an existing error array evaluated again): mx_last_error only, not
 * the handler, which runs once per new error. */
void mxi_note_error(const char *msg);
/* Out of memory: the error array "mx_<op>: out of memory while <what>", recorded. Never NULL:
 * when even that cannot be allocated, mxi_oom_array. */
mx_array *mxi_oom(const char *op, const char *what);
/* Records "mx_<fn>: out of memory while <what>" for a call that returns NULL or a status. */
void mxi_record_oom(const char *fn, const char *what);
/* Replaces a's error message with a copy of msg (mxi_oom_message when the copy fails). */
void mxi_set_error(mx_array *a, const char *msg);
void mxi_free_error(char *msg); /* frees an error message unless it is mxi_oom_message */
/* The last-resort error array and its message: static, never freed. */
extern char mxi_oom_message[];
extern mx_array mxi_oom_array;
/* If any of the n inputs is NULL or an error array, the error array to return; else NULL. */
mx_array *mxi_check_inputs(const char *op, int n, mx_array *const *in);
/* Writes "(2,3)" (or "()") into buf. Returns buf. */
char *mxi_shape_str(char *buf, size_t len, int ndim, const int64_t *shape);
#define MXI_SHAPE_STR_LEN 96

/* ---- buffers (buffer.c) ---- */
mx_buffer *mxi_buffer_alloc_host(size_t nbytes); /* NULL when out of memory */
mx_buffer *mxi_buffer_wrap(void *data, size_t nbytes, void (*free_fn)(void *, void *), void *ctx);
void mxi_buffer_retain(mx_buffer *b);
void mxi_buffer_release(mx_buffer *b);
void *mxi_buffer_host(mx_buffer *b); /* makes the host copy current; NULL on failure */
/* Kernel scratch memory from the host block cache (64-byte aligned, counted as active and in the
 * peak, refused like an array beyond the memory limit: NULL): large work buffers reused across
 * calls instead of fresh pages each time. Free with the same size. */
void *mxi_scratch_alloc(size_t nbytes);
void mxi_scratch_free(void *p, size_t nbytes);
/* Allocates (uninitialized, accounted) host memory for a device-born buffer. */
bool mxi_buffer_ensure_host_alloc(mx_buffer *b);
/* A buffer born on a device: its device copy (handle dev of backend be's device) is current, the
 * host copy not yet allocated. NULL when out of host memory for the header (dev is not freed). */
mx_buffer *mxi_buffer_new_device(mx_backend *be, int device, void *dev, size_t nbytes);
/* Makes b's device copy current on backend be's device, allocating and copying in the host copy
 * (in the order of stream) when needed. On failure writes why into err and returns false. */
bool mxi_buffer_to_device(mx_buffer *b, mx_backend *be, int device, int stream, char *err,
                          size_t errlen);

/* Host memory statistics (buffer.c). */
void mxi_host_stats(mx_memory_stats *out);
void mxi_host_reset_peak(void);
void mxi_host_set_limit(size_t limit);
void mxi_host_clear_cache(void);

/* ---- small helpers (shape.c) ---- */
int64_t mxi_shape_size(int ndim, const int64_t *shape);
/* Whether an array of this shape can exist: ndim in [0, MX_MAX_DIMS], no negative dimension,
 * and the product of the nonzero dimensions (which bounds the size and every row-major stride)
 * below 2^56, so that byte sizes and strides fit in int64 for every dtype. On failure writes
 * "negative dimension in shape (..)" or "shape (..) is too large" into err. */
bool mxi_shape_fits(int ndim, const int64_t *shape, char *err, size_t errlen);
/* Normalizes axis for an ndim-array; false if out of range. */
bool mxi_norm_axis(int axis, int ndim, int *out);
/* Broadcast shape of two shapes; false if incompatible. */
bool mxi_broadcast_shapes(int na, const int64_t *a, int nb, const int64_t *b, int *nout,
                          int64_t *out);
mx_shape mxi_shape_of(const mx_array *a);

#endif
