/* join.c — joining and splitting: the CONCATENATE and PAD primitives, and stack, split,
 * split_at, unstack, tile, repeat and roll composed from them and from views. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "families.h"
#include "util.h"

/* ---- shape rules ---- */

static bool infer_concat(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                         int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  const mx_array *a0 = in[0];
  int ax = p->concat.axis;
  if (n < 1 || a0->ndim == 0 || ax < 0 || ax >= a0->ndim) {
    snprintf(err, errlen, "invalid inputs (internal)");
    return false;
  }
  *ndim = a0->ndim;
  memcpy(shape, a0->shape, sizeof(int64_t) * (size_t)a0->ndim);
  shape[ax] = 0;
  for (int k = 0; k < n; k++) {
    const mx_array *a = in[k];
    bool ok = a->ndim == a0->ndim && a->dtype == a0->dtype;
    for (int i = 0; ok && i < a->ndim; i++) ok = i == ax || a->shape[i] == a0->shape[i];
    if (!ok) {
      char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
      snprintf(err, errlen, "array %d of shape %s %s does not match array 0 of shape %s %s", k,
               mxi_shape_str(s1, sizeof s1, a->ndim, a->shape), mx_dtype_name((mx_dtype)a->dtype),
               mxi_shape_str(s2, sizeof s2, a0->ndim, a0->shape),
               mx_dtype_name((mx_dtype)a0->dtype));
      return false;
    }
    if (__builtin_add_overflow(shape[ax], a->shape[ax], &shape[ax])) {
      snprintf(err, errlen, "the concatenated axis %d overflows int64 at array %d", ax, k);
      return false;
    }
  }
  *dtype = (mx_dtype)a0->dtype;
  return true;
}

static bool infer_pad(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                      int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  (void)n;
  (void)err;
  (void)errlen;
  const mx_array *a = in[0];
  *ndim = a->ndim;
  for (int i = 0; i < a->ndim; i++) shape[i] = a->shape[i] + p->pad.lo[i] + p->pad.hi[i];
  *dtype = (mx_dtype)a->dtype;
  return true;
}

void mxi_register_join(mx_prim_info *t) {
  t[MX_PRIM_CONCATENATE].infer = infer_concat;
  t[MX_PRIM_PAD].infer = infer_pad;
}

/* ---- concatenate, stack ---- */

/* The common dtype of n arrays: strong dtypes promote among themselves; weak scalars then defer
 * to the result as in a binary op (mxi_result_type on a probe of that dtype). */
static mx_dtype join_dtype(int n, mx_array *const *a) {
  int strong = -1;
  mx_dtype dt = MX_BOOL;
  for (int k = 0; k < n; k++) {
    if (mxi_is_weak(a[k])) continue;
    dt = strong < 0 ? (mx_dtype)a[k]->dtype : mx_promote_types(dt, (mx_dtype)a[k]->dtype);
    strong = k;
  }
  if (strong < 0) { /* all weak: promote them as plain dtypes */
    dt = (mx_dtype)a[0]->dtype;
    for (int k = 1; k < n; k++) dt = mx_promote_types(dt, (mx_dtype)a[k]->dtype);
    return dt;
  }
  mx_array probe;
  memset(&probe, 0, sizeof probe);
  for (int k = 0; k < n; k++) {
    if (!mxi_is_weak(a[k])) continue;
    probe.dtype = (uint8_t)dt;
    dt = mxi_result_type(a[k], &probe);
  }
  return dt;
}

/* A malloc'd scratch list of n array pointers; the caller frees it. */
static mx_array **array_list(int n) { return malloc(sizeof(mx_array *) * (size_t)(n > 0 ? n : 1)); }

