/* test_sweep_reduce.c — the op sweep for reductions (sum, prod, mean, var, std, max, min, all,
 * any, logsumexp, argmax, argmin) over several axis sets, keepdims on and off, against float64
 * references (integer sums and products exact, with wrap-around). */
#include "core/convert.h"
#include "sweep.h"

typedef enum { R_SUM, R_PROD, R_MEAN, R_VAR, R_STD, R_MAX, R_MIN, R_ALL, R_ANY, R_LSE, R_ARGMAX, R_ARGMIN } rop;

/* the configuration the builders and references read (tests run single-threaded) */
static rop cur_op;
static int cur_axes_kind; /* 0: all, 1: axis 0 keepdims, 2: axis -1, 3: first and last */
static int cur_ddof;

static mx_axes axes_for(int ndim) {
  switch (cur_axes_kind) {
    case 0: return MX_ALL_AXES;
    case 1: return MX_AXES(0);
    case 2: return MX_AXES(-1);
    default: return ndim >= 2 ? MX_AXES(0, -1) : MX_AXES(0);
  }
}
static bool keep(void) { return cur_axes_kind == 1; }

static mx_array *build(mx_array *const *in) {
  mx_array *a = in[0];
  mx_axes ax = axes_for(mx_array_ndim(a));
  switch (cur_op) {
    case R_SUM: return mx_sum(a, ax, keep());
    case R_PROD: return mx_prod(a, ax, keep());
    case R_MEAN: return mx_mean(a, ax, keep());
    case R_VAR: return mx_var(a, ax, keep(), cur_ddof);
    case R_STD: return mx_std(a, ax, keep(), cur_ddof);
    case R_MAX: return mx_max(a, ax, keep());
    case R_MIN: return mx_min(a, ax, keep());
    case R_ALL: return mx_all(a, ax, keep());
    case R_ANY: return mx_any(a, ax, keep());
    case R_LSE: return mx_logsumexp(a, ax, keep());
    case R_ARGMAX: return mx_argmax(a, cur_axes_kind == 0 ? MX_AXIS_NONE : (cur_axes_kind == 1 ? 0 : -1), keep());
    default: return mx_argmin(a, cur_axes_kind == 0 ? MX_AXIS_NONE : (cur_axes_kind == 1 ? 0 : -1), keep());
  }
}

static mx_dtype out_dtype(mx_dtype d) {
  switch (cur_op) {
    case R_SUM: case R_PROD:
      if (d == MX_BOOL || d == MX_INT8 || d == MX_INT16 || d == MX_INT32) return MX_INT64;
      if (d == MX_UINT8 || d == MX_UINT16 || d == MX_UINT32) return MX_UINT64;
      return d;
    case R_MEAN: case R_LSE: return mx_dtype_is_inexact(d) ? d : MX_FLOAT32;
    case R_VAR: case R_STD: return d == MX_COMPLEX64 ? MX_FLOAT32 : (mx_dtype_is_inexact(d) ? d : MX_FLOAT32);
    case R_ALL: case R_ANY: return MX_BOOL;
    case R_ARGMAX: case R_ARGMIN: return MX_INT64;
    default: return d;
  }
}

