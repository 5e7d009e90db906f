/* test_random.c — random numbers: threefry known answers, the documented bit layout
 * (docs/random.md) against an independent reference, reproducibility, statistics on 10^5-10^6
 * samples with tolerances of 5 standard errors, dtypes, shapes and error paths. */
#include "backend/common/threefry.h"
#include "threefry_ref.h"
#include "ref.h"

#define N_STAT 1000000
#define SIGMAS 5.0

/* ---- the independent reference (tests/lib/threefry_ref.h) ---- */
/* element i of random_bits(key, [n]): word i % 2 of pair i / 2 */
static uint32_t bit_ref(uint32_t k0, uint32_t k1, uint64_t i) {
  uint32_t o[2];
  ref_threefry(k0, k1, (uint32_t)((i / 2) >> 32), (uint32_t)(i / 2), o);
  return o[i % 2];
}

static mx_array *key2(uint32_t k0, uint32_t k1) {
  uint32_t k[2] = {k0, k1};
  return mx_array_new(k, MX_SHAPE(2), MX_UINT32);
}

/* Values of a as doubles (caller frees). */
static ref_array *vals(mx_array *a) { return ref_from(a); }

TEST(threefry_known_answers) {
  const uint32_t kat[3][6] = {
      {0, 0, 0, 0, 0x6b200159u, 0x99ba4efeu},
      {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x1cb996fcu, 0xbb002be7u},
      {0x13198a2eu, 0x03707344u, 0x243f6a88u, 0x85a308d3u, 0xc4923a9cu, 0x483df7a0u},
  };
  for (int i = 0; i < 3; i++) {
    uint32_t o[2], r[2];
    mxi_threefry2x32(kat[i][0], kat[i][1], kat[i][2], kat[i][3], o);
    ref_threefry(kat[i][0], kat[i][1], kat[i][2], kat[i][3], r);
    CHECK_INT(o[0], kat[i][4]);
    CHECK_INT(o[1], kat[i][5]);
    CHECK_INT(r[0], kat[i][4]);
    CHECK_INT(r[1], kat[i][5]);
  }
  /* through the public API: key (0, 0), counter (0, 0) is the first word pair */
  const uint32_t *b = mx_array_data(mx_random_bits(key2(0, 0), MX_SHAPE(2)));
  CHECK(b && b[0] == 0x6b200159u && b[1] == 0x99ba4efeu);
}

TEST(bits_layout_and_thread_independence) {
  /* 10^6 + 1 words, filled by several threads, each must equal the formula (so the result
   * cannot depend on how the work was split); the odd size drops the last pair's second word */
  const int64_t n = 1000001;
  uint32_t k0 = 0x12345678u, k1 = 0x9abcdef0u;
  mx_array *a = mx_random_bits(key2(k0, k1), MX_SHAPE(n));
  CHECK_INT(mx_array_dtype(a), MX_UINT32);
  const uint32_t *b = mx_array_data(a);
  int64_t bad = 0;
  for (int64_t i = 0; b && i < n; i++) bad += b[i] != bit_ref(k0, k1, (uint64_t)i);
  CHECK_INT(bad, 0);
  /* shape is row-major over the same stream */
  const uint32_t *c = mx_array_data(mx_random_bits(key2(k0, k1), MX_SHAPE(3, 5)));
  for (int i = 0; c && i < 15; i++) CHECK_INT(c[i], bit_ref(k0, k1, (uint64_t)i));
  CHECK_INT(mx_array_size(mx_random_bits(key2(1, 2), MX_SHAPE(0, 4))), 0);
  CHECK_OK(mx_random_bits(key2(1, 2), MX_SHAPE(0, 4)));
  /* a key that is a strided view (a row of split, or a column slice) reads correctly */
  mx_array *ks = mx_random_split(key2(k0, k1), 3);
  mx_array *row = mx_reshape(mx_slice_axis(ks, 0, 2, 3, 1), MX_SHAPE(2));
  const uint32_t *kr = mx_array_data(ks);
  const uint32_t *d = mx_array_data(mx_random_bits(row, MX_SHAPE(4)));
  for (int i = 0; kr && d && i < 4; i++) CHECK_INT(d[i], bit_ref(kr[4], kr[5], (uint64_t)i));
  uint32_t both[4] = {7, 100, 8, 200}; /* [[7, 100], [8, 200]]: its column 0, (7, 8), as a view */
  mx_array *kt = mx_transpose(mx_array_new(both, MX_SHAPE(2, 2), MX_UINT32), MX_ALL_AXES);
  mx_array *col = mx_reshape(mx_slice_axis(kt, 0, 0, 1, 1), MX_SHAPE(2));
  const uint32_t *e = mx_array_data(mx_random_bits(col, MX_SHAPE(3)));
  for (int i = 0; e && i < 3; i++) CHECK_INT(e[i], bit_ref(7, 8, (uint64_t)i));
}

