/* test_probe_numerics.c — numeric defects found by probing (issue 10 items 10, 11): the mean of
 * integers accumulates in float64 as NumPy's does, and float32 sums keep NumPy's accuracy. */
#include <stdint.h>

#include "harness.h"

static double mean_all(mx_array *a) { return mx_item_f64(mx_mean(a, MX_ALL_AXES, false)); }

TEST(integer_mean_does_not_wrap) {
  int64_t big[3] = {4000000000000000000, 4000000000000000000, 4000000000000000000};
  CHECK_CLOSE(mean_all(mx_array_new(big, MX_SHAPE(3), MX_INT64)), 4e18, 1e-6, 0);
  uint64_t half[2] = {UINT64_C(1) << 63, UINT64_C(1) << 63};
  CHECK_CLOSE(mean_all(mx_array_new(half, MX_SHAPE(2), MX_UINT64)), 0x1p63, 1e-6, 0);
  int64_t neg[2] = {INT64_MIN, INT64_MIN};
  CHECK_CLOSE(mean_all(mx_array_new(neg, MX_SHAPE(2), MX_INT64)), -0x1p63, 1e-6, 0);
  /* along an axis (the column path) and over int32, whose sum is int64 without the fix too */
  int64_t m[6] = {INT64_MAX, 1, INT64_MAX, 2, INT64_MAX, 3};
  mx_array *col = mx_mean(mx_array_new(m, MX_SHAPE(3, 2), MX_INT64), MX_AXES(0), false);
  CHECK_CLOSE(mx_array_get_f64(col, (int64_t[]){0}), 0x1p63, 1e-6, 0);
  CHECK_CLOSE(mx_array_get_f64(col, (int64_t[]){1}), 2.0, 0, 0);
  int32_t small[4] = {-3, 4, 7, 1};
  CHECK_CLOSE(mean_all(mx_array_new(small, MX_SHAPE(4), MX_INT32)), 2.25, 0, 0);
  bool flags[4] = {true, false, true, true};
  CHECK_CLOSE(mean_all(mx_array_new(flags, MX_SHAPE(4), MX_BOOL)), 0.75, 0, 0);
}

TEST(integer_sum_keeps_its_dtype) {
  int64_t big[2] = {INT64_MAX, 1}; /* sum wraps, as NumPy's: only the mean moves to float64 */
  mx_array *s = mx_sum(mx_array_new(big, MX_SHAPE(2), MX_INT64), MX_ALL_AXES, false);
  CHECK_INT(mx_array_dtype(s), MX_INT64);
  CHECK(mx_item_f64(s) < 0);
}

/* 1e7 x 0.1f: NumPy's pairwise sum is off by 1.9e-7 of the exact sum; before, 2.4e-6 */
TEST(float32_sum_is_accurate) {
  const int64_t n = 10000000;
  mx_array *x = mx_full(MX_SHAPE(n), 0.1, MX_FLOAT32);
  double want = (double)n * (double)0.1f, got = mx_item_f64(mx_sum(x, MX_ALL_AXES, false));
  CHECK_CLOSE(got, want, 3e-7, 0);
  /* rows of a matrix (the row path) and a length that is no multiple of the block */
  mx_array *rows = mx_sum(mx_full(MX_SHAPE(4, 1000003), 0.1, MX_FLOAT32), MX_AXES(1), false);
  CHECK_CLOSE(mx_array_get_f64(rows, (int64_t[]){3}), 1000003 * (double)0.1f, 3e-7, 0);
}

/* NumPy gives 0.00098 (the float32 rounding of the mean); before, 0.0088 */
TEST(float32_std_of_a_constant_is_small) {
  mx_array *x = mx_full(MX_SHAPE(10000000), 12345.678, MX_FLOAT32);
  double sd = mx_item_f64(mx_std(x, MX_ALL_AXES, false, 0));
  CHECK(sd <= 0.001);
}
