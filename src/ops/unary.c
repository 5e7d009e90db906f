/* unary.c — constructors and registry entries of the unary elementwise primitives, astype and
 * view_dtype. Dtype rules: floating functions compute integers and bool in float32; rounding of
 * integers is the identity; see docs/dtypes.md. */
#include <stdio.h>

#include "families.h"
#include "util.h"

/* Output dtype of unary primitive p on input dtype dt. */
static mx_dtype unary_out_dtype(mx_prim p, mx_dtype dt, const mx_params *params) {
  switch (p) {
    case MX_PRIM_ISNAN: case MX_PRIM_ISINF: case MX_PRIM_ISFINITE: case MX_PRIM_LOGICAL_NOT:
      return MX_BOOL;
    case MX_PRIM_ABS: case MX_PRIM_REAL: case MX_PRIM_IMAG:
      return dt == MX_COMPLEX64 ? MX_FLOAT32 : dt;
    case MX_PRIM_ASTYPE: case MX_PRIM_VIEW_DTYPE:
      return params->cast.dtype;
    default:
      return dt;
  }
}

static bool infer_unary(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                        int *ndim, int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)n;
  (void)err;
  (void)errlen;
  const mx_array *a = in[0];
  *ndim = a->ndim;
  for (int i = 0; i < a->ndim; i++) shape[i] = a->shape[i];
  *dtype = unary_out_dtype(prim, (mx_dtype)a->dtype, p);
  return true;
}

static mx_array *apply_unary(mx_prim prim, mx_array *a) {
  mx_array *out = mxi_apply(prim, 1, &a, NULL);
  if (mxi_is_weak(a) && out->dtype == a->dtype) mxi_mark_weak(out);
  return out;
}

static bool view_dtype_view(mx_array *out, const mx_array *in, const mx_params *p) {
  (void)p;
  for (int i = 0; i < in->ndim; i++) out->strides[i] = in->strides[i];
  out->offset = in->offset;
  return true;
}

void mxi_register_unary(mx_prim_info *t) {
  for (int p = MX_PRIM_ABS; p <= MX_PRIM_VIEW_DTYPE; p++) t[p].infer = infer_unary;
  t[MX_PRIM_VIEW_DTYPE].view = view_dtype_view;
}

/* Floating functions: integers and bool compute in float32. */
static mx_array *float_fn(const char *name, mx_prim prim, mx_array *a, bool complex_ok) {
  MXI_CHECK(name, a);
  if (a->dtype == MX_COMPLEX64 && !complex_ok)
    return mxi_error(name, "complex64 input is not supported");
  return apply_unary(prim, mxi_cast(a, mxi_float_of((mx_dtype)a->dtype)));
}

#define FLOAT_FN(fn, PRIM, COMPLEX_OK) \
  mx_array *mx_##fn(mx_array *a) { return float_fn(#fn, MX_PRIM_##PRIM, a, COMPLEX_OK); }
FLOAT_FN(sqrt, SQRT, true)
FLOAT_FN(rsqrt, RSQRT, true)
FLOAT_FN(reciprocal, RECIPROCAL, true)
FLOAT_FN(exp, EXP, true)
FLOAT_FN(exp2, EXP2, true)
FLOAT_FN(expm1, EXPM1, true)
FLOAT_FN(log, LOG, true)
FLOAT_FN(log2, LOG2, true)
FLOAT_FN(log10, LOG10, true)
FLOAT_FN(log1p, LOG1P, true)
FLOAT_FN(sin, SIN, true)
FLOAT_FN(cos, COS, true)
FLOAT_FN(tan, TAN, true)
FLOAT_FN(arcsin, ARCSIN, true)
FLOAT_FN(arccos, ARCCOS, true)
FLOAT_FN(arctan, ARCTAN, true)
FLOAT_FN(sinh, SINH, true)
FLOAT_FN(cosh, COSH, true)
FLOAT_FN(tanh, TANH, true)
FLOAT_FN(arcsinh, ARCSINH, true)
FLOAT_FN(arccosh, ARCCOSH, true)
FLOAT_FN(arctanh, ARCTANH, true)
FLOAT_FN(sigmoid, SIGMOID, true)
FLOAT_FN(erf, ERF, false)
FLOAT_FN(erfinv, ERFINV, false)

/* Rounding: the identity on integers and bool. */
static mx_array *rounding(const char *name, mx_prim prim, mx_array *a) {
  MXI_CHECK(name, a);
  if (a->dtype == MX_COMPLEX64) return mxi_error(name, "complex64 input is not supported");
  if (!mx_dtype_is_float((mx_dtype)a->dtype)) return a;
  return apply_unary(prim, a);
}
mx_array *mx_floor(mx_array *a) { return rounding("floor", MX_PRIM_FLOOR, a); }
mx_array *mx_ceil(mx_array *a) { return rounding("ceil", MX_PRIM_CEIL, a); }
mx_array *mx_round(mx_array *a) { return rounding("round", MX_PRIM_ROUND, a); }
mx_array *mx_trunc(mx_array *a) { return rounding("trunc", MX_PRIM_TRUNC, a); }