mx_array *mx_concatenate(int n, mx_array *const *arrays, int axis) {
  if (n < 1) return mxi_error("concatenate", "needs at least one array (got %d)", n);
  if (!arrays) return mxi_error("concatenate", "the input list is NULL");
  mx_array *bad = mxi_check_inputs("concatenate", n, arrays);
  if (bad) return bad;
  mx_dtype dt = join_dtype(n, arrays);
  mx_array **in = array_list(n);
  if (!in) return mxi_error("concatenate", "out of memory");
  for (int k = 0; k < n; k++) {
    in[k] = mxi_cast(arrays[k], dt);
    if (axis == MX_AXIS_NONE) in[k] = mx_reshape(in[k], MX_SHAPE(-1));
  }
  if (axis == MX_AXIS_NONE) axis = 0;
  mx_array *r = mxi_check_inputs("concatenate", n, in);
  const mx_array *a0 = in[0];
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
  int ax = 0;
  if (r) {
    /* a cast or flatten failed: r carries its message */
  } else if (a0->ndim == 0) {
    r = mxi_error("concatenate", "zero-dimensional arrays cannot be concatenated (array 0 has "
                  "shape ()); use MX_AXIS_NONE or mx_stack");
  } else if (!mxi_norm_axis(axis, a0->ndim, &ax)) {
    r = mxi_error("concatenate", "axis %d is out of range for arrays with %d dimensions", axis,
                  a0->ndim);
  }
  for (int k = 1; !r && k < n; k++) {
    const mx_array *a = in[k];
    bool ok = a->ndim == a0->ndim;
    for (int i = 0; ok && i < a->ndim; i++) ok = i == ax || a->shape[i] == a0->shape[i];
    if (!ok)
      r = mxi_error("concatenate",
                    "shapes must match except on axis %d: array 0 has shape %s, array %d has "
                    "shape %s", ax, mxi_shape_str(s1, sizeof s1, a0->ndim, a0->shape), k,
                    mxi_shape_str(s2, sizeof s2, a->ndim, a->shape));
  }
  if (!r) {
    if (n == 1) {
      r = in[0]; /* arrays are immutable: the input itself is its concatenation */
    } else {
      mx_params p;
      memset(&p, 0, sizeof p);
      p.concat.axis = ax;
      r = mxi_apply(MX_PRIM_CONCATENATE, n, in, &p);
    }
  }
  free(in);
  return r;
}

mx_array *mx_stack(int n, mx_array *const *arrays, int axis) {
  if (n < 1) return mxi_error("stack", "needs at least one array (got %d)", n);
  if (!arrays) return mxi_error("stack", "the input list is NULL");
  mx_array *bad = mxi_check_inputs("stack", n, arrays);
  if (bad) return bad;
  const mx_array *a0 = arrays[0];
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
  for (int k = 1; k < n; k++) {
    const mx_array *a = arrays[k];
    bool ok = a->ndim == a0->ndim;
    for (int i = 0; ok && i < a->ndim; i++) ok = a->shape[i] == a0->shape[i];
    if (!ok)
      return mxi_error("stack", "all arrays must have the same shape: array 0 has shape %s, "
                       "array %d has shape %s", mxi_shape_str(s1, sizeof s1, a0->ndim, a0->shape),
                       k, mxi_shape_str(s2, sizeof s2, a->ndim, a->shape));
  }
  if (a0->ndim + 1 > MX_MAX_DIMS)
    return mxi_error("stack", "result would have %d dimensions (at most %d)", a0->ndim + 1,
                     MX_MAX_DIMS);
  int ax;
  if (!mxi_norm_axis(axis, a0->ndim + 1, &ax))
    return mxi_error("stack", "axis %d is out of range for a result with %d dimensions", axis,
                     a0->ndim + 1);
  mx_array **in = array_list(n);
  if (!in) return mxi_error("stack", "out of memory");
  for (int k = 0; k < n; k++) in[k] = mx_expand_dims(arrays[k], MX_AXES(ax));
  mx_array *r = mx_concatenate(n, in, ax);
  free(in);
  return r;
}

/* ---- split, split_at, unstack: slices of the input (views) ---- */

static void fill_outputs(int n, mx_array **out, mx_array *e) {
  for (int k = 0; k < n; k++) out[k] = e;
}

/* The parts of a split go to out[0..cap): a wrong capacity is an error like any other, reported
 * in every slot the caller gave, and -1 is returned. */
static int split_fail(int cap, mx_array **out, mx_array *bad) {
  if (out) fill_outputs(cap, out, bad);
  return -1;
}

