/* reduce.c — reductions over any set of axes: the SUM/PROD/MAX/MIN/ALL/ANY/ARGMAX/ARGMIN
 * primitives and mean, var, std, logsumexp composed from them. */
#include <stdio.h>
#include <string.h>

#include "families.h"
#include "util.h"

static mx_dtype reduce_out_dtype(mx_prim prim, mx_dtype dt) {
  switch (prim) {
    case MX_PRIM_SUM: case MX_PRIM_PROD:
      if (dt == MX_BOOL || dt == MX_INT8 || dt == MX_INT16 || dt == MX_INT32) return MX_INT64;
      if (dt == MX_UINT8 || dt == MX_UINT16 || dt == MX_UINT32) return MX_UINT64;
      return dt;
    case MX_PRIM_ALL: case MX_PRIM_ANY: return MX_BOOL;
    case MX_PRIM_ARGMAX: case MX_PRIM_ARGMIN: return MX_INT64;
    default: return dt;
  }
}

static bool infer_reduce(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                         int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)n;
  (void)err;
  (void)errlen;
  const mx_array *a = in[0];
  bool red[MX_MAX_DIMS] = {false};
  for (int i = 0; i < p->reduce.naxes; i++) red[p->reduce.axes[i]] = true;
  int k = 0;
  for (int i = 0; i < a->ndim; i++) {
    if (!red[i])
      shape[k++] = a->shape[i];
    else if (p->reduce.keepdims)
      shape[k++] = 1;
  }
  *ndim = k;
  *dtype = p->reduce.to_float64 ? MX_FLOAT64 : reduce_out_dtype(prim, (mx_dtype)a->dtype);
  return true;
}

void mxi_register_reduce(mx_prim_info *t) {
  for (int p = MX_PRIM_SUM; p <= MX_PRIM_ARGMIN; p++) t[p].infer = infer_reduce;
}

static mx_array *reduce(const char *name, mx_prim prim, mx_array *a, mx_axes axes, bool keepdims,
                        bool to_float64) {
  MXI_CHECK(name, a);
  mx_params p;
  memset(&p, 0, sizeof p);
  char err[200];
  if (!mxi_norm_axes(axes, a->ndim, p.reduce.axes, &p.reduce.naxes, err, sizeof err))
    return mxi_error(name, "%s", err);
  p.reduce.keepdims = keepdims;
  p.reduce.to_float64 = to_float64;
  mx_dtype dt = (mx_dtype)a->dtype;
  if ((prim == MX_PRIM_MAX || prim == MX_PRIM_MIN) && dt == MX_COMPLEX64)
    return mxi_error(name, "complex64 input is not supported");
  if (prim == MX_PRIM_MAX || prim == MX_PRIM_MIN) {
    for (int i = 0; i < p.reduce.naxes; i++)
      if (a->shape[p.reduce.axes[i]] == 0) {
        char s[MXI_SHAPE_STR_LEN];
        return mxi_error(name, "reduction over an empty axis %d of shape %s has no identity",
                         p.reduce.axes[i], mxi_shape_str(s, sizeof s, a->ndim, a->shape));
      }
  }
  if (p.reduce.naxes == 0 && prim != MX_PRIM_SUM && prim != MX_PRIM_PROD &&
      prim != MX_PRIM_ALL && prim != MX_PRIM_ANY)
    return a;
  return mxi_apply(prim, 1, &a, &p);
}

mx_array *mx_sum(mx_array *a, mx_axes axes, bool keepdims) {
  return reduce("sum", MX_PRIM_SUM, a, axes, keepdims, false);
}
mx_array *mx_prod(mx_array *a, mx_axes axes, bool keepdims) {
  return reduce("prod", MX_PRIM_PROD, a, axes, keepdims, false);
}
mx_array *mx_max(mx_array *a, mx_axes axes, bool keepdims) {
  return reduce("max", MX_PRIM_MAX, a, axes, keepdims, false);
}
mx_array *mx_min(mx_array *a, mx_axes axes, bool keepdims) {
  return reduce("min", MX_PRIM_MIN, a, axes, keepdims, false);
}
mx_array *mx_all(mx_array *a, mx_axes axes, bool keepdims) {
  return reduce("all", MX_PRIM_ALL, a, axes, keepdims, false);
}
mx_array *mx_any(mx_array *a, mx_axes axes, bool keepdims) {
  return reduce("any", MX_PRIM_ANY, a, axes, keepdims, false);
}

/* Number of elements reduced, or -1 with an error message. */
static int64_t reduced_count(const mx_array *a, mx_axes axes, char *err, size_t errlen) {
  int ax[MX_MAX_DIMS], n;
  if (!mxi_norm_axes(axes, a->ndim, ax, &n, err, errlen)) return -1;
  int64_t c = 1;
  for (int i = 0; i < n; i++) c *= a->shape[ax[i]];
  return c;
}

/* float16/bfloat16 statistics compute in float32 and round once at the end (as NumPy does):
 * their sums of squares and element counts overflow float16. */
static bool is_half(mx_dtype dt) { return dt == MX_FLOAT16 || dt == MX_BFLOAT16; }

