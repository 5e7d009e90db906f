/* rules_elementwise.c — vjp, jvp and vmap rules of the unary and binary elementwise primitives,
 * where, astype and view_dtype. Ties of maximum/minimum split the gradient evenly (JAX). */
#include "rules.h"

#define LN2 0.693147180559945309
#define LN10 2.30258509299404568
#define TWO_OVER_SQRT_PI 1.12837916709551257
#define SQRT_PI_OVER_2 0.886226925452758014

static mx_array *mul(mx_array *a, mx_array *b) { return mx_multiply(a, b); }
static mx_array *num(double v) { return mx_scalar(v); }

/* dy/dx of a unary primitive at node (y = node, x = its input); NULL: the derivative is zero. */
static mx_array *unary_deriv(mx_array *node) {
  mx_array *x = node->in[0], *y = node;
  switch ((mx_prim)node->prim) {
    case MX_PRIM_ABS: return mx_sign(x);
    case MX_PRIM_NEGATIVE: return num(-1);
    case MX_PRIM_SQUARE: return mul(num(2), x);
    case MX_PRIM_SQRT: return mx_divide(num(0.5), y);
    case MX_PRIM_RSQRT: return mul(num(-0.5), mx_divide(y, x));
    case MX_PRIM_RECIPROCAL: return mx_negative(mx_square(y));
    case MX_PRIM_EXP: return y;
    case MX_PRIM_EXP2: return mul(y, num(LN2));
    case MX_PRIM_EXPM1: return mx_add(y, num(1));
    case MX_PRIM_LOG: return mx_reciprocal(x);
    case MX_PRIM_LOG2: return mx_reciprocal(mul(x, num(LN2)));
    case MX_PRIM_LOG10: return mx_reciprocal(mul(x, num(LN10)));
    case MX_PRIM_LOG1P: return mx_reciprocal(mx_add(x, num(1)));
    case MX_PRIM_SIN: return mx_cos(x);
    case MX_PRIM_COS: return mx_negative(mx_sin(x));
    case MX_PRIM_TAN: return mx_add(num(1), mx_square(y));
    case MX_PRIM_ARCSIN: return mx_rsqrt(mx_subtract(num(1), mx_square(x)));
    case MX_PRIM_ARCCOS: return mx_negative(mx_rsqrt(mx_subtract(num(1), mx_square(x))));
    case MX_PRIM_ARCTAN: return mx_reciprocal(mx_add(num(1), mx_square(x)));
    case MX_PRIM_SINH: return mx_cosh(x);
    case MX_PRIM_COSH: return mx_sinh(x);
    case MX_PRIM_TANH: return mx_subtract(num(1), mx_square(y));
    case MX_PRIM_ARCSINH: return mx_rsqrt(mx_add(mx_square(x), num(1)));
    case MX_PRIM_ARCCOSH: return mx_rsqrt(mx_subtract(mx_square(x), num(1)));
    case MX_PRIM_ARCTANH: return mx_reciprocal(mx_subtract(num(1), mx_square(x)));
    case MX_PRIM_SIGMOID: return mul(y, mx_subtract(num(1), y));
    case MX_PRIM_ERF: return mul(num(TWO_OVER_SQRT_PI), mx_exp(mx_negative(mx_square(x))));
    case MX_PRIM_ERFINV: return mul(num(SQRT_PI_OVER_2), mx_exp(mx_square(y)));
    default: return NULL; /* sign, floor, ceil, round, trunc: piecewise constant */
  }
}

static void vjp_unary(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (!need[0]) return;
  if (node->prim == MX_PRIM_NEGATIVE) {
    g[0] = mx_negative(cot);
  } else if (node->prim == MX_PRIM_ASTYPE || node->prim == MX_PRIM_CONJUGATE ||
             node->prim == MX_PRIM_REAL) {
    g[0] = cot; /* the engine casts back to the input's dtype */
  } else {
    mx_array *d = unary_deriv(node);
    g[0] = d ? mul(cot, d) : NULL;
  }
}

static mx_array *jvp_unary(mx_array *node, mx_array *const *t) {
  if (node->prim == MX_PRIM_NEGATIVE) return mx_negative(t[0]);
  if (node->prim == MX_PRIM_ASTYPE || node->prim == MX_PRIM_CONJUGATE || node->prim == MX_PRIM_REAL)
    return t[0];
  mx_array *d = unary_deriv(node);
  return d ? mul(t[0], d) : NULL;
}

/* ---- binary ---- */
static mx_array *tie_split(mx_array *x, mx_array *y, bool max) {
  /* weight of x in max(x, y): 1 where x wins, 0.5 on ties, 0 where y wins */
  mx_array *win = max ? mx_greater(x, y) : mx_less(x, y);
  mx_array *w = mx_where(win, num(1), mx_where(mx_equal(x, y), num(0.5), num(0)));
  return mxi_cast(w, (mx_dtype)x->dtype);
}

