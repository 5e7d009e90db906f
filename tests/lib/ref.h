/* ref.h — float64 reference arrays for tests: any mx array converted exactly to doubles (complex
 * as re/im), helpers to build and index them, and comparison with per-dtype tolerances. */
#ifndef MX_TEST_REF_H
#define MX_TEST_REF_H

#include <complex.h>

#include "harness.h"

typedef struct ref_array {
  int ndim;
  int64_t shape[MX_MAX_DIMS];
  int64_t size;
  mx_dtype dtype; /* the dtype the values came from or are expected in */
  double *re;
  double *im;     /* NULL unless complex */
  int64_t *iv;    /* int64/uint64 only: the exact values (uint64 as its bit pattern) */
  bool exact;     /* iv holds the values (else compare through re) */
} ref_array;

ref_array *ref_new(int ndim, const int64_t *shape, mx_dtype dtype);
ref_array *ref_new_shape(mx_shape shape, mx_dtype dtype);
/* Evaluates a and converts it; NULL (with a test failure) if a is an error. */
ref_array *ref_from(mx_array *a);
void ref_free(ref_array *r);
/* Sets element i of r to v converted to r's dtype by mx's conversion rules (core/convert.h: the
 * rules of mx_astype from float64; integers saturate, bool is v != 0). */
void ref_set_converted(ref_array *r, int64_t i, double v);
/* Flat index of a multi-index (row-major). */
int64_t ref_flat(const ref_array *r, const int64_t *idx);
/* Multi-index of a flat index. */
void ref_unflat(const ref_array *r, int64_t flat, int64_t *idx);

/* Default tolerances of a dtype: |got - want| <= atol + rtol * |want|. */
void ref_tolerance(mx_dtype dt, double *rtol, double *atol);
/* Compares got (shape, dtype, values, NaN/inf placement) with want; tolerances scaled by
 * tol_scale (1 = the dtype's default). Reports failures with label; returns success. */
bool ref_check(mx_array *got, const ref_array *want, double tol_scale, const char *label);

/* CMPLX without compiler builtins (clang lacks them). */
#include <complex.h>
static inline double complex ref_cmplx(double re, double im) {
  double complex z;
  ((double *)&z)[0] = re;
  ((double *)&z)[1] = im;
  return z;
}

/* ---- random inputs ---- */
typedef enum domain {
  DOM_ANY,      /* floats in [-5, 5] plus NaN, +-inf, -0.0; ints in a small signed range */
  DOM_FINITE,   /* floats in [-5, 5], no specials */
  DOM_SMALL,    /* [-2.5, 2.5], no specials (exp-like ops that overflow float16) */
  DOM_POS,      /* (0.1, 5] and +inf for floats; ints in [1, 40] */
  DOM_UNIT,     /* (-0.95, 0.95) */
  DOM_GE1,      /* [1, 5] */
  DOM_NONZERO,  /* like DOM_ANY without zeros (divisors) */
  DOM_INT_EDGE, /* integers including the dtype's min and max, zeros (overflow semantics) */
  DOM_SHIFT,    /* integer shift amounts 0..(bits + 2), some negative for signed */
  DOM_PERM,     /* distinct values (sort, argmax without ties) */
  DOM_BIT,      /* 0 and 1 only (bytes that are valid bools) */
} domain;

/* Fills r with values of domain d, exactly representable in r->dtype. */
void ref_fill(ref_array *r, domain d, uint64_t seed);
/* An mx array holding exactly r's values (in r->dtype). */
mx_array *ref_to_mx(const ref_array *r);

/* A deterministic generator (splitmix64). */
uint64_t ref_rand(uint64_t *state);
double ref_uniform(uint64_t *state, double lo, double hi);

#endif