static mx_array *capacity_error(const char *op, int cap, int64_t parts) {
  return mxi_error(op, "out has room for %d arrays, the split makes %lld", cap, (long long)parts);
}

/* Checks a, the axis and out's capacity; on success *ax is the normalized axis. */
static mx_array *split_check(const char *op, mx_array *a, int axis, int cap, mx_array **out,
                             int *ax) {
  if (cap < 0 || (cap > 0 && !out))
    return mxi_error(op, "out must hold cap arrays (got cap %d, out %s)", cap, out ? "set" : "NULL");
  mx_array *bad = mxi_check_inputs(op, 1, &a);
  if (!bad && !mxi_norm_axis(axis, a->ndim, ax))
    bad = mxi_error(op, "axis %d is out of range for an array with %d dimensions", axis, a->ndim);
  return bad;
}

int mx_split(mx_array *a, int sections, int axis, int cap, mx_array **out) {
  int ax = 0;
  mx_array *bad = split_check("split", a, axis, cap, out, &ax);
  if (!bad && sections < 1)
    bad = mxi_error("split", "sections must be at least 1 (got %d)", sections);
  if (!bad && sections > cap) bad = capacity_error("split", cap, sections);
  if (!bad && a->shape[ax] % sections != 0) {
    char s[MXI_SHAPE_STR_LEN];
    bad = mxi_error("split", "an array of shape %s cannot be split into %d equal sections along "
                    "axis %d (size %lld)", mxi_shape_str(s, sizeof s, a->ndim, a->shape),
                    sections, ax, (long long)a->shape[ax]);
  }
  if (bad) return split_fail(cap, out, bad);
  int64_t len = a->shape[ax] / sections;
  for (int k = 0; k < sections; k++) out[k] = mx_slice_axis(a, ax, k * len, (k + 1) * len, 1);
  return sections;
}

int mx_split_at(mx_array *a, int n, const int64_t *indices, int axis, int cap, mx_array **out) {
  int ax = 0;
  mx_array *bad = split_check("split_at", a, axis, cap, out, &ax);
  if (!bad && (n < 0 || (n > 0 && !indices)))
    bad = mxi_error("split_at", "indices must hold n >= 0 entries (got n = %d%s)", n,
                    n > 0 ? ", indices NULL" : "");
  if (!bad && n >= cap) bad = capacity_error("split_at", cap, (int64_t)n + 1);
  if (bad) return split_fail(cap, out, bad);
  /* NumPy: part k is a[idx[k-1]:idx[k]] along axis with Python slice rules (negative indices
   * count from the end, bounds clamp, a decreasing pair gives an empty part) */
  for (int k = 0; k <= n; k++) {
    int64_t start = k == 0 ? 0 : indices[k - 1];
    int64_t stop = k == n ? a->shape[ax] : indices[k];
    out[k] = mx_slice_axis(a, ax, start, stop, 1);
  }
  return n + 1;
}

int mx_unstack(mx_array *a, int axis, int cap, mx_array **out) {
  int ax = 0;
  mx_array *bad = split_check("unstack", a, axis, cap, out, &ax);
  if (!bad && a->shape[ax] > cap) bad = capacity_error("unstack", cap, a->shape[ax]);
  if (bad) return split_fail(cap, out, bad);
  for (int64_t k = 0; k < a->shape[ax]; k++)
    out[k] = mx_squeeze(mx_slice_axis(a, ax, k, k + 1, 1), MX_AXES(ax));
  return (int)a->shape[ax];
}

/* ---- tile, repeat ---- */

/* True when the element count of ndim dims would overflow int64 (checked before building nodes,
 * whose size computation must not overflow). */
static bool too_large(int ndim, const int64_t *dims) {
  int64_t size = 1;
  for (int i = 0; i < ndim; i++) {
    if (dims[i] == 0) return false;
    if (size > INT64_MAX / dims[i]) return true;
    size *= dims[i];
  }
  return false;
}

/* Repeats along axis ax r times: whole blocks (tile) or each element (repeat). The array is seen
 * as [P, s, Q] so that this works for any ndim; the reshape of the broadcast view copies. */
