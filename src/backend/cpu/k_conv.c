/* k_conv.c — the CONV kernel (channels-last, 1 or 2 spatial axes; 1-D runs as 2-D with H = 1).
 * General path: im2col rows (one per output position, patch ordered like the weight's
 * [k..., C_in/groups]) built in parallel, in chunks of bounded memory, then one GEMM per group
 * against the weight read as transposed [C_out/groups, patch] (no copy). 1x1 unstrided unpadded
 * convolutions are a GEMM on the input itself; depthwise ones (one input channel per group) a
 * direct loop. float16/bfloat16 compute in float32, float64 in float64. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/half.h"
#include "../common/conv_geom.h"
#include "gemm.h"

#define CHUNK_BYTES ((int64_t)8 << 20) /* im2col rows per chunk: about this much memory */

typedef struct conv_plan {
  mxi_conv_geom g;
  mx_dtype dt, ct;          /* storage and compute dtypes */
  size_t esz, csz;
  const char *x;
  int64_t xs[4];            /* element strides of x: batch, h, w, channel */
  const void *w;            /* compute-type weight, [C_out, patch] row-major */
  int64_t rows;             /* n * oh * ow */
  /* per chunk */
  void *cols;               /* [chunk rows, kp] */
  int64_t r0;
  int64_t group;
  char *out;                /* the output (compute type when dt == ct, else a chunk buffer) */
  _Atomic bool failed;
} conv_plan;

/* dst[i] = x[i * stride] converted to the compute type (float32, or float64 for float64). */
static void load_row(void *dst, const char *src, int64_t stride, int64_t n, mx_dtype dt) {
  switch (dt) {
    case MX_FLOAT64: {
      double *d = dst;
      const double *s = (const double *)src;
      for (int64_t i = 0; i < n; i++) d[i] = s[i * stride];
      break;
    }
    case MX_FLOAT32: {
      float *d = dst;
      const float *s = (const float *)src;
      if (stride == 1) memcpy(d, s, (size_t)n * sizeof(float));
      else for (int64_t i = 0; i < n; i++) d[i] = s[i * stride];
      break;
    }
    case MX_FLOAT16: {
      float *d = dst;
      const uint16_t *s = (const uint16_t *)src;
      for (int64_t i = 0; i < n; i++) d[i] = mxi_f16_to_f32(s[i * stride]);
      break;
    }
    default: {
      float *d = dst;
      const uint16_t *s = (const uint16_t *)src;
      for (int64_t i = 0; i < n; i++) d[i] = mxi_bf16_to_f32(s[i * stride]);
      break;
    }
  }
}

/* Converts n float32 values to float16/bfloat16 storage. */
static void store_half(char *dst, const float *src, int64_t n, mx_dtype dt) {
  uint16_t *d = (uint16_t *)dst;
  if (dt == MX_FLOAT16)
    for (int64_t i = 0; i < n; i++) d[i] = mxi_f32_to_f16(src[i]);
  else
    for (int64_t i = 0; i < n; i++) d[i] = mxi_f32_to_bf16(src[i]);
}

/* The input row of output position r, tap (th, tw): NULL when it falls in the padding. */
static const char *tap_src(const conv_plan *p, int64_t r, int64_t th, int64_t tw) {
  int64_t b = r / (p->g.oh * p->g.ow), o = r % (p->g.oh * p->g.ow), y, x;
  if (!mxi_conv_tap(&p->g, o / p->g.ow, o % p->g.ow, th, tw, &y, &x)) return NULL;
  return p->x + (b * p->xs[0] + y * p->xs[1] + x * p->xs[2]) * (int64_t)p->esz;
}

static void im2col_rows(void *ctx, int64_t lo, int64_t hi) {
  const conv_plan *p = ctx;
  int64_t cofs = p->group * p->g.cin_g * p->xs[3] * (int64_t)p->esz;
  for (int64_t i = lo; i < hi; i++) {
    int64_t r = p->r0 + i; /* i: row within the chunk */
    char *dst = (char *)p->cols + (size_t)(i * p->g.kp) * p->csz;
    for (int64_t th = 0; th < p->g.kh; th++)
      for (int64_t tw = 0; tw < p->g.kw; tw++) {
        const char *src = tap_src(p, r, th, tw);
        if (src) load_row(dst, src + cofs, p->xs[3], p->g.cin_g, p->dt);
        else memset(dst, 0, (size_t)p->g.cin_g * p->csz);
        dst += (size_t)p->g.cin_g * p->csz;
      }
  }
}