mx_array *mx_mean(mx_array *a, mx_axes axes, bool keepdims) {
  MXI_CHECK("mean", a);
  char err[200];
  int64_t count = reduced_count(a, axes, err, sizeof err);
  if (count < 0) return mxi_error("mean", "%s", err);
  mx_dtype dt = mxi_float_of((mx_dtype)a->dtype);
  if (is_half(dt)) return mx_astype(mx_mean(mx_astype(a, MX_FLOAT32), axes, keepdims), dt);
  /* integers sum and divide in float64, as NumPy's mean does (an int64 accumulator wraps) */
  bool integer = !mx_dtype_is_inexact((mx_dtype)a->dtype);
  mx_array *s = reduce("mean", MX_PRIM_SUM, a, axes, keepdims, integer);
  if (!integer) s = mxi_cast(s, dt);
  mx_array *m = mx_divide(s, mx_scalar((double)count)); /* count 0 gives NaN, as NumPy */
  return integer ? mxi_cast(m, dt) : m;
}

mx_array *mx_var(mx_array *a, mx_axes axes, bool keepdims, int ddof) {
  MXI_CHECK("var", a);
  char err[200];
  int64_t count = reduced_count(a, axes, err, sizeof err);
  if (count < 0) return mxi_error("var", "%s", err);
  mx_dtype dt = mxi_float_of((mx_dtype)a->dtype);
  if (is_half(dt)) return mx_astype(mx_var(mx_astype(a, MX_FLOAT32), axes, keepdims, ddof), dt);
  mx_array *x = mxi_cast(a, dt);
  mx_array *d = mx_subtract(x, mx_mean(x, axes, true));
  mx_array *sq = dt == MX_COMPLEX64 ? mx_square(mx_abs(d)) : mx_square(d);
  mx_array *s = mx_sum(sq, axes, keepdims);
  double denom = (double)(count - ddof);
  return mx_divide(s, mx_scalar(denom > 0 ? denom : 0.0)); /* ddof >= count: inf/NaN, as NumPy */
}

mx_array *mx_std(mx_array *a, mx_axes axes, bool keepdims, int ddof) {
  return mx_sqrt(mx_var(a, axes, keepdims, ddof));
}

mx_array *mx_logsumexp(mx_array *a, mx_axes axes, bool keepdims) {
  MXI_CHECK("logsumexp", a);
  if (a->dtype == MX_COMPLEX64) return mxi_error("logsumexp", "complex64 input is not supported");
  mx_dtype dt = mxi_float_of((mx_dtype)a->dtype);
  if (is_half(dt)) return mx_astype(mx_logsumexp(mx_astype(a, MX_FLOAT32), axes, keepdims), dt);
  mx_array *x = mxi_cast(a, dt);
  char err[200];
  int ax[MX_MAX_DIMS], n;
  if (!mxi_norm_axes(axes, x->ndim, ax, &n, err, sizeof err)) return mxi_error("logsumexp", "%s", err);
  for (int i = 0; i < n; i++)
    if (x->shape[ax[i]] == 0) /* log(0) = -inf: the empty sum */
      return mx_log(mx_sum(mx_zeros_like(x), axes, keepdims));
  mx_array *m = mx_max(x, axes, true);
  m = mx_where(mx_isfinite(m), m, mx_zeros_like(m)); /* all -inf (or inf) rows: no shift */
  mx_array *s = mx_sum(mx_exp(mx_subtract(x, m)), axes, true);
  mx_array *r = mx_add(mx_log(s), m);
  return keepdims ? r : mx_squeeze(r, axes.n < 0 ? MX_ALL_AXES : axes);
}

static mx_array *arg_reduce(const char *name, mx_prim prim, mx_array *a, int axis, bool keepdims) {
  MXI_CHECK(name, a);
  if (a->dtype == MX_COMPLEX64) return mxi_error(name, "complex64 input is not supported");
  if (axis == MX_AXIS_NONE) {
    mx_array *r = arg_reduce(name, prim, mx_flatten(a, 0, -1), 0, false);
    if (!keepdims) return r;
    mx_shape s = {.ndim = a->ndim};
    for (int i = 0; i < a->ndim; i++) s.dims[i] = 1;
    return mx_reshape(r, s);
  }
  int ax;
  if (!mxi_norm_axis(axis, a->ndim, &ax))
    return mxi_error(name, "axis %d is out of range for an array with %d dimensions", axis, a->ndim);
  if (a->shape[ax] == 0) return mxi_error(name, "axis %d is empty", axis);
  mx_params p;
  memset(&p, 0, sizeof p);
  p.reduce.naxes = 1;
  p.reduce.axes[0] = ax;
  p.reduce.keepdims = keepdims;
  return mxi_apply(prim, 1, &a, &p);
}

mx_array *mx_argmax(mx_array *a, int axis, bool keepdims) {
  return arg_reduce("argmax", MX_PRIM_ARGMAX, a, axis, keepdims);
}
mx_array *mx_argmin(mx_array *a, int axis, bool keepdims) {
  return arg_reduce("argmin", MX_PRIM_ARGMIN, a, axis, keepdims);
}