/* float64 (and exact integer) reference over the reduced axes */
static ref_array *ref(ref_array *const *in, mx_dtype odt) {
  const ref_array *a = in[0];
  bool red[MX_MAX_DIMS] = {false};
  int single = -1;
  if (cur_op == R_ARGMAX || cur_op == R_ARGMIN) {
    if (cur_axes_kind == 0) {
      for (int i = 0; i < a->ndim; i++) red[i] = true;
    } else {
      single = cur_axes_kind == 1 ? 0 : a->ndim - 1;
      red[single] = true;
    }
  } else if (cur_axes_kind == 0) {
    for (int i = 0; i < a->ndim; i++) red[i] = true;
  } else if (cur_axes_kind == 1) {
    red[0] = true;
  } else if (cur_axes_kind == 2) {
    red[a->ndim - 1] = true;
  } else {
    red[0] = red[a->ndim - 1] = true;
  }
  int64_t oshape[MX_MAX_DIMS];
  int ond = 0;
  for (int i = 0; i < a->ndim; i++) {
    if (!red[i]) oshape[ond++] = a->shape[i];
    else if (keep()) oshape[ond++] = 1;
  }
  ref_array *r = ref_new(ond, oshape, odt);
  int64_t count = 1;
  for (int i = 0; i < a->ndim; i++)
    if (red[i]) count *= a->shape[i];
  bool intmode = (a->dtype == MX_BOOL || mx_dtype_is_integer(a->dtype)) && (cur_op == R_SUM || cur_op == R_PROD);
  /* one pass: per-output accumulators; a second pass for var and logsumexp */
  int64_t n = r->size ? r->size : 1;
  double *s = calloc((size_t)n, sizeof *s), *sim = calloc((size_t)n, sizeof *sim);
  double *pr = malloc((size_t)n * sizeof *pr), *pim = calloc((size_t)n, sizeof *pim);
  double *mx = malloc((size_t)n * sizeof *mx), *mn = malloc((size_t)n * sizeof *mn);
  double *bestv = calloc((size_t)n, sizeof *bestv), *acc = calloc((size_t)n, sizeof *acc);
  uint64_t *si = calloc((size_t)n, sizeof *si), *pi = malloc((size_t)n * sizeof *pi);
  int64_t *best = malloc((size_t)n * sizeof *best), *k = calloc((size_t)n, sizeof *k);
  bool *all = malloc((size_t)n), *any = calloc((size_t)n, 1), *nan = calloc((size_t)n, 1);
  for (int64_t o = 0; o < n; o++) {
    pr[o] = 1;
    pi[o] = 1;
    mx[o] = -INFINITY;
    mn[o] = INFINITY;
    best[o] = -1;
    all[o] = true;
  }
  int64_t *of = malloc((size_t)(a->size ? a->size : 1) * sizeof *of);
  int64_t idx[MX_MAX_DIMS];
  for (int64_t f = 0; f < a->size; f++) {
    ref_unflat(a, f, idx);
    int64_t o = 0;
    for (int i = 0; i < a->ndim; i++) {
      if (!red[i]) o = o * a->shape[i] + idx[i];
    }
    of[f] = o;
    double v = a->re[f], vi = a->im ? a->im[f] : 0;
    int64_t iv = a->iv ? a->iv[f] : mxi_sat_int64_t(v);
    s[o] += v;
    sim[o] += vi;
    double nr = pr[o] * v - pim[o] * vi;
    pim[o] = pr[o] * vi + pim[o] * v;
    pr[o] = nr;
    si[o] += (uint64_t)iv;
    pi[o] *= (uint64_t)iv;
    if (isnan(v)) nan[o] = true;
    mx[o] = fmax(mx[o], v);
    mn[o] = fmin(mn[o], v);
    all[o] = all[o] && (v != 0 || vi != 0);
    any[o] = any[o] || v != 0 || vi != 0;
    bool better = best[o] < 0 || (isnan(v) && !isnan(bestv[o])) ||
                  (!isnan(bestv[o]) && (cur_op == R_ARGMAX ? v > bestv[o] : v < bestv[o]));
    if (better) {
      best[o] = k[o];
      bestv[o] = v;
    }
    k[o]++;
  }
  for (int64_t f = 0; f < a->size; f++) { /* second pass */
    int64_t o = of[f];
    double v = a->re[f], vi = a->im ? a->im[f] : 0;
    if (cur_op == R_VAR || cur_op == R_STD) {
      double m = s[o] / (double)count, mi = sim[o] / (double)count;
      acc[o] += (v - m) * (v - m) + (vi - mi) * (vi - mi);
    } else if (cur_op == R_LSE) {
      double m = isfinite(mx[o]) ? mx[o] : 0;
      acc[o] += exp(v - m);
    }
  }
  for (int64_t o = 0; o < r->size; o++) {
    double out = 0, out_im = 0;
    switch (cur_op) {
      case R_SUM: out = s[o]; out_im = sim[o]; break;
      case R_PROD: out = pr[o]; out_im = pim[o]; break;
      case R_MEAN: out = s[o] / (double)count; out_im = sim[o] / (double)count; break;
      case R_VAR: case R_STD: {
        double denom = (double)(count - cur_ddof);
        out = acc[o] / (denom > 0 ? denom : 0.0); /* NumPy: max(count - ddof, 0) */
        if (cur_op == R_STD) out = sqrt(out);
        break;
      }
      case R_MAX: out = nan[o] ? NAN : mx[o]; break;
      case R_MIN: out = nan[o] ? NAN : mn[o]; break;
      case R_ALL: out = all[o]; break;
      case R_ANY: out = any[o]; break;
      case R_LSE: out = count == 0 ? -INFINITY : log(acc[o]) + (isfinite(mx[o]) ? mx[o] : 0); break;
      default: out = (double)best[o]; break;
    }
    if (intmode) {
      uint64_t u = cur_op == R_SUM ? si[o] : pi[o];
      if (r->iv) {
        r->iv[o] = (int64_t)u;
        r->exact = true;
      }
      out = mx_dtype_is_signed(odt) ? (double)(int64_t)u : (double)u;
    } else if (r->iv) {
      r->iv[o] = mxi_sat_int64_t(out);
      r->exact = true;
    }
    r->re[o] = out;
    if (r->im) r->im[o] = out_im;
  }
  free(s); free(sim); free(pr); free(pim); free(mx); free(mn); free(bestv); free(acc);
  free(si); free(pi); free(best); free(k); free(all); free(any); free(nan); free(of);
  return r;
}

