/* k_copy.c — the COPY kernel (mx_contiguous) and strided copy loops by element size. */
#include <string.h>

#include "copy_loops.h"

#define COPY_LOOP(NAME, T)                                                           \
  static void NAME(int64_t n, char **p, const int64_t *s, const void *ctx) {         \
    (void)ctx;                                                                       \
    T *o = (T *)p[0];                                                                \
    const T *a = (const T *)p[1];                                                    \
    if (s[0] == sizeof(T) && s[1] == sizeof(T)) {                                    \
      memcpy(o, a, (size_t)n * sizeof(T));                                           \
    } else if (s[0] == sizeof(T) && s[1] == 0) {                                     \
      T v = *a;                                                                      \
      for (int64_t i = 0; i < n; i++) o[i] = v;                                      \
    } else {                                                                         \
      for (int64_t i = 0; i < n; i++)                                                \
        *(T *)(p[0] + i * s[0]) = *(const T *)(p[1] + i * s[1]);                     \
    }                                                                                \
  }

typedef struct {
  uint64_t lo, hi;
} u128;
COPY_LOOP(copy1, uint8_t)
COPY_LOOP(copy2, uint16_t)
COPY_LOOP(copy4, uint32_t)
COPY_LOOP(copy8, uint64_t)
COPY_LOOP(copy16, u128)

mxi_loop_fn mxi_copy_loop(size_t itemsize) {
  switch (itemsize) {
    case 1: return copy1;
    case 2: return copy2;
    case 4: return copy4;
    case 8: return copy8;
    default: return copy16;
  }
}

void mxi_copy_into(mx_array *out, mx_array *in) {
  mxi_cpu_map(out, 1, &in, mxi_copy_loop(mx_dtype_size((mx_dtype)out->dtype)), NULL, 1);
}

/* Already row-major: share the buffer (arrays are immutable, so this is a valid "copy"). */
static mx_status k_copy(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  (void)p;
  mx_array *a = in[0];
  if (mxi_is_row_contiguous(a)) {
    out->buf = a->buf;
    mxi_buffer_retain(out->buf);
    mxi_set_row_strides(out);
    out->offset = a->offset;
    return MX_OK;
  }
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  mxi_copy_into(out, a);
  return MX_OK;
}

void mxi_cpu_register_copy(mx_kernel_fn *k) { k[MX_PRIM_COPY] = k_copy; }
