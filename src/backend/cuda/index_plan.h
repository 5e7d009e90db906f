/* index_plan.h — the index and shape arithmetic of the CUDA gather, scatter and join kernels, in
 * plain C so that tests/test_cuda_index_plan.c checks it on machines without a GPU. The inline
 * functions are compiled for both host and device (the kernels call them per element); the
 * builders run on the host. Byte strides throughout, as mx arrays store them. */
#ifndef MX_CUDA_INDEX_PLAN_H
#define MX_CUDA_INDEX_PLAN_H

#include "../../core/internal.h"

#include "../../core/hd.h"
#include "../common/index.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- a strided walk over two operands (dst, src), dims merged ---- */
typedef struct mxi_copy_plan {
  int ndim; /* 0: one element */
  int64_t shape[MX_MAX_DIMS];
  int64_t st[2][MX_MAX_DIMS]; /* byte strides: [0] dst, [1] src */
  int64_t n;                  /* elements */
  bool use32;                 /* n and every offset's reach fit in 31 bits */
} mxi_copy_plan;

/* Drops size-1 dims and merges neighbours contiguous in both operands. */
void mxi_copy_plan_make(mxi_copy_plan *p, int nd, const int64_t *shape, const int64_t *dst_st,
                        const int64_t *src_st);

/* Byte offsets of element i (row-major over the plan's shape) in both operands. */
MXI_HD void mxi_copy_plan_off(const mxi_copy_plan *p, int64_t i, int64_t *od, int64_t *os) {
  int64_t d = 0, s = 0;
  if (p->use32) { /* 32-bit division is much cheaper on the GPU */
    int32_t j = (int32_t)i, d32 = 0, s32 = 0;
    for (int k = p->ndim - 1; k >= 0; k--) {
      int32_t sz = (int32_t)p->shape[k], q = j % sz;
      j /= sz;
      d32 += q * (int32_t)p->st[0][k];
      s32 += q * (int32_t)p->st[1][k];
    }
    d = d32;
    s = s32;
  } else {
    for (int k = p->ndim - 1; k >= 0; k--) {
      int64_t q = i % p->shape[k];
      i /= p->shape[k];
      d += q * p->st[0][k];
      s += q * p->st[1][k];
    }
  }
  *od = d;
  *os = s;
}


/* ---- GATHER / SCATTER: n index arrays of one (broadcast) shape I ---- */
typedef struct mxi_ix_set {
  int n, nd; /* index arrays; dims of I */
  int64_t nI;
  int64_t shape[MX_MAX_DIMS]; /* I */
  const char *base[MX_MAX_DIMS];
  int dtype[MX_MAX_DIMS];
  int64_t st[MX_MAX_DIMS + 1][MX_MAX_DIMS]; /* byte strides over I: index arrays, then extra */
  bool extra;                               /* updates (scatter): offset of position f too */
  /* per index array: the target axis' size, the block along it and the target's byte stride */
  int64_t dim[MX_MAX_DIMS], block[MX_MAX_DIMS], tst[MX_MAX_DIMS];
} mxi_ix_set;

/* idx[k] selects along axes[k] of a target of shape dims and byte strides tst; block: the
 * block's size along each target axis. extra (may be NULL) is walked over I too. The index
 * arrays' data pointers are left NULL for the caller (device or host copies). */
void mxi_ix_set_make(mxi_ix_set *s, int n, mx_array *const *idx, const int *axes,
                     const int64_t *dims, const int64_t *block, const int64_t *tst,
                     const mx_array *extra);

/* Position f of I: the byte offset into the target (and into extra); false on a bad index. */
MXI_HD bool mxi_ix_position(const mxi_ix_set *s, int64_t f, int64_t *off, int64_t *xoff) {
  int64_t o[MX_MAX_DIMS + 1] = {0};
  for (int d = s->nd - 1; d >= 0; d--) {
    int64_t q = f % s->shape[d];
    f /= s->shape[d];
    for (int k = 0; k < s->n; k++) o[k] += q * s->st[k][d];
    if (s->extra) o[s->n] += q * s->st[s->n][d];
  }
  int64_t t = 0;
  for (int k = 0; k < s->n; k++) {
    int64_t v;
    if (!mxi_norm_index(mxi_load_index(s->base[k] + o[k], s->dtype[k], &v), &v, s->dim[k], s->block[k]))
      return false;
    t += v * s->tst[k];
  }
  *off = t;
  *xoff = s->extra ? o[s->n] : 0;
  return true;
}

