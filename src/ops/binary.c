/* binary.c — constructors and registry entries of the binary elementwise primitives and where,
 * plus the compositions built on them (clip, isclose, allclose, array_equal, nan_to_num). */
#include <float.h>
#include <math.h>
#include <stdio.h>

#include "families.h"
#include "util.h"

static bool is_predicate(mx_prim p) {
  switch (p) {
    case MX_PRIM_EQUAL: case MX_PRIM_NOT_EQUAL: case MX_PRIM_LESS: case MX_PRIM_LESS_EQUAL:
    case MX_PRIM_GREATER: case MX_PRIM_GREATER_EQUAL: case MX_PRIM_LOGICAL_AND:
    case MX_PRIM_LOGICAL_OR: case MX_PRIM_LOGICAL_XOR:
      return true;
    default:
      return false;
  }
}

static bool broadcast_all(int n, mx_array *const *in, int *ndim, int64_t *shape, char *err,
                          size_t errlen) {
  *ndim = in[0]->ndim;
  for (int i = 0; i < in[0]->ndim; i++) shape[i] = in[0]->shape[i];
  for (int k = 1; k < n; k++) {
    int64_t tmp[MX_MAX_DIMS];
    int nd;
    if (!mxi_broadcast_shapes(*ndim, shape, in[k]->ndim, in[k]->shape, &nd, tmp)) {
      char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
      snprintf(err, errlen, "shapes %s and %s cannot be broadcast together",
               mxi_shape_str(s1, sizeof s1, *ndim, shape),
               mxi_shape_str(s2, sizeof s2, in[k]->ndim, in[k]->shape));
      return false;
    }
    *ndim = nd;
    for (int i = 0; i < nd; i++) shape[i] = tmp[i];
  }
  return true;
}

static bool infer_binary(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                         int *ndim, int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)p;
  if (in[0]->dtype != in[1]->dtype) {
    snprintf(err, errlen, "dtypes %s and %s differ (internal: constructors promote)",
             mx_dtype_name((mx_dtype)in[0]->dtype), mx_dtype_name((mx_dtype)in[1]->dtype));
    return false;
  }
  *dtype = is_predicate(prim) ? MX_BOOL : (mx_dtype)in[0]->dtype;
  return broadcast_all(n, in, ndim, shape, err, errlen);
}

static bool infer_where(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                        int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  (void)p;
  if (in[0]->dtype != MX_BOOL || in[1]->dtype != in[2]->dtype) {
    snprintf(err, errlen, "condition must be bool and x, y of one dtype (internal)");
    return false;
  }
  *dtype = (mx_dtype)in[1]->dtype;
  return broadcast_all(n, in, ndim, shape, err, errlen);
}

void mxi_register_binary(mx_prim_info *t) {
  for (int p = MX_PRIM_ADD; p <= MX_PRIM_RIGHT_SHIFT; p++) t[p].infer = infer_binary;
  t[MX_PRIM_WHERE].infer = infer_where;
}

/* ---- constructors ---- */

enum {
  NO_BOOL = 1,      /* bool operands are an error */
  NO_COMPLEX = 2,   /* complex operands are an error */
  FLOAT = 4,        /* integers compute in float32 */
  INT_ONLY = 8,     /* integers (and bool unless NO_BOOL) only */
  TO_BOOL = 16,     /* operands are converted to bool */
};

static mx_array *binary(const char *name, mx_prim prim, mx_array *a, mx_array *b, int rules) {
  MXI_CHECK(name, a, b);
  int nd;
  int64_t shape[MX_MAX_DIMS];
  if (!mxi_broadcast_shapes(a->ndim, a->shape, b->ndim, b->shape, &nd, shape)) {
    char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
    return mxi_error(name, "shapes %s and %s cannot be broadcast together",
                     mxi_shape_str(s1, sizeof s1, a->ndim, a->shape),
                     mxi_shape_str(s2, sizeof s2, b->ndim, b->shape));
  }
  mx_dtype dt = (rules & TO_BOOL) ? MX_BOOL : mxi_result_type(a, b);
  if ((rules & NO_BOOL) && dt == MX_BOOL)
    return mxi_error(name, "bool operands are not supported");
  if ((rules & NO_COMPLEX) && dt == MX_COMPLEX64)
    return mxi_error(name, "complex64 operands are not supported");
  if ((rules & INT_ONLY) && mx_dtype_is_inexact(dt))
    return mxi_error(name, "%s operands are not supported (integers only)", mx_dtype_name(dt));
  if (rules & FLOAT) dt = mxi_float_of(dt);
  mx_array *in[2] = {mxi_cast(a, dt), mxi_cast(b, dt)};
  mx_array *out = mxi_apply(prim, 2, in, NULL);
  if (mxi_is_weak(a) && mxi_is_weak(b) && !is_predicate(prim)) mxi_mark_weak(out);
  return out;
}

#define BINARY(fn, PRIM, RULES) \
  mx_array *mx_##fn(mx_array *a, mx_array *b) { return binary(#fn, MX_PRIM_##PRIM, a, b, RULES); }
