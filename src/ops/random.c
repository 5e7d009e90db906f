/* random.c — counter-based random numbers (docs/random.md): the RANDOM_BITS and
 * RANDOM_PERMUTATION primitives, keys and the global key, and every distribution composed from
 * random bits with elementwise ops (so a backend needs only the two random kernels). */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/half.h"
#include "../backend/common/threefry.h"
#include "families.h"
#include "util.h"

/* ---- shape rules ---- */

static bool key_ok(const mx_array *k) {
  return k->dtype == MX_UINT32 && k->ndim == 1 && k->shape[0] == 2;
}

static void key_msg(const mx_array *k, char *err, size_t errlen) {
  char s[MXI_SHAPE_STR_LEN];
  snprintf(err, errlen, "key must be a uint32 array of shape (2,), got %s of shape %s",
           mx_dtype_name((mx_dtype)k->dtype), mxi_shape_str(s, sizeof s, k->ndim, k->shape));
}

static bool infer_bits(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                       int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  (void)n;
  if (!key_ok(in[0])) {
    key_msg(in[0], err, errlen);
    return false;
  }
  if (!mxi_shape_fits(p->shape.ndim, p->shape.dims, err, errlen)) return false;
  *ndim = p->shape.ndim;
  memcpy(shape, p->shape.dims, sizeof(int64_t) * (size_t)*ndim);
  *dtype = MX_UINT32;
  return true;
}

/* key alone: an int64 permutation of [n] (params); key and a: a's shape and dtype. */
static bool infer_permutation(mx_prim prim, mx_array *const *in, int n, const mx_params *p,
                              int *ndim, int64_t *shape, mx_dtype *dtype, char *err,
                              size_t errlen) {
  (void)prim;
  if (n < 1 || n > 2) {
    snprintf(err, errlen, "%d inputs given, 1 or 2 expected (internal)", n);
    return false;
  }
  if (!key_ok(in[0])) {
    key_msg(in[0], err, errlen);
    return false;
  }
  if (n == 1) {
    if (p->shape.ndim != 1 || !mxi_shape_fits(1, p->shape.dims, err, errlen)) {
      if (p->shape.ndim != 1) snprintf(err, errlen, "expected a 1-d shape (internal)");
      return false;
    }
    *ndim = 1;
    shape[0] = p->shape.dims[0];
    *dtype = MX_INT64;
    return true;
  }
  const mx_array *a = in[1];
  if (a->ndim < 1) {
    snprintf(err, errlen, "cannot permute a 0-d array");
    return false;
  }
  *ndim = a->ndim;
  memcpy(shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
  *dtype = (mx_dtype)a->dtype;
  return true;
}

void mxi_register_random(mx_prim_info *t) {
  t[MX_PRIM_RANDOM_BITS].infer = infer_bits;
  t[MX_PRIM_RANDOM_PERMUTATION].infer = infer_permutation;
}

/* ---- keys ---- */

mx_array *mx_random_key(uint64_t seed) {
  uint32_t k[2] = {(uint32_t)(seed >> 32), (uint32_t)seed};
  return mx_array_new(k, MX_SHAPE(2), MX_UINT32);
}

/* The global key: process-wide (any thread may draw), guarded by a lock. Each draw splits it in
 * two, exactly as mx_random_split(global, 2): word pair 0 becomes the new global key, pair 1 is
 * the key used. Unseeded, it starts from the clock (as MLX); mx_random_seed makes runs
 * repeatable. */
static struct {
  pthread_mutex_t mu;
  bool seeded;
  uint32_t key[2];
} global = {PTHREAD_MUTEX_INITIALIZER, false, {0, 0}};

void mx_random_seed(uint64_t seed) {
  pthread_mutex_lock(&global.mu);
  global.key[0] = (uint32_t)(seed >> 32);
  global.key[1] = (uint32_t)seed;
  global.seeded = true;
  pthread_mutex_unlock(&global.mu);
}

static mx_array *next_global_key(void) {
  uint32_t next[2], use[2];
  pthread_mutex_lock(&global.mu);
  if (!global.seeded) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    global.key[0] = (uint32_t)(seed >> 32);
    global.key[1] = (uint32_t)seed;
    global.seeded = true;
  }
  mxi_threefry_pair(global.key[0], global.key[1], 0, next);
  mxi_threefry_pair(global.key[0], global.key[1], 1, use);
  global.key[0] = next[0];
  global.key[1] = next[1];
  pthread_mutex_unlock(&global.mu);
  return mx_array_new(use, MX_SHAPE(2), MX_UINT32);
}

