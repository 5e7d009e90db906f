/* backend.c — the backend registry, the one place that decides where a node runs (supports, else
 * the host backend), and output allocation with buffer donation for host and device kernels. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"

static struct {
  pthread_mutex_t mu;
  mx_backend *_Atomic table[MXI_MAX_BACKENDS];
  void (*lazy[MXI_MAX_BACKENDS])(void);
  _Atomic bool started[MXI_MAX_BACKENDS];
} reg = {.mu = PTHREAD_MUTEX_INITIALIZER};

static bool valid_type(mx_device_type type) { return (unsigned)type < MXI_MAX_BACKENDS; }

void mxi_register_backend(mx_backend *b) {
  if (valid_type(b->type)) atomic_store(&reg.table[b->type], b);
}

void mxi_register_backend_lazy(mx_device_type type, void (*init)(void)) {
  if (valid_type(type)) reg.lazy[type] = init;
}

mx_backend *mxi_backend(mx_device_type type) {
  if (!valid_type(type)) return NULL;
  if (!atomic_load(&reg.started[type]) && reg.lazy[type]) {
    pthread_mutex_lock(&reg.mu); /* one thread starts it; the others wait for the table */
    if (!atomic_load(&reg.started[type])) {
      reg.lazy[type]();
      atomic_store(&reg.started[type], true);
    }
    pthread_mutex_unlock(&reg.mu);
  }
  return atomic_load(&reg.table[type]);
}

bool mxi_backend_runs(const mx_backend *be, const mx_array *node) {
  return be && be->kernels[node->prim] && (!be->supports || be->supports(be->ctx, node));
}

mx_backend *mxi_backend_for(const mx_array *node) {
  mx_backend *be = mxi_backend(node->stream.device.type);
  if (mxi_backend_runs(be, node)) return be;
  mx_backend *host = mxi_backend(MX_CPU);
  if (!mxi_backend_runs(host, node)) return NULL;
  if (be && be != host) {
    static _Atomic bool warned[MXI_MAX_BACKENDS][MX_NUM_PRIMS][MX_NUM_DTYPES];
    mx_dtype dt = (mx_dtype)(node->nin > 0 ? node->in[0]->dtype : node->dtype);
    if (!atomic_exchange(&warned[be->type][node->prim][dt], true))
      fprintf(stderr, "mx: warning: %s has no %s kernel for %s; running it on the CPU\n",
              mxi_prims[node->prim].name, be->name, mx_dtype_name(dt));
  }
  return host;
}

bool mxi_can_donate(const mx_array *out, const mx_array *x, bool on_device) {
  if (!(x->scratch & MXI_SCR_DONATE) || !x->buf || x->buf->refcount != 1) return false;
  if (x->offset != 0 || x->buf->nbytes != mx_array_nbytes(out) || x->buf->user_memory) return false;
  if (on_device ? !x->buf->dev_valid : !x->buf->host_valid) return false;
  if (mx_dtype_size((mx_dtype)x->dtype) != mx_dtype_size((mx_dtype)out->dtype)) return false;
  if (x->ndim != out->ndim) return false;
  for (int i = 0; i < x->ndim; i++)
    if (x->shape[i] != out->shape[i]) return false;
  return mxi_is_row_contiguous(x);
}

/* Hands the buffer of the first donatable input to out. The kernel still reads that input through
 * it, and eval drops the input right after this node (its last use), leaving the buffer to out. */
static bool take_donation(mx_array *out, mx_array *const *in, int n, const mx_backend *be,
                          int device) {
  for (int i = 0; i < n; i++) {
    mx_array *x = in[i];
    if (!x || !mxi_can_donate(out, x, be != NULL)) continue;
    if (be && (x->buf->dev_backend != be || x->buf->dev_device != device)) continue;
    out->buf = x->buf;
    mxi_buffer_retain(out->buf);
    if (be) out->buf->host_valid = false; /* the kernel overwrites the device copy */
    else out->buf->dev_valid = false;     /* ... or the host copy */
    x->scratch &= (uint8_t)~MXI_SCR_DONATE;
    mxi_set_row_strides(out);
    return true;
  }
  return false;
}

