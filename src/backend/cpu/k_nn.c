/* k_nn.c — CPU kernels of SOFTMAX, LOG_SOFTMAX, LAYER_NORM and RMS_NORM over the last axis.
 * Threads take whole rows; a row is read from memory once and its later passes hit the cache.
 * float16/bfloat16 (and strided float32) rows are widened into a float32 scratch row first. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "loops.h"
#include "vmath.h"

/* Independent accumulators: float reductions only vectorize when the order is written out. */
#define LANES 16

/* ---- float32 row routines (y may alias x) ---- */

/* The max as an integer max over order-preserving bit patterns (mxi_f32_ord): GCC vectorizes
 * integer max but not a float select. A NaN lands above +inf or below -inf; either way it
 * poisons the row through exp and the sum, as in NumPy. */
static float row_max_f32(const float *x, int64_t n) {
  int32_t m = INT32_MIN;
  for (int64_t i = 0; i < n; i++) {
    int32_t o = mxi_f32_ord(x[i]);
    m = o > m ? o : m;
  }
  return mxi_ord_f32(m);
}

/* Sum of exp(x - m), storing the terms in y when store. With look, the max of the next row
 * (n long) comes back in *next_max: its loads from memory overlap the exp arithmetic on this
 * row, which is in cache, so the max pass of all rows but the first is nearly free. */
static inline double expsum_impl(const float *x, float *y, int64_t n, float m, bool store,
                                 bool look, const float *next, float *next_max) {
  float lanes[LANES] = {0};
  int32_t nm[LANES];
  for (int l = 0; l < LANES; l++) nm[l] = INT32_MIN;
  int64_t i = 0;
  for (; i + LANES <= n; i += LANES)
    for (int l = 0; l < LANES; l++) {
      float e = mxi_expf(x[i + l] - m);
      if (store) y[i + l] = e;
      lanes[l] += e;
      if (look) {
        int32_t o = mxi_f32_ord(next[i + l]);
        nm[l] = o > nm[l] ? o : nm[l];
      }
    }
  double s = 0;
  int32_t mm = INT32_MIN;
  for (int l = 0; l < LANES; l++) {
    s += lanes[l];
    mm = nm[l] > mm ? nm[l] : mm;
  }
  for (; i < n; i++) {
    float e = mxi_expf(x[i] - m);
    if (store) y[i] = e;
    s += e;
    if (look) {
      int32_t o = mxi_f32_ord(next[i]);
      mm = o > mm ? o : mm;
    }
  }
  if (look) *next_max = mxi_ord_f32(mm);
  return s;
}

/* One row of softmax / log_softmax with its max m already known; next (or NULL) is the
 * following row, whose max is returned in *next_max. */
static void softmax_f32(const float *x, float *y, int64_t n, bool log_out, float m,
                        const float *next, float *next_max) {
  if (!log_out) {
    double s = next ? expsum_impl(x, y, n, m, true, true, next, next_max)
                    : expsum_impl(x, y, n, m, true, false, NULL, NULL);
    float inv = (float)(1.0 / s);
    for (int64_t i = 0; i < n; i++) y[i] *= inv;
  } else {
    double s = next ? expsum_impl(x, NULL, n, m, false, true, next, next_max)
                    : expsum_impl(x, NULL, n, m, false, false, NULL, NULL);
    float ls = mxi_logf((float)s);
    for (int64_t i = 0; i < n; i++) y[i] = (x[i] - m) - ls;
  }
}

/* Mean and second central moment in float64 (two passes over the cached row: stable). */
static void row_moments_f32(const float *x, int64_t n, bool center, double *mean, double *m2) {
  double a[8] = {0};
  int64_t i = 0;
  double mu = 0;
  if (center) {
    for (; i + 8 <= n; i += 8)
      for (int l = 0; l < 8; l++) a[l] += x[i + l];
    double s = 0;
    for (int l = 0; l < 8; l++) s += a[l];
    for (; i < n; i++) s += x[i];
    mu = s / (double)n;
  }
  double b[8] = {0};
  for (i = 0; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) {
      double d = (double)x[i + l] - mu;
      b[l] += d * d;
    }
  double q = 0;
  for (int l = 0; l < 8; l++) q += b[l];
  for (; i < n; i++) {
    double d = (double)x[i] - mu;
    q += d * d;
  }
  *mean = mu;
  *m2 = q / (double)n;
}

/* x - mean is taken in float64 before rounding: with a mean far from zero and a small spread,
 * a float32 subtraction would lose digits that 1 / std then magnifies. */
static void norm_f32(const float *x, float *y, int64_t n, bool center, float eps, const float *w,
                     const float *b) {
  double mu, var;
  row_moments_f32(x, n, center, &mu, &var);
  float r = (float)(1.0 / sqrt(var + eps));
  if (w && b)
    for (int64_t i = 0; i < n; i++) y[i] = (float)((double)x[i] - mu) * r * w[i] + b[i];
  else if (w)
    for (int64_t i = 0; i < n; i++) y[i] = (float)((double)x[i] - mu) * r * w[i];
  else if (b)
    for (int64_t i = 0; i < n; i++) y[i] = (float)((double)x[i] - mu) * r + b[i];
  else
    for (int64_t i = 0; i < n; i++) y[i] = (float)((double)x[i] - mu) * r;
}

