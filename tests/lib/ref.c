/* ref.c — float64 reference arrays and comparisons for the tests. */
#include "ref.h"

#include <complex.h>
#include <float.h>
#include <stdint.h>

#include "core/convert.h"

ref_array *ref_new(int ndim, const int64_t *shape, mx_dtype dtype) {
  ref_array *r = calloc(1, sizeof *r);
  r->ndim = ndim;
  r->size = 1;
  for (int i = 0; i < ndim; i++) {
    r->shape[i] = shape[i];
    r->size *= shape[i];
  }
  r->dtype = dtype;
  r->re = calloc((size_t)(r->size ? r->size : 1), sizeof(double));
  if (dtype == MX_COMPLEX64) r->im = calloc((size_t)(r->size ? r->size : 1), sizeof(double));
  if (dtype == MX_INT64 || dtype == MX_UINT64)
    r->iv = calloc((size_t)(r->size ? r->size : 1), sizeof(int64_t));
  return r;
}

ref_array *ref_new_shape(mx_shape s, mx_dtype dtype) { return ref_new(s.ndim, s.dims, dtype); }

void ref_free(ref_array *r) {
  if (!r) return;
  free(r->re);
  free(r->im);
  free(r->iv);
  free(r);
}

ref_array *ref_from(mx_array *a) {
  const char *p = mx_array_data(a);
  if (!p) {
    FAIL("ref_from: array failed to evaluate: %s", mx_last_error() ? mx_last_error() : "?");
    mx_clear_error();
    return NULL;
  }
  mx_dtype dt = mx_array_dtype(a);
  ref_array *r = ref_new(mx_array_ndim(a), mx_array_shape(a), dt);
  size_t sz = mx_dtype_size(dt);
  for (int64_t i = 0; i < r->size; i++) {
    const char *q = p + (size_t)i * sz;
    if (dt == MX_COMPLEX64) {
      r->re[i] = ((const float *)q)[0];
      r->im[i] = ((const float *)q)[1];
    } else if (r->iv) {
      memcpy(&r->iv[i], q, 8);
      r->re[i] = dt == MX_INT64 ? (double)r->iv[i] : (double)(uint64_t)r->iv[i];
      r->exact = true;
    } else {
      r->re[i] = mxi_load_f64(q, dt);
    }
  }
  return r;
}

void ref_set_converted(ref_array *r, int64_t i, double v) {
  unsigned char b[16];
  mxi_store_f64(b, r->dtype, v);
  if (r->im) {
    r->re[i] = ((const float *)b)[0];
    r->im[i] = ((const float *)b)[1];
  } else if (r->iv) {
    memcpy(&r->iv[i], b, 8);
    r->re[i] = r->dtype == MX_INT64 ? (double)r->iv[i] : (double)(uint64_t)r->iv[i];
    r->exact = true;
  } else {
    r->re[i] = mxi_load_f64(b, r->dtype);
  }
}

int64_t ref_flat(const ref_array *r, const int64_t *idx) {
  int64_t f = 0;
  for (int i = 0; i < r->ndim; i++) f = f * r->shape[i] + idx[i];
  return f;
}

void ref_unflat(const ref_array *r, int64_t flat, int64_t *idx) {
  for (int i = r->ndim - 1; i >= 0; i--) {
    idx[i] = r->shape[i] ? flat % r->shape[i] : 0;
    flat = r->shape[i] ? flat / r->shape[i] : 0;
  }
}

void ref_tolerance(mx_dtype dt, double *rtol, double *atol) {
  switch (dt) {
    case MX_FLOAT16: *rtol = 2e-3; *atol = 1e-3; break;
    case MX_BFLOAT16: *rtol = 1.6e-2; *atol = 1e-2; break;
    case MX_FLOAT32: case MX_COMPLEX64: *rtol = 2e-5; *atol = 1e-6; break;
    case MX_FLOAT64: *rtol = 1e-12; *atol = 1e-13; break;
    default: *rtol = 0; *atol = 0; break;
  }
}

/* The reference value rounded to the output dtype, so exact dtypes compare exactly. Integer
 * results wrap modulo 2^bits (mx's integer overflow semantics). */
static double round_to(double x, mx_dtype dt) {
  if (dt == MX_COMPLEX64) return (float)x;
  if (mx_dtype_is_integer(dt) && mx_dtype_size(dt) < 8 && isfinite(x)) { /* 64-bit: no room */
    double m = ldexp(1.0, (int)mx_dtype_size(dt) * 8);
    double v = fmod(x, m);
    if (v < 0) v += m;
    if (mx_dtype_is_signed(dt) && v >= m / 2) v -= m;
    return v;
  }
  unsigned char buf[16];
  mxi_store_f64(buf, dt, x);
  return mxi_load_f64(buf, dt);
}

static bool close1(double got, double want, double rtol, double atol) {
  if (isnan(want)) return isnan(got);
  if (isinf(want)) return got == want;
  if (isnan(got) || isinf(got)) return false;
  return fabs(got - want) <= atol + rtol * fabs(want);
}

