/* matmul_plan.c — MATMUL as column-major cuBLASLt calls (matmul_plan.h): operand views,
 * broadcast batch axes merged into one strided batch plus a host loop, and a stack of A matrices
 * over one shared B folded into a single tall GEMM (as k_linalg.c does on the CPU). */
#include "matmul_plan.h"

#include <string.h>

/* X is r x c (row-major indexing) with element strides rs, cs; the operand cuBLASLt needs is X^T
 * (c x r). Row-major storage is X^T in column-major: no transpose. Column-major storage is X:
 * transposed. Size-1 axes may have any stride. */
static bool operand_of(int64_t r, int64_t c, int64_t rs, int64_t cs, mxi_mm_operand *o) {
  int64_t mc = c > 1 ? c : 1, mr = r > 1 ? r : 1;
  if ((c == 1 || cs == 1) && (r == 1 || rs >= mc)) {
    *o = (mxi_mm_operand){false, c, r, r == 1 ? mc : rs};
    return true;
  }
  if ((r == 1 || rs == 1) && (c == 1 || cs >= mr)) {
    *o = (mxi_mm_operand){true, r, c, c == 1 ? mr : cs};
    return true;
  }
  return false;
}

static bool element_strides(const mx_array *x, int64_t esz) {
  for (int i = 0; i < x->ndim; i++)
    if (x->strides[i] % esz != 0) return false;
  return x->offset % esz == 0;
}

/* Batch strides (elements) of x's batch axes right-aligned to out's (broadcast axes: 0). */
static void batch_strides(const mx_array *x, const mx_array *out, int64_t esz, int64_t *s) {
  int nb = out->ndim - 2, xb = x->ndim - 2;
  for (int i = 0; i < nb; i++) {
    int j = i - (nb - xb);
    s[i] = (j < 0 || x->shape[j] == 1) ? 0 : x->strides[j] / esz;
  }
}

bool mxi_mm_plan_make(mxi_mm_plan *p, const mx_array *a, const mx_array *b, const mx_array *out,
                      bool loop_broadcast) {
  int64_t esz = (int64_t)mx_dtype_size((mx_dtype)out->dtype);
  if (!element_strides(a, esz) || !element_strides(b, esz)) return false;
  int64_t M = out->shape[out->ndim - 2], N = out->shape[out->ndim - 1], K = a->shape[a->ndim - 1];
  int64_t rsa = a->strides[a->ndim - 2] / esz, csa = a->strides[a->ndim - 1] / esz;
  int64_t rsb = b->strides[b->ndim - 2] / esz, csb = b->strides[b->ndim - 1] / esz;
  int nb = out->ndim - 2;
  int64_t sa[MX_MAX_DIMS], sb[MX_MAX_DIMS];
  batch_strides(a, out, esz, sa);
  batch_strides(b, out, esz, sb);
  /* A stack of A matrices times one shared B is one tall GEMM when A's rows continue evenly from
   * one matrix into the next. */
  if (nb > 0) {
    bool b_shared = true, chain = true, have = M > 1;
    int64_t step = rsa, expect = rsa * M;
    for (int i = nb - 1; i >= 0; i--) {
      if (out->shape[i] == 1) continue;
      b_shared &= sb[i] == 0;
      if (!have) {
        have = true;
        step = sa[i];
        expect = sa[i] * out->shape[i];
      } else {
        chain &= sa[i] == expect;
        expect *= out->shape[i];
      }
    }
    if (b_shared && chain && step > 0 && N > 0) {
      M = out->size / N;
      rsa = step;
      nb = 0;
    }
  }
  /* merge batch axes: drop size 1, join neighbours that are contiguous in both operands */
  int64_t bshape[MX_MAX_DIMS], bsa[MX_MAX_DIMS], bsb[MX_MAX_DIMS];
  int m = 0;
  for (int i = 0; i < nb; i++) {
    if (out->shape[i] == 1) continue;
    if (m > 0 && bsa[m - 1] == sa[i] * out->shape[i] && bsb[m - 1] == sb[i] * out->shape[i]) {
      bshape[m - 1] *= out->shape[i];
      bsa[m - 1] = sa[i];
      bsb[m - 1] = sb[i];
      continue;
    }
    bshape[m] = out->shape[i];
    bsa[m] = sa[i];
    bsb[m] = sb[i];
    m++;
  }
  if (!operand_of(K, N, rsb, csb, &p->a) || !operand_of(M, K, rsa, csa, &p->b)) return false;
  p->m = N;
  p->n = M;
  p->k = K;
  /* the innermost merged batch axis is cuBLASLt's strided batch; outer ones a host loop */
  bool inner = m > 0 && !(loop_broadcast && (bsa[m - 1] == 0 || bsb[m - 1] == 0));
  p->batch = inner ? bshape[m - 1] : 1;
  p->sa = inner ? bsb[m - 1] : 0;
  p->sb = inner ? bsa[m - 1] : 0;
  p->sc = M * N;
  p->ldc = N;
  p->nouter = inner ? m - 1 : m;
  p->calls = 1;
  for (int i = 0; i < p->nouter; i++) {
    p->outer_shape[i] = bshape[i];
    p->outer_sa[i] = bsb[i];
    p->outer_sb[i] = bsa[i];
    p->calls *= bshape[i];
  }
  return p->batch <= 0x7fffffff;
}

void mxi_mm_plan_call(const mxi_mm_plan *p, int64_t t, int64_t *off_a, int64_t *off_b, int64_t *off_out) {
  int64_t rem = t, oa = 0, ob = 0;
  for (int i = p->nouter - 1; i >= 0; i--) {
    int64_t idx = rem % p->outer_shape[i];
    rem /= p->outer_shape[i];
    oa += idx * p->outer_sa[i];
    ob += idx * p->outer_sb[i];
  }
  *off_a = oa;
  *off_b = ob;
  *off_out = t * p->batch * p->sc;
}

bool mxi_mm_plan_gemm(mxi_mm_plan *p, const mxi_mm_gemm *g) {
  memset(p, 0, sizeof *p);
  if (!operand_of(g->k, g->n, g->brs, g->bcs, &p->a) || !operand_of(g->m, g->k, g->ars, g->acs, &p->b))
    return false;
  p->m = g->n;
  p->n = g->m;
  p->k = g->k;
  p->ldc = g->ldc;
  p->batch = g->batch;
  p->sa = g->sb;
  p->sb = g->sa;
  p->sc = g->sc;
  p->calls = 1;
  return g->ldc >= (g->n > 1 ? g->n : 1) && g->batch >= 1 && g->batch <= 0x7fffffff;
}
