/* index_plan.c — host-side builders of the CUDA index and join plans (index_plan.h), and the
 * CPU's own error messages for indices the device found out of range. Plain C: built in every
 * configuration and tested without a GPU. */
#include "index_plan.h"

#include <stdlib.h>
#include <string.h>

#include "../common/dims.h"

#include "../../core/convert.h"
#include "../cpu/index_util.h"

void mxi_copy_plan_make(mxi_copy_plan *p, int nd, const int64_t *shape, const int64_t *dst_st,
                        const int64_t *src_st) {
  p->n = mxi_shape_size(nd, shape);
  memcpy(p->shape, shape, (size_t)nd * sizeof *shape);
  memcpy(p->st[0], dst_st, (size_t)nd * sizeof *dst_st);
  memcpy(p->st[1], src_st, (size_t)nd * sizeof *src_st);
  int64_t *sp[2] = {p->st[0], p->st[1]};
  int m = p->ndim = mxi_merge_dims(nd, p->shape, 2, sp);
  int64_t reach = p->n;
  for (int k = 0; k < 2; k++) {
    int64_t r = 0;
    for (int i = 0; i < m; i++) r += (p->shape[i] - 1) * llabs(p->st[k][i]);
    if (r > reach) reach = r;
  }
  p->use32 = reach < ((int64_t)1 << 31);
}

void mxi_ix_set_make(mxi_ix_set *s, int n, mx_array *const *idx, const int *axes,
                     const int64_t *dims, const int64_t *block, const int64_t *tst,
                     const mx_array *extra) {
  memset(s, 0, sizeof *s);
  s->n = n;
  s->nd = n > 0 ? idx[0]->ndim : 0;
  s->nI = 1;
  for (int d = 0; d < s->nd; d++) {
    s->shape[d] = idx[0]->shape[d];
    s->nI *= s->shape[d];
  }
  for (int k = 0; k < n; k++) {
    s->dtype[k] = idx[k]->dtype;
    for (int d = 0; d < s->nd; d++) s->st[k][d] = idx[k]->strides[d];
    s->dim[k] = dims[axes[k]];
    s->block[k] = block[axes[k]];
    s->tst[k] = tst[axes[k]];
  }
  s->extra = extra != NULL;
  if (extra)
    for (int d = 0; d < s->nd; d++) s->st[n][d] = extra->strides[d];
}

void mxi_along_make(mxi_along *w, int ax, const mx_array *target, const mx_array *idx,
                    const mx_array *other) {
  memset(w, 0, sizeof *w);
  w->nd = idx->ndim;
  w->ax = ax;
  w->idt = idx->dtype;
  w->dim = target->shape[ax];
  w->n = idx->size;
  for (int d = 0; d < w->nd; d++) {
    w->shape[d] = idx->shape[d];
    w->st[0][d] = target->strides[d];
    w->st[1][d] = idx->strides[d];
    w->st[2][d] = other->strides[d];
  }
}

void mxi_pad_plan_make(mxi_pad_plan *p, const mx_array *out, const mx_array *a, const mx_params *prm) {
  memset(p, 0, sizeof *p);
  p->nd = a->ndim;
  p->edge = prm->pad.mode == MX_PAD_EDGE;
  for (int d = 0; d < a->ndim; d++) {
    p->oshape[d] = out->shape[d];
    p->ishape[d] = a->shape[d];
    p->ist[d] = a->strides[d];
    p->lo[d] = prm->pad.lo[d];
  }
  _Alignas(16) unsigned char fill[16] = {0};
  mxi_store_f64(fill, (mx_dtype)a->dtype, prm->pad.value);
  memcpy(&p->fill, fill, sizeof p->fill);
}

int64_t mxi_ix_first_bad(const mxi_ix_set *s) {
  for (int64_t f = 0; s->n > 0 && f < s->nI; f++) {
    int64_t o, x;
    if (!mxi_ix_position(s, f, &o, &x)) return f;
  }
  return -1;
}

int64_t mxi_along_first_bad(const mxi_along *w, const char *idx) {
  int64_t bad = -1;
  for (int64_t i = 0; i < w->n; i++) { /* pos is not monotonic in i unless ax is the last axis */
    int64_t off[3], pos;
    if (!mxi_along_at(w, idx, i, off, &pos) && (bad < 0 || pos < bad)) bad = pos;
  }
  return bad;
}

/* ---- errors: rerun the CPU's checks on host copies of the indices ---- */

static void fail_offsets(mx_array *out, const mxi_index_set *s, int64_t nI) {
  int64_t *offs = malloc(2 * (size_t)(nI > 0 ? nI : 1) * sizeof *offs);
  if (!offs) {
    mxi_kernel_fail(out, "an index is out of range (out of memory locating it)");
    return;
  }
  if (mxi_index_offsets(out, s, nI, offs, offs + nI)) /* the host disagrees: still an error */
    mxi_kernel_fail(out, "an index is out of range on the device but not on the host (internal)");
  free(offs);
}

void mxi_ix_fail_gather(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mx_array *a = in[0];
  mxi_index_set s = {.n = n - 1, .idx = in + 1, .axes = p->gather.axes, .dims = a->shape,
                     .block = p->gather.slice_sizes, .strides = a->strides, .op = p->gather.op};
  fail_offsets(out, &s, n > 1 ? in[1]->size : 1);
}

void mxi_ix_fail_scatter(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mx_array *a = in[0], *u = in[1];
  int ni = n > 2 ? in[2]->ndim : 0;
  mxi_index_set s = {.n = n - 2, .idx = in + 2, .axes = p->gather.axes, .dims = a->shape,
                     .block = u->shape + ni, .strides = a->strides, .extra = u, .op = p->gather.op};
  fail_offsets(out, &s, n > 2 ? in[2]->size : 1);
}

void mxi_ix_fail_along(mx_array *out, mx_array *idx, int64_t dim, int64_t bad, const mx_params *p) {
  mxi_along_fail(out, idx, p->along.axis, dim, bad, p->along.op);
}
