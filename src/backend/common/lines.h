/* lines.h — an array seen as independent lines along one axis (the GPU's scans and sorts): the
 * other axes merged into as few dims as the input's and the output's strides allow; and the sort
 * keys whose unsigned order is mx's order of values (NaN last, -0.0 == 0.0), which the CPU's sort
 * (cpu/k_sort.c) and the GPU's (cuda/sort.cu) both use. Plain C, host and device. */
#ifndef MX_COMMON_LINES_H
#define MX_COMMON_LINES_H

#include <stdint.h>
#include <string.h>

#include "../../core/half.h"
#include "../../core/internal.h"

#include "../../core/hd.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mxi_lines {
  int nd;                          /* merged non-axis dims; lines are numbered row-major over them */
  int64_t shape[MX_MAX_DIMS];
  int64_t in_stride[MX_MAX_DIMS];  /* bytes */
  int64_t out_stride[MX_MAX_DIMS]; /* bytes */
  int64_t nlines, n;               /* how many lines, elements per line */
  int64_t in_step, out_step;       /* byte strides along the axis */
} mxi_lines;

/* Plans lines along axis of an array of this shape read with in_strides and written with
 * out_strides (bytes). Size-1 dims are dropped; neighbours merge when both stride sets allow. */
void mxi_lines_plan(mxi_lines *L, int ndim, const int64_t *shape, const int64_t *in_strides,
                    const int64_t *out_strides, int axis);

/* Byte offsets of line l's first element in the input and in the output. */
MXI_HD void mxi_lines_offsets(const mxi_lines *L, int64_t l, int64_t *in_off, int64_t *out_off) {
  int64_t a = 0, b = 0;
  for (int i = L->nd - 1; i >= 0; i--) {
    int64_t q = l / L->shape[i], r = l - q * L->shape[i];
    a += r * L->in_stride[i];
    b += r * L->out_stride[i];
    l = q;
  }
  *in_off = a;
  *out_off = b;
}

/* ---- sort keys ---- */
MXI_HD uint32_t mxi_key_f32(float f) {
  if (f != f) return 0xffffffffu; /* every NaN after +inf */
  if (f == 0) f = 0;              /* -0.0 sorts with 0.0 */
  uint32_t u;
  memcpy(&u, &f, 4);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
MXI_HD uint64_t mxi_key_f64(double d) {
  if (d != d) return UINT64_MAX;
  if (d == 0) d = 0;
  uint64_t u;
  memcpy(&u, &d, 8);
  return (u >> 63) ? ~u : (u | (1ull << 63));
}
/* Integers of up to 32 bits use 32-bit keys, 64-bit ones 64-bit keys (sign bit flipped). */
MXI_HD uint32_t mxi_key_i32(int32_t v) { return (uint32_t)v ^ 0x80000000u; }
MXI_HD uint64_t mxi_key_i64(int64_t v) { return (uint64_t)v ^ (1ull << 63); }
MXI_HD uint32_t mxi_key_f16(uint16_t h) { return mxi_key_f32(mxi_f16_to_f32(h)); }
MXI_HD uint32_t mxi_key_bf16(uint16_t h) { return mxi_key_f32(mxi_bf16_to_f32(h)); }

#ifdef __cplusplus
}
#endif

#endif