bool ref_check(mx_array *got, const ref_array *want, double tol_scale, const char *label) {
  if (mx_is_error(got)) {
    FAIL("%s: error array: %s", label, mx_array_error(got));
    mx_clear_error();
    return false;
  }
  if (mx_array_dtype(got) != want->dtype) {
    FAIL("%s: dtype %s, want %s", label, mx_dtype_name(mx_array_dtype(got)), mx_dtype_name(want->dtype));
    return false;
  }
  bool shape_ok = mx_array_ndim(got) == want->ndim;
  for (int i = 0; shape_ok && i < want->ndim; i++) shape_ok = mx_array_shape(got)[i] == want->shape[i];
  if (!shape_ok) {
    char s1[128] = "", s2[128] = "";
    for (int i = 0; i < mx_array_ndim(got); i++)
      snprintf(s1 + strlen(s1), sizeof s1 - strlen(s1), "%lld,", (long long)mx_array_shape(got)[i]);
    for (int i = 0; i < want->ndim; i++)
      snprintf(s2 + strlen(s2), sizeof s2 - strlen(s2), "%lld,", (long long)want->shape[i]);
    FAIL("%s: shape (%s), want (%s)", label, s1, s2);
    return false;
  }
  ref_array *g = ref_from(got);
  if (!g) return false;
  double rtol, atol;
  ref_tolerance(want->dtype, &rtol, &atol);
  rtol *= tol_scale;
  atol *= tol_scale;
  int bad = 0;
  for (int64_t i = 0; i < want->size; i++) {
    bool ok;
    if (want->dtype == MX_COMPLEX64) {
      double complex w = ref_cmplx(want->re[i], want->im[i]), v = ref_cmplx(g->re[i], g->im[i]);
      bool wn = isnan(want->re[i]) || isnan(want->im[i]);
      ok = wn ? (isnan(g->re[i]) || isnan(g->im[i]))
              : (cabs(v - w) <= atol + rtol * cabs(w)) ||
                    (close1(g->re[i], want->re[i], rtol, atol) && close1(g->im[i], want->im[i], rtol, atol));
    } else if (want->iv && g->iv) {
      ok = want->exact ? g->iv[i] == want->iv[i] : g->re[i] == want->re[i];
    } else {
      ok = close1(g->re[i], round_to(want->re[i], want->dtype), rtol, atol);
    }
    if (!ok && bad++ < 5) {
      int64_t idx[MX_MAX_DIMS];
      ref_unflat(want, i, idx);
      char at[96] = "";
      for (int k = 0; k < want->ndim; k++)
        snprintf(at + strlen(at), sizeof at - strlen(at), "%lld,", (long long)idx[k]);
      if (want->iv && g->iv && want->exact)
        FAIL("%s: at (%s) got %lld, want %lld (%s)", label, at, (long long)g->iv[i],
             (long long)want->iv[i], mx_dtype_name(want->dtype));
      else if (want->dtype == MX_COMPLEX64)
        FAIL("%s: at (%s) got %.9g%+.9gj, want %.9g%+.9gj", label, at, g->re[i], g->im[i],
             want->re[i], want->im[i]);
      else
        FAIL("%s: at (%s) got %.17g, want %.17g (%s)", label, at, g->re[i], want->re[i],
             mx_dtype_name(want->dtype));
    }
  }
  if (bad > 5) FAIL("%s: %d elements differ in all", label, bad);
  ref_free(g);
  return bad == 0;
}

