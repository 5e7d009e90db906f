/* k_indexing.c — CPU kernels that read by index or write a slice: SLICE_UPDATE, GATHER and
 * TAKE_ALONG_AXIS. Data moves by element size, so every dtype shares one loop; indices of any
 * integer dtype are checked before use (an error, never an out-of-bounds access). Scatters are
 * in k_scatter.c. */
#include <stdlib.h>
#include <string.h>

#include "../common/dims.h"
#include "copy_loops.h"
#include "index_util.h"

/* ---- SLICE_UPDATE: a copy of a (or a's donated buffer) with the update written through a
 * strided view of the slice ---- */
static mx_status k_slice_update(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  mx_array *a = in[0], *u = in[1];
  if (!mxi_out_alloc(out, in, 1)) return MX_ERROR;
  if (out->buf != a->buf) mxi_copy_into(out, a);
  mx_array view; /* the slice of out: only what mxi_cpu_map reads */
  memset(&view, 0, sizeof view);
  view.dtype = out->dtype;
  view.ndim = out->ndim;
  view.buf = out->buf;
  view.offset = out->offset;
  view.size = 1;
  for (int i = 0; i < out->ndim; i++) {
    view.shape[i] = p->slice.len[i];
    view.strides[i] = out->strides[i] * p->slice.step[i];
    view.offset += p->slice.start[i] * out->strides[i];
    view.size *= p->slice.len[i];
  }
  if (view.size > 0) mxi_copy_into(&view, u);
  return MX_OK;
}

/* ---- GATHER: a block of slice_sizes from each indexed position ---- */
typedef struct gather_task {
  const char *src;
  char *dst;
  const int64_t *offs;
  size_t isz;
  int bnd; /* the block's dims after merging, with a's strides */
  int64_t bshape[MX_MAX_DIMS], bstride[MX_MAX_DIMS];
  int64_t bsize;
  mxi_loop_fn copy;
} gather_task;

/* Copies the block at src (strided as the plan says) to contiguous dst. */
static void copy_block(const gather_task *t, char *dst, const char *src) {
  if (t->bnd == 0) {
    mxi_copy_elem(dst, src, t->isz);
    return;
  }
  int last = t->bnd - 1;
  int64_t inner = t->bshape[last], nrows = t->bsize / inner;
  int64_t idx[MX_MAX_DIMS] = {0};
  int64_t s[2] = {(int64_t)t->isz, t->bstride[last]};
  const char *row = src;
  for (int64_t r = 0; r < nrows; r++) {
    char *ptrs[2] = {dst, (char *)row};
    t->copy(inner, ptrs, s, NULL);
    dst += inner * (int64_t)t->isz;
    for (int i = last - 1; i >= 0; i--) {
      row += t->bstride[i];
      if (++idx[i] < t->bshape[i]) break;
      row -= t->bstride[i] * t->bshape[i];
      idx[i] = 0;
    }
  }
}

static void gather_range(void *arg, int64_t lo, int64_t hi) {
  const gather_task *t = arg;
  for (int64_t f = lo; f < hi; f++)
    copy_block(t, t->dst + f * t->bsize * (int64_t)t->isz, t->src + t->offs[f]);
}

static mx_status k_gather(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mx_array *a = in[0];
  int nidx = n - 1;
  int64_t nI = nidx > 0 ? in[1]->size : 1;
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  int64_t *offs = malloc((size_t)(nI > 0 ? nI : 1) * sizeof *offs);
  if (!offs) {
    mxi_kernel_fail(out, "out of memory for %lld index offsets", (long long)nI);
    return MX_ERROR;
  }
  mxi_index_set s = {.n = nidx, .idx = in + 1, .axes = p->gather.axes, .dims = a->shape,
                     .block = p->gather.slice_sizes, .strides = a->strides, .op = p->gather.op};
  if (!mxi_index_offsets(out, &s, nI, offs, NULL)) {
    free(offs);
    return MX_ERROR;
  }
  gather_task t = {.src = mxi_host_ptr(a), .dst = mxi_host_ptr(out), .offs = offs,
                   .isz = mx_dtype_size((mx_dtype)a->dtype)};
  memcpy(t.bshape, p->gather.slice_sizes, (size_t)a->ndim * sizeof *t.bshape);
  memcpy(t.bstride, a->strides, (size_t)a->ndim * sizeof *t.bstride);
  t.bnd = mxi_merge_dims1(a->ndim, t.bshape, t.bstride);
  t.bsize = mxi_shape_size(t.bnd, t.bshape);
  t.copy = mxi_copy_loop(t.isz);
  if (t.bsize > 0 && out->size > 0) mxi_parallel_for(nI, (1 << 14) / t.bsize + 1, gather_range, &t);
  free(offs);
  return MX_OK;
}

/* ---- TAKE_ALONG_AXIS: out[..., j, ...] = a[..., idx[..., j, ...], ...] ---- */
typedef struct along_task {
  mxi_walk w; /* over every axis but ax; operands: out, a, indices */
  char *out;
  const char *a, *idx;
  mx_dtype idt;
  size_t isz;
  int64_t len, dim;                /* along ax: of out (= indices) and of a */
  int64_t os, as, is;              /* strides along ax */
  _Atomic int64_t bad;             /* first flat position of a bad index */
} along_task;

static void take_along_range(void *arg, int64_t lo, int64_t hi) {
  along_task *t = arg;
  mxi_walk w = t->w;
  mxi_walk_seek(&w, lo);
  for (int64_t r = lo; r < hi; r++) {
    char *o = t->out + w.off[0];
    const char *a = t->a + w.off[1], *ip = t->idx + w.off[2];
    for (int64_t j = 0; j < t->len; j++) {
      int64_t v;
      if (!mxi_norm_index(mxi_load_index(ip + j * t->is, t->idt, &v), &v, t->dim, 1)) {
        mxi_note_bad(&t->bad, r * t->len + j);
        return;
      }
      mxi_copy_elem(o + j * t->os, a + v * t->as, t->isz);
    }
    mxi_walk_next(&w);
  }
}

static mx_status k_take_along(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  mx_array *a = in[0], *idx = in[1];
  int ax = p->along.axis;
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  along_task t = {.out = mxi_host_ptr(out), .a = mxi_host_ptr(a), .idx = mxi_host_ptr(idx),
                  .idt = (mx_dtype)idx->dtype, .isz = mx_dtype_size((mx_dtype)a->dtype),
                  .len = out->shape[ax], .dim = a->shape[ax], .os = out->strides[ax],
                  .as = a->strides[ax], .is = idx->strides[ax]};
  atomic_init(&t.bad, INT64_MAX);
  mx_array *ops[3] = {out, a, idx};
  mxi_along_walk(&t.w, out->shape, out->ndim, ax, 3, ops);
  mxi_parallel_for(out->size / t.len, (1 << 14) / t.len + 1, take_along_range, &t);
  int64_t bad = atomic_load(&t.bad);
  if (bad == INT64_MAX) return MX_OK;
  mxi_along_fail(out, idx, ax, t.dim, bad, p->along.op);
  return MX_ERROR;
}

void mxi_cpu_register_indexing(mx_kernel_fn *k) {
  k[MX_PRIM_SLICE_UPDATE] = k_slice_update;
  k[MX_PRIM_GATHER] = k_gather;
  k[MX_PRIM_TAKE_ALONG_AXIS] = k_take_along;
}
