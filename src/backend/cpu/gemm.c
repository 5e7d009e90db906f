/* gemm.c — the GEMM dispatcher: OpenBLAS (sgemm/dgemm/cgemm, gemv for matrix-vector) with
 * transposed operands passed as CblasTrans instead of copied; float16/bfloat16 go through
 * float32; everything else, and every dtype without BLAS, uses the portable GEMM. */
#include "gemm.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/half.h"

#ifdef MX_HAVE_CBLAS
#include <cblas.h>

static bool blas_dtype(mx_dtype dt) {
  return dt == MX_FLOAT32 || dt == MX_FLOAT64 || dt == MX_COMPLEX64;
}

/* How BLAS sees one rows x cols operand: row-major (NoTrans, ld = row stride) or column-major
 * (Trans of the row-major cols x rows matrix, ld = column stride). Size-1 axes may have any
 * stride. False when neither holds (negative, zero or two non-unit strides). */
typedef struct blas_view {
  enum CBLAS_TRANSPOSE t;
  int ld;
} blas_view;

static bool view_of(int64_t rows, int64_t cols, int64_t rs, int64_t cs, blas_view *v) {
  int64_t ld;
  if ((cols == 1 || cs == 1) && (rows == 1 || rs >= (cols > 1 ? cols : 1))) {
    v->t = CblasNoTrans;
    ld = rows == 1 ? (cols > 1 ? cols : 1) : rs;
  } else if ((rows == 1 || rs == 1) && (cols == 1 || cs >= (rows > 1 ? rows : 1))) {
    v->t = CblasTrans;
    ld = cols == 1 ? (rows > 1 ? rows : 1) : cs;
  } else {
    return false;
  }
  if (ld > INT_MAX) return false;
  v->ld = (int)ld;
  return true;
}

/* A row-major contiguous copy of a strided rows x cols operand (elements of size sz). */
static void *pack_rows(const void *src, int64_t rows, int64_t cols, int64_t rs, int64_t cs,
                       size_t sz) {
  char *dst = malloc((size_t)(rows * cols) * sz + 1);
  if (!dst) return NULL;
  const char *s = src;
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j++)
      memcpy(dst + (size_t)(i * cols + j) * sz, s + (i * rs + j * cs) * (int64_t)sz, sz);
  return dst;
}

/* y = op(A) x through gemv, where op(A) is m x k; incx, incy must be positive. */
static void blas_gemv(mx_dtype dt, const blas_view *va, int64_t m, int64_t k, const void *a,
                      const void *x, int64_t incx, void *y, int64_t incy) {
  /* BLAS sees the stored row-major matrix: m x k for NoTrans, k x m for Trans */
  int rows = (int)(va->t == CblasNoTrans ? m : k), cols = (int)(va->t == CblasNoTrans ? k : m);
  static const float c_one[2] = {1, 0}, c_zero[2] = {0, 0};
  switch (dt) {
    case MX_FLOAT32:
      cblas_sgemv(CblasRowMajor, va->t, rows, cols, 1.0f, a, va->ld, x, (int)incx, 0.0f, y,
                  (int)incy);
      break;
    case MX_FLOAT64:
      cblas_dgemv(CblasRowMajor, va->t, rows, cols, 1.0, a, va->ld, x, (int)incx, 0.0, y,
                  (int)incy);
      break;
    default:
      cblas_cgemv(CblasRowMajor, va->t, rows, cols, c_one, a, va->ld, x, (int)incx, c_zero, y,
                  (int)incy);
      break;
  }
}

static bool fits_int(int64_t v) { return v >= 0 && v <= INT_MAX; }

static void blas_gemm_call(mx_dtype dt, const blas_view *va, const blas_view *vb, int M, int N, int K,
                           const void *a, const void *b, void *c, int ldc) {
  static const float c_one[2] = {1, 0}, c_zero[2] = {0, 0};
  switch (dt) {
    case MX_FLOAT32:
      cblas_sgemm(CblasRowMajor, va->t, vb->t, M, N, K, 1.0f, a, va->ld, b, vb->ld, 0.0f, c, ldc);
      break;
    case MX_FLOAT64:
      cblas_dgemm(CblasRowMajor, va->t, vb->t, M, N, K, 1.0, a, va->ld, b, vb->ld, 0.0, c, ldc);
      break;
    default:
      cblas_cgemm(CblasRowMajor, va->t, vb->t, M, N, K, c_one, a, va->ld, b, vb->ld, c_zero, c, ldc);
      break;
  }
}

