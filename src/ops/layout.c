/* layout.c — view primitives (reshape, transpose, broadcast_to, slice, diagonal), contiguous,
 * and the shape ops composed from them (flatten, squeeze, expand_dims, swapaxes, moveaxis,
 * flip, broadcast_arrays, atleast_nd). */
#include <stdio.h>
#include <string.h>

#include "families.h"
#include "util.h"

/* ---- shape rules ---- */
static bool infer_target_shape(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                               int *ndim, int64_t *shape, mx_dtype *dtype, char *err,
                               size_t errlen) {
  (void)prim;
  (void)n;
  (void)err;
  (void)errlen;
  *ndim = p->shape.ndim;
  memcpy(shape, p->shape.dims, sizeof(int64_t) * (size_t)*ndim);
  *dtype = (mx_dtype)in[0]->dtype;
  return true;
}

static bool infer_same(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                       int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  (void)n;
  (void)p;
  (void)err;
  (void)errlen;
  *ndim = in[0]->ndim;
  memcpy(shape, in[0]->shape, sizeof(int64_t) * (size_t)*ndim);
  *dtype = (mx_dtype)in[0]->dtype;
  return true;
}

static bool infer_transpose(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                            int *ndim, int64_t *shape, mx_dtype *dtype, char *err,
                            size_t errlen) {
  (void)prim;
  (void)n;
  (void)err;
  (void)errlen;
  *ndim = in[0]->ndim;
  for (int i = 0; i < *ndim; i++) shape[i] = in[0]->shape[p->transpose.perm[i]];
  *dtype = (mx_dtype)in[0]->dtype;
  return true;
}

static bool infer_slice(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                        int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  (void)n;
  (void)err;
  (void)errlen;
  *ndim = in[0]->ndim;
  memcpy(shape, p->slice.len, sizeof(int64_t) * (size_t)*ndim);
  *dtype = (mx_dtype)in[0]->dtype;
  return true;
}

static bool infer_diagonal(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                           int *ndim, int64_t *shape, mx_dtype *dtype, char *err,
                           size_t errlen) {
  (void)prim;
  (void)n;
  (void)err;
  (void)errlen;
  const mx_array *a = in[0];
  int a1 = p->diagonal.axis1, a2 = p->diagonal.axis2, off = p->diagonal.offset;
  int k = 0;
  for (int i = 0; i < a->ndim; i++)
    if (i != a1 && i != a2) shape[k++] = a->shape[i];
  int64_t d1 = a->shape[a1], d2 = a->shape[a2];
  int64_t len = off >= 0 ? (d2 - off < d1 ? d2 - off : d1) : (d1 + off < d2 ? d1 + off : d2);
  shape[k++] = len > 0 ? len : 0;
  *ndim = k;
  *dtype = (mx_dtype)a->dtype;
  return true;
}

/* ---- views: strides over the input's buffer ---- */

/* NumPy's no-copy reshape: groups of input axes that are contiguous among themselves map onto
 * groups of output axes. */
static bool reshape_view(mx_array *out, const mx_array *in, const mx_params *p) {
  (void)p;
  if (out->size == 0 || mxi_is_row_contiguous(in)) {
    int64_t off = in->offset;
    mxi_set_row_strides(out);
    out->offset = off;
    return true;
  }
  int64_t od[MX_MAX_DIMS], os[MX_MAX_DIMS];
  int on = 0;
  for (int i = 0; i < in->ndim; i++)
    if (in->shape[i] != 1) {
      od[on] = in->shape[i];
      os[on++] = in->strides[i];
    }
  int nn = out->ndim;
  const int64_t *nd = out->shape;
  int64_t ns[MX_MAX_DIMS];
  int oi = 0, oj = 1, ni = 0, nj = 1;
  while (ni < nn && oi < on) {
    int64_t np = nd[ni], op = od[oi];
    while (np != op) {
      if (np < op)
        np *= nd[nj++];
      else
        op *= od[oj++];
    }
    for (int ok = oi; ok < oj - 1; ok++)
      if (os[ok] != od[ok + 1] * os[ok + 1]) return false;
    ns[nj - 1] = os[oj - 1];
    for (int nk = nj - 1; nk > ni; nk--) ns[nk - 1] = ns[nk] * nd[nk];
    ni = nj++;
    oi = oj++;
  }
  int64_t last = ni > 0 ? ns[ni - 1] : (int64_t)mx_dtype_size((mx_dtype)out->dtype);
  for (; ni < nn; ni++) ns[ni] = last; /* trailing size-1 axes */
  for (int i = 0; i < nn; i++) out->strides[i] = ns[i];
  out->offset = in->offset;
  return true;
}

