// matmul.cu — MATMUL through cuBLASLt: float32 (TF32 only with MX_CUDA_TF32=1), float64, float16
// and bfloat16 (float32 accumulation), [..., M, K] @ [..., K, N] with broadcast batch axes as
// strided batches (a broadcast operand has batch stride 0), transposed views passed as transposes
// (no copies). cuBLASLt is column-major, so it computes C^T = B^T A^T: the row-major output is
// its column-major N x M result. Integer, bool and complex64 products run on the CPU. mxc_gemm
// (gemm.cuh) runs the convolutions' products on raw device pointers through the same path.
#include <stdio.h>
#include <string.h>

#include "gemm.cuh"


// The largest power of two (up to 256) dividing every address a batch of matrices starts at.
static uint32_t alignment(const void *p, int64_t batch_stride_bytes) {
  uint64_t a = (uint64_t)(uintptr_t)p | (uint64_t)batch_stride_bytes | 256u;
  return (uint32_t)(a & (~a + 1));
}

// ---- the heuristic's choice, cached per problem ----
struct mm_key {
  int dtype, tf32;
  uint64_t ws; // the workspace the algorithm was chosen for: another size may need another one
  int64_t m, n, k, lda, ldb, ldc, batch, sa, sb, sc;
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
  mxi_mm_plan plan;
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

// Runs C = op(a) op(b) (+ C when accumulate) for the call; false with out failed. unsupported:
// the heuristic found no algorithm (the caller may retry with compact operands).
static bool lt_matmul(mxc_ctx *c, const mm_call *p, const void *A, const void *B, void *C, mx_array *const *in,
                      bool accumulate, bool *unsupported) {
  mxc_device *d = c->dev;
  size_t esz = p->dt == CUDA_R_64F ? 8 : (p->dt == CUDA_R_32F ? 4 : 2);
  const mxi_mm_plan *q = &p->plan;
  const cublasOperation_t opa = q->a.trans ? CUBLAS_OP_T : CUBLAS_OP_N, opb = q->b.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasLtMatmulDesc_t op = NULL;
  cublasLtMatrixLayout_t la = NULL, lb = NULL, lc = NULL;
  cublasLtMatmulPreference_t pref = NULL;
  cublasStatus_t st = cublasLtMatmulDescCreate(&op, p->compute, p->scale);
  if (st == CUBLAS_STATUS_SUCCESS)
    st = cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &opa, sizeof opa);
  if (st == CUBLAS_STATUS_SUCCESS)
    st = cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &opb, sizeof opb);
  if (st == CUBLAS_STATUS_SUCCESS)
    st = cublasLtMatrixLayoutCreate(&la, p->dt, (uint64_t)q->a.rows, (uint64_t)q->a.cols, q->a.ld);
  if (st == CUBLAS_STATUS_SUCCESS)
    st = cublasLtMatrixLayoutCreate(&lb, p->dt, (uint64_t)q->b.rows, (uint64_t)q->b.cols, q->b.ld);
  if (st == CUBLAS_STATUS_SUCCESS) st = cublasLtMatrixLayoutCreate(&lc, p->dt, (uint64_t)q->m, (uint64_t)q->n, q->ldc);
  if (q->batch > 1) {
    int32_t bc = (int32_t)q->batch;
    cublasLtMatrixLayout_t ls[3] = {la, lb, lc};
    const int64_t strides[3] = {q->sa, q->sb, q->sc};
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
  key.m = q->m;
  key.n = q->n;
  key.k = q->k;
  key.lda = q->a.ld;
  key.ldb = q->b.ld;
  key.ldc = q->ldc;
  key.batch = q->batch;
  key.sa = q->sa;
  key.sb = q->sb;
  key.sc = q->sc;
  key.opa = (int)opa;
  key.opb = (int)opb;
  key.ala = alignment(A, q->sa * (int64_t)esz);
  key.alb = alignment(B, q->sb * (int64_t)esz);
  key.alc = alignment(C, q->sc * (int64_t)esz);
  size_t ws = d->lt_ws[c->sidx] ? d->lt_ws_size : 0;
  key.ws = ws;
  cublasLtMatmulAlgo_t algo;
  bool have = false;
  if (st == CUBLAS_STATUS_SUCCESS) {
    pthread_mutex_lock(&d->mu);
    have = cache_find(d, &key, &algo);
    pthread_mutex_unlock(&d->mu);
  }
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
    const void *beta = p->scale == CUDA_R_64F ? (const void *)(accumulate ? &one64 : &zero64)
                                              : (const void *)(accumulate ? &one32 : &zero32);
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


// cuBLASLt's types for storage dtype dt: float16/bfloat16 accumulate in float32, float32 in TF32
// only when asked for (MX_CUDA_TF32=1).
static void call_types(mm_call *p, mx_dtype dt, bool tf32) {
  p->dt = dt == MX_FLOAT64 ? CUDA_R_64F : dt == MX_FLOAT32 ? CUDA_R_32F : dt == MX_FLOAT16 ? CUDA_R_16F : CUDA_R_16BF;
  p->scale = dt == MX_FLOAT64 ? CUDA_R_64F : CUDA_R_32F;
  p->compute = dt == MX_FLOAT64 ? CUBLAS_COMPUTE_64F
               : (dt == MX_FLOAT32 && tf32) ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
}

// Names the problem when cuBLASLt has no algorithm for it.
static void fail_unsupported(mxc_ctx *c, mx_array *const *in) {
  char s0[MXI_SHAPE_STR_LEN], s1[MXI_SHAPE_STR_LEN];
  mxi_kernel_fail(c->out, "cuBLASLt has no algorithm for %s of %s and %s %s on cuda:%d", mxi_prims[c->out->prim].name,
                  mxi_shape_str(s0, sizeof s0, in[0]->ndim, in[0]->shape),
                  mxi_shape_str(s1, sizeof s1, in[1]->ndim, in[1]->shape),
                  mx_dtype_name((mx_dtype)c->out->dtype), c->dev->index);
}

bool mxc_gemm(mxc_ctx *c, mx_dtype dt, const mxi_mm_gemm *g, const void *A, const void *B, void *C,
              bool accumulate, mx_array *const *in) {
  if (!lt_ready(c, in)) return false;
  mm_call p;
  memset(&p, 0, sizeof p);
  call_types(&p, dt, c->dev->tf32);
  if (!mxi_mm_plan_gemm(&p.plan, g)) {
    mxi_kernel_fail(c->out, "GEMM operands without a unit stride (internal)");
    return false;
  }
  bool unsupported = false;
  if (lt_matmul(c, &p, B, A, C, in, accumulate, &unsupported)) return true;
  if (unsupported && p.plan.batch > 1) { // one call per batch entry instead
    const size_t esz = mx_dtype_size(dt);
    const int64_t nb = p.plan.batch;
    p.plan.batch = 1;
    for (int64_t t = 0; t < nb; t++) {
      unsupported = false;
      if (!lt_matmul(c, &p, (const char *)B + t * g->sb * esz, (const char *)A + t * g->sa * esz,
                     (char *)C + t * g->sc * esz, in, accumulate, &unsupported))
        break;
      if (t == nb - 1) return true;
    }
  }
  if (unsupported) fail_unsupported(c, in);
  return false;
}

// Enqueues out = a @ b (device pointers A, B of a and b). false: failed (error on out), or
// *unsupported when the operands need compact copies or cuBLASLt has no algorithm for them.
static bool run_plan(mxc_ctx *c, mx_array *out, mx_array *a, mx_array *b, const char *A, const char *B,
                     mx_array *const *in, bool loop_broadcast, bool *unsupported) {
  mx_dtype dt = (mx_dtype)out->dtype;
  int64_t esz = (int64_t)mx_dtype_size(dt);
  char *C = (char *)mxc_dev_ptr(out);
  mm_call p;
  memset(&p, 0, sizeof p);
  call_types(&p, dt, c->dev->tf32);
  if (!mxi_mm_plan_make(&p.plan, a, b, out, loop_broadcast)) {
    *unsupported = true;
    return false;
  }
  for (int64_t t = 0; t < p.plan.calls; t++) {
    int64_t oa, ob, oc; // oa: into cuBLASLt's A = mx's b; ob: into mx's a
    mxi_mm_plan_call(&p.plan, t, &oa, &ob, &oc);
    if (!lt_matmul(c, &p, B + oa * esz, A + ob * esz, C + oc * esz, in, false, unsupported)) return false;
  }
  return true;
}

static bool mxc_matmul_run(mxc_ctx *c, mx_array *out, mx_array *const *in) {
  mx_array *ops[2] = {in[0], in[1]}, *copies[2] = {NULL, NULL};
  bool ok = false, unsupported = false;
  for (int attempt = 0; attempt < 2; attempt++) {
    // the second attempt: compact copies of both operands, broadcast batches looped on the host
    for (int i = 0; i < 2; i++)
      if (!copies[i] && attempt == 1) {
        if (!(copies[i] = mxi_contiguous_copy(in[i], mxc_backend(), out))) goto done;
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
        ok = mxc_ok(c, cudaMemsetAsync(mxc_dev_ptr(out), 0, mx_array_nbytes(out), c->s), "cudaMemsetAsync");
        goto done;
      }
      if (!lt_ready(c, in)) goto done;
      unsupported = false;
      ok = run_plan(c, out, ops[0], ops[1], A, B, in, attempt == 1, &unsupported);
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

// cuBLASLt's float types; integer and complex64 products run on the CPU.
static bool supports(const mx_array *node) { return mxc_is_float((mx_dtype)node->dtype); }

static mx_status k_matmul(mx_array *out, mx_array *const *in, int n, const mx_params *params) {
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  return mxc_matmul_run(&c, out, in) ? MX_OK : MX_ERROR;
}

void mxc_register_matmul(mx_kernel_fn *k, mxc_supports_fn *s) {
  k[MX_PRIM_MATMUL] = k_matmul;
  s[MX_PRIM_MATMUL] = supports;
}