/* One GEMM split in blocks of rows (or columns) of C over the thread pool, each block a
 * single-threaded BLAS call: OpenBLAS runs single-threaded inside mx (see mxi_blas_init), so
 * the pool is the only set of threads and nothing spins against it. */
typedef struct split_gemm {
  mx_dtype dt;
  blas_view va, vb;
  int M, N, K, ldc, block;
  bool by_rows;
  const char *a, *b;
  char *c;
  size_t sz;
} split_gemm;

static void split_range(void *arg, int64_t lo, int64_t hi) {
  const split_gemm *s = arg;
  for (int64_t blk = lo; blk < hi; blk++) {
    int64_t i0 = blk * s->block;
    int len = (int)((s->by_rows ? s->M : s->N) - i0 < s->block ? (s->by_rows ? s->M : s->N) - i0 : s->block);
    if (s->by_rows) { /* rows of A: NoTrans rows are ld apart, Trans rows are columns */
      const char *a = s->a + (size_t)(s->va.t == CblasNoTrans ? i0 * s->va.ld : i0) * s->sz;
      blas_gemm_call(s->dt, &s->va, &s->vb, len, s->N, s->K, a, s->b, s->c + (size_t)(i0 * s->ldc) * s->sz, s->ldc);
    } else { /* columns of B */
      const char *b = s->b + (size_t)(s->vb.t == CblasNoTrans ? i0 : i0 * s->vb.ld) * s->sz;
      blas_gemm_call(s->dt, &s->va, &s->vb, s->M, len, s->K, s->a, b, s->c + (size_t)i0 * s->sz, s->ldc);
    }
  }
}

static void threaded_gemm(mx_dtype dt, const blas_view *va, const blas_view *vb, int M, int N, int K,
                          const void *a, const void *b, void *c, int ldc) {
  int nt = mxi_num_threads();
  double flops = 2.0 * M * N * K;
  if (nt == 1 || flops < 4e6) { /* a fork costs a few microseconds: small products stay serial */
    blas_gemm_call(dt, va, vb, M, N, K, a, b, c, ldc);
    return;
  }
  split_gemm s = {dt, *va, *vb, M, N, K, ldc, 0, M >= N, a, b, c, mx_dtype_size(dt)};
  int dim = s.by_rows ? M : N;
  /* blocks of whole micro-panels (multiples of 16), about one per thread */
  int block = (dim + nt - 1) / nt;
  block = (block + 15) / 16 * 16;
  s.block = block;
  mxi_parallel_for((dim + block - 1) / block, 1, split_range, &s);
}

static bool blas_gemm(const mxi_gemm_args *g) {
  int64_t M = g->m, N = g->n, K = g->k;
  size_t sz = mx_dtype_size(g->dtype);
  const void *a = g->a, *b = g->b;
  void *tmp_a = NULL, *tmp_b = NULL;
  blas_view va = {CblasNoTrans, 1}, vb = {CblasNoTrans, 1};
  if (!view_of(M, K, g->rsa, g->csa, &va)) {
    if (!(tmp_a = pack_rows(g->a, M, K, g->rsa, g->csa, sz))) return false;
    a = tmp_a;
    view_of(M, K, K, 1, &va);
  }
  if (!view_of(K, N, g->rsb, g->csb, &vb)) {
    if (!(tmp_b = pack_rows(g->b, K, N, g->rsb, g->csb, sz))) {
      free(tmp_a);
      return false;
    }
    b = tmp_b;
    view_of(K, N, N, 1, &vb);
  }
  /* Matrix-vector products go to gemv (as NumPy does): gemm would pad the vector to a panel. */
  int64_t incb = tmp_b ? N : (K == 1 ? 1 : g->rsb), inca = tmp_a ? 1 : (K == 1 ? 1 : g->csa);
  if (N == 1 && incb > 0 && incb <= INT_MAX) {
    blas_gemv(g->dtype, &va, M, K, a, b, incb, g->c, M == 1 ? 1 : g->ldc);
  } else if (M == 1 && inca > 0 && inca <= INT_MAX) {
    /* C row = B^T a: op(B)^T is the other transpose of the stored B */
    blas_view vt = {vb.t == CblasNoTrans ? CblasTrans : CblasNoTrans, vb.ld};
    blas_gemv(g->dtype, &vt, N, K, b, a, inca, g->c, 1);
  } else {
    threaded_gemm(g->dtype, &va, &vb, (int)M, (int)N, (int)K, a, b, g->c, (int)(M == 1 ? N : g->ldc));
  }
  free(tmp_a);
  free(tmp_b);
  return true;
}