static mx_array *repeat_axis(mx_array *a, int ax, int64_t r, bool whole) {
  int64_t P = 1, Q = 1, s = a->shape[ax];
  for (int i = 0; i < ax; i++) P *= a->shape[i];
  for (int i = ax + 1; i < a->ndim; i++) Q *= a->shape[i];
  mx_array *x = mx_reshape(a, whole ? MX_SHAPE(P, 1, s, Q) : MX_SHAPE(P, s, 1, Q));
  x = mx_broadcast_to(x, whole ? MX_SHAPE(P, r, s, Q) : MX_SHAPE(P, s, r, Q));
  mx_shape back = mxi_shape_of(a);
  back.dims[ax] = s * r;
  return mx_reshape(x, back);
}

mx_array *mx_tile(mx_array *a, mx_shape reps) {
  MXI_CHECK("tile", a);
  if (reps.ndim < 0 || reps.ndim > MX_MAX_DIMS)
    return mxi_error("tile", "%d repetitions given (at most %d)", reps.ndim, MX_MAX_DIMS);
  for (int i = 0; i < reps.ndim; i++)
    if (reps.dims[i] < 0)
      return mxi_error("tile", "negative repetition %lld at position %d",
                       (long long)reps.dims[i], i);
  /* NumPy: the shorter of reps and a's shape is padded with leading ones */
  int nd = reps.ndim > a->ndim ? reps.ndim : a->ndim;
  int64_t r[MX_MAX_DIMS];
  mx_shape s = {.ndim = nd};
  for (int i = 0; i < nd; i++) {
    int j = i - (nd - reps.ndim), k = i - (nd - a->ndim);
    r[i] = j >= 0 ? reps.dims[j] : 1;
    s.dims[i] = k >= 0 ? a->shape[k] : 1;
  }
  int64_t out_dims[MX_MAX_DIMS];
  for (int i = 0; i < nd; i++) {
    if (r[i] != 0 && s.dims[i] > INT64_MAX / r[i]) return mxi_error("tile", "result is too large");
    out_dims[i] = s.dims[i] * r[i];
  }
  if (too_large(nd, out_dims)) return mxi_error("tile", "result is too large");
  mx_array *x = mx_reshape(a, s);
  int moved = 0;
  for (int i = 0; i < nd; i++) moved += r[i] != 1;
  if (moved == 0) return x;
  if (nd + moved <= MX_MAX_DIMS) {
    /* one copy: [.., 1, s_i, ..] broadcast to [.., r_i, s_i, ..], then merged */
    mx_shape e = {.ndim = 0}, b = {.ndim = 0}, out = {.ndim = nd};
    for (int i = 0; i < nd; i++) {
      if (r[i] != 1) {
        e.dims[e.ndim++] = 1;
        b.dims[b.ndim++] = r[i];
      }
      e.dims[e.ndim++] = s.dims[i];
      b.dims[b.ndim++] = s.dims[i];
      out.dims[i] = s.dims[i] * r[i];
    }
    return mx_reshape(mx_broadcast_to(mx_reshape(x, e), b), out);
  }
  for (int i = 0; i < nd; i++) /* too many axes for one view: one axis at a time */
    if (r[i] != 1) x = repeat_axis(x, i, r[i], true);
  return x;
}

mx_array *mx_repeat(mx_array *a, int64_t repeats, int axis) {
  MXI_CHECK("repeat", a);
  if (repeats < 0) return mxi_error("repeat", "repeats %lld is negative", (long long)repeats);
  if (axis == MX_AXIS_NONE) {
    a = mx_reshape(a, MX_SHAPE(-1));
    axis = 0;
  }
  int ax;
  if (!mxi_norm_axis(axis, a->ndim, &ax))
    return mxi_error("repeat", "axis %d is out of range for an array with %d dimensions", axis,
                     a->ndim);
  if (repeats == 1) return a;
  if (a->shape[ax] != 0 && repeats > INT64_MAX / a->shape[ax])
    return mxi_error("repeat", "result is too large");
  mx_shape out = mxi_shape_of(a);
  out.dims[ax] *= repeats;
  if (too_large(out.ndim, out.dims)) return mxi_error("repeat", "result is too large");
  if (ax == a->ndim - 1 && repeats >= 2 && repeats <= 16 && a->size > 0 &&
      a->ndim < MX_MAX_DIMS) {
    /* along the last axis the broadcast copy would run inner loops of `repeats` elements; r
     * strided column copies (stack on a new last axis) run long loops instead */
    mx_array *cols[16];
    for (int64_t k = 0; k < repeats; k++) cols[k] = a;
    return mx_reshape(mx_stack((int)repeats, cols, -1), out);
  }
  return repeat_axis(a, ax, repeats, false);
}