uint64_t ref_rand(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double ref_uniform(uint64_t *s, double lo, double hi) {
  return lo + (hi - lo) * ((double)(ref_rand(s) >> 11) / 9007199254740992.0);
}

static bool is_unsigned(mx_dtype dt) { return dt >= MX_UINT8 && dt <= MX_UINT64; }

static void int_range(mx_dtype dt, double *lo, double *hi) {
  switch (dt) {
    case MX_UINT8: *lo = 0; *hi = 255; break;
    case MX_UINT16: *lo = 0; *hi = 65535; break;
    case MX_UINT32: *lo = 0; *hi = 4294967295.0; break;
    case MX_UINT64: *lo = 0; *hi = 18446744073709551615.0; break;
    case MX_INT8: *lo = -128; *hi = 127; break;
    case MX_INT16: *lo = -32768; *hi = 32767; break;
    case MX_INT32: *lo = -2147483648.0; *hi = 2147483647.0; break;
    default: *lo = -9223372036854775808.0; *hi = 9223372036854775807.0; break;
  }
}

static double draw(domain d, mx_dtype dt, uint64_t *s, int64_t i) {
  bool fl = mx_dtype_is_inexact(dt);
  if (dt == MX_BOOL || d == DOM_BIT) return (double)(ref_rand(s) & 1);
  if (!fl) {
    bool u = is_unsigned(dt);
    switch (d) {
      case DOM_POS: case DOM_GE1: return (double)(1 + ref_rand(s) % 40);
      case DOM_NONZERO: {
        double v = (double)(1 + ref_rand(s) % 40);
        return (u || (ref_rand(s) & 1)) ? v : -v;
      }
      case DOM_INT_EDGE: {
        double lo, hi;
        int_range(dt, &lo, &hi);
        switch (ref_rand(s) % 6) {
          case 0: return lo;
          case 1: return hi;
          case 2: return 0;
          case 3: return u ? 1 : -1;
          default: return u ? (double)(ref_rand(s) % 100) : (double)((int)(ref_rand(s) % 200) - 100);
        }
      }
      case DOM_SHIFT: {
        int bits = (int)mx_dtype_size(dt) * 8;
        int v = (int)(ref_rand(s) % (uint64_t)(bits + 3));
        return (!u && ref_rand(s) % 8 == 0) ? -1 : v;
      }
      case DOM_PERM: return (double)((u ? 0 : -60) + (int64_t)(i * 7919 % 113));
      default: return u ? (double)(ref_rand(s) % 100) : (double)((int)(ref_rand(s) % 100) - 50);
    }
  }
  switch (d) {
    case DOM_ANY: case DOM_NONZERO: {
      uint64_t k = ref_rand(s) % 24;
      if (d == DOM_ANY && k == 0) return NAN;
      if (d == DOM_ANY && k == 1) return INFINITY;
      if (d == DOM_ANY && k == 2) return -INFINITY;
      if (d == DOM_ANY && k == 3) return -0.0;
      if (d == DOM_ANY && k == 4) return 0.0;
      double v = ref_uniform(s, -5, 5);
      if (d == DOM_NONZERO && fabs(v) < 0.1) v = v < 0 ? -0.5 : 0.5;
      return v;
    }
    case DOM_FINITE: return ref_uniform(s, -5, 5);
    case DOM_SMALL: return ref_uniform(s, -2.5, 2.5);
    case DOM_POS: return ref_rand(s) % 32 == 0 ? INFINITY : ref_uniform(s, 0.1, 5);
    case DOM_UNIT: return ref_uniform(s, -0.95, 0.95);
    case DOM_GE1: return ref_uniform(s, 1, 5);
    case DOM_PERM: return (double)(i * 7919 % 1009) / 64.0 - 7.0;
    default: return ref_uniform(s, -5, 5);
  }
}

void ref_fill(ref_array *r, domain d, uint64_t seed) {
  uint64_t s = seed * 0x2545f4914f6cdd1dull + 1;
  unsigned char buf[16];
  for (int64_t i = 0; i < r->size; i++) {
    if (r->dtype == MX_COMPLEX64) {
      r->re[i] = (float)draw(d, MX_FLOAT32, &s, i);
      r->im[i] = (float)draw(d == DOM_ANY ? DOM_FINITE : d, MX_FLOAT32, &s, i + 1);
      continue;
    }
    if (r->iv) { /* exact 64-bit values, the edges included */
      int64_t v;
      if (d == DOM_INT_EDGE && ref_rand(&s) % 3 == 0) {
        uint64_t k = ref_rand(&s) % 3;
        if (r->dtype == MX_INT64) v = k == 0 ? INT64_MIN : k == 1 ? INT64_MAX : INT64_MIN + 1;
        else v = k == 0 ? (int64_t)UINT64_MAX : k == 1 ? (int64_t)(UINT64_MAX - 1) : INT64_MIN;
      } else {
        v = (int64_t)draw(d == DOM_INT_EDGE ? DOM_ANY : d, r->dtype, &s, i);
      }
      r->iv[i] = v;
      r->re[i] = r->dtype == MX_INT64 ? (double)v : (double)(uint64_t)v;
      r->exact = true;
      continue;
    }
    double v = draw(d, r->dtype, &s, i);
    mxi_store_f64(buf, r->dtype, v);
    r->re[i] = mxi_load_f64(buf, r->dtype);
  }
}

mx_array *ref_to_mx(const ref_array *r) {
  size_t sz = mx_dtype_size(r->dtype);
  unsigned char *buf = malloc((size_t)(r->size ? r->size : 1) * sz);
  for (int64_t i = 0; i < r->size; i++) {
    unsigned char *q = buf + (size_t)i * sz;
    if (r->dtype == MX_COMPLEX64) {
      ((float *)q)[0] = (float)r->re[i];
      ((float *)q)[1] = (float)r->im[i];
    } else if (r->iv && r->exact) {
      memcpy(q, &r->iv[i], 8);
    } else {
      mxi_store_f64(q, r->dtype, r->re[i]);
    }
  }
  mx_shape s = {.ndim = r->ndim};
  for (int i = 0; i < r->ndim; i++) s.dims[i] = r->shape[i];
  mx_array *a = mx_array_new(buf, s, r->dtype);
  free(buf);
  return a;
}