static bool is_unsigned(mx_dtype dt) { return dt >= MX_UINT8 && dt <= MX_UINT64; }

mx_array *mx_abs(mx_array *a) {
  MXI_CHECK("abs", a);
  if (a->dtype == MX_BOOL || is_unsigned((mx_dtype)a->dtype)) return a;
  return apply_unary(MX_PRIM_ABS, a);
}

mx_array *mx_negative(mx_array *a) {
  MXI_CHECK("negative", a);
  if (a->dtype == MX_BOOL)
    return mxi_error("negative", "bool input is not supported; use mx_logical_not");
  return apply_unary(MX_PRIM_NEGATIVE, a);
}

mx_array *mx_sign(mx_array *a) {
  MXI_CHECK("sign", a);
  if (a->dtype == MX_BOOL) return mxi_error("sign", "bool input is not supported");
  return apply_unary(MX_PRIM_SIGN, a);
}

mx_array *mx_square(mx_array *a) {
  MXI_CHECK("square", a);
  if (a->dtype == MX_BOOL) return a; /* x * x == x for bool (NumPy gives bool) */
  return apply_unary(MX_PRIM_SQUARE, a);
}

/* isnan/isinf/isfinite are constant on integers and bool */
static mx_array *predicate(const char *name, mx_prim prim, mx_array *a, bool int_value) {
  MXI_CHECK(name, a);
  if (!mx_dtype_is_inexact((mx_dtype)a->dtype))
    return mx_full(mxi_shape_of(a), int_value ? 1 : 0, MX_BOOL);
  return apply_unary(prim, a);
}
mx_array *mx_isnan(mx_array *a) { return predicate("isnan", MX_PRIM_ISNAN, a, false); }
mx_array *mx_isinf(mx_array *a) { return predicate("isinf", MX_PRIM_ISINF, a, false); }
mx_array *mx_isfinite(mx_array *a) { return predicate("isfinite", MX_PRIM_ISFINITE, a, true); }

mx_array *mx_logical_not(mx_array *a) {
  MXI_CHECK("logical_not", a);
  return apply_unary(MX_PRIM_LOGICAL_NOT, a);
}

mx_array *mx_bitwise_invert(mx_array *a) {
  MXI_CHECK("bitwise_invert", a);
  if (mx_dtype_is_inexact((mx_dtype)a->dtype))
    return mxi_error("bitwise_invert", "%s input is not supported (integers and bool only)",
                     mx_dtype_name((mx_dtype)a->dtype));
  return apply_unary(MX_PRIM_BITWISE_INVERT, a);
}

mx_array *mx_real(mx_array *a) {
  MXI_CHECK("real", a);
  return a->dtype == MX_COMPLEX64 ? apply_unary(MX_PRIM_REAL, a) : a;
}

mx_array *mx_imag(mx_array *a) {
  MXI_CHECK("imag", a);
  if (a->dtype == MX_COMPLEX64) return apply_unary(MX_PRIM_IMAG, a);
  return mx_zeros_like(a);
}

mx_array *mx_conjugate(mx_array *a) {
  MXI_CHECK("conjugate", a);
  return a->dtype == MX_COMPLEX64 ? apply_unary(MX_PRIM_CONJUGATE, a) : a;
}

mx_array *mx_astype(mx_array *a, mx_dtype dtype) {
  MXI_CHECK("astype", a);
  if (!mx_dtype_is_valid(dtype)) return mxi_error("astype", "invalid dtype %d", (int)dtype);
  if (a->dtype == dtype) return a;
  mx_params p = {.cast = {dtype}};
  return mxi_apply(MX_PRIM_ASTYPE, 1, &a, &p);
}

mx_array *mx_view_dtype(mx_array *a, mx_dtype dtype) {
  MXI_CHECK("view_dtype", a);
  if (!mx_dtype_is_valid(dtype)) return mxi_error("view_dtype", "invalid dtype %d", (int)dtype);
  if (mx_dtype_size(dtype) != mx_dtype_size((mx_dtype)a->dtype))
    return mxi_error("view_dtype", "%s (%zu bytes) and %s (%zu bytes) differ in size",
                     mx_dtype_name((mx_dtype)a->dtype), mx_dtype_size((mx_dtype)a->dtype),
                     mx_dtype_name(dtype), mx_dtype_size(dtype));
  if (a->dtype == dtype) return a;
  mx_params p = {.cast = {dtype}};
  return mxi_apply(MX_PRIM_VIEW_DTYPE, 1, &a, &p);
}
