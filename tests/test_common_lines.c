/* test_common_lines.c — the line plans and sort keys both backends use (src/backend/common/lines.h):
 * merged line offsets equal a direct walk over every non-axis index, and a stable sort by the
 * shared keys (at the widths the GPU sorts them) reproduces the CPU's argsort for every real dtype, on random bit
 * patterns (NaNs with any payload, -0.0, infinities, subnormals, integer extremes) with ties. */
#include "backend/common/lines.h"
#include "harness.h"

static void check_plan(int ndim, const int64_t *shape, const int64_t *is, const int64_t *os,
                       int axis, int want_nd) {
  mxi_lines L;
  mxi_lines_plan(&L, ndim, shape, is, os, axis);
  int64_t lines = 1;
  for (int i = 0; i < ndim; i++)
    if (i != axis) lines *= shape[i];
  CHECK_INT(L.nlines, lines);
  CHECK_INT(L.n, shape[axis]);
  CHECK_INT(L.in_step, is[axis]);
  CHECK_INT(L.out_step, os[axis]);
  if (want_nd >= 0) CHECK_INT(L.nd, want_nd);
  for (int64_t l = 0; l < lines; l++) {
    int64_t r = l, a = 0, b = 0, ga, gb;
    for (int i = ndim - 1; i >= 0; i--) {
      if (i == axis) continue;
      a += (r % shape[i]) * is[i];
      b += (r % shape[i]) * os[i];
      r /= shape[i];
    }
    mxi_lines_offsets(&L, l, &ga, &gb);
    if (ga != a || gb != b) {
      FAIL("axis %d line %lld: offsets (%lld, %lld), want (%lld, %lld)", axis, (long long)l,
           (long long)ga, (long long)gb, (long long)a, (long long)b);
      return;
    }
  }
}

/* row-major byte strides of shape */
static void row_major(int ndim, const int64_t *shape, int64_t esz, int64_t *s) {
  for (int i = ndim - 1; i >= 0; i--) {
    s[i] = esz;
    esz *= shape[i] > 1 ? shape[i] : 1;
  }
}

TEST(lines_plan_offsets) {
  int64_t sh[4] = {2, 3, 4, 5}, rm[4];
  row_major(4, sh, 4, rm);
  check_plan(4, sh, rm, rm, 0, 1); /* the three inner dims merge */
  check_plan(4, sh, rm, rm, 1, 2); /* 2 | 4x5 */
  check_plan(4, sh, rm, rm, 3, 1);
  /* a transposed input (strides of shape 5x4x3x2 reversed) into a row-major output */
  int64_t tsh[4] = {5, 4, 3, 2}, trm[4], tin[4];
  row_major(4, tsh, 8, trm);
  for (int i = 0; i < 4; i++) tin[i] = trm[3 - i];
  int64_t out[4];
  row_major(4, sh, 8, out);
  for (int ax = 0; ax < 4; ax++) check_plan(4, sh, tin, out, ax, -1);
  /* negative and sliced strides, size-1 dims with odd strides */
  int64_t s2[5] = {3, 1, 4, 1, 6}, in2[5] = {-960, 7, 240, 99, -8}, o2[5];
  row_major(5, s2, 2, o2);
  for (int ax = 0; ax < 5; ax++) check_plan(5, s2, in2, o2, ax, -1);
  /* broadcast (stride 0) input */
  int64_t s3[3] = {4, 3, 2}, in3[3] = {0, 8, 0}, o3[3];
  row_major(3, s3, 8, o3);
  for (int ax = 0; ax < 3; ax++) check_plan(3, s3, in3, o3, ax, -1);
  /* 1-d and a scalar-like line */
  int64_t s4[1] = {7}, i4[1] = {4};
  check_plan(1, s4, i4, i4, 0, 0);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t key_of(mx_dtype dt, const unsigned char *p) {
  switch (dt) {
    case MX_BOOL:
    case MX_UINT8: return *p;
    case MX_UINT16: return *(const uint16_t *)p;
    case MX_UINT32: return *(const uint32_t *)p;
    case MX_UINT64: return *(const uint64_t *)p;
    case MX_INT8: return mxi_key_i32(*(const int8_t *)p);
    case MX_INT16: return mxi_key_i32(*(const int16_t *)p);
    case MX_INT32: return mxi_key_i32(*(const int32_t *)p);
    case MX_INT64: return mxi_key_i64(*(const int64_t *)p);
    case MX_FLOAT16: return mxi_key_f16(*(const uint16_t *)p);
    case MX_BFLOAT16: return mxi_key_bf16(*(const uint16_t *)p);
    case MX_FLOAT32: return mxi_key_f32(*(const float *)p);
    case MX_FLOAT64: return mxi_key_f64(*(const double *)p);
    default: return 0;
  }
}

#define NKEYS 400
TEST(sort_keys_match_cpu_order) {
  mx_set_default_stream(mx_device_stream(mx_cpu_device()));
  static const mx_dtype dts[] = {MX_BOOL, MX_UINT8, MX_UINT16, MX_UINT32, MX_UINT64,
                                 MX_INT8, MX_INT16, MX_INT32, MX_INT64, MX_FLOAT16,
                                 MX_BFLOAT16, MX_FLOAT32, MX_FLOAT64};
  for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
    mx_dtype dt = dts[d];
    size_t esz = mx_dtype_size(dt);
    /* a pool of patterns: random bits, all-zero, sign bit only (-0.0 / INT_MIN), all-ones
     * (NaN / -1 / UINT_MAX), the largest positive, float infinities; rows draw from it (ties) */
    unsigned char pool[24][8], data[NKEYS * 8];
    for (int k = 0; k < 24; k++) {
      uint64_t v = rnd();
      if (k == 0) v = 0;
      if (k == 1) v = 1ull << (esz * 8 - 1);
      if (k == 2) v = ~0ull;
      if (k == 3) v = ~0ull >> (65 - esz * 8);
      if (k == 4 || k == 5) /* +-inf: exponent all ones, mantissa 0 */
        v = dt == MX_FLOAT16 ? 0x7c00 : dt == MX_BFLOAT16 ? 0x7f80 : dt == MX_FLOAT32 ? 0x7f800000u
                                                                     : 0x7ff0000000000000ull;
      if (k == 5) v |= 1ull << (esz * 8 - 1);
      if (dt == MX_BOOL) v &= 1;
      memcpy(pool[k], &v, esz); /* little-endian low bytes */
    }
    for (int i = 0; i < NKEYS; i++) memcpy(data + i * esz, pool[rnd() % 24], esz);
    mx_array *a = mx_array_new(data, MX_SHAPE(NKEYS), dt);
    const int64_t *cpu = mx_array_data(mx_argsort(a, 0));
    if (!CHECK(cpu != NULL)) return;
    int64_t pos[NKEYS];
    uint64_t key[NKEYS];
    for (int i = 0; i < NKEYS; i++) {
      key[i] = key_of(dt, data + i * esz);
      pos[i] = i;
    }
    for (int i = 1; i < NKEYS; i++) { /* stable insertion sort by key */
      int64_t p = pos[i];
      int j = i;
      for (; j > 0 && key[p] < key[pos[j - 1]]; j--) pos[j] = pos[j - 1];
      pos[j] = p;
    }
    for (int i = 0; i < NKEYS; i++)
      if (pos[i] != cpu[i]) {
        FAIL("%s: position %d is %lld by key, %lld on the cpu", mx_dtype_name(dt), i,
             (long long)pos[i], (long long)cpu[i]);
        break;
      }
  }
}
