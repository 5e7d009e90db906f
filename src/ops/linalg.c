/* linalg.c — the MATMUL primitive (NumPy matmul semantics) and the products composed from it:
 * addmm, outer, inner, tensordot (transpose + reshape + matmul) and trace. einsum lives in
 * einsum.c. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "families.h"
#include "util.h"

/* ---- shape rule ---- */

/* The output shape of [..., M, K] @ [..., K, N] (both at least 2-D), or false with a message. */
static bool matmul_shape(const mx_array *a, const mx_array *b, int *ndim, int64_t *shape,
                         char *err, size_t errlen) {
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
  int na = a->ndim, nb = b->ndim;
  if (a->shape[na - 1] != b->shape[nb - 2]) {
    snprintf(err, errlen,
             "shapes %s and %s are not aligned: the first's last dimension (%lld) must equal the "
             "second's second-to-last (%lld)",
             mxi_shape_str(s1, sizeof s1, na, a->shape), mxi_shape_str(s2, sizeof s2, nb, b->shape),
             (long long)a->shape[na - 1], (long long)b->shape[nb - 2]);
    return false;
  }
  int nd;
  if (!mxi_broadcast_shapes(na - 2, a->shape, nb - 2, b->shape, &nd, shape)) {
    snprintf(err, errlen, "batch dimensions of shapes %s and %s cannot be broadcast together",
             mxi_shape_str(s1, sizeof s1, na, a->shape), mxi_shape_str(s2, sizeof s2, nb, b->shape));
    return false;
  }
  shape[nd] = a->shape[na - 2];
  shape[nd + 1] = b->shape[nb - 1];
  *ndim = nd + 2;
  return true;
}

static bool infer_matmul(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                         int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  (void)n;
  (void)p;
  if (in[0]->dtype != in[1]->dtype || in[0]->ndim < 2 || in[1]->ndim < 2) {
    snprintf(err, errlen, "operands must be at least 2-D and of one dtype (internal: the "
                          "constructor promotes them)");
    return false;
  }
  *dtype = (mx_dtype)in[0]->dtype;
  return matmul_shape(in[0], in[1], ndim, shape, err, errlen);
}

void mxi_register_linalg(mx_prim_info *t) { t[MX_PRIM_MATMUL].infer = infer_matmul; }

/* ---- matmul ---- */

static mx_array *reshape_dims(mx_array *a, int ndim, const int64_t *dims) {
  mx_shape s = {.ndim = ndim};
  memcpy(s.dims, dims, sizeof(int64_t) * (size_t)ndim);
  return mx_reshape(a, s);
}

/* matmul reporting errors under the name of the op the user called. */
static mx_array *matmul_as(const char *name, mx_array *a, mx_array *b) {
  MXI_CHECK(name, a, b);
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
  if (a->ndim == 0 || b->ndim == 0)
    return mxi_error(name, "shapes %s and %s: a 0-d operand has no matrix axes (use mx_multiply)",
                     mxi_shape_str(s1, sizeof s1, a->ndim, a->shape),
                     mxi_shape_str(s2, sizeof s2, b->ndim, b->shape));
  mx_dtype dt = mxi_result_type(a, b);
  /* NumPy: a 1-D left operand is a row [1, K], a 1-D right operand a column [K, 1]; the added
   * axis is removed from the result */
  mx_array *a2 = a->ndim == 1 ? reshape_dims(a, 2, (int64_t[]){1, a->shape[0]}) : a;
  mx_array *b2 = b->ndim == 1 ? reshape_dims(b, 2, (int64_t[]){b->shape[0], 1}) : b;
  int nd;
  int64_t shape[MX_MAX_DIMS + 2];
  char err[400];
  if (!matmul_shape(a2, b2, &nd, shape, err, sizeof err)) {
    /* report the user's shapes, not the promoted 2-D ones */
    if (a->ndim == 1 || b->ndim == 1)
      return mxi_error(name, "shapes %s and %s are not aligned: %lld (last dimension of the "
                       "first) != %lld (%s dimension of the second)",
                       mxi_shape_str(s1, sizeof s1, a->ndim, a->shape),
                       mxi_shape_str(s2, sizeof s2, b->ndim, b->shape),
                       (long long)a->shape[a->ndim - 1],
                       (long long)b->shape[b->ndim == 1 ? 0 : b->ndim - 2],
                       b->ndim == 1 ? "only" : "second-to-last");
    return mxi_error(name, "%s", err);
  }
  mx_array *in[2] = {mxi_cast(a2, dt), mxi_cast(b2, dt)};
  mx_array *r = mxi_apply(MX_PRIM_MATMUL, 2, in, NULL);
  if (a->ndim > 1 && b->ndim > 1) return r;
  /* drop the added axes: M (when a was 1-D) and/or N (when b was 1-D) */
  int k = 0;
  int64_t out[MX_MAX_DIMS];
  for (int i = 0; i < nd - 2; i++) out[k++] = shape[i];
  if (a->ndim > 1) out[k++] = shape[nd - 2];
  if (b->ndim > 1) out[k++] = shape[nd - 1];
  return reshape_dims(r, k, out);
}

