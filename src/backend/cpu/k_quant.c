/* k_quant.c — the quantization kernels: packing codes into MLX's bit stream and back, and the
 * product with packed weights, which unpacks one group of codes at a time (never a dequantized
 * copy of the matrix) and uses sum_k x_k (s q_k + b) = s * (x . q) + b * sum(x) per group. */
#include <stdlib.h>
#include <string.h>

#include "../common/quant_codes.h"
#include "cpu.h"

/* in row-major (itself, or a compact copy the caller releases into *copy). */
static mx_array *compact(mx_array *in, mx_array *out, mx_array **copy) {
  *copy = NULL;
  if (mxi_is_row_contiguous(in)) return in;
  *copy = mxi_contiguous_copy(in, mxi_backend(MX_CPU), out);
  return *copy;
}

typedef struct pack_job {
  const uint8_t *src;
  uint8_t *dst;
  int64_t codes, bytes; /* per row */
  int bits;
  bool pack;
} pack_job;

static void pack_rows(void *ctx, int64_t lo, int64_t hi) {
  const pack_job *j = ctx;
  uint32_t mask = (1u << j->bits) - 1u;
  for (int64_t r = lo; r < hi; r++) {
    if (j->pack) {
      const uint8_t *c = j->src + r * j->codes;
      uint8_t *row = j->dst + r * j->bytes;
      memset(row, 0, (size_t)j->bytes);
      for (int64_t i = 0; i < j->codes; i++) mxq_put(row, i, j->bits, c[i] & mask);
    } else {
      const uint8_t *row = j->src + r * j->bytes;
      uint8_t *c = j->dst + r * j->codes;
      for (int64_t i = 0; i < j->codes; i++) c[i] = (uint8_t)mxq_code(row, i, j->bits);
    }
  }
}

static mx_status k_pack(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  mx_array *copy, *a = compact(in[0], out, &copy);
  if (!a) return MX_ERROR;
  bool pack = out->dtype == MX_UINT32;
  const mx_array *codes = pack ? a : out, *words = pack ? out : a;
  int64_t per_row = codes->shape[codes->ndim - 1];
  pack_job j = {mxi_host_ptr(a), mxi_host_ptr(out), per_row,
                words->shape[words->ndim - 1] * 4, p->quant.bits, pack};
  int64_t rows = codes->size / per_row;
  mxi_parallel_for(rows, 1 + 65536 / (per_row + 1), pack_rows, &j);
  if (copy) mx_release(copy);
  return MX_OK;
}

/* ---- the product ---- */

typedef struct qmm_job {
  const float *x, *scales, *biases, *xsum; /* xsum: [M, groups of K] (transposed form) */
  const uint8_t *w;
  float *y;
  int64_t m, n, k, row_bytes, groups; /* groups per row of w */
  int bits, gs;
} qmm_job;

/* y = x @ Wᵀ, W [N, K] quantized along K: each thread owns output columns [lo, hi). */
static void qmm_t_cols(void *ctx, int64_t lo, int64_t hi) {
  const qmm_job *j = ctx;
  float q[128];
  for (int64_t c = lo; c < hi; c++) {
    const uint8_t *row = j->w + c * j->row_bytes;
    for (int64_t r = 0; r < j->m; r++) j->y[r * j->n + c] = 0;
    for (int64_t g = 0; g < j->groups; g++) {
      mxq_codes_f32(row, g * j->gs, j->gs, j->bits, q);
      float s = j->scales[c * j->groups + g], b = j->biases[c * j->groups + g];
      for (int64_t r = 0; r < j->m; r++) {
        const float *xr = j->x + r * j->k + g * j->gs;
        float dot = 0;
        for (int i = 0; i < j->gs; i++) dot += xr[i] * q[i];
        j->y[r * j->n + c] += s * dot + b * j->xsum[r * j->groups + g];
      }
    }
  }
}

