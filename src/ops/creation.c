/* creation.c — zeros, ones, full, arange, linspace, eye, tri and the compositions on them. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "families.h"
#include "util.h"

static bool check_shape(int ndim, const int64_t *dims, char *err, size_t errlen) {
  if (ndim < 0 || ndim > MX_MAX_DIMS) {
    snprintf(err, errlen, "ndim %d out of range [0, %d]", ndim, MX_MAX_DIMS);
    return false;
  }
  uint64_t size = 1; /* the product of the nonzero dims: strides use it even when one is 0 */
  for (int i = 0; i < ndim; i++) {
    char s[MXI_SHAPE_STR_LEN];
    if (dims[i] < 0) {
      snprintf(err, errlen, "negative dimension in shape %s", mxi_shape_str(s, sizeof s, ndim, dims));
      return false;
    }
    if (dims[i] && size > (UINT64_MAX >> 8) / (uint64_t)dims[i]) {
      snprintf(err, errlen, "shape %s is too large", mxi_shape_str(s, sizeof s, ndim, dims));
      return false;
    }
    if (dims[i]) size *= (uint64_t)dims[i];
  }
  return true;
}

static bool infer_full(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                       int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  (void)n;
  if (!check_shape(p->shape.ndim, p->shape.dims, err, errlen)) return false;
  int nd;
  int64_t b[MX_MAX_DIMS];
  if (!mxi_broadcast_shapes(in[0]->ndim, in[0]->shape, p->shape.ndim, p->shape.dims, &nd, b) ||
      nd != p->shape.ndim || memcmp(b, p->shape.dims, sizeof(int64_t) * (size_t)nd) != 0) {
    char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
    snprintf(err, errlen, "value of shape %s cannot be broadcast to %s",
             mxi_shape_str(s1, sizeof s1, in[0]->ndim, in[0]->shape),
             mxi_shape_str(s2, sizeof s2, p->shape.ndim, p->shape.dims));
    return false;
  }
  *ndim = p->shape.ndim;
  memcpy(shape, p->shape.dims, sizeof(int64_t) * (size_t)*ndim);
  *dtype = (mx_dtype)in[0]->dtype;
  return true;
}

static bool infer_arange(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                         int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  (void)in;
  (void)n;
  (void)err;
  (void)errlen;
  *ndim = 1;
  shape[0] = p->arange.n;
  *dtype = p->arange.dtype;
  return true;
}

static bool infer_eye(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                      int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  (void)in;
  (void)n;
  (void)err;
  (void)errlen;
  *ndim = 2;
  shape[0] = p->eye.n;
  shape[1] = p->eye.m;
  *dtype = p->eye.dtype;
  return true;
}

void mxi_register_creation(mx_prim_info *t) {
  t[MX_PRIM_FULL].infer = infer_full;
  t[MX_PRIM_ARANGE].infer = infer_arange;
  t[MX_PRIM_EYE].infer = infer_eye;
  t[MX_PRIM_TRI].infer = infer_eye;
}

/* FULL of shape, its errors named after op (zeros and ones are public ops of their own) */
static mx_array *full_node(const char *op, mx_shape shape, mx_array *value) {
  MXI_CHECK(op, value);
  char err[MXI_SHAPE_STR_LEN + 64];
  if (!mxi_shape_fits(shape.ndim, shape.dims, err, sizeof err)) /* before dims is copied */
    return mxi_error(op, "%s", err);
  mx_params p = mxi_shape_params(shape.ndim, shape.dims);
  return mxi_apply(MX_PRIM_FULL, 1, &value, &p);
}

static mx_array *full_of(const char *op, mx_shape shape, double value, mx_dtype dtype) {
  if (!mx_dtype_is_valid(dtype)) return mxi_error(op, "invalid dtype %d", (int)dtype);
  return full_node(op, shape, mx_scalar_typed(value, dtype));
}

mx_array *mx_full_array(mx_shape shape, mx_array *value) { return full_node("full", shape, value); }
mx_array *mx_full(mx_shape shape, double value, mx_dtype dtype) { return full_of("full", shape, value, dtype); }
mx_array *mx_zeros(mx_shape shape, mx_dtype dtype) { return full_of("zeros", shape, 0, dtype); }
mx_array *mx_ones(mx_shape shape, mx_dtype dtype) { return full_of("ones", shape, 1, dtype); }

mx_array *mx_zeros_like(mx_array *a) {
  MXI_CHECK("zeros_like", a);
  return mx_zeros(mxi_shape_of(a), (mx_dtype)a->dtype);
}
mx_array *mx_ones_like(mx_array *a) {
  MXI_CHECK("ones_like", a);
  return mx_ones(mxi_shape_of(a), (mx_dtype)a->dtype);
}
mx_array *mx_full_like(mx_array *a, double value) {
  MXI_CHECK("full_like", a);
  return mx_full(mxi_shape_of(a), value, (mx_dtype)a->dtype);
}

static mx_array *arange_node(double start, double step, int64_t n, mx_dtype dtype, bool endpoint,
                             double stop) {
  mx_params p;
  memset(&p, 0, sizeof p);
  p.arange.start = start;
  p.arange.step = step;
  p.arange.n = n;
  p.arange.dtype = dtype;
  p.arange.endpoint = endpoint;
  p.arange.stop = stop;
  return mxi_apply(MX_PRIM_ARANGE, 0, NULL, &p);
}

