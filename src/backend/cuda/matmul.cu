// matmul.cu — MATMUL through cuBLASLt: float32 (TF32 only with MX_CUDA_TF32=1), float64, float16
// and bfloat16 (float32 accumulation), [..., M, K] @ [..., K, N] with broadcast batch axes as
// strided batches (a broadcast operand has batch stride 0), transposed views passed as transposes
// (no copies). cuBLASLt is column-major, so it computes C^T = B^T A^T: the row-major output is
// its column-major N x M result. Integer, bool and complex64 products run on the CPU.
#include <stdio.h>
#include <string.h>

#include "common.cuh"

// ---- how cuBLASLt sees one operand ----
struct mm_operand {
  cublasOperation_t op; // applied to the stored column-major matrix
  int64_t rows, cols;   // of the stored column-major matrix
  int64_t ld;
};

// X is r x c (row-major indexing) with element strides rs, cs. We need X^T (c x r) as cuBLASLt's
// operand: row-major storage is X^T in column-major (no transpose); column-major storage is X
// itself (transposed). Size-1 axes may have any stride. false: no unit stride, copy first.
static bool operand_of(int64_t r, int64_t c, int64_t rs, int64_t cs, mm_operand *o) {
  int64_t mc = c > 1 ? c : 1, mr = r > 1 ? r : 1;
  if ((c == 1 || cs == 1) && (r == 1 || rs >= mc)) {
    *o = {CUBLAS_OP_N, c, r, r == 1 ? mc : rs};
    return true;
  }
  if ((r == 1 || rs == 1) && (c == 1 || cs >= mr)) {
    *o = {CUBLAS_OP_T, r, c, c == 1 ? mr : cs};
    return true;
  }
  return false;
}

// The largest power of two (up to 256) dividing every address a batch of matrices starts at.
static uint32_t alignment(const void *p, int64_t batch_stride_bytes) {
  uint64_t a = (uint64_t)(uintptr_t)p | (uint64_t)batch_stride_bytes | 256u;
  return (uint32_t)(a & (~a + 1));
}

// ---- the heuristic's choice, cached per problem ----
struct mm_key {
  int dtype, tf32;
  int64_t m, n, k, lda, ldb, ldc, batch, sa, sb;
  int opa, opb;
  uint32_t ala, alb, alc;
};
#define MM_CACHE 64
struct mxc_matmul_cache {
  mm_key key[MM_CACHE];
  cublasLtMatmulAlgo_t algo[MM_CACHE];
  int n, next;
};

static bool cache_find(mxc_device *d, const mm_key *k, cublasLtMatmulAlgo_t *algo) {
  mxc_matmul_cache *c = d->mm_cache;
  for (int i = 0; c && i < c->n; i++)
    if (memcmp(&c->key[i], k, sizeof *k) == 0) {
      *algo = c->algo[i];
      return true;
    }
  return false;
}

static void cache_put(mxc_device *d, const mm_key *k, const cublasLtMatmulAlgo_t *algo) {
  if (!d->mm_cache && !(d->mm_cache = (mxc_matmul_cache *)calloc(1, sizeof(mxc_matmul_cache)))) return;
  mxc_matmul_cache *c = d->mm_cache;
  int i = c->n < MM_CACHE ? c->n++ : (c->next++ % MM_CACHE);
  c->key[i] = *k;
  c->algo[i] = *algo;
}

void mxc_matmul_release(mxc_device *d) {
  free(d->mm_cache);
  d->mm_cache = NULL;
}

// ---- one (possibly strided-batched) product ----
struct mm_call {
  cudaDataType_t dt;
  cublasComputeType_t compute;
  cudaDataType_t scale;
  int64_t m, n, k;    // cuBLASLt's: m = N, n = M of the mx product
  mm_operand a, b;    // a: mx's B operand, b: mx's A operand
  int64_t batch, sa, sb, sc; // batch count and element strides
};

static bool lt_ok(mxc_ctx *c, cublasStatus_t st, const char *what, mx_array *const *in) {
  if (st == CUBLAS_STATUS_SUCCESS) return true;
  char s0[MXI_SHAPE_STR_LEN], s1[MXI_SHAPE_STR_LEN];
  mxi_kernel_fail(c->out, "%s failed on cuda:%d for %s @ %s %s: %s (%s)", what, c->dev->index,
                  mxi_shape_str(s0, sizeof s0, in[0]->ndim, in[0]->shape),
                  mxi_shape_str(s1, sizeof s1, in[1]->ndim, in[1]->shape),
                  mx_dtype_name((mx_dtype)c->out->dtype), cublasLtGetStatusName(st), cublasLtGetStatusString(st));
  return false;
}