static bool transpose_view(mx_array *out, const mx_array *in, const mx_params *p) {
  for (int i = 0; i < out->ndim; i++) out->strides[i] = in->strides[p->transpose.perm[i]];
  out->offset = in->offset;
  return true;
}

static bool broadcast_view(mx_array *out, const mx_array *in, const mx_params *p) {
  (void)p;
  int off = out->ndim - in->ndim;
  for (int i = 0; i < out->ndim; i++) {
    int j = i - off;
    out->strides[i] = (j < 0 || in->shape[j] != out->shape[i]) ? 0 : in->strides[j];
  }
  out->offset = in->offset;
  return true;
}

static bool slice_view(mx_array *out, const mx_array *in, const mx_params *p) {
  out->offset = in->offset;
  for (int i = 0; i < out->ndim; i++) {
    out->strides[i] = in->strides[i] * p->slice.step[i];
    if (out->size > 0) out->offset += p->slice.start[i] * in->strides[i];
  }
  return true;
}

static bool diagonal_view(mx_array *out, const mx_array *in, const mx_params *p) {
  int a1 = p->diagonal.axis1, a2 = p->diagonal.axis2, off = p->diagonal.offset;
  int k = 0;
  for (int i = 0; i < in->ndim; i++)
    if (i != a1 && i != a2) out->strides[k++] = in->strides[i];
  out->strides[k] = in->strides[a1] + in->strides[a2];
  out->offset = in->offset;
  if (out->size > 0)
    out->offset += off >= 0 ? off * in->strides[a2] : (int64_t)(-off) * in->strides[a1];
  return true;
}

void mxi_register_layout(mx_prim_info *t) {
  t[MX_PRIM_RESHAPE].infer = infer_target_shape;
  t[MX_PRIM_RESHAPE].view = reshape_view;
  t[MX_PRIM_BROADCAST].infer = infer_target_shape;
  t[MX_PRIM_BROADCAST].view = broadcast_view;
  t[MX_PRIM_TRANSPOSE].infer = infer_transpose;
  t[MX_PRIM_TRANSPOSE].view = transpose_view;
  t[MX_PRIM_SLICE].infer = infer_slice;
  t[MX_PRIM_SLICE].view = slice_view;
  t[MX_PRIM_DIAGONAL].infer = infer_diagonal;
  t[MX_PRIM_DIAGONAL].view = diagonal_view;
  t[MX_PRIM_COPY].infer = infer_same;
}

/* ---- constructors ---- */

static bool same_shape(const mx_array *a, int ndim, const int64_t *shape) {
  if (a->ndim != ndim) return false;
  for (int i = 0; i < ndim; i++)
    if (a->shape[i] != shape[i]) return false;
  return true;
}

mx_array *mx_reshape(mx_array *a, mx_shape shape) {
  MXI_CHECK("reshape", a);
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
  if (shape.ndim < 0 || shape.ndim > MX_MAX_DIMS)
    return mxi_error("reshape", "ndim %d out of range [0, %d]", shape.ndim, MX_MAX_DIMS);
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < shape.ndim; i++) {
    if (shape.dims[i] == -1 && infer < 0) {
      infer = i;
    } else if (shape.dims[i] < 0) {
      return mxi_error("reshape", "invalid shape %s for an array of shape %s",
                       mxi_shape_str(s1, sizeof s1, shape.ndim, shape.dims),
                       mxi_shape_str(s2, sizeof s2, a->ndim, a->shape));
    } else if (__builtin_mul_overflow(known, shape.dims[i], &known)) {
      return mxi_error("reshape", "result shape %s is too large (input %s)",
                       mxi_shape_str(s1, sizeof s1, shape.ndim, shape.dims),
                       mxi_shape_str(s2, sizeof s2, a->ndim, a->shape));
    }
  }
  if (infer >= 0) {
    if (known == 0 || a->size % known != 0)
      return mxi_error("reshape", "cannot reshape array of shape %s into %s",
                       mxi_shape_str(s2, sizeof s2, a->ndim, a->shape),
                       mxi_shape_str(s1, sizeof s1, shape.ndim, shape.dims));
    shape.dims[infer] = a->size / known;
    known *= shape.dims[infer];
  }
  if (known != a->size)
    return mxi_error("reshape", "cannot reshape array of shape %s (size %lld) into %s",
                     mxi_shape_str(s2, sizeof s2, a->ndim, a->shape), (long long)a->size,
                     mxi_shape_str(s1, sizeof s1, shape.ndim, shape.dims));
  if (same_shape(a, shape.ndim, shape.dims)) return a;
  mx_params p = mxi_shape_params(shape.ndim, shape.dims);
  return mxi_apply(MX_PRIM_RESHAPE, 1, &a, &p);
}

