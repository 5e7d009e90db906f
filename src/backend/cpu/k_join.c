/* k_join.c — CPU kernels of the join family: CONCATENATE (each input copied into its block of
 * the output) and PAD (constant or edge, row by row). Inputs may have any strides. */
#include <string.h>

#include "../../core/convert.h"
#include "copy_loops.h"

/* ---- concatenate ---- */

/* A stack-held array header describing the block of out that input k fills: out's buffer and
 * strides, k's shape, offset by the blocks before it. Lets the strided copy (mxi_copy_into:
 * merged dims, threads) write straight into the output. */
static void block_view(mx_array *v, const mx_array *out, const mx_array *in, int axis, int64_t at) {
  memset(v, 0, sizeof *v);
  v->dtype = out->dtype;
  mxi_set_shape(v, in->ndim, in->shape);
  memcpy(v->strides, out->strides, sizeof(int64_t) * (size_t)out->ndim);
  v->buf = out->buf;
  v->offset = out->offset + at * out->strides[axis];
}

static mx_status k_concat(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  int axis = p->concat.axis;
  int64_t at = 0;
  for (int k = 0; k < n; k++) {
    mx_array v;
    block_view(&v, out, in[k], axis, at);
    if (v.size > 0) mxi_copy_into(&v, in[k]);
    at += in[k]->shape[axis];
  }
  return MX_OK;
}

/* ---- pad ---- */

typedef struct pad_task {
  int nd;
  int64_t oshape[MX_MAX_DIMS], ishape[MX_MAX_DIMS], istride[MX_MAX_DIMS];
  int64_t lo[MX_MAX_DIMS];
  int64_t rowlen;  /* out's last dimension (1 for 0-d) */
  const char *in;
  char *out;
  size_t isz;
  bool edge;
  _Alignas(16) unsigned char fill[16]; /* the constant, stored in the dtype */
  mxi_loop_fn copy;
} pad_task;

/* Writes n copies of the element at v (isz bytes) to o. */
static void fill_elems(char *o, const void *v, int64_t n, size_t isz) {
  switch (isz) {
    case 1: memset(o, *(const uint8_t *)v, (size_t)n); break;
    case 2: {
      uint16_t x;
      memcpy(&x, v, 2);
      for (int64_t i = 0; i < n; i++) memcpy(o + i * 2, &x, 2);
      break;
    }
    case 4: {
      uint32_t x;
      memcpy(&x, v, 4);
      for (int64_t i = 0; i < n; i++) memcpy(o + i * 4, &x, 4);
      break;
    }
    default: {
      uint64_t x;
      memcpy(&x, v, 8);
      for (int64_t i = 0; i < n; i++) memcpy(o + i * 8, &x, 8);
      break;
    }
  }
}

/* One output row along the last axis: [lo fill | input row | hi fill]. Outer indices outside the
 * input give a constant row (constant mode) or clamp to the border (edge mode). */
static void pad_rows(void *arg, int64_t r0, int64_t r1) {
  const pad_task *t = arg;
  int last = t->nd - 1;
  size_t isz = t->isz;
  for (int64_t r = r0; r < r1; r++) {
    char *o = t->out + (size_t)(r * t->rowlen) * isz;
    int64_t off = 0;
    bool inside = true;
    int64_t rem = r;
    for (int i = last - 1; i >= 0; i--) {
      int64_t j = rem % t->oshape[i] - t->lo[i];
      rem /= t->oshape[i];
      if (j < 0 || j >= t->ishape[i]) {
        inside = false;
        j = j < 0 ? 0 : t->ishape[i] - 1;
      }
      off += j * t->istride[i];
    }
    if (!inside && !t->edge) {
      fill_elems(o, t->fill, t->rowlen, isz);
      continue;
    }
    const char *src = t->in + off;
    int64_t L = t->nd ? t->lo[last] : 0, M = t->nd ? t->ishape[last] : 1;
    int64_t s = t->nd ? t->istride[last] : 0;
    const void *left = t->edge ? (const void *)src : t->fill;
    const void *right = t->edge ? (const void *)(src + (M - 1) * s) : t->fill;
    fill_elems(o, left, L, isz);
    if (M > 0) {
      char *ptrs[2] = {o + (size_t)L * isz, (char *)src};
      int64_t strides[2] = {(int64_t)isz, s};
      t->copy(M, ptrs, strides, NULL);
    }
    fill_elems(o + (size_t)(L + M) * isz, right, t->rowlen - L - M, isz);
  }
}

static mx_status k_pad(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  mx_array *a = in[0];
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  pad_task t;
  memset(&t, 0, sizeof t);
  t.nd = a->ndim;
  for (int i = 0; i < a->ndim; i++) {
    t.oshape[i] = out->shape[i];
    t.ishape[i] = a->shape[i];
    t.istride[i] = a->strides[i];
    t.lo[i] = p->pad.lo[i];
  }
  t.rowlen = t.nd ? out->shape[t.nd - 1] : 1;
  t.isz = mx_dtype_size((mx_dtype)a->dtype);
  t.edge = p->pad.mode == MX_PAD_EDGE;
  mxi_store_f64(t.fill, (mx_dtype)a->dtype, p->pad.value);
  t.copy = mxi_copy_loop(t.isz);
  t.out = mxi_host_ptr(out);
  if (a->size == 0) { /* only constant mode gets here with an empty input: all constant */
    fill_elems(t.out, t.fill, out->size, t.isz);
    return MX_OK;
  }
  t.in = mxi_host_ptr(a);
  int64_t rows = out->size / t.rowlen;
  mxi_parallel_for(rows, 32768 / t.rowlen + 1, pad_rows, &t);
  return MX_OK;
}

void mxi_cpu_register_join(mx_kernel_fn *k) {
  k[MX_PRIM_CONCATENATE] = k_concat;
  k[MX_PRIM_PAD] = k_pad;
}