TEST(keys_split_and_global_key) {
  const uint32_t *k = mx_array_data(mx_random_key(0x0123456789abcdefull));
  CHECK(k && k[0] == 0x01234567u && k[1] == 0x89abcdefu);
  /* split(key, num)[i] is word pair i of the key's stream */
  mx_array *s = mx_random_split(key2(3, 4), 5);
  CHECK_INT(mx_array_ndim(s), 2);
  CHECK_INT(mx_array_dim(s, 0), 5);
  CHECK_INT(mx_array_dim(s, 1), 2);
  const uint32_t *sv = mx_array_data(s);
  for (int i = 0; sv && i < 10; i++) CHECK_INT(sv[i], bit_ref(3, 4, (uint64_t)i));
  CHECK_INT(mx_array_dim(mx_random_split(key2(3, 4), 0), 0), 0);
  /* the global key: seeded draws repeat; each draw uses split(global, 2)[1] and keeps [0] */
  mx_random_seed(42);
  mx_array *g1 = mx_random_bits(NULL, MX_SHAPE(4)), *g2 = mx_random_bits(NULL, MX_SHAPE(4));
  mx_random_seed(42);
  mx_array *h1 = mx_random_bits(NULL, MX_SHAPE(4));
  CHECK(mx_item_bool(mx_array_equal(g1, h1, false)));
  CHECK(!mx_item_bool(mx_array_equal(g1, g2, false)));
  mx_array *sp = mx_random_split(mx_random_key(42), 2);
  mx_array *use = mx_reshape(mx_slice_axis(sp, 0, 1, 2, 1), MX_SHAPE(2));
  CHECK(mx_item_bool(mx_array_equal(g1, mx_random_bits(use, MX_SHAPE(4)), false)));
  mx_array *next = mx_reshape(mx_slice_axis(sp, 0, 0, 1, 1), MX_SHAPE(2));
  mx_array *use2 = mx_reshape(mx_slice_axis(mx_random_split(next, 2), 0, 1, 2, 1), MX_SHAPE(2));
  CHECK(mx_item_bool(mx_array_equal(g2, mx_random_bits(use2, MX_SHAPE(4)), false)));
  /* NULL keys work in every distribution */
  CHECK_OK(mx_random_uniform(NULL, MX_SHAPE(3), 0, 1, MX_FLOAT32));
  CHECK_OK(mx_random_permutation(NULL, 5));
}

TEST(reproducible_and_distinct) {
  mx_array *k = mx_random_key(7);
  mx_array *ks = mx_random_split(k, 2);
  mx_array *ka = mx_reshape(mx_slice_axis(ks, 0, 0, 1, 1), MX_SHAPE(2));
  mx_array *kb = mx_reshape(mx_slice_axis(ks, 0, 1, 2, 1), MX_SHAPE(2));
  mx_shape s = MX_SHAPE(1000);
  CHECK(mx_item_bool(mx_array_equal(mx_random_normal(k, s, 0, 1, MX_FLOAT32),
                                    mx_random_normal(mx_random_key(7), s, 0, 1, MX_FLOAT32), false)));
  CHECK(mx_item_bool(mx_array_equal(mx_random_randint(k, s, -5, 5, MX_INT32),
                                    mx_random_randint(k, s, -5, 5, MX_INT32), false)));
  /* different keys and different subkeys: (almost) no equal uniform floats */
  mx_array *keys[3] = {k, ka, kb};
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++) {
      mx_array *eq = mx_equal(mx_random_uniform(keys[i], s, 0, 1, MX_FLOAT32),
                              mx_random_uniform(keys[j], s, 0, 1, MX_FLOAT32));
      CHECK(mx_item_i64(mx_sum(eq, MX_ALL_AXES, false)) < 5);
    }
  CHECK(!mx_item_bool(mx_array_equal(mx_random_key(1), mx_random_key(2), false)));
}