/* The key to draw with: key itself, checked, or the next global key when key is NULL. Call it
 * after the other arguments are validated, so a rejected call does not advance the global key. */
static mx_array *get_key(const char *op, mx_array *key) {
  if (!key) return next_global_key();
  if (key->error) return mxi_error_from(key);
  if (!key_ok(key)) {
    char err[200];
    key_msg(key, err, sizeof err);
    return mxi_error(op, "%s", err);
  }
  return key;
}

static mx_array *check_shape(const char *op, mx_shape shape) {
  char err[200];
  if (!mxi_shape_fits(shape.ndim, shape.dims, err, sizeof err)) return mxi_error(op, "%s", err);
  return NULL;
}

/* Unchecked: bits of shape from a valid key. */
static mx_array *bits_of(mx_array *key, mx_shape shape) {
  mx_params p = mxi_shape_params(shape.ndim, shape.dims);
  return mxi_apply(MX_PRIM_RANDOM_BITS, 1, &key, &p);
}

mx_array *mx_random_bits(mx_array *key, mx_shape shape) {
  mx_array *bad = check_shape("random_bits", shape);
  if (bad) return bad;
  mx_array *k = get_key("random_bits", key);
  if (k->error) return k;
  return bits_of(k, shape);
}

mx_array *mx_random_split(mx_array *key, int num) {
  if (num < 0) return mxi_error("random_split", "num %d is negative", num);
  mx_array *k = get_key("random_split", key);
  if (k->error) return k;
  return bits_of(k, MX_SHAPE(num, 2));
}

/* ---- floating-point helpers ---- */

static bool is_float(mx_dtype dt) { return mx_dtype_is_float(dt); }
/* Distributions compute in float32 (float64 for float64) and round to their dtype at the end. */
static mx_dtype compute_of(mx_dtype dt) { return dt == MX_FLOAT64 ? MX_FLOAT64 : MX_FLOAT32; }
static mx_array *sc(double v, mx_dtype dt) { return mx_scalar_typed(v, dt); }

static double round_to(double v, mx_dtype dt) {
  switch (dt) {
    case MX_FLOAT16: return mxi_f16_to_f32(mxi_f32_to_f16((float)v));
    case MX_BFLOAT16: return mxi_bf16_to_f32(mxi_f32_to_bf16((float)v));
    case MX_FLOAT32: return (float)v;
    default: return v;
  }
}

/* The neighbour of v (a value of dt) in direction dir (+1 up, -1 down). */
static double step_dt(double v, mx_dtype dt, int dir) {
  double to = dir > 0 ? INFINITY : -INFINITY;
  if (dt == MX_FLOAT64) return nextafter(v, to);
  if (dt == MX_FLOAT32) return nextafterf((float)v, (float)to);
  /* float16/bfloat16: sign-magnitude bits, so neighbours are +-1 on the magnitude */
  bool f16 = dt == MX_FLOAT16;
  uint16_t b = f16 ? mxi_f32_to_f16((float)v) : mxi_f32_to_bf16((float)v);
  if ((b & 0x7fff) == 0) b = dir > 0 ? 0x0001 : 0x8001;
  else if ((b & 0x8000) == 0) b = (uint16_t)(dir > 0 ? b + 1 : b - 1);
  else b = (uint16_t)(dir > 0 ? b - 1 : b + 1);
  return f16 ? mxi_f16_to_f32(b) : mxi_bf16_to_f32(b);
}

/* The largest value of dt below v (strictly), and the smallest at or above v. */
static double below_dt(double v, mx_dtype dt) {
  double r = round_to(v, dt);
  while (r >= v) r = step_dt(r, dt, -1);
  return r;
}
static double ceil_dt(double v, mx_dtype dt) {
  double r = round_to(v, dt);
  while (r < v) r = step_dt(r, dt, +1);
  return r;
}
static double floor_dt(double v, mx_dtype dt) {
  double r = round_to(v, dt);
  while (r > v) r = step_dt(r, dt, -1);
  return r;
}

/* Uniform in [0, 1): float32 from the top 23 bits of a word, float64 from the top 52 bits of
 * a word pair (first word high), both as mantissas of [1, 2) minus 1, so every value is exact. */
