/* backend.c — the backend registry and output allocation shared by host kernels. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"

static mx_backend *backends[2];

void mxi_register_backend(mx_backend *b) { backends[b->type] = b; }

#ifdef MX_HAVE_CUDA
void mxi_cuda_backend_init(void); /* src/backend/cuda: registers itself when a GPU is usable */
static void init_cuda(void) { mxi_cuda_backend_init(); }
#else
static void init_cuda(void) {}
#endif

mx_backend *mxi_backend(mx_device_type type) {
  if (type == MX_CPU) return &mxi_cpu_backend;
  if (type == MX_CUDA) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_cuda);
    return backends[MX_CUDA];
  }
  return NULL;
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

bool mxi_out_alloc(mx_array *out, mx_array *const *in, int n) {
  for (int i = 0; i < n; i++) {
    mx_array *x = in[i];
    if (x && mxi_can_donate(out, x, false)) {
      /* Share x's buffer: the kernel still reads x through it, and eval drops x's reference
       * right after this node (its last use), leaving the buffer to out alone. */
      out->buf = x->buf;
      mxi_buffer_retain(out->buf);
      out->buf->dev_valid = false; /* the kernel overwrites the host copy */
      x->scratch &= (uint8_t)~MXI_SCR_DONATE;
      mxi_set_row_strides(out);
      return true;
    }
  }
  size_t nbytes = mx_array_nbytes(out);
  out->buf = mxi_buffer_alloc_host(nbytes);
  if (!out->buf) {
    char s[MXI_SHAPE_STR_LEN];
    mxi_kernel_fail(out, "out of memory allocating %zu bytes for an array of shape %s %s", nbytes,
                    mxi_shape_str(s, sizeof s, out->ndim, out->shape),
                    mx_dtype_name((mx_dtype)out->dtype));
    return false;
  }
  mxi_set_row_strides(out);
  return true;
}

mx_array *mxi_contiguous_copy(mx_array *a, mx_array *out_for_errors) {
  mx_array *c = mxi_array_alloc(1);
  c->prim = MX_PRIM_COPY;
  c->dtype = a->dtype;
  c->stream = a->stream;
  mxi_set_shape(c, a->ndim, a->shape);
  c->in[0] = a;
  a->refcount++;
  mx_backend *be = mxi_backend(a->stream.device.type);
  mx_kernel_fn k = be && be->kernels[MX_PRIM_COPY] ? be->kernels[MX_PRIM_COPY]
                                                   : mxi_cpu_backend.kernels[MX_PRIM_COPY];
  if (k(c, c->in, 1, NULL) != MX_OK) {
    if (out_for_errors) mxi_kernel_fail(out_for_errors, "%s", c->error ? c->error : "copy failed");
    mx_release(c);
    return NULL;
  }
  mxi_detach(c);
  return c;
}