/* Depthwise: out[r, c*m + j] = sum over taps of x[tap, c] * w[c*m + j, tap]; wt is the weight
 * transposed to [taps, C_out] so the channel loop is contiguous (and vectorizes for m = 1). */
#define DEPTHWISE(NAME, CT)                                                                   \
  static void mac_##NAME(CT *restrict acc, const CT *restrict x, const CT *restrict w,         \
                         int64_t n) {                                                         \
    for (int64_t c = 0; c < n; c++) acc[c] += x[c] * w[c];                                    \
  }                                                                                           \
  static void NAME(void *ctx, int64_t lo, int64_t hi) {                                      \
    conv_plan *p = ctx;                                                                       \
    const CT *wt = p->w;                                                                      \
    int64_t cin = p->g.cin, cout = p->g.cout, m = p->g.cout_g;                                      \
    CT *buf = malloc((size_t)(cin + cout) * sizeof(CT));                                      \
    if (!buf) {                                                                               \
      atomic_store(&p->failed, true);                                                         \
      return;                                                                                 \
    }                                                                                         \
    CT *xr = buf, *acc = buf + cin;                                                           \
    const bool direct = p->dt == p->ct && p->xs[3] == 1;                                      \
    for (int64_t r = lo; r < hi; r++) {                                                       \
      for (int64_t o = 0; o < cout; o++) acc[o] = 0;                                          \
      for (int64_t th = 0; th < p->g.kh; th++)                                                  \
        for (int64_t tw = 0; tw < p->g.kw; tw++) {                                              \
          const char *src = tap_src(p, r, th, tw);                                            \
          if (!src) continue;                                                                 \
          const CT *xv = xr; /* channels read in place when already the compute type */     \
          if (direct) xv = (const CT *)src;                                                   \
          else load_row(xr, src, p->xs[3], cin, p->dt);                                       \
          const CT *wrow = wt + (th * p->g.kw + tw) * cout;                                     \
          if (m == 1) {                                                                       \
            mac_##NAME(acc, xv, wrow, cin);                                                   \
          } else {                                                                            \
            for (int64_t c = 0; c < cin; c++)                                                 \
              for (int64_t j = 0; j < m; j++) acc[c * m + j] += xv[c] * wrow[c * m + j];      \
          }                                                                                   \
        }                                                                                     \
      char *o = p->out + (size_t)(r * cout) * p->esz;                                         \
      if (p->dt == p->ct) memcpy(o, acc, (size_t)cout * sizeof(CT));                          \
      else store_half(o, (const float *)acc, cout, p->dt);                                    \
    }                                                                                         \
    free(buf);                                                                                \
  }
DEPTHWISE(depthwise_f32, float)
DEPTHWISE(depthwise_f64, double)

/* The weight as a compute-type [C_out, patch] matrix (transposed to [patch, C_out] for the
 * depthwise path). Returns w's own memory when it already is one, else a malloc'd buffer in
 * *owned. */
static const void *weight_matrix(mx_array *w, mx_dtype ct, bool transposed, void **owned) {
  *owned = NULL;
  mx_dtype dt = (mx_dtype)w->dtype;
  const char *src = mxi_host_ptr(w);
  if (!src) return NULL;
  if (dt == ct && !transposed && mxi_is_row_contiguous(w)) return src;
  int64_t cout = w->shape[0], kp = w->size / (cout > 0 ? cout : 1);
  size_t csz = mx_dtype_size(ct), esz = mx_dtype_size(dt);
  char *dst = malloc((size_t)w->size * csz + 1);
  if (!dst) return NULL;
  /* walk w's elements in row-major order through its strides */
  int64_t idx[MX_MAX_DIMS] = {0};
  for (int64_t f = 0; f < w->size; f++) {
    int64_t off = 0;
    for (int i = 0; i < w->ndim; i++) off += idx[i] * w->strides[i];
    int64_t o = f / (kp > 0 ? kp : 1), q = f % (kp > 0 ? kp : 1);
    int64_t d = transposed ? q * cout + o : f;
    load_row(dst + (size_t)d * csz, src + off, 1, 1, dt);
    for (int i = w->ndim - 1; i >= 0 && ++idx[i] == w->shape[i]; i--) idx[i] = 0;
  }
  (void)esz;
  *owned = dst;
  return dst;
}