static mx_array *unit_uniform(mx_array *key, mx_shape shape, mx_dtype cdt) {
  if (cdt == MX_FLOAT32) {
    mx_array *m = mx_bitwise_or(mx_right_shift(bits_of(key, shape), mx_scalar_int(9)),
                                mx_scalar_int(0x3f800000));
    return mx_subtract(mx_view_dtype(m, MX_FLOAT32), sc(1.0, MX_FLOAT32));
  }
  int64_t size = mxi_shape_size(shape.ndim, shape.dims);
  mx_array *b = bits_of(key, MX_SHAPE(size, 2));
  mx_array *hi = mx_astype(mx_reshape(mx_slice_axis(b, 1, 0, 1, 1), MX_SHAPE(size)), MX_UINT64);
  mx_array *lo = mx_astype(mx_reshape(mx_slice_axis(b, 1, 1, 2, 1), MX_SHAPE(size)), MX_UINT64);
  mx_array *w = mx_bitwise_or(mx_left_shift(hi, mx_scalar_int(32)), lo);
  mx_array *m = mx_bitwise_or(mx_right_shift(w, mx_scalar_int(12)),
                              mx_scalar_int(0x3ff0000000000000ll));
  mx_array *u = mx_subtract(mx_view_dtype(m, MX_FLOAT64), sc(1.0, MX_FLOAT64));
  return mx_reshape(u, shape);
}

/* Uniform in [low, high) computed in cdt (float32 or float64), unchecked: low + (high - low) u,
 * clamped below high where rounding reaches it. */
static mx_array *uniform_c(mx_array *key, mx_shape shape, double low, double high, mx_dtype cdt) {
  mx_array *u = unit_uniform(key, shape, cdt);
  mx_array *v = mx_add(mx_multiply(u, sc(high - low, cdt)), sc(low, cdt));
  return mx_minimum(v, sc(below_dt(high, cdt), cdt));
}

static mx_array *check_float(const char *op, mx_dtype dt) {
  if (!mx_dtype_is_valid(dt) || !is_float(dt))
    return mxi_error(op, "dtype %s is not a floating dtype (float16, bfloat16, float32, float64)",
                     mx_dtype_name(dt));
  return NULL;
}

/* ---- distributions ---- */

mx_array *mx_random_uniform(mx_array *key, mx_shape shape, double low, double high, mx_dtype dtype) {
  const char *op = "random_uniform";
  mx_array *bad = check_float(op, dtype);
  if (!bad) bad = check_shape(op, shape);
  if (bad) return bad;
  if (!isfinite(low) || !isfinite(high) || !(low < high))
    return mxi_error(op, "low %g must be below high %g, both finite", low, high);
  mx_array *k = get_key(op, key);
  if (k->error) return k;
  mx_array *v = mxi_cast(uniform_c(k, shape, low, high, compute_of(dtype)), dtype);
  if (dtype == MX_FLOAT16 || dtype == MX_BFLOAT16) /* rounding to half may reach high again */
    v = mx_minimum(v, sc(below_dt(high, dtype), dtype));
  return v;
}

/* Standard normals in cdt: sqrt(2) erfinv(u) with u uniform in (-1, 1) (u from the smallest
 * value above -1). float32 normals reach about +-5.4, float64 about +-8.3. */
static mx_array *std_normal(mx_array *key, mx_shape shape, mx_dtype cdt) {
  double lo = step_dt(-1.0, cdt, +1);
  mx_array *u = uniform_c(key, shape, lo, 1.0, cdt);
  return mx_multiply(mx_erfinv(u), sc(sqrt(2.0), cdt));
}

mx_array *mx_random_normal(mx_array *key, mx_shape shape, double loc, double scale, mx_dtype dtype) {
  const char *op = "random_normal";
  mx_array *bad = check_float(op, dtype);
  if (!bad) bad = check_shape(op, shape);
  if (bad) return bad;
  if (!isfinite(loc) || !isfinite(scale) || scale < 0)
    return mxi_error(op, "loc %g and scale %g must be finite, scale non-negative", loc, scale);
  mx_array *k = get_key(op, key);
  if (k->error) return k;
  mx_dtype cdt = compute_of(dtype);
  mx_array *z = std_normal(k, shape, cdt);
  return mxi_cast(mx_add(mx_multiply(z, sc(scale, cdt)), sc(loc, cdt)), dtype);
}