/* ---- pad ---- */

mx_array *mx_pad(mx_array *a, int n, const int64_t *lo, const int64_t *hi, mx_pad_mode mode,
                 double value) {
  MXI_CHECK("pad", a);
  char s[MXI_SHAPE_STR_LEN];
  if (n < 0 || n > a->ndim)
    return mxi_error("pad", "widths for %d axes given for an array of shape %s (%d dimensions)", n,
                     mxi_shape_str(s, sizeof s, a->ndim, a->shape), a->ndim);
  if (n > 0 && (!lo || !hi)) return mxi_error("pad", "lo and hi must not be NULL");
  if (mode != MX_PAD_CONSTANT && mode != MX_PAD_EDGE)
    return mxi_error("pad", "unknown mode %d", (int)mode);
  mx_params p;
  memset(&p, 0, sizeof p);
  bool any = false;
  for (int i = 0; i < n; i++) {
    if (lo[i] < 0 || hi[i] < 0)
      return mxi_error("pad", "negative pad width (%lld, %lld) on axis %d of an array of shape %s",
                       (long long)lo[i], (long long)hi[i], i,
                       mxi_shape_str(s, sizeof s, a->ndim, a->shape));
    if (mode == MX_PAD_EDGE && a->shape[i] == 0 && (lo[i] > 0 || hi[i] > 0))
      return mxi_error("pad", "edge mode cannot extend the empty axis %d of shape %s", i,
                       mxi_shape_str(s, sizeof s, a->ndim, a->shape));
    if (lo[i] > INT64_MAX / 4 || hi[i] > INT64_MAX / 4 - lo[i] - a->shape[i])
      return mxi_error("pad", "pad width on axis %d is too large", i);
    p.pad.lo[i] = lo[i];
    p.pad.hi[i] = hi[i];
    any |= lo[i] > 0 || hi[i] > 0;
  }
  if (!any) return a;
  int64_t out_dims[MX_MAX_DIMS];
  for (int i = 0; i < a->ndim; i++) out_dims[i] = a->shape[i] + p.pad.lo[i] + p.pad.hi[i];
  if (too_large(a->ndim, out_dims)) return mxi_error("pad", "result is too large");
  p.pad.mode = mode;
  p.pad.value = value;
  return mxi_apply(MX_PRIM_PAD, 1, &a, &p);
}

/* ---- roll ---- */

mx_array *mx_roll(mx_array *a, int64_t shift, int axis) {
  MXI_CHECK("roll", a);
  if (axis == MX_AXIS_NONE) {
    mx_shape s = mxi_shape_of(a);
    return mx_reshape(mx_roll(mx_reshape(a, MX_SHAPE(-1)), shift, 0), s);
  }
  int ax;
  if (!mxi_norm_axis(axis, a->ndim, &ax))
    return mxi_error("roll", "axis %d is out of range for an array with %d dimensions", axis,
                     a->ndim);
  int64_t n = a->shape[ax];
  if (n == 0) return a;
  int64_t k = shift % n; /* |shift % n| < n: no overflow for any shift */
  if (k < 0) k += n;
  if (k == 0) return a;
  /* element i goes to (i + k) mod n: the last k elements come first */
  mx_array *parts[2] = {mx_slice_axis(a, ax, n - k, n, 1), mx_slice_axis(a, ax, 0, n - k, 1)};
  return mx_concatenate(2, parts, ax);
}
