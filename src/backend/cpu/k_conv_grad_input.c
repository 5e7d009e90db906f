/* k_conv_grad_input.c — CONV_GRAD_INPUT on the CPU: the input gradient of a convolution (a
 * transposed convolution), dx = conv_grad_input(cot, w). General path, per chunk of images: one
 * GEMM per group gives each output pixel's patch gradient, cols = cot_g @ W_g
 * [rows, kh*kw*C_in/g]; then every input pixel gathers the patch entries that read it (col2im
 * written as a gather, so threads never write the same place). 1x1 unstrided convolutions are
 * one GEMM into dx; depthwise ones a direct loop. float16/bfloat16 compute in float32. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "conv_grad.h"

typedef struct gi_job {
  const mxi_cg_plan *p;
  const void *cols; /* general: [chunk rows, kp] patch gradients of the chunk's images */
  const void *c;    /* depthwise: the cotangent [rows, C_out] */
  const void *wt;   /* depthwise: the weight transposed to [taps, C_out] */
  char *out;
  int64_t n0, group;
  _Atomic bool failed;
} gi_job;

/* Input pixels lo..hi of the chunk (image-local index over n, y, x), group j->group. */
#define GATHER(NAME, CT)                                                                     \
  static void NAME(void *ctx, int64_t lo, int64_t hi) {                                     \
    gi_job *j = ctx;                                                                         \
    const mxi_cg_plan *p = j->p;                                                             \
    const int64_t cg = p->g.cin_g, hw = p->g.ih * p->g.iw;                                         \
    CT *acc = malloc((size_t)cg * sizeof(CT));                                               \
    if (!acc) {                                                                              \
      atomic_store(&j->failed, true);                                                        \
      return;                                                                                \
    }                                                                                        \
    const CT *cols = j->cols;                                                                \
    for (int64_t q = lo; q < hi; q++) {                                                      \
      int64_t b = q / hw, yx = q % hw, y = yx / p->g.iw, x = yx % p->g.iw, oy, ox;               \
      for (int64_t i = 0; i < cg; i++) acc[i] = 0;                                           \
      for (int64_t th = 0; th < p->g.kh; th++)                                                 \
        for (int64_t tw = 0; tw < p->g.kw; tw++) {                                             \
          if (!mxi_conv_untap(&p->g, y, x, th, tw, &oy, &ox)) continue;                            \
          const CT *s = cols + ((b * p->g.oh + oy) * p->g.ow + ox) * p->g.kp + (th * p->g.kw + tw) * cg; \
          for (int64_t i = 0; i < cg; i++) acc[i] += s[i];                                   \
        }                                                                                    \
      char *dst = j->out + (size_t)(((j->n0 + b) * hw + yx) * p->g.cin + j->group * cg) * p->esz; \
      mxi_cg_store(dst, acc, cg, p->dt, p->ct);                                              \
    }                                                                                        \
    free(acc);                                                                               \
  }
GATHER(gather_f32, float)
GATHER(gather_f64, double)

/* Depthwise (one input channel per group, m = C_out / C_in outputs each):
 * dx[y, x, c] = sum over the taps reading (y, x) and j < m of cot[oy, ox, c*m + j] * w[c*m + j, tap]. */
#define DEPTHWISE(NAME, CT)                                                                  \
  static void NAME(void *ctx, int64_t lo, int64_t hi) {                                     \
    gi_job *j = ctx;                                                                         \
    const mxi_cg_plan *p = j->p;                                                             \
    const int64_t cin = p->g.cin, cout = p->g.cout, m = p->g.cout_g, hw = p->g.ih * p->g.iw;           \
    CT *acc = malloc((size_t)cin * sizeof(CT));                                              \
    if (!acc) {                                                                              \
      atomic_store(&j->failed, true);                                                        \
      return;                                                                                \
    }                                                                                        \
    const CT *c = j->c, *wt = j->wt;                                                         \
    for (int64_t q = lo; q < hi; q++) {                                                      \
      int64_t b = q / hw, yx = q % hw, y = yx / p->g.iw, x = yx % p->g.iw, oy, ox;               \
      for (int64_t i = 0; i < cin; i++) acc[i] = 0;                                          \
      for (int64_t th = 0; th < p->g.kh; th++)                                                 \
        for (int64_t tw = 0; tw < p->g.kw; tw++) {                                             \
          if (!mxi_conv_untap(&p->g, y, x, th, tw, &oy, &ox)) continue;                            \
          const CT *cr = c + ((b * p->g.oh + oy) * p->g.ow + ox) * cout;                         \
          const CT *wr = wt + (th * p->g.kw + tw) * cout;                                      \
          if (m == 1) {                                                                      \
            for (int64_t i = 0; i < cin; i++) acc[i] += cr[i] * wr[i];                       \
          } else {                                                                           \
            for (int64_t i = 0; i < cin; i++) {                                              \
              CT s = 0;                                                                      \
              for (int64_t k = 0; k < m; k++) s += cr[i * m + k] * wr[i * m + k];            \
              acc[i] += s;                                                                   \
            }                                                                                \
          }                                                                                  \
        }                                                                                    \
      mxi_cg_store(j->out + (size_t)(q * cin) * p->esz, acc, cin, p->dt, p->ct);             \
    }                                                                                        \
    free(acc);                                                                               \
  }
DEPTHWISE(depthwise_f32, float)
DEPTHWISE(depthwise_f64, double)

