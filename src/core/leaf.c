/* leaf.c — arrays made from C memory: copies, zero-copy wraps and scalars. */
#include <string.h>

#include "convert.h"
#include "internal.h"
#include "stream.h"

/* Validates shape and dtype. Returns a fresh unowned leaf with its metadata, or an error array
 * (owned by the scope) with *ok false. */
static mx_array *new_leaf(const char *op, mx_shape shape, mx_dtype dtype, size_t *nbytes,
                          bool *ok) {
  *ok = false;
  if (!mx_dtype_is_valid(dtype)) {
    return mxi_error(op, "invalid dtype %d", (int)dtype);
  }
  char err[MXI_SHAPE_STR_LEN + 64];
  if (!mxi_shape_fits(shape.ndim, shape.dims, err, sizeof err)) return mxi_error(op, "%s", err);
  uint64_t size = (uint64_t)mxi_shape_size(shape.ndim, shape.dims);
  mx_array *a = mxi_array_alloc(0);
  if (!a) return mxi_oom(op, "allocating an array");
  a->dtype = (uint8_t)dtype;
  mxi_set_shape(a, shape.ndim, shape.dims);
  a->stream = mxi_current_stream();
  *nbytes = (size_t)size * mx_dtype_size(dtype);
  *ok = true;
  return a;
}

mx_array *mx_array_new(const void *data, mx_shape shape, mx_dtype dtype) {
  size_t nbytes;
  bool ok;
  mx_array *a = new_leaf("array_new", shape, dtype, &nbytes, &ok);
  if (!ok) return a;
  if (!data && nbytes) {
    mx_release(a);
    return mxi_error("array_new", "data is NULL for %zu bytes", nbytes);
  }
  a->buf = mxi_buffer_alloc_host(nbytes);
  if (!a->buf) {
    mx_release(a);
    return mxi_error("array_new", "out of memory allocating %zu bytes", nbytes);
  }
  if (nbytes) memcpy(a->buf->host, data, nbytes);
  mxi_set_row_strides(a);
  return mxi_own(a);
}

mx_array *mx_array_wrap(void *data, mx_shape shape, mx_dtype dtype,
                        void (*free_fn)(void *data, void *ctx), void *ctx) {
  size_t nbytes;
  bool ok;
  mx_array *a = new_leaf("array_wrap", shape, dtype, &nbytes, &ok);
  if (!ok) return a;
  if ((!data && nbytes) || ((uintptr_t)data % mx_dtype_size(dtype)) != 0) {
    mx_release(a);
    return mxi_error("array_wrap", "data %p is NULL or not aligned to %zu bytes", data,
                     mx_dtype_size(dtype));
  }
  a->buf = mxi_buffer_wrap(data, nbytes, free_fn, ctx);
  if (!a->buf) {
    mx_release(a);
    return mxi_error("array_wrap", "out of memory");
  }
  mxi_set_row_strides(a);
  return mxi_own(a);
}

mx_array *mx_scalar_typed(double value, mx_dtype dtype) {
  if (!mx_dtype_is_valid(dtype)) return mxi_error("scalar_typed", "invalid dtype %d", (int)dtype);
  unsigned char tmp[16];
  mxi_store_f64(tmp, dtype, value);
  return mx_array_new(tmp, MX_SCALAR_SHAPE, dtype);
}

mx_array *mx_scalar_complex(float re, float im) {
  float complex z = mxi_cmplxf(re, im);
  return mx_array_new(&z, MX_SCALAR_SHAPE, MX_COMPLEX64);
}

mx_array *mx_scalar(double value) {
  mx_array *a = mx_scalar_typed(value, MX_FLOAT32);
  if (!a->error) {
    a->flags |= MX_FLAG_WEAK | MX_FLAG_WEAK_VALUE;
    a->weak_value = value; /* float32 storage alone would round 0.1 for a float64 operand */
  }
  return a;
}

mx_array *mx_scalar_int(int64_t value) {
  int32_t v = (int32_t)value;
  if (v != value) { /* does not fit int32: a (weak) int64 */
    mx_array *a = mx_array_new(&value, MX_SCALAR_SHAPE, MX_INT64);
    if (!a->error) a->flags |= MX_FLAG_WEAK;
    return a;
  }
  mx_array *a = mx_array_new(&v, MX_SCALAR_SHAPE, MX_INT32);
  if (!a->error) a->flags |= MX_FLAG_WEAK;
  return a;
}
