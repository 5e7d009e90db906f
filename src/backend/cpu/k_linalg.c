/* k_linalg.c — the MATMUL kernel: [..., M, K] @ [..., K, N] with broadcast batch axes, one GEMM
 * per batch matrix (src/backend/cpu/gemm.c). Operands are read in place through their strides:
 * transposed views reach BLAS as CblasTrans; only a matrix layout BLAS cannot express (no unit
 * stride) is copied, once per operand. */
#include <stdatomic.h>
#include <string.h>

#include "gemm.h"

/* Below this many multiply-adds per matrix, batches run in parallel on the pool (and each GEMM
 * is serial: OpenBLAS stays single-threaded under 64^3); above it, batches run one after another
 * and the GEMM threads itself. */
#define SMALL_GEMM 262144.0

typedef struct mm_plan {
  mx_dtype dt;
  size_t esz;
  int64_t m, n, k;
  const char *a, *b;
  char *c;
  int64_t rsa, csa, rsb, csb; /* element strides of the matrix axes */
  int nb;                     /* batch axes (output's), merged where possible */
  int64_t bshape[MX_MAX_DIMS], bsa[MX_MAX_DIMS], bsb[MX_MAX_DIMS]; /* element strides */
  _Atomic bool failed;
} mm_plan;

static void run_batches(void *ctx, int64_t lo, int64_t hi) {
  mm_plan *p = ctx;
  for (int64_t t = lo; t < hi; t++) {
    int64_t rem = t, oa = 0, ob = 0;
    for (int i = p->nb - 1; i >= 0; i--) {
      int64_t idx = rem % p->bshape[i];
      rem /= p->bshape[i];
      oa += idx * p->bsa[i];
      ob += idx * p->bsb[i];
    }
    mxi_gemm_args g = {p->dt,
                       p->m, p->n, p->k,
                       p->a + oa * (int64_t)p->esz, p->rsa, p->csa,
                       p->b + ob * (int64_t)p->esz, p->rsb, p->csb,
                       p->c + t * p->m * p->n * (int64_t)p->esz, p->n};
    if (!mxi_gemm(&g)) atomic_store(&p->failed, true);
  }
}

static bool strides_in_elements(const mx_array *x, size_t esz) {
  for (int i = 0; i < x->ndim; i++)
    if (x->strides[i] % (int64_t)esz != 0) return false;
  return x->offset % (int64_t)esz == 0;
}

/* Fills the batch strides of x (its own batch axes right-aligned to the output's; broadcast
 * axes get stride 0). */
static void batch_strides(const mx_array *x, const mx_array *out, size_t esz, int64_t *s) {
  int nb = out->ndim - 2, xb = x->ndim - 2;
  for (int i = 0; i < nb; i++) {
    int j = i - (nb - xb);
    s[i] = (j < 0 || x->shape[j] == 1) ? 0 : x->strides[j] / (int64_t)esz;
  }
}

static mx_status k_matmul(mx_array *out, mx_array *const *in, int n, const mx_params *params) {
  (void)n;
  (void)params;
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  mm_plan p;
  memset(&p, 0, sizeof p);
  atomic_init(&p.failed, false);
  p.dt = (mx_dtype)out->dtype;
  p.esz = mx_dtype_size(p.dt);
  mx_array *ops[2] = {in[0], in[1]}, *copies[2] = {NULL, NULL};
  p.m = out->shape[out->ndim - 2];
  p.n = out->shape[out->ndim - 1];
  p.k = ops[0]->shape[ops[0]->ndim - 1];
  for (int i = 0; i < 2; i++) {
    mx_array *x = ops[i];
    int64_t r = x->shape[x->ndim - 2], c = x->shape[x->ndim - 1];
    bool ok = strides_in_elements(x, p.esz) &&
              mxi_gemm_layout_ok(p.dt, r, c, x->strides[x->ndim - 2] / (int64_t)p.esz,
                                 x->strides[x->ndim - 1] / (int64_t)p.esz);
    if (!ok) { /* e.g. a reversed or doubly strided view: one compact copy */
      if (!(copies[i] = mxi_contiguous_copy(x, mxi_backend(MX_CPU), out))) {
        if (copies[0]) mx_release(copies[0]);
        return MX_ERROR;
      }
      ops[i] = copies[i];
    }
  }
  mx_array *a = ops[0], *b = ops[1];
  p.a = mxi_host_ptr(a);
  p.b = mxi_host_ptr(b);
  p.c = mxi_host_ptr(out);
  if (!p.c || (p.k > 0 && (!p.a || !p.b))) {
    mxi_kernel_fail(out, "could not access the operands' host memory");
    goto done;
  }
  int64_t es = (int64_t)p.esz;
  p.rsa = a->strides[a->ndim - 2] / es;
  p.csa = a->strides[a->ndim - 1] / es;
  p.rsb = b->strides[b->ndim - 2] / es;
  p.csb = b->strides[b->ndim - 1] / es;

  int nb = out->ndim - 2;
  int64_t sa[MX_MAX_DIMS], sb[MX_MAX_DIMS];
  batch_strides(a, out, p.esz, sa);
  batch_strides(b, out, p.esz, sb);
  /* A stack of A matrices times one shared B is a single tall GEMM: fold the batch axes into M
   * when A's rows continue evenly from one matrix into the next (row stride `step`). */
  if (nb > 0) {
    bool b_shared = true, chain = true, have = p.m > 1;
    int64_t step = p.rsa, expect = p.rsa * p.m;
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
    if (b_shared && chain && step > 0) {
      p.m = out->size / p.n;
      p.rsa = step;
      nb = 0;
    }
  }
  /* merge the remaining batch axes (drop size 1, join contiguous neighbours) */
  p.nb = 0;
  for (int i = 0; i < nb; i++) {
    if (out->shape[i] == 1) continue;
    if (p.nb > 0 && p.bsa[p.nb - 1] == sa[i] * out->shape[i] &&
        p.bsb[p.nb - 1] == sb[i] * out->shape[i]) {
      p.bshape[p.nb - 1] *= out->shape[i];
      p.bsa[p.nb - 1] = sa[i];
      p.bsb[p.nb - 1] = sb[i];
      continue;
    }
    p.bshape[p.nb] = out->shape[i];
    p.bsa[p.nb] = sa[i];
    p.bsb[p.nb] = sb[i];
    p.nb++;
  }
  int64_t batches = 1;
  for (int i = 0; i < p.nb; i++) batches *= p.bshape[i];
  double work = (double)p.m * (double)p.n * (double)p.k;
  if (batches > 1 && work < SMALL_GEMM) {
    int64_t grain = (int64_t)(32768.0 / (work > 1 ? work : 1)) + 1;
    mxi_parallel_for(batches, grain, run_batches, &p);
  } else {
    run_batches(&p, 0, batches);
  }
  if (atomic_load(&p.failed)) {
    char s[MXI_SHAPE_STR_LEN];
    mxi_kernel_fail(out, "out of memory for GEMM work buffers (output shape %s)",
                    mxi_shape_str(s, sizeof s, out->ndim, out->shape));
  }
done:
  if (copies[0]) mx_release(copies[0]);
  if (copies[1]) mx_release(copies[1]);
  return out->error ? MX_ERROR : MX_OK;
}

void mxi_cpu_register_linalg(mx_kernel_fn *k) { k[MX_PRIM_MATMUL] = k_matmul; }