/* y = x @ W, W [K, N] quantized along N: each thread owns column groups [lo, hi) and streams
 * the K rows of its columns, dequantized one group at a time. */
static void qmm_n_groups(void *ctx, int64_t lo, int64_t hi) {
  const qmm_job *j = ctx;
  float q[128];
  for (int64_t g = lo; g < hi; g++) {
    int64_t c0 = g * j->gs;
    for (int64_t r = 0; r < j->m; r++) memset(j->y + r * j->n + c0, 0, (size_t)j->gs * sizeof(float));
    for (int64_t kk = 0; kk < j->k; kk++) {
      mxq_codes_f32(j->w + kk * j->row_bytes, c0, j->gs, j->bits, q);
      float s = j->scales[kk * j->groups + g], b = j->biases[kk * j->groups + g];
      for (int i = 0; i < j->gs; i++) q[i] = s * q[i] + b;
      for (int64_t r = 0; r < j->m; r++) {
        float xv = j->x[r * j->k + kk];
        float *yr = j->y + r * j->n + c0;
        for (int i = 0; i < j->gs; i++) yr[i] += xv * q[i];
      }
    }
  }
}

static mx_status k_qmm(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  mx_array *copies[4] = {NULL, NULL, NULL, NULL}, *ops[4];
  mx_status st = MX_ERROR;
  float *xsum = NULL;
  qmm_job j;
  memset(&j, 0, sizeof j);
  for (int i = 0; i < 4; i++)
    if (!(ops[i] = compact(in[i], out, &copies[i]))) goto done;
  j.x = mxi_host_ptr(ops[0]);
  j.w = mxi_host_ptr(ops[1]);
  j.scales = mxi_host_ptr(ops[2]);
  j.biases = mxi_host_ptr(ops[3]);
  j.y = mxi_host_ptr(out);
  j.bits = p->quant.bits;
  j.gs = p->quant.group_size;
  const mx_array *x = ops[0], *w = ops[1];
  j.k = x->shape[x->ndim - 1];
  j.n = out->shape[out->ndim - 1];
  j.m = out->size / j.n;
  j.row_bytes = w->shape[1] * 4;
  j.groups = ops[2]->shape[1];
  if (j.k == 0) { /* an empty sum */
    memset(j.y, 0, (size_t)out->size * sizeof(float));
    st = MX_OK;
    goto done;
  }
  if (p->quant.transpose) {
    xsum = mxi_scratch_alloc((size_t)(j.m * j.groups) * sizeof(float));
    if (!xsum) {
      mxi_kernel_fail(out, "out of memory for %lld group sums", (long long)(j.m * j.groups));
      goto done;
    }
    for (int64_t r = 0; r < j.m; r++)
      for (int64_t g = 0; g < j.groups; g++) {
        const float *xr = j.x + r * j.k + g * j.gs;
        float s = 0;
        for (int i = 0; i < j.gs; i++) s += xr[i];
        xsum[r * j.groups + g] = s;
      }
    j.xsum = xsum;
    int64_t work = j.m * j.k; /* multiply-adds per output column */
    mxi_parallel_for(j.n, 1 + 32768 / (work + 1), qmm_t_cols, &j);
  } else {
    int64_t work = j.m * j.k * j.gs;
    mxi_parallel_for(j.groups, 1 + 32768 / (work + 1), qmm_n_groups, &j);
  }
  st = MX_OK;
done:
  if (xsum) mxi_scratch_free(xsum, (size_t)(j.m * j.groups) * sizeof(float));
  for (int i = 0; i < 4; i++)
    if (copies[i]) mx_release(copies[i]);
  return st;
}

void mxi_cpu_register_quant(mx_kernel_fn *k) {
  k[MX_PRIM_QUANT_PACK] = k_pack;
  k[MX_PRIM_QUANT_UNPACK] = k_pack;
  k[MX_PRIM_QUANTIZED_MATMUL] = k_qmm;
}