/* ---- float64 row routines (contiguous rows; y may alias x) ---- */

static void softmax_f64(const double *x, double *y, int64_t n, bool log_out) {
  double m = -INFINITY;
  for (int64_t i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
  double s = 0;
  if (!log_out) {
    for (int64_t i = 0; i < n; i++) {
      double e = exp(x[i] - m);
      y[i] = e;
      s += e;
    }
    double inv = 1.0 / s;
    for (int64_t i = 0; i < n; i++) y[i] *= inv;
  } else {
    for (int64_t i = 0; i < n; i++) s += exp(x[i] - m);
    double ls = log(s);
    for (int64_t i = 0; i < n; i++) y[i] = (x[i] - m) - ls;
  }
}

static void norm_f64(const double *x, double *y, int64_t n, bool center, double eps,
                     const double *w, const double *b) {
  double mu = 0, q = 0;
  if (center) {
    for (int64_t i = 0; i < n; i++) mu += x[i];
    mu /= (double)n;
  }
  for (int64_t i = 0; i < n; i++) q += (x[i] - mu) * (x[i] - mu);
  double r = 1.0 / sqrt(q / (double)n + eps);
  for (int64_t i = 0; i < n; i++) {
    double v = (x[i] - mu) * r;
    if (w) v *= w[i];
    if (b) v += b[i];
    y[i] = v;
  }
}

/* ---- the row driver ---- */

typedef struct row_task {
  const mx_array *x;
  const char *xbase;
  char *out;
  int64_t n;          /* row length */
  mx_dtype dt;
  mx_prim prim;
  float eps32;
  double eps;
  const void *w, *b;  /* contiguous float (or double for float64) copies, or NULL */
  atomic_bool oom;
} row_task;

/* Byte offset of row r of x (all axes but the last). */
static int64_t row_offset(const mx_array *x, int64_t r) {
  int64_t off = 0;
  for (int i = x->ndim - 2; i >= 0; i--) {
    off += (r % x->shape[i]) * x->strides[i];
    r /= x->shape[i];
  }
  return off;
}

static void load_row_f32(const char *p, int64_t s, int64_t n, mx_dtype dt, float *dst) {
  if (dt == MX_FLOAT16)
    for (int64_t i = 0; i < n; i++) dst[i] = mxi_f16_to_f32(*(const uint16_t *)(p + i * s));
  else if (dt == MX_BFLOAT16)
    for (int64_t i = 0; i < n; i++) dst[i] = mxi_bf16_to_f32(*(const uint16_t *)(p + i * s));
  else
    for (int64_t i = 0; i < n; i++) dst[i] = *(const float *)(p + i * s);
}

static void store_row_half(const float *src, int64_t n, mx_dtype dt, uint16_t *o) {
  if (dt == MX_FLOAT16)
    for (int64_t i = 0; i < n; i++) o[i] = mxi_f32_to_f16(src[i]);
  else
    for (int64_t i = 0; i < n; i++) o[i] = mxi_f32_to_bf16(src[i]);
}

static void run_row_f32(const row_task *t, const float *x, float *y) {
  switch (t->prim) {
    case MX_PRIM_SOFTMAX: softmax_f32(x, y, t->n, false, row_max_f32(x, t->n), NULL, NULL); break;
    case MX_PRIM_LOG_SOFTMAX: softmax_f32(x, y, t->n, true, row_max_f32(x, t->n), NULL, NULL); break;
    case MX_PRIM_LAYER_NORM: norm_f32(x, y, t->n, true, t->eps32, t->w, t->b); break;
    default: norm_f32(x, y, t->n, false, t->eps32, t->w, NULL); break;
  }
}

static void run_row_f64(const row_task *t, const double *x, double *y) {
  switch (t->prim) {
    case MX_PRIM_SOFTMAX: softmax_f64(x, y, t->n, false); break;
    case MX_PRIM_LOG_SOFTMAX: softmax_f64(x, y, t->n, true); break;
    case MX_PRIM_LAYER_NORM: norm_f64(x, y, t->n, true, t->eps, t->w, t->b); break;
    default: norm_f64(x, y, t->n, false, t->eps, t->w, NULL); break;
  }
}

/* softmax / log_softmax over consecutive float32 rows of a row-contiguous x, each row's
 * max found while the previous row is exponentiated. */
static void softmax_rows_f32(const row_task *t, int64_t lo, int64_t hi) {
  const float *x = (const float *)t->xbase;
  float *y = (float *)t->out;
  int64_t n = t->n;
  bool log_out = t->prim == MX_PRIM_LOG_SOFTMAX;
  float m = row_max_f32(x + lo * n, n);
  for (int64_t r = lo; r < hi; r++) {
    const float *next = r + 1 < hi ? x + (r + 1) * n : NULL;
    float mn = 0;
    softmax_f32(x + r * n, y + r * n, n, log_out, m, next, &mn);
    m = mn;
  }
}

static void rows_range(void *arg, int64_t lo, int64_t hi) {
  row_task *t = arg;
  const mx_array *x = t->x;
  if (t->dt == MX_FLOAT32 && (t->prim == MX_PRIM_SOFTMAX || t->prim == MX_PRIM_LOG_SOFTMAX) &&
      mxi_is_row_contiguous(x)) {
    softmax_rows_f32(t, lo, hi);
    return;
  }
  int64_t n = t->n, s = x->strides[x->ndim - 1];
  size_t esz = mx_dtype_size(t->dt);
  bool contig = s == (int64_t)esz || n == 1;
  bool need_buf = t->dt == MX_FLOAT16 || t->dt == MX_BFLOAT16 || !contig;
  void *buf = NULL;
  if (need_buf && !(buf = malloc((size_t)n * (t->dt == MX_FLOAT64 ? 8 : 4)))) {
    atomic_store(&t->oom, true);
    return;
  }
  for (int64_t r = lo; r < hi; r++) {
    const char *p = t->xbase + row_offset(x, r);
    char *o = t->out + (size_t)(r * n) * esz;
    if (t->dt == MX_FLOAT64) {
      const double *xr = (const double *)p;
      if (!contig) {
        for (int64_t i = 0; i < n; i++) ((double *)buf)[i] = *(const double *)(p + i * s);
        xr = buf;
      }
      run_row_f64(t, xr, (double *)o);
    } else if (t->dt == MX_FLOAT32 && contig) {
      run_row_f32(t, (const float *)p, (float *)o);
    } else {
      load_row_f32(p, s, n, t->dt, buf);
      if (t->dt == MX_FLOAT32) {
        run_row_f32(t, buf, (float *)o);
      } else {
        run_row_f32(t, buf, buf);
        store_row_half(buf, n, t->dt, (uint16_t *)o);
      }
    }
  }
  free(buf);
}

/* A weight or bias as a contiguous float32 (float64 for float64 rows) copy. */
static void *param_copy(const mx_array *a, mx_dtype dt) {
  int64_t n = a->shape[0];
  size_t esz = dt == MX_FLOAT64 ? 8 : 4;
  void *d = malloc((size_t)(n > 0 ? n : 1) * esz);
  if (!d) return NULL;
  const char *p = mxi_host_ptr((mx_array *)a);
  for (int64_t i = 0; i < n; i++) {
    const char *q = p + i * a->strides[0];
    if (dt == MX_FLOAT64) ((double *)d)[i] = *(const double *)q;
    else if (dt == MX_FLOAT32) ((float *)d)[i] = *(const float *)q;
    else ((float *)d)[i] = dt == MX_FLOAT16 ? mxi_f16_to_f32(*(const uint16_t *)q)
                                            : mxi_bf16_to_f32(*(const uint16_t *)q);
  }
  return d;
}

static mx_status k_rows(mx_array *out, mx_array *const *in, int nin, const mx_params *p) {
  mx_array *x = in[0];
  mx_dtype dt = (mx_dtype)x->dtype;
  if (!mx_dtype_is_float(dt)) {
    mxi_kernel_fail(out, "no CPU loop for dtype %s", mx_dtype_name(dt));
    return MX_ERROR;
  }
  if (!mxi_out_alloc(out, in, 1)) return MX_ERROR;
  row_task t = {.x = x, .xbase = mxi_host_ptr(x), .out = mxi_host_ptr(out),
                .n = x->shape[x->ndim - 1], .dt = dt, .prim = (mx_prim)out->prim};
  atomic_init(&t.oom, false);
  if (out->size == 0) return MX_OK;
  void *w = NULL, *b = NULL;
  bool is_norm = t.prim == MX_PRIM_LAYER_NORM || t.prim == MX_PRIM_RMS_NORM;
  if (is_norm) {
    t.eps = p->norm.eps;
    t.eps32 = (float)p->norm.eps;
    int k = 1;
    if (p->norm.has_weight && k < nin && !(w = param_copy(in[k++], dt))) goto oom;
    if (t.prim == MX_PRIM_LAYER_NORM && p->norm.has_bias && k < nin && !(b = param_copy(in[k++], dt)))
      goto oom;
    t.w = w;
    t.b = b;
  }
  int64_t rows = out->size / t.n;
  int cost = is_norm ? 4 : 8; /* per element, relative to a copy */
  mxi_parallel_for(rows, 32768 / (t.n * cost) + 1, rows_range, &t);
  free(w);
  free(b);
  if (atomic_load(&t.oom)) {
    mxi_kernel_fail(out, "out of memory for a scratch row of %lld elements", (long long)t.n);
    return MX_ERROR;
  }
  return MX_OK;
oom:
  free(w);
  free(b);
  mxi_kernel_fail(out, "out of memory copying the weight or bias");
  return MX_ERROR;
}

void mxi_cpu_register_nn(mx_kernel_fn *k) {
  k[MX_PRIM_SOFTMAX] = k_rows;
  k[MX_PRIM_LOG_SOFTMAX] = k_rows;
  k[MX_PRIM_LAYER_NORM] = k_rows;
  k[MX_PRIM_RMS_NORM] = k_rows;
}