/* d(node)/d(input k) for the differentiable binary primitives; NULL means zero. */
static mx_array *binary_partial(mx_array *node, int k) {
  mx_array *x = node->in[0], *y = node->in[1], *z = node;
  switch ((mx_prim)node->prim) {
    case MX_PRIM_ADD: return num(1);
    case MX_PRIM_SUBTRACT: return num(k == 0 ? 1 : -1);
    case MX_PRIM_MULTIPLY: return k == 0 ? y : x;
    case MX_PRIM_DIVIDE: return k == 0 ? mx_reciprocal(y) : mx_negative(mx_divide(z, y));
    case MX_PRIM_REMAINDER: return k == 0 ? num(1) : mx_negative(mx_floor_divide(x, y));
    case MX_PRIM_POWER:
      if (k == 0) /* y * x^(y-1), 0 where y == 0 */
        return mx_where(mx_equal(y, num(0)), num(0), mul(y, mx_power(x, mx_subtract(y, num(1)))));
      return mul(z, mx_log(mx_where(mx_equal(x, num(0)), num(1), x))); /* z log x, 0 at x = 0 */
    case MX_PRIM_MAXIMUM: return k == 0 ? tie_split(x, y, true) : tie_split(y, x, true);
    case MX_PRIM_MINIMUM: return k == 0 ? tie_split(x, y, false) : tie_split(y, x, false);
    case MX_PRIM_ARCTAN2: {
      mx_array *r2 = mx_add(mx_square(x), mx_square(y));
      return k == 0 ? mx_divide(y, r2) : mx_negative(mx_divide(x, r2));
    }
    case MX_PRIM_LOGADDEXP: return mx_exp(mx_subtract(k == 0 ? x : y, z));
    default: return NULL; /* floor_divide: piecewise constant */
  }
}

static void vjp_binary(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  for (int k = 0; k < 2; k++) {
    if (!need[k]) continue;
    if (node->prim == MX_PRIM_ADD) {
      g[k] = cot;
    } else if (node->prim == MX_PRIM_SUBTRACT) {
      g[k] = k == 0 ? cot : mx_negative(cot);
    } else {
      mx_array *d = binary_partial(node, k);
      g[k] = d ? mul(cot, d) : NULL;
    }
  }
}

static mx_array *jvp_binary(mx_array *node, mx_array *const *t) {
  mx_array *r = NULL;
  for (int k = 0; k < 2; k++) {
    if (!t[k]) continue;
    mx_array *term;
    if (node->prim == MX_PRIM_ADD) term = t[k];
    else if (node->prim == MX_PRIM_SUBTRACT) term = k == 0 ? t[k] : mx_negative(t[k]);
    else {
      mx_array *d = binary_partial(node, k);
      if (!d) continue;
      term = mul(t[k], d);
    }
    r = r ? mx_add(r, term) : term;
  }
  return r;
}

static void vjp_where(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  mx_array *zero = mx_zeros_like(cot);
  if (need[1]) g[1] = mx_where(node->in[0], cot, zero);
  if (need[2]) g[2] = mx_where(node->in[0], zero, cot);
}

static mx_array *jvp_where(mx_array *node, mx_array *const *t) {
  mx_array *zero = mx_zeros(mxi_shape_of(node), (mx_dtype)node->dtype);
  return mx_where(node->in[0], t[1] ? t[1] : zero, t[2] ? t[2] : zero);
}

/* Elementwise batching: batch axes to the front, examples padded with size-1 axes to the
 * output's rank so that unbatched operands broadcast against the trailing axes. */
static mx_array *vmap_elementwise(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_array *args[3];
  for (int i = 0; i < node->nin; i++) {
    if (axes[i] < 0) {
      args[i] = in[i];
      continue;
    }
    mx_array *x = mxi_batch_front(in[i], axes[i]);
    int ex_nd = x->ndim - 1;
    if (ex_nd < node->ndim) {
      mx_shape s = {.ndim = node->ndim + 1};
      s.dims[0] = x->shape[0];
      for (int d = 0; d < node->ndim - ex_nd; d++) s.dims[1 + d] = 1;
      for (int d = 0; d < ex_nd; d++) s.dims[1 + node->ndim - ex_nd + d] = x->shape[1 + d];
      x = mx_reshape(x, s);
    }
    args[i] = x;
  }
  *oa = 0;
  return mxi_reapply(node, node->nin, args);
}

void mxi_rules_elementwise(mx_prim_info *t) {
  for (int p = MX_PRIM_ABS; p <= MX_PRIM_VIEW_DTYPE; p++) { /* view_dtype: zero gradient */
    MXI_SET_VMAP(t, p, vmap_elementwise);
    MXI_SET_VJP(t, p, vjp_unary);
    MXI_SET_JVP(t, p, jvp_unary);
  }
  for (int p = MX_PRIM_ADD; p <= MX_PRIM_RIGHT_SHIFT; p++) {
    MXI_SET_VJP(t, p, vjp_binary);
    MXI_SET_JVP(t, p, jvp_binary);
    MXI_SET_VMAP(t, p, vmap_elementwise);
  }
  MXI_SET_VJP(t, MX_PRIM_WHERE, vjp_where);
  MXI_SET_JVP(t, MX_PRIM_WHERE, jvp_where);
  MXI_SET_VMAP(t, MX_PRIM_WHERE, vmap_elementwise);
}