static void fail_alloc(mx_array *out, size_t nbytes, const char *why) {
  char s[MXI_SHAPE_STR_LEN];
  mxi_kernel_fail(out, "%s allocating %zu bytes for an array of shape %s %s", why, nbytes,
                  mxi_shape_str(s, sizeof s, out->ndim, out->shape),
                  mx_dtype_name((mx_dtype)out->dtype));
}

bool mxi_out_alloc(mx_array *out, mx_array *const *in, int n) {
  if (take_donation(out, in, n, NULL, 0)) return true;
  size_t nbytes = mx_array_nbytes(out);
  out->buf = mxi_buffer_alloc_host(nbytes);
  if (!out->buf) {
    fail_alloc(out, nbytes, "out of memory");
    return false;
  }
  mxi_set_row_strides(out);
  return true;
}

void *mxi_out_alloc_device(mx_array *out, mx_array *const *in, int n, mx_backend *be, int device,
                           int stream) {
  if (take_donation(out, in, n, be, device)) return out->buf->dev;
  size_t nbytes = mx_array_nbytes(out);
  char why[300] = "out of memory";
  void *dev = be->buffer_alloc(be->ctx, device, nbytes, stream, why, sizeof why);
  if (!dev) {
    fail_alloc(out, nbytes, why);
    return NULL;
  }
  out->buf = mxi_buffer_new_device(be, device, dev, nbytes);
  if (!out->buf) {
    be->buffer_free(be->ctx, dev);
    fail_alloc(out, nbytes, "out of host memory for a buffer header");
    return NULL;
  }
  mxi_set_row_strides(out);
  return dev;
}

/* Makes every input's data current where be computes: the host copy for a host backend, else
 * the device copy on the node's device, copied in on its stream. */
static bool prepare_inputs(mx_array *node, mx_backend *be) {
  for (int i = 0; i < node->nin; i++) {
    mx_buffer *b = node->in[i]->buf;
    if (!b) {
      mxi_kernel_fail(node, "input %d has no data (internal)", i);
      return false;
    }
    if (!be->buffer_alloc) {
      if (!mxi_buffer_host(b)) {
        mxi_kernel_fail(node, "could not copy input %d to the host", i);
        return false;
      }
      continue;
    }
    char why[300] = "";
    if (!mxi_buffer_to_device(b, be, node->stream.device.index, node->stream.index, why, sizeof why)) {
      char s[MXI_SHAPE_STR_LEN];
      mx_array *x = node->in[i];
      mxi_kernel_fail(node, "%s (moving input %d, %s %s, to %s:%d)", why, i,
                      mxi_shape_str(s, sizeof s, x->ndim, x->shape), mx_dtype_name((mx_dtype)x->dtype),
                      be->name, node->stream.device.index);
      return false;
    }
  }
  return true;
}

mx_status mxi_run_kernel(mx_array *node, mx_backend *be) {
  if (!be) be = mxi_backend_for(node);
  if (!be || !be->kernels[node->prim]) {
    mxi_kernel_fail(node, "no kernel for this primitive on any backend (internal)");
    return MX_ERROR;
  }
  if (!prepare_inputs(node, be)) return MX_ERROR;
  if (be->kernels[node->prim](node, node->in, node->nin, node->params) == MX_OK && !node->error)
    return MX_OK;
  if (!node->error) mxi_kernel_fail(node, "kernel failed");
  return MX_ERROR;
}

mx_array *mxi_contiguous_copy(mx_array *a, mx_backend *be, mx_array *out_for_errors) {
  mx_array *c = mxi_array_alloc(1);
  if (!c) {
    if (out_for_errors) mxi_kernel_fail(out_for_errors, "out of memory while making a contiguous copy");
    return NULL;
  }
  c->prim = MX_PRIM_COPY;
  c->dtype = a->dtype;
  c->stream = out_for_errors ? out_for_errors->stream : a->stream;
  mxi_set_shape(c, a->ndim, a->shape);
  c->in[0] = a;
  a->refcount++;
  if (mxi_run_kernel(c, be) != MX_OK) {
    if (out_for_errors) mxi_kernel_fail(out_for_errors, "%s", c->error ? c->error : "copy failed");
    mx_release(c);
    return NULL;
  }
  mxi_detach(c);
  return c;
}