/* ---- statistics ---- */

static void moments(const ref_array *r, double *mean, double *var) {
  double s = 0, q = 0;
  for (int64_t i = 0; i < r->size; i++) s += r->re[i];
  *mean = s / (double)r->size;
  for (int64_t i = 0; i < r->size; i++) q += (r->re[i] - *mean) * (r->re[i] - *mean);
  *var = q / (double)r->size;
}

/* Within SIGMAS standard errors. */
#define CHECK_STAT(got, want, se) CHECK_CLOSE((got), (want), 0, SIGMAS * (se))

TEST(uniform_statistics_and_bits) {
  const mx_dtype dts[] = {MX_FLOAT32, MX_FLOAT64, MX_FLOAT16, MX_BFLOAT16};
  for (int d = 0; d < 4; d++) {
    mx_scope sc = mx_scope_begin();
    double lo = -3, hi = 5, w = hi - lo;
    mx_array *u = mx_random_uniform(mx_random_key(11 + (uint64_t)d), MX_SHAPE(N_STAT), lo, hi, dts[d]);
    CHECK_INT(mx_array_dtype(u), dts[d]);
    ref_array *r = vals(u);
    double m, v, mn = INFINITY, mxv = -INFINITY;
    moments(r, &m, &v);
    for (int64_t i = 0; i < r->size; i++) {
      mn = fmin(mn, r->re[i]);
      mxv = fmax(mxv, r->re[i]);
    }
    CHECK(mn >= lo && mxv < hi);
    double tol_q = dts[d] == MX_BFLOAT16 ? 0.02 : 0; /* bfloat16's coarse grid shifts moments */
    CHECK_CLOSE(m, (lo + hi) / 2, 0, SIGMAS * w * sqrt(1.0 / 12 / N_STAT) + tol_q * w);
    CHECK_CLOSE(v, w * w / 12, 0, SIGMAS * w * w * sqrt((1.0 / 80 - 1.0 / 144) / N_STAT) + tol_q * w * w);
    ref_free(r);
    mx_scope_end(sc);
  }
  /* float32: exactly (bits >> 9) * 2^-23; float64: the top 52 bits of (w0 << 32 | w1) */
  mx_array *k = key2(5, 6);
  const float *f = mx_array_data(mx_random_uniform(k, MX_SHAPE(100), 0, 1, MX_FLOAT32));
  const double *g = mx_array_data(mx_random_uniform(k, MX_SHAPE(100), 0, 1, MX_FLOAT64));
  for (int i = 0; f && g && i < 100; i++) {
    CHECK(f[i] == (float)ldexp((double)(bit_ref(5, 6, (uint64_t)i) >> 9), -23));
    uint64_t w64 = (uint64_t)bit_ref(5, 6, 2 * (uint64_t)i) << 32 | bit_ref(5, 6, 2 * (uint64_t)i + 1);
    CHECK(g[i] == ldexp((double)(w64 >> 12), -52));
  }
  /* narrow ranges never reach high, even where rounding to float16 would */
  ref_array *r = vals(mx_random_uniform(k, MX_SHAPE(10000), 1.0, 1.001, MX_FLOAT16));
  for (int64_t i = 0; r && i < r->size; i++)
    if (!(r->re[i] >= 1.0 && r->re[i] < 1.001)) {
      FAIL("float16 uniform value %g outside [1, 1.001)", r->re[i]);
      break;
    }
  ref_free(r);
}