mx_array *mx_matmul(mx_array *a, mx_array *b) { return matmul_as("matmul", a, b); }

/* alpha * x with x's dtype kept where it can be: integral factors stay integers. */
static mx_array *scale(mx_array *x, double alpha) {
  if (alpha == 1) return x;
  mx_dtype dt = (mx_dtype)x->dtype;
  if (!mx_dtype_is_inexact(dt) && dt != MX_BOOL && alpha == floor(alpha) && fabs(alpha) < 9e15)
    return mx_multiply(mx_scalar_int((int64_t)alpha), x);
  return mx_multiply(mx_scalar(alpha), x);
}

mx_array *mx_addmm(mx_array *c, mx_array *a, mx_array *b, double alpha, double beta) {
  MXI_CHECK("addmm", c, a, b);
  mx_array *ab = matmul_as("addmm", a, b);
  if (mx_is_error(ab)) return ab;
  int nd;
  int64_t shape[MX_MAX_DIMS];
  bool ok = mxi_broadcast_shapes(c->ndim, c->shape, ab->ndim, ab->shape, &nd, shape) &&
            nd == ab->ndim && memcmp(shape, ab->shape, sizeof(int64_t) * (size_t)nd) == 0;
  if (!ok) {
    char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
    return mxi_error("addmm", "c of shape %s cannot be broadcast to the product's shape %s",
                     mxi_shape_str(s1, sizeof s1, c->ndim, c->shape),
                     mxi_shape_str(s2, sizeof s2, ab->ndim, ab->shape));
  }
  mx_dtype dt = mx_promote_types((mx_dtype)c->dtype, (mx_dtype)ab->dtype);
  mx_array *r = scale(mxi_cast(ab, dt), alpha);
  /* beta = 0 ignores c's values (BLAS semantics: NaN in c does not leak into the result) */
  if (beta == 0) return mxi_cast(r, mx_promote_types(dt, (mx_dtype)r->dtype));
  return mx_add(r, scale(mxi_cast(c, dt), beta));
}

mx_array *mx_outer(mx_array *a, mx_array *b) {
  MXI_CHECK("outer", a, b);
  mx_array *x = reshape_dims(a, 2, (int64_t[]){a->size, 1});
  mx_array *y = reshape_dims(b, 2, (int64_t[]){1, b->size});
  return mx_multiply(x, y);
}

/* Contracts axes ax_a[i] of a with ax_b[i] of b (normalized, validated): the free axes of a
 * then those of b, by one matmul of [free_a, K] x [K, free_b]. */
static mx_array *contract(const char *name, mx_array *a, mx_array *b, int n, const int *ax_a,
                          const int *ax_b) {
  bool ca[MX_MAX_DIMS] = {false}, cb[MX_MAX_DIMS] = {false};
  for (int i = 0; i < n; i++) {
    ca[ax_a[i]] = true;
    cb[ax_b[i]] = true;
  }
  mx_axes pa = {.n = a->ndim}, pb = {.n = b->ndim};
  int64_t out[2 * MX_MAX_DIMS];
  int k = 0, no = 0;
  int64_t fa = 1, fb = 1, kk = 1;
  for (int i = 0; i < a->ndim; i++)
    if (!ca[i]) {
      pa.ax[k++] = i;
      out[no++] = a->shape[i];
      fa *= a->shape[i];
    }
  for (int i = 0; i < n; i++) {
    pa.ax[k++] = ax_a[i];
    kk *= a->shape[ax_a[i]];
  }
  k = 0;
  for (int i = 0; i < n; i++) pb.ax[k++] = ax_b[i];
  for (int i = 0; i < b->ndim; i++)
    if (!cb[i]) {
      pb.ax[k++] = i;
      out[no++] = b->shape[i];
      fb *= b->shape[i];
    }
  if (no > MX_MAX_DIMS)
    return mxi_error(name, "the result would have %d dimensions (at most %d)", no, MX_MAX_DIMS);
  mx_array *x = reshape_dims(mx_transpose(a, pa), 2, (int64_t[]){fa, kk});
  mx_array *y = reshape_dims(mx_transpose(b, pb), 2, (int64_t[]){kk, fb});
  return reshape_dims(matmul_as(name, x, y), no, out);
}