static mx_status run_general(conv_plan *p, mx_array *out) {
  char *final = p->out;
  int64_t chunk = CHUNK_BYTES / (int64_t)((size_t)p->g.kp * p->csz + 1);
  if (chunk < 64) chunk = 64;
  if (chunk > p->rows) chunk = p->rows;
  size_t cols_bytes = (size_t)(chunk * p->g.kp) * p->csz + 1, obuf_bytes = (size_t)(chunk * p->g.cout) * p->csz + 1;
  p->cols = mxi_scratch_alloc(cols_bytes); /* reused between calls: no fresh pages per step */
  void *obuf = p->dt == p->ct ? NULL : mxi_scratch_alloc(obuf_bytes);
  if (!p->cols || (p->dt != p->ct && !obuf)) {
    mxi_scratch_free(p->cols, cols_bytes);
    mxi_scratch_free(obuf, obuf_bytes);
    mxi_kernel_fail(out, "out of memory (or over the memory limit) for the im2col buffer "
                    "(%lld x %lld, %zu bytes)", (long long)chunk, (long long)p->g.kp, cols_bytes);
    return MX_ERROR;
  }
  bool ok = true;
  for (p->r0 = 0; p->r0 < p->rows && ok; p->r0 += chunk) {
    int64_t nr = p->rows - p->r0 < chunk ? p->rows - p->r0 : chunk;
    char *c = obuf ? obuf : final + (size_t)(p->r0 * p->g.cout) * p->csz;
    for (p->group = 0; p->group < p->g.groups && ok; p->group++) {
      int64_t grain = 4096 / (p->g.kp + 1) + 1;
      mxi_parallel_for(nr, grain, im2col_rows, p);
      mxi_gemm_args g = {p->ct,
                         nr, p->g.cout_g, p->g.kp,
                         p->cols, p->g.kp, 1,
                         (const char *)p->w + (size_t)(p->group * p->g.cout_g * p->g.kp) * p->csz, 1, p->g.kp,
                         c + (size_t)(p->group * p->g.cout_g) * p->csz, p->g.cout};
      ok = mxi_gemm(&g);
    }
    if (obuf)
      for (int64_t r = 0; r < nr; r++)
        store_half(final + (size_t)((p->r0 + r) * p->g.cout) * p->esz,
                   (const float *)obuf + r * p->g.cout, p->g.cout, p->dt);
  }
  mxi_scratch_free(p->cols, cols_bytes);
  mxi_scratch_free(obuf, obuf_bytes);
  if (!ok) {
    mxi_kernel_fail(out, "out of memory for GEMM work buffers");
    return MX_ERROR;
  }
  return MX_OK;
}

/* The 1x1, stride 1, unpadded case: output rows are input rows, so A is x itself when its
 * (batch, h, w) axes collapse into one row stride. */
static bool pointwise_stride(const conv_plan *p, int64_t *rs) {
  int64_t dims[3] = {p->g.n, p->g.oh, p->g.ow}, st[3] = {p->xs[0], p->xs[1], p->xs[2]};
  bool have = false;
  int64_t expect = 0;
  for (int i = 2; i >= 0; i--) {
    if (dims[i] == 1) continue;
    if (!have) {
      have = true;
      *rs = st[i];
      expect = st[i] * dims[i];
    } else if (st[i] != expect) {
      return false;
    } else {
      expect *= dims[i];
    }
  }
  if (!have) *rs = p->g.cin * p->xs[3];
  return true;
}