static double phi_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }
static double phi_pdf(double z) { return exp(-0.5 * z * z) / sqrt(2 * 3.14159265358979323846); }

TEST(normal_statistics) {
  const mx_dtype dts[] = {MX_FLOAT32, MX_FLOAT64, MX_BFLOAT16};
  for (int d = 0; d < 3; d++) {
    mx_scope sc = mx_scope_begin();
    ref_array *r = vals(mx_random_normal(mx_random_key(21 + (uint64_t)d), MX_SHAPE(N_STAT), 0, 1, dts[d]));
    double m, v;
    moments(r, &m, &v);
    double grid = dts[d] == MX_BFLOAT16 ? 0.01 : 0; /* bfloat16 rounds by 2^-8 relative */
    CHECK_STAT(m, 0, 1 / sqrt(N_STAT));
    CHECK_CLOSE(v, 1, 0, SIGMAS * sqrt(2.0 / N_STAT) + grid);
    const double zs[] = {-2.5, -1.96, -1, -0.3, 0.5, 1, 1.96, 3};
    for (int q = 0; q < 8; q++) {
      int64_t below = 0;
      for (int64_t i = 0; i < r->size; i++) below += r->re[i] < zs[q];
      double p = phi_cdf(zs[q]), frac = (double)below / (double)r->size;
      CHECK_CLOSE(frac, p, 0, SIGMAS * sqrt(p * (1 - p) / N_STAT) + grid * phi_pdf(zs[q]));
    }
    ref_free(r);
    mx_scope_end(sc);
  }
  ref_array *r = vals(mx_random_normal(mx_random_key(3), MX_SHAPE(200000), 10, 3, MX_FLOAT32));
  double m, v;
  moments(r, &m, &v);
  CHECK_STAT(m, 10, 3 / sqrt(200000));
  CHECK_STAT(v, 9, 9 * sqrt(2.0 / 200000));
  ref_free(r);
}

TEST(truncated_normal_statistics) {
  const double bounds[][2] = {{-1, 2}, {-2, 2}, {0.5, INFINITY}, {-INFINITY, -1}, {3, 4}};
  for (int c = 0; c < 5; c++) {
    mx_scope sc = mx_scope_begin();
    double a = bounds[c][0], b = bounds[c][1];
    mx_array *t = mx_random_truncated_normal(mx_random_key(31 + (uint64_t)c), MX_SHAPE(200000), a, b,
                                             MX_FLOAT32);
    ref_array *r = vals(t);
    double m, v, lo = INFINITY, hi = -INFINITY;
    moments(r, &m, &v);
    for (int64_t i = 0; i < r->size; i++) {
      lo = fmin(lo, r->re[i]);
      hi = fmax(hi, r->re[i]);
    }
    CHECK(lo >= a && hi <= b);
    double pa = isinf(a) ? 0 : phi_pdf(a), pb = isinf(b) ? 0 : phi_pdf(b);
    double z = phi_cdf(b) - phi_cdf(a);
    double mean = (pa - pb) / z;
    double var = 1 + ((isinf(a) ? 0 : a * pa) - (isinf(b) ? 0 : b * pb)) / z - mean * mean;
    CHECK_STAT(m, mean, sqrt(var / 200000));
    CHECK_CLOSE(v, var, 0.05, 0);
    ref_free(r);
    mx_scope_end(sc);
  }
  /* float16 output stays inside the bounds */
  ref_array *r = vals(mx_random_truncated_normal(mx_random_key(9), MX_SHAPE(10000), -0.1, 0.1, MX_FLOAT16));
  for (int64_t i = 0; r && i < r->size; i++)
    if (!(r->re[i] >= -0.1 && r->re[i] <= 0.1)) {
      FAIL("truncated normal float16 value %g outside [-0.1, 0.1]", r->re[i]);
      break;
    }
  ref_free(r);
}