// Handle and this stream's workspace, created on first use.
static bool lt_ready(mxc_ctx *c, mx_array *const *in) {
  mxc_device *d = c->dev;
  pthread_mutex_lock(&d->mu);
  cublasStatus_t st = CUBLAS_STATUS_SUCCESS;
  if (!d->lt) st = cublasLtCreate(&d->lt);
  if (st == CUBLAS_STATUS_SUCCESS && !d->lt_ws[c->sidx]) {
    d->lt_ws_size = (size_t)32 << 20; // NVIDIA's advice for Hopper
    if (cudaMalloc(&d->lt_ws[c->sidx], d->lt_ws_size) != cudaSuccess) {
      cudaGetLastError();
      d->lt_ws[c->sidx] = NULL;
    }
  }
  pthread_mutex_unlock(&d->mu);
  return lt_ok(c, st, "cublasLtCreate", in);
}

// Runs C = op(a) op(b) for the call; false with out failed. unsupported: the heuristic found no
// algorithm (the caller may retry with compact operands).
static bool lt_matmul(mxc_ctx *c, const mm_call *p, const void *A, const void *B, void *C, mx_array *const *in,
                      bool *unsupported) {
  mxc_device *d = c->dev;
  size_t esz = p->dt == CUDA_R_64F ? 8 : (p->dt == CUDA_R_32F ? 4 : 2);
  cublasLtMatmulDesc_t op = NULL;
  cublasLtMatrixLayout_t la = NULL, lb = NULL, lc = NULL;
  cublasLtMatmulPreference_t pref = NULL;
  cublasStatus_t st = cublasLtMatmulDescCreate(&op, p->compute, p->scale);
  if (st == CUBLAS_STATUS_SUCCESS)
    st = cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &p->a.op, sizeof p->a.op);
  if (st == CUBLAS_STATUS_SUCCESS)
    st = cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &p->b.op, sizeof p->b.op);
  if (st == CUBLAS_STATUS_SUCCESS) st = cublasLtMatrixLayoutCreate(&la, p->dt, p->a.rows, p->a.cols, p->a.ld);
  if (st == CUBLAS_STATUS_SUCCESS) st = cublasLtMatrixLayoutCreate(&lb, p->dt, p->b.rows, p->b.cols, p->b.ld);
  if (st == CUBLAS_STATUS_SUCCESS) st = cublasLtMatrixLayoutCreate(&lc, p->dt, p->m, p->n, p->m);
  if (p->batch > 1) {
    int32_t bc = (int32_t)p->batch;
    cublasLtMatrixLayout_t ls[3] = {la, lb, lc};
    const int64_t strides[3] = {p->sa, p->sb, p->sc};
    for (int i = 0; i < 3 && st == CUBLAS_STATUS_SUCCESS; i++) {
      st = cublasLtMatrixLayoutSetAttribute(ls[i], CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &bc, sizeof bc);
      if (st == CUBLAS_STATUS_SUCCESS)
        st = cublasLtMatrixLayoutSetAttribute(ls[i], CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &strides[i],
                                              sizeof strides[i]);
    }
  }
  mm_key key;
  memset(&key, 0, sizeof key); // padding too: keys are compared with memcmp
  key.dtype = (int)p->dt;
  key.tf32 = (int)p->compute;
  key.m = p->m;
  key.n = p->n;
  key.k = p->k;
  key.lda = p->a.ld;
  key.ldb = p->b.ld;
  key.ldc = p->m;
  key.batch = p->batch;
  key.sa = p->sa;
  key.sb = p->sb;
  key.opa = (int)p->a.op;
  key.opb = (int)p->b.op;
  key.ala = alignment(A, p->sa * (int64_t)esz);
  key.alb = alignment(B, p->sb * (int64_t)esz);
  key.alc = alignment(C, p->sc * (int64_t)esz);
  cublasLtMatmulAlgo_t algo;
  bool have = false;
  if (st == CUBLAS_STATUS_SUCCESS) {
    pthread_mutex_lock(&d->mu);
    have = cache_find(d, &key, &algo);
    pthread_mutex_unlock(&d->mu);
  }
  size_t ws = d->lt_ws[c->sidx] ? d->lt_ws_size : 0;
  if (st == CUBLAS_STATUS_SUCCESS && !have) {
    st = cublasLtMatmulPreferenceCreate(&pref);
    if (st == CUBLAS_STATUS_SUCCESS)
      st = cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
    // the heuristic assumes 256-byte aligned operands unless told otherwise
    const cublasLtMatmulPreferenceAttributes_t attrs[4] = {
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES};
    const uint32_t al[4] = {key.ala, key.alb, key.alc, key.alc};
    for (int i = 0; i < 4 && st == CUBLAS_STATUS_SUCCESS; i++)
      st = cublasLtMatmulPreferenceSetAttribute(pref, attrs[i], &al[i], sizeof al[i]);
    cublasLtMatmulHeuristicResult_t res;
    int found = 0;
    if (st == CUBLAS_STATUS_SUCCESS)
      st = cublasLtMatmulAlgoGetHeuristic(d->lt, op, la, lb, lc, lc, pref, 1, &res, &found);
    if (st == CUBLAS_STATUS_SUCCESS && found > 0) {
      algo = res.algo;
      have = true;
      pthread_mutex_lock(&d->mu);
      cache_put(d, &key, &algo);
      pthread_mutex_unlock(&d->mu);
    } else if (st == CUBLAS_STATUS_SUCCESS || st == CUBLAS_STATUS_NOT_SUPPORTED) {
      *unsupported = true;
      st = CUBLAS_STATUS_NOT_SUPPORTED;
    }
  }
  bool ok = !*unsupported;
  if (ok && st == CUBLAS_STATUS_SUCCESS) {
    const float one32 = 1.0f, zero32 = 0.0f;
    const double one64 = 1.0, zero64 = 0.0;
    const void *alpha = p->scale == CUDA_R_64F ? (const void *)&one64 : (const void *)&one32;
    const void *beta = p->scale == CUDA_R_64F ? (const void *)&zero64 : (const void *)&zero32;
    st = cublasLtMatmul(d->lt, op, alpha, A, la, B, lb, beta, C, lc, C, lc, &algo, d->lt_ws[c->sidx], ws, c->s);
  }
  if (ok) ok = lt_ok(c, st, "cublasLtMatmul", in);
  if (pref) cublasLtMatmulPreferenceDestroy(pref);
  if (lc) cublasLtMatrixLayoutDestroy(lc);
  if (lb) cublasLtMatrixLayoutDestroy(lb);
  if (la) cublasLtMatrixLayoutDestroy(la);
  if (op) cublasLtMatmulDescDestroy(op);
  return ok;
}


