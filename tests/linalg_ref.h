/* linalg_ref.h — float64 references shared by the linalg, einsum and conv tests: random inputs
 * with exact float64 copies, transposed/strided views, a NumPy-semantics matmul reference (exact
 * wrapping integers, bool OR-of-ANDs, complex), and a comparison whose tolerance is the
 * rounding-error bound of a K-term dot product (c * K * eps * sum|a||b| plus the output's own
 * rounding), so that a missing or misplaced term fails while legitimate rounding passes. */
#ifndef MX_TEST_LINALG_REF_H
#define MX_TEST_LINALG_REF_H

#include <complex.h>

#include "ref.h"

/* A random array of shape s (values of domain d) and its float64 copy. */
static inline mx_array *lt_rand(mx_shape s, mx_dtype dt, domain d, uint64_t seed, ref_array **r) {
  *r = ref_new_shape(s, dt);
  ref_fill(*r, d, seed);
  return ref_to_mx(*r);
}

static inline int64_t lt_ival(const ref_array *r, int64_t i) {
  return r->iv ? r->iv[i] : (int64_t)r->re[i];
}

/* Stores the integer v (exact, modulo 2^64) into element i of r, wrapped to r's dtype. */
static inline void lt_set_int(ref_array *r, int64_t i, uint64_t v) {
  mx_dtype dt = r->dtype;
  if (dt == MX_BOOL) {
    r->re[i] = v != 0;
    return;
  }
  int bits = (int)mx_dtype_size(dt) * 8;
  bool sgn = mx_dtype_is_signed(dt);
  if (bits < 64) {
    uint64_t m = v & ((1ull << bits) - 1);
    int64_t s = (sgn && (m >> (bits - 1))) ? (int64_t)(m | ~((1ull << bits) - 1)) : (int64_t)m;
    r->re[i] = (double)s;
    return;
  }
  r->iv[i] = (int64_t)v;
  r->re[i] = sgn ? (double)(int64_t)v : (double)v;
  r->exact = true;
}

/* r with its axes permuted (the values a transposed view of r shows). */
static inline ref_array *lt_permute(const ref_array *r, const int *perm) {
  int64_t shape[MX_MAX_DIMS], idx[MX_MAX_DIMS], src[MX_MAX_DIMS];
  for (int i = 0; i < r->ndim; i++) shape[i] = r->shape[perm[i]];
  ref_array *o = ref_new(r->ndim, shape, r->dtype);
  for (int64_t f = 0; f < o->size; f++) {
    ref_unflat(o, f, idx);
    for (int i = 0; i < r->ndim; i++) src[perm[i]] = idx[i];
    int64_t g = ref_flat(r, src);
    o->re[f] = r->re[g];
    if (o->im) o->im[f] = r->im[g];
    if (o->iv && r->iv) o->iv[f] = r->iv[g];
  }
  o->exact = r->exact;
  return o;
}

/* Swaps the last two axes (the reference of mx_swapaxes(x, -1, -2)). */
static inline ref_array *lt_mT(const ref_array *r) {
  int perm[MX_MAX_DIMS];
  for (int i = 0; i < r->ndim; i++) perm[i] = i;
  if (r->ndim >= 2) {
    perm[r->ndim - 1] = r->ndim - 2;
    perm[r->ndim - 2] = r->ndim - 1;
  }
  return lt_permute(r, perm);
}

static inline mx_array *lt_mT_mx(mx_array *x) {
  return mx_array_ndim(x) >= 2 ? mx_swapaxes(x, -1, -2) : x;
}

/* NumPy matmul of a and b in float64 (exact for integers, wrapped to odt); sumabs (optional,
 * malloc'd, one per output element) receives sum |a||b| for the tolerance. */