/* ---- TAKE_ALONG_AXIS / SCATTER_ALONG_AXIS ---- */
/* Walks the indices' shape; operands: [0] the indexed target (a for take, out for scatter),
 * [1] the indices, [2] the other side (out for take, values for scatter). */
typedef struct mxi_along {
  int nd, ax, idt;
  int64_t shape[MX_MAX_DIMS];
  int64_t st[3][MX_MAX_DIMS];
  int64_t dim; /* the target's size along ax */
  int64_t n;   /* elements of the indices */
} mxi_along;

void mxi_along_make(mxi_along *w, int ax, const mx_array *target, const mx_array *idx,
                    const mx_array *other);

/* Element i (row-major over the indices): offsets of the three operands and *pos, the CPU's
 * order of the element (row over the other axes * len + j); false on a bad index. */
MXI_HD bool mxi_along_at(const mxi_along *w, const char *idx, int64_t i, int64_t off[3],
                         int64_t *pos) {
  int64_t o0 = 0, o1 = 0, o2 = 0, row = 0, j = 0, rs = 1;
  for (int d = w->nd - 1; d >= 0; d--) {
    int64_t q = i % w->shape[d];
    i /= w->shape[d];
    o1 += q * w->st[1][d];
    o2 += q * w->st[2][d];
    if (d == w->ax) {
      j = q;
    } else {
      o0 += q * w->st[0][d];
      row += q * rs;
      rs *= w->shape[d];
    }
  }
  *pos = row * w->shape[w->ax] + j;
  int64_t v;
  if (!mxi_norm_index(mxi_load_index(idx + o1, w->idt, &v), &v, w->dim, 1)) return false;
  off[0] = o0 + v * w->st[0][w->ax];
  off[1] = o1;
  off[2] = o2;
  return true;
}

/* ---- PAD ---- */
typedef struct mxi_pad_plan {
  int nd;
  bool edge;
  int64_t oshape[MX_MAX_DIMS], ishape[MX_MAX_DIMS], ist[MX_MAX_DIMS], lo[MX_MAX_DIMS];
  uint64_t fill; /* the constant stored in the dtype (low bytes) */
} mxi_pad_plan;

void mxi_pad_plan_make(mxi_pad_plan *p, const mx_array *out, const mx_array *a, const mx_params *prm);

/* Output element i: true with the input's byte offset, or false for the constant. */
MXI_HD bool mxi_pad_src(const mxi_pad_plan *p, int64_t i, int64_t *off) {
  int64_t o = 0;
  bool inside = true;
  for (int d = p->nd - 1; d >= 0; d--) {
    int64_t j = i % p->oshape[d] - p->lo[d];
    i /= p->oshape[d];
    if (j < 0 || j >= p->ishape[d]) {
      inside = false;
      j = j < 0 ? 0 : p->ishape[d] - 1;
    }
    o += j * p->ist[d];
  }
  *off = o;
  return inside || p->edge;
}

/* ---- checks on the host, for index arrays whose host copy is current (no synchronize) ---- */
#define MXI_HOST_CHECK_MAX ((int64_t)1 << 16) /* positions: more is the device's work */
/* The first bad position of s (base: host data), or -1. */
int64_t mxi_ix_first_bad(const mxi_ix_set *s);
/* The smallest pos (mxi_along_at) of a bad index in idx (host data), or -1. */
int64_t mxi_along_first_bad(const mxi_along *w, const char *idx);

/* ---- error messages: the CPU's own, for a node whose indices the device found bad ---- */
void mxi_ix_fail_gather(mx_array *out, mx_array *const *in, int n, const mx_params *p);
void mxi_ix_fail_scatter(mx_array *out, mx_array *const *in, int n, const mx_params *p);
/* bad: the smallest failing pos of mxi_along_at. */
void mxi_ix_fail_along(mx_array *out, mx_array *idx, int64_t dim, int64_t bad, const mx_params *p);

#ifdef __cplusplus
}
#endif

#endif