// ---- the plan: batch axes merged, a stack of A over one shared B folded into one tall GEMM ----

// Batch strides (elements) of x's batch axes right-aligned to the output's (broadcast: 0).
static void batch_strides(const mx_array *x, const mx_array *out, int64_t esz, int64_t *s) {
  int nb = out->ndim - 2, xb = x->ndim - 2;
  for (int i = 0; i < nb; i++) {
    int j = i - (nb - xb);
    s[i] = (j < 0 || x->shape[j] == 1) ? 0 : x->strides[j] / esz;
  }
}

static bool element_strides(const mx_array *x, int64_t esz) {
  for (int i = 0; i < x->ndim; i++)
    if (x->strides[i] % esz != 0) return false;
  return x->offset % esz == 0;
}

// Enqueues the product of operands a [.., M, K] and b [.., K, N] (device pointers A, B) into out.
// false: failed (error on out) or *unsupported.
static bool run_plan(mxc_ctx *c, mx_array *out, mx_array *a, mx_array *b, const char *A, const char *B,
                     mx_array *const *in, bool *unsupported) {
  mx_dtype dt = (mx_dtype)out->dtype;
  int64_t esz = (int64_t)mx_dtype_size(dt);
  char *C = (char *)out->buf->dev + out->offset;
  mm_call p;
  memset(&p, 0, sizeof p);
  p.dt = dt == MX_FLOAT64 ? CUDA_R_64F : dt == MX_FLOAT32 ? CUDA_R_32F : dt == MX_FLOAT16 ? CUDA_R_16F : CUDA_R_16BF;
  p.scale = dt == MX_FLOAT64 ? CUDA_R_64F : CUDA_R_32F;
  p.compute = dt == MX_FLOAT64 ? CUBLAS_COMPUTE_64F
              : (dt == MX_FLOAT32 && c->dev->tf32) ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  int64_t M = out->shape[out->ndim - 2], N = out->shape[out->ndim - 1], K = a->shape[a->ndim - 1];
  int64_t rsa = a->strides[a->ndim - 2] / esz, csa = a->strides[a->ndim - 1] / esz;
  int64_t rsb = b->strides[b->ndim - 2] / esz, csb = b->strides[b->ndim - 1] / esz;
  int nb = out->ndim - 2;
  int64_t sa[MX_MAX_DIMS], sb[MX_MAX_DIMS];
  batch_strides(a, out, esz, sa);
  batch_strides(b, out, esz, sb);
  // A stack of A matrices times one shared B is one tall GEMM when A's rows continue evenly from
  // one matrix into the next (k_linalg.c does the same).
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
    if (b_shared && chain && step > 0) {
      M = out->size / N;
      rsa = step;
      nb = 0;
    }
  }
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
  if (!operand_of(K, N, rsb, csb, &p.a) || !operand_of(M, K, rsa, csa, &p.b)) {
    *unsupported = true;
    return false;
  }
  p.m = N;
  p.n = M;
  p.k = K;
  p.sc = M * N;
  // the innermost merged batch axis becomes cuBLASLt's strided batch; outer ones are a loop
  p.batch = m > 0 ? bshape[m - 1] : 1;
  p.sa = m > 0 ? bsb[m - 1] : 0;
  p.sb = m > 0 ? bsa[m - 1] : 0;
  if (p.batch > 0x7fffffff) {
    *unsupported = true;
    return false;
  }
  int64_t outer = 1;
  for (int i = 0; i < m - 1; i++) outer *= bshape[i];
  for (int64_t t = 0; t < outer; t++) {
    int64_t rem = t, oa = 0, ob = 0;
    for (int i = m - 2; i >= 0; i--) {
      int64_t idx = rem % bshape[i];
      rem /= bshape[i];
      oa += idx * bsa[i];
      ob += idx * bsb[i];
    }
    if (!lt_matmul(c, &p, B + ob * esz, A + oa * esz, C + t * p.batch * M * N * esz, in, unsupported))
      return false;
  }
  return true;
}