static mx_status k_conv(mx_array *out, mx_array *const *in, int n, const mx_params *params) {
  (void)n;
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  conv_plan p;
  memset(&p, 0, sizeof p);
  atomic_init(&p.failed, false);
  mx_array *x = in[0], *w = in[1], *xcopy = NULL;
  p.dt = (mx_dtype)out->dtype;
  p.ct = p.dt == MX_FLOAT64 ? MX_FLOAT64 : MX_FLOAT32;
  p.esz = mx_dtype_size(p.dt);
  p.csz = mx_dtype_size(p.ct);
  bool whole = x->offset % (int64_t)p.esz == 0;
  for (int i = 0; i < x->ndim; i++) whole &= x->strides[i] % (int64_t)p.esz == 0;
  if (!whole) { /* a byte-reinterpreted view: read a compact copy instead */
    if (!(xcopy = mxi_contiguous_copy(x, mxi_backend(MX_CPU), out))) return MX_ERROR;
    x = xcopy;
  }
  const int64_t es = (int64_t)p.esz;
  const int ns = params->conv.nspatial;
  mxi_conv_geom_init(&p.g, x->shape, out->shape, w->shape, params);
  if (ns == 1) { /* a 2-D convolution with H = 1 */
    p.xs[0] = x->strides[0] / es;
    p.xs[1] = 0;
    p.xs[2] = x->strides[1] / es;
    p.xs[3] = x->strides[2] / es;
  } else {
    for (int i = 0; i < 4; i++) p.xs[i] = x->strides[i] / es;
  }
  p.rows = p.g.n * p.g.oh * p.g.ow;
  p.x = mxi_host_ptr(x);
  p.out = mxi_host_ptr(out);
  mx_status st = MX_OK;
  void *wown = NULL;
  if (!p.out || (!p.x && x->size > 0)) {
    mxi_kernel_fail(out, "could not access the operands' host memory");
    st = MX_ERROR;
  } else if (p.g.kp == 0) { /* no input channels: empty sums */
    memset(p.out, 0, mx_array_nbytes(out));
  } else if (p.g.cin_g == 1 && p.g.groups > 1) {
    if (!(p.w = weight_matrix(w, p.ct, true, &wown))) {
      mxi_kernel_fail(out, "out of memory converting the weight");
      st = MX_ERROR;
    } else {
      int64_t grain = 16384 / (p.g.kh * p.g.kw * p.g.cout + 1) + 1;
      mxi_parallel_for(p.rows, grain, p.ct == MX_FLOAT64 ? depthwise_f64 : depthwise_f32, &p);
      if (atomic_load(&p.failed)) {
        mxi_kernel_fail(out, "out of memory for depthwise work buffers");
        st = MX_ERROR;
      }
    }
  } else if (!(p.w = weight_matrix(w, p.ct, false, &wown))) {
    mxi_kernel_fail(out, "out of memory converting the weight");
    st = MX_ERROR;
  } else {
    int64_t rs = 0;
    bool pointwise = mxi_conv_pointwise(&p.g) && p.dt == p.ct && pointwise_stride(&p, &rs);
    if (pointwise) {
      bool ok = true;
      for (int64_t g = 0; g < p.g.groups && ok; g++) {
        mxi_gemm_args ga = {p.ct,
                            p.rows, p.g.cout_g, p.g.cin_g,
                            p.x + g * p.g.cin_g * p.xs[3] * es, rs, p.xs[3],
                            (const char *)p.w + (size_t)(g * p.g.cout_g * p.g.kp) * p.csz, 1, p.g.kp,
                            p.out + (size_t)(g * p.g.cout_g) * p.esz, p.g.cout};
        ok = mxi_gemm(&ga);
      }
      if (!ok) {
        mxi_kernel_fail(out, "out of memory for GEMM work buffers");
        st = MX_ERROR;
      }
    } else {
      st = run_general(&p, out);
    }
  }
  free(wown);
  if (xcopy) mx_release(xcopy);
  return st;
}

void mxi_cpu_register_conv(mx_kernel_fn *k) {
  k[MX_PRIM_CONV] = k_conv;
  mxi_cpu_register_conv_grad(k); /* its gradient primitives (conv_grad_util.c) */
}