typedef struct {
  const char *name;
  rop op;
  uint32_t dtypes;
  domain dom;
  double tol;
  bool no_large;
} rdesc;

TEST(sweep_reductions) {
  const rdesc ops[] = {
      {"sum", R_SUM, DT_ALL, DOM_FINITE, 8, false},
      {"prod", R_PROD, DT_ALL, DOM_FINITE, 8, true},
      {"mean", R_MEAN, DT_ALL, DOM_FINITE, 8, false},
      {"var", R_VAR, DT_ALL, DOM_FINITE, 8, false},
      {"std", R_STD, DT_ALL, DOM_FINITE, 8, false},
      {"max", R_MAX, DT_REAL, DOM_ANY, 1, false},
      {"min", R_MIN, DT_REAL, DOM_ANY, 1, false},
      {"all", R_ALL, DT_ALL, DOM_ANY, 1, false},
      {"any", R_ANY, DT_ALL, DOM_ANY, 1, false},
      {"logsumexp", R_LSE, DT_REAL, DOM_FINITE, 4, false},
      {"argmax", R_ARGMAX, DT_REAL, DOM_ANY, 1, false},
      {"argmin", R_ARGMIN, DT_REAL, DOM_ANY, 1, false},
  };
  const char *kinds[] = {"all-axes", "axis0-keepdims", "axis-1", "first-last"};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    for (int kind = 0; kind < 4; kind++) {
      cur_op = ops[i].op;
      cur_axes_kind = kind;
      cur_ddof = ops[i].op == R_STD ? 1 : 0;
      char name[64];
      snprintf(name, sizeof name, "%s[%s]", ops[i].name, kinds[kind]);
      unsigned shapes = SH_ALL & ~SH_BROADCAST;
      if (kind != 0) shapes &= ~SH_SCALAR; /* axis 0 of a 0-d array is an error: tested below */
      if (ops[i].no_large) shapes &= ~SH_LARGE;
      /* an empty axis has no max/min/argmax; var with ddof over an empty axis is NaN (checked) */
      if (ops[i].op == R_MAX || ops[i].op == R_MIN || ops[i].op == R_ARGMAX || ops[i].op == R_ARGMIN)
        shapes &= ~SH_EMPTY;
      sweep_op op = {.name = name, .nin = 1, .dtypes = ops[i].dtypes, .dom = {ops[i].dom},
                     .build = build, .out_dtype = out_dtype, .ref = ref, .shapes = shapes,
                     .tol = ops[i].tol};
      sweep_run(&op);
    }
  }
}

TEST(reduction_errors_and_edges) {
  mx_array *s = mx_scalar(1);
  CHECK_ERROR(mx_sum(s, MX_AXES(0), false), "out of range");
  CHECK_ERROR(mx_argmax(mx_zeros(MX_SHAPE(0, 2), MX_FLOAT32), 0, false), "empty");
  CHECK_ERROR(mx_max(mx_scalar_complex(1, 1), MX_ALL_AXES, false), "complex64");
  /* reducing over no axes is the identity (with sum's dtype promotion) */
  mx_array *x = mx_array_new((int8_t[]){100, 100}, MX_SHAPE(2), MX_INT8);
  mx_array *r = mx_sum(x, MX_NO_AXES, false);
  CHECK_INT(mx_array_dtype(r), MX_INT64);
  CHECK_INT(mx_array_ndim(r), 1);
  CHECK_INT(mx_item_i64(mx_sum(x, MX_ALL_AXES, false)), 200); /* no int8 overflow */
  /* argmax: the first NaN wins, ties take the first index */
  mx_array *v = mx_array_new((float[]){1, 3, 3, NAN, 5}, MX_SHAPE(5), MX_FLOAT32);
  CHECK_INT(mx_item_i64(mx_argmax(v, 0, false)), 3);
  mx_array *t = mx_array_new((float[]){1, 3, 3, 0}, MX_SHAPE(4), MX_FLOAT32);
  CHECK_INT(mx_item_i64(mx_argmax(t, 0, false)), 1);
  /* var with ddof = n gives inf/nan like NumPy */
  CHECK(!isfinite(mx_item_f64(mx_var(mx_ones(MX_SHAPE(3), MX_FLOAT32), MX_ALL_AXES, false, 3))));
  /* a float32 sum of 2^24 + many ones stays exact-ish thanks to the blocked float64 adds */
  mx_array *ones = mx_ones(MX_SHAPE(1 << 25), MX_FLOAT32);
  CHECK_CLOSE(mx_item_f64(mx_sum(ones, MX_ALL_AXES, false)), (double)(1 << 25), 0, 0);
}