BINARY(add, ADD, 0)
BINARY(subtract, SUBTRACT, NO_BOOL)
BINARY(multiply, MULTIPLY, 0)
BINARY(divide, DIVIDE, FLOAT)
BINARY(floor_divide, FLOOR_DIVIDE, NO_BOOL | NO_COMPLEX)
BINARY(remainder, REMAINDER, NO_BOOL | NO_COMPLEX)
BINARY(power, POWER, NO_BOOL)
BINARY(maximum, MAXIMUM, NO_COMPLEX)
BINARY(minimum, MINIMUM, NO_COMPLEX)
BINARY(arctan2, ARCTAN2, NO_COMPLEX | FLOAT)
BINARY(logaddexp, LOGADDEXP, NO_COMPLEX | FLOAT)
BINARY(equal, EQUAL, 0)
BINARY(not_equal, NOT_EQUAL, 0)
BINARY(less, LESS, NO_COMPLEX)
BINARY(less_equal, LESS_EQUAL, NO_COMPLEX)
BINARY(greater, GREATER, NO_COMPLEX)
BINARY(greater_equal, GREATER_EQUAL, NO_COMPLEX)
BINARY(logical_and, LOGICAL_AND, TO_BOOL)
BINARY(logical_or, LOGICAL_OR, TO_BOOL)
BINARY(logical_xor, LOGICAL_XOR, TO_BOOL)
BINARY(bitwise_and, BITWISE_AND, INT_ONLY)
BINARY(bitwise_or, BITWISE_OR, INT_ONLY)
BINARY(bitwise_xor, BITWISE_XOR, INT_ONLY)
BINARY(left_shift, LEFT_SHIFT, INT_ONLY | NO_BOOL)
BINARY(right_shift, RIGHT_SHIFT, INT_ONLY | NO_BOOL)

mx_array *mx_where(mx_array *cond, mx_array *x, mx_array *y) {
  MXI_CHECK("where", cond, x, y);
  mx_dtype dt = mxi_result_type(x, y);
  mx_array *in[3] = {mxi_cast(cond, MX_BOOL), mxi_cast(x, dt), mxi_cast(y, dt)};
  return mxi_apply(MX_PRIM_WHERE, 3, in, NULL);
}

mx_array *mx_clip(mx_array *a, mx_array *lo, mx_array *hi) {
  MXI_CHECK("clip", a);
  if ((lo && lo->error) || (hi && hi->error)) return mxi_error_from(lo && lo->error ? lo : hi);
  mx_array *r = a;
  if (lo) r = mx_maximum(r, lo);
  if (hi) r = mx_minimum(r, hi);
  return r;
}

mx_array *mx_isclose(mx_array *a, mx_array *b, double rtol, double atol, bool equal_nan) {
  MXI_CHECK("isclose", a, b);
  mx_dtype dt = mxi_result_type(a, b);
  if (!mx_dtype_is_inexact(dt)) dt = MX_FLOAT64; /* integers compare exactly enough */
  mx_array *x = mxi_cast(a, dt), *y = mxi_cast(b, dt);
  mx_array *tol = mx_add(mx_scalar(atol), mx_multiply(mx_scalar(rtol), mx_abs(y)));
  mx_array *close = mx_less_equal(mx_abs(mx_subtract(x, y)), tol);
  close = mx_logical_or(close, mx_equal(x, y)); /* equal infinities */
  if (equal_nan) close = mx_logical_or(close, mx_logical_and(mx_isnan(x), mx_isnan(y)));
  return close;
}

mx_array *mx_allclose(mx_array *a, mx_array *b, double rtol, double atol, bool equal_nan) {
  return mx_all(mx_isclose(a, b, rtol, atol, equal_nan), MX_ALL_AXES, false);
}

mx_array *mx_array_equal(mx_array *a, mx_array *b, bool equal_nan) {
  MXI_CHECK("array_equal", a, b);
  bool same = a->ndim == b->ndim;
  for (int i = 0; same && i < a->ndim; i++) same = a->shape[i] == b->shape[i];
  if (!same) return mx_full(MX_SCALAR_SHAPE, 0, MX_BOOL);
  mx_array *eq = mx_equal(a, b);
  if (equal_nan) eq = mx_logical_or(eq, mx_logical_and(mx_isnan(a), mx_isnan(b)));
  return mx_all(eq, MX_ALL_AXES, false);
}

static double finite_max(mx_dtype dt) {
  switch (dt) {
    case MX_FLOAT16: return 65504.0;
    case MX_BFLOAT16: return 3.3895313892515355e38;
    case MX_FLOAT32: case MX_COMPLEX64: return FLT_MAX;
    default: return DBL_MAX;
  }
}

static mx_array *nan_to_num_real(mx_array *x, double nan, double posinf, double neginf) {
  mx_dtype dt = (mx_dtype)x->dtype;
  mx_array *r = mx_where(mx_isnan(x), mx_scalar_typed(nan, dt), x);
  r = mx_where(mx_logical_and(mx_isinf(x), mx_greater(x, mx_scalar(0))),
               mx_scalar_typed(posinf, dt), r);
  return mx_where(mx_logical_and(mx_isinf(x), mx_less(x, mx_scalar(0))),
                  mx_scalar_typed(neginf, dt), r);
}

mx_array *mx_nan_to_num(mx_array *a, double nan, const double *posinf, const double *neginf) {
  MXI_CHECK("nan_to_num", a);
  mx_dtype dt = (mx_dtype)a->dtype;
  if (!mx_dtype_is_inexact(dt)) return a;
  double hi = posinf ? *posinf : finite_max(dt), lo = neginf ? *neginf : -finite_max(dt);
  if (dt != MX_COMPLEX64) return nan_to_num_real(a, nan, hi, lo);
  mx_array *re = nan_to_num_real(mx_real(a), nan, hi, lo);
  mx_array *im = nan_to_num_real(mx_imag(a), nan, hi, lo);
  return mx_add(mx_astype(re, MX_COMPLEX64), mx_multiply(im, mx_scalar_complex(0, 1)));
}
