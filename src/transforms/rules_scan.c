/* rules_scan.c — vjp, jvp and vmap rules of the scans. Derivatives other than cumsum's are linear
 * recurrences evaluated by doubling with multiplies and adds only: exact with zeros, and stable. */
#include <math.h>

#include "rules.h"

/* x shifted by k along axis (k > 0: toward higher indices), vacated places filled with fill. */
static mx_array *shift(mx_array *x, int axis, int64_t k, double fill) {
  int64_t n = x->shape[axis], m = k < 0 ? -k : k;
  if (m == 0) return x;
  if (m >= n) return mx_full_like(x, fill);
  int64_t lo[MX_MAX_DIMS] = {0}, hi[MX_MAX_DIMS] = {0};
  (k > 0 ? lo : hi)[axis] = m;
  mx_array *part = k > 0 ? mx_slice_axis(x, axis, 0, n - m, 1) : mx_slice_axis(x, axis, m, n, 1);
  return mx_pad(part, x->ndim, lo, hi, MX_PAD_CONSTANT, fill);
}

/* T with T_j = b_j + a_j T_{j-1} (reverse: T_j = b_j + a_j T_{j+1}) along axis, T = 0 outside.
 * Doubling (Hillis-Steele): after the step of span s, T_j sums the terms of the 2s nearest
 * elements and A_j is the product of the 2s coefficients that carry T_{j-2s} to j. That is
 * ceil(log2 n) multiply-adds over the array: O(n log n) work, no division, every intermediate
 * a public op (so the result is differentiable and batchable again). */
static mx_array *linear_scan(mx_array *b, mx_array *a, int axis, bool reverse) {
  int64_t n = b->shape[axis];
  mx_array *t = b;
  for (int64_t s = 1; s < n; s *= 2) {
    int64_t k = reverse ? -s : s;
    t = mx_add(t, mx_multiply(a, shift(t, axis, k, 0)));
    if (2 * s < n) a = mx_multiply(a, shift(a, axis, k, 0));
  }
  return t;
}

static mx_array *flip_if(mx_array *x, int axis, bool rev) { return rev ? mx_flip(x, MX_AXES(axis)) : x; }

/* exp(u - y), and 0 where y = -inf: an output that is log(0) (all of its inputs -inf, or the
 * empty sum) stays -inf under any finite change of the inputs, so its derivative is 0 rather
 * than exp(-inf + inf) = NaN. The subtraction is guarded too, so that second derivatives never
 * multiply a zero by a NaN. */
static mx_array *exp_diff(mx_array *u, mx_array *y) {
  mx_array *empty = mx_equal(y, mx_scalar(-INFINITY));
  mx_array *d = mx_where(empty, mx_scalar(0), mx_subtract(u, y));
  return mx_where(empty, mx_scalar(0), mx_exp(d));
}

/* 1 where x set the running max/min of an inclusive forward scan y: the first element, and each
 * element whose y differs from the one before. Ties are not records: the gradient of a run of
 * equal maxima goes to its first element in scan order, the one the kernel keeps. A NaN is a
 * record once (the first NaN; later ones leave y NaN). */
static mx_array *records(mx_array *y, int axis) {
  mx_array *prev = shift(y, axis, 1, 0);
  mx_array *rec = mx_logical_and(mx_not_equal(y, prev), mx_logical_not(mx_isnan(prev)));
  mx_shape s = {.ndim = y->ndim};
  for (int d = 0; d < y->ndim; d++) s.dims[d] = d == axis ? y->shape[d] : 1;
  mx_array *pos = mx_reshape(mx_arange(0, (double)y->shape[axis], 1, MX_INT64), s);
  rec = mx_logical_or(rec, mx_equal(pos, mx_scalar_int(0)));
  return mxi_cast(rec, (mx_dtype)y->dtype);
}

/* A scan seen as an inclusive forward one: x and y flipped when the scan runs in reverse, y
 * recomputed inclusively for an exclusive scan (which is the inclusive one shifted by one). */
typedef struct frame {
  mx_array *x, *y;
  int axis;
  bool rev, incl;
} frame;

static frame frame_of(mx_array *node) {
  const mx_params *p = node->params;
  frame f = {.axis = p->scan.axis, .rev = p->scan.reverse, .incl = p->scan.inclusive};
  f.x = flip_if(node->in[0], f.axis, f.rev);
  if (f.incl) {
    f.y = flip_if(node, f.axis, f.rev);
    return f;
  }
  switch ((mx_prim)node->prim) {
    case MX_PRIM_CUMPROD: f.y = mx_cumprod(f.x, f.axis, false, true); break;
    case MX_PRIM_CUMMAX: f.y = mx_cummax(f.x, f.axis, false, true); break;
    case MX_PRIM_CUMMIN: f.y = mx_cummin(f.x, f.axis, false, true); break;
    default: f.y = mx_logcumsumexp(f.x, f.axis, false, true); break;
  }
  return f;
}