mx_array *mx_flatten(mx_array *a, int start_axis, int end_axis) {
  MXI_CHECK("flatten", a);
  if (a->ndim == 0) return mx_reshape(a, MX_SHAPE(1));
  int s, e;
  if (!mxi_norm_axis(start_axis, a->ndim, &s) || !mxi_norm_axis(end_axis, a->ndim, &e) || s > e)
    return mxi_error("flatten", "axes %d..%d are invalid for an array with %d dimensions",
                     start_axis, end_axis, a->ndim);
  mx_shape r = {.ndim = 0};
  for (int i = 0; i < s; i++) r.dims[r.ndim++] = a->shape[i];
  int64_t m = 1;
  for (int i = s; i <= e; i++) m *= a->shape[i];
  r.dims[r.ndim++] = m;
  for (int i = e + 1; i < a->ndim; i++) r.dims[r.ndim++] = a->shape[i];
  return mx_reshape(a, r);
}

mx_array *mx_unflatten(mx_array *a, int axis, mx_shape shape) {
  MXI_CHECK("unflatten", a);
  int ax;
  if (!mxi_norm_axis(axis, a->ndim, &ax))
    return mxi_error("unflatten", "axis %d is out of range for an array with %d dimensions", axis,
                     a->ndim);
  if (shape.ndim < 1 || a->ndim - 1 + shape.ndim > MX_MAX_DIMS)
    return mxi_error("unflatten", "cannot split axis %d into %d axes", axis, shape.ndim);
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < shape.ndim; i++) {
    if (shape.dims[i] == -1 && infer < 0)
      infer = i;
    else if (__builtin_mul_overflow(known, shape.dims[i], &known))
      known = -1; /* no axis length matches: reshape reports the shapes */
  }
  if (infer >= 0 && known > 0 && a->shape[ax] % known == 0) shape.dims[infer] = a->shape[ax] / known;
  mx_shape r = {.ndim = 0};
  for (int i = 0; i < ax; i++) r.dims[r.ndim++] = a->shape[i];
  for (int i = 0; i < shape.ndim; i++) r.dims[r.ndim++] = shape.dims[i];
  for (int i = ax + 1; i < a->ndim; i++) r.dims[r.ndim++] = a->shape[i];
  return mx_reshape(a, r);
}

mx_array *mx_squeeze(mx_array *a, mx_axes axes) {
  MXI_CHECK("squeeze", a);
  bool drop[MX_MAX_DIMS] = {false};
  if (axes.n < 0) {
    for (int i = 0; i < a->ndim; i++) drop[i] = a->shape[i] == 1;
  } else {
    int ax[MX_MAX_DIMS], n;
    char err[200];
    if (!mxi_norm_axes(axes, a->ndim, ax, &n, err, sizeof err)) return mxi_error("squeeze", "%s", err);
    for (int i = 0; i < n; i++) {
      if (a->shape[ax[i]] != 1)
        return mxi_error("squeeze", "axis %d has size %lld, not 1", ax[i], (long long)a->shape[ax[i]]);
      drop[ax[i]] = true;
    }
  }
  mx_shape r = {.ndim = 0};
  for (int i = 0; i < a->ndim; i++)
    if (!drop[i]) r.dims[r.ndim++] = a->shape[i];
  return mx_reshape(a, r);
}

mx_array *mx_expand_dims(mx_array *a, mx_axes axes) {
  MXI_CHECK("expand_dims", a);
  if (axes.n < 0) return mxi_error("expand_dims", "MX_ALL_AXES is not meaningful here");
  int out_nd = a->ndim + axes.n;
  if (out_nd > MX_MAX_DIMS)
    return mxi_error("expand_dims", "result would have %d dimensions (at most %d)", out_nd, MX_MAX_DIMS);
  int ax[MX_MAX_DIMS], n;
  char err[200];
  if (!mxi_norm_axes(axes, out_nd, ax, &n, err, sizeof err)) return mxi_error("expand_dims", "%s", err);
  mx_shape r = {.ndim = out_nd};
  int k = 0, j = 0;
  for (int i = 0; i < out_nd; i++) r.dims[i] = (j < n && ax[j] == i) ? (j++, 1) : a->shape[k++];
  return mx_reshape(a, r);
}

