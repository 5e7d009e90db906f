/* mx/elementwise.h — element-by-element ops with NumPy broadcasting and type promotion.
 * Integer and bool inputs to floating functions (exp, sin, sqrt, ...) compute in float32.
 * Integer overflow wraps; integer division and remainder by zero give 0 (docs/semantics.md). */
#ifndef MX_ELEMENTWISE_H
#define MX_ELEMENTWISE_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- unary ---- */
mx_array *mx_abs(mx_array *a);        /* complex: magnitude (float32) */
mx_array *mx_negative(mx_array *a);
mx_array *mx_sign(mx_array *a);       /* -1, 0, 1; NaN stays NaN; bool unsupported */
mx_array *mx_square(mx_array *a);
mx_array *mx_sqrt(mx_array *a);
mx_array *mx_rsqrt(mx_array *a);
mx_array *mx_reciprocal(mx_array *a);
mx_array *mx_exp(mx_array *a);
mx_array *mx_exp2(mx_array *a);
mx_array *mx_expm1(mx_array *a);
mx_array *mx_log(mx_array *a);
mx_array *mx_log2(mx_array *a);
mx_array *mx_log10(mx_array *a);
mx_array *mx_log1p(mx_array *a);
mx_array *mx_sin(mx_array *a);
mx_array *mx_cos(mx_array *a);
mx_array *mx_tan(mx_array *a);
mx_array *mx_arcsin(mx_array *a);
mx_array *mx_arccos(mx_array *a);
mx_array *mx_arctan(mx_array *a);
mx_array *mx_sinh(mx_array *a);
mx_array *mx_cosh(mx_array *a);
mx_array *mx_tanh(mx_array *a);
mx_array *mx_arcsinh(mx_array *a);
mx_array *mx_arccosh(mx_array *a);
mx_array *mx_arctanh(mx_array *a);
mx_array *mx_sigmoid(mx_array *a);
mx_array *mx_erf(mx_array *a);
mx_array *mx_erfinv(mx_array *a);
mx_array *mx_floor(mx_array *a);      /* integers pass through unchanged */
mx_array *mx_ceil(mx_array *a);
mx_array *mx_round(mx_array *a);      /* half to even */
mx_array *mx_trunc(mx_array *a);
mx_array *mx_isnan(mx_array *a);      /* bool; false for integers */
mx_array *mx_isinf(mx_array *a);
mx_array *mx_isfinite(mx_array *a);
mx_array *mx_logical_not(mx_array *a);
mx_array *mx_bitwise_invert(mx_array *a); /* integers and bool only */
mx_array *mx_real(mx_array *a);
mx_array *mx_imag(mx_array *a);
mx_array *mx_conjugate(mx_array *a);

/* ---- binary (broadcasting) ---- */
mx_array *mx_add(mx_array *a, mx_array *b);
mx_array *mx_subtract(mx_array *a, mx_array *b);
mx_array *mx_multiply(mx_array *a, mx_array *b);
mx_array *mx_divide(mx_array *a, mx_array *b);       /* true division: integers give float32 */
mx_array *mx_floor_divide(mx_array *a, mx_array *b); /* rounds toward -inf */
mx_array *mx_remainder(mx_array *a, mx_array *b);    /* sign of the divisor (Python %) */
mx_array *mx_power(mx_array *a, mx_array *b);
mx_array *mx_maximum(mx_array *a, mx_array *b);      /* NaN propagates */
mx_array *mx_minimum(mx_array *a, mx_array *b);
mx_array *mx_arctan2(mx_array *a, mx_array *b);
mx_array *mx_logaddexp(mx_array *a, mx_array *b);
mx_array *mx_equal(mx_array *a, mx_array *b);
mx_array *mx_not_equal(mx_array *a, mx_array *b);
mx_array *mx_less(mx_array *a, mx_array *b);
mx_array *mx_less_equal(mx_array *a, mx_array *b);
mx_array *mx_greater(mx_array *a, mx_array *b);
mx_array *mx_greater_equal(mx_array *a, mx_array *b);
mx_array *mx_logical_and(mx_array *a, mx_array *b);
mx_array *mx_logical_or(mx_array *a, mx_array *b);
mx_array *mx_logical_xor(mx_array *a, mx_array *b);
mx_array *mx_bitwise_and(mx_array *a, mx_array *b);
mx_array *mx_bitwise_or(mx_array *a, mx_array *b);
mx_array *mx_bitwise_xor(mx_array *a, mx_array *b);
mx_array *mx_left_shift(mx_array *a, mx_array *b);
mx_array *mx_right_shift(mx_array *a, mx_array *b);  /* arithmetic for signed types */

/* ---- selection and comparison helpers ---- */
/* x where cond is true, else y (cond is cast to bool). */
mx_array *mx_where(mx_array *cond, mx_array *x, mx_array *y);
/* Elements limited to [lo, hi]; either bound may be NULL. */
mx_array *mx_clip(mx_array *a, mx_array *lo, mx_array *hi);
/* |a - b| <= atol + rtol * |b|, elementwise (bool). */
mx_array *mx_isclose(mx_array *a, mx_array *b, double rtol, double atol, bool equal_nan);
/* 0-d bool: every element isclose. */
mx_array *mx_allclose(mx_array *a, mx_array *b, double rtol, double atol, bool equal_nan);
/* 0-d bool: same shape and equal elements. */
mx_array *mx_array_equal(mx_array *a, mx_array *b, bool equal_nan);
/* NaN -> nan, +inf -> *posinf, -inf -> *neginf; a NULL bound means the dtype's largest (most
 * negative) finite value. */
mx_array *mx_nan_to_num(mx_array *a, double nan, const double *posinf, const double *neginf);

/* ---- dtype ---- */
/* Converts values. Float to integer truncates toward zero and saturates; NaN gives 0. */
mx_array *mx_astype(mx_array *a, mx_dtype dtype);
/* Reinterprets the bytes as another dtype of the same size (no conversion). */
mx_array *mx_view_dtype(mx_array *a, mx_dtype dtype);

#ifdef __cplusplus
}
#endif
#endif