/* The tangent of an inclusive forward scan: dy_j = sum_{i<=j} dy_j/dx_i t_i, as a recurrence. */
static mx_array *jvp_incl(mx_prim prim, const frame *f, mx_array *t) {
  int ax = f->axis;
  switch (prim) {
    case MX_PRIM_CUMPROD: /* dy_j = y_{j-1} t_j + x_j dy_{j-1} */
      return linear_scan(mx_multiply(shift(f->y, ax, 1, 1), t), f->x, ax, false);
    case MX_PRIM_CUMMAX:
    case MX_PRIM_CUMMIN: { /* dy_j = t at the record that set y_j: carried until the next one */
      mx_array *r = records(f->y, ax);
      return linear_scan(mx_multiply(r, t), mx_subtract(mx_scalar(1), r), ax, false);
    }
    default: /* logcumsumexp: dy_j = e^(x_j - y_j) t_j + e^(y_{j-1} - y_j) dy_{j-1}, factors <= 1 */
      return linear_scan(mx_multiply(exp_diff(f->x, f->y), t),
                         exp_diff(shift(f->y, ax, 1, -INFINITY), f->y), ax, false);
  }
}

/* The cotangent of x for an inclusive forward scan: g_i = sum_{j>=i} c_j dy_j/dx_i, as a
 * recurrence running backward. */
static mx_array *vjp_incl(mx_prim prim, const frame *f, mx_array *c) {
  int ax = f->axis;
  switch (prim) {
    case MX_PRIM_CUMPROD: { /* g_i = y_{i-1} R_i, R_i = c_i + x_{i+1} R_{i+1} */
      mx_array *r = linear_scan(c, shift(f->x, ax, -1, 0), ax, true);
      return mx_multiply(shift(f->y, ax, 1, 1), r);
    }
    case MX_PRIM_CUMMAX:
    case MX_PRIM_CUMMIN: { /* a record collects the cotangents of its run: R_i = c_i + (1 - rec_{i+1}) R_{i+1} */
      mx_array *rec = records(f->y, ax);
      mx_array *r = linear_scan(c, shift(mx_subtract(mx_scalar(1), rec), ax, -1, 0), ax, true);
      return mx_multiply(rec, r);
    }
    default: { /* g_i = e^(x_i - y_i) R_i, R_i = c_i + e^(y_i - y_{i+1}) R_{i+1}, factors <= 1 */
      mx_array *next = shift(f->y, ax, -1, INFINITY); /* e^(y - inf) = 0 past the end */
      mx_array *r = linear_scan(c, exp_diff(f->y, next), ax, true);
      return mx_multiply(exp_diff(f->x, f->y), r);
    }
  }
}

/* cumsum's transpose is the cumsum the other way, with the same inclusiveness (exclusive: g_i sums
 * c_j over j > i). The others go through the inclusive forward frame: an exclusive y_j is the
 * inclusive y_{j-1}, so its cotangent is shifted back by one before and its tangent forward by one
 * after (position 0 holds the identity, a constant). */
static void vjp_scan(mx_array *node, mx_array *cot, const bool *need, mx_array **g) {
  if (!need[0]) return;
  const mx_params *p = node->params;
  if (node->prim == MX_PRIM_CUMSUM) {
    g[0] = mx_cumsum(cot, p->scan.axis, !p->scan.reverse, p->scan.inclusive);
    return;
  }
  frame f = frame_of(node);
  mx_array *c = flip_if(cot, f.axis, f.rev);
  if (!f.incl) c = shift(c, f.axis, -1, 0);
  g[0] = flip_if(vjp_incl((mx_prim)node->prim, &f, c), f.axis, f.rev);
}

static mx_array *jvp_scan(mx_array *node, mx_array *const *t) {
  if (node->prim == MX_PRIM_CUMSUM) return mxi_reapply(node, 1, t);
  frame f = frame_of(node);
  mx_array *r = jvp_incl((mx_prim)node->prim, &f, flip_if(t[0], f.axis, f.rev));
  if (!f.incl) r = shift(r, f.axis, 1, 0);
  return flip_if(r, f.axis, f.rev);
}

/* Batch axis to the front; the scanned axis moves up by one. */
static mx_array *vmap_scan(mx_array *node, mx_array *const *in, const int *axes, int *oa) {
  mx_array *x = mxi_batch_front(in[0], axes[0]);
  mx_params p = *node->params;
  p.scan.axis++;
  *oa = 0;
  return mxi_apply((mx_prim)node->prim, 1, &x, &p);
}

void mxi_rules_scan(mx_prim_info *t) {
  for (int p = MX_PRIM_CUMSUM; p <= MX_PRIM_LOGCUMSUMEXP; p++) {
    MXI_SET_VJP(t, p, vjp_scan);
    MXI_SET_JVP(t, p, jvp_scan);
    MXI_SET_VMAP(t, p, vmap_scan);
  }
}