mx_array *mx_transpose(mx_array *a, mx_axes perm) {
  MXI_CHECK("transpose", a);
  mx_params p;
  memset(&p, 0, sizeof p);
  if (perm.n < 0) {
    for (int i = 0; i < a->ndim; i++) p.transpose.perm[i] = a->ndim - 1 - i;
  } else {
    if (perm.n != a->ndim)
      return mxi_error("transpose", "permutation has %d axes for an array with %d dimensions",
                       perm.n, a->ndim);
    bool seen[MX_MAX_DIMS] = {false};
    for (int i = 0; i < perm.n; i++) {
      int ax;
      if (!mxi_norm_axis(perm.ax[i], a->ndim, &ax) || seen[ax])
        return mxi_error("transpose", "axes do not form a permutation of %d dimensions", a->ndim);
      seen[ax] = true;
      p.transpose.perm[i] = ax;
    }
  }
  bool identity = true;
  for (int i = 0; i < a->ndim; i++) identity &= p.transpose.perm[i] == i;
  if (identity) return a;
  return mxi_apply(MX_PRIM_TRANSPOSE, 1, &a, &p);
}

mx_array *mx_swapaxes(mx_array *a, int axis1, int axis2) {
  MXI_CHECK("swapaxes", a);
  int i, j;
  if (!mxi_norm_axis(axis1, a->ndim, &i) || !mxi_norm_axis(axis2, a->ndim, &j))
    return mxi_error("swapaxes", "axes %d, %d out of range for an array with %d dimensions",
                     axis1, axis2, a->ndim);
  mx_axes perm = {.n = a->ndim};
  for (int k = 0; k < a->ndim; k++) perm.ax[k] = k;
  perm.ax[i] = j;
  perm.ax[j] = i;
  return mx_transpose(a, perm);
}

mx_array *mx_moveaxis(mx_array *a, int source, int destination) {
  MXI_CHECK("moveaxis", a);
  int s, d;
  if (!mxi_norm_axis(source, a->ndim, &s) || !mxi_norm_axis(destination, a->ndim, &d))
    return mxi_error("moveaxis", "axes %d, %d out of range for an array with %d dimensions",
                     source, destination, a->ndim);
  mx_axes perm = {.n = 0};
  for (int k = 0; k < a->ndim; k++)
    if (k != s) perm.ax[perm.n++] = k;
  for (int k = perm.n; k > d; k--) perm.ax[k] = perm.ax[k - 1];
  perm.ax[d] = s;
  perm.n = a->ndim;
  return mx_transpose(a, perm);
}

mx_array *mx_broadcast_to(mx_array *a, mx_shape shape) {
  MXI_CHECK("broadcast_to", a);
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
  bool ok = shape.ndim >= a->ndim && shape.ndim <= MX_MAX_DIMS;
  for (int i = 0; ok && i < shape.ndim; i++) {
    int j = i - (shape.ndim - a->ndim);
    ok = shape.dims[i] >= 0 && (j < 0 || a->shape[j] == shape.dims[i] || a->shape[j] == 1);
  }
  if (!ok)
    return mxi_error("broadcast_to", "cannot broadcast shape %s to %s",
                     mxi_shape_str(s1, sizeof s1, a->ndim, a->shape),
                     mxi_shape_str(s2, sizeof s2, shape.ndim > MX_MAX_DIMS ? 0 : shape.ndim, shape.dims));
  if (same_shape(a, shape.ndim, shape.dims)) return a;
  mx_params p = mxi_shape_params(shape.ndim, shape.dims);
  return mxi_apply(MX_PRIM_BROADCAST, 1, &a, &p);
}

void mx_broadcast_arrays(int n, mx_array *const *arrays, mx_array **out) {
  mx_array *bad = mxi_check_inputs("broadcast_arrays", n, arrays);
  int nd = 0;
  int64_t shape[MX_MAX_DIMS];
  for (int k = 0; !bad && k < n; k++) {
    int64_t tmp[MX_MAX_DIMS];
    int m;
    if (!mxi_broadcast_shapes(nd, shape, arrays[k]->ndim, arrays[k]->shape, &m, tmp)) {
      char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
      bad = mxi_error("broadcast_arrays", "shapes %s and %s cannot be broadcast together",
                      mxi_shape_str(s1, sizeof s1, nd, shape),
                      mxi_shape_str(s2, sizeof s2, arrays[k]->ndim, arrays[k]->shape));
      break;
    }
    nd = m;
    memcpy(shape, tmp, sizeof(int64_t) * (size_t)m);
  }
  mx_shape s = {.ndim = nd};
  memcpy(s.dims, shape, sizeof(int64_t) * (size_t)nd);
  for (int k = 0; k < n; k++) out[k] = bad ? bad : mx_broadcast_to(arrays[k], s);
}

