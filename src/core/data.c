/* data.c — reading values back into C: contiguous host data, copies, items. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "convert.h"

/* Evaluates a and makes its storage row-major contiguous on the host. NULL on error. */
static void *host_contiguous(mx_array *a, const char *op) {
  if (!a) {
    char msg[80];
    snprintf(msg, sizeof msg, "mx_%s: array is NULL", op);
    mxi_record_error(msg);
    return NULL;
  }
  if (mx_eval(a) != MX_OK) return NULL;
  if (!mxi_is_row_contiguous(a)) {
    /* Replace the view's storage by a compact copy: same values, so invisible to users. */
    mx_array *c = mxi_contiguous_copy(a, NULL, a);
    if (!c) {
      mxi_record_error(a->error);
      return NULL;
    }
    mxi_buffer_release(a->buf);
    a->buf = c->buf;
    mxi_buffer_retain(a->buf);
    mxi_set_row_strides(a);
    mx_release(c);
  }
  char *base = mxi_buffer_host(a->buf);
  if (!base) {
    char msg[160];
    snprintf(msg, sizeof msg, "mx_%s: could not copy the array's data to the host", op);
    mxi_record_error(msg);
    return NULL;
  }
  return base + a->offset;
}

void *mxi_host_ptr(mx_array *a) {
  char *base = mxi_buffer_host(a->buf);
  return base ? base + a->offset : NULL;
}

const void *mx_array_data(mx_array *a) { return host_contiguous(a, "array_data"); }

mx_status mx_array_copy_to(mx_array *a, void *dst, size_t capacity, mx_dtype dtype) {
  char msg[200];
  msg[0] = 0;
  if (!mx_dtype_is_valid(dtype))
    snprintf(msg, sizeof msg, "mx_array_copy_to: invalid dtype %d", (int)dtype);
  else if (!dst && a && a->size > 0)
    snprintf(msg, sizeof msg, "mx_array_copy_to: dst is NULL");
  if (msg[0]) {
    mxi_record_error(msg);
    return MX_ERROR;
  }
  const char *src = host_contiguous(a, "array_copy_to");
  if (!src) return MX_ERROR;
  if ((size_t)a->size > capacity) {
    snprintf(msg, sizeof msg, "mx_array_copy_to: %lld elements do not fit a capacity of %zu",
             (long long)a->size, capacity);
    mxi_record_error(msg);
    return MX_ERROR;
  }
  mx_dtype st = (mx_dtype)a->dtype;
  if (st == dtype) {
    memcpy(dst, src, mx_array_nbytes(a));
    return MX_OK;
  }
  size_t ss = mx_dtype_size(st), ds = mx_dtype_size(dtype);
  for (int64_t i = 0; i < a->size; i++) {
    const char *p = src + (size_t)i * ss;
    char *q = (char *)dst + (size_t)i * ds;
    if (dtype == MX_COMPLEX64 && st == MX_COMPLEX64) {
      memcpy(q, p, 8);
    } else if (mx_dtype_is_integer(st) && mx_dtype_is_integer(dtype) && ds == 8) {
      int64_t v = mxi_load_i64(p, st); /* exact for 64-bit integers */
      memcpy(q, &v, 8);
    } else {
      mxi_store_f64(q, dtype, mxi_load_f64(p, st));
    }
  }
  return MX_OK;
}

static const char *item_ptr(mx_array *a, const char *op) {
  const char *p = host_contiguous(a, op);
  if (p && a->size != 1) {
    char msg[200], s[MXI_SHAPE_STR_LEN];
    snprintf(msg, sizeof msg, "mx_%s: array of shape %s has %lld elements, not 1", op,
             mxi_shape_str(s, sizeof s, a->ndim, a->shape), (long long)a->size);
    mxi_record_error(msg);
    return NULL;
  }
  return p;
}

double mx_item_f64(mx_array *a) {
  const char *p = item_ptr(a, "item_f64");
  return p ? mxi_load_f64(p, (mx_dtype)a->dtype) : NAN;
}
float mx_item_f32(mx_array *a) {
  const char *p = item_ptr(a, "item_f32");
  return p ? (float)mxi_load_f64(p, (mx_dtype)a->dtype) : NAN;
}
int64_t mx_item_i64(mx_array *a) {
  const char *p = item_ptr(a, "item_i64");
  return p ? mxi_load_i64(p, (mx_dtype)a->dtype) : 0;
}
bool mx_item_bool(mx_array *a) {
  const char *p = item_ptr(a, "item_bool");
  if (!p) return false;
  if (a->dtype == MX_COMPLEX64) {
    const float *z = (const float *)p;
    return z[0] != 0 || z[1] != 0;
  }
  return mxi_load_f64(p, (mx_dtype)a->dtype) != 0;
}

double mx_array_get_f64(mx_array *a, const int64_t *index) {
  if (a && !index && a->ndim > 0) {
    mxi_record_error("mx_array_get_f64: index is NULL for an array with dimensions");
    return NAN;
  }
  if (!a || mx_eval(a) != MX_OK) return NAN;
  int64_t off = a->offset;
  for (int i = 0; i < a->ndim; i++) {
    int64_t k = index[i] < 0 ? index[i] + a->shape[i] : index[i];
    if (k < 0 || k >= a->shape[i]) {
      char msg[160];
      snprintf(msg, sizeof msg, "mx_array_get_f64: index %lld out of range for axis %d of size %lld",
               (long long)index[i], i, (long long)a->shape[i]);
      mxi_record_error(msg);
      return NAN;
    }
    off += k * a->strides[i];
  }
  const char *base = mxi_buffer_host(a->buf);
  return base ? mxi_load_f64(base + off, (mx_dtype)a->dtype) : NAN;
}
