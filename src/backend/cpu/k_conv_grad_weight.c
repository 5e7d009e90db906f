/* k_conv_grad_weight.c — CONV_GRAD_WEIGHT on the CPU: the weight gradient of a convolution,
 * dw = conv_grad_weight(x, cot). General path: im2col of x in chunks of rows (as the forward
 * kernel), and per group dW_g += cot_gᵀ @ cols [C_out/g, kh*kw*C_in/g], a GEMM that reduces
 * over the rows. 1x1 unstrided convolutions are one GEMM on x itself; depthwise ones a direct
 * loop over row ranges with a private accumulator each, summed at the end. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "conv_grad.h"

typedef struct gw_job {
  const mxi_cg_plan *p;
  const char *x;   /* compute type, row-major [N, H, W, C_in] */
  const void *c;   /* compute type, row-major [rows, C_out] */
  char *cols;      /* general: [chunk rows, kp] */
  int64_t r0, group;
  void *parts;     /* depthwise: one [taps, C_out] accumulator per row range */
  int64_t nparts;
  _Atomic bool failed;
} gw_job;

/* Rows lo..hi of the chunk starting at row r0: the patches of group j->group. */
static void im2col_rows(void *ctx, int64_t lo, int64_t hi) {
  gw_job *j = ctx;
  const mxi_cg_plan *p = j->p;
  const size_t seg = (size_t)p->g.cin_g * p->csz;
  for (int64_t i = lo; i < hi; i++) {
    int64_t r = j->r0 + i, b = r / (p->g.oh * p->g.ow), o = r % (p->g.oh * p->g.ow);
    int64_t oy = o / p->g.ow, ox = o % p->g.ow, y, x;
    char *dst = j->cols + (size_t)(i * p->g.kp) * p->csz;
    for (int64_t th = 0; th < p->g.kh; th++)
      for (int64_t tw = 0; tw < p->g.kw; tw++, dst += seg) {
        if (mxi_conv_tap(&p->g, oy, ox, th, tw, &y, &x))
          memcpy(dst, j->x + (size_t)(((b * p->g.ih + y) * p->g.iw + x) * p->g.cin + j->group * p->g.cin_g) * p->csz, seg);
        else
          memset(dst, 0, seg);
      }
  }
}

/* acc[i] += t[i] over n compute-type values. */
static void add_into(void *acc, const void *t, int64_t n, mx_dtype ct) {
  if (ct == MX_FLOAT64) {
    double *a = acc;
    const double *b = t;
    for (int64_t i = 0; i < n; i++) a[i] += b[i];
  } else {
    float *a = acc;
    const float *b = t;
    for (int64_t i = 0; i < n; i++) a[i] += b[i];
  }
}

static bool run_general(const mxi_cg_plan *p, const char *x, const char *c, char *acc) {
  int64_t rows = p->g.n * p->g.oh * p->g.ow;
  int64_t chunk = MXI_CG_CHUNK_BYTES / (int64_t)((size_t)p->g.kp * p->csz + 1);
  if (chunk < 64) chunk = 64;
  if (chunk > rows) chunk = rows;
  size_t gbytes = (size_t)(p->g.cout_g * p->g.kp) * p->csz;
  gw_job j = {.p = p, .x = x, .c = c};
  atomic_init(&j.failed, false);
  size_t cols_bytes = (size_t)(chunk * p->g.kp) * p->csz + 1;
  j.cols = mxi_scratch_alloc(cols_bytes); /* reused between calls: no fresh pages per step */
  char *tmp = chunk < rows ? malloc(gbytes + 1) : NULL;
  bool ok = j.cols && (chunk == rows || tmp);
  int64_t grain = 4096 / (p->g.kp + 1) + 1;
  for (j.r0 = 0; j.r0 < rows && ok; j.r0 += chunk) {
    int64_t nr = rows - j.r0 < chunk ? rows - j.r0 : chunk;
    for (j.group = 0; j.group < p->g.groups && ok; j.group++) {
      mxi_parallel_for(nr, grain, im2col_rows, &j);
      char *dst = acc + (size_t)j.group * gbytes;
      mxi_gemm_args a = {p->ct,
                         p->g.cout_g, p->g.kp, nr,
                         c + (size_t)(j.r0 * p->g.cout + j.group * p->g.cout_g) * p->csz, 1, p->g.cout,
                         j.cols, p->g.kp, 1,
                         j.r0 == 0 ? dst : tmp, p->g.kp};
      ok = mxi_gemm(&a);
      if (ok && j.r0 > 0) add_into(dst, tmp, p->g.cout_g * p->g.kp, p->ct);
    }
  }
  mxi_scratch_free(j.cols, cols_bytes);
  free(tmp);
  return ok;
}

/* 1x1, stride 1, unpadded: dW_g = cot_gᵀ @ x_g with x read in place. */
static bool run_pointwise(const mxi_cg_plan *p, const char *x, const char *c, char *acc) {
  bool ok = true;
  for (int64_t g = 0; g < p->g.groups && ok; g++) {
    mxi_gemm_args a = {p->ct,
                       p->g.cout_g, p->g.cin_g, p->g.n * p->g.oh * p->g.ow,
                       c + (size_t)(g * p->g.cout_g) * p->csz, 1, p->g.cout,
                       x + (size_t)(g * p->g.cin_g) * p->csz, p->g.cin, 1,
                       acc + (size_t)(g * p->g.cout_g * p->g.kp) * p->csz, p->g.kp};
    ok = mxi_gemm(&a);
  }
  return ok;
}

/* Depthwise (m = C_out / C_in outputs per input channel): part[tap, o] accumulates
 * cot[r, o] * x[tap's pixel of row r, o / m] over the part's rows. */