/* float16/bfloat16: convert to float32, sgemm, convert back (3 O(n^2) passes around the
 * O(n^3) product, far cheaper than the portable GEMM). */
static float *to_f32(const uint16_t *src, int64_t rows, int64_t cols, int64_t rs, int64_t cs,
                     bool bf16) {
  float *dst = malloc((size_t)(rows * cols) * sizeof(float) + 1);
  if (!dst) return NULL;
  for (int64_t i = 0; i < rows; i++) {
    const uint16_t *s = src + i * rs;
    float *d = dst + i * cols;
    if (bf16)
      for (int64_t j = 0; j < cols; j++) d[j] = mxi_bf16_to_f32(s[j * cs]);
    else
      for (int64_t j = 0; j < cols; j++) d[j] = mxi_f16_to_f32(s[j * cs]);
  }
  return dst;
}

static bool half_gemm(const mxi_gemm_args *g) {
  bool bf16 = g->dtype == MX_BFLOAT16;
  int64_t M = g->m, N = g->n, K = g->k;
  float *a = to_f32(g->a, M, K, g->rsa, g->csa, bf16);
  float *b = to_f32(g->b, K, N, g->rsb, g->csb, bf16);
  float *c = malloc((size_t)(M * N) * sizeof(float) + 1);
  bool ok = a && b && c;
  if (ok) {
    mxi_gemm_args f = {MX_FLOAT32, M, N, K, a, K, 1, b, N, 1, c, N};
    ok = blas_gemm(&f);
  }
  if (ok) {
    for (int64_t i = 0; i < M; i++) {
      uint16_t *d = (uint16_t *)g->c + i * g->ldc;
      const float *s = c + i * N;
      if (bf16)
        for (int64_t j = 0; j < N; j++) d[j] = mxi_f32_to_bf16(s[j]);
      else
        for (int64_t j = 0; j < N; j++) d[j] = mxi_f32_to_f16(s[j]);
    }
  }
  free(a);
  free(b);
  free(c);
  return ok;
}
#endif

void mxi_blas_init(void) {
#ifdef MX_HAVE_CBLAS
  openblas_set_num_threads(1);
#endif
}

bool mxi_gemm_layout_ok(mx_dtype dt, int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
#ifdef MX_HAVE_CBLAS
  blas_view v;
  if (blas_dtype(dt)) return view_of(rows, cols, rs, cs, &v);
#endif
  (void)dt, (void)rows, (void)cols, (void)rs, (void)cs;
  return true;
}

bool mxi_gemm(const mxi_gemm_args *g) {
  if (g->m <= 0 || g->n <= 0) return true;
  if (g->k <= 0) {
    size_t sz = mx_dtype_size(g->dtype);
    for (int64_t i = 0; i < g->m; i++)
      memset((char *)g->c + (size_t)(i * g->ldc) * sz, 0, (size_t)g->n * sz);
    return true;
  }
#ifdef MX_HAVE_CBLAS
  /* BLAS takes int sizes: larger problems (rare) take the portable path */
  bool small = fits_int(g->m) && fits_int(g->n) && fits_int(g->k) && fits_int(g->ldc);
  if (small && blas_dtype(g->dtype)) return blas_gemm(g);
  if (small && (g->dtype == MX_FLOAT16 || g->dtype == MX_BFLOAT16)) return half_gemm(g);
#endif
  return mxi_gemm_portable(g);
}