static bool mxc_matmul_run(mxc_ctx *c, mx_array *out, mx_array *const *in) {
  int64_t esz = (int64_t)mx_dtype_size((mx_dtype)out->dtype);
  mx_array *ops[2] = {in[0], in[1]}, *copies[2] = {NULL, NULL};
  bool ok = false, unsupported = false;
  for (int attempt = 0; attempt < 2; attempt++) {
    for (int i = 0; i < 2; i++) // compact copies of operands cuBLASLt cannot read as they are
      if (!copies[i] && (attempt == 1 || !element_strides(ops[i], esz))) {
        if (!(copies[i] = mxi_contiguous_copy(in[i], out))) goto done;
        ops[i] = copies[i];
      }
    {
      const char *A = (const char *)mxc_read(c, ops[0]);
      const char *B = A ? (const char *)mxc_read(c, ops[1]) : NULL;
      if (!B || !mxc_write(c, NULL, 0)) goto done;
      if (out->size == 0) {
        ok = true;
        goto done;
      }
      if (ops[0]->shape[ops[0]->ndim - 1] == 0) { // K = 0: a sum of nothing
        ok = mxc_ok(c, cudaMemsetAsync(out->buf->dev, 0, mx_array_nbytes(out), c->s), "cudaMemsetAsync");
        goto done;
      }
      if (!lt_ready(c, in)) goto done;
      unsupported = false;
      ok = run_plan(c, out, ops[0], ops[1], A, B, in, &unsupported);
      if (ok || !unsupported || attempt == 1) goto done;
      mxi_buffer_release(out->buf); // retry with compact operands
      out->buf = NULL;
    }
  }
done:
  if (!ok && unsupported && !out->error) {
    char s0[MXI_SHAPE_STR_LEN], s1[MXI_SHAPE_STR_LEN];
    mxi_kernel_fail(out, "cuBLASLt has no algorithm for %s @ %s %s on cuda:%d",
                    mxi_shape_str(s0, sizeof s0, in[0]->ndim, in[0]->shape),
                    mxi_shape_str(s1, sizeof s1, in[1]->ndim, in[1]->shape),
                    mx_dtype_name((mx_dtype)out->dtype), c->dev->index);
  }
  if (copies[0]) mx_release(copies[0]);
  if (copies[1]) mx_release(copies[1]);
  return ok;
}

static mx_status k_matmul(mx_array *out, mx_array *const *in, int n, const mx_params *params) {
  mx_dtype dt = (mx_dtype)out->dtype;
  if (dt != MX_FLOAT32 && dt != MX_FLOAT64 && dt != MX_FLOAT16 && dt != MX_BFLOAT16)
    return mxc_cpu_fallback(out, in, n, params);
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  return mxc_matmul_run(&c, out, in) ? MX_OK : MX_ERROR;
}

void mxc_register_matmul(mx_kernel_fn *k) { k[MX_PRIM_MATMUL] = k_matmul; }
