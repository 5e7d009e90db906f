/* sort_ref.h — float64 references for the sort tests: NumPy's order of values (NaN last,
 * -0.0 == 0.0, complex by (real, imag) with NaN parts last, 64-bit integers exactly) and a stable
 * reference argsort along an axis. */
#ifndef MX_TEST_SORT_REF_H
#define MX_TEST_SORT_REF_H

#include "index_ref.h"

static inline int cmp_real(double x, double y) {
  bool nx = isnan(x), ny = isnan(y);
  if (nx || ny) return (int)nx - (int)ny;
  return (x > y) - (x < y);
}

/* Order of elements i and j of r: -1, 0 or 1. */
static inline int ref_cmp(const ref_array *r, int64_t i, int64_t j) {
  if (r->dtype == MX_COMPLEX64) {
    int c = cmp_real(r->re[i], r->re[j]);
    return c ? c : cmp_real(r->im[i], r->im[j]);
  }
  if (r->iv && r->exact) {
    if (r->dtype == MX_UINT64) {
      uint64_t a = (uint64_t)r->iv[i], b = (uint64_t)r->iv[j];
      return (a > b) - (a < b);
    }
    return (r->iv[i] > r->iv[j]) - (r->iv[i] < r->iv[j]);
  }
  return cmp_real(r->re[i], r->re[j]);
}

/* qsort has no context argument: the row being sorted (tests are single-threaded). */
static const ref_array *sref_r;
static int64_t sref_base, sref_stride;
static int sref_desc;

static inline int sref_cmp(const void *pa, const void *pb) {
  int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
  int c = ref_cmp(sref_r, sref_base + a * sref_stride, sref_base + b * sref_stride);
  if (sref_desc) c = -c;
  return c ? c : (a > b) - (a < b); /* ties: lower position first (stable) */
}

/* The row geometry of axis ax of r: rows = pre * post, row k starts at base(k), stride. */
static inline void ref_rows(const ref_array *r, int ax, int64_t *n, int64_t *rows, int64_t *stride) {
  *n = r->shape[ax];
  *stride = 1;
  for (int i = ax + 1; i < r->ndim; i++) *stride *= r->shape[i];
  *rows = *n ? r->size / *n : 0;
}
static inline int64_t ref_row_base(int64_t k, int64_t n, int64_t stride) {
  return (k / stride) * n * stride + k % stride;
}

/* Positions of a stable sort of every row along ax (descending: largest first, ties by lower
 * position), as an int64 reference of r's shape. */
static inline ref_array *ref_argsort(const ref_array *r, int ax, bool desc) {
  ref_array *out = ref_new(r->ndim, r->shape, MX_INT64);
  out->exact = true;
  int64_t n, rows, stride;
  ref_rows(r, ax, &n, &rows, &stride);
  int64_t *pos = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
  for (int64_t k = 0; k < rows; k++) {
    int64_t base = ref_row_base(k, n, stride);
    for (int64_t j = 0; j < n; j++) pos[j] = j;
    sref_r = r;
    sref_base = base;
    sref_stride = stride;
    sref_desc = desc;
    qsort(pos, (size_t)n, sizeof *pos, sref_cmp);
    for (int64_t j = 0; j < n; j++) {
      out->iv[base + j * stride] = pos[j];
      out->re[base + j * stride] = (double)pos[j];
    }
  }
  free(pos);
  return out;
}

/* Values of r along ax in the order of positions p (p's shape along ax may be shorter). */
static inline ref_array *ref_take_along(const ref_array *r, const ref_array *p, int ax) {
  ref_array *out = ref_like(p->ndim, p->shape, r);
  int64_t mi[MX_MAX_DIMS];
  for (int64_t f = 0; f < p->size; f++) {
    ref_unflat(p, f, mi);
    mi[ax] = p->iv[f];
    ref_set(out, f, r, ref_flat(r, mi));
  }
  return out;
}

/* The first k entries along ax of r. */
static inline ref_array *ref_head(const ref_array *r, int ax, int64_t k) {
  int64_t shape[MX_MAX_DIMS];
  memcpy(shape, r->shape, sizeof shape);
  shape[ax] = k;
  ref_array *out = ref_like(r->ndim, shape, r);
  int64_t mi[MX_MAX_DIMS];
  for (int64_t f = 0; f < out->size; f++) {
    ref_unflat(out, f, mi);
    ref_set(out, f, r, ref_flat(r, mi));
  }
  return out;
}

/* r seen as 1-d (MX_AXIS_NONE). */
static inline ref_array *ref_flat_view(const ref_array *r) {
  ref_array *out = ref_copy(r);
  out->ndim = 1;
  out->shape[0] = r->size;
  return out;
}

#endif