TEST(bernoulli_statistics) {
  const double ps[] = {0.0, 0.1, 0.5, 0.93, 1.0};
  for (int c = 0; c < 5; c++) {
    mx_array *b = mx_random_bernoulli(mx_random_key(41 + (uint64_t)c), MX_SHAPE(N_STAT), ps[c]);
    CHECK_INT(mx_array_dtype(b), MX_BOOL);
    double rate = (double)mx_item_i64(mx_sum(b, MX_ALL_AXES, false)) / N_STAT;
    double p = ps[c];
    CHECK_CLOSE(rate, p, 0, SIGMAS * sqrt(p * (1 - p) / N_STAT));
  }
  /* exactly: word < floor(p 2^32) */
  const uint8_t *bv = mx_array_data(mx_random_bernoulli(key2(1, 1), MX_SHAPE(64), 0.3));
  uint32_t thr = (uint32_t)ldexp(0.3, 32);
  for (int i = 0; bv && i < 64; i++) CHECK_INT(bv[i], bit_ref(1, 1, (uint64_t)i) < thr);
}

TEST(randint_range_and_uniformity) {
  struct {
    int64_t lo, hi;
    mx_dtype dt;
  } cases[] = {{0, 10, MX_INT32}, {-7, 3, MX_INT64}, {-128, 128, MX_INT8}, {250, 256, MX_UINT8},
               {-3, 7, MX_INT16}, {0, 10, MX_UINT64}};
  for (int c = 0; c < 6; c++) {
    mx_scope sc = mx_scope_begin();
    mx_array *a = mx_random_randint(mx_random_key(51 + (uint64_t)c), MX_SHAPE(500, 400), cases[c].lo, cases[c].hi,
                                    cases[c].dt);
    CHECK_INT(mx_array_dtype(a), cases[c].dt);
    CHECK_INT(mx_array_dim(a, 1), 400);
    ref_array *r = vals(a);
    int64_t span = cases[c].hi - cases[c].lo, n = r ? r->size : 0;
    int64_t *count = calloc((size_t)span, sizeof(int64_t));
    bool in_range = true;
    for (int64_t i = 0; i < n; i++) {
      double v = r->re[i];
      if (!(v >= (double)cases[c].lo && v < (double)cases[c].hi) || v != floor(v)) in_range = false;
      else count[(int64_t)v - cases[c].lo]++;
    }
    CHECK(in_range);
    double p = 1.0 / (double)span;
    for (int64_t k = 0; in_range && k < span; k++)
      CHECK_CLOSE((double)count[k] / (double)n, p, 0, SIGMAS * sqrt(p * (1 - p) / (double)n));
    free(count);
    ref_free(r);
    mx_scope_end(sc);
  }
  /* the documented mapping: low + ((w0 << 32 | w1) mod span) */
  const int64_t *v = mx_array_data(mx_random_randint(key2(9, 9), MX_SHAPE(50), -1000, 123457, MX_INT64));
  for (int i = 0; v && i < 50; i++) {
    uint64_t w = (uint64_t)bit_ref(9, 9, 2 * (uint64_t)i) << 32 | bit_ref(9, 9, 2 * (uint64_t)i + 1);
    CHECK_INT(v[i], -1000 + (int64_t)(w % 124457));
  }
  /* the full int64 range and large unsigned spans stay in range */
  ref_array *big = vals(mx_random_randint(key2(1, 2), MX_SHAPE(1000), INT64_MIN, INT64_MAX, MX_INT64));
  CHECK(big != NULL);
  ref_free(big);
  const uint64_t *u = mx_array_data(mx_random_randint(key2(1, 2), MX_SHAPE(1000), 5, INT64_MAX, MX_UINT64));
  for (int i = 0; u && i < 1000; i++) CHECK(u[i] >= 5 && u[i] < (uint64_t)INT64_MAX);
}