mx_array *mx_arange(double start, double stop, double step, mx_dtype dtype) {
  if (!mx_dtype_is_valid(dtype)) return mxi_error("arange", "invalid dtype %d", (int)dtype);
  if (step == 0 || !isfinite(start) || !isfinite(stop) || !isfinite(step))
    return mxi_error("arange", "start %g, stop %g and step %g must be finite and step nonzero",
                     start, stop, step);
  double len = ceil((stop - start) / step);
  if (len > 1e15) return mxi_error("arange", "%g elements is too many", len);
  int64_t n = len > 0 ? (int64_t)len : 0;
  return arange_node(start, step, n, dtype, false, 0);
}

mx_array *mx_linspace(double start, double stop, int64_t num, mx_dtype dtype) {
  if (!mx_dtype_is_valid(dtype)) return mxi_error("linspace", "invalid dtype %d", (int)dtype);
  if (num < 0) return mxi_error("linspace", "num %lld is negative", (long long)num);
  double step = num > 1 ? (stop - start) / (double)(num - 1) : 0;
  return arange_node(start, step, num, dtype, num > 1, stop);
}

static mx_array *eye_like(const char *name, mx_prim prim, int64_t n, int64_t m, int k,
                          mx_dtype dtype) {
  if (!mx_dtype_is_valid(dtype)) return mxi_error(name, "invalid dtype %d", (int)dtype);
  if (n < 0 || m < 0)
    return mxi_error(name, "n %lld and m %lld must be non-negative", (long long)n, (long long)m);
  mx_params p;
  memset(&p, 0, sizeof p);
  p.eye.n = n;
  p.eye.m = m;
  p.eye.k = k;
  p.eye.dtype = dtype;
  return mxi_apply(prim, 0, NULL, &p);
}

mx_array *mx_eye(int64_t n, int64_t m, int k, mx_dtype dtype) {
  return eye_like("eye", MX_PRIM_EYE, n, m, k, dtype);
}
mx_array *mx_identity(int64_t n, mx_dtype dtype) { return mx_eye(n, n, 0, dtype); }
mx_array *mx_tri(int64_t n, int64_t m, int k, mx_dtype dtype) {
  return eye_like("tri", MX_PRIM_TRI, n, m, k, dtype);
}

static mx_array *tri_mask(const char *name, mx_array *a, int k, bool lower) {
  MXI_CHECK(name, a);
  if (a->ndim < 2)
    return mxi_error(name, "input must have at least 2 dimensions, got %d", a->ndim);
  int64_t n = a->shape[a->ndim - 2], m = a->shape[a->ndim - 1];
  /* triu keeps what tri(k - 1) leaves out; k - 1 overflows at INT_MIN, and tri(INT_MIN) differs
   * from it only in matrices of more than 2^31 rows */
  mx_array *mask = mx_tri(n, m, lower ? k : k == INT_MIN ? k : k - 1, MX_BOOL);
  mx_array *zero = mx_scalar_typed(0, (mx_dtype)a->dtype);
  return lower ? mx_where(mask, a, zero) : mx_where(mask, zero, a);
}
mx_array *mx_tril(mx_array *a, int k) { return tri_mask("tril", a, k, true); }
mx_array *mx_triu(mx_array *a, int k) { return tri_mask("triu", a, k, false); }

void mx_meshgrid(int n, mx_array *const *xs, const char *indexing, mx_array **out) {
  if (!out) {
    mxi_record_error("mx_meshgrid: out is NULL");
    return;
  }
  if (n <= 0 || n > MX_MAX_DIMS) {
    mx_array *e = mxi_error("meshgrid", "%d inputs; between 1 and %d allowed", n, MX_MAX_DIMS);
    for (int i = 0; i < n; i++) out[i] = e;
    return;
  }
  bool xy;
  if (!indexing || strcmp(indexing, "xy") == 0) {
    xy = true;
  } else if (strcmp(indexing, "ij") == 0) {
    xy = false;
  } else {
    mx_array *e = mxi_error("meshgrid", "indexing must be \"xy\" or \"ij\", got \"%s\"", indexing);
    for (int i = 0; i < n; i++) out[i] = e;
    return;
  }
  mx_array *bad = mxi_check_inputs("meshgrid", n, xs);
  if (bad) {
    for (int i = 0; i < n; i++) out[i] = bad;
    return;
  }
  mx_shape full = {.ndim = n};
  for (int i = 0; i < n; i++) full.dims[i] = xs[i]->size;
  if (xy && n >= 2) {
    full.dims[0] = xs[1]->size;
    full.dims[1] = xs[0]->size;
  }
  for (int i = 0; i < n; i++) {
    int pos = (xy && n >= 2 && i < 2) ? 1 - i : i;
    mx_shape s = {.ndim = n};
    for (int d = 0; d < n; d++) s.dims[d] = 1;
    s.dims[pos] = xs[i]->size;
    out[i] = mx_broadcast_to(mx_reshape(xs[i], s), full);
  }
}
