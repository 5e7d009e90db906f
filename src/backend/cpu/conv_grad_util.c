/* conv_grad_util.c — helpers of the conv gradient kernels (conv_grad.h) and their registration
 * into the CPU backend's table. */
#include "conv_grad.h"

#include <stdlib.h>
#include <string.h>

#include "../../core/half.h"

void mxi_cg_plan_init(mxi_cg_plan *p, const mx_array *x, const mx_array *c, const mx_array *w,
                      const mx_params *params) {
  memset(p, 0, sizeof *p);
  p->dt = (mx_dtype)x->dtype;
  p->ct = p->dt == MX_FLOAT64 ? MX_FLOAT64 : MX_FLOAT32;
  p->esz = mx_dtype_size(p->dt);
  p->csz = mx_dtype_size(p->ct);
  mxi_conv_geom_init(&p->g, x->shape, c->shape, w->shape, params);
}

/* dst[i] = src[i * stride bytes] in the compute dtype (float64 only comes from float64). */
static void load(void *dst, const char *src, int64_t stride, int64_t n, mx_dtype dt) {
  switch (dt) {
    case MX_FLOAT64:
      for (int64_t i = 0; i < n; i++) memcpy((double *)dst + i, src + i * stride, sizeof(double));
      break;
    case MX_FLOAT32:
      if (stride == (int64_t)sizeof(float)) {
        memcpy(dst, src, (size_t)n * sizeof(float));
      } else {
        for (int64_t i = 0; i < n; i++) memcpy((float *)dst + i, src + i * stride, sizeof(float));
      }
      break;
    case MX_FLOAT16:
      for (int64_t i = 0; i < n; i++) {
        uint16_t h;
        memcpy(&h, src + i * stride, sizeof h);
        ((float *)dst)[i] = mxi_f16_to_f32(h);
      }
      break;
    default:
      for (int64_t i = 0; i < n; i++) {
        uint16_t h;
        memcpy(&h, src + i * stride, sizeof h);
        ((float *)dst)[i] = mxi_bf16_to_f32(h);
      }
      break;
  }
}

typedef struct dense_job {
  const mx_array *a;
  const char *src;
  char *dst;
  int64_t inner; /* elements per row (the last axis) */
  size_t csz;
} dense_job;

/* Rows lo..hi of a (all axes but the last), each read through a's byte strides. */
static void dense_rows(void *ctx, int64_t lo, int64_t hi) {
  const dense_job *j = ctx;
  const mx_array *a = j->a;
  int last = a->ndim - 1;
  for (int64_t r = lo; r < hi; r++) {
    int64_t rem = r, off = 0; /* bytes from a's first element */
    for (int i = last - 1; i >= 0; i--) {
      off += (rem % a->shape[i]) * a->strides[i];
      rem /= a->shape[i];
    }
    load(j->dst + (size_t)(r * j->inner) * j->csz, j->src + off, a->strides[last],
         j->inner, (mx_dtype)a->dtype);
  }
}

const void *mxi_cg_dense(mx_array *a, mx_dtype ct, void **owned) {
  *owned = NULL;
  const char *src = mxi_host_ptr(a);
  if (!src && a->size > 0) return NULL;
  if ((mx_dtype)a->dtype == ct && mxi_is_row_contiguous(a)) return src;
  size_t csz = mx_dtype_size(ct);
  char *dst = malloc((size_t)a->size * csz + 1);
  if (!dst) return NULL;
  *owned = dst;
  if (a->size == 0) return dst;
  dense_job j = {a, src, dst, a->shape[a->ndim - 1], csz};
  int64_t rows = a->size / j.inner;
  mxi_parallel_for(rows, 16384 / (j.inner + 1) + 1, dense_rows, &j);
  return dst;
}

void mxi_cg_store(char *dst, const void *src, int64_t n, mx_dtype dt, mx_dtype ct) {
  if (dt == ct) {
    memcpy(dst, src, (size_t)n * mx_dtype_size(ct));
    return;
  }
  const float *s = src;
  uint16_t *d = (uint16_t *)dst;
  if (dt == MX_FLOAT16)
    for (int64_t i = 0; i < n; i++) d[i] = mxi_f32_to_f16(s[i]);
  else
    for (int64_t i = 0; i < n; i++) d[i] = mxi_f32_to_bf16(s[i]);
}

void mxi_cpu_register_conv_grad(mx_kernel_fn *k) {
  k[MX_PRIM_CONV_GRAD_INPUT] = mxi_k_conv_grad_input;
  k[MX_PRIM_CONV_GRAD_WEIGHT] = mxi_k_conv_grad_weight;
}