TEST(categorical_frequencies) {
  const float logits[4] = {0.0f, 1.0f, -1.0f, 2.0f};
  double p[4], s = 0;
  for (int j = 0; j < 4; j++) s += exp(logits[j]);
  for (int j = 0; j < 4; j++) p[j] = exp(logits[j]) / s;
  const int n = 200000;
  /* axis -1 on [n, 4] rows, and axis 0 on the transposed [4, n] */
  mx_array *row = mx_array_new(logits, MX_SHAPE(1, 4), MX_FLOAT32);
  mx_array *l = mx_broadcast_to(row, MX_SHAPE(n, 4));
  mx_array *draws[2] = {mx_random_categorical(mx_random_key(61), l, -1),
                        mx_random_categorical(mx_random_key(62), mx_transpose(l, MX_ALL_AXES), 0)};
  for (int c = 0; c < 2; c++) {
    CHECK_INT(mx_array_ndim(draws[c]), 1);
    CHECK_INT(mx_array_dim(draws[c], 0), n);
    CHECK_INT(mx_array_dtype(draws[c]), MX_INT64);
    ref_array *r = vals(draws[c]);
    int64_t count[4] = {0};
    bool ok = true;
    for (int64_t i = 0; r && i < r->size; i++) {
      int64_t k = (int64_t)r->re[i];
      if (k < 0 || k > 3) ok = false;
      else count[k]++;
    }
    CHECK(ok);
    for (int j = 0; j < 4; j++) CHECK_STAT((double)count[j] / n, p[j], sqrt(p[j] * (1 - p[j]) / n));
    ref_free(r);
  }
  /* a -inf logit is never drawn; a float16 and an integer logits array work */
  const float masked[3] = {-INFINITY, 0, -INFINITY};
  mx_array *m = mx_broadcast_to(mx_array_new(masked, MX_SHAPE(1, 3), MX_FLOAT32), MX_SHAPE(1000, 3));
  CHECK(mx_item_bool(mx_all(mx_equal(mx_random_categorical(mx_random_key(63), m, 1), mx_scalar_int(1)),
                            MX_ALL_AXES, false)));
  CHECK_OK(mx_random_categorical(NULL, mx_astype(m, MX_FLOAT16), 1));
  CHECK_OK(mx_random_categorical(NULL, mx_zeros(MX_SHAPE(5), MX_INT32), 0));
}