mx_array *mx_random_truncated_normal(mx_array *key, mx_shape shape, double lower, double upper,
                                     mx_dtype dtype) {
  const char *op = "random_truncated_normal";
  mx_array *bad = check_float(op, dtype);
  if (!bad) bad = check_shape(op, shape);
  if (bad) return bad;
  if (!(lower < upper)) return mxi_error(op, "lower %g must be below upper %g", lower, upper);
  mx_array *k = get_key(op, key);
  if (k->error) return k;
  /* Inverse CDF: z = sqrt(2) erfinv(u), u uniform in [erf(lower/sqrt 2), erf(upper/sqrt 2)),
   * then clipped to [lower, upper] against rounding (JAX's method). */
  mx_dtype cdt = compute_of(dtype);
  double a = erf(lower / sqrt(2.0)), b = erf(upper / sqrt(2.0));
  double amin = step_dt(-1.0, cdt, +1);
  a = round_to(a, cdt);
  b = round_to(b, cdt);
  if (a < amin) a = amin;
  mx_array *z;
  if (!(a < b)) { /* both bounds deep in one tail: erf cannot tell them apart */
    z = mx_full(shape, a >= 1.0 ? lower : upper, cdt);
  } else {
    mx_array *u = uniform_c(k, shape, a, b, cdt);
    z = mx_multiply(mx_erfinv(u), sc(sqrt(2.0), cdt));
  }
  z = mxi_cast(z, dtype);
  if (isfinite(lower)) z = mx_maximum(z, sc(ceil_dt(lower, dtype), dtype));
  if (isfinite(upper)) z = mx_minimum(z, sc(floor_dt(upper, dtype), dtype));
  return z;
}

mx_array *mx_random_bernoulli(mx_array *key, mx_shape shape, double p) {
  const char *op = "random_bernoulli";
  mx_array *bad = check_shape(op, shape);
  if (bad) return bad;
  if (!(p >= 0 && p <= 1)) return mxi_error(op, "p %g is not in [0, 1]", p);
  mx_array *k = get_key(op, key);
  if (k->error) return k;
  if (p == 1) return mx_full(shape, 1, MX_BOOL);
  /* a word below floor(p 2^32): probability within 2^-32 of p */
  uint32_t thr = (uint32_t)ldexp(p, 32);
  return mx_less(bits_of(k, shape), sc((double)thr, MX_UINT32));
}

static void int_limits(mx_dtype dt, int64_t *lo, uint64_t *hi) {
  switch (dt) {
    case MX_UINT8: *lo = 0; *hi = UINT8_MAX; break;
    case MX_UINT16: *lo = 0; *hi = UINT16_MAX; break;
    case MX_UINT32: *lo = 0; *hi = UINT32_MAX; break;
    case MX_UINT64: *lo = 0; *hi = UINT64_MAX; break;
    case MX_INT8: *lo = INT8_MIN; *hi = INT8_MAX; break;
    case MX_INT16: *lo = INT16_MIN; *hi = INT16_MAX; break;
    case MX_INT32: *lo = INT32_MIN; *hi = INT32_MAX; break;
    default: *lo = INT64_MIN; *hi = INT64_MAX; break;
  }
}

