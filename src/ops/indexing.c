/* indexing.c — shape rules of the indexing primitives (SLICE_UPDATE, GATHER, SCATTER,
 * TAKE_ALONG_AXIS, SCATTER_ALONG_AXIS) and the constructors slice_update, gather, scatter.
 * take and the along-axis ops are in take.c. Index values are checked when kernels run. */
#include <stdio.h>
#include <string.h>

#include "indexing_util.h"
#include "families.h"

static bool same_dims(int n, const int64_t *a, const int64_t *b) {
  return memcmp(a, b, sizeof(int64_t) * (size_t)n) == 0;
}

/* ---- shape rules (constructors have checked user arguments; these guard internal use) ---- */

static bool infer_slice_update(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                               int *ndim, int64_t *shape, mx_dtype *dtype, char *err,
                               size_t errlen) {
  (void)prim;
  (void)n;
  const mx_array *a = in[0], *u = in[1];
  if (u->dtype != a->dtype || u->ndim != a->ndim || !same_dims(a->ndim, u->shape, p->slice.len)) {
    snprintf(err, errlen, "update does not match the slice (internal: constructors broadcast)");
    return false;
  }
  *ndim = a->ndim;
  memcpy(shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
  *dtype = (mx_dtype)a->dtype;
  return true;
}

/* Index arrays in[first..n) are integer-typed and of one shape. */
static bool check_index_inputs(mx_array *const *in, int first, int n, char *err, size_t errlen) {
  for (int k = first; k < n; k++) {
    if (!mx_dtype_is_integer((mx_dtype)in[k]->dtype) || in[k]->ndim != in[first]->ndim ||
        !same_dims(in[k]->ndim, in[k]->shape, in[first]->shape)) {
      snprintf(err, errlen, "index arrays must be integers of one shape (internal)");
      return false;
    }
  }
  return true;
}

static bool infer_gather(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                         int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  const mx_array *a = in[0];
  if (n - 1 != p->gather.naxes || !check_index_inputs(in, 1, n, err, errlen)) {
    if (n - 1 != p->gather.naxes) snprintf(err, errlen, "index count mismatch (internal)");
    return false;
  }
  int ni = n > 1 ? in[1]->ndim : 0;
  if (ni + a->ndim > MX_MAX_DIMS) {
    snprintf(err, errlen, "result would have %d dimensions (at most %d)", ni + a->ndim,
             MX_MAX_DIMS);
    return false;
  }
  for (int i = 0; i < ni; i++) shape[i] = in[1]->shape[i];
  for (int i = 0; i < a->ndim; i++) shape[ni + i] = p->gather.slice_sizes[i];
  *ndim = ni + a->ndim;
  *dtype = (mx_dtype)a->dtype;
  return true;
}

static bool infer_scatter(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                          int *ndim, int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  const mx_array *a = in[0], *u = in[1];
  if (n - 2 != p->gather.naxes || !check_index_inputs(in, 2, n, err, errlen)) {
    if (n - 2 != p->gather.naxes) snprintf(err, errlen, "index count mismatch (internal)");
    return false;
  }
  int ni = n > 2 ? in[2]->ndim : 0;
  bool ok = u->dtype == a->dtype && u->ndim == ni + a->ndim;
  for (int i = 0; ok && i < ni; i++) ok = u->shape[i] == in[2]->shape[i];
  for (int i = 0; ok && i < a->ndim; i++) ok = u->shape[ni + i] <= a->shape[i];
  if (!ok) {
    snprintf(err, errlen, "updates do not match (internal: constructors check)");
    return false;
  }
  *ndim = a->ndim;
  memcpy(shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
  *dtype = (mx_dtype)a->dtype;
  return true;
}

static bool infer_take_along(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                             int *ndim, int64_t *shape, mx_dtype *dtype, char *err,
                             size_t errlen) {
  (void)prim;
  (void)n;
  const mx_array *a = in[0], *idx = in[1];
  int ax = p->along.axis;
  bool ok = mx_dtype_is_integer((mx_dtype)idx->dtype) && idx->ndim == a->ndim && ax >= 0 &&
            ax < a->ndim;
  for (int i = 0; ok && i < a->ndim; i++) ok = i == ax || a->shape[i] == idx->shape[i];
  if (!ok) {
    snprintf(err, errlen, "indices do not match (internal: constructors broadcast)");
    return false;
  }
  *ndim = idx->ndim;
  memcpy(shape, idx->shape, sizeof(int64_t) * (size_t)idx->ndim);
  *dtype = (mx_dtype)a->dtype;
  return true;
}

static bool infer_scatter_along(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                                int *ndim, int64_t *shape, mx_dtype *dtype, char *err,
                                size_t errlen) {
  (void)prim;
  (void)n;
  const mx_array *a = in[0], *idx = in[1], *v = in[2];
  int ax = p->along.axis;
  bool ok = mx_dtype_is_integer((mx_dtype)idx->dtype) && idx->ndim == a->ndim && ax >= 0 &&
            ax < a->ndim && v->dtype == a->dtype && v->ndim == idx->ndim &&
            same_dims(v->ndim, v->shape, idx->shape);
  for (int i = 0; ok && i < a->ndim; i++) ok = i == ax || a->shape[i] == idx->shape[i];
  if (!ok) {
    snprintf(err, errlen, "indices or values do not match (internal: constructors broadcast)");
    return false;
  }
  *ndim = a->ndim;
  memcpy(shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
  *dtype = (mx_dtype)a->dtype;
  return true;
}

void mxi_register_indexing(mx_prim_info *t) {
  t[MX_PRIM_SLICE_UPDATE].infer = infer_slice_update;
  t[MX_PRIM_GATHER].infer = infer_gather;
  t[MX_PRIM_SCATTER].infer = infer_scatter;
  t[MX_PRIM_TAKE_ALONG_AXIS].infer = infer_take_along;
  t[MX_PRIM_SCATTER_ALONG_AXIS].infer = infer_scatter_along;
}

/* ---- helpers shared with take.c ---- */

mx_array *mxi_check_index_dtype(const char *op, const mx_array *idx) {
  mx_dtype dt = (mx_dtype)idx->dtype;
  if (mx_dtype_is_integer(dt)) return NULL;
  return mxi_error(op, "indices must have an integer dtype, not %s", mx_dtype_name(dt));
}

mx_array *mxi_check_scatter_mode(const char *op, mx_scatter_mode mode, mx_dtype dt) {
  if ((int)mode < MX_SCATTER_ASSIGN || (int)mode > MX_SCATTER_PROD)
    return mxi_error(op, "unknown scatter mode %d", (int)mode);
  if (dt == MX_COMPLEX64 && (mode == MX_SCATTER_MAX || mode == MX_SCATTER_MIN))
    return mxi_error(op, "max/min scatter of complex64 is not supported (complex numbers are "
                     "not ordered)");
  return NULL;
}

/* ---- slice_update ---- */

mx_array *mx_slice_update(mx_array *a, mx_array *update, int n, const int64_t *start,
                          const int64_t *stop, const int64_t *step) {
  MXI_CHECK("slice_update", a, update);
  mx_params p;
  bool identity;
  char err[200];
  if (!mxi_slice_params(a, n, start, stop, step, &p, &identity, err, sizeof err))
    return mxi_error("slice_update", "%s", err);
  int nd;
  int64_t b[MX_MAX_DIMS];
  if (!mxi_broadcast_shapes(update->ndim, update->shape, a->ndim, p.slice.len, &nd, b) ||
      nd != a->ndim || !same_dims(nd, b, p.slice.len)) {
    char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN], s3[MXI_SHAPE_STR_LEN];
    return mxi_error("slice_update",
                     "update of shape %s cannot be broadcast to the slice of shape %s of an "
                     "array of shape %s",
                     mxi_shape_str(s1, sizeof s1, update->ndim, update->shape),
                     mxi_shape_str(s2, sizeof s2, a->ndim, p.slice.len),
                     mxi_shape_str(s3, sizeof s3, a->ndim, a->shape));
  }
  if (mxi_shape_size(nd, p.slice.len) == 0) return a; /* nothing is written */
  mx_shape s = {.ndim = nd};
  memcpy(s.dims, p.slice.len, sizeof(int64_t) * (size_t)nd);
  mx_array *u = mx_broadcast_to(mxi_cast(update, (mx_dtype)a->dtype), s);
  if (identity) return u; /* the whole array is replaced */
  mx_array *in[2] = {a, u};
  return mxi_apply(MX_PRIM_SLICE_UPDATE, 2, in, &p);
}

/* ---- gather / scatter ---- */

/* Checks n index arrays for axes of a, normalizes axes into p and broadcasts the indices to
 * their common shape into out. Returns an error array or NULL. */
static mx_array *prepare_indices(const char *op, mx_array *a, int n, mx_array *const *indices,
                                 const int *axes, mx_params *p, mx_array **out) {
  if (n < 0 || n > a->ndim)
    return mxi_error(op, "%d index arrays given for an array with %d dimensions", n, a->ndim);
  if (n > 0 && (!indices || !axes)) return mxi_error(op, "indices or axes is NULL");
  mx_array *bad = mxi_check_inputs(op, n, indices);
  if (bad) return bad;
  bool seen[MX_MAX_DIMS] = {false};
  p->gather.naxes = n;
  for (int k = 0; k < n; k++) {
    int ax;
    if (!mxi_norm_axis(axes[k], a->ndim, &ax))
      return mxi_error(op, "axis %d is out of range for an array with %d dimensions", axes[k],
                       a->ndim);
    if (seen[ax]) return mxi_error(op, "axis %d is indexed twice", axes[k]);
    seen[ax] = true;
    p->gather.axes[k] = ax;
    if ((bad = mxi_check_index_dtype(op, indices[k]))) return bad;
  }
  int nd = 0;
  int64_t shape[MX_MAX_DIMS];
  for (int k = 0; k < n; k++) {
    int64_t tmp[MX_MAX_DIMS];
    int m;
    if (!mxi_broadcast_shapes(nd, shape, indices[k]->ndim, indices[k]->shape, &m, tmp)) {
      char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
      return mxi_error(op, "index arrays of shapes %s and %s cannot be broadcast together",
                       mxi_shape_str(s1, sizeof s1, nd, shape),
                       mxi_shape_str(s2, sizeof s2, indices[k]->ndim, indices[k]->shape));
    }
    nd = m;
    memcpy(shape, tmp, sizeof(int64_t) * (size_t)m);
  }
  mx_shape s = {.ndim = nd};
  memcpy(s.dims, shape, sizeof(int64_t) * (size_t)nd);
  for (int k = 0; k < n; k++) out[k] = mx_broadcast_to(indices[k], s);
  return NULL;
}

mx_array *mxi_gather(const char *op, mx_array *a, int n, mx_array *const *indices,
                     const int *axes, const int64_t *slice_sizes) {
  MXI_CHECK(op, a);
  mx_params p;
  memset(&p, 0, sizeof p);
  p.gather.op = op;
  mx_array *in[1 + MX_MAX_DIMS];
  in[0] = a;
  mx_array *bad = prepare_indices(op, a, n, indices, axes, &p, in + 1);
  if (bad) return bad;
  if (!slice_sizes) return mxi_error(op, "slice_sizes is NULL");
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
  for (int i = 0; i < a->ndim; i++) {
    if (slice_sizes[i] < 0 || slice_sizes[i] > a->shape[i])
      return mxi_error(op, "slice sizes %s do not fit an array of shape %s",
                       mxi_shape_str(s1, sizeof s1, a->ndim, slice_sizes),
                       mxi_shape_str(s2, sizeof s2, a->ndim, a->shape));
    p.gather.slice_sizes[i] = slice_sizes[i];
  }
  int ni = n > 0 ? in[1]->ndim : 0;
  if (ni + a->ndim > MX_MAX_DIMS)
    return mxi_error(op, "result would have %d dimensions (at most %d)", ni + a->ndim,
                     MX_MAX_DIMS);
  return mxi_apply(MX_PRIM_GATHER, 1 + n, in, &p);
}

mx_array *mx_gather(mx_array *a, int n, mx_array *const *indices, const int *axes,
                    const int64_t *slice_sizes) {
  return mxi_gather("gather", a, n, indices, axes, slice_sizes);
}

mx_array *mx_scatter(mx_array *a, int n, mx_array *const *indices, const int *axes,
                     mx_array *updates, mx_scatter_mode mode) {
  MXI_CHECK("scatter", a, updates);
  const char *op = "scatter";
  mx_params p;
  memset(&p, 0, sizeof p);
  p.gather.op = op;
  p.gather.mode = mode;
  mx_array *bad = mxi_check_scatter_mode(op, mode, (mx_dtype)a->dtype);
  if (bad) return bad;
  mx_array *in[2 + MX_MAX_DIMS];
  in[0] = a;
  if ((bad = prepare_indices(op, a, n, indices, axes, &p, in + 2))) return bad;
  int ni = n > 0 ? in[2]->ndim : 0;
  const int64_t *ishape = n > 0 ? in[2]->shape : NULL;
  bool ok = updates->ndim == ni + a->ndim;
  for (int i = 0; ok && i < ni; i++) ok = updates->shape[i] == ishape[i];
  for (int i = 0; ok && i < a->ndim; i++) ok = updates->shape[ni + i] <= a->shape[i];
  if (!ok) {
    char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN], s3[MXI_SHAPE_STR_LEN];
    return mxi_error(op,
                     "updates of shape %s do not match indices of shape %s followed by a block "
                     "of at most the shape %s of the array",
                     mxi_shape_str(s1, sizeof s1, updates->ndim, updates->shape),
                     mxi_shape_str(s2, sizeof s2, ni, ishape),
                     mxi_shape_str(s3, sizeof s3, a->ndim, a->shape));
  }
  in[1] = mxi_cast(updates, (mx_dtype)a->dtype);
  return mxi_apply(MX_PRIM_SCATTER, 2 + n, in, &p);
}
