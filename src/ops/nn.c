/* nn.c — constructors and registry entries of the nn family: the fused SOFTMAX, LOG_SOFTMAX,
 * LAYER_NORM and RMS_NORM primitives (over the last axis; other axes are moved last), and the
 * activations relu, gelu, gelu_tanh and silu composed from elementwise primitives. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "families.h"
#include "util.h"

/* ---- shape rules ---- */

static bool is_float(mx_dtype dt) { return mx_dtype_is_float(dt); }

static bool infer_softmax(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                          int *ndim, int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  (void)n;
  (void)p;
  const mx_array *a = in[0];
  if (a->ndim < 1 || !is_float((mx_dtype)a->dtype)) {
    snprintf(err, errlen, "input must be floating with at least one axis (internal: the "
                          "constructor casts and reshapes)");
    return false;
  }
  *ndim = a->ndim;
  memcpy(shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
  *dtype = (mx_dtype)a->dtype;
  return true;
}

/* x, then weight if has_weight, then bias if has_bias: every one of x's dtype, weight and bias
 * of shape [last]. The constructors check this with friendlier messages; this guards graphs
 * built by transformations. */
static bool infer_norm(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                       int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  const mx_array *x = in[0];
  int want = 1 + p->norm.has_weight + (prim == MX_PRIM_LAYER_NORM && p->norm.has_bias);
  if (n != want) {
    snprintf(err, errlen, "%d inputs given, %d expected (internal)", n, want);
    return false;
  }
  if (x->ndim < 1 || !is_float((mx_dtype)x->dtype)) {
    snprintf(err, errlen, "x must be floating with at least one axis (internal)");
    return false;
  }
  for (int k = 1; k < n; k++) {
    if (in[k]->dtype != x->dtype || in[k]->ndim != 1 || in[k]->shape[0] != x->shape[x->ndim - 1]) {
      char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
      snprintf(err, errlen, "%s of shape %s %s does not match x of shape %s %s (internal)",
               k == 1 && p->norm.has_weight ? "weight" : "bias",
               mxi_shape_str(s1, sizeof s1, in[k]->ndim, in[k]->shape),
               mx_dtype_name((mx_dtype)in[k]->dtype), mxi_shape_str(s2, sizeof s2, x->ndim, x->shape),
               mx_dtype_name((mx_dtype)x->dtype));
      return false;
    }
  }
  *ndim = x->ndim;
  memcpy(shape, x->shape, sizeof(int64_t) * (size_t)x->ndim);
  *dtype = (mx_dtype)x->dtype;
  return true;
}

void mxi_register_nn(mx_prim_info *t) {
  t[MX_PRIM_SOFTMAX].infer = infer_softmax;
  t[MX_PRIM_LOG_SOFTMAX].infer = infer_softmax;
  t[MX_PRIM_LAYER_NORM].infer = infer_norm;
  t[MX_PRIM_RMS_NORM].infer = infer_norm;
}

/* ---- softmax and log_softmax ---- */

static mx_shape shape_of(int ndim, const int64_t *dims) {
  mx_shape s = {.ndim = ndim};
  memcpy(s.dims, dims, sizeof(int64_t) * (size_t)ndim);
  return s;
}

/* Applies prim over the trailing nred axes of x (merged into one). */
static mx_array *over_trailing(mx_prim prim, mx_array *x, int nred) {
  if (nred == 1) return mxi_apply(prim, 1, &x, NULL);
  int keep = x->ndim - nred;
  mx_shape merged = shape_of(keep, x->shape);
  merged.dims[merged.ndim++] = mxi_shape_size(nred, x->shape + keep);
  mx_shape orig = mxi_shape_of(x);
  mx_array *m = mx_reshape(x, merged);
  return mx_reshape(mxi_apply(prim, 1, &m, NULL), orig);
}

static mx_array *softmax_family(const char *name, mx_prim prim, mx_array *a, mx_axes axes) {
  MXI_CHECK(name, a);
  mx_dtype dt = (mx_dtype)a->dtype;
  if (dt == MX_COMPLEX64) return mxi_error(name, "complex64 input is not supported");
  int ax[MX_MAX_DIMS], nax;
  char err[200];
  if (!mxi_norm_axes(axes, a->ndim, ax, &nax, err, sizeof err)) {
    char s[MXI_SHAPE_STR_LEN];
    return mxi_error(name, "%s (input shape %s)", err, mxi_shape_str(s, sizeof s, a->ndim, a->shape));
  }
  mx_array *x = mxi_cast(a, mxi_float_of(dt)); /* bool and integers compute in float32 */
  if (nax == 0) {
    /* Each element is its own group: exp(x - x) / 1, i.e. 1 (log: 0), NaN for inf and NaN. */
    mx_array *d = mx_subtract(x, x);
    return prim == MX_PRIM_SOFTMAX ? mx_exp(d) : d;
  }
  bool trailing = true;
  for (int i = 0; i < nax; i++) trailing &= ax[i] == x->ndim - nax + i;
  if (trailing) return over_trailing(prim, x, nax);
  /* Move the reduced axes last (in order), reduce, and move them back: the result is a
   * transposed view of the fused kernel's output. */
  bool red[MX_MAX_DIMS] = {false};
  for (int i = 0; i < nax; i++) red[ax[i]] = true;
  mx_axes perm = {.n = 0}, inv = {.n = x->ndim};
  for (int i = 0; i < x->ndim; i++)
    if (!red[i]) perm.ax[perm.n++] = i;
  for (int i = 0; i < nax; i++) perm.ax[perm.n++] = ax[i];
  for (int i = 0; i < x->ndim; i++) inv.ax[perm.ax[i]] = i;
  mx_array *y = over_trailing(prim, mx_transpose(x, perm), nax);
  return mx_transpose(y, inv);
}

mx_array *mx_softmax(mx_array *a, mx_axes axes) {
  return softmax_family("softmax", MX_PRIM_SOFTMAX, a, axes);
}
mx_array *mx_log_softmax(mx_array *a, mx_axes axes) {
  return softmax_family("log_softmax", MX_PRIM_LOG_SOFTMAX, a, axes);
}

/* ---- layer_norm and rms_norm ---- */

/* Checks an optional parameter (weight or bias) against x: shape [last]. */
static mx_array *check_param(const char *name, const char *what, const mx_array *p,
                             const mx_array *x) {
  if (!p) return NULL;
  if (p->error) return mxi_error_from(p);
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
  int64_t last = x->shape[x->ndim - 1];
  if (p->ndim != 1 || p->shape[0] != last)
    return mxi_error(name, "%s has shape %s; expected (%lld,), the last axis of x of shape %s", what,
                     mxi_shape_str(s1, sizeof s1, p->ndim, p->shape), (long long)last,
                     mxi_shape_str(s2, sizeof s2, x->ndim, x->shape));
  if (p->dtype == MX_COMPLEX64) return mxi_error(name, "complex64 %s is not supported", what);
  return NULL;
}

static mx_array *norm(const char *name, mx_prim prim, mx_array *x, mx_array *w, mx_array *b,
                      double eps) {
  MXI_CHECK(name, x);
  if (x->ndim < 1) return mxi_error(name, "x must have at least one axis, got a 0-d array");
  if (x->dtype == MX_COMPLEX64) return mxi_error(name, "complex64 input is not supported");
  mx_array *bad = check_param(name, "weight", w, x);
  if (!bad) bad = check_param(name, "bias", b, x);
  if (bad) return bad;
  if (!(eps >= 0) || isinf(eps)) return mxi_error(name, "eps %g must be finite and non-negative", eps);
  /* The float dtype x computes in, promoted with the parameters' (float16 x with float32
   * weight gives float32, as x * weight would). */
  mx_dtype dt = mxi_float_of((mx_dtype)x->dtype);
  if (w) dt = mx_promote_types(dt, mxi_float_of((mx_dtype)w->dtype));
  if (b) dt = mx_promote_types(dt, mxi_float_of((mx_dtype)b->dtype));
  mx_array *in[3];
  int n = 0;
  in[n++] = mxi_cast(x, dt);
  if (w) in[n++] = mxi_cast(w, dt);
  if (b) in[n++] = mxi_cast(b, dt);
  mx_params p;
  memset(&p, 0, sizeof p);
  p.norm.eps = eps;
  p.norm.has_weight = w != NULL;
  p.norm.has_bias = b != NULL;
  return mxi_apply(prim, n, in, &p);
}

mx_array *mx_layer_norm(mx_array *x, mx_array *weight, mx_array *bias, double eps) {
  return norm("layer_norm", MX_PRIM_LAYER_NORM, x, weight, bias, eps);
}
mx_array *mx_rms_norm(mx_array *x, mx_array *weight, double eps) {
  return norm("rms_norm", MX_PRIM_RMS_NORM, x, weight, NULL, eps);
}

/* ---- activations (compositions) ---- */

mx_array *mx_relu(mx_array *a) {
  MXI_CHECK("relu", a);
  mx_dtype dt = (mx_dtype)a->dtype;
  if (dt == MX_COMPLEX64) return mxi_error("relu", "complex64 input is not supported");
  if (dt == MX_BOOL || !mx_dtype_is_signed(dt)) return a; /* never negative */
  /* where(x <= 0, 0, x): keeps a's dtype; NaN stays NaN; the gradient at 0 is 0 (as PyTorch and
   * JAX), where maximum(x, 0) would split it at the tie */
  return mx_where(mx_less_equal(a, mx_scalar_int(0)), mx_scalar_int(0), a);
}

/* The input of a smooth activation in the dtype it computes in: integers and bool in float32,
 * and float16/bfloat16 in float32 too (a chain of ops rounding to half at every step loses
 * digits). *store is the dtype of the result. */
static mx_array *act_in(const char *name, mx_array *a, mx_dtype *store, mx_array **err) {
  *err = NULL;
  *store = MX_FLOAT32;
  if (a->dtype == MX_COMPLEX64) {
    *err = mxi_error(name, "complex64 input is not supported");
    return NULL;
  }
  *store = mxi_float_of((mx_dtype)a->dtype);
  mx_dtype compute = (*store == MX_FLOAT16 || *store == MX_BFLOAT16) ? MX_FLOAT32 : *store;
  return mxi_cast(a, compute);
}

/* Typed constants: a weak float scalar is float32 and would round float64 constants. */
#define ACT_BEGIN(name)                                  \
  MXI_CHECK(name, a);                                    \
  mx_dtype store;                                        \
  mx_array *bad;                                         \
  mx_array *x = act_in(name, a, &store, &bad);           \
  if (bad) return bad;                                   \
  mx_dtype cd = (mx_dtype)x->dtype;                      \
  (void)cd
#define C(v) mx_scalar_typed((v), cd)

mx_array *mx_gelu(mx_array *a) {
  ACT_BEGIN("gelu");
  /* x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)) */
  mx_array *phi = mx_add(C(1.0), mx_erf(mx_multiply(x, C(0.70710678118654752440))));
  return mxi_cast(mx_multiply(mx_multiply(x, C(0.5)), phi), store);
}

mx_array *mx_gelu_tanh(mx_array *a) {
  ACT_BEGIN("gelu_tanh");
  /* x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))) */
  const double k = 0.7978845608028654; /* sqrt(2 / pi) */
  mx_array *x3 = mx_multiply(mx_square(x), x);
  mx_array *inner = mx_multiply(C(k), mx_add(x, mx_multiply(C(0.044715), x3)));
  mx_array *t = mx_add(C(1.0), mx_tanh(inner));
  return mxi_cast(mx_multiply(mx_multiply(x, C(0.5)), t), store);
}

mx_array *mx_silu(mx_array *a) {
  ACT_BEGIN("silu");
  return mxi_cast(mx_multiply(x, mx_sigmoid(x)), store);
}
