/* index_plan.c — host-side builders of the CUDA index and join plans (index_plan.h), and the
 * CPU's own error messages for indices the device found out of range. Plain C: built in every
 * configuration and tested without a GPU. */
#include "index_plan.h"

#include <stdlib.h>
#include <string.h>

#include "../common/dims.h"
#include "../common/index_errors.h"

#include "../../core/convert.h"
#include "../../core/registry.h"

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

/* Finds the first bad position of I (and the first bad index array there) on host copies of
 * the indices, as the CPU's mxi_index_offsets does, and fails out with the CPU's message. */
static void fail_ix(mx_array *out, int n, mx_array *const *idx, const int *axes,
                    const mx_array *a, const int64_t *block, const mx_array *extra, const char *op) {
  mxi_ix_set s;
  mxi_ix_set_make(&s, n, idx, axes, a->shape, block, a->strides, extra);
  for (int k = 0; k < n; k++) s.base[k] = (const char *)mxi_host_ptr(idx[k]);
  int64_t f = mxi_ix_first_bad(&s), o[MX_MAX_DIMS] = {0};
  for (int d = s.nd - 1; d >= 0 && f >= 0; d--) {
    int64_t q = f % s.shape[d];
    f /= s.shape[d];
    for (int k = 0; k < n; k++) o[k] += q * s.st[k][d];
  }
  for (int k = 0; k < n && f >= 0; k++) {
    int64_t v;
    if (!mxi_norm_index(mxi_load_index(s.base[k] + o[k], s.dtype[k], &v), &v, s.dim[k], s.block[k])) {
      mxi_index_fail(out, op, k, axes[k], s.dim[k], s.block[k], s.base[k] + o[k], s.dtype[k]);
      return;
    }
  }
  mxi_kernel_fail(out, "an index is out of range on the device but not on the host (internal)");
}

void mxi_ix_fail_gather(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  fail_ix(out, n - 1, in + 1, p->gather.axes, in[0], p->gather.slice_sizes, NULL, p->gather.op);
}

void mxi_ix_fail_scatter(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  int ni = n > 2 ? in[2]->ndim : 0;
  fail_ix(out, n - 2, in + 2, p->gather.axes, in[0], in[1]->shape + ni, in[1], p->gather.op);
}

void mxi_ix_fail_along(mx_array *out, mx_array *idx, int64_t dim, int64_t bad, const mx_params *p) {
  mxi_along_fail(out, idx, p->along.axis, dim, bad, p->along.op);
}