mx_array *mx_contiguous(mx_array *a) {
  MXI_CHECK("contiguous", a);
  return mxi_apply(MX_PRIM_COPY, 1, &a, NULL);
}

/* ---- slicing (a view) ---- */

mx_array *mx_slice(mx_array *a, int n, const int64_t *start, const int64_t *stop,
                   const int64_t *step) {
  MXI_CHECK("slice", a);
  mx_params p;
  bool identity;
  char err[200];
  if (!mxi_slice_params(a, n, start, stop, step, &p, &identity, err, sizeof err))
    return mxi_error("slice", "%s", err);
  if (identity) return a;
  return mxi_apply(MX_PRIM_SLICE, 1, &a, &p);
}

mx_array *mx_slice_axis(mx_array *a, int axis, int64_t start, int64_t stop, int64_t step) {
  MXI_CHECK("slice_axis", a);
  int ax;
  if (!mxi_norm_axis(axis, a->ndim, &ax))
    return mxi_error("slice_axis", "axis %d is out of range for an array with %d dimensions",
                     axis, a->ndim);
  int64_t s[MX_MAX_DIMS], e[MX_MAX_DIMS], k[MX_MAX_DIMS];
  for (int i = 0; i <= ax; i++) {
    s[i] = e[i] = MX_END;
    k[i] = 1;
  }
  s[ax] = start;
  e[ax] = stop;
  k[ax] = step;
  return mx_slice(a, ax + 1, s, e, k);
}

mx_array *mx_flip(mx_array *a, mx_axes axes) {
  MXI_CHECK("flip", a);
  int ax[MX_MAX_DIMS], n;
  char err[200];
  if (!mxi_norm_axes(axes, a->ndim, ax, &n, err, sizeof err)) return mxi_error("flip", "%s", err);
  int64_t s[MX_MAX_DIMS], e[MX_MAX_DIMS], k[MX_MAX_DIMS];
  for (int i = 0; i < a->ndim; i++) {
    s[i] = e[i] = MX_END;
    k[i] = 1;
  }
  for (int i = 0; i < n; i++) k[ax[i]] = -1;
  return mx_slice(a, a->ndim, s, e, k);
}

mx_array *mx_diagonal(mx_array *a, int offset, int axis1, int axis2) {
  MXI_CHECK("diagonal", a);
  int a1, a2;
  if (a->ndim < 2 || !mxi_norm_axis(axis1, a->ndim, &a1) || !mxi_norm_axis(axis2, a->ndim, &a2) ||
      a1 == a2)
    return mxi_error("diagonal", "axes %d and %d are invalid for an array with %d dimensions",
                     axis1, axis2, a->ndim);
  mx_params p;
  memset(&p, 0, sizeof p);
  p.diagonal.offset = offset;
  p.diagonal.axis1 = a1;
  p.diagonal.axis2 = a2;
  return mxi_apply(MX_PRIM_DIAGONAL, 1, &a, &p);
}

static mx_array *atleast(mx_array *a, int nd, const char *name) {
  MXI_CHECK(name, a);
  if (a->ndim >= nd) return a;
  mx_shape s = {.ndim = nd};
  if (a->ndim == 0) {
    for (int i = 0; i < nd; i++) s.dims[i] = 1;
  } else if (a->ndim == 1) { /* [n] -> [1, n] or [1, n, 1] (NumPy) */
    s.dims[0] = 1;
    s.dims[1] = a->shape[0];
    if (nd == 3) s.dims[2] = 1;
  } else { /* [m, n] -> [m, n, 1] */
    s.dims[0] = a->shape[0];
    s.dims[1] = a->shape[1];
    s.dims[2] = 1;
  }
  return mx_reshape(a, s);
}
mx_array *mx_atleast_1d(mx_array *a) { return atleast(a, 1, "atleast_1d"); }
mx_array *mx_atleast_2d(mx_array *a) { return atleast(a, 2, "atleast_2d"); }
mx_array *mx_atleast_3d(mx_array *a) { return atleast(a, 3, "atleast_3d");
}