static inline ref_array *lt_ref_matmul(const ref_array *a, const ref_array *b, mx_dtype odt,
                                       double **sumabs) {
  int64_t as[MX_MAX_DIMS + 1], bs[MX_MAX_DIMS + 1];
  int na = a->ndim, nb = b->ndim;
  if (na == 1) { as[0] = 1; as[1] = a->shape[0]; na = 2; }
  else memcpy(as, a->shape, sizeof(int64_t) * (size_t)na);
  if (nb == 1) { bs[0] = b->shape[0]; bs[1] = 1; nb = 2; }
  else memcpy(bs, b->shape, sizeof(int64_t) * (size_t)nb);
  int nbat = (na > nb ? na : nb) - 2;
  int64_t bat[MX_MAX_DIMS], M = as[na - 2], K = as[na - 1], N = bs[nb - 1];
  for (int i = 0; i < nbat; i++) {
    int ia = i - (nbat - (na - 2)), ib = i - (nbat - (nb - 2));
    int64_t da = ia >= 0 ? as[ia] : 1, db = ib >= 0 ? bs[ib] : 1;
    bat[i] = da == 1 ? db : da;
  }
  int64_t oshape[MX_MAX_DIMS];
  int ond = 0;
  for (int i = 0; i < nbat; i++) oshape[ond++] = bat[i];
  if (a->ndim > 1) oshape[ond++] = M;
  if (b->ndim > 1) oshape[ond++] = N;
  ref_array *r = ref_new(ond, oshape, odt);
  if (sumabs) *sumabs = calloc((size_t)(r->size ? r->size : 1), sizeof(double));
  int64_t nbatch = 1;
  for (int i = 0; i < nbat; i++) nbatch *= bat[i];
  bool integral = odt == MX_BOOL || mx_dtype_is_integer(odt);
  for (int64_t t = 0; t < nbatch; t++) {
    int64_t rem = t, oa = 0, ob = 0, sa = M * K, sb = K * N;
    for (int i = nbat - 1; i >= 0; i--) {
      int64_t idx = rem % bat[i];
      rem /= bat[i];
      int ia = i - (nbat - (na - 2)), ib = i - (nbat - (nb - 2));
      if (ia >= 0) { oa += (as[ia] == 1 ? 0 : idx) * sa; sa *= as[ia]; }
      if (ib >= 0) { ob += (bs[ib] == 1 ? 0 : idx) * sb; sb *= bs[ib]; }
    }
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) {
        int64_t o = (t * M + i) * N + j;
        uint64_t iacc = 0;
        bool bacc = false;
        double complex acc = 0;
        double sabs = 0;
        for (int64_t k = 0; k < K; k++) {
          int64_t ai = oa + i * K + k, bi = ob + k * N + j;
          if (odt == MX_BOOL) {
            bacc |= a->re[ai] != 0 && b->re[bi] != 0;
          } else if (integral) {
            iacc += (uint64_t)lt_ival(a, ai) * (uint64_t)lt_ival(b, bi);
          } else if (!r->im) { /* real: plain products (inf * 0 must be NaN) */
            acc += a->re[ai] * b->re[bi];
            sabs += fabs(a->re[ai] * b->re[bi]);
          } else {
            double complex x = ref_cmplx(a->re[ai], a->im ? a->im[ai] : 0);
            double complex y = ref_cmplx(b->re[bi], b->im ? b->im[bi] : 0);
            acc += x * y;
            sabs += cabs(x) * cabs(y);
          }
        }
        if (odt == MX_BOOL) r->re[o] = bacc;
        else if (integral) lt_set_int(r, o, iacc);
        else {
          r->re[o] = creal(acc);
          if (r->im) r->im[o] = cimag(acc);
        }
        if (sumabs) (*sumabs)[o] = sabs;
      }
  }
  return r;
}

/* Unit roundoff of the compute type and of the output type of dt. */
static inline double lt_eps_compute(mx_dtype dt) { return dt == MX_FLOAT64 ? 0x1p-53 : 0x1p-24; }
static inline double lt_eps_out(mx_dtype dt) {
  switch (dt) {
    case MX_FLOAT16: return 0x1p-11;
    case MX_BFLOAT16: return 0x1p-8;
    case MX_FLOAT64: return 0x1p-53;
    default: return 0x1p-24;
  }
}

/* Compares got with want: exact for integers and bool; for floats element i may differ by
 * 2 * (K + 2) * eps * sumabs[i] (a K-term dot product's error bound) plus the output rounding.
 * NaN and infinity must match in place. */
static inline bool lt_check(mx_array *got, const ref_array *want, const double *sumabs, int64_t K,
                            const char *label) {
  mx_dtype dt = want->dtype;
  if (dt == MX_BOOL || mx_dtype_is_integer(dt) || !sumabs) return ref_check(got, want, 1, label);
  if (mx_is_error(got)) {
    FAIL("%s: error array: %s", label, mx_array_error(got));
    mx_clear_error();
    return false;
  }
  bool shape_ok = mx_array_dtype(got) == dt && mx_array_ndim(got) == want->ndim;
  for (int i = 0; shape_ok && i < want->ndim; i++) shape_ok = mx_array_shape(got)[i] == want->shape[i];
  if (!shape_ok) return ref_check(got, want, 1, label); /* reports the difference */
  ref_array *g = ref_from(got);
  if (!g) return false;
  int bad = 0;
  double ec = lt_eps_compute(dt), eo = lt_eps_out(dt);
  for (int64_t i = 0; i < want->size; i++) {
    double wr = want->re[i], wi = want->im ? want->im[i] : 0;
    double gr = g->re[i], gi = g->im ? g->im[i] : 0;
    bool ok;
    if (isnan(wr) || isnan(wi)) {
      ok = isnan(gr) || isnan(gi);
    } else if (isinf(wr) || isinf(wi)) {
      ok = (isinf(wr) ? gr == wr : !isnan(gr)) && (isinf(wi) ? gi == wi : !isnan(gi));
    } else {
      double err = cabs(ref_cmplx(gr - wr, gi - wi)), mag = cabs(ref_cmplx(wr, wi));
      double gm = cabs(ref_cmplx(gr, gi));
      double tol = 2.0 * (double)(K + 2) * ec * sumabs[i] + 1.01 * eo * (mag > gm ? mag : gm) +
                   1e-300;
      if (want->im) tol *= 2;
      ok = err <= tol;
      if (!ok && bad < 5)
        FAIL("%s: element %lld got %.9g%+.9gi, want %.9g%+.9gi (error %.3g > bound %.3g)", label,
             (long long)i, gr, gi, wr, wi, err, tol);
    }
    if (!ok && bad < 5 && (isnan(wr) || isinf(wr) || isnan(wi) || isinf(wi)))
      FAIL("%s: element %lld got %g%+gi, want %g%+gi", label, (long long)i, gr, gi, wr, wi);
    bad += !ok;
  }
  if (bad > 5) FAIL("%s: %d elements differ in all", label, bad);
  ref_free(g);
  return bad == 0;
}

#endif