mx_array *mx_random_randint(mx_array *key, mx_shape shape, int64_t low, int64_t high,
                            mx_dtype dtype) {
  const char *op = "random_randint";
  if (!mx_dtype_is_valid(dtype) || !mx_dtype_is_integer(dtype))
    return mxi_error(op, "dtype %s is not an integer dtype", mx_dtype_name(dtype));
  mx_array *bad = check_shape(op, shape);
  if (bad) return bad;
  if (low >= high)
    return mxi_error(op, "low %lld must be below high %lld", (long long)low, (long long)high);
  int64_t dlo;
  uint64_t dhi;
  int_limits(dtype, &dlo, &dhi);
  if (low < dlo || (high - 1 > 0 && (uint64_t)(high - 1) > dhi))
    return mxi_error(op, "[%lld, %lld) does not fit %s", (long long)low, (long long)high,
                     mx_dtype_name(dtype));
  mx_array *k = get_key(op, key);
  if (k->error) return k;
  /* low + (w mod span) with w a 64-bit word (pair, first word high): the bias is below
   * span / 2^64 per value, under 2^-32 for spans up to 2^32. uint64 arithmetic wraps, so low's
   * two's-complement bits add correctly for negative low. */
  uint64_t span = (uint64_t)high - (uint64_t)low, ulow = (uint64_t)low;
  int64_t size = mxi_shape_size(shape.ndim, shape.dims);
  mx_array *b = bits_of(k, MX_SHAPE(size, 2));
  mx_array *hi = mx_astype(mx_reshape(mx_slice_axis(b, 1, 0, 1, 1), MX_SHAPE(size)), MX_UINT64);
  mx_array *lo = mx_astype(mx_reshape(mx_slice_axis(b, 1, 1, 2, 1), MX_SHAPE(size)), MX_UINT64);
  mx_array *w = mx_bitwise_or(mx_left_shift(hi, mx_scalar_int(32)), lo);
  mx_array *r = mx_remainder(w, mx_array_new(&span, MX_SCALAR_SHAPE, MX_UINT64));
  r = mx_add(r, mx_array_new(&ulow, MX_SCALAR_SHAPE, MX_UINT64));
  return mx_reshape(mxi_cast(r, dtype), shape);
}

/* Gumbel(0, 1) in cdt: -log(-log(u)), u uniform in [smallest normal, 1). */
static mx_array *gumbel_c(mx_array *key, mx_shape shape, mx_dtype cdt) {
  double tiny = cdt == MX_FLOAT64 ? DBL_MIN : FLT_MIN;
  mx_array *u = uniform_c(key, shape, tiny, 1.0, cdt);
  return mx_negative(mx_log(mx_negative(mx_log(u))));
}

mx_array *mx_random_gumbel(mx_array *key, mx_shape shape, mx_dtype dtype) {
  const char *op = "random_gumbel";
  mx_array *bad = check_float(op, dtype);
  if (!bad) bad = check_shape(op, shape);
  if (bad) return bad;
  mx_array *k = get_key(op, key);
  if (k->error) return k;
  return mxi_cast(gumbel_c(k, shape, compute_of(dtype)), dtype);
}

mx_array *mx_random_categorical(mx_array *key, mx_array *logits, int axis) {
  const char *op = "random_categorical";
  MXI_CHECK(op, logits);
  mx_dtype dt = (mx_dtype)logits->dtype;
  if (dt == MX_COMPLEX64) return mxi_error(op, "complex64 logits are not supported");
  int ax;
  char s[MXI_SHAPE_STR_LEN];
  if (!mxi_norm_axis(axis, logits->ndim, &ax))
    return mxi_error(op, "axis %d is out of range for logits of shape %s", axis,
                     mxi_shape_str(s, sizeof s, logits->ndim, logits->shape));
  if (logits->shape[ax] == 0)
    return mxi_error(op, "axis %d of logits of shape %s is empty: no category to draw", axis,
                     mxi_shape_str(s, sizeof s, logits->ndim, logits->shape));
  mx_array *k = get_key(op, key);
  if (k->error) return k;
  /* Gumbel-max: argmax(logits + g) is distributed as softmax(logits) along axis. */
  mx_dtype cdt = compute_of(mxi_float_of(dt));
  mx_array *x = mxi_cast(logits, cdt);
  return mx_argmax(mx_add(x, gumbel_c(k, mxi_shape_of(x), cdt)), ax, false);
}

mx_array *mx_random_permutation(mx_array *key, int64_t n) {
  const char *op = "random_permutation";
  if (n < 0) return mxi_error(op, "n %lld is negative", (long long)n);
  mx_array *k = get_key(op, key);
  if (k->error) return k;
  mx_params p = mxi_shape_params(1, &n);
  return mxi_apply(MX_PRIM_RANDOM_PERMUTATION, 1, &k, &p);
}

mx_array *mx_random_permute(mx_array *key, mx_array *a) {
  const char *op = "random_permute";
  MXI_CHECK(op, a);
  if (a->ndim < 1) return mxi_error(op, "cannot permute a 0-d array");
  mx_array *k = get_key(op, key);
  if (k->error) return k;
  mx_params p = mxi_shape_params(1, a->shape);
  mx_array *in[2] = {k, a};
  return mxi_apply(MX_PRIM_RANDOM_PERMUTATION, 2, in, &p);
}