/* w [C_out, taps] (compute type, row-major) transposed to [taps, C_out]. */
static void *transpose_weight(const mxi_cg_plan *p, const void *w) {
  char *t = malloc((size_t)(p->g.cout * p->g.taps) * p->csz + 1);
  if (!t) return NULL;
  for (int64_t o = 0; o < p->g.cout; o++)
    for (int64_t k = 0; k < p->g.taps; k++)
      memcpy(t + (size_t)(k * p->g.cout + o) * p->csz, (const char *)w + (size_t)(o * p->g.taps + k) * p->csz,
             p->csz);
  return t;
}

static bool run_depthwise(const mxi_cg_plan *p, const void *c, const void *w, char *out) {
  gi_job j = {.p = p, .c = c, .out = out};
  atomic_init(&j.failed, false);
  void *wt = transpose_weight(p, w);
  if (!wt) return false;
  j.wt = wt;
  int64_t grain = 16384 / (p->g.taps * p->g.cout + 1) + 1;
  mxi_parallel_for(p->g.n * p->g.ih * p->g.iw, grain, p->ct == MX_FLOAT64 ? depthwise_f64 : depthwise_f32, &j);
  free(wt);
  return !atomic_load(&j.failed);
}

/* 1x1, stride 1, unpadded, storage = compute type: dx[:, group] = cot[:, group] @ W_g. */
static bool run_pointwise(const mxi_cg_plan *p, const char *c, const char *w, char *out) {
  bool ok = true;
  for (int64_t g = 0; g < p->g.groups && ok; g++) {
    mxi_gemm_args a = {p->ct,
                       p->g.n * p->g.ih * p->g.iw, p->g.cin_g, p->g.cout_g,
                       c + (size_t)(g * p->g.cout_g) * p->csz, p->g.cout, 1,
                       w + (size_t)(g * p->g.cout_g * p->g.kp) * p->csz, p->g.kp, 1,
                       out + (size_t)(g * p->g.cin_g) * p->esz, p->g.cin};
    ok = mxi_gemm(&a);
  }
  return ok;
}

/* Chunks of whole images (a gather needs every patch that reads its pixel); at least one image
 * per chunk, so one very large image may take more than MXI_CG_CHUNK_BYTES. */
static bool run_general(const mxi_cg_plan *p, const char *c, const char *w, char *out) {
  int64_t per_image = p->g.oh * p->g.ow * p->g.kp * (int64_t)p->csz;
  int64_t imgs = MXI_CG_CHUNK_BYTES / (per_image > 0 ? per_image : 1);
  if (imgs < 1) imgs = 1;
  if (imgs > p->g.n) imgs = p->g.n;
  size_t cols_bytes = (size_t)(imgs * per_image) + 1;
  void *cols = mxi_scratch_alloc(cols_bytes); /* reused between calls: no fresh pages per step */
  if (!cols) return false;
  gi_job j = {.p = p, .cols = cols, .out = out};
  atomic_init(&j.failed, false);
  bool ok = true;
  int64_t grain = 16384 / (p->g.kp + 1) + 1;
  for (j.n0 = 0; j.n0 < p->g.n && ok; j.n0 += imgs) {
    int64_t ni = p->g.n - j.n0 < imgs ? p->g.n - j.n0 : imgs, rows = ni * p->g.oh * p->g.ow;
    for (j.group = 0; j.group < p->g.groups && ok; j.group++) {
      mxi_gemm_args a = {p->ct,
                         rows, p->g.kp, p->g.cout_g,
                         c + (size_t)(j.n0 * p->g.oh * p->g.ow * p->g.cout + j.group * p->g.cout_g) * p->csz, p->g.cout, 1,
                         w + (size_t)(j.group * p->g.cout_g * p->g.kp) * p->csz, p->g.kp, 1,
                         cols, p->g.kp};
      ok = mxi_gemm(&a);
      if (ok) mxi_parallel_for(ni * p->g.ih * p->g.iw, grain, p->ct == MX_FLOAT64 ? gather_f64 : gather_f32, &j);
      ok = ok && !atomic_load(&j.failed);
    }
  }
  mxi_scratch_free(cols, cols_bytes);
  return ok;
}

mx_status mxi_k_conv_grad_input(mx_array *out, mx_array *const *in, int n, const mx_params *params) {
  (void)n;
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  mx_array *c = in[0], *w = in[1];
  mxi_cg_plan p;
  mxi_cg_plan_init(&p, out, c, w, params);
  char *o = mxi_host_ptr(out);
  if (!o) {
    mxi_kernel_fail(out, "could not access the output's host memory");
    return MX_ERROR;
  }
  if (p.g.cout_g == 0) { /* no output channels: nothing flows back */
    memset(o, 0, mx_array_nbytes(out));
    return MX_OK;
  }
  void *cown, *wown;
  const char *cd = mxi_cg_dense(c, p.ct, &cown), *wd = mxi_cg_dense(w, p.ct, &wown);
  bool ok = cd && wd;
  if (ok) {
    if (p.g.cin_g == 1 && p.g.groups > 1)
      ok = run_depthwise(&p, cd, wd, o);
    else if (mxi_conv_pointwise(&p.g) && p.dt == p.ct)
      ok = run_pointwise(&p, cd, wd, o);
    else
      ok = run_general(&p, cd, wd, o);
  }
  free(cown);
  free(wown);
  if (!ok) {
    char s[MXI_SHAPE_STR_LEN];
    mxi_kernel_fail(out, "out of memory (input gradient of shape %s)",
                    mxi_shape_str(s, sizeof s, out->ndim, out->shape));
    return MX_ERROR;
  }
  return MX_OK;
}
