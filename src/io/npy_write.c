/* npy_write.c — NumPy .npy saving, laid out byte for byte as numpy.save does (format 1.0 unless
 * the header needs 2.0, the same spare spaces, data aligned to 64 bytes). */
#include <stdlib.h>

#include "io_internal.h"

static const char *descr(mx_dtype dt) {
  static const char *const d[MX_NUM_DTYPES] = {
      [MX_BOOL] = "|b1",  [MX_UINT8] = "|u1",  [MX_UINT16] = "<u2",   [MX_UINT32] = "<u4",
      [MX_UINT64] = "<u8", [MX_INT8] = "|i1",  [MX_INT16] = "<i2",    [MX_INT32] = "<i4",
      [MX_INT64] = "<i8",  [MX_FLOAT16] = "<f2", [MX_BFLOAT16] = "<V2", [MX_FLOAT32] = "<f4",
      [MX_FLOAT64] = "<f8", [MX_COMPLEX64] = "<c8"};
  return mx_dtype_is_valid(dt) ? d[dt] : NULL;
}

size_t mxi_npy_header(const char *fn, const char *path, mx_dtype dt, int ndim,
                      const int64_t *shape, uint8_t *buf) {
  const char *d = descr(dt);
  if (!d) {
    mxi_io_error(fn, path, "invalid dtype %d", (int)dt);
    return 0;
  }
  char dict[MXI_NPY_HEADER_MAX];
  int k = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", d);
  for (int i = 0; i < ndim; i++)
    k += snprintf(dict + k, sizeof dict - (size_t)k, i ? ", %lld" : "%lld", (long long)shape[i]);
  k += snprintf(dict + k, sizeof dict - (size_t)k, "%s), }", ndim == 1 ? "," : "");
  if (ndim > 0) { /* numpy leaves room to grow the first axis in place: 21 digits */
    int digits = snprintf(NULL, 0, "%lld", (long long)shape[0]);
    for (int i = digits; i < 21; i++) dict[k++] = ' ';
  }
  /* Preamble (10 bytes) + dict + padding + '\n' ends on a multiple of 64; padding is 1..64. */
  size_t hlen = (size_t)k + 1, pad = 64 - (10 + hlen) % 64;
  if (10 + hlen + pad > MXI_NPY_HEADER_MAX) {
    mxi_io_error(fn, path, "header too long");
    return 0;
  }
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  mxi_wr16(buf + 8, (uint16_t)(hlen + pad));
  memcpy(buf + 10, dict, (size_t)k);
  memset(buf + 10 + k, ' ', pad);
  buf[10 + (size_t)k + pad] = '\n';
  return 10 + hlen + pad;
}

mx_status mx_save_npy(const char *path, mx_array *a) {
  const char *fn = "mx_save_npy", *p = path ? path : "(null)";
  if (!path) {
    mxi_io_error(fn, p, "not a file path (NULL)");
    return MX_ERROR;
  }
  if (!mxi_io_host_ok(fn, p)) return MX_ERROR;
  if (!a || a->error) {
    mxi_io_error(fn, p, "the array is %s%s", a ? "an error array: " : "NULL", a ? a->error : "");
    return MX_ERROR;
  }
  uint8_t hdr[MXI_NPY_HEADER_MAX];
  size_t hn = mxi_npy_header(fn, p, (mx_dtype)a->dtype, a->ndim, a->shape, hdr);
  if (!hn) return MX_ERROR;
  mxi_atomic_file af;
  if (mxi_atomic_open(&af, fn, p) != MX_OK) return MX_ERROR;
  mxi_atomic_write(&af, hdr, hn);
  const void *bytes = af.failed ? NULL : mxi_io_array_bytes(fn, p, "array", a);
  if (!bytes) af.failed = true;
  else mxi_atomic_write(&af, bytes, mx_array_nbytes(a));
  return mxi_atomic_commit(&af);
}