mx_array *mx_tensordot_axes(mx_array *a, mx_array *b, int n, const int *axes_a,
                            const int *axes_b) {
  MXI_CHECK("tensordot", a, b);
  if (n < 0 || n > a->ndim || n > b->ndim || (n > 0 && (!axes_a || !axes_b)))
    return mxi_error("tensordot", "%d axis pairs given for arrays with %d and %d dimensions", n,
                     a->ndim, b->ndim);
  int xa[MX_MAX_DIMS], xb[MX_MAX_DIMS];
  bool used_a[MX_MAX_DIMS] = {false}, used_b[MX_MAX_DIMS] = {false};
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
  for (int i = 0; i < n; i++) {
    if (!mxi_norm_axis(axes_a[i], a->ndim, &xa[i]) || !mxi_norm_axis(axes_b[i], b->ndim, &xb[i]))
      return mxi_error("tensordot", "axis pair (%d, %d) is out of range for shapes %s and %s",
                       axes_a[i], axes_b[i], mxi_shape_str(s1, sizeof s1, a->ndim, a->shape),
                       mxi_shape_str(s2, sizeof s2, b->ndim, b->shape));
    if (used_a[xa[i]] || used_b[xb[i]])
      return mxi_error("tensordot", "axis pair (%d, %d) repeats an axis", axes_a[i], axes_b[i]);
    used_a[xa[i]] = used_b[xb[i]] = true;
    if (a->shape[xa[i]] != b->shape[xb[i]])
      return mxi_error("tensordot",
                       "shapes %s and %s: axis %d of the first (size %lld) and axis %d of the "
                       "second (size %lld) differ",
                       mxi_shape_str(s1, sizeof s1, a->ndim, a->shape),
                       mxi_shape_str(s2, sizeof s2, b->ndim, b->shape), xa[i],
                       (long long)a->shape[xa[i]], xb[i], (long long)b->shape[xb[i]]);
  }
  return contract("tensordot", a, b, n, xa, xb);
}

mx_array *mx_tensordot(mx_array *a, mx_array *b, int n) {
  MXI_CHECK("tensordot", a, b);
  if (n < 0 || n > a->ndim || n > b->ndim)
    return mxi_error("tensordot", "cannot contract %d axes of arrays with %d and %d dimensions",
                     n, a->ndim, b->ndim);
  int xa[MX_MAX_DIMS], xb[MX_MAX_DIMS];
  for (int i = 0; i < n; i++) {
    xa[i] = a->ndim - n + i;
    xb[i] = i;
  }
  return mx_tensordot_axes(a, b, n, xa, xb);
}

mx_array *mx_inner(mx_array *a, mx_array *b) {
  MXI_CHECK("inner", a, b);
  if (a->ndim == 0 || b->ndim == 0) return mx_multiply(a, b); /* NumPy: scalar times array */
  if (a->shape[a->ndim - 1] != b->shape[b->ndim - 1]) {
    char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
    return mxi_error("inner", "shapes %s and %s: last dimensions %lld and %lld differ",
                     mxi_shape_str(s1, sizeof s1, a->ndim, a->shape),
                     mxi_shape_str(s2, sizeof s2, b->ndim, b->shape),
                     (long long)a->shape[a->ndim - 1], (long long)b->shape[b->ndim - 1]);
  }
  int xa = a->ndim - 1, xb = b->ndim - 1;
  return contract("inner", a, b, 1, &xa, &xb);
}

mx_array *mx_trace(mx_array *a, int offset, int axis1, int axis2) {
  MXI_CHECK("trace", a);
  int a1, a2;
  if (a->ndim < 2 || !mxi_norm_axis(axis1, a->ndim, &a1) || !mxi_norm_axis(axis2, a->ndim, &a2) ||
      a1 == a2) {
    char s[MXI_SHAPE_STR_LEN];
    return mxi_error("trace", "axes %d and %d are invalid for an array of shape %s", axis1, axis2,
                     mxi_shape_str(s, sizeof s, a->ndim, a->shape));
  }
  /* NumPy: sum of the diagonal, with sum's dtype rules (small integers accumulate in int64) */
  return mx_sum(mx_diagonal(a, offset, a1, a2), MX_AXES(-1), false);
}