/* The documented permutation: a stable argsort of the 64-bit words (w0 << 32 | w1). */
typedef struct {
  uint64_t k;
  int64_t i;
} kv;
static int cmp_kv(const void *a, const void *b) {
  const kv *x = a, *y = b;
  if (x->k != y->k) return x->k < y->k ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

TEST(permutation_and_permute) {
  const int64_t n = 10000;
  mx_array *p = mx_random_permutation(key2(77, 88), n);
  CHECK_INT(mx_array_dtype(p), MX_INT64);
  const int64_t *pv = mx_array_data(p);
  kv *ref = malloc(sizeof(kv) * (size_t)n);
  for (int64_t i = 0; i < n; i++) {
    ref[i].k = (uint64_t)bit_ref(77, 88, 2 * (uint64_t)i) << 32 | bit_ref(77, 88, 2 * (uint64_t)i + 1);
    ref[i].i = i;
  }
  qsort(ref, (size_t)n, sizeof(kv), cmp_kv);
  int64_t bad = 0, fixed = 0;
  bool *seen = calloc((size_t)n, 1);
  for (int64_t i = 0; pv && i < n; i++) {
    bad += pv[i] != ref[i].i;
    fixed += pv[i] == i;
    if (pv[i] >= 0 && pv[i] < n) seen[pv[i]] = true;
  }
  CHECK_INT(bad, 0);
  for (int64_t i = 0; i < n; i++) CHECK(seen[i]);
  CHECK(fixed < 10); /* about 1 expected */
  free(seen);
  free(ref);
  CHECK_INT(mx_array_size(mx_random_permutation(key2(1, 1), 0)), 0);
  CHECK_OK(mx_random_permutation(key2(1, 1), 0));
  CHECK(!mx_item_bool(mx_array_equal(mx_random_permutation(key2(1, 1), 50), mx_random_permutation(key2(1, 2), 50), false)));
  /* permute: rows of a in the order of permutation(key, rows), views included */
  mx_array *a = mx_reshape(mx_arange(0, 60, 1, MX_FLOAT32), MX_SHAPE(20, 3));
  mx_array *k = key2(5, 5);
  const int64_t *q = mx_array_data(mx_random_permutation(k, 20));
  mx_array *inputs[2] = {a, mx_transpose(mx_reshape(mx_arange(0, 60, 1, MX_FLOAT32), MX_SHAPE(3, 20)), MX_ALL_AXES)};
  for (int c = 0; c < 2; c++) {
    mx_array *s = mx_random_permute(k, inputs[c]);
    CHECK_INT(mx_array_dim(s, 0), 20);
    CHECK_INT(mx_array_dim(s, 1), 3);
    ref_array *sv = vals(s), *av = vals(inputs[c]);
    for (int64_t i = 0; q && sv && av && i < 20; i++)
      for (int j = 0; j < 3; j++) CHECK_CLOSE(sv->re[i * 3 + j], av->re[q[i] * 3 + j], 0, 0);
    ref_free(sv);
    ref_free(av);
  }
  CHECK_INT(mx_array_dtype(mx_random_permute(k, mx_zeros(MX_SHAPE(4), MX_INT16))), MX_INT16);
}

TEST(gumbel_statistics) {
  ref_array *r = vals(mx_random_gumbel(mx_random_key(71), MX_SHAPE(N_STAT), MX_FLOAT32));
  double m, v;
  moments(r, &m, &v);
  const double euler = 0.57721566490153286, var = 3.14159265358979323846 * 3.14159265358979323846 / 6;
  CHECK_STAT(m, euler, sqrt(var / N_STAT));
  CHECK_CLOSE(v, var, 0.02, 0);
  for (int64_t i = 0; r && i < r->size; i++)
    if (!isfinite(r->re[i])) {
      FAIL("gumbel value %g is not finite", r->re[i]);
      break;
    }
  ref_free(r);
  CHECK_INT(mx_array_dtype(mx_random_gumbel(NULL, MX_SHAPE(2, 2), MX_FLOAT64)), MX_FLOAT64);
}

TEST(random_dtypes_and_shapes) {
  mx_array *k = mx_random_key(1);
  mx_array *u = mx_random_uniform(k, MX_SHAPE(2, 3, 4), 0, 1, MX_BFLOAT16);
  CHECK_INT(mx_array_dtype(u), MX_BFLOAT16);
  CHECK_INT(mx_array_ndim(u), 3);
  CHECK_INT(mx_array_dim(u, 2), 4);
  CHECK_OK(u);
  CHECK_INT(mx_array_ndim(mx_random_normal(k, MX_SCALAR_SHAPE, 0, 1, MX_FLOAT32)), 0);
  CHECK_OK(mx_random_normal(k, MX_SCALAR_SHAPE, 0, 1, MX_FLOAT32));
  CHECK_OK(mx_random_normal(k, MX_SHAPE(0), 0, 1, MX_FLOAT64));
  CHECK_OK(mx_random_randint(k, MX_SHAPE(3, 0), 0, 5, MX_UINT16));
  CHECK_INT(mx_array_dtype(mx_random_randint(k, MX_SHAPE(3), 0, 5, MX_UINT16)), MX_UINT16);
  CHECK_INT(mx_array_dtype(mx_random_split(k, 4)), MX_UINT32);
  /* an 8-d shape (the most dims) through the paths that add a pair axis */
  mx_shape s8 = MX_SHAPE(2, 1, 2, 1, 2, 1, 2, 3);
  CHECK_OK(mx_random_uniform(k, s8, 0, 1, MX_FLOAT64));
  CHECK_OK(mx_random_randint(k, s8, 0, 3, MX_INT8));
  CHECK_INT(mx_array_ndim(mx_random_randint(k, s8, 0, 3, MX_INT8)), 8);
}

TEST(random_errors) {
  mx_array *k = mx_random_key(1);
  mx_shape s = MX_SHAPE(4);
  CHECK_ERROR(mx_random_bits(mx_zeros(MX_SHAPE(3), MX_UINT32), s), "mx_random_bits: key must be a uint32 array of shape (2,), got uint32 of shape (3)");
  CHECK_ERROR(mx_random_uniform(mx_zeros(MX_SHAPE(2), MX_FLOAT32), s, 0, 1, MX_FLOAT32), "got float32");
  CHECK_ERROR(mx_random_normal(mx_zeros(MX_SHAPE(1, 2), MX_UINT32), s, 0, 1, MX_FLOAT32), "shape (1,2)");
  CHECK_ERROR(mx_random_split(mx_zeros(MX_SHAPE(2, 2), MX_UINT32), 2), "mx_random_split: key must be");
  CHECK_ERROR(mx_random_uniform(k, s, 1, 1, MX_FLOAT32), "mx_random_uniform: low 1 must be below high 1");
  CHECK_ERROR(mx_random_uniform(k, s, 0, INFINITY, MX_FLOAT32), "finite");
  CHECK_ERROR(mx_random_uniform(k, s, 0, 1, MX_INT32), "not a floating dtype");
  CHECK_ERROR(mx_random_randint(k, s, 5, 5, MX_INT32), "mx_random_randint: low 5 must be below high 5");
  CHECK_ERROR(mx_random_randint(k, s, 0, 5, MX_FLOAT32), "not an integer dtype");
  CHECK_ERROR(mx_random_randint(k, s, 0, 5, MX_BOOL), "not an integer dtype");
  CHECK_ERROR(mx_random_randint(k, s, -1, 5, MX_UINT8), "does not fit uint8");
  CHECK_ERROR(mx_random_randint(k, s, 0, 300, MX_INT8), "does not fit int8");
  CHECK_ERROR(mx_random_permutation(k, -1), "mx_random_permutation: n -1 is negative");
  CHECK_ERROR(mx_random_split(k, -2), "num -2 is negative");
  CHECK_ERROR(mx_random_bits(k, MX_SHAPE(2, -1)), "negative dimension in shape (2,-1)");
  CHECK_ERROR(mx_random_bernoulli(k, s, 1.5), "p 1.5 is not in [0, 1]");
  CHECK_ERROR(mx_random_bernoulli(k, s, NAN), "is not in [0, 1]");
  CHECK_ERROR(mx_random_normal(k, s, 0, -1, MX_FLOAT32), "scale");
  CHECK_ERROR(mx_random_truncated_normal(k, s, 2, 1, MX_FLOAT32), "lower 2 must be below upper 1");
  CHECK_ERROR(mx_random_gumbel(k, s, MX_UINT8), "not a floating dtype");
  CHECK_ERROR(mx_random_categorical(k, mx_zeros(MX_SHAPE(2, 3), MX_FLOAT32), 2), "axis 2 is out of range");
  CHECK_ERROR(mx_random_categorical(k, mx_zeros(MX_SHAPE(2, 0), MX_FLOAT32), 1), "is empty");
  CHECK_ERROR(mx_random_categorical(k, mx_zeros(MX_SHAPE(2), MX_COMPLEX64), 0), "complex64");
  CHECK_ERROR(mx_random_permute(k, mx_scalar(1)), "mx_random_permute: cannot permute a 0-d array");
  /* errors propagate through keys and inputs */
  mx_array *bad = mx_reshape(k, MX_SHAPE(3));
  CHECK_ERROR(mx_random_normal(bad, s, 0, 1, MX_FLOAT32), "mx_reshape");
  CHECK_ERROR(mx_random_permute(k, bad), "mx_reshape");
  CHECK_ERROR(mx_random_categorical(k, NULL, 0), "input 0 is NULL");
  /* a rejected call does not advance the global key */
  mx_random_seed(5);
  CHECK_ERROR(mx_random_uniform(NULL, s, 2, 1, MX_FLOAT32), "below");
  mx_array *a = mx_random_bits(NULL, s);
  mx_random_seed(5);
  CHECK(mx_item_bool(mx_array_equal(a, mx_random_bits(NULL, s), false)));
}