#define DEPTHWISE(NAME, CT)                                                                  \
  static void NAME(void *ctx, int64_t lo, int64_t hi) {                                     \
    gw_job *j = ctx;                                                                         \
    const mxi_cg_plan *p = j->p;                                                             \
    const int64_t cin = p->g.cin, cout = p->g.cout, m = p->g.cout_g, ohw = p->g.oh * p->g.ow;          \
    const int64_t rows = p->g.n * ohw;                                                         \
    const CT *x = (const CT *)j->x, *c = j->c;                                               \
    for (int64_t part = lo; part < hi; part++) {                                             \
      CT *acc = (CT *)j->parts + part * p->g.taps * cout;                                      \
      for (int64_t i = 0; i < p->g.taps * cout; i++) acc[i] = 0;                               \
      int64_t r1 = rows * (part + 1) / j->nparts;                                            \
      for (int64_t r = rows * part / j->nparts; r < r1; r++) {                               \
        int64_t b = r / ohw, oy = (r % ohw) / p->g.ow, ox = r % p->g.ow, y, xx;                  \
        const CT *cr = c + r * cout;                                                         \
        for (int64_t th = 0; th < p->g.kh; th++)                                               \
          for (int64_t tw = 0; tw < p->g.kw; tw++) {                                           \
            if (!mxi_conv_tap(&p->g, oy, ox, th, tw, &y, &xx)) continue;                           \
            const CT *xr = x + ((b * p->g.ih + y) * p->g.iw + xx) * cin;                         \
            CT *ar = acc + (th * p->g.kw + tw) * cout;                                         \
            if (m == 1) {                                                                    \
              for (int64_t i = 0; i < cin; i++) ar[i] += cr[i] * xr[i];                      \
            } else {                                                                         \
              for (int64_t i = 0; i < cin; i++)                                              \
                for (int64_t k = 0; k < m; k++) ar[i * m + k] += cr[i * m + k] * xr[i];      \
            }                                                                                \
          }                                                                                  \
      }                                                                                      \
    }                                                                                        \
  }                                                                                          \
  /* acc[o, tap] = sum of the parts' [tap, o] */                                             \
  static void NAME##_reduce(const gw_job *j, CT *acc) {                                      \
    const mxi_cg_plan *p = j->p;                                                             \
    const CT *parts = j->parts;                                                              \
    for (int64_t o = 0; o < p->g.cout; o++)                                                    \
      for (int64_t k = 0; k < p->g.taps; k++) {                                                \
        CT s = 0;                                                                            \
        for (int64_t q = 0; q < j->nparts; q++) s += parts[(q * p->g.taps + k) * p->g.cout + o]; \
        acc[o * p->g.taps + k] = s;                                                            \
      }                                                                                      \
  }
DEPTHWISE(depthwise_f32, float)
DEPTHWISE(depthwise_f64, double)

static bool run_depthwise(const mxi_cg_plan *p, const char *x, const char *c, char *acc) {
  int64_t rows = p->g.n * p->g.oh * p->g.ow;
  /* a few ranges per thread for balance, each worth at least ~16k multiply-adds */
  int64_t nparts = 4 * (int64_t)mxi_num_threads();
  int64_t by_work = rows * p->g.taps * p->g.cout / 16384 + 1;
  if (nparts > by_work) nparts = by_work;
  if (nparts > rows) nparts = rows;
  gw_job j = {.p = p, .x = x, .c = c, .nparts = nparts};
  atomic_init(&j.failed, false);
  j.parts = malloc((size_t)(nparts * p->g.taps * p->g.cout) * p->csz + 1);
  if (!j.parts) return false;
  if (p->ct == MX_FLOAT64) {
    mxi_parallel_for(nparts, 1, depthwise_f64, &j);
    depthwise_f64_reduce(&j, (double *)acc);
  } else {
    mxi_parallel_for(nparts, 1, depthwise_f32, &j);
    depthwise_f32_reduce(&j, (float *)acc);
  }
  free(j.parts);
  return true;
}

mx_status mxi_k_conv_grad_weight(mx_array *out, mx_array *const *in, int n, const mx_params *params) {
  (void)n;
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  mx_array *x = in[0], *c = in[1];
  mxi_cg_plan p;
  mxi_cg_plan_init(&p, x, c, out, params);
  char *o = mxi_host_ptr(out);
  if (!o) {
    mxi_kernel_fail(out, "could not access the output's host memory");
    return MX_ERROR;
  }
  if (p.g.n * p.g.oh * p.g.ow == 0) { /* an empty batch: empty sums */
    memset(o, 0, mx_array_nbytes(out));
    return MX_OK;
  }
  void *xown, *cown, *accown = NULL;
  const char *xd = mxi_cg_dense(x, p.ct, &xown), *cd = mxi_cg_dense(c, p.ct, &cown);
  char *acc = o;
  if (p.dt != p.ct) acc = accown = malloc((size_t)out->size * p.csz);
  bool ok = xd && cd && acc;
  if (ok) {
    if (p.g.cin_g == 1 && p.g.groups > 1)
      ok = run_depthwise(&p, xd, cd, acc);
    else if (mxi_conv_pointwise(&p.g))
      ok = run_pointwise(&p, xd, cd, acc);
    else
      ok = run_general(&p, xd, cd, acc);
  }
  if (ok && accown) mxi_cg_store(o, accown, out->size, p.dt, p.ct);
  free(xown);
  free(cown);
  free(accown);
  if (!ok) {
    char s[MXI_SHAPE_STR_LEN];
    mxi_kernel_fail(out, "out of memory (weight gradient of shape %s)",
                    mxi_shape_str(s, sizeof s, out->ndim, out->shape));
    return MX_ERROR;
  }
  return MX_OK;
}
