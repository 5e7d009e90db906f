/* mx/creation.h — arrays built from a shape and a rule: zeros, ones, full, ranges, eye, tri. */
#ifndef MX_CREATION_H
#define MX_CREATION_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

mx_array *mx_zeros(mx_shape shape, mx_dtype dtype);
mx_array *mx_ones(mx_shape shape, mx_dtype dtype);
mx_array *mx_full(mx_shape shape, double value, mx_dtype dtype);
/* value broadcast to shape; the result has value's dtype. */
mx_array *mx_full_array(mx_shape shape, mx_array *value);
mx_array *mx_zeros_like(mx_array *a);
mx_array *mx_ones_like(mx_array *a);
mx_array *mx_full_like(mx_array *a, double value);

/* Values start, start+step, ... < stop (NumPy arange), computed in float64 then cast. */
mx_array *mx_arange(double start, double stop, double step, mx_dtype dtype);
/* num evenly spaced values from start to stop inclusive. */
mx_array *mx_linspace(double start, double stop, int64_t num, mx_dtype dtype);
/* n x m with ones on diagonal k (k > 0 above the main diagonal). */
mx_array *mx_eye(int64_t n, int64_t m, int k, mx_dtype dtype);
mx_array *mx_identity(int64_t n, mx_dtype dtype);
/* n x m with ones at and below diagonal k. */
mx_array *mx_tri(int64_t n, int64_t m, int k, mx_dtype dtype);
/* a with elements above (tril) / below (triu) diagonal k of the last two axes set to zero. */
mx_array *mx_tril(mx_array *a, int k);
mx_array *mx_triu(mx_array *a, int k);
/* Coordinate arrays from n 1-D arrays; indexing "xy" (Cartesian, NumPy's default) or "ij".
 * Writes n arrays to out. */
void mx_meshgrid(int n, mx_array *const *xs, const char *indexing, mx_array **out);

#ifdef __cplusplus
}
#endif
#endif
