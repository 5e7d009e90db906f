/* index_ref.h — test helpers of the indexing and sort tests: fixed index patterns that builders
 * and float64 references both compute, and element moves/combines on reference arrays. */
#ifndef MX_TEST_INDEX_REF_H
#define MX_TEST_INDEX_REF_H

#include "core/convert.h"
#include "sweep.h"

/* The index dtype an entry uses for data dtype dt: every integer dtype turns up across the
 * sweep; 8-bit ones only where the axis is small enough for them. */
static inline mx_dtype idx_dtype(mx_dtype dt, int salt, int64_t n) {
  static const mx_dtype list[8] = {MX_INT32, MX_INT64, MX_UINT8, MX_INT8,
                                   MX_UINT16, MX_INT16, MX_UINT32, MX_UINT64};
  mx_dtype d = list[((int)dt * 3 + salt) % 8];
  if (n > 100 && mx_dtype_size(d) == 1) d = d == MX_UINT8 ? MX_UINT16 : MX_INT16;
  if (n > 30000 && mx_dtype_size(d) == 2) d = d == MX_UINT16 ? MX_UINT32 : MX_INT32;
  return d;
}

/* Element j of a fixed index pattern for an axis of size n: values in [0, n) with repeats, and
 * for signed dtypes every third one in its negative form (v - n). */
static inline int64_t ipat(int64_t j, int64_t n, int seed, bool neg) {
  if (n <= 0) return 0;
  int64_t v = (j * j * 3 + j * (2 * seed + 1) + seed) % n;
  if (neg && (j + seed) % 3 == 1) v -= n;
  return v;
}

/* The index array of shape s whose element j is ipat(j, n, seed) (signed dtypes: with negative
 * forms); range (the largest valid start) is n unless a block must fit: pass n - block + 1 as
 * range and the axis size as n. */
static inline mx_array *make_index_r(mx_shape s, int64_t range, int64_t n, int seed, mx_dtype dt) {
  int64_t size = 1;
  for (int i = 0; i < s.ndim; i++) size *= s.dims[i];
  size_t isz = mx_dtype_size(dt);
  unsigned char *buf = malloc((size_t)(size ? size : 1) * isz);
  bool neg = mx_dtype_is_signed(dt);
  for (int64_t j = 0; j < size; j++) {
    int64_t v = ipat(j, range, seed, false);
    if (neg && (j + seed) % 3 == 1) v -= n;
    mxi_store_f64(buf + (size_t)j * isz, dt, (double)v);
  }
  mx_array *a = mx_array_new(buf, s, dt);
  free(buf);
  return a;
}
static inline mx_array *make_index(mx_shape s, int64_t n, int seed, mx_dtype dt) {
  return make_index_r(s, n, n, seed, dt);
}
/* The normalized value of element j of make_index_r's array. */
static inline int64_t index_at(int64_t j, int64_t range, int seed) {
  return ipat(j, range, seed, false);
}

/* A reference array of shape s with src's dtype (and exactness). */
static inline ref_array *ref_like(int ndim, const int64_t *shape, const ref_array *src) {
  ref_array *r = ref_new(ndim, shape, src->dtype);
  r->exact = src->exact;
  return r;
}

static inline ref_array *ref_copy(const ref_array *src) {
  ref_array *r = ref_like(src->ndim, src->shape, src);
  memcpy(r->re, src->re, sizeof(double) * (size_t)src->size);
  if (r->im) memcpy(r->im, src->im, sizeof(double) * (size_t)src->size);
  if (r->iv && src->iv) memcpy(r->iv, src->iv, sizeof(int64_t) * (size_t)src->size);
  return r;
}

static inline void ref_set(ref_array *d, int64_t di, const ref_array *s, int64_t si) {
  d->re[di] = s->re[si];
  if (d->im) d->im[di] = s->im ? s->im[si] : 0;
  if (d->iv) d->iv[di] = s->iv ? s->iv[si] : (int64_t)s->re[si];
}

/* d[di] = mode(d[di], s[si]) with mx's semantics: integers wrap, bool add/max is or and
 * prod/min is and, NaN propagates through max/min. */
static inline void ref_combine(ref_array *d, int64_t di, const ref_array *s, int64_t si,
                               mx_scatter_mode mode) {
  mx_dtype dt = d->dtype;
  if (mode == MX_SCATTER_ASSIGN) {
    ref_set(d, di, s, si);
    return;
  }
  double x = d->re[di], y = s->re[si];
  if (dt == MX_BOOL) {
    bool bx = x != 0, by = y != 0;
    d->re[di] = (mode == MX_SCATTER_ADD || mode == MX_SCATTER_MAX) ? (bx || by) : (bx && by);
    return;
  }
  if (dt == MX_COMPLEX64) {
    double xi = d->im[di], yi = s->im[si];
    if (mode == MX_SCATTER_ADD) {
      d->re[di] = x + y;
      d->im[di] = xi + yi;
    } else { /* prod */
      d->re[di] = x * y - xi * yi;
      d->im[di] = x * yi + xi * y;
    }
    d->re[di] = (float)d->re[di]; /* complex64 rounds at every step */
    d->im[di] = (float)d->im[di];
    return;
  }
  if (d->iv) { /* exact 64-bit integers */
    uint64_t a = (uint64_t)d->iv[di], b = (uint64_t)s->iv[si];
    bool sgn = dt == MX_INT64;
    uint64_t r;
    switch (mode) {
      case MX_SCATTER_ADD: r = a + b; break;
      case MX_SCATTER_PROD: r = a * b; break;
      case MX_SCATTER_MAX: r = (sgn ? (int64_t)b > (int64_t)a : b > a) ? b : a; break;
      default: r = (sgn ? (int64_t)b < (int64_t)a : b < a) ? b : a; break;
    }
    d->iv[di] = (int64_t)r;
    d->re[di] = sgn ? (double)(int64_t)r : (double)r;
    return;
  }
  double r;
  switch (mode) {
    case MX_SCATTER_ADD: r = x + y; break;
    case MX_SCATTER_PROD: r = x * y; break;
    case MX_SCATTER_MAX: r = (isnan(x) || isnan(y)) ? NAN : (y > x ? y : x); break;
    default: r = (isnan(x) || isnan(y)) ? NAN : (y < x ? y : x); break;
  }
  /* integers and halves round at every step in mx: do the same */
  unsigned char buf[16];
  if (mx_dtype_is_integer(dt) && mx_dtype_size(dt) < 8) {
    double m = ldexp(1.0, (int)mx_dtype_size(dt) * 8);
    r = fmod(r, m);
    if (r < 0) r += m;
    if (mx_dtype_is_signed(dt) && r >= m / 2) r -= m;
  } else if (mx_dtype_is_float(dt)) {
    mxi_store_f64(buf, dt, r);
    r = mxi_load_f64(buf, dt);
  }
  d->re[di] = r;
}

/* An extra input of shape s drawn from domain dom with a seed, as builder and reference both
 * need it: a reference array and (if mx_out) its mx array. */
static inline ref_array *extra_input(mx_shape s, mx_dtype dt, domain dom, uint64_t seed,
                                     mx_array **mx_out) {
  ref_array *r = ref_new_shape(s, dt);
  ref_fill(r, dom, seed);
  if (mx_out) *mx_out = ref_to_mx(r);
  return r;
}

#endif
